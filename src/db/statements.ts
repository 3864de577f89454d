// Telling constraint violations apart, so that repositories catch only the one they mean.

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
