// Helpers for repositories that speak SQL to better-sqlite3 directly.
import type { Database, Statement } from 'better-sqlite3'

/**
 * Prepares each distinct SQL text once and keeps it: lists and `IN (...)` lookups vary their
 * SQL by filter or by count, never by value, so there are only a few shapes of each.
 */
export function statementCache(sqlite: Database): (sql: string) => Statement<unknown[]> {
  const statements = new Map<string, Statement<unknown[]>>()
  return (sql) => {
    let statement = statements.get(sql)
    if (!statement) {
      statement = sqlite.prepare(sql)
      statements.set(sql, statement)
    }
    return statement
  }
}

/** A failed UNIQUE constraint, optionally on one `table.column`. */
export function isUniqueViolation(error: unknown, column?: string): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    (column === undefined || error.message.includes(column))
  )
}

/** A failed FOREIGN KEY constraint (a restricted delete, a vanished parent). */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}
