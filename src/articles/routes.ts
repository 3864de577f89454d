// /v1/articles: editors write and publish; everyone reads what is published.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { bearer, keyIdOf, optionalBearer, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { forbidden, notFound } from '../http/problems.js'
import { visibilityOf, visibleOr404 } from '../http/visibility.js'
import { IdParams, json, PageQuery, problems, ref } from '../http/schemas.js'
import { Type } from 'typebox'
import type { ArticleEmbedder, EmbedContext } from './embed.js'
import type { ArticlesRepository } from './repository.js'
import {
  Article,
  ArticleCreate,
  ArticleList,
  ArticlePatch,
  ArticleQuery,
  PublishBody,
  RevisionList,
  RevisionParams,
  SlugParams,
  SlugQuery,
  type StoredArticle,
} from './schemas.js'

export interface ArticleRouteDeps {
  config: Config
  articles: ArticlesRepository
  embed: ArticleEmbedder
}

export async function articleRoutes(app: FastifyInstance, { config, articles, embed }: ArticleRouteDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['articles']
  const editorOnly = requireRole('editor')

  const context = (request: FastifyRequest): EmbedContext => ({
    base: baseUrl(request, config),
    ...visibilityOf(request.caller),
  })

  const visible = (request: FastifyRequest, article: StoredArticle | null, key: string, by = 'id'): StoredArticle =>
    visibleOr404(article, visibilityOf(request.caller), key, by)

  const found = (article: StoredArticle | null, id: string): StoredArticle => {
    if (!article) throw notFound('article', id)
    return article
  }

  const articleResponse = (description: string) => json(description, ref(Article))

  r.post(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Create an article (a draft unless status says review)',
        operationId: 'createArticle',
        tags,
        security: bearer,
        body: ArticleCreate,
        response: {
          201: { ...articleResponse('The new article; `Location` names it.'), headers: { location: Type.String() } },
          ...problems(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const created = articles.create(request.body, keyIdOf(request.caller))
      const ctx = context(request)
      return reply.code(201).header('location', `${ctx.base}/v1/articles/${created.id}`).send(embed.article(created, ctx))
    },
  )

  r.get(
    '/',
    {
      config: { responseCache: true },
      schema: {
        summary: 'List article summaries, newest first, or search them',
        description:
          'Newest `publishedAt` first (articles never published by `updatedAt`); with `q`, best match first. ' +
          'Anonymous callers and moderators see published articles only.',
        operationId: 'listArticles',
        tags,
        security: optionalBearer,
        querystring: ArticleQuery,
        response: { 200: json('A page of summaries.', ArticleList), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const visibility = visibilityOf(request.caller)
      if (request.query.status !== undefined && request.query.status !== 'published' && !visibility.includeUnpublished) {
        throw forbidden('Only editors may list articles that are not published.')
      }
      const page = articles.list({ ...request.query, limit: request.query.limit ?? 20 }, visibility)
      return { data: embed.summaries(page.data, context(request)), nextCursor: page.nextCursor }
    },
  )

  r.get(
    '/slug/:slug',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Read an article by its slug, with media and related links embedded',
        description: 'Slugs are unique within a locale: `?locale=es` reads the Spanish one; without it, DEFAULT_LOCALE.',
        operationId: 'getArticleBySlug',
        tags,
        security: optionalBearer,
        params: SlugParams,
        querystring: SlugQuery,
        response: { 200: articleResponse('The article.'), ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const { slug } = request.params
      return embed.article(visible(request, articles.getBySlug(slug, request.query.locale), slug, 'slug'), context(request))
    },
  )

  r.get(
    '/:id',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Read an article, with media and related links embedded',
        operationId: 'getArticle',
        tags,
        security: optionalBearer,
        params: IdParams,
        response: { 200: articleResponse('The article.'), ...problems(401, 404) },
      },
    },
    async (request) => embed.article(visible(request, articles.getById(request.params.id), request.params.id), context(request)),
  )

  r.patch(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Change the fields given',
        operationId: 'updateArticle',
        tags,
        security: bearer,
        params: IdParams,
        body: ArticlePatch,
        response: { 200: articleResponse('The changed article.'), ...problems(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request) => {
      const keyId = keyIdOf(request.caller)
      return embed.article(articles.update(request.params.id, request.body, { keyId, ifVersion: request.ifVersion }), context(request))
    },
  )

  r.delete(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Delete an article with its comments, revisions and every related link to or from it',
        description:
          'Allowed while other articles mention it in `related` body blocks (a story can be killed at once, e.g. a legal ' +
          'takedown). Those blocks are kept as they are but never shown to readers; editors see them with `article: null`. ' +
          'They do not stop edits of the articles that hold them: only a reference a request adds must exist. Deleting the ' +
          'original of a translation group makes its oldest translation the original (a new version of each member).',
        operationId: 'deleteArticle',
        tags,
        security: bearer,
        params: IdParams,
        response: { 204: { description: 'Deleted.' }, ...problems(401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      articles.remove(request.params.id, request.ifVersion, keyIdOf(request.caller))
      return reply.code(204).send()
    },
  )

  r.post(
    '/:id/publish',
    {
      onRequest: editorOnly,
      // A client may POST with no body at all: that means "publish now".
      preValidation: async (request) => {
        request.body ??= {}
      },
      schema: {
        summary: 'Publish now, or schedule with a future `at`',
        description:
          'Publishing a published article changes nothing. A scheduled article goes live within a couple of seconds of `at`, ' +
          'or when the service starts if it was down then.',
        operationId: 'publishArticle',
        tags,
        security: bearer,
        params: IdParams,
        body: PublishBody,
        response: { 200: articleResponse('The published or scheduled article.'), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request) => {
      const keyId = keyIdOf(request.caller)
      return embed.article(articles.publish(request.params.id, request.body?.at, { keyId }), context(request))
    },
  )

  r.post(
    '/:id/unpublish',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Take an article back to draft (also cancels a schedule)',
        operationId: 'unpublishArticle',
        tags,
        security: bearer,
        params: IdParams,
        response: { 200: articleResponse('The article, now a draft.'), ...problems(401, 403, 404, 412) },
      },
    },
    async (request) => {
      const keyId = keyIdOf(request.caller)
      return embed.article(articles.unpublish(request.params.id, { keyId }), context(request))
    },
  )

  r.get(
    '/:id/revisions',
    {
      onRequest: editorOnly,
      schema: {
        summary: "List an article's revisions, newest first",
        operationId: 'listArticleRevisions',
        tags,
        security: bearer,
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: json('A page of revisions.', RevisionList), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      found(articles.getById(request.params.id), request.params.id)
      return articles.listRevisions(request.params.id, request.query.limit ?? 20, request.query.cursor)
    },
  )

  r.post(
    '/:id/revisions/:revision/restore',
    {
      onRequest: editorOnly,
      schema: {
        summary: "Restore a revision's content (the slug and publication state stay as they are)",
        operationId: 'restoreArticleRevision',
        tags,
        security: bearer,
        params: RevisionParams,
        response: { 200: articleResponse('The article with the content restored, as a new revision.'), ...problems(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request) => {
      const keyId = keyIdOf(request.caller)
      return embed.article(articles.restore(request.params.id, request.params.revision, { keyId }), context(request))
    },
  )
}
