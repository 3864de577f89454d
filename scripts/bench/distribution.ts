// `node dist/scripts/bench/distribution.js [--db FILE] [--articles N] [--no-seed] [--runs R]`:
// what feeds, sitemaps, structured data and the change feed cost on a seeded archive, beside a
// list page of the same length, measured in-process (app.inject, response cache off, so every
// read runs its queries) as the time to the last byte. The number that matters: a 50,000-URL
// sitemap page under 1 s at 1,000,000 articles. Seed a million once (about four minutes, 6.5 GB),
// then measure with --no-seed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/client.js'
import { projectPath } from '../../src/paths.js'
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

const db = openDatabase(opts.db)
const app = await buildApp(loadConfig({ DATABASE_PATH: opts.db, MEDIA_DIR: projectPath('data/media'), LOG_LEVEL: 'warn', RESPONSE_CACHE_MB: '0', PUBLIC_URL: 'https://cms.example' }), { db })
await app.ready()
const pageSize = app.config.sitemapPageSize
const lastFullPage = Math.max(1, Math.floor(seed.articles / pageSize))
const article = (await app.inject(`/v1/articles/slug/${seed.sampleSlug}`)).json() as { id: string }

const paths: [string, string][] = [
  ['list page of 50 (the yardstick)', '/v1/articles?limit=50'],
  ['RSS, 50 entries', '/v1/feeds/rss?limit=50'],
  ['Atom, 50 entries', '/v1/feeds/atom?limit=50'],
  ['JSON Feed, 50 entries', '/v1/feeds/json?limit=50'],
  ['RSS, 50, tag filter', `/v1/feeds/rss?limit=50&tag=${encodeURIComponent(seed.popularTag)}`],
  ['list page of 100', '/v1/articles?limit=100'],
  ['RSS, 100 entries', '/v1/feeds/rss?limit=100'],
  ['sitemap index', '/v1/sitemaps/index.xml'],
  [`sitemap page ${lastFullPage} (${pageSize.toLocaleString('en')} URLs)`, `/v1/sitemaps/articles/${lastFullPage}.xml`],
  ['sitemap page 1', '/v1/sitemaps/articles/1.xml'],
  ['news sitemap', '/v1/sitemaps/news.xml'],
  ['JSON-LD', `/v1/articles/${article.id}/jsonld`],
  ['ninjs', `/v1/articles/${article.id}/ninjs`],
  ['change feed, 100', '/v1/changes?limit=100'],
]

console.log(`\n${seed.articles.toLocaleString('en')} articles, ${opts.runs} runs each (median, slowest), response cache off\n`)
console.log('| read | median | slowest | bytes |')
console.log('| --- | ---: | ---: | ---: |')
for (const [name, url] of paths) {
  const times: number[] = []
  let bytes = 0
  for (let run = 0; run < opts.runs; run++) {
    const started = performance.now()
    const res = await app.inject(url)
    times.push(performance.now() - started)
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`)
    bytes = res.rawPayload.length
  }
  times.sort((a, b) => a - b)
  console.log(`| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms | ${times[times.length - 1]!.toFixed(1)} ms | ${bytes.toLocaleString('en')} |`)
}
await app.close()
