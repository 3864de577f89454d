// The content version (migrations/0003_content-version.sql): a number that triggers raise on
// every change to what a published read can show, whichever connection or process made it.
import type { Db } from './client.js'

/**
 * Returns a reader of the content version that reads the row at most once per turn of the event
 * loop. Reading it is a read transaction, with two file-lock system calls: under load that is
 * a sixth of the cost of answering a 304 from the response cache. Within a turn the number read
 * stands unless this connection changed a row since (its `total_changes()`, counted without
 * touching the file, triggers included), so this process's own writes are seen at once and
 * another process's from the next turn, as if they had committed a moment later.
 */
export function contentVersionReader(db: Pick<Db, '$client'>): () => number {
  const sqlite = db.$client
  // Plain statements: the table exists only in its migration (beside the triggers that keep it),
  // and Drizzle has no name for total_changes(). Both run on every cached read.
  const read = sqlite.prepare<[], number>('SELECT value FROM content_version WHERE id = 1').pluck()
  const ownChanges = sqlite.prepare<[], number>('SELECT total_changes()').pluck()
  let known: { version: number; changes: number } | null = null
  const forget = () => {
    known = null
  }
  return () => {
    const changes = ownChanges.get()!
    if (known !== null && known.changes === changes) return known.version
    if (known === null) setImmediate(forget)
    known = { version: read.get()!, changes }
    return known.version
  }
}
