// The tables of distribution (issue 20): the sitemap index's summary and the change feed's log,
// both written by triggers (migration distribution). Apart from schema.ts only to keep each file
// short; drizzle.config.ts reads it too.
import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

// The sitemap index's summary (src/distribution/sitemaps.ts), kept by triggers (migration
// distribution): per 1,000 article numbers, how many are published and their last change.
export const sitemapBlocks = sqliteTable('sitemap_blocks', {
  block: integer('block').primaryKey(),
  published: integer('published').notNull(),
  changedAt: text('changed_at').notNull(),
})

// The change feed (src/changes/): a row per change to an article or a media item, written by
// triggers (migration distribution) in the change's own transaction, whoever makes it; SQLite
// has one writer at a time, so `seq` is commit order.
export const changes = sqliteTable(
  'changes',
  {
    // AUTOINCREMENT: a number is never handed out twice, even once retention has emptied the table.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    type: text('type', { enum: ['article', 'media'] }).notNull(),
    id: text('id').notNull(),
    /** What staff see (`delete`: the row is gone), and what readers see (null: nothing). */
    action: text('action', { enum: ['upsert', 'delete'] }).notNull(),
    publicAction: text('public_action', { enum: ['upsert', 'delete'] }),
    at: text('at').notNull(),
  },
  (t) => [index('changes_public_idx').on(t.seq).where(sql`public_action IS NOT NULL`)],
)
