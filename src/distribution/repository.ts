// What feeds and sitemaps read of the articles: whole published articles by id (a feed's page,
// in one query), sitemap pages as ranges of one covering index, the last 48 hours for Google
// News, and the published members of translation groups (from the group and sitemap indexes). Published articles only: nothing here is ever shown to anyone else.
import { and, asc, count, desc, eq, getTableColumns, gt, gte, inArray, isNotNull, lte, max, ne, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { StoredArticle } from '../articles/schemas.js'
import type { Db } from '../db/client.js'
import type { UrlField } from './canonical-url.js'
import { lookupByIds } from '../db/lookup-by-ids.js'
import { articles } from '../db/schema.js'
import { sitemapBlocks } from '../db/schema-distribution.js'
import { boundLimit, fixedLimit } from '../db/bound-limit.js'

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
  /** The original of its translation group, or null (an original, or an article without translations). */
  translationOf: string | null
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

/** A translation group's key: its original's id (what every member's coalesce(translation_of, id) is). */
export const groupOf = (row: Pick<SitemapRow, 'id' | 'translationOf'>): string => row.translationOf ?? row.id

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
// Raw: Drizzle has no coalesce. The group index's own expression, so that SQLite seeks in it.
const groupKey = sql<string>`coalesce(${articles.translationOf}, ${articles.id})`

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
    translationOf: sql<string | null>`${articles.translationOf}`,
  }
  const inRange = and(published, gt(articles.seq, p('after')), lte(articles.seq, p('until')))
  // The id is always read: with translation_of it names the entry's translation group.
  const others = (fields: readonly UrlField[]) => fields.filter((field) => field !== 'id')
  // A statement per set of fields a URL template reads: a million strings not made is time saved.
  const chunks = new Map<string, ReturnType<typeof chunkStatement>>()
  const chunkStatement = (fields: readonly UrlField[]) => {
    const columns = Object.fromEntries([
      ['seq', sitemapFields.seq],
      ['updatedAt', sitemapFields.updatedAt],
      ['translationOf', sitemapFields.translationOf],
      ['id', sitemapFields.id],
      ...others(fields).map((field) => [field, sitemapFields[field]]),
    ])
    return db.select(columns).from(sitemapIndex).where(inRange).orderBy(asc(articles.seq)).limit(boundLimit()).prepare()
  }
  const state = db
    // Raw: Drizzle's sum() is SQL's sum(), null over no rows; total() is 0 there.
    .select({ count: count(), lastmod: max(articles.updatedAt), seqs: sql<number>`total(${articles.seq})` })
    .from(sitemapIndex)
    .where(inRange)
    .prepare()
  // Per entry of a page, the other published members of its group: the group index joins the
  // sitemap index to itself (aliases of it, INDEXED BY as above), so no row is read.
  const [a, g, m] = [alias(articles, 'a'), alias(articles, 'g'), alias(articles, 'm')]
  const sitemapAlias = (name: string) => sql`${articles} as ${sql.identifier(name)} INDEXED BY articles_sitemap_idx`
  const alternatesState = db
    .select({ count: count(), lastmod: max(m.updatedAt), seqs: sql<number>`total(${m.seq})` })
    .from(sitemapAlias('a'))
    .innerJoin(g, and(eq(sql`coalesce(${g.translationOf}, ${g.id})`, sql`coalesce(${a.translationOf}, ${a.id})`), ne(g.seq, a.seq)))
    .innerJoin(sitemapAlias('m'), and(eq(m.seq, g.seq), eq(m.status, 'published')))
    .where(and(eq(a.status, 'published'), gt(a.seq, p('after')), lte(a.seq, p('until'))))
    .prepare()
  // The members of groups, from the group index alone (its expression and the row's number).
  const membersOf = lookupByIds((keys) => db.select({ group: groupKey, seq: articles.seq }).from(articles).where(inArray(groupKey, keys)).prepare())
  const publishedBySeqs = lookupByIds<SitemapRow, number>((seqs) =>
    db.select(sitemapFields).from(sitemapIndex).where(and(published, inArray(articles.seq, seqs))).prepare(),
  )
  // Only the indexed column: a seek in articles_translation_of_idx, where a table scan would read every row to find none.
  const translated = db.select({ original: articles.translationOf }).from(articles).where(isNotNull(articles.translationOf)).limit(fixedLimit(1)).prepare()
  /** Whether any article translates another: on a site without translations, their lookups read nothing more. */
  const anyTranslation = (): boolean => translated.get() !== undefined
  const lastSeq = db.select({ seq: max(articles.seq) }).from(articles).prepare()
  const blocks = db.select().from(sitemapBlocks).where(gt(sitemapBlocks.published, 0)).orderBy(asc(sitemapBlocks.block)).prepare()
  // The list's index (status, sort key): a published article's sort key is its publishedAt.
  const recent = db
    .select({ ...sitemapFields, title: articles.title, leadMediaId: articles.leadMediaId })
    .from(articles)
    .where(and(published, gte(articles.sortAt, p('since'))))
    .orderBy(desc(articles.sortAt), desc(articles.seq))
    .limit(boundLimit())
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
     * with `fields` (and the id and group) filled, the others empty. Rows come as arrays and are made into objects here:
     * Drizzle's own mapping of 50,000 rows took longer than the query.
     */
    sitemapChunk(after: number, until: number, limit: number, fields: readonly UrlField[]): SitemapRow[] {
      const key = fields.join()
      let statement = chunks.get(key)
      if (statement === undefined) chunks.set(key, (statement = chunkStatement(fields)))
      const rows = statement.values({ after, until, limit }) as unknown[][]
      return rows.map((values) => {
        const row: SitemapRow = { seq: values[0] as number, updatedAt: values[1] as string, translationOf: values[2] as string | null, id: values[3] as string, slug: '', section: null, locale: '', publishedAt: null }
        const rest = others(fields)
        for (let i = 0; i < rest.length; i++) (row as unknown as Record<string, unknown>)[rest[i]!] = values[i + 4]
        return row
      })
    },

    /**
     * The translation groups of these keys (groupOf) that have more than one published member:
     * each group's published members, by locale. Two seeks per call, whatever the number of keys:
     * one in the group index, one in the sitemap index; neither reads a row. On a site where no
     * article translates another, one seek tells it so and nothing more is read.
     */
    translationGroups(keys: readonly string[]): Map<string, SitemapRow[]> {
      const groups = new Map<string, SitemapRow[]>()
      if (!anyTranslation()) return groups
      const seqsOf = new Map<string, number[]>()
      for (const { group, seq } of membersOf([...new Set(keys)])) {
        const seqs = seqsOf.get(group)
        if (seqs === undefined) seqsOf.set(group, [seq])
        else seqs.push(seq)
      }
      // Most articles have no translations: their group is themselves, and nothing more is read.
      const wanted = [...seqsOf.values()].filter((seqs) => seqs.length > 1).flat()
      if (wanted.length === 0) return groups
      for (const row of publishedBySeqs(wanted).sort((a, b) => (a.locale < b.locale ? -1 : a.locale > b.locale ? 1 : 0))) {
        const members = groups.get(groupOf(row))
        if (members === undefined) groups.set(groupOf(row), [row])
        else members.push(row)
      }
      for (const [key, members] of groups) if (members.length < 2) groups.delete(key)
      return groups
    },

    /** What the translations shown on a page (its entries' other published group members) are now: part of its validator. */
    sitemapAlternatesState(after: number, until: number): PageState {
      const row = anyTranslation() ? alternatesState.get({ after, until }) : undefined
      return { count: row?.count ?? 0, lastmod: row?.lastmod ?? null, seqs: row?.seqs ?? 0 }
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
