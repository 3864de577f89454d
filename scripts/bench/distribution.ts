// `node dist/scripts/bench/distribution.js [--db FILE] [--articles N] [--no-seed] [--runs R]`:
// the `distribution` scenario of `npm run bench` (distribution-reads.ts) on its own database,
// with more runs. The number that matters: a 50,000-URL sitemap page under 1 s at 1,000,000
// articles. Seed a million once (about four minutes, 6.5 GB), then measure with --no-seed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { projectPath } from '../../src/paths.js'
import { distributionMarkdown, measureDistribution } from './distribution-reads.js'
import { seedDatabase, type SeedResult } from './seed-data.js'

function options(argv: string[]) {
  const out = { db: projectPath('data/bench-distribution.sqlite'), articles: 100_000, seed: true, runs: 5 }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const next = () => argv[++i] ?? ''
    if (arg === '--db') out.db = next()
    else if (arg === '--articles') out.articles = Number(next())
    else if (arg === '--runs') out.runs = Number(next())
    else if (arg === '--no-seed') out.seed = false
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

const report = await measureDistribution(opts.db, seed, opts.runs)
console.log(`\n${distributionMarkdown(report)}`)
