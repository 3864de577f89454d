// Related links in SQLite. Each write is one transaction that checks the parent article and
// the list's version, validates every link before it writes any, and leaves the positions
// dense (0..n-1). Suggestions come from the articles' full-text index.
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { badRequest, conflict, type FieldError, notFound, preconditionFailed } from '../http/problems.js'
import { type CheckedLink, checkLink, checkList, type LinkInput, linkKey, MAX_LINKS } from './rules.js'
import { candidateTerms, type IndexedText, pickQueryTerms, toMatchQuery } from './terms.js'

export type RelatedLinksRepository = ReturnType<typeof createRelatedLinksRepository>

export interface StoredRelatedLink {
  id: string
  position: number
  articleId: string | null
  url: string | null
  /** For an internal link, '' means "show the target's title". */
  title: string
}

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

export interface SuggestionQuery {
  limit: number
  cursor?: string | undefined
  /** Articles never to suggest besides the article itself and its linked targets (e.g. those of its body blocks). */
  exclude?: readonly string[] | undefined
}

export interface SuggestionPage {
  /** Published article ids, best match first. */
  ids: string[]
  nextCursor: string | null
  /** The terms the query used, most telling first. */
  terms: string[]
}

// The link's position among the links this caller may see: for editors the stored position,
// for readers one counted without the hidden links, so that none leaves a gap.
const VISIBLE_LINKS = `SELECT l.id, l.position AS stored, ROW_NUMBER() OVER (ORDER BY l.position, l.id) - 1 AS position,
    l.target_article_id AS articleId, l.url, l.title
  FROM related_links l LEFT JOIN articles t ON t.id = l.target_article_id
  WHERE l.article_id = @articleId AND (@all = 1 OR l.target_article_id IS NULL OR t.status = 'published')`

/**
 * Published articles ranked by BM25 against the query terms (title above subtitle, summary,
 * tags and body, as in search), best first. The index decides which articles are looked at:
 * the articles table is read by primary key for matches only, never scanned.
 */
export const SUGGESTIONS_SQL = `WITH hits AS (
    SELECT rowid, bm25(articles_fts, 10.0, 5.0, 3.0, 1.0, 4.0) AS score FROM articles_fts WHERE articles_fts MATCH @match
  )
  SELECT a.id, a.seq, hits.score FROM hits JOIN articles a ON a.seq = hits.rowid
  WHERE a.status = 'published'
    AND a.id NOT IN (SELECT value FROM json_each(@exclude))
    AND NOT EXISTS (SELECT 1 FROM related_links l WHERE l.article_id = @articleId AND l.target_article_id = a.id)
    AND (hits.score, a.seq) > (@afterScore, @afterSeq)
  ORDER BY hits.score, a.seq
  LIMIT @limit`

/** Document frequencies of the candidate terms: one vocabulary lookup per term, one statement. */
export const TERM_FREQUENCY_SQL = 'SELECT term, doc FROM articles_fts_vocab WHERE term IN (SELECT value FROM json_each(?))'

interface VisibleRow extends StoredRelatedLink {
  stored: number
}

function toStored(row: VisibleRow): StoredRelatedLink {
  return { id: row.id, position: row.position, articleId: row.articleId, url: row.url, title: row.title }
}

function fail(errors: FieldError[]): never {
  throw badRequest(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors)
}

export function createRelatedLinksRepository(db: Db) {
  const sqlite = db.$client
  const byArticle = sqlite.prepare<[string], StoredRelatedLink>(
    `SELECT id, position, target_article_id AS articleId, url, title FROM related_links
     WHERE article_id = ? ORDER BY position, id`,
  )
  const visiblePage = sqlite.prepare<[Record<string, unknown>], VisibleRow>(
    `SELECT * FROM (${VISIBLE_LINKS})
     WHERE stored > COALESCE((SELECT position FROM related_links WHERE id = @afterId AND article_id = @articleId), @afterPosition)
     ORDER BY stored, id LIMIT @limit`,
  )
  const visibleOne = sqlite.prepare<[Record<string, unknown>], VisibleRow>(`SELECT * FROM (${VISIBLE_LINKS}) WHERE id = @linkId`)
  const articleExists = sqlite.prepare<[string], { one: number }>('SELECT 1 AS one FROM articles WHERE id = ?')
  const existingArticles = sqlite.prepare<[string], { id: string }>('SELECT id FROM articles WHERE id IN (SELECT value FROM json_each(?))')
  const listVersion = sqlite.prepare<[string], { version: number }>('SELECT version FROM related_link_lists WHERE article_id = ?')
  const ensureList = sqlite.prepare('INSERT OR IGNORE INTO related_link_lists (article_id, version) VALUES (?, 1)')
  const bumpList = sqlite.prepare('UPDATE related_link_lists SET version = version + 1 WHERE article_id = ?')
  const shiftFrom = sqlite.prepare('UPDATE related_links SET position = position + 1 WHERE article_id = ? AND position >= ?')
  const insertLink = sqlite.prepare(
    `INSERT INTO related_links (id, article_id, position, target_article_id, url, title, created_at)
     VALUES (@id, @articleId, @position, @targetArticleId, @url, @title, @createdAt)`,
  )
  const moveLink = sqlite.prepare('UPDATE related_links SET position = ?, title = ? WHERE id = ?')
  // The related_links_repack trigger closes the gap and grows the list's version.
  const deleteLink = sqlite.prepare('DELETE FROM related_links WHERE id = ? AND article_id = ?')

  const indexedText = sqlite.prepare<[string], IndexedText>(
    `SELECT f.title, f.subtitle, f.summary, f.body, f.tags FROM articles a JOIN articles_fts f ON f.rowid = a.seq WHERE a.id = ?`,
  )
  const termFrequencies = sqlite.prepare<[string], { term: string; doc: number }>(TERM_FREQUENCY_SQL)
  // The highest rowid stands in for the number of articles: an O(1) read where count(*) is a scan.
  const articleCount = sqlite.prepare<[], { n: number | null }>('SELECT max(seq) AS n FROM articles')
  const suggestions = sqlite.prepare<[Record<string, unknown>], { id: string; seq: number; score: number }>(SUGGESTIONS_SQL)

  /** Checks the parent article and the caller's If-Match version; the list's row exists after it. */
  function openList(articleId: string, ifVersion: number | undefined): void {
    if (!articleExists.get(articleId)) throw notFound('article', articleId)
    const version = listVersion.get(articleId)?.version ?? 1
    if (ifVersion !== undefined && version !== ifVersion) {
      throw preconditionFailed(`The related links are at version ${version}, not ${ifVersion}; fetch them again before changing them.`)
    }
    ensureList.run(articleId)
  }

  /** 400 for every internal link whose target does not exist, together with the other input errors. */
  function checkTargets(links: readonly (CheckedLink | null)[], paths: readonly string[], errors: FieldError[]): void {
    const ids = links.flatMap((link) => (link?.articleId ? [link.articleId] : []))
    const found = ids.length === 0 ? new Set<string>() : new Set(existingArticles.all(JSON.stringify(ids)).map((row) => row.id))
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
    const current = byArticle.all(articleId)
    const key = link!.key
    if (current.some((existing) => linkKey(existing.articleId, existing.url) === key)) {
      throw conflict(link!.articleId !== null ? 'The article already links to this article.' : 'The article already links to this URL.')
    }
    if (current.length >= MAX_LINKS) throw conflict(`An article holds at most ${MAX_LINKS} related links; remove one first.`)
    const position = Math.min(input.position ?? current.length, current.length)
    shiftFrom.run(articleId, position)
    const stored = insert(articleId, link!, position)
    bumpList.run(articleId)
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
    for (const existing of byArticle.all(articleId)) {
      const key = linkKey(existing.articleId, existing.url)
      if (wanted.has(key)) kept.set(key, existing)
      else deleteLink.run(existing.id, articleId)
    }
    checked.links.forEach((link, position) => {
      const existing = kept.get(link.key)
      if (existing) moveLink.run(position, link.title, existing.id)
      else insert(articleId, link, position)
    })
    bumpList.run(articleId)
    return byArticle.all(articleId)
  })

  const remove = transactional(db, (articleId: string, linkId: string, options: WriteOptions = {}) => {
    openList(articleId, options.ifVersion)
    if (deleteLink.run(linkId, articleId).changes === 0) throw notFound('related link', linkId)
  })

  return {
    add,
    replace,
    remove,

    /** An article's links in order, every target regardless of its status. */
    listForArticle(articleId: string): StoredRelatedLink[] {
      return byArticle.all(articleId)
    },

    /** A page of the links this caller may see, in order; the cursor follows a link even if the list is reordered. */
    page(articleId: string, query: LinkPageQuery): { data: StoredRelatedLink[]; nextCursor: string | null } {
      const [afterId, afterPosition] = query.cursor === undefined ? ['', -1] : (decodeCursor(query.cursor, ['string', 'number']) as [string, number])
      const rows = visiblePage.all({ articleId, all: query.includeUnpublished ? 1 : 0, afterId, afterPosition, limit: query.limit + 1 })
      const page = toPage(rows, query.limit, (last) => [last.id, last.stored])
      return { data: page.data.map(toStored), nextCursor: page.nextCursor }
    },

    /** One link, if this caller may see it. */
    get(articleId: string, linkId: string, includeUnpublished: boolean): StoredRelatedLink | null {
      const row = visibleOne.get({ articleId, all: includeUnpublished ? 1 : 0, linkId })
      return row ? toStored(row) : null
    },

    /** The list's version: 1 until its first change, then one more with each. */
    versionOf(articleId: string): number {
      return listVersion.get(articleId)?.version ?? 1
    },

    /** Published articles not yet linked that share the article's most telling terms, best first. */
    suggest(articleId: string, query: SuggestionQuery): SuggestionPage {
      const empty: SuggestionPage = { ids: [], nextCursor: null, terms: [] }
      const text = indexedText.get(articleId)
      if (!text) return empty
      const candidates = candidateTerms(text)
      if (candidates.length === 0) return empty
      const frequencies = new Map(termFrequencies.all(JSON.stringify(candidates.map((c) => c.term))).map((row) => [row.term, row.doc]))
      const terms = pickQueryTerms(candidates, frequencies, articleCount.get()?.n ?? 0)
      if (terms.length === 0) return empty

      const [afterScore, afterSeq] =
        query.cursor === undefined ? [-Number.MAX_VALUE, 0] : (decodeCursor(query.cursor, ['number', 'number']) as [number, number])
      const rows = suggestions.all({
        match: toMatchQuery(terms),
        articleId,
        exclude: JSON.stringify([articleId, ...(query.exclude ?? [])]),
        afterScore,
        afterSeq,
        limit: query.limit + 1,
      })
      const page = toPage(rows, query.limit, (last) => [last.score, last.seq])
      return { ids: page.data.map((row) => row.id), nextCursor: page.nextCursor, terms: terms.map((t) => t.term) }
    },
  }
}
