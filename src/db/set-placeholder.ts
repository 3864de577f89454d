// A placeholder for the SET of an UPDATE prepared once with Drizzle's builder.
import { type SQL, sql } from 'drizzle-orm'

/**
 * Drizzle binds a placeholder in SET as it does in WHERE and VALUES, but its types accept one
 * only there; wrapped in `sql` it is a plain expression. The value is bound as given: no column
 * mode (JSON, boolean) converts it.
 */
export function setPlaceholder(name: string): SQL {
  return sql`${sql.placeholder(name)}`
}
