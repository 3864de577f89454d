// The content version (migrations/0003_content-version.sql): a number that triggers raise on
// every change to what a published read can show, whichever connection or process made it.
import type { Database } from 'better-sqlite3'

export function contentVersionReader(sqlite: Database): () => number {
  const statement = sqlite.prepare<[], number>('SELECT value FROM content_version WHERE id = 1').pluck()
  return () => statement.get()!
}
