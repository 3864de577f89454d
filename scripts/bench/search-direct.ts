// `npx tsx scripts/bench/search-direct.ts [--db FILE] [--articles N] [--verbose]`: the search
// scenario's queries run straight through the list query against an existing database, opened
// read-only (no migrations, no writes), without HTTP or a queue: what each search costs by
// itself. The HTTP scenario (search.ts) runs 4 connections into one process, so its per-kind
// latencies include the wait behind other searches; this one separates them.
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import * as schema from '../../src/db/schema.js'
import type { Db } from '../../src/db/client.js'
import { createListQuery } from '../../src/articles/list-query.js'
import { QUERY_KINDS, searchQueries, type QueryKind } from './search.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback
}
const sqlite = new Database(option('--db', 'data/1m.sqlite'), { readonly: true })
// The service's page cache (db/client.ts), so that the timings are the service's.
sqlite.pragma('cache_size = -8000')
const listQuery = createListQuery(drizzle({ client: sqlite, schema }) as Db)
const queries = searchQueries(Number(option('--articles', '1000000')))
const times = new Map<QueryKind, number[]>(QUERY_KINDS.map((kind) => [kind, []]))

// Round 0 warms the OS's file cache; round 1 is measured.
for (let round = 0; round < 2; round++) {
  for (const query of queries) {
    const t0 = performance.now()
    const page = listQuery.list({ q: query.q, limit: 20 }, { includeUnpublished: false })
    const ms = performance.now() - t0
    if (round === 0) continue
    times.get(query.kind)!.push(ms)
    if (args.includes('--verbose')) console.log(`${query.kind.padEnd(12)} ${query.q.padEnd(28)} ${ms.toFixed(1).padStart(7)} ms ${page.data.length} hits`)
  }
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0
}
const row = (label: string, values: number[]) =>
  `| ${label} | ${values.length} | ${percentile(values, 0.5).toFixed(1)} | ${percentile(values, 0.99).toFixed(1)} | ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(1)} |`
console.log('| Kind | queries | p50 ms | p99 ms | mean ms |\n|---|---:|---:|---:|---:|')
for (const kind of QUERY_KINDS) console.log(row(kind, times.get(kind)!))
console.log(row('all', [...times.values()].flat()))
sqlite.close()
