// The SQLite connection: pragmas that make it safe for a server, and migrations applied
// before anything reads. `db/` knows nothing of HTTP.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { projectPath } from '../paths.js'
import * as schema from './schema.js'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path)
  // WAL lets readers run while one writer writes; NORMAL sync is durable across process
  // crashes (only an OS crash can lose the last commits) and much faster than FULL.
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  // Savepoints (a nested transaction, one comment of a batch) journal in memory, not in a temp file.
  sqlite.pragma('temp_store = MEMORY')
  // A second process (a backup, the key command) may hold the lock for a moment.
  sqlite.pragma('busy_timeout = 5000')
  // 8 MiB of page cache (better-sqlite3 builds SQLite with 16): the hot reads are answered from
  // the response cache, and a page that falls out is in the OS's file cache. After a benchmark
  // run the process held 5–10 MB less at the same comments/s.
  sqlite.pragma('cache_size = -8000')
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
