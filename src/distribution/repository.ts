// What feeds and sitemaps read of the articles: whole published articles by id (a feed's page,
// in one query), sitemap pages as ranges of one covering index, and the last 48 hours for
// Google News. Published articles only: nothing here is ever shown to anyone else.
import { and, asc, count, desc, eq, getTableColumns, gt, gte, inArray, lte, max, sql } from 'drizzle-orm'
import type { StoredArticle } from '../articles/schemas.js'
import type { Db } from '../db/client.js'
import type { UrlField } from './canonical-url.js'
import { lookupByIds } from '../db/lookup-by-ids.js'
import { articles } from '../db/schema.js'
import { sitemapBlocks } from '../db/schema-distribution.js'

export type DistributionRepository = ReturnType<typeof createDistributionRepository>

/** A sitemap entry: what the URL template and `lastmod` need. */
export interface SitemapRow {
  seq: number
  id: string
  slug: string
  section: string | null
  locale: string
  publishedAt: string | null
  updatedAt: string
}

/** A Google News entry. */
export interface NewsRow extends SitemapRow {
  title: string
  leadMediaId: string | null
}

/** What a sitemap page holds now: it changes whenever the page's bytes would. */
export interface PageState {
  count: number
  lastmod: string | null
  /** The sum of the page's article numbers: two states with the same count and lastmod still differ by it. */
  seqs: number
}

/** Article numbers a row of sitemap_blocks sums up (fixed by the migration's triggers). */
export const SITEMAP_BLOCK = 1_000

/** A block of article numbers with published articles in it, and its last change. */
export interface SitemapBlock {
  block: number
  published: number
  changedAt: string
}

const p = sql.placeholder
const { seq: _seq, sortAt: _sortAt, ...storedColumns } = getTableColumns(articles)
const published = eq(articles.status, 'published')
// Raw: INDEXED BY has no Drizzle form. The planner would otherwise take the primary key for a
// range of seq and read each row, walking the body's overflow pages to reach its status.
const sitemapIndex = sql`${articles} INDEXED BY articles_sitemap_idx`
// Raw: the partial index serves only a query whose condition is its own, word for word; a bound
// 'published' (what eq() writes) cannot be known to match it when the statement is prepared.
const inSitemapIndex = sql`${articles.status} = 'published'`

export function createDistributionRepository(db: Db) {
  const byIds = lookupByIds((ids) => db.select(storedColumns).from(articles).where(and(inArray(articles.id, ids), published)).prepare())
  const sitemapFields = {
    seq: sql<number>`${articles.seq}`,
    updatedAt: sql<string>`${articles.updatedAt}`,
    id: sql<string>`${articles.id}`,
    slug: sql<string>`${articles.slug}`,
    section: sql<string | null>`${articles.section}`,
    locale: sql<string>`${articles.locale}`,
    publishedAt: sql<string | null>`${articles.publishedAt}`,
  }
  const inRange = and(inSitemapIndex, gt(articles.seq, p('after')), lte(articles.seq, p('until')))
  // A statement per set of fields a URL template reads: a million strings not made is time saved.
  const chunks = new Map<string, ReturnType<typeof chunkStatement>>()
  const chunkStatement = (fields: readonly UrlField[]) => {
    const columns = Object.fromEntries([['seq', sitemapFields.seq], ['updatedAt', sitemapFields.updatedAt], ...fields.map((field) => [field, sitemapFields[field]])])
    return db.select(columns).from(sitemapIndex).where(inRange).orderBy(asc(articles.seq)).limit(p('limit')).prepare()
  }
  const state = db
    // Raw: Drizzle's sum() is SQL's sum(), null over no rows; total() is 0 there.
    .select({ count: count(), lastmod: max(articles.updatedAt), seqs: sql<number>`total(${articles.seq})` })
    .from(sitemapIndex)
    .where(inRange)
    .prepare()
  const lastSeq = db.select({ seq: max(articles.seq) }).from(articles).prepare()
  const blocks = db.select().from(sitemapBlocks).where(gt(sitemapBlocks.published, 0)).orderBy(asc(sitemapBlocks.block)).prepare()
  // The list's index (status, sort key): a published article's sort key is its publishedAt.
  const recent = db
    .select({ ...sitemapFields, title: articles.title, leadMediaId: articles.leadMediaId })
    .from(articles)
    .where(and(published, gte(articles.sortAt, p('since'))))
    .orderBy(desc(articles.sortAt), desc(articles.seq))
    .limit(p('limit'))
    .prepare()

  return {
    /** The published ones among these articles, in the order of `ids`. */
    publishedByIds(ids: readonly string[]): StoredArticle[] {
      // db/schema.ts types the body as unknown[]; the articles repository wrote every body as blocks.
      const found = new Map((byIds([...new Set(ids)]) as StoredArticle[]).map((row) => [row.id, row]))
      return ids.flatMap((id) => found.get(id) ?? [])
    },

    /**
     * The published articles numbered after `after` up to `until`, in that order, at most `limit`,
     * with `fields` filled (the others empty). Rows come as arrays and are made into objects here:
     * Drizzle's own mapping of 50,000 rows took longer than the query.
     */
    sitemapChunk(after: number, until: number, limit: number, fields: readonly UrlField[]): SitemapRow[] {
      const key = fields.join()
      let statement = chunks.get(key)
      if (statement === undefined) chunks.set(key, (statement = chunkStatement(fields)))
      const rows = statement.values({ after, until, limit }) as unknown[][]
      return rows.map((values) => {
        const row: SitemapRow = { seq: values[0] as number, updatedAt: values[1] as string, id: '', slug: '', section: null, locale: '', publishedAt: null }
        for (let i = 0; i < fields.length; i++) (row as unknown as Record<string, unknown>)[fields[i]!] = values[i + 2]
        return row
      })
    },

    /** The count, last change and numbers of the published articles numbered after `after` up to `until`. */
    sitemapState(after: number, until: number): PageState {
      const row = state.get({ after, until })
      return { count: row?.count ?? 0, lastmod: row?.lastmod ?? null, seqs: row?.seqs ?? 0 }
    },

    /** The blocks of SITEMAP_BLOCK article numbers that hold a published article, in order. */
    sitemapBlocks(): SitemapBlock[] {
      return blocks.all()
    },

    /** The highest article number handed out so far (0 with none). */
    lastSeq(): number {
      return lastSeq.get()?.seq ?? 0
    },

    /** Published at or after `since`, newest first, at most `limit`. */
    publishedSince(since: string, limit: number): NewsRow[] {
      return recent.all({ since, limit })
    },
  }
}
