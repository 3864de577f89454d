// /v1/articles/{id}/related: an article's curated related links, and suggestions for more.
// The links are their own resource: changing them leaves the article's version, updatedAt and
// revisions alone (a reorder is not an edit of the story), and the list has its own version.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ArticleEmbedder, EmbedContext } from '../articles/embed.js'
import type { ArticlesRepository } from '../articles/repository.js'
import type { StoredArticle } from '../articles/schemas.js'
import { bearer, optionalBearer, requireRole } from '../http/auth.js'
import { setEtagVersion } from '../http/conditional.js'
import { baseUrl } from '../http/base-url.js'
import { notFound } from '../http/problems.js'
import { articleKey, setSurrogateKeys } from '../http/surrogate-keys.js'
import { relatedKeys } from '../articles/surrogate-keys.js'
import { visibilityOf, visibleOr404 } from '../http/visibility.js'
import type { Config } from '../config.js'
import { IdParams, json, problems, ref } from '../http/schemas.js'
import { Type } from 'typebox'
import type { RelatedLinksRepository, StoredRelatedLink } from './repository.js'
import {
  LinkParams,
  ListQuery,
  RelatedLink,
  RelatedLinkCreate,
  RelatedLinkList,
  RelatedLinkReplace,
  SuggestionList,
  toRelatedLink,
} from './schemas.js'

export interface RelatedLinkRouteOptions {
  config: Config
  articles: ArticlesRepository
  related: RelatedLinksRepository
  embed: ArticleEmbedder
}

export async function relatedLinkRoutes(app: FastifyInstance, { config, articles, related, embed }: RelatedLinkRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['related-links']
  const editorOnly = requireRole('editor')
  const context = (request: FastifyRequest): EmbedContext => ({
    base: baseUrl(request, config),
    ...visibilityOf(request.caller),
  })

  /** The parent article: 404 when absent and, to anyone but editors, when unpublished. */
  const visibleParent = (request: FastifyRequest, id: string): StoredArticle =>
    visibleOr404(articles.getById(id), visibilityOf(request.caller), id)

  /** The links with their targets' summaries: one query for all targets, whatever their number. */
  const present = (links: StoredRelatedLink[], ctx: EmbedContext): RelatedLink[] => {
    const targets = embed.targets(
      links.flatMap((link) => (link.articleId === null ? [] : [link.articleId])),
      ctx,
    )
    const out: RelatedLink[] = []
    for (const link of links) {
      const target = link.articleId === null ? null : (targets.get(link.articleId) ?? null)
      // A target unpublished or deleted since the links were read stays hidden from readers.
      if (link.articleId !== null && target === null && !ctx.includeUnpublished) continue
      out.push(toRelatedLink(link, target))
    }
    return out
  }

  r.get(
    '/',
    {
      config: { responseCache: true },
      schema: {
        summary: "List an article's related links in order",
        description:
          'Internal links embed their target as `article`. Anonymous callers (and moderators) see only links whose target is ' +
          'published, and only on a published article; editors see every link with its target\'s `status`.',
        operationId: 'listRelatedLinks',
        tags,
        security: optionalBearer,
        params: IdParams,
        querystring: ListQuery,
        response: { 200: json('A page of related links.', RelatedLinkList), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      visibleParent(request, request.params.id)
      // The list is what PUT replaces: its ETag carries the list's version for If-Match.
      setEtagVersion(reply, related.versionOf(request.params.id))
      const ctx = context(request)
      const page = related.page(request.params.id, {
        limit: request.query.limit ?? 20,
        cursor: request.query.cursor,
        includeUnpublished: ctx.includeUnpublished,
      })
      const data = present(page.data, ctx)
      setSurrogateKeys(reply, () => relatedKeys(data, [articleKey(request.params.id)]))
      return { data, nextCursor: page.nextCursor }
    },
  )

  r.post(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Add a related link at the end, or at `position`',
        description:
          'A link to the article itself, or to a target it already links to, is refused (400, 409); so is a URL that is not ' +
          'http or https. An internal link may point to an unpublished article: readers see it once that is published.',
        operationId: 'createRelatedLink',
        tags,
        security: bearer,
        params: IdParams,
        body: RelatedLinkCreate,
        response: {
          201: { ...json('The new link; `Location` names it.', ref(RelatedLink)), headers: { location: Type.String() } },
          ...problems(400, 401, 403, 404, 409, 412),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const link = related.add(id, request.body)
      const ctx = context(request)
      // Writers are editors, who see every link: present() keeps this one.
      const created = present([link], ctx)[0]!
      return reply.code(201).header('location', `${ctx.base}/v1/articles/${id}/related/${link.id}`).send(created)
    },
  )

  r.put(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Replace the whole ordered list of related links',
        description:
          'All or nothing: every item is checked first (400 for bad input or an unknown article, 409 for a target named ' +
          'twice) and the list changes only if all pass. `[]` removes every link.',
        operationId: 'replaceRelatedLinks',
        tags,
        security: bearer,
        params: IdParams,
        body: RelatedLinkReplace,
        response: { 200: json('The new list, whole.', RelatedLinkList), ...problems(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request) => {
      const links = related.replace(request.params.id, request.body, { ifVersion: request.ifVersion })
      return { data: present(links, context(request)), nextCursor: null }
    },
  )

  // Declared before /:linkId for readers of this file; Fastify prefers the static segment anyway.
  r.get(
    '/suggestions',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Suggest published articles to link, most similar first',
        description:
          'Published articles that the article does not link to yet (neither in its related links nor in its `related` ' +
          'blocks), ranked by the most telling terms of its title, tags and text that they share, each worth its rarity ' +
          '(BM25 IDF). Works for drafts too. The first page fixes the terms and the articles considered, and `nextCursor` ' +
          'carries them: paging yields each suggestion once, even while stories are published.',
        operationId: 'suggestRelatedLinks',
        tags,
        security: bearer,
        params: IdParams,
        querystring: ListQuery,
        response: { 200: json('A page of suggestions.', SuggestionList), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const article = visibleParent(request, request.params.id)
      const exclude = article.body.flatMap((block) => (block.type === 'related' && block.articleId !== undefined ? [block.articleId] : []))
      const page = related.suggest(article.id, { limit: request.query.limit ?? 20, cursor: request.query.cursor, exclude })
      const summaries = embed.targets(page.ids, context(request))
      return { data: page.ids.flatMap((id) => summaries.get(id) ?? []), nextCursor: page.nextCursor, terms: page.terms }
    },
  )

  r.get(
    '/:linkId',
    {
      schema: {
        summary: 'Read one related link',
        description:
          'What the `Location` of a new link names. Readers see only a link to a published target, on a published ' +
          "article (else 404). The ETag carries the version of the article's whole list, as `If-Match` on DELETE wants it.",
        operationId: 'getRelatedLink',
        tags,
        security: optionalBearer,
        params: LinkParams,
        response: { 200: json('The link.', ref(RelatedLink)), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { id, linkId } = request.params
      visibleParent(request, id)
      setEtagVersion(reply, related.versionOf(id))
      const ctx = context(request)
      const link = related.get(id, linkId, ctx.includeUnpublished)
      const [shown] = link ? present([link], ctx) : []
      if (!shown) throw notFound('related link', linkId)
      setSurrogateKeys(reply, () => relatedKeys([shown], [articleKey(id)]))
      return shown
    },
  )

  r.delete(
    '/:linkId',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Remove a related link; the links after it move up one',
        description:
          "Editors. `If-Match` takes an ETag of the list or of one of its links (each carries the list's version): 412 " +
          'when the list changed since it was read. The article itself does not change.',
        operationId: 'deleteRelatedLink',
        tags,
        security: bearer,
        params: LinkParams,
        response: { 204: { description: 'Removed.' }, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      related.remove(request.params.id, request.params.linkId, { ifVersion: request.ifVersion })
      return reply.code(204).send()
    },
  )
}
