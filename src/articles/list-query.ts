// The article list and search (filters, keyset paging, ranking), and summaries by id.
import { and, desc, eq, exists, gte, inArray, lt, lte, max, type SQL, sql } from 'drizzle-orm'
import type { SQLiteColumn, SubqueryWithSelection } from 'drizzle-orm/sqlite-core'
import type { Db } from '../db/client.js'
import { articleAuthors, articles, articleTags } from '../db/schema.js'
import { articleAuthorProfiles, articleSections } from '../db/schema-authors-sections.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import type { Visibility } from '../http/visibility.js'
import { articlesFtsInstances, articlesFtsTags, newestMatches } from '../db/search-index.js'
import { lookupByIds } from '../db/lookup-by-ids.js'
import { fastRows } from '../db/row-mapper.js'
import { canonicalLocale } from '../text/locale.js'
import { sectionSlug } from '../sections/slug.js'
import { cleanSection, filterKey } from './normalize.js'
import type { ArticleQuery, ArticleStatus, ArticleSummary, StoredArticle } from './schemas.js'
import { toFtsQuery } from './search.js'
import { boundLimit, fixedLimit } from '../db/bound-limit.js'

export type ListQuery = Omit<ArticleQuery, 'limit'> & { limit: number }

/** The fields of the list's items, before lead media is embedded. */
export type StoredSummary = Omit<ArticleSummary, 'leadMedia'> & Pick<StoredArticle, 'leadMediaId'>

const summaryColumns = {
  id: articles.id,
  slug: articles.slug,
  title: articles.title,
  subtitle: articles.subtitle,
  summary: articles.summary,
  status: articles.status,
  authors: articles.authors,
  section: articles.section,
  tags: articles.tags,
  locale: articles.locale,
  leadMediaId: articles.leadMediaId,
  commentCount: articles.commentCount,
  publishedAt: articles.publishedAt,
  updatedAt: articles.updatedAt,
} satisfies Record<keyof StoredSummary, unknown>

/** An article of a page made of stored renders (a list page): which one. */
export type ListId = Pick<StoredSummary, 'id'>
const idColumns = { id: articles.id } satisfies Record<keyof ListId, unknown>
/** An article of a feed's page: which one, and when it last changed (the feed's own `updated`). */
export type ListEntry = Pick<StoredSummary, 'id' | 'updatedAt'>
const entryColumns = { ...idColumns, updatedAt: articles.updatedAt } satisfies Record<keyof ListEntry, unknown>

/**
 * A page of the list as a subquery, for a statement that reads what is stored of each of its
 * articles (src/renders/): each one's id and place in the order (sort key and number), newest
 * first, the page and one more; its last change when asked for (else null).
 */
export type ListPage = SubqueryWithSelection<
  { id: SQL.Aliased<string>; sortAt: SQL.Aliased<string>; seq: SQL.Aliased<number>; updatedAt: SQL.Aliased<string | null> },
  'page'
>

/** A statement over a ListPage that gives one row. */
interface OneRow<Row> {
  get(values: Record<string, unknown>): Row | undefined
}

// Search ranks an article by the fields that hold every word of the query, title first, then
// newest first. bm25 was the obvious choice, but its scores depend on the whole index, so every
// published story would shift them and a reader paging through results would see some twice
// and miss others; these scores depend on the article alone, so a cursor stays valid.
const RANKED_FIELDS = [
  ['title', 16],
  ['subtitle', 8],
  ['tags', 4],
  ['summary', 2],
  ['body', 1],
] as const
// A search ranks at most this many matching articles, the most recently written: a word in
// most of the archive ("council") would otherwise have every one of its hits scored, joined and
// sorted before the first page (2.4 s for 630,000 hits at a million articles). Within the
// window the order is exact; a search with fewer hits is not affected at all.
export const SEARCH_WINDOW = 5_000
// A prefix with more terms than this is left to FTS5's own prefix query (see toFtsQuery).
const MAX_PREFIX_TERMS = 64

/**
 * The filters answered from rows that copy each article's status and sort key (derived-rows.ts):
 * each has an index on (value, status, sort_at, article_seq), so a list filtered by one is an
 * ordered index range. The first that a query has drives the list; the others are checked per
 * article. `section` rows hold each article's section and every section above it.
 */
const ROW_FILTERS = {
  tag: { table: articleTags, column: articleTags.tag },
  authorId: { table: articleAuthorProfiles, column: articleAuthorProfiles.authorId },
  author: { table: articleAuthors, column: articleAuthors.author },
  section: { table: articleSections, column: articleSections.section },
} as const
type RowFilter = keyof typeof ROW_FILTERS
const ROW_FILTER_NAMES = Object.keys(ROW_FILTERS) as RowFilter[]

/** Which filters a list has, not their values: each shape is one statement, prepared once. */
interface Shape {
  /** The driving table decides which index serves the order: a filter's row range, or the articles'. */
  drive: RowFilter | 'articles'
  status: boolean
  /** Row filters the driving table does not serve, checked per article. */
  checked: readonly RowFilter[]
  /** The locale filter, a column of the article. */
  locale: boolean
  cursor: boolean
}

/** A statement per shape, prepared the first time the shape is asked for. */
function perShape<T>(prepare: (shape: Shape) => T): (shape: Shape) => T {
  const prepared = new Map<string, T>()
  return (shape) => {
    const key = `${shape.drive}:${+shape.status}${shape.checked.join(',')}:${+shape.locale}${+shape.cursor}`
    let statement = prepared.get(key)
    if (statement === undefined) prepared.set(key, (statement = prepare(shape)))
    return statement
  }
}

const ph = sql.placeholder

export function createListQuery(db: Db) {
  /** The shape's conditions but the cursor's, in the order of the index that serves them. */
  function filtersOf(shape: Shape): SQL[] {
    const where: SQL[] = []
    const driving = shape.drive === 'articles' ? articles : ROW_FILTERS[shape.drive].table
    if (shape.drive !== 'articles') where.push(eq(ROW_FILTERS[shape.drive].column, ph(shape.drive)))
    if (shape.status) where.push(eq(driving.status, ph('status')))
    for (const name of shape.checked) {
      const { table, column } = ROW_FILTERS[name]
      where.push(exists(db.select({ one: sql`1` }).from(table).where(and(eq(table.articleSeq, articles.seq), eq(column, ph(name))))))
    }
    if (shape.locale) where.push(eq(articles.locale, ph('locale')))
    return where
  }

  /** What a shape's page reads from: the driving table (null: articles), its order's columns, and its conditions. */
  function pageOf(shape: Shape) {
    const rows = shape.drive === 'articles' ? null : ROW_FILTERS[shape.drive].table
    const sortAt = rows?.sortAt ?? articles.sortAt
    const seq = rows?.articleSeq ?? articles.seq
    const where = filtersOf(shape)
    // A row-value comparison has no Drizzle operator; SQLite reads it as one index range bound.
    if (shape.cursor) where.push(sql`(${sortAt}, ${seq}) < (${ph('sortAt')}, ${ph('seq')})`)
    return { rows, sortAt, seq, where: and(...where) }
  }

  /** The list's statements, one per shape, reading `columns` of each article. */
  const listStatements = <Columns extends Record<string, SQLiteColumn>>(columns: Columns) =>
    perShape((shape) => {
      const { rows, sortAt, seq, where } = pageOf(shape)
      const fields = { summary: columns, sortAt, seq }
      const from =
        rows === null
          ? db.select(fields).from(articles).$dynamic()
          : db.select(fields).from(rows).innerJoin(articles, eq(articles.seq, rows.articleSeq)).$dynamic()
      return fastRows(from.where(where).orderBy(desc(sortAt), desc(seq)).limit(boundLimit()).prepare(), fields)
    })

  /** The page of a shape as a subquery (ListPage); its last change read only when asked (it sits after the body). */
  function pageSubquery(shape: Shape, lastChange: boolean): ListPage {
    const { rows, sortAt, seq, where } = pageOf(shape)
    const fields = {
      id: sql<string>`${articles.id}`.as('id'),
      sortAt: sql<string>`${sortAt}`.as('sort_at'),
      seq: sql<number>`${seq}`.as('seq'),
      // Raw: a constant column has no other Drizzle form.
      updatedAt: (lastChange ? sql<string | null>`${articles.updatedAt}` : sql<string | null>`null`).as('updated_at'),
    }
    const from =
      rows === null
        ? db.select(fields).from(articles).$dynamic()
        : db.select(fields).from(rows).innerJoin(articles, eq(articles.seq, rows.articleSeq)).$dynamic()
    return from.where(where).orderBy(desc(sortAt), desc(seq)).limit(boundLimit()).as('page')
  }

  const summaryStatement = listStatements(summaryColumns)
  const idStatement = listStatements(idColumns)
  const entryStatement = listStatements(entryColumns)

  // FTS5 walks a doclist from its start to reach a lower rowid bound (measured at a million
  // articles: 30 ms to reach the newest rows of a common word, per column, per query), but a scan
  // newest first with only an upper bound starts at once. So the window and each column's hits
  // are read newest first, and each column's scan stops, here, at the window's oldest hit.
  const scan = newestMatches(db)
  // A column filter makes FTS5 walk the words' whole doclists, however few hits the column
  // holds: tags hold few words of a query, and `{tags} : (...)` cost 20–90 ms at a million
  // articles. The tags' own index lists only the articles whose tags hold a word (0.2 ms).
  const scanTags = newestMatches(db, articlesFtsTags)
  const firstTermFrom = db
    .select({ term: articlesFtsInstances.term })
    .from(articlesFtsInstances)
    .where(and(gte(articlesFtsInstances.term, ph('from')), lt(articlesFtsInstances.term, ph('to'))))
    .limit(fixedLimit(1))
    .prepare()
  /**
   * The index's terms that start with `word`, one seek each, for a word that the tokenizer
   * (unicode61) stores as it is once lower-cased: ASCII letters and digits; null for any other,
   * and for a prefix of more than MAX_PREFIX_TERMS terms.
   */
  function prefixTerms(word: string): string[] | null {
    const prefix = word.toLowerCase()
    if (!/^[a-z0-9]+$/.test(prefix)) return null
    // U+10FFFF sorts after every character a term can go on with; U+0001 before every one
    // (the tokenizer keeps no control characters), so that term + U+0001 seeks to the next term.
    const to = `${prefix}\u{10FFFF}`
    const terms: string[] = []
    for (let term = firstTermFrom.get({ from: prefix, to })?.term; term !== undefined; term = firstTermFrom.get({ from: `${term}\u0001`, to })?.term) {
      if (terms.push(term) > MAX_PREFIX_TERMS) return null
    }
    return terms
  }

  const maxSeq = db.select({ seq: max(articles.seq) }).from(articles).prepare()

  /** The newest SEARCH_WINDOW hits of `fts` up to `until`, each with its score. */
  function scoredWindow(fts: string, until: number): [number, number][] {
    const scores = new Map<number, number>()
    let oldest = 0
    for (const rowid of scan(fts, until)) {
      scores.set((oldest = rowid), 0)
      if (scores.size === SEARCH_WINDOW) break
    }
    if (scores.size === 0) return []
    for (const [column, weight] of RANKED_FIELDS) {
      for (const rowid of column === 'tags' ? scanTags(fts, until) : scan(`{${column}} : (${fts})`, until)) {
        if (rowid < oldest) break
        scores.set(rowid, scores.get(rowid)! + weight)
      }
    }
    return [...scores]
  }
  // The scored window goes in as one JSON array of [rowid, score] pairs; json_each has no Drizzle form.
  const hits = db.$with('hits').as(
    db.select({ rowid: sql<number>`value ->> 0`.as('rowid'), score: sql<number>`value ->> 1`.as('score') }).from(sql`json_each(${ph('hits')})`),
  )

  const searchStatement = perShape((shape) => {
    const where = [eq(articles.seq, hits.rowid), ...filtersOf(shape)]
    if (shape.cursor) {
      // A row-value comparison has no Drizzle operator; SQLite reads it as one keyset bound.
      where.push(sql`(${hits.score}, ${articles.sortAt}, ${articles.seq}) < (${ph('score')}, ${ph('sortAt')}, ${ph('seq')})`)
      where.push(lte(articles.seq, ph('until')))
    }
    const fields = { summary: summaryColumns, score: hits.score, sortAt: articles.sortAt, seq: articles.seq }
    return fastRows(
      db
        .with(hits)
        .select(fields)
        .from(hits)
        // CROSS JOIN keeps the hits as the outer loop: the planner otherwise walks every published article.
        .crossJoin(articles)
        .where(and(...where))
        .orderBy(desc(hits.score), desc(articles.sortAt), desc(articles.seq))
        .limit(boundLimit())
        .prepare(),
      fields,
    )
  })

  /** The values of the filters a query has (a shape's statement reads only its own), as the rows hold them. */
  function filterValues(query: ListQuery, status: ArticleStatus | undefined): Record<string, unknown> {
    return {
      limit: query.limit + 1,
      status,
      tag: query.tag === undefined ? undefined : filterKey(query.tag),
      authorId: query.authorId,
      author: query.author === undefined ? undefined : filterKey(query.author),
      // Section slugs are lower case, and a name is read as the slug made from it ("World" is `world`).
      section: query.section === undefined ? undefined : sectionSlug(cleanSection(query.section) ?? ''),
      // Stored in canonical case; a tag that has none matches nothing, as it would anyway.
      locale: query.locale === undefined ? undefined : (canonicalLocale(query.locale) ?? query.locale),
    }
  }

  /** The row filters a query has, in ROW_FILTERS order. */
  const rowFiltersOf = (query: ListQuery): RowFilter[] => ROW_FILTER_NAMES.filter((name) => query[name] !== undefined)

  function search(query: ListQuery, status: ArticleStatus | undefined, fts: string): { data: StoredSummary[]; nextCursor: string | null } {
    const statement = searchStatement({
      drive: 'articles',
      status: status !== undefined,
      checked: rowFiltersOf(query),
      locale: query.locale !== undefined,
      cursor: query.cursor !== undefined,
    })
    const after =
      query.cursor === undefined
        ? undefined
        : (decodeCursor(query.cursor, ['number', 'string', 'number', 'number']) as [number, string, number, number])
    // Search pages keep to the articles that existed at the first page (seq only grows).
    const until = after === undefined ? (maxSeq.get()?.seq ?? 0) : after[3]
    const values: Record<string, unknown> = { ...filterValues(query, status), until }
    if (after !== undefined) Object.assign(values, { score: after[0], sortAt: after[1], seq: after[2] })
    // The hits go to the articles best first, whole scores at a time, until a page and one more
    // pass the filters: every hit left out scores below every one sent, so the page is the same,
    // and a common word's first page reads a few hundred articles instead of the whole window.
    const hits = scoredWindow(fts, until).filter(([, score]) => after === undefined || score <= after[0])
    hits.sort((a, b) => b[1] - a[1])
    let rows: ReturnType<typeof statement.all> = []
    for (let sent = 0; sent < hits.length; ) {
      sent = Math.min(hits.length, Math.max(sent * 4, query.limit + 1))
      while (sent < hits.length && hits[sent]![1] === hits[sent - 1]![1]) sent++
      rows = statement.all({ ...values, hits: JSON.stringify(hits.slice(0, sent)) })
      if (rows.length > query.limit) break
    }
    const page = toPage(rows, query.limit, (last) => [last.score, last.sortAt, last.seq, until])
    return { data: page.data.map((row) => row.summary), nextCursor: page.nextCursor }
  }

  const summariesIn = lookupByIds((ids) => fastRows(db.select(summaryColumns).from(articles).where(inArray(articles.id, ids)).prepare(), summaryColumns))

  /** A list's (no search) shape and the values of its statement's placeholders. */
  function shapeOf(query: ListQuery, status: ArticleStatus | undefined): { shape: Shape; values: Record<string, unknown> } {
    const [drive = 'articles', ...checked] = rowFiltersOf(query)
    const shape: Shape = { drive, status: status !== undefined, checked, locale: query.locale !== undefined, cursor: query.cursor !== undefined }
    const values = filterValues(query, status)
    if (query.cursor !== undefined) {
      const [sortAt, seq] = decodeCursor(query.cursor, ['string', 'number']) as [string, number]
      Object.assign(values, { sortAt, seq })
    }
    return { shape, values }
  }

  /** A page of the list (no search) by the statement for its shape. */
  function listed<Row>(
    statementFor: (shape: Shape) => { all(values: Record<string, unknown>): { summary: Row; sortAt: string; seq: number }[] },
    query: ListQuery,
    status: ArticleStatus | undefined,
  ): { data: Row[]; nextCursor: string | null } {
    const { shape, values } = shapeOf(query, status)
    const page = toPage(statementFor(shape).all(values), query.limit, (last) => [last.sortAt, last.seq])
    return { data: page.data.map((row) => row.summary), nextCursor: page.nextCursor }
  }

  function list(query: ListQuery, visibility: Visibility): { data: StoredSummary[]; nextCursor: string | null } {
    const status = visibility.includeUnpublished ? query.status : 'published'
    if (query.q !== undefined) {
      const fts = toFtsQuery(query.q, prefixTerms)
      return fts === null ? { data: [], nextCursor: null } : search(query, status, fts)
    }
    return listed(summaryStatement, query, status)
  }

  return {
    list,

    /**
     * The page `list` gives, but of a list without `q` only each article's id: what a page made
     * of stored renders needs, read without the columns stored after the body (reading those
     * walks its overflow pages: at 100 articles, two thirds of the query). A search ranks whole
     * rows anyway, and gives them.
     */
    listIds(query: ListQuery, visibility: Visibility): { data: ListId[]; nextCursor: string | null } {
      if (query.q !== undefined) return list(query, visibility)
      return listed(idStatement, query, visibility.includeUnpublished ? query.status : 'published')
    },

    /** As `listIds`, with each article's last change (a feed says when it last changed). */
    listEntries(query: ListQuery, visibility: Visibility): { data: ListEntry[]; nextCursor: string | null } {
      if (query.q !== undefined) return list(query, visibility)
      return listed(entryStatement, query, visibility.includeUnpublished ? query.status : 'published')
    },

    /**
     * Readers' pages of the list (no search), each read in one statement with what is stored of
     * its articles: `read` makes that statement over the page as a subquery (ListPage), once per
     * shape of the list; `lastChange` puts each article's last change in it. The function given
     * back runs it for a query, with `values` for `read`'s own placeholders; a `limit` among them
     * replaces the page and one more (a feed has no next page to find).
     */
    storedPages<Row>(read: (page: ListPage) => OneRow<Row>, lastChange: boolean): (query: ListQuery, values: Record<string, unknown>) => Row | undefined {
      const statements = perShape((shape) => read(pageSubquery(shape, lastChange)))
      return (query, values) => {
        const { shape, values: filters } = shapeOf(query, 'published')
        return statements(shape).get({ ...filters, ...values })
      }
    },

    /** Summaries of the given articles, for embedding; the caller filters by visibility. */
    summariesByIds(ids: readonly string[]): Map<string, StoredSummary> {
      return new Map(summariesIn([...new Set(ids)]).map((row) => [row.id, row]))
    },
  }
}
