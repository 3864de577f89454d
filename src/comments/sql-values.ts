// The two pieces of SQL that the comment statements write with, where Drizzle's builder has no word.
import { type Placeholder, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'

/**
 * A value to write, bound as given. Drizzle 0.45's `.set()` takes no bare placeholder in its
 * types, and in `.values()` a bare one runs through its column's encoder on every call: on the
 * comment insert that cost a tenth of the time of a comment (measured). None of the columns
 * written this way needs encoding, except the JSON of the spam reasons, passed as text.
 */
export const bound = (name: string) => sql`${sql.placeholder(name)}`

/** A counter moved in SQL, so that no read races the write (Drizzle's builder has no arithmetic). */
export const plus = (column: SQLiteColumn, by: Placeholder | number) => sql`${column} + ${by}`
