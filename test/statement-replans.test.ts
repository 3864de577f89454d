// SQLite prepares a statement again, on every run, when its plan may depend on a value bound to
// it: the statement is marked to be re-planned whenever that parameter is bound. Two things in a
// schema or a statement make it so, and both are kept out of the service (measured with the
// SQLite of better-sqlite3 12, 3.53):
//
// - A partial index (CREATE INDEX ... WHERE) on a column that a statement compares with a bound
//   value. An index `WHERE status = 'published'` on articles made every read that binds a status
//   prepare itself anew: the stored read of an article by slug took 16 µs instead of 4.5.
// - A LIMIT that is a bare bound parameter (`LIMIT ?`, what Drizzle writes for a placeholder):
//   a list page's statement took 10–13 µs instead of 4. `boundLimit()` (src/db/bound-limit.ts)
//   writes it as an expression, `? + 0`, which SQLite only evaluates.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { fixedLimit } from '../src/db/bound-limit.js'
import { openDatabase } from '../src/db/client.js'
import { projectPath } from '../src/paths.js'

/** The partial indexes the schema may have, and why no statement binds a value their condition compares. */
const ALLOWED: Record<string, string> = {
  // The change feed reads `public_action IS NOT NULL` as written; no statement binds public_action.
  changes_public_idx: 'changes',
}

t.test('no partial index on a table whose statements bind what its condition names', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const partial = db.$client
    .prepare("SELECT name, tbl_name AS tableName FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")
    .all() as { name: string; tableName: string }[]
  t.ok(partial.length > 0, 'the migrated schema was read (it has the change feed\'s partial index)')
  t.same(
    partial.filter(({ name, tableName }) => ALLOWED[name] !== tableName),
    [],
    'each partial index is one this file allows, with the reason',
  )
})

t.test('what the rule guards against: SQLite plans a bound value against a partial index, so it prepares again', async (t) => {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  sqlite.exec(`
    CREATE TABLE items (id INTEGER PRIMARY KEY, status TEXT NOT NULL, name TEXT NOT NULL);
    CREATE INDEX items_live ON items (name) WHERE status = 'live';
  `)
  const insert = sqlite.prepare('INSERT INTO items (status, name) VALUES (?, ?)')
  for (let i = 0; i < 200; i++) insert.run(i % 2 === 0 ? 'live' : 'gone', `n${i}`)
  // When the statement is prepared the value is unknown; a plan that takes the partial index was
  // made after it was bound: a preparation on the run, which happens again whenever it is bound.
  const explain = (status: string) =>
    (sqlite.prepare("EXPLAIN QUERY PLAN SELECT id FROM items WHERE status = ? AND name = 'n10'").all(status) as { detail: string }[]).map((row) => row.detail).join('\n')
  t.match(explain('live'), /items_live/, 'bound to the index\'s own value, the plan uses the index')
  t.notMatch(explain('gone'), /items_live/, 'bound to another, it cannot')
})

t.test('no statement takes its LIMIT from a bare bound parameter', async (t) => {
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    )
  })(projectPath('src'))
  t.ok(files.length > 50, 'the whole of src/ was read')
  const bare: string[] = []
  // The helpers' own file says what they replace.
  for (const file of files.filter((file) => !file.endsWith('bound-limit.ts'))) {
    const text = readFileSync(file, 'utf8')
    // Drizzle's .limit() with anything but the two helpers (it binds a number too), or a LIMIT
    // written into raw SQL from a value.
    for (const match of text.matchAll(/\.limit\((?!boundLimit\(|fixedLimit\()[^)]*\)|LIMIT \$\{/g)) {
      bare.push(`${relative(projectPath(), file)}: ${match[0]}`)
    }
  }
  t.same(bare, [], 'a LIMIT is boundLimit() or fixedLimit()')
  t.ok(files.some((file) => readFileSync(file, 'utf8').includes('.limit(boundLimit())')), 'and statements do take their LIMIT so')
  t.throws(() => fixedLimit(1.5), RangeError, 'a fixed LIMIT is a whole number')
})
