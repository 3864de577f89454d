// Two pieces of SQL that prepared writes use where Drizzle's builder has no word for them.
import { type Placeholder, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'

/**
 * A value to write, bound as given. Drizzle binds a placeholder in SET as it does in WHERE and
 * VALUES, but its types accept a bare one only there; and in `.values()` a bare one runs
 * through its column's encoder on every call (on the comment insert, a tenth of a comment's
 * time). A value written this way is not converted by its column's mode (JSON, boolean): pass
 * JSON as text.
 */
export const bound = (name: string) => sql`${sql.placeholder(name)}`

/** A counter moved in SQL, so that no read races the write (Drizzle's builder has no arithmetic). */
export const plus = (column: SQLiteColumn, by: Placeholder | number) => sql`${column} + ${by}`
