// /v1/authors: author profiles. Anyone reads them (author pages); editors make, change and
// delete them. The e-mail is the newsroom's: only editors and admins see it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Config } from '../config.js'
import { bearer, hasRole, optionalBearer, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { notFound } from '../http/problems.js'
import { IdParams, json, problems, ref } from '../http/schemas.js'
import { AUTHOR_LIST, authorKey, mediaKey, setSurrogateKeys } from '../http/surrogate-keys.js'
import { type MediaRepository, toMedia } from '../media/repository.js'
import type { AuthorsRepository } from './repository.js'
import { Author, AuthorCreate, AuthorList, AuthorPatch, AuthorQuery, AuthorSlugParams, type StoredAuthor, toAuthor } from './schemas.js'

export interface AuthorRouteOptions {
  config: Config
  authors: AuthorsRepository
  media: MediaRepository
}

export async function authorRoutes(app: FastifyInstance, { config, authors, media }: AuthorRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['authors']
  const editorOnly = requireRole('editor')
  const authorResponse = (description: string) => json(description, ref(Author))

  /** The profiles as this caller may see them, their photos read in one query. */
  function present(request: FastifyRequest, list: StoredAuthor[]): Author[] {
    const base = baseUrl(request, config)
    const photos = media.findByIds(list.flatMap((a) => (a.photoMediaId === null ? [] : [a.photoMediaId])))
    const withEmail = hasRole(request.caller, ['editor'])
    return list.map((a) => {
      const photo = a.photoMediaId === null ? undefined : photos.get(a.photoMediaId)
      return toAuthor(a, photo === undefined ? null : toMedia(base, photo), withEmail)
    })
  }
  const one = (request: FastifyRequest, author: StoredAuthor | null, key: string, by = 'id'): Author => {
    if (author === null) throw notFound('author', key, by)
    return present(request, [author])[0]!
  }
  /** Named by its key and its photo's, which a change of either evicts. */
  const read = (request: FastifyRequest, reply: FastifyReply, author: StoredAuthor | null, key: string, by = 'id'): Author => {
    const shown = one(request, author, key, by)
    setSurrogateKeys(reply, () => [authorKey(shown.id), ...(shown.photo === null ? [] : [mediaKey(shown.photo.id)])])
    return shown
  }

  r.get(
    '/',
    {
      config: { responseCache: true },
      schema: {
        summary: 'List author profiles',
        description: 'In slug order, which for slugs made from names is alphabetical by first name.',
        operationId: 'listAuthors',
        tags,
        security: optionalBearer,
        querystring: AuthorQuery,
        response: { 200: json('A page of profiles.', AuthorList), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const page = authors.list(request.query.limit ?? 20, request.query.cursor)
      const data = present(request, page.data)
      // Every change to a profile logs `authors`; the photos have keys of their own.
      setSurrogateKeys(reply, () => [AUTHOR_LIST, ...data.flatMap((a) => (a.photo === null ? [] : [mediaKey(a.photo.id)]))])
      return { data, nextCursor: page.nextCursor }
    },
  )

  r.get(
    '/slug/:slug',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Read an author profile by its slug (an author page)',
        description: "The author's articles: `GET /v1/articles?authorId={id}`.",
        operationId: 'getAuthorBySlug',
        tags,
        security: optionalBearer,
        params: AuthorSlugParams,
        response: { 200: authorResponse('The profile.'), ...problems(401, 404) },
      },
    },
    async (request, reply) => read(request, reply, authors.getBySlug(request.params.slug), request.params.slug, 'slug'),
  )

  r.get(
    '/:id',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Read an author profile',
        description: 'With its photo embedded; the e-mail for editors and admins only. The same as by slug.',
        operationId: 'getAuthor',
        tags,
        security: optionalBearer,
        params: IdParams,
        response: { 200: authorResponse('The profile.'), ...problems(401, 404) },
      },
    },
    async (request, reply) => read(request, reply, authors.getById(request.params.id), request.params.id),
  )

  r.post(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Make an author profile',
        description: 'A missing `slug` is made from the name; a taken one is a 409. `photoMediaId` must name an existing media item.',
        operationId: 'createAuthor',
        tags,
        security: bearer,
        body: AuthorCreate,
        response: {
          201: { ...authorResponse('The new profile; `Location` names it.'), headers: { location: Type.String() } },
          ...problems(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const created = authors.create(request.body)
      return reply.code(201).header('location', `${baseUrl(request, config)}/v1/authors/${created.id}`).send(one(request, created, created.id))
    },
  )

  r.patch(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Change the fields given',
        description: 'A PATCH that changes nothing keeps the version.',
        operationId: 'updateAuthor',
        tags,
        security: bearer,
        params: IdParams,
        body: AuthorPatch,
        response: { 200: authorResponse('The changed profile.'), ...problems(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request) => one(request, authors.update(request.params.id, request.body, request.ifVersion), request.params.id),
  )

  r.delete(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Delete an author profile (409 while an article names it)',
        description: 'The 409 names up to five of the articles whose `authorIds` hold it.',
        operationId: 'deleteAuthor',
        tags,
        security: bearer,
        params: IdParams,
        response: { 204: { description: 'Deleted.' }, ...problems(401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      authors.remove(request.params.id, request.ifVersion)
      return reply.code(204).send()
    },
  )
}
