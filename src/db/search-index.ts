// The search index (FTS5, made by migrations/0001_search.sql) and its vocabulary, for Drizzle's builder.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

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

/** The index's terms and how many articles hold each (an fts5vocab table over articles_fts). */
export const articlesFtsVocab = sqliteTable('articles_fts_vocab', { term: text('term').notNull(), doc: integer('doc').notNull() })
