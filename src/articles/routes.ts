// /v1/articles: editors write and publish; everyone reads what is published.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { bearer, keyIdOf, optionalBearer, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { forbidden, notFound } from '../http/problems.js'
import type { Render, RenderStore } from '../renders/store.js'
import { setSurrogateKeys } from '../http/surrogate-keys.js'
import { visibilityOf, visibleOr404 } from '../http/visibility.js'
import { IdParams, json, PageQuery, problems, ref } from '../http/schemas.js'
import { Type } from 'typebox'
import type { ArticleEmbedder, EmbedContext } from './embed.js'
import type { ArticlesRepository } from './repository.js'
import { createStoredReads } from './stored-reads.js'
import { articleKeys, listKeys, membershipKeys } from './surrogate-keys.js'
import {
  Article,
  ArticleCreate,
  ArticleList,
  ArticlePatch,
  ArticleQuery,
  ArticleReadQuery,
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
  /** The body as HTML, for `?include=html` (the feeds' renderer, `bodyHtml` in src/distribution/stories.ts). */
  bodyHtml: (article: Article, base: string) => string
  /** Readers' copies kept as bytes (src/renders/); null when STORED_RENDERS is off. */
  renders: RenderStore | null
}

export async function articleRoutes(app: FastifyInstance, { config, articles, embed, bodyHtml, renders }: ArticleRouteDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const stored = createStoredReads(renders, embed, articles)
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

  const shown = (stored: StoredArticle, query: ArticleReadQuery, ctx: EmbedContext): Article => {
    const article = embed.article(stored, ctx)
    return query.include === 'html' ? { ...article, bodyHtml: bodyHtml(article, ctx.base) } : article
  }

  /**
   * A read of one article, named by the keys of what it shows, with its body as HTML when
   * `?include=html` asks: for readers a stored render (`find`) when there is one.
   */
  const read = (
    request: FastifyRequest<{ Querystring: ArticleReadQuery }>,
    reply: FastifyReply,
    find: (store: RenderStore, kind: string, base: string) => Render | null,
    load: () => StoredArticle,
  ): Article | FastifyReply => {
    const ctx = context(request)
    if (ctx.includeUnpublished) {
      const article = load()
      const answer = shown(article, request.query, ctx)
      // The HTML shows what the article shows: the same keys.
      setSurrogateKeys(reply, () => articleKeys(article, answer))
      return answer
    }
    const kind = request.query.include === 'html' ? 'article-html' : 'article'
    return stored.article(
      reply,
      ctx,
      kind,
      (store) => find(store, kind, ctx.base),
      () => {
        const article = load()
        return { stored: article, article: shown(article, request.query, ctx) }
      },
    )
  }

  const articleResponse = (description: string) => json(description, ref(Article))

  r.post(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Create an article (a draft unless status says review)',
        description:
          'Editors. Only `title` is required. Without `slug` one is made from the title (lower-case ASCII, accents folded); ' +
          'a slug already taken, given or made, is a 409. Block text is sanitized to the allowed inline HTML; a `mediaId`, ' +
          '`articleId` or `leadMediaId` that does not exist is a 400. Publish with POST /v1/articles/{id}/publish.',
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
    async (request, reply) => {
      const visibility = visibilityOf(request.caller)
      if (request.query.status !== undefined && request.query.status !== 'published' && !visibility.includeUnpublished) {
        throw forbidden('Only editors may list articles that are not published.')
      }
      const query = { ...request.query, limit: request.query.limit ?? 20 }
      if (!visibility.includeUnpublished) return stored.page(reply, context(request), query, membershipKeys(request.query))
      const page = articles.list(query, visibility)
      const data = embed.summaries(page.data, context(request))
      setSurrogateKeys(reply, () => listKeys(request.query, data))
      return { data, nextCursor: page.nextCursor }
    },
  )

  r.get(
    '/slug/:slug',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Read an article by its slug, with media and related links embedded',
        description:
          'The same answer as GET /v1/articles/{id}, found by slug: one request per page for a front end. Readers get ' +
          'published articles only (anything else is a 404 to them); editors get every status. Slugs are unique within a ' +
          'locale: `?locale=es` reads the Spanish one; without it, DEFAULT_LOCALE.',
        operationId: 'getArticleBySlug',
        tags,
        security: optionalBearer,
        params: SlugParams,
        querystring: SlugQuery,
        response: { 200: articleResponse('The article.'), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { slug } = request.params
      const locale = articles.slugLocale(request.query.locale)
      return read(
        request,
        reply,
        (store, kind, base) => store.bySlug(kind, base, locale, slug),
        () => visible(request, articles.getBySlug(slug, locale), slug, 'slug'),
      )
    },
  )

  r.get(
    '/:id',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Read an article, with media and related links embedded',
        description:
          'Embeds the lead media, the media of `media` blocks, the summaries of teased articles and the related links. ' +
          'Readers get published articles only (anything else is a 404 to them); editors get every status.',
        operationId: 'getArticle',
        tags,
        security: optionalBearer,
        params: IdParams,
        querystring: ArticleReadQuery,
        response: { 200: articleResponse('The article.'), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      return read(
        request,
        reply,
        (store, kind, base) => store.byId(kind, base, id),
        () => visible(request, articles.getById(id), id),
      )
    },
  )

  r.patch(
    '/:id',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Change the fields given',
        description:
          'Editors. Fields left out keep their value; `body` and the lists are replaced whole. `status` may move the ' +
          'article to `draft`, `review` or `archived` (publish with POST …/publish). Each change records a revision and ' +
          'raises `version`; send the ETag in `If-Match` to refuse (412) a change based on a stale read.',
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
          'Editors. Final: nothing of it is kept, and its slug is free again. Sends `article.deleted` to webhooks, ' +
          'whatever its status was. Allowed while other articles mention it in `related` body blocks (a story can be ' +
          'killed at once, e.g. a legal takedown): those blocks are kept as they are but never shown to readers; editors ' +
          'see them with `article: null`. They do not stop edits of the articles that hold them: only a reference a ' +
          'request adds must exist. Deleting the original of a translation group makes its oldest translation the ' +
          'original (a new version of each member).',
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
        description:
          'Editors. The article becomes a `draft`, whatever its status: `publishedAt` and `scheduledAt` are cleared and ' +
          'readers no longer see it (404). A draft stays as it is.',
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
        description:
          'Editors. Every change of the article (create, edit, publish, unpublish, restore, the scheduler going live) ' +
          'recorded the article as it stood afterwards, with the key that made it.',
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
        description:
          'Editors. Brings back the title, subtitle, summary, body, bylines, section, tags, sources, locale, lead media ' +
          'and comment setting of revision `revision`, as a new revision. When the revision names media or an article ' +
          'that no longer exists, nothing changes: 409.',
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
