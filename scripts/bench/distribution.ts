// `node dist/scripts/bench/distribution.js [--db FILE] [--articles N] [--no-seed] [--runs R] [--translations] [--http]`:
// the `distribution` scenario of `npm run bench` (distribution-reads.ts) on its own database,
// with more runs. The number that matters: a 50,000-URL sitemap page under 1 s at 1,000,000
// articles. Seed a million once (about four minutes, 6.5 GB), then measure with --no-seed.
// `--translations` first gives the archive what the seed lacks (once; use a copy of the file): a
// Spanish translation of every tenth article of the last full sitemap page and of every
// hundredth elsewhere, so that pages, feeds and structured data list alternates. `--http` adds
// feeds beside list pages over HTTP (distribution-cost.ts), R rounds.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, eq, getTableColumns, gt, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { closeDatabase, openDatabase } from '../../src/db/client.js'
import { articles } from '../../src/db/schema.js'
import { projectPath } from '../../src/paths.js'
import { measureFeedCost } from './distribution-cost.js'
import { distributionMarkdown, measureDistribution } from './distribution-reads.js'
import { seedDatabase, type SeedResult } from './seed-data.js'

function options(argv: string[]) {
  const out = { db: projectPath('data/bench-distribution.sqlite'), articles: 100_000, seed: true, runs: 5, translations: false, http: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const next = () => argv[++i] ?? ''
    if (arg === '--db') out.db = next()
    else if (arg === '--articles') out.articles = Number(next())
    else if (arg === '--runs') out.runs = Number(next())
    else if (arg === '--no-seed') out.seed = false
    else if (arg === '--translations') out.translations = true
    else if (arg === '--http') out.http = true
    else throw new Error(`unknown option ${arg}`)
  }
  return out
}

const opts = options(process.argv.slice(2))
let seed: SeedResult
if (opts.seed || !existsSync(`${opts.db}.json`)) {
  const started = performance.now()
  seed = await seedDatabase(opts.db, {
    articles: opts.articles,
    onProgress: (done) => {
      if (done % 100_000 === 0) console.log(`  seeded ${done} articles, ${((performance.now() - started) / 1000).toFixed(0)} s`)
    },
  })
  writeFileSync(`${opts.db}.json`, JSON.stringify(seed))
} else {
  seed = JSON.parse(readFileSync(`${opts.db}.json`, 'utf8')) as SeedResult
}

if (opts.translations) translate(opts.db, seed.articles)

/** Spanish translations of some articles (see the head of this file), unless the archive has some already. */
function translate(path: string, count: number): void {
  const db = openDatabase(path)
  try {
    if (db.select({ seq: articles.seq }).from(articles).where(isNotNull(articles.translationOf)).limit(1).get() !== undefined) return
    const lastPageStart = Math.max(0, Math.floor(count / 50_000) - 1) * 50_000
    // Every column in the table's order (Drizzle's insert from a select wants them so), the
    // original's except these. Raw: Drizzle has no string functions; a null seq takes the next.
    const changed: Record<string, SQL | SQLiteColumn> = {
      seq: sql`null`,
      id: sql`'zz' || substr(${articles.id}, 3)`,
      locale: sql`'es'`,
      version: sql`1`,
      commentCount: sql`0`,
      externalId: sql`null`,
      translationOf: articles.id,
    }
    const fields = Object.fromEntries(Object.entries(getTableColumns(articles)).map(([name, column]) => [name, changed[name] ?? column]))
    const rows = db
      .select(fields)
      .from(articles)
      .where(and(eq(articles.status, 'published'), isNull(articles.translationOf), or(and(gt(articles.seq, lastPageStart), sql`${articles.seq} % 10 = 0`), sql`${articles.seq} % 100 = 0`)))
    const started = performance.now()
    const made = db.insert(articles).select(rows as never).run().changes
    console.log(`  ${made} translations added in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    closeDatabase(db)
  }
}

const report = await measureDistribution(opts.db, seed, opts.runs)
if (opts.http) {
  const mediaDir = mkdtempSync(join(tmpdir(), 'bench-distribution-'))
  const env = { DATABASE_PATH: opts.db, MEDIA_DIR: mediaDir, LOG_LEVEL: 'warn', NODE_ENV: 'production', PUBLIC_URL: 'https://news.example' }
  report.cost = { rows: await measureFeedCost(env, opts.runs, 2_000), rounds: opts.runs, requests: 2_000 }
  rmSync(mediaDir, { recursive: true, force: true })
}
console.log(`\n${distributionMarkdown(report)}`)
