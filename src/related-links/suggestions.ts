// Related-link suggestions: published articles not yet linked that share an article's most
// telling terms, found through the articles' full-text index (FTS5) and ranked by BM25.
import { and, asc, eq, gt, inArray, max, notExists, notInArray, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articles, relatedLinks } from '../db/schema.js'
import { articlesFts, articlesFtsVocab } from '../db/search-index.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { candidateTerms, pickQueryTerms, toMatchQuery } from './terms.js'

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


/**
 * The suggestion queries, unprepared (createSuggestions prepares them; a test explains them).
 * Published articles ranked by BM25 against the query terms (title above subtitle, summary,
 * tags and body, as in search), best first. The index decides which articles are looked at:
 * the articles table is read by primary key for matches only, never scanned.
 */
export function suggestionQueries(db: Db) {
  const hits = db.$with('hits').as(
    db
      // bm25() and MATCH are FTS5's, which Drizzle's builder does not know.
      .select({ rowid: articlesFts.rowid, score: sql<number>`bm25(${articlesFts}, 10.0, 5.0, 3.0, 1.0, 4.0)`.as('score') })
      .from(articlesFts)
      .where(sql`${articlesFts} MATCH ${p('match')}`),
  )
  const alreadyLinked = db
    .select({ id: relatedLinks.id })
    .from(relatedLinks)
    .where(and(eq(relatedLinks.articleId, p('articleId')), eq(relatedLinks.targetArticleId, articles.id)))
  const suggestions = db
    .with(hits)
    .select({ id: articles.id, seq: articles.seq, score: hits.score })
    .from(hits)
    .innerJoin(articles, eq(articles.seq, hits.rowid))
    .where(
      and(
        eq(articles.status, 'published'),
        notInArray(articles.id, jsonValues('exclude')),
        notExists(alreadyLinked),
        or(gt(hits.score, p('afterScore')), and(eq(hits.score, p('afterScore')), gt(articles.seq, p('afterSeq')))),
      ),
    )
    .orderBy(asc(hits.score), asc(articles.seq))
    .limit(p('limit'))
  /** Document frequencies of the candidate terms: one vocabulary lookup per term, one statement. */
  const termFrequencies = db
    .select({ term: articlesFtsVocab.term, doc: articlesFtsVocab.doc })
    .from(articlesFtsVocab)
    .where(inArray(articlesFtsVocab.term, jsonValues('terms')))
  return { suggestions, termFrequencies }
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

  return {
    /** Published articles not yet linked that share the article's most telling terms, best first. */
    suggest(articleId: string, query: SuggestionQuery): SuggestionPage {
      const empty: SuggestionPage = { ids: [], nextCursor: null, terms: [] }
      const text = indexedText.get({ id: articleId })
      if (!text) return empty
      const candidates = candidateTerms(text)
      if (candidates.length === 0) return empty
      const frequencies = new Map(termFrequencies.all({ terms: JSON.stringify(candidates.map((c) => c.term)) }).map((row) => [row.term, row.doc]))
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
