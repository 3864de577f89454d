// What feeds, sitemaps, structured data and the change feed cost on a seeded archive, beside a
// list page of the same length: measured in-process (app.inject, response cache off, so every
// read runs its queries) as the time to the last byte, read as a stream of bytes. The `distribution` scenario of
// `npm run bench`, and `node dist/scripts/bench/distribution.js` on its own.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/client.js'
import { type CostRow, feedCostMarkdown } from './distribution-cost.js'
import type { SeedResult } from './seed-data.js'

export interface DistributionRow {
  name: string
  medianMs: number
  slowestMs: number
  bytes: number
}

export interface DistributionReport {
  articles: number
  runs: number
  rows: DistributionRow[]
  /** Feeds beside list pages over HTTP (distribution-cost.ts), and its rounds. */
  cost?: { rows: CostRow[]; rounds: number; requests: number }
}

export async function measureDistribution(db: string, seed: SeedResult, runs: number): Promise<DistributionReport> {
  const mediaDir = mkdtempSync(join(tmpdir(), 'bench-distribution-'))
  const config = loadConfig({ DATABASE_PATH: db, MEDIA_DIR: mediaDir, LOG_LEVEL: 'warn', RESPONSE_CACHE_MB: '0', PUBLIC_URL: 'https://cms.example' })
  const app = await buildApp(config, { db: openDatabase(db) })
  try {
    await app.ready()
    const pageSize = config.sitemapPageSize
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
      [`sitemap page ${lastFullPage} (${Math.min(pageSize, seed.articles).toLocaleString('en')} URLs)`, `/v1/sitemaps/articles/${lastFullPage}.xml`],
      ['news sitemap', '/v1/sitemaps/news.xml'],
      ['JSON-LD', `/v1/articles/${article.id}/jsonld`],
      ['ninjs', `/v1/articles/${article.id}/ninjs`],
      ['change feed, 100', '/v1/changes?limit=100'],
    ]
    const rows: DistributionRow[] = []
    for (const [name, url] of paths) {
      const times: number[] = []
      let bytes = 0
      for (let run = 0; run < runs; run++) {
        // The answer is read as the bytes it is, as a client's socket takes them: inject's own
        // payload (joined and decoded into a string) would time the test client's work too.
        const started = performance.now()
        const res = await app.inject({ url, payloadAsStream: true })
        let received = 0
        for await (const chunk of res.stream()) received += (chunk as Buffer).length
        times.push(performance.now() - started)
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`)
        bytes = received
      }
      times.sort((a, b) => a - b)
      rows.push({ name, medianMs: times[Math.floor(times.length / 2)]!, slowestMs: times[times.length - 1]!, bytes })
    }
    return { articles: seed.articles, runs, rows }
  } finally {
    await app.close()
    rmSync(mediaDir, { recursive: true, force: true })
  }
}

export function distributionMarkdown(report: DistributionReport): string {
  return `## Distribution

Feeds, sitemaps, structured data and the change feed at ${report.articles.toLocaleString('en')} articles, in-process (no HTTP),
response cache off, ${report.runs} runs each, time to the last byte. Targets: a feed or sitemap page costs no more than a
list page of the same length; a 50,000-URL sitemap page streams in under 1 s at 1,000,000 articles. In-process times
overstate large answers (the test client copies a body byte by byte): feeds are weighed against lists by the server's
CPU over HTTP${report.cost === undefined ? ' (the table that `npm run bench` adds)' : ', below'}.

| read | median | slowest | bytes |
| --- | ---: | ---: | ---: |
${report.rows.map((row) => `| ${row.name} | ${row.medianMs.toFixed(1)} ms | ${row.slowestMs.toFixed(1)} ms | ${row.bytes.toLocaleString('en')} |`).join('\n')}
${report.cost === undefined ? '' : `\n${feedCostMarkdown(report.cost.rows, report.cost.rounds, report.cost.requests)}`}`
}
