// The search index, articles_fts (FTS5, made by migrations/0001_search.sql), for Drizzle's builder.
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
