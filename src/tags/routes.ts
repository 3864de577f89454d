// /v1/tags: the tags in use, with their counts of published articles, and their rename.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { ArticlesRepository } from '../articles/repository.js'
import { bearer, keyIdOf, optionalBearer, requireRole } from '../http/auth.js'
import { json, problems } from '../http/schemas.js'
import { setSurrogateKeys, TAG_LIST } from '../http/surrogate-keys.js'
import { visibilityOf } from '../http/visibility.js'
import { renameTag } from './rename.js'
import type { TagsRepository } from './repository.js'
import { TagList, TagQuery, TagRename, TagRenameResult } from './schemas.js'

export interface TagRouteOptions {
  articles: ArticlesRepository
  tags: TagsRepository
}

export async function tagRoutes(app: FastifyInstance, { articles, tags }: TagRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const openapiTags = ['tags']

  r.get(
    '/',
    {
      config: { responseCache: true },
      schema: {
        summary: 'List tags with their counts of published articles',
        description:
          'Alphabetical, without regard to case. Readers see the tags of published articles only; editors see every tag, ' +
          'those only drafts hold with a count of 0. With `q`, only tags that start with it.',
        operationId: 'listTags',
        tags: openapiTags,
        security: optionalBearer,
        querystring: TagQuery,
        response: { 200: json('A page of tags.', TagList), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, q } = request.query
      // Published articles taking, dropping or spelling a tag anew log `tags`.
      setSurrogateKeys(reply, () => [TAG_LIST])
      return tags.list({ limit: limit ?? 20, cursor, q, includeUnpublished: visibilityOf(request.caller).includeUnpublished })
    },
  )

  r.post(
    '/rename',
    {
      onRequest: requireRole('editor'),
      schema: {
        summary: 'Rename or merge a tag on every article',
        description:
          'Every article holding `from` (in any case, drafts too) gets `to` in its place, as a new revision with its webhook ' +
          'event, exactly as if an editor had changed its tags. Renaming to a tag an article already holds merges the two; ' +
          'renaming to the same tag in another case respells it. Articles change one at a time: a rename cut short is ' +
          'finished by sending it again.',
        operationId: 'renameTag',
        tags: openapiTags,
        security: bearer,
        body: TagRename,
        response: { 200: json('How many articles changed.', TagRenameResult), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const count = await renameTag({ articles, tags }, request.body, keyIdOf(request.caller))
      return { from: request.body.from, to: request.body.to, count }
    },
  )
}
