// Related-link suggestions: published articles not yet linked that share an article's most
// telling terms, found through the articles' full-text index (FTS5) and ranked by those terms.
//
// Paging must yield each suggestion once while stories are published meanwhile. FTS5's bm25()
// cannot promise that: its scores depend on the whole index (how many articles, how long, how
// many hold each term), so one new story moves every score and a (score, seq) cursor skips or
// repeats. So, as article search does, the score depends on the article alone once the query
// is fixed, and the first page fixes it: the cursor carries the terms with their points and the
// newest article then, and later pages neither pick terms again nor look at newer articles.
import { and, desc, eq, inArray, lte, max, notExists, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articles, relatedLinks } from '../db/schema.js'
import { articlesFts, articlesFtsVocab } from '../db/search-index.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { invalidField } from '../http/problems.js'
import { candidateTerms, MAX_QUERY_TERMS, pickQueryTerms, POSTING_BUDGET, type ScoredTerm, scoreTerms, toMatchEntries } from './terms.js'
import { boundLimit } from '../db/bound-limit.js'

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

const p = sql.placeholder

/**
 * The elements of a JSON array bound as one value: one prepared statement takes any number of
 * them, where Drizzle's inArray binds a parameter per element (json_each is SQLite's own).
 */
export const jsonValues = (name: string) => sql`(SELECT value FROM json_each(${sql.placeholder(name)}))`

// A cursor's pinned terms: "term:points term:points ...", terms as the tokenizer makes them.
const PINNED_TERM = /^([\p{L}\p{N}\p{M}]+):(\d{1,7})$/u
// UTF-8 bytes of the pinned terms: with the rest of the cursor, base64url, they stay within a
// cursor's 512 characters (PageQuery) whatever words an article holds.
const MAX_PINNED_BYTES = 280
const badCursor = () => invalidField('querystring.cursor', 'is not a cursor this list made')

function pinTerms(terms: readonly ScoredTerm[]): string {
  return terms.map(({ term, points }) => `${term}:${points}`).join(' ')
}

/** The terms, most telling first, that fit in a cursor (a very long word is left out). */
function fitToCursor(terms: readonly ScoredTerm[]): ScoredTerm[] {
  const kept: ScoredTerm[] = []
  let bytes = 0
  for (const term of terms) {
    const size = Buffer.byteLength(pinTerms([term])) + 1
    if (bytes + size > MAX_PINNED_BYTES) continue
    bytes += size
    kept.push(term)
  }
  return kept
}

function unpinTerms(text: string): ScoredTerm[] {
  const parts = text.split(' ')
  if (parts.length > MAX_QUERY_TERMS || Buffer.byteLength(text) > MAX_PINNED_BYTES) throw badCursor()
  return parts.map((part) => {
    const match = PINNED_TERM.exec(part)
    if (!match) throw badCursor()
    return { term: match[1]!, points: Number(match[2]) }
  })
}

/**
 * The suggestion queries, unprepared (createSuggestions prepares them; a test explains them).
 * Published articles up to a seq, each scored by the points of the query's matches it holds,
 * best first, newest first among equals. The index decides which articles are looked at: one
 * MATCH per query entry, and the articles table read by primary key for matches only.
 */
export function suggestionQueries(db: Db) {
  // The query's entries ([match, points] pairs) as rows: json_each is SQLite's own.
  const entries = db.$with('entries').as(
    db
      .select({ match: sql<string>`value ->> 0`.as('match'), points: sql<number>`value ->> 1`.as('points') })
      .from(sql`json_each(${p('entries')})`),
  )
  const hits = db.$with('hits').as(
    db
      .select({ rowid: articlesFts.rowid, score: sql<number>`sum(${entries.points})`.as('score') })
      .from(entries)
      // CROSS JOIN keeps the entries as the outer loop, so each one is a MATCH on the index.
      // MATCH is FTS5's, which Drizzle's builder does not know.
      .crossJoin(articlesFts)
      .where(and(sql`${articlesFts} MATCH ${entries.match}`, lte(articlesFts.rowid, p('until'))))
      .groupBy(articlesFts.rowid),
  )
  const alreadyLinked = db
    .select({ id: relatedLinks.id })
    .from(relatedLinks)
    .where(and(eq(relatedLinks.articleId, p('articleId')), eq(relatedLinks.targetArticleId, articles.id)))
  const suggestions = db
    .with(entries, hits)
    .select({ id: articles.id, seq: articles.seq, score: hits.score })
    .from(hits)
    // CROSS JOIN keeps the hits as the outer loop: the planner otherwise walks every published article.
    .crossJoin(articles)
    .where(
      and(
        eq(articles.seq, hits.rowid),
        eq(articles.status, 'published'),
        notInArray(articles.id, jsonValues('exclude')),
        notExists(alreadyLinked),
        // A row-value comparison has no Drizzle operator; it is the keyset bound.
        sql`(${hits.score}, ${articles.seq}) < (${p('afterScore')}, ${p('afterSeq')})`,
      ),
    )
    .orderBy(desc(hits.score), desc(articles.seq))
    .limit(boundLimit())
  /** Document frequencies of the candidate terms: one vocabulary lookup per term, one statement. */
  const termFrequencies = db
    .select({ term: articlesFtsVocab.term, doc: articlesFtsVocab.doc })
    .from(articlesFtsVocab)
    .where(inArray(articlesFtsVocab.term, jsonValues('terms')))
  return { suggestions, termFrequencies }
}

/** Where a page starts: after a score and seq, among the articles up to `until`, with these terms. */
interface Position {
  afterScore: number
  afterSeq: number
  until: number
  terms: ScoredTerm[]
}

export function createSuggestions(db: Db) {
  const indexedText = db
    .select({ title: articlesFts.title, subtitle: articlesFts.subtitle, summary: articlesFts.summary, body: articlesFts.body, tags: articlesFts.tags })
    .from(articles)
    .innerJoin(articlesFts, eq(articlesFts.rowid, articles.seq))
    .where(eq(articles.id, p('id')))
    .prepare()
  // The highest rowid stands in for the number of articles: an O(1) read where count(*) is a scan.
  const articleCount = db.select({ n: max(articles.seq) }).from(articles).prepare()
  const queries = suggestionQueries(db)
  const suggestions = queries.suggestions.prepare()
  const termFrequencies = queries.termFrequencies.prepare()
  const frequenciesOf = (terms: readonly string[]) =>
    new Map(termFrequencies.all({ terms: JSON.stringify(terms) }).map((row) => [row.term, row.doc]))

  /** The first page's position: the article's terms picked and scored now, and the newest article now. */
  function start(articleId: string): Position | null {
    const text = indexedText.get({ id: articleId })
    if (!text) return null
    const candidates = candidateTerms(text)
    if (candidates.length === 0) return null
    const frequencies = frequenciesOf(candidates.map((c) => c.term))
    const until = articleCount.get()?.n ?? 0
    const terms = fitToCursor(scoreTerms(pickQueryTerms(candidates, frequencies, until), frequencies, until))
    if (terms.length === 0) return null
    return { afterScore: Number.MAX_SAFE_INTEGER, afterSeq: Number.MAX_SAFE_INTEGER, until, terms }
  }

  /** A later page's position, from the cursor. Its terms are the client's to forge, so they must fit the budget too. */
  function resume(cursor: string): Position {
    const [afterScore, afterSeq, until, pinned] = decodeCursor(cursor, ['number', 'number', 'number', 'string']) as [number, number, number, string]
    const terms = unpinTerms(pinned)
    const frequencies = frequenciesOf(terms.map((t) => t.term))
    // The first page read each term twice within the budget; a term may have spread since, so
    // this allows it twice as many articles, and no more: a forged cursor cannot ask for more work.
    let postings = 0
    for (const { term } of terms) postings += frequencies.get(term) ?? 0
    if (postings > POSTING_BUDGET) throw badCursor()
    return { afterScore, afterSeq, until, terms }
  }

  return {
    /** Published articles not yet linked that share the article's most telling terms, best first. */
    suggest(articleId: string, query: SuggestionQuery): SuggestionPage {
      const at = query.cursor === undefined ? start(articleId) : resume(query.cursor)
      if (at === null) return { ids: [], nextCursor: null, terms: [] }
      const rows = suggestions.all({
        entries: JSON.stringify(toMatchEntries(at.terms)),
        until: at.until,
        articleId,
        exclude: JSON.stringify([articleId, ...(query.exclude ?? [])]),
        afterScore: at.afterScore,
        afterSeq: at.afterSeq,
        limit: query.limit + 1,
      })
      const pinned = pinTerms(at.terms)
      const page = toPage(rows, query.limit, (last) => [last.score, last.seq, at.until, pinned])
      return { ids: page.data.map((row) => row.id), nextCursor: page.nextCursor, terms: at.terms.map((t) => t.term) }
    },
  }
}
