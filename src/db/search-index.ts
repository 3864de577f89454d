// The search index (FTS5, made by migrations/0001_search.sql), its vocabulary and its tags-only
// twin (0022_search-tags-index.sql), for Drizzle's builder.
import { and, desc, lte, sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import type { Db } from './client.js'

// Declared here, not in db/schema.ts, where drizzle-kit would try to create it as a plain
// table. Its rowid is the article's seq.
export const articlesFts = sqliteTable('articles_fts', {
  rowid: integer('rowid').notNull(),
  title: text('title').notNull(),
  subtitle: text('subtitle').notNull(),
  summary: text('summary').notNull(),
  body: text('body').notNull(),
  tags: text('tags').notNull(),
})

/**
 * The articles' tags alone, indexed as articles_fts indexes them (migrations/0022_search-tags-index.sql):
 * a word's doclist here lists only the articles whose tags hold it, where `{tags} : ...` on
 * articles_fts walks every article that holds it anywhere. Contentless: rowids only.
 */
export const articlesFtsTags = sqliteTable('articles_fts_tags', { rowid: integer('rowid').notNull(), tags: text('tags').notNull() })

/** The index's terms and how many articles hold each (an fts5vocab table over articles_fts). */
export const articlesFtsVocab = sqliteTable('articles_fts_vocab', { term: text('term').notNull(), doc: integer('doc').notNull() })

/**
 * Each occurrence of each term (an fts5vocab table of type 'instance'): read only by term, to
 * list the terms after a given string one seek at a time, without counting anything.
 */
export const articlesFtsInstances = sqliteTable('articles_fts_instances', { term: text('term').notNull() })

/**
 * The rowids that match an FTS5 query in `index` (articles_fts by default), up to `until`, newest first, read lazily: the caller
 * stops the scan where it likes. Built by Drizzle, run by the driver, whose iterate() can be
 * left midway and pluck() gives bare rowids. (Only an upper bound: FTS5 reaches a lower rowid
 * bound by walking the doclist from its start, which at a million articles cost 30 ms a term.)
 */
export function newestMatches(db: Db, index: typeof articlesFts | typeof articlesFtsTags = articlesFts): (match: string, until: number) => IterableIterator<number> {
  const ph = sql.placeholder
  const statement = db.$client
    .prepare<[string, number], number>(
      db
        .select({ rowid: index.rowid })
        .from(index)
        .where(and(sql`${index} MATCH ${ph('match')}`, lte(index.rowid, ph('until'))))
        .orderBy(desc(index.rowid))
        .toSQL().sql,
    )
    .pluck()
  return (match, until) => statement.iterate(match, until)
}
