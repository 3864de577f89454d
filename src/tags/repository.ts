// Tags as the article_tags rows hold them (folded by filterKey): counted, listed by prefix, and
// the articles holding one, for a rename.
import { and, asc, eq, gt, gte, inArray, lt, max, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articles, articleTags } from '../db/schema.js'
import { filterKey } from '../articles/normalize.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import type { TagCount } from './schemas.js'
import { boundLimit } from '../db/bound-limit.js'

export type TagsRepository = ReturnType<typeof createTagsRepository>

export interface TagListQuery {
  limit: number
  cursor?: string | undefined
  q?: string | undefined
  /** Editors also see the tags only unpublished articles hold. */
  includeUnpublished: boolean
}

const ph = sql.placeholder
/** Above every character: `prefix + END` bounds the range of tags that start with `prefix`. */
const END = '\u{10FFFF}'

export function createTagsRepository(db: Db) {
  // Tag order is the index's (tag, status, sort_at, article_seq): each page reads the rows of its
  // tags and no others. SQLite has no FILTER for count() through Drizzle: a sum of a comparison.
  function listStatement(published: boolean, prefix: boolean, after: boolean) {
    return db
      .select({
        key: articleTags.tag,
        count: published ? sql<number>`count(*)` : sql<number>`sum(${articleTags.status} = 'published')`,
        latest: max(articleTags.articleSeq),
      })
      .from(articleTags)
      .where(
        and(
          published ? eq(articleTags.status, 'published') : undefined,
          prefix ? and(gte(articleTags.tag, ph('from')), lt(articleTags.tag, ph('to'))) : undefined,
          after ? gt(articleTags.tag, ph('after')) : undefined,
        ),
      )
      .groupBy(articleTags.tag)
      .orderBy(asc(articleTags.tag))
      .limit(boundLimit())
      .prepare()
  }
  const statements = new Map<string, ReturnType<typeof listStatement>>()
  const listOf = (published: boolean, prefix: boolean, after: boolean) => {
    const key = `${+published}${+prefix}${+after}`
    let statement = statements.get(key)
    if (statement === undefined) statements.set(key, (statement = listStatement(published, prefix, after)))
    return statement
  }
  // One index range of the tag's rows, whatever their status.
  const holders = db
    .select({ id: articles.id })
    .from(articleTags)
    .innerJoin(articles, eq(articles.seq, articleTags.articleSeq))
    .where(eq(articleTags.tag, ph('tag')))
    .prepare()

  /**
   * Each tag of the page as the most recently created article holding it spells it (the rows
   * hold the folded key only): one query for the page.
   */
  function spellings(rows: { key: string; latest: number | null }[]): Map<string, string> {
    const seqs = rows.flatMap((row) => (row.latest === null ? [] : [row.latest]))
    const tagsOf = new Map<number, string[]>()
    if (seqs.length > 0) for (const article of db.select({ seq: articles.seq, tags: articles.tags }).from(articles).where(inArray(articles.seq, seqs)).all()) tagsOf.set(article.seq, article.tags)
    const spelled = new Map<string, string>()
    for (const row of rows) {
      const spelling = row.latest === null ? undefined : tagsOf.get(row.latest)?.find((tag) => filterKey(tag) === row.key)
      if (spelling !== undefined) spelled.set(row.key, spelling)
    }
    return spelled
  }

  return {
    /** Alphabetical by the folded tag; keyset paging on it. */
    list(query: TagListQuery): { data: TagCount[]; nextCursor: string | null } {
      const prefix = query.q === undefined ? '' : filterKey(query.q)
      const after = query.cursor === undefined ? undefined : (decodeCursor(query.cursor, ['string']) as [string])[0]
      const statement = listOf(!query.includeUnpublished, prefix !== '', after !== undefined)
      const rows = statement.all({ from: prefix, to: prefix + END, after, limit: query.limit + 1 })
      const page = toPage(rows, query.limit, (last) => [last.key])
      const spelled = spellings(page.data)
      return { data: page.data.map((row) => ({ tag: spelled.get(row.key) ?? row.key, count: Number(row.count) })), nextCursor: page.nextCursor }
    },

    /** The ids of the articles that hold the tag, in any case. */
    holders(tag: string): string[] {
      return holders.all({ tag: filterKey(tag) }).map((row) => row.id)
    },
  }
}
