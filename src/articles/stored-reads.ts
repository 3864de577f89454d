// Readers' reads of articles through stored renders (src/renders/store.ts): an article is its
// stored bytes, a page of the list is its summaries' stored bytes joined; what is not stored yet
// is made as any read makes it, serialized by the route's own serializer, and stored for the
// next reader (when renders are kept at all: without, the same code makes every read anew, so
// the bytes and ETags are the same either way). Editors never come here: they see drafts and
// unpublished teasers.
import type { FastifyReply } from 'fastify'
import { composedEtag, makeEtag } from '../http/conditional.js'
import { toPage } from '../http/cursor.js'
import { ref } from '../http/schemas.js'
import { setSurrogateKeys } from '../http/surrogate-keys.js'
import { visibilityOf } from '../http/visibility.js'
import { framed, type MadePart, pageParts, type Parts, type Render, type RenderStore, storedPage, storedPageParts } from '../renders/store.js'
import type { EmbedContext, ArticleEmbedder } from './embed.js'
import type { createListQuery, ListQuery } from './list-query.js'
import { ArticleSummary, type Article, type StoredArticle } from './schemas.js'
import { articleKeys, summaryKeys } from './surrogate-keys.js'

const JSON_TYPE = 'application/json; charset=utf-8'
// One object, so that Fastify compiles its serializer once per route.
const SUMMARY = { ...ref(ArticleSummary) }

export type StoredReads = ReturnType<typeof createStoredReads>

/** What readers' list pages read of the list: ids (a search, or without stored renders), or pages with their renders. */
type Lists = Pick<ReturnType<typeof createListQuery>, 'listIds' | 'storedPages'>

const READERS = visibilityOf({ role: 'anonymous' })
// The list's JSON between its summaries: what the page statement joins them with.
const SEPARATOR = ','

export function createStoredReads(renders: RenderStore | null, embed: ArticleEmbedder, lists: Lists) {
  const readPage = renders === null ? null : lists.storedPages(renders.pageStatement, false)

  /** A readers' page's summaries, as parts (stored renders or made now), and the list's cursor. */
  function summaries(ctx: EmbedContext, query: ListQuery, make: (missing: string[]) => MadePart[]): { parts: Parts; nextCursor: string | null } {
    const page = { kind: 'summary', base: ctx.base, since: renders?.position() ?? 0 }
    if (readPage === null || query.q !== undefined) {
      const list = lists.listIds(query, READERS)
      return { parts: pageParts(renders, { ...page, ids: list.data.map((entry) => entry.id) }, make), nextCursor: list.nextCursor }
    }
    // The page, its renders and their bytes joined, in one statement.
    const stored = storedPage(readPage(query, { kind: page.kind, base: page.base, separator: SEPARATOR }), SEPARATOR)
    const { nextCursor } = toPage(stored.entries, query.limit, (last) => [last.sortAt, last.seq])
    return { parts: storedPageParts(renders, page, stored, query.limit, make), nextCursor }
  }

  return {
    /**
     * One article: `find`'s stored render, or `make`'s article serialized as the route does
     * and stored as `kind`.
     */
    article(
      reply: FastifyReply,
      ctx: EmbedContext,
      kind: string,
      find: (store: RenderStore) => Render | null,
      make: () => { stored: StoredArticle; article: Article },
    ): FastifyReply {
      const found = renders === null ? null : find(renders)
      if (found !== null) return send(reply, found.body, found.keys.split(' '), found.etag!)
      const since = renders?.position() ?? 0
      const { stored, article } = make()
      const body = reply.serializeInput(article, '200', 'application/json') as string
      const keys = [...new Set(articleKeys(stored, article))]
      const etag = makeEtag(body, article.version)
      renders?.put([{ articleId: stored.id, kind, base: ctx.base, body, etag, keys: keys.join(' ') }], since)
      return send(reply, body, keys, etag)
    },

    /**
     * A readers' page of the list as the list's JSON, each summary its stored render, or made
     * from the article's row when there is none; `membership` are the keys of the list itself.
     */
    page(reply: FastifyReply, ctx: EmbedContext, query: ListQuery, membership: string[]): FastifyReply {
      const serialize = reply.compileSerializationSchema(SUMMARY) as (summary: unknown) => string
      const { parts, nextCursor } = summaries(ctx, query, (missing) =>
        // Visible ones only: the row is read after the list's query, and another process may
        // have unpublished the article in between.
        [...embed.targets(missing, ctx).values()].map((summary) => ({ articleId: summary.id, body: serialize(summary), keys: summaryKeys(summary, []) })),
      )
      const keys = membership
      for (const shown of parts.keys) keys.push(...shown)
      const cursor = JSON.stringify(nextCursor)
      const body = framed({ open: '{"data":[', separator: SEPARATOR, close: `],"nextCursor":${cursor}}` }, parts)
      return send(reply, body, keys, composedEtag(cursor, parts.digests))
    },
  }
}

function send(reply: FastifyReply, body: string | Buffer, keys: readonly string[], etag: string): FastifyReply {
  setSurrogateKeys(reply, () => keys)
  return reply.header('etag', etag).type(JSON_TYPE).send(body)
}
