// The CDN purge outbox in SQLite: the invalidation log (written by triggers in each change's
// transaction) is the outbox, and each purge URL's cursor says how far into it that URL has been
// sent. Nothing is written per change for the purger, and a change made by another process or
// the command line is purged like one made here.
import { and, asc, eq, gt, inArray, lte, min, notInArray, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { cdnPurgeCursors, invalidations } from '../db/schema-background.js'
import { boundLimit } from '../db/bound-limit.js'

export type PurgeOutbox = ReturnType<typeof createPurgeOutbox>

export interface Cursor {
  seq: number
  attempts: number
  nextAttemptAt: string
}

const p = sql.placeholder

export function createPurgeOutbox(db: Db) {
  const head = db.select({ seq: sql<number>`coalesce(max(${invalidations.seq}), 0)` }).from(invalidations).prepare()
  const cursorOf = db
    .select({ seq: cdnPurgeCursors.seq, attempts: cdnPurgeCursors.attempts, nextAttemptAt: cdnPurgeCursors.nextAttemptAt })
    .from(cdnPurgeCursors)
    .where(eq(cdnPurgeCursors.url, p('url')))
    .prepare()
  const rowsAfter = db
    .select({ seq: invalidations.seq, key: invalidations.key })
    .from(invalidations)
    .where(gt(invalidations.seq, p('seq')))
    .orderBy(asc(invalidations.seq))
    .limit(boundLimit())
    .prepare()

  const track = transactional(db, (urls: readonly string[], now: string) => {
    // A URL no longer listed must not hold the log back; one listed anew starts at the log's head
    // (what its cache kept from before, only its max-age bounds).
    if (urls.length === 0) db.delete(cdnPurgeCursors).run()
    else db.delete(cdnPurgeCursors).where(notInArray(cdnPurgeCursors.url, [...urls])).run()
    const start = head.get()!.seq
    for (const url of urls) {
      db.insert(cdnPurgeCursors).values({ url, seq: start, nextAttemptAt: now, updatedAt: now }).onConflictDoNothing().run()
    }
  })

  return {
    /** Makes a cursor for each URL not yet known, at the log's head, and forgets those no longer listed. */
    track(urls: readonly string[], now: string): void {
      track(urls, now)
    },

    /** The newest position of the log (0 when empty). */
    head(): number {
      return head.get()!.seq
    },

    cursor(url: string): Cursor | null {
      return cursorOf.get({ url }) ?? null
    },

    /**
     * Takes the URL's turn: pushes its next attempt to `leaseUntil`, if it was due and nobody
     * moved its cursor since it was read. False when another process took it first.
     */
    claim(url: string, cursor: Cursor, now: string, leaseUntil: string): boolean {
      return (
        db
          .update(cdnPurgeCursors)
          .set({ nextAttemptAt: leaseUntil })
          .where(and(eq(cdnPurgeCursors.url, url), eq(cdnPurgeCursors.seq, cursor.seq), lte(cdnPurgeCursors.nextAttemptAt, now)))
          .run().changes === 1
      )
    },

    /** Up to `limit` rows of the log after position `seq`, oldest first. */
    rowsAfter(seq: number, limit: number): { seq: number; key: string }[] {
      return rowsAfter.all({ seq, limit })
    },

    /** The rows through `seq` went: the next attempt may start at once. */
    advance(url: string, seq: number, now: string): void {
      db.update(cdnPurgeCursors)
        .set({ seq: sql`max(${cdnPurgeCursors.seq}, ${seq})`, attempts: 0, nextAttemptAt: now, lastError: null, updatedAt: now })
        .where(eq(cdnPurgeCursors.url, url))
        .run()
    },

    /** An attempt failed: the cursor stays, and the next attempt waits until `retryAt`. */
    fail(url: string, attempts: number, retryAt: string, error: string, now: string): void {
      db.update(cdnPurgeCursors).set({ attempts, nextAttemptAt: retryAt, lastError: error, updatedAt: now }).where(eq(cdnPurgeCursors.url, url)).run()
    },

    /** The last position every one of `urls` has been sent: the log may not be pruned past it. */
    readThrough(urls: readonly string[]): number {
      if (urls.length === 0) return Number.MAX_SAFE_INTEGER
      const row = db
        .select({ seq: min(cdnPurgeCursors.seq) })
        .from(cdnPurgeCursors)
        .where(inArray(cdnPurgeCursors.url, [...urls]))
        .get()
      return row?.seq ?? Number.MAX_SAFE_INTEGER
    },
  }
}
