// A statement's LIMIT, written so that SQLite does not prepare the statement again on each run.
//
// SQLite (3.53, as better-sqlite3 12 bundles it) plans with the value of a LIMIT that is a bare
// bound parameter, and so marks the statement to be prepared again whenever that parameter is
// bound: on every run. A list page's statement took 10–13 µs instead of 4, a page read with its
// stored renders 48 µs instead of 20. `? + 0` is an expression SQLite only evaluates; the plans
// are the ones a bound LIMIT always had (test/query-plans.test.ts). Drizzle binds a number given
// to `.limit()` as a parameter too, so a fixed LIMIT is written into the statement's text. Drizzle
// types `.limit()` as a number or a placeholder, and writes any SQL given there as it is.
import { type Placeholder, sql } from 'drizzle-orm'

/** `.limit(boundLimit())`: the placeholder `name` as the LIMIT, without re-preparing the statement on each run. */
export const boundLimit = (name = 'limit'): Placeholder => sql`${sql.placeholder(name)} + 0` as unknown as Placeholder

/** `.limit(fixedLimit(n))`: a LIMIT known when the statement is written, as a literal (Drizzle would bind the number). */
export function fixedLimit(n: number): Placeholder {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`a LIMIT is a whole number, not ${n}`)
  return sql.raw(String(n)) as unknown as Placeholder
}
