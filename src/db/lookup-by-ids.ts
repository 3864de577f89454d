// Lookups by a list of ids of any length, from statements prepared once.
import { type Placeholder, sql } from 'drizzle-orm'

interface Prepared<Row> {
  all(values: Record<string, unknown>): Row[]
}

/**
 * `prepare` makes the statement for a list of placeholders (named "0", "1", …). There is one
 * statement per power of two of ids, the list padded with its last id (IN ignores repeats): a
 * dozen statements serve up to 4,096 ids, and no call builds or prepares a query. `values` fills
 * the statement's other placeholders.
 */
export function lookupByIds<Row, Id extends string | number = string>(
  prepare: (ids: Placeholder[]) => Prepared<Row>,
): (ids: readonly Id[], values?: Record<string, unknown>) => Row[] {
  const statements: Prepared<Row>[] = []
  return (ids, others) => {
    if (ids.length === 0) return []
    const slot = Math.ceil(Math.log2(ids.length))
    const size = 2 ** slot
    const statement = (statements[slot] ??= prepare(Array.from({ length: size }, (_, i) => sql.placeholder(String(i)))))
    const values: Record<string, unknown> = { ...others }
    for (let i = 0; i < size; i++) values[i] = ids[Math.min(i, ids.length - 1)]!
    return statement.all(values)
  }
}
