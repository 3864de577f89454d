// The tables that hang off an article beside its own row: its corrections and its preview links
// (issue 19). Apart from schema.ts only to keep each file short; drizzle.config.ts reads both.
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { articles } from './schema.js'

// Corrections, clarifications, updates and retractions: the public record of what changed in a
// story. Each change to one is also a change of its article (a new version and revision).
export const articleCorrections = sqliteTable(
  'article_corrections',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ['correction', 'clarification', 'update', 'retraction'] }).notNull(),
    text: text('text').notNull(),
    at: text('at').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  // Newest first, as the article embeds them and the list pages them.
  (t) => [index('article_corrections_article_idx').on(t.articleId, t.at, t.seq)],
)

// Preview links: only the SHA-256 of each token is kept, so a copy of the database opens no draft.
export const previewLinks = sqliteTable(
  'preview_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    keyId: text('key_id'),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('preview_links_article_idx').on(t.articleId), index('preview_links_expires_idx').on(t.expiresAt)],
)
