// The search index (FTS5 virtual table, made by migrations/0001_search.sql), declared so that Drizzle's
// builder can write and read it. It is kept out of db/schema.ts because drizzle-kit would try to
// create it there as a plain table; its rowid is the article's seq.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const articlesFts = sqliteTable('articles_fts', {
  rowid: integer('rowid').notNull(),
  title: text('title').notNull(),
  subtitle: text('subtitle').notNull(),
  summary: text('summary').notNull(),
  body: text('body').notNull(),
  tags: text('tags').notNull(),
})
