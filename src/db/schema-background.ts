// The tables of the service's own background machinery, beside the content tables of schema.ts:
// the invalidation log the caches read, the CDN purge outbox, and the background-job lease.
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

// The invalidation log: the surrogate keys (src/http/surrogate-keys.ts) of what each change
// touched, appended by triggers (migration surrogate-keys) in the change's own transaction,
// whoever writes: this process, the scheduler, `npm run seed`, another process. The response
// cache reads it to evict exactly what changed; the CDN purger sends it on. Contiguous `seq`
// (AUTOINCREMENT, rows only ever pruned from the oldest end) lets a reader notice rows it missed.
export const invalidations = sqliteTable('invalidations', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  key: text('key').notNull(),
  at: text('at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
})

// The CDN purge outbox (src/cdn/): for each URL of CDN_PURGE_URLS, the last position of the
// invalidation log whose keys it has been sent. The log rows past it are its outbox, so a change
// is purged after it commits, in order, and again after a failure or a restart until it goes.
export const cdnPurgeCursors = sqliteTable('cdn_purge_cursors', {
  url: text('url').primaryKey(),
  seq: integer('seq').notNull(),
  /** Failed attempts in a row, for the backoff; 0 once a purge went. */
  attempts: integer('attempts').notNull().default(0),
  // While an attempt is in flight this is pushed past its timeout (a lease), so that two
  // processes do not send the same purges; after a failure, when to try again.
  nextAttemptAt: text('next_attempt_at').notNull(),
  lastError: text('last_error'),
  updatedAt: text('updated_at').notNull(),
})

// Who runs the background jobs (src/db/lease.ts): one row per named lease, held by one process
// until `expiresAt` unless it renews it first. Workers over one file take turns through it.
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: text('expires_at').notNull(),
})

// Stored renders (src/renders/): a published article's public answers as readers get them (its
// JSON, its summary, its feed entries), the exact bytes, so that a read is one row and no
// embedding or serialization. Made on a read that finds none, for the base URL it was asked at,
// and deleted in the same transaction as any change that logs a key it shows (trigger
// `renders_evict` of migration stored-renders, on the invalidation log): never stale, whoever
// writes.
export const renders = sqliteTable(
  'renders',
  {
    articleId: text('article_id').notNull(),
    /** What it is: `article`, `article-html`, `summary`, or a feed format's entry. */
    kind: text('kind').notNull(),
    /** The base of its absolute URLs (PUBLIC_URL, or the allowed host it was asked through). */
    base: text('base').notNull(),
    /** The code and settings that made it (src/renders/generation.ts): another's renders are never read. */
    generation: text('generation').notNull(),
    body: text('body').notNull(),
    /** The ETag of a whole answer (`article`), or the digest of a part of one (a summary, an entry). */
    etag: text('etag'),
    /** The surrogate keys an answer made of it names, space-separated (a feed entry: its media's and authors'; what deletes it is in render_keys). */
    keys: text('keys').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.kind, t.base, t.generation] })],
)

// The generation whose renders the table holds: a service that starts with another (new code, or a
// setting that changes what answers say) empties `renders` and `render_keys` first.
export const renderGenerations = sqliteTable('render_generation', {
  generation: text('generation').primaryKey(),
})

// Which stored renders show what: one row per key of an article's renders (the union over its
// kinds), for the trigger to find them by the key a change logs.
export const renderKeys = sqliteTable(
  'render_keys',
  {
    key: text('key').notNull(),
    articleId: text('article_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.articleId] }), index('render_keys_article_idx').on(t.articleId)],
)
