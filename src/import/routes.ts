// /v1/import: editors import ninjs items, admins a WordPress export. Every write goes through the
// articles, media and comments repositories, each item in its own transaction; an item that
// cannot be imported is skipped with a warning in the results, while input that is not ninjs or
// not a WordPress export at all is refused whole (4xx) before anything is written.
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import multipart from '@fastify/multipart'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ArticlesRepository } from '../articles/repository.js'
import type { CommentsRepository } from '../comments/repository.js'
import type { Config } from '../config.js'
import { bearer, keyIdOf, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { badRequest, conflict, invalidField, Problem, unsupportedMediaType } from '../http/problems.js'
import { json, problems } from '../http/schemas.js'
import type { AuthorsRepository } from '../authors/repository.js'
import type { MediaRepository } from '../media/repository.js'
import type { MediaStorage, ReceivedFile } from '../media/storage.js'
import { asClientError } from '../media/upload.js'
import { type ImportContext, safely } from './context.js'
import { importNinjsItem } from './ninjs.js'
import type { ImportRecords } from './repository.js'
import {
  MAX_ITEM_HTML,
  NINJS_MAX_BYTES,
  NinjsImportBody,
  NinjsImportQuery,
  NinjsImportResponse,
  WordpressImportQuery,
  WordpressImportResponse,
  WordpressImportUpload,
} from './schemas.js'
import { warningText } from './warnings.js'
import { importWordpress } from './wordpress.js'
import { WxrError } from './wxr.js'

export interface ImportRouteOptions {
  config: Config
  articles: ArticlesRepository
  authors: AuthorsRepository
  media: MediaRepository
  comments: CommentsRepository
  records: ImportRecords
  storage: MediaStorage
}

/** Room for the multipart envelope around the file within IMPORT_MAX_BYTES's check of Content-Length. */
const ENVELOPE_BYTES = 64 * 1024

/** A 413 that also closes the connection, so that the rest of a huge upload is never read. */
const tooLarge = (max: number) =>
  new Problem(413, 'payload-too-large', 'Payload Too Large', `The export is larger than the ${max} bytes allowed (IMPORT_MAX_BYTES).`, undefined, { connection: 'close' })

export async function importRoutes(app: FastifyInstance, options: ImportRouteOptions) {
  const { config, storage } = options
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['import']
  await app.register(multipart, { limits: { fileSize: config.importMaxBytes, files: 1, fields: 4, parts: 5, headerPairs: 100 } })
  let wordpressRunning = false

  const context = (request: FastifyRequest): ImportContext => ({
    ...options,
    maxUploadBytes: config.maxUploadBytes,
    commentMaxDepth: config.commentMaxDepth,
    keyId: keyIdOf(request.caller),
    base: baseUrl(request, config),
    logError: (error, item) => request.log.error({ err: error, item }, 'an imported item failed'),
  })

  r.post(
    '/ninjs',
    {
      onRequest: requireRole('editor'),
      bodyLimit: NINJS_MAX_BYTES,
      schema: {
        summary: 'Import ninjs items (1.x, 2.x, 3.x) as articles and media',
        description:
          'A text item becomes an article: headline → `title`, sub-headline → `subtitle`, description → `summary`, the HTML ' +
          'body → blocks, byline → `authors`, copyright holder → `sources`, subjects → `tags`, language → `locale`, `uri` → ' +
          '`externalId`. Picture associations become media items with caption, credit, creator, copyright notice and usage ' +
          'terms, the first the lead; the service never fetches their files, so each is a media item without bytes (a ' +
          'warning says so). A new article is a draft unless `?publish=true` and the item is `usable`; a `canceled` or ' +
          '`withheld` item unpublishes the article it updates. The same `uri` again updates its article (a new revision) ' +
          'when its `version` is newer, and is `unchanged` otherwise. An item that cannot be imported is `skipped` with ' +
          'warnings; a body that is not ninjs is a 400 and changes nothing.',
        operationId: 'importNinjs',
        tags,
        security: bearer,
        querystring: NinjsImportQuery,
        body: NinjsImportBody,
        response: { 200: json('What became of each item, in order.', NinjsImportResponse), ...problems(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const items = Array.isArray(request.body) ? request.body : [request.body]
      const ctx = context(request)
      const publish = request.query.publish ?? false
      const data = []
      for (const raw of items) {
        const result = await safely(`ninjs ${raw.uri}`, ctx, () => importNinjsItem(raw, { publish }, ctx), { uri: raw.uri })
        data.push({ ...result, warnings: result.warnings.map(warningText) })
      }
      return { data }
    },
  )

  r.post(
    '/wordpress',
    {
      onRequest: [requireRole('admin'), refuseDeclaredSize(config.importMaxBytes)],
      // The form is read as a stream in the handler (its schema documents it); the query is checked as everywhere.
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : app.validatorCompiler!(route)),
      schema: {
        summary: 'Import a WordPress export (WXR 1.1, 1.2): posts, attachments and comments',
        description:
          'A `multipart/form-data` body with the export as its `file` part, at most `IMPORT_MAX_BYTES` (413 beyond, ' +
          'told by `Content-Length` before the upload is read). Posts become articles (`publish` published at its ' +
          'date, `future` scheduled, `draft`, `pending`, `private` and password-protected drafts, `trash` skipped), ' +
          'attachments media items without their bytes (the command line reads them from a copy of the uploads ' +
          'folder), comments comments with their status, date and thread. Pages are skipped unless `?pages=true`. ' +
          'The same export again changes nothing. A file that is not a well-formed WordPress export, or holds a ' +
          'DOCTYPE, is a 400 before anything is written. One WordPress import runs at a time (409).',
        operationId: 'importWordpress',
        tags,
        security: bearer,
        consumes: ['multipart/form-data'],
        querystring: WordpressImportQuery,
        body: { content: { 'multipart/form-data': { schema: WordpressImportUpload } } },
        response: { 200: json('Counts, and what became of each item.', WordpressImportResponse), ...problems(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request) => {
      if (wordpressRunning) throw conflict('A WordPress import is already running; send this one when it has finished.')
      wordpressRunning = true
      let file: ReceivedFile | null = null
      try {
        file = await receiveExport(request, storage, config.importMaxBytes)
        const path = file.tempPath
        const open = () => createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })
        const pages = request.query.pages ?? false
        return await importWordpress(open, { pages, uploads: null, maxItemHtml: MAX_ITEM_HTML }, context(request))
      } catch (error) {
        if (error instanceof WxrError) throw badRequest(`The file is not a WordPress export that can be imported: ${error.message}.`)
        throw error
      } finally {
        wordpressRunning = false
        if (file) await rm(file.tempPath, { force: true })
      }
    },
  )
}

/** Refuses an upload whose declared length is over the limit before a byte of it is read. */
function refuseDeclaredSize(max: number) {
  return async (request: FastifyRequest) => {
    const declared = Number(request.headers['content-length'] ?? 0)
    if (declared > max + ENVELOPE_BYTES) throw tooLarge(max)
  }
}

/** The `file` part streamed to a temp file under MEDIA_DIR, cut off (413) at `max` bytes. */
async function receiveExport(request: FastifyRequest, storage: MediaStorage, max: number): Promise<ReceivedFile> {
  if (!request.isMultipart()) throw unsupportedMediaType('Send the export as multipart/form-data, in a part named "file".')
  let file: ReceivedFile | null = null
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file' || part.fieldname !== 'file' || file !== null) {
        if (part.type === 'file') part.file.resume()
        throw invalidField(`body.${part.fieldname}`, part.fieldname === 'file' ? 'must be one file' : 'is not an allowed field: send only "file"')
      }
      file = await storage.receive(part.file, storage.tempPath('.xml'))
      if (part.file.truncated) throw tooLarge(max)
    }
  } catch (error) {
    if (file) await rm(file.tempPath, { force: true })
    throw asClientError(error)
  }
  if (file === null) throw invalidField('body.file', 'is required')
  if (file.size === 0) {
    await rm(file.tempPath, { force: true })
    throw invalidField('body.file', 'is empty')
  }
  return file
}
