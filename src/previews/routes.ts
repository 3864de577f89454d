// Preview links: an editor makes a secret URL for a draft and sends it to a lawyer or a photo
// editor, who reads the article as it is now without a key. The token is the credential, so its
// answers are never cached or indexed, and it never reaches a log (see redactPreviewToken).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { ArticleEmbedder } from '../articles/embed.js'
import type { ArticlesRepository } from '../articles/repository.js'
import { Article } from '../articles/schemas.js'
import type { Config } from '../config.js'
import { bearer, keyIdOf, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { gone, notFound } from '../http/problems.js'
import { IdParams, json, problems, ref } from '../http/schemas.js'
import type { PreviewLinksRepository } from './repository.js'
import { PREVIEW_DEFAULT_SECONDS, PreviewLink, PreviewLinkCreate, PreviewParams } from './schemas.js'
import { TOKEN_PATTERN } from './tokens.js'

export interface PreviewRouteOptions {
  config: Config
  articles: ArticlesRepository
  previews: PreviewLinksRepository
  embed: ArticleEmbedder
}

/** On every answer of the preview route, errors included: private, not for search engines, no Referer. */
async function privateAnswer(_request: FastifyRequest, reply: FastifyReply) {
  reply.header('cache-control', 'private, no-store').header('x-robots-tag', 'noindex').header('referrer-policy', 'no-referrer')
}

export async function previewRoutes(app: FastifyInstance, { config, articles, previews, embed }: PreviewRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['previews']
  const editorOnly = requireRole('editor')

  const existing = (id: string) => {
    if (articles.gate(id) === null) throw notFound('article', id)
  }

  r.post(
    '/articles/:id/preview-links',
    {
      onRequest: editorOnly,
      preValidation: async (request) => {
        request.body ??= {}
      },
      // The answer holds the token, which is kept only hashed: it is never stored for a replay.
      config: { idempotency: false },
      schema: {
        summary: 'Make a preview link: a secret URL that shows the article as it is now, draft or not, to anyone who has it',
        description:
          'The token is shown only in this answer. `Idempotency-Key` is not honoured (its answer would have to be kept, ' +
          'token and all): a repeat makes another link. DELETE revokes them all.',
        operationId: 'createPreviewLink',
        tags,
        security: bearer,
        params: IdParams,
        body: PreviewLinkCreate,
        response: {
          201: { ...json('The new link; `Location` is its URL.', PreviewLink), headers: { location: Type.String() } },
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      existing(id)
      const link = previews.create(id, request.body?.expiresIn ?? PREVIEW_DEFAULT_SECONDS, keyIdOf(request.caller))
      const url = `${baseUrl(request, config)}/v1/preview/${link.token}`
      return reply.code(201).header('location', url).send({ token: link.token, url, expiresAt: link.expiresAt })
    },
  )

  r.delete(
    '/articles/:id/preview-links',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Revoke every preview link of the article at once',
        description: 'Their tokens answer 404 from now on.',
        operationId: 'revokePreviewLinks',
        tags,
        security: bearer,
        params: IdParams,
        response: { 204: { description: 'Revoked (also when there were none).' }, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      existing(request.params.id)
      previews.revokeAll(request.params.id)
      return reply.code(204).send()
    },
  )

  const expired = problems(410)[410] as object
  r.get(
    '/preview/:token',
    {
      onRequest: privateAnswer,
      config: { cache: 'no-store' },
      schema: {
        summary: 'Read the article a preview link shows, as it is now',
        description:
          'Anyone with the token, no key needed. The article in the shape of GET /v1/articles/{id}, whatever its status; ' +
          'the stories it embeds (related links, teasers, its original) only when published, as a reader would. ' +
          'Always `Cache-Control: private, no-store` and `X-Robots-Tag: noindex`.',
        operationId: 'getPreview',
        tags,
        security: [],
        params: PreviewParams,
        response: {
          200: json('The article.', ref(Article)),
          ...problems(401, 404),
          410: { ...expired, description: 'The link expired: ask the newsroom for a new one.' },
        },
      },
    },
    async (request) => {
      const { token } = request.params
      // Never echoed: a problem names no token, and a malformed one is as unknown as a revoked one.
      const link = TOKEN_PATTERN.test(token) ? previews.find(token) : null
      if (link === null) throw notFound('preview link')
      if (Date.parse(link.expiresAt) <= Date.now()) throw gone(`The preview link expired at ${link.expiresAt}; ask for a new one.`)
      const article = articles.getById(link.articleId)
      if (article === null) throw notFound('preview link')
      return embed.article(article, { base: baseUrl(request, config), includeUnpublished: false })
    },
  )
}
