// Related links in SQLite. Each write is one transaction that checks the parent article and
// the list's version, validates every link before it writes any, and leaves the positions
// dense (0..n-1). Suggestions (suggestions.ts) come from the articles' full-text index.
import { bound, plus } from '../db/sql-values.js'
import { and, asc, count, eq, gt, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { articles, relatedLinkLists, relatedLinks } from '../db/schema.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { badRequest, conflict, type FieldError, notFound, preconditionFailed } from '../http/problems.js'
import { type CheckedLink, checkLink, checkList, type LinkInput, linkKey, MAX_LINKS } from './rules.js'
import type { RelatedLink } from './schemas.js'
import { createSuggestions, jsonValues } from './suggestions.js'
import { fastRows } from '../db/row-mapper.js'
import { boundLimit } from '../db/bound-limit.js'

export type RelatedLinksRepository = ReturnType<typeof createRelatedLinksRepository>
export type { SuggestionPage, SuggestionQuery } from './suggestions.js'

/** A link as the API shows it, without its target embedded. For an internal link, a `title` of '' means "show the target's title". */
export type StoredRelatedLink = Omit<RelatedLink, 'article'>

/** Guards a write: it happens only while the list is still at this version (If-Match). */
export interface WriteOptions {
  ifVersion?: number | undefined
}

export interface LinkPageQuery {
  limit: number
  cursor?: string | undefined
  /** Editors see links to unpublished targets; everyone else never learns of them. */
  includeUnpublished: boolean
}

const p = sql.placeholder

/** A link as stored: the target article is `articleId`, and `position` the editor's order. */
const storedLink = {
  id: relatedLinks.id,
  position: relatedLinks.position,
  articleId: relatedLinks.targetArticleId,
  url: relatedLinks.url,
  title: relatedLinks.title,
}
const target = alias(articles, 'target')

function fail(errors: FieldError[]): never {
  throw badRequest(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors)
}

export function createRelatedLinksRepository(db: Db) {
  const byArticle = fastRows(
    db
      .select(storedLink)
      .from(relatedLinks)
      .where(eq(relatedLinks.articleId, p('articleId')))
      .orderBy(asc(relatedLinks.position), asc(relatedLinks.id))
      .prepare(),
    storedLink,
  )
  const positionOf = db
    .select({ position: relatedLinks.position })
    .from(relatedLinks)
    .where(and(eq(relatedLinks.id, p('id')), eq(relatedLinks.articleId, p('articleId'))))
    .prepare()

  /**
   * What one caller may see: editors every link, everyone else links to the web and to
   * published articles. A link's position is counted over those, so a hidden one leaves no gap.
   */
  function visibleLinks(includeUnpublished: boolean) {
    const visible = includeUnpublished ? undefined : or(isNull(relatedLinks.targetArticleId), eq(target.status, 'published'))
    const targetOf = eq(target.id, relatedLinks.targetArticleId)
    return {
      /** The visible links after a stored position, in order. */
      after: db
        .select(storedLink)
        .from(relatedLinks)
        .leftJoin(target, targetOf)
        .where(and(eq(relatedLinks.articleId, p('articleId')), gt(relatedLinks.position, p('after')), visible))
        .orderBy(asc(relatedLinks.position), asc(relatedLinks.id))
        .limit(boundLimit())
        .prepare(),
      one: db
        .select(storedLink)
        .from(relatedLinks)
        .leftJoin(target, targetOf)
        .where(and(eq(relatedLinks.id, p('linkId')), eq(relatedLinks.articleId, p('articleId')), visible))
        .prepare(),
      /** How many visible links stand before a stored position: the public position of the next. */
      countBefore: db
        .select({ n: count() })
        .from(relatedLinks)
        .leftJoin(target, targetOf)
        .where(and(eq(relatedLinks.articleId, p('articleId')), lt(relatedLinks.position, p('position')), visible))
        .prepare(),
    }
  }
  const forEditors = visibleLinks(true)
  const forReaders = visibleLinks(false)

  const articleExists = db.select({ id: articles.id }).from(articles).where(eq(articles.id, p('id'))).prepare()
  const existingArticles = db.select({ id: articles.id }).from(articles).where(inArray(articles.id, jsonValues('ids'))).prepare()
  const listVersion = db
    .select({ version: relatedLinkLists.version })
    .from(relatedLinkLists)
    .where(eq(relatedLinkLists.articleId, p('articleId')))
    .prepare()
  const ensureList = db.insert(relatedLinkLists).values({ articleId: bound('articleId') }).onConflictDoNothing().prepare()
  const bumpList = db
    .update(relatedLinkLists)
    .set({ version: plus(relatedLinkLists.version, 1) })
    .where(eq(relatedLinkLists.articleId, p('articleId')))
    .prepare()
  const shiftFrom = db
    .update(relatedLinks)
    .set({ position: plus(relatedLinks.position, 1) })
    .where(and(eq(relatedLinks.articleId, p('articleId')), gte(relatedLinks.position, p('position'))))
    .prepare()
  const insertLink = db
    .insert(relatedLinks)
    .values({
      id: bound('id'),
      articleId: bound('articleId'),
      position: bound('position'),
      targetArticleId: bound('targetArticleId'),
      url: bound('url'),
      title: bound('title'),
      createdAt: bound('createdAt'),
    })
    .prepare()
  const moveLink = db
    .update(relatedLinks)
    .set({ position: bound('position'), title: bound('title') })
    .where(eq(relatedLinks.id, p('id')))
    .prepare()
  // The related_links_repack trigger closes the gap and grows the list's version.
  const deleteLink = db
    .delete(relatedLinks)
    .where(and(eq(relatedLinks.id, p('id')), eq(relatedLinks.articleId, p('articleId'))))
    .prepare()

  /** Checks the parent article and the caller's If-Match version; the list's row exists after it. */
  function openList(articleId: string, ifVersion: number | undefined): void {
    if (!articleExists.get({ id: articleId })) throw notFound('article', articleId)
    const list = listVersion.get({ articleId })
    const version = list?.version ?? 1
    if (ifVersion !== undefined && version !== ifVersion) {
      throw preconditionFailed(`The related links are at version ${version}, not ${ifVersion}; fetch them again before changing them.`)
    }
    if (list === undefined) ensureList.run({ articleId })
  }

  /** 400 for every internal link whose target does not exist, together with the other input errors. */
  function checkTargets(links: readonly (CheckedLink | null)[], paths: readonly string[], errors: FieldError[]): void {
    const ids = links.flatMap((link) => (link?.articleId ? [link.articleId] : []))
    const found = ids.length === 0 ? new Set<string>() : new Set(existingArticles.all({ ids: JSON.stringify(ids) }).map((row) => row.id))
    links.forEach((link, i) => {
      if (link?.articleId && !found.has(link.articleId)) errors.push({ path: `${paths[i]}.articleId`, message: `no article with id "${link.articleId}"` })
    })
    if (errors.length > 0) fail(errors)
  }

  function insert(articleId: string, link: CheckedLink, position: number): StoredRelatedLink {
    const id = newId()
    insertLink.run({ id, articleId, position, targetArticleId: link.articleId, url: link.url, title: link.title, createdAt: now() })
    return { id, position, articleId: link.articleId, url: link.url, title: link.title }
  }

  // IMMEDIATE: the write lock is taken before the first read, so a second process cannot
  // change the list between this transaction's checks and its writes (nor make it fail busy).
  const add = transactional(db, (articleId: string, input: LinkInput & { position?: number | undefined }, options: WriteOptions = {}) => {
    openList(articleId, options.ifVersion)
    const checked = checkLink(articleId, input, 'body')
    const link = 'link' in checked ? checked.link : null
    checkTargets([link], ['body'], 'errors' in checked ? [...checked.errors] : [])
    const current = byArticle.all({ articleId })
    const key = link!.key
    if (current.some((existing) => linkKey(existing.articleId, existing.url) === key)) {
      throw conflict(link!.articleId !== null ? 'The article already links to this article.' : 'The article already links to this URL.')
    }
    if (current.length >= MAX_LINKS) throw conflict(`An article holds at most ${MAX_LINKS} related links; remove one first.`)
    const position = Math.min(input.position ?? current.length, current.length)
    shiftFrom.run({ articleId, position })
    const stored = insert(articleId, link!, position)
    bumpList.run({ articleId })
    return stored
  })

  const replace = transactional(db, (articleId: string, inputs: readonly LinkInput[], options: WriteOptions = {}) => {
    openList(articleId, options.ifVersion)
    const checked = checkList(articleId, inputs)
    checkTargets(
      checked.items,
      inputs.map((_, i) => `body[${i}]`),
      [...checked.errors],
    )
    if (checked.duplicates.length > 0) {
      throw conflict(`A list holds each target once: ${checked.duplicates.map((e) => `${e.path} ${e.message}`).join('; ')}.`)
    }
    if (checked.links.length > MAX_LINKS) fail([{ path: 'body', message: `must not have more than ${MAX_LINKS} items` }])

    // A target the list already had keeps its link id (and creation time); the rest is replaced.
    const wanted = new Set(checked.links.map((link) => link.key))
    const kept = new Map<string, StoredRelatedLink>()
    for (const existing of byArticle.all({ articleId })) {
      const key = linkKey(existing.articleId, existing.url)
      if (wanted.has(key)) kept.set(key, existing)
      else deleteLink.run({ id: existing.id, articleId })
    }
    checked.links.forEach((link, position) => {
      const existing = kept.get(link.key)
      if (existing) moveLink.run({ id: existing.id, position, title: link.title })
      else insert(articleId, link, position)
    })
    bumpList.run({ articleId })
    return byArticle.all({ articleId })
  })

  const remove = transactional(db, (articleId: string, linkId: string, options: WriteOptions = {}) => {
    openList(articleId, options.ifVersion)
    if (deleteLink.run({ id: linkId, articleId }).changes === 0) throw notFound('related link', linkId)
  })

  return {
    add,
    replace,
    remove,

    /** An article's links in order, every target regardless of its status. */
    listForArticle(articleId: string): StoredRelatedLink[] {
      return byArticle.all({ articleId })
    },

    /** A page of the links this caller may see, in order; the cursor follows a link even if the list is reordered. */
    page(articleId: string, query: LinkPageQuery): { data: StoredRelatedLink[]; nextCursor: string | null } {
      const visible = query.includeUnpublished ? forEditors : forReaders
      let after = -1
      if (query.cursor !== undefined) {
        const [afterId, afterPosition] = decodeCursor(query.cursor, ['string', 'number']) as [string, number]
        after = positionOf.get({ id: afterId, articleId })?.position ?? afterPosition
      }
      const rows = visible.after.all({ articleId, after, limit: query.limit + 1 })
      // The cursor holds the stored position; the page shows the positions this caller counts.
      const page = toPage(rows, query.limit, (last) => [last.id, last.position])
      const first = after < 0 || rows.length === 0 ? 0 : visible.countBefore.get({ articleId, position: rows[0]!.position })!.n
      return { data: page.data.map((link, i) => ({ ...link, position: first + i })), nextCursor: page.nextCursor }
    },

    /** One link, if this caller may see it. */
    get(articleId: string, linkId: string, includeUnpublished: boolean): StoredRelatedLink | null {
      const visible = includeUnpublished ? forEditors : forReaders
      const link = visible.one.get({ articleId, linkId })
      return link ? { ...link, position: visible.countBefore.get({ articleId, position: link.position })!.n } : null
    },

    /** The list's version: 1 until its first change, then one more with each. */
    versionOf(articleId: string): number {
      return listVersion.get({ articleId })?.version ?? 1
    },

    suggest: createSuggestions(db).suggest,
  }
}
