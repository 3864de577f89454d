// The SQLite connection: pragmas that make it safe for a server, and migrations applied
// before anything reads. `db/` knows nothing of HTTP.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { projectPath } from '../paths.js'
import { slugify } from '../text/slug.js'
import * as schema from './schema.js'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path)
  // WAL lets readers run while one writer writes.
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL')
  // What is durable. COMMIT returns (and a 201 is sent) once the transaction is in the WAL, in
  // the OS's cache: a crash of the process (kill -9, out of memory) loses nothing acknowledged.
  // NORMAL does not fsync at commit: the WAL reaches the disk when the checkpoint thread
  // (checkpointer.ts, every CHECKPOINT_INTERVAL_MS = 250 ms in app.ts) syncs it before copying
  // pages back. So an OS crash or power loss can lose what was acknowledged since that sync:
  // normally the last quarter second; longer while a long read holds checkpoints back, or should
  // the thread fail (then up to the fallback checkpoint, 64 MB of WAL later). Only the newest
  // transactions are lost, each whole (a change with its search rows and its outbox event), and
  // the file stays consistent. FULL would fsync every commit and close that window, but on the
  // measured disk it halved comments/s through the group commit and cut single article writes by
  // two thirds (scripts/bench/sync-cost.ts).
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  // Savepoints (a nested transaction, one comment of a batch) journal in memory, not in a temp file.
  sqlite.pragma('temp_store = MEMORY')
  // A second process (a backup, the key command) may hold the lock for a moment.
  sqlite.pragma('busy_timeout = 5000')
  // 8 MiB of page cache (better-sqlite3 builds SQLite with 16): the hot reads are answered from
  // the response cache, and a page that falls out is in the OS's file cache. 16 to 8 MiB left
  // the process 5–10 MB smaller after a benchmark run at the same comments/s and search speed;
  // 4 MiB saved 3–5 MB more at 1M articles but halved the benchmark's cache-off search there
  // (260–310 searches/s at 50 connections against 500–520; 16 MiB gave 450–480).
  sqlite.pragma('cache_size = -8000')
  // Slugs made in SQL are the service's own: migration sections-from-articles makes sections'.
  sqlite.function('cms_slugify', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? slugify(text) : null))
  const db = drizzle({ client: sqlite, schema }) as Db
  migrate(db, { migrationsFolder: projectPath('migrations') })
  return db
}

/**
 * `fn` made into a transaction: each call runs in one transaction (a savepoint when nested in
 * another) that commits when `fn` returns and rolls back when it throws. It begins IMMEDIATE:
 * a deferred transaction that reads, then writes, fails at once with SQLITE_BUSY when another
 * connection (a backup, `key:create`, a second worker) wrote in between, since SQLite cannot
 * upgrade a stale snapshot and busy_timeout does not apply; taking the write lock at BEGIN
 * makes it wait its turn instead. Drizzle's `db.transaction` can begin IMMEDIATE too, but
 * builds a new driver transaction on every call; this one is built once.
 */
export function transactional<A extends unknown[], R>(db: Pick<Db, '$client'>, fn: (...args: A) => R): (...args: A) => R {
  const run = db.$client.transaction(fn)
  return (...args) => run.immediate(...args) as R
}

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close()
}
