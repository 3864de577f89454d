// /v1/articles/{id}/corrections: editors publish corrections; whoever may read the article reads
// them. Each is its own resource (version, ETag, If-Match) and each change is also a change of
// the article, which embeds them all.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { ArticlesRepository } from '../articles/repository.js'
import type { Config } from '../config.js'
import { bearer, keyIdOf, optionalBearer, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { notFound } from '../http/problems.js'
import { articleKey, setSurrogateKeys } from '../http/surrogate-keys.js'
import { IdParams, json, problems, ref } from '../http/schemas.js'
import { visibilityOf, visibleOr404 } from '../http/visibility.js'
import type { CorrectionsRepository } from './repository.js'
import { Correction, CorrectionCreate, CorrectionList, CorrectionParams, CorrectionPatch, CorrectionQuery } from './schemas.js'

export interface CorrectionRouteOptions {
  config: Config
  articles: ArticlesRepository
  corrections: CorrectionsRepository
}

const CHANGES_ARTICLE =
  'Also a change of the article: its `version` and `updatedAt` move, its revisions record the corrections, and a published ' +
  'article sends `article.updated`.'

export async function correctionRoutes(app: FastifyInstance, { config, articles, corrections }: CorrectionRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['corrections']
  const editorOnly = requireRole('editor')

  /** The article must be one this caller may see: a draft's corrections are as hidden as the draft. */
  const visibleParent = (request: FastifyRequest, id: string) => visibleOr404(articles.gate(id), visibilityOf(request.caller), id)

  r.post(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Publish a correction, clarification, update or retraction with an article',
        description: `${CHANGES_ARTICLE} A \`retraction\` makes the article \`retracted: true\`; it stays published. At most 100 an article.`,
        operationId: 'createCorrection',
        tags,
        security: bearer,
        params: IdParams,
        body: CorrectionCreate,
        response: {
          201: { ...json('The new correction; `Location` names it.', ref(Correction)), headers: { location: Type.String() } },
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const correction = corrections.add(id, request.body, keyIdOf(request.caller))
      return reply.code(201).header('location', `${baseUrl(request, config)}/v1/articles/${id}/corrections/${correction.id}`).send(correction)
    },
  )

  r.get(
    '/',
    {
      schema: {
        summary: "List an article's corrections, newest first",
        description: 'Anyone who may read the article; a draft answers 404 to anonymous callers, as the draft itself does.',
        operationId: 'listCorrections',
        tags,
        security: optionalBearer,
        params: IdParams,
        querystring: CorrectionQuery,
        response: { 200: json('A page of corrections.', CorrectionList), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      visibleParent(request, request.params.id)
      // Every change of a correction is a change of its article, which logs the article's key.
      setSurrogateKeys(reply, () => [articleKey(request.params.id)])
      return corrections.page(request.params.id, request.query.limit ?? 20, request.query.cursor)
    },
  )

  r.get(
    '/:correctionId',
    {
      schema: {
        summary: 'Read one correction',
        description: 'Anyone who may read the article; its ETag carries the correction\'s `version`, for `If-Match` on PATCH and DELETE.',
        operationId: 'getCorrection',
        tags,
        security: optionalBearer,
        params: CorrectionParams,
        response: { 200: json('The correction.', ref(Correction)), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { id, correctionId } = request.params
      visibleParent(request, id)
      const correction = corrections.get(id, correctionId)
      if (correction === null) throw notFound('correction', correctionId)
      setSurrogateKeys(reply, () => [articleKey(id)])
      return correction
    },
  )

  r.patch(
    '/:correctionId',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Change a correction (its type, text or time)',
        description: `${CHANGES_ARTICLE} \`If-Match\` takes the correction's ETag.`,
        operationId: 'updateCorrection',
        tags,
        security: bearer,
        params: CorrectionParams,
        body: CorrectionPatch,
        response: { 200: json('The changed correction.', ref(Correction)), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request) => {
      const { id, correctionId } = request.params
      return corrections.change(id, correctionId, request.body, { keyId: keyIdOf(request.caller), ifVersion: request.ifVersion })
    },
  )

  r.delete(
    '/:correctionId',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Remove a correction',
        description: `${CHANGES_ARTICLE} Removing the last retraction makes the article \`retracted: false\` again.`,
        operationId: 'deleteCorrection',
        tags,
        security: bearer,
        params: CorrectionParams,
        response: { 204: { description: 'Removed.' }, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const { id, correctionId } = request.params
      corrections.remove(id, correctionId, { keyId: keyIdOf(request.caller), ifVersion: request.ifVersion })
      return reply.code(204).send()
    },
  )
}
