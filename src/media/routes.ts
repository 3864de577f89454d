// /v1/media: editors upload, describe, list and delete media; anyone may fetch the bytes at
// an item's `url` (GET /v1/media/{id}/file), since published pages embed them.
import { rm } from 'node:fs/promises'
import multipart from '@fastify/multipart'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { bearer, optionalBearer, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { idempotentAfterBody } from '../http/idempotency.js'
import { notFound } from '../http/problems.js'
import { mediaKey, setSurrogateKeys } from '../http/surrogate-keys.js'
import type { Config } from '../config.js'
import { IdParams, json, problems, ProblemSchema, ref } from '../http/schemas.js'
import { tidy } from './metadata.js'
import { planRendition, type Renditions } from './renditions.js'
import { type MediaRepository, type StoredMedia, toMedia } from './repository.js'
import { FileQuery, Media, MediaList, MediaPatch, MediaQuery, MediaUpload } from './schemas.js'
import { sendFile } from './serve-file.js'
import { ALLOWED_DESCRIPTION } from './sniff.js'
import type { MediaStorage } from './storage.js'
import { multipartLimits, readUploadForm, storeUpload } from './upload.js'

// The bytes a file URL can answer with, for the OpenAPI document.
const BINARY = { type: 'string', format: 'binary' }
const FILE_TYPES = ['image/*', 'video/*', 'audio/*', 'application/pdf']
const binaryContent = Object.fromEntries(FILE_TYPES.map((type) => [type, { schema: BINARY }]))
const cacheHeaders = {
  etag: { type: 'string', description: 'Strong: the SHA-256 of these bytes, quoted.' },
  'cache-control': { type: 'string', description: '`public, max-age=31536000, immutable`: the bytes behind a URL never change.' },
  'accept-ranges': { type: 'string', description: '`bytes`.' },
}

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref(ProblemSchema) } } })

export interface MediaRouteOptions {
  config: Config
  media: MediaRepository
  storage: MediaStorage
  renditions: Renditions
}

export async function mediaRoutes(app: FastifyInstance, { config, media, storage, renditions }: MediaRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['media']
  const editorOnly = requireRole('editor')
  // Registered here only: no other route accepts multipart bodies.
  await app.register(multipart, { limits: multipartLimits(config.maxUploadBytes) })

  const base = (request: FastifyRequest) => baseUrl(request, config)
  const found = (id: string): StoredMedia => {
    const item = media.getById(id)
    if (!item) throw notFound('media', id)
    return item
  }
  const mediaResponse = (description: string) => json(description, ref(Media))

  // Once listening, in the background (the service answers meanwhile): bytes a crash left
  // without their row, placed on disk just before the process died. Here rather than in app.ts
  // because it starts with the server only: apps that tests build and never listen share a
  // MEDIA_DIR, each with a database of its own that references none of the others' files.
  const sweeping = new AbortController()
  let sweep = Promise.resolve()
  app.addHook('onListen', (done) => {
    sweep = storage.sweepOrphans((sha256) => media.isShaUsed(sha256), sweeping.signal).then(
      (removed) => app.log.info({ removed }, 'removed the stored bytes that no media item references, with their renditions'),
      (error: unknown) => app.log.warn({ err: error }, 'sweeping media files that no media item references failed'),
    )
    done()
  })
  app.addHook('preClose', async () => {
    sweeping.abort()
    await sweep
  })

  r.post(
    '/',
    {
      onRequest: editorOnly,
      // The form is read as a stream in the handler; the body schema documents it for
      // OpenAPI and generated clients, and is never run against the (unparsed) body.
      validatorCompiler: () => () => true,
      schema: {
        summary: 'Upload a file, with its caption, credit and rights',
        description:
          `A \`multipart/form-data\` body with one \`file\` part and any of the text fields. The type is read from the bytes ` +
          `(${ALLOWED_DESCRIPTION}; anything else is 415), never from the name or the part's Content-Type. A file over ` +
          '`MAX_UPLOAD_BYTES` is 413. Text fields left out or empty are taken from the embedded IPTC or XMP metadata ' +
          '(caption, credit line, creator, copyright notice, usage terms, alt text); the same bytes uploaded twice are ' +
          'stored once, each upload still its own item.',
        operationId: 'createMedia',
        tags,
        security: bearer,
        consumes: ['multipart/form-data'],
        body: { content: { 'multipart/form-data': { schema: MediaUpload } } },
        response: {
          201: { ...mediaResponse('The new media item; `Location` names it.'), headers: { location: Type.String() } },
          ...problems(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const form = await readUploadForm(request, storage, config.maxUploadBytes)
      // The form is read only now, so only now can a key be told apart from its first use. A
      // replay or a 422 stores nothing: the bytes read go.
      const replayed = await idempotentAfterBody(request, reply, form.digest).catch(async (error: unknown) => {
        await rm(form.file.tempPath, { force: true })
        throw error
      })
      if (replayed) {
        await rm(form.file.tempPath, { force: true })
        return reply
      }
      const b = base(request)
      const created = await storeUpload(form, storage, media, (item) => media.create(item, { base: b }))
      return reply.code(201).header('location', `${b}/v1/media/${created.id}`).send(toMedia(b, created))
    },
  )

  r.get(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'List media, newest first',
        description: 'Editors only: readers get media embedded in the articles they can see, and the bytes at each `url`.',
        operationId: 'listMedia',
        tags,
        security: bearer,
        querystring: MediaQuery,
        response: { 200: json('A page of media items.', MediaList), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const page = media.list({ ...request.query, limit: request.query.limit ?? 20 })
      const b = base(request)
      return { data: page.data.map((item) => toMedia(b, item)), nextCursor: page.nextCursor }
    },
  )

  r.get(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Read a media item',
        description: 'Editors only; the bytes at its `url` are public.',
        operationId: 'getMedia',
        tags,
        security: bearer,
        params: IdParams,
        response: { 200: mediaResponse('The media item.'), ...problems(401, 403, 404) },
      },
    },
    async (request) => toMedia(base(request), found(request.params.id)),
  )

  r.patch(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Change the text fields given',
        description: 'The file itself never changes: upload a new item instead. A PATCH that changes nothing keeps the version.',
        operationId: 'updateMedia',
        tags,
        security: bearer,
        params: IdParams,
        body: MediaPatch,
        response: { 200: mediaResponse('The changed media item.'), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request) => {
      const patch: MediaPatch = {}
      for (const [field, value] of Object.entries(request.body) as [keyof MediaPatch, string][]) patch[field] = tidy(value)
      return toMedia(base(request), media.update(request.params.id, patch, { base: base(request), ifVersion: request.ifVersion }))
    },
  )

  r.delete(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Delete a media item (409 while an article uses it)',
        description: 'Its bytes and renditions are removed from disk unless another item holds the same bytes.',
        operationId: 'deleteMedia',
        tags,
        security: bearer,
        params: IdParams,
        response: { 204: { description: 'Deleted.' }, ...problems(401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const { sha256 } = found(request.params.id)
      await storage.withLock(sha256, async () => {
        const { bytesStillUsed } = media.remove(request.params.id, request.ifVersion)
        if (!bytesStillUsed) await storage.removeBytes(sha256)
      })
      return reply.code(204).send()
    },
  )

  r.get(
    '/:id/file',
    {
      schema: {
        summary: "Fetch a media item's bytes, or a rendition of an image",
        description:
          'Public: this is the `url` that pages embed (ids are unguessable). Strong `ETag` (the SHA-256 of the bytes ' +
          'sent), `304` on `If-None-Match`, single `Range` requests (`206`, `416`), cached for a year as immutable. ' +
          'For images, `width`, `height` (each 1 to 4096) and `format` make a rendition, made once and kept: one side ' +
          'keeps the aspect ratio, both crop to fill them from the centre; a rendition is never larger than the original. ' +
          'Each side is rounded up to the next size the service makes (`RENDITION_WIDTHS`, by default 160, 320, 640, 960, ' +
          '1280, 1920 and 2560: ask for 600 and get 640), so an image has a bounded set of renditions. Renditions carry no ' +
          'embedded metadata. A new rendition may take seconds to make; while the service is busy making others it answers ' +
          '503 with `Retry-After`.',
        operationId: 'getMediaFile',
        tags,
        security: optionalBearer,
        params: IdParams,
        querystring: FileQuery,
        response: {
          200: { description: 'The bytes (or the rendition).', headers: cacheHeaders, content: binaryContent },
          206: {
            description: 'The requested byte range.',
            headers: { ...cacheHeaders, 'content-range': { type: 'string', description: '`bytes start-end/size`.' } },
            content: binaryContent,
          },
          304: { description: 'Not modified: the `If-None-Match` ETag is current.', headers: cacheHeaders },
          ...problems(400, 401, 404),
          416: problemResponse('The range lies outside the file; `Content-Range: bytes */size` gives its size.'),
          422: problemResponse('The stored image could not be converted (a damaged file), or not within 30 s.'),
          ...problems(503),
        },
      },
    },
    async (request, reply) => {
      const item = found(request.params.id)
      // The bytes never change; a CDN still drops them when the item is deleted.
      setSurrogateKeys(reply, () => [mediaKey(item.id)])
      // Uploads are never empty: an item of no bytes was imported without its file (src/import/).
      if (item.size === 0) throw notFound('media file')
      const plan = planRendition(item, request.query, renditions.widths)
      if (plan === null) {
        return sendFile(request, reply, { path: storage.originalPath(item.sha256), etag: `"${item.sha256}"`, mimeType: item.mimeType, filename: item.filename })
      }
      // The client may give up while its rendition waits or is made: then nobody needs it.
      const gone = new AbortController()
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort()
      })
      const rendition = await renditions.get(item, plan, gone.signal)
      const stem = item.filename.replace(/\.[^.]*$/, '')
      return sendFile(request, reply, { path: rendition.path, etag: rendition.etag, mimeType: rendition.mimeType, filename: `${stem}.${rendition.ext}` })
    },
  )
}
