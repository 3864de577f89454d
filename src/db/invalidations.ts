// The invalidation log (`invalidations`, filled by the triggers of migration surrogate-keys):
// reading what changed since a position, cheaply enough for every cached read, and pruning it.
import { and, asc, gt, lt, lte, sql } from 'drizzle-orm'
import type { Db } from './client.js'
import { invalidations } from './schema-background.js'

export interface InvalidationFeed {
  /**
   * The newest position of the log (0 when empty). Read from the file at most once per turn of
   * the event loop: under load that read (a read transaction, two file-lock system calls) would
   * otherwise cost a sixth of a cached 304. Within a turn the position read stands unless this
   * connection changed a row since (its `total_changes()`, counted without touching the file,
   * triggers included), so this process's own writes are seen at once and another process's
   * from the next turn, as if they had committed a moment later.
   */
  head(): number
  /**
   * The keys logged after position `seq`, up to at least `head()`, and the position they reach;
   * null when rows after `seq` were pruned before being read (a reader that fell that far behind
   * must forget everything).
   */
  after(seq: number): { seq: number; keys: string[] } | null
}

export function invalidationFeed(db: Db): InvalidationFeed {
  const sqlite = db.$client
  // Plain statements: both run on every cached read, and pluck() spares building a row object;
  // Drizzle has no name for total_changes().
  const newest = sqlite.prepare<[], number | null>('SELECT max(seq) FROM invalidations').pluck()
  const ownChanges = sqlite.prepare<[], number>('SELECT total_changes()').pluck()
  const rowsAfter = db
    .select({ seq: invalidations.seq, key: invalidations.key })
    .from(invalidations)
    .where(gt(invalidations.seq, sql.placeholder('seq')))
    .orderBy(asc(invalidations.seq))
    .prepare()

  let known: { head: number; changes: number } | null = null
  const forget = () => {
    known = null
  }
  return {
    head() {
      const changes = ownChanges.get()!
      if (known !== null && known.changes === changes) return known.head
      if (known === null) setImmediate(forget)
      known = { head: newest.get() ?? 0, changes }
      return known.head
    },
    after(seq) {
      const rows = rowsAfter.all({ seq })
      // Positions are contiguous (AUTOINCREMENT; rows leave only from the oldest end), so a
      // first row past seq + 1 means the rows between were pruned unread.
      if (rows.length > 0 && rows[0]!.seq !== seq + 1) return null
      return { seq: rows.length === 0 ? seq : rows[rows.length - 1]!.seq, keys: rows.map((row) => row.key) }
    },
  }
}

/** Rows deleted at a time: after a bulk import the log can hold millions, and one DELETE of them all would stall requests. */
export const PRUNE_BATCH = 10_000

/**
 * Deletes up to `PRUNE_BATCH` of the oldest rows logged before `before` (an ISO time) that every
 * reader that must not miss one (the CDN purger's cursors) has passed: `through` is the last
 * position they all read. The newest row always stays, so that positions keep growing. A
 * response cache of another process that was idle longer than that finds its position pruned and
 * empties itself. Returns how many rows went.
 */
export function pruneInvalidations(db: Db, before: string, through: number): number {
  const oldest = db.select({ seq: sql<number | null>`min(${invalidations.seq})` }).from(invalidations).get()?.seq
  const newest = sql`(SELECT max(${invalidations.seq}) FROM ${invalidations})`
  if (oldest === null || oldest === undefined) return 0
  return db
    .delete(invalidations)
    .where(and(lte(invalidations.seq, Math.min(through, oldest + PRUNE_BATCH - 1)), lt(invalidations.seq, newest), lt(invalidations.at, before)))
    .run().changes
}

export interface PrunerOptions {
  /** How often to prune. */
  intervalMs: number
  /** How long rows stay at least, for readers in other processes (their response caches). */
  retainMs: number
  /** The last position that readers which must see every row (the CDN purger) have passed. */
  readThrough: () => number
  /** Rows older than this go even when such a reader has not passed them (a CDN down for days). */
  maxBacklogMs: number
  onError: (error: unknown) => void
}

/**
 * Prunes the log now and then, off the request path, a batch per turn of the event loop while
 * full batches go; returns the function that stops it.
 */
export function startInvalidationPruner(db: Db, options: PrunerOptions): () => void {
  let stopped = false
  const round = () => {
    if (stopped) return
    try {
      const at = Date.now()
      let deleted = pruneInvalidations(db, new Date(at - options.retainMs).toISOString(), options.readThrough())
      if (deleted < PRUNE_BATCH) deleted = pruneInvalidations(db, new Date(at - options.maxBacklogMs).toISOString(), Number.MAX_SAFE_INTEGER)
      if (deleted === PRUNE_BATCH) setImmediate(round)
    } catch (error) {
      // The database busy with another process's write: the next round prunes what this one left.
      options.onError(error)
    }
  }
  const timer = setInterval(round, options.intervalMs).unref()
  return () => {
    stopped = true
    clearInterval(timer)
  }
}

/**
 * Logs keys in the caller's transaction, for changes that no trigger can name: the search terms
 * an edit changes are the tokenizer's, which SQL cannot call (src/articles/search-keys.ts).
 */
export function invalidationLog(db: Db): (keys: Iterable<string>) => void {
  const insert = db.insert(invalidations).values({ key: sql.placeholder('key') }).prepare()
  return (keys) => {
    for (const key of keys) insert.run({ key })
  }
}
