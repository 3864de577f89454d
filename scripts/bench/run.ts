// `npm run bench`: seeds a dataset, starts the service as `npm start` does beside two bare
// yardsticks, and measures them with autocannon, interleaved (A, B, A, B...) so that a load
// change on the machine hits both sides alike. Writes the table to BENCHMARKS.md.
// Options: --articles N, --duration S, --rounds R, --connections C, --quick, --out FILE,
// --json FILE, --db FILE, --no-seed (reuse --db as it is), --workers N (the service's WORKERS),
// --scenario NAME (standard, newsroom, search or distribution; repeat it for several; all by default),
// --search-connections C.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DEFAULT_RESPONSE_CACHE_MB } from '../../src/config.js'
import { encodeCursor } from '../../src/http/cursor.js'
import { projectPath } from '../../src/paths.js'
import { median, type Sample, seedApart, type Server, SERVICE_ARGS, shoot, start, stop, type Target, waitFor } from './harness.js'
import { newsroomMarkdown, type NewsroomReport, runNewsroom } from './newsroom.js'
import { runSearch, searchMarkdown, type SearchReport } from './search.js'
import type { SeedResult } from './seed-data.js'
import { measureFeedCost } from './distribution-cost.js'
import { type DistributionReport, distributionMarkdown, measureDistribution } from './distribution-reads.js'

export const SCENARIOS = ['standard', 'newsroom', 'search', 'distribution'] as const
export type Scenario = (typeof SCENARIOS)[number]

interface Options {
  articles: number
  duration: number
  rounds: number
  warmup: number
  connections: number
  out: string
  json: string | null
  db: string
  seed: boolean
  /** WORKERS of both service instances. */
  workers: number
  scenarios: Set<Scenario>
  /** Concurrent searches in the search scenario: few, so that latency is a query's cost, not a queue. */
  searchConnections: number
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    articles: 10_000,
    duration: 5,
    rounds: 3,
    warmup: 2,
    connections: 50,
    out: projectPath('BENCHMARKS.md'),
    json: null,
    db: projectPath('data/bench.sqlite'),
    seed: true,
    workers: 1,
    scenarios: new Set(),
    searchConnections: 4,
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    const count = (min: number, max: number) => {
      const n = Number(value())
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${arg} must be a whole number from ${min} to ${max}`)
      return n
    }
    if (arg === '--articles') options.articles = count(10, 1_000_000)
    else if (arg === '--duration') options.duration = count(1, 600)
    else if (arg === '--rounds') options.rounds = count(1, 20)
    else if (arg === '--connections') options.connections = count(1, 1000)
    else if (arg === '--out') options.out = value()
    else if (arg === '--json') options.json = value()
    else if (arg === '--db') options.db = value()
    else if (arg === '--no-seed') options.seed = false
    else if (arg === '--workers') options.workers = count(1, 64)
    else if (arg === '--search-connections') options.searchConnections = count(1, 1000)
    else if (arg === '--scenario') {
      const name = value() as Scenario
      if (!SCENARIOS.includes(name)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`)
      options.scenarios.add(name)
    }
    else if (arg === '--quick') Object.assign(options, { articles: 200, duration: 1, rounds: 1, warmup: 0.5 })
    else throw new Error(`unknown option ${arg}`)
  }
  if (options.scenarios.size === 0) for (const name of SCENARIOS) options.scenarios.add(name)
  return options
}

/** Resident memory of a process and its children (a cluster's workers). */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  let children: number[] = []
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    // Not every kernel lists children: the process alone, then.
  }
  return kb / 1024 + children.reduce((sum, child) => sum + residentMb(child), 0)
}

interface Measured {
  rps: number
  p50: number
  p99: number
  ok: number
  bad: number
}

function summarize(samples: Sample[]): Measured {
  return {
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    ok: samples.reduce((n, s) => n + s.ok, 0),
    bad: samples.reduce((n, s) => n + s.bad, 0),
  }
}

/** Warms each target up, then runs them in turn, round after round. */
async function interleaved(targets: Target[], options: Options): Promise<{ measured: Measured[]; warmOk: number[] }> {
  const warmOk: number[] = []
  for (const target of targets) {
    const warm = await shoot(target, options.warmup, options.connections)
    warmOk.push(warm.ok)
  }
  const samples: Sample[][] = targets.map(() => [])
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, target] of targets.entries()) samples[i]!.push(await shoot(target, options.duration, options.connections))
  }
  return { measured: samples.map(summarize), warmOk }
}

export interface Row {
  name: string
  target: string
  rps: number
  p50: number
  p99: number
  /** requests/s over the yardstick's, when there is one. */
  ratio: number | null
  bad: number
}

export interface Report {
  machine: { nproc: number; cpu: string; node: string; date: string; loadavg: number[] }
  workers: number
  articles: number
  seedSeconds: number | null
  scenarios: Scenario[]
  /** The standard scenario's figures (absent when it did not run: `rows` is then empty). */
  coldStartMs?: number
  rssMb?: number
  comments?: { responses: number; rowsAdded: number; lost: number }
  rows: Row[]
  newsroom?: NewsroomReport
  search?: SearchReport
  distribution?: DistributionReport
}

type Standard = Required<Pick<Report, 'coldStartMs' | 'rssMb' | 'comments' | 'rows'>>

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown'
  } catch {
    return cpus()[0]?.model ?? 'unknown'
  }
}

function table(rows: Row[]): string {
  const f = (n: number, digits = 1) => n.toFixed(digits)
  const lines = [
    `| Benchmark | Target | req/s | p50 ms | p99 ms | ratio | failed |`,
    `|---|---|---:|---:|---:|---:|---:|`,
    ...rows.map(
      (r) => `| ${r.name} | ${r.target} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.p99)} | ${r.ratio === null ? '' : `${f(r.ratio * 100, 0)}%`} | ${r.bad} |`,
    ),
  ]
  return lines.join('\n')
}

function standardMarkdown(report: Report): string {
  return `- Ratio: requests/s over the bare Fastify + better-sqlite3 server running the same query (304: over the hello-world route)
- \`service\`: the service as \`npm start\` runs it, response cache on (RESPONSE_CACHE_MB=${DEFAULT_RESPONSE_CACHE_MB}): a story read again is served
  from memory until anything it shows changes. \`service, cache off\`: a second instance with RESPONSE_CACHE_MB=0, what
  every read costs when it misses the cache (the first read after a change). The three are interleaved in each round.

${table(report.rows)}

- Cold start (spawn to \`/health\` 200): ${report.coldStartMs!.toFixed(0)} ms
- Resident memory after the run: ${report.rssMb!.toFixed(0)} MB
- Comment submission: ${report.comments!.responses} answered 201, ${report.comments!.rowsAdded} rows added, ${report.comments!.lost} lost
`
}

function markdown(report: Report, options: Options): string {
  const m = report.machine
  const sections = [
    `# Benchmarks

Written by \`npm run bench\` (scripts/bench/run.ts) on ${m.date}; scenarios: ${report.scenarios.join(', ')}.

- Machine: ${m.nproc} CPUs (${m.cpu}), Node ${m.node}, load average at the start ${m.loadavg.map((n) => n.toFixed(2)).join(' / ')}
- Service: WORKERS=${report.workers}${report.workers > 1 ? ' (a primary and its workers; memory is their sum, cold start is until the first worker answers)' : ''}
- Dataset: ${report.articles.toLocaleString('en')} published articles${report.seedSeconds === null ? '' : `, seeded in ${report.seedSeconds.toFixed(1)} s`}
- autocannon, ${options.connections} connections, ${options.rounds} interleaved round(s) of ${options.duration} s per target after a ${options.warmup} s warm-up; medians of the rounds
`,
  ]
  if (report.rows.length > 0) sections.push(standardMarkdown(report))
  if (report.newsroom !== undefined) sections.push(newsroomMarkdown(report.newsroom))
  if (report.search !== undefined) sections.push(searchMarkdown(report.search))
  if (report.distribution !== undefined) sections.push(distributionMarkdown(report.distribution))
  return sections.join('\n')
}

export async function runBench(options: Options): Promise<Report> {
  const log = (text: string) => process.stdout.write(`${text}\n`)
  const startLoad = loadavg()
  let seedSeconds: number | null = null
  if (options.seed) {
    log(`Seeding ${options.articles} articles into ${options.db}...`)
    const t0 = performance.now()
    await seedApart(options.db, options.articles)
    seedSeconds = (performance.now() - t0) / 1000
    log(`Seeded in ${seedSeconds.toFixed(1)} s`)
  }
  const seed = JSON.parse(readFileSync(`${options.db}.json`, 'utf8')) as SeedResult

  const mediaDir = mkdtempSync(join(tmpdir(), 'bench-media-'))
  const serviceEnv: Record<string, string> = {
    DATABASE_PATH: options.db,
    MEDIA_DIR: mediaDir,
    LOG_LEVEL: 'warn',
    COMMENT_RATE_LIMIT: '0',
    COMMENT_MODERATION: 'post',
    NODE_ENV: 'production',
    WORKERS: String(options.workers),
    // As in production: a fixed base for links, which is also what lets readers' copies be stored.
    PUBLIC_URL: 'https://news.example',
  }
  const report: Report = {
    machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, date: new Date().toISOString(), loadavg: startLoad },
    workers: options.workers,
    articles: seed.articles,
    seedSeconds,
    scenarios: SCENARIOS.filter((name) => options.scenarios.has(name)),
    rows: [],
  }
  try {
    if (options.scenarios.has('standard')) Object.assign(report, await runStandard(options, seed, serviceEnv, log))
    if (options.scenarios.has('newsroom')) report.newsroom = await newsroomScenario(options, serviceEnv, log)
    if (options.scenarios.has('search')) report.search = await searchScenario(options, seed.articles, serviceEnv, log)
    if (options.scenarios.has('distribution')) {
      log('Distribution (in-process)...')
      report.distribution = await measureDistribution(options.db, seed, options.rounds * 5)
      log('Feeds beside list pages, over HTTP...')
      const requests = Math.round(options.duration * 400)
      report.distribution.cost = { rows: await measureFeedCost(serviceEnv, options.rounds, requests), rounds: options.rounds, requests }
    }
  } finally {
    rmSync(mediaDir, { recursive: true, force: true })
  }
  writeFileSync(options.out, markdown(report, options))
  if (options.json !== null) writeFileSync(options.json, JSON.stringify(report, null, 2))
  log(`Wrote ${options.out}`)
  return report
}

/** A service of its own for a scenario, stopped whatever happens. */
async function withService<T>(env: Record<string, string>, run: (service: Server) => Promise<T>): Promise<T> {
  const service = start(SERVICE_ARGS, env)
  try {
    await waitFor(`${service.base}/health`, service.child)
    return await run(service)
  } finally {
    await stop(service)
  }
}

async function newsroomScenario(options: Options, serviceEnv: Record<string, string>, log: (text: string) => void): Promise<NewsroomReport> {
  log('Newsroom mix, without and with writes...')
  // An admin key for the saves, made at start (CMS_ADMIN_TOKEN), and the cache's counters.
  const token = `bench-${randomBytes(16).toString('hex')}`
  const env = { ...serviceEnv, CMS_ADMIN_TOKEN: token, BENCH_CACHE_STATS: 'true' }
  const result = await withService(env, (service) => runNewsroom({ ...options, base: service.base, token }))
  log(newsroomMarkdown(result))
  return result
}

async function searchScenario(options: Options, articles: number, serviceEnv: Record<string, string>, log: (text: string) => void): Promise<SearchReport> {
  log('Search, cache off...')
  const env = { ...serviceEnv, RESPONSE_CACHE_MB: '0' }
  const seconds = options.duration * options.rounds
  const result = await withService(env, (service) => runSearch(service.base, articles, seconds, options.searchConnections))
  log(searchMarkdown(result))
  return result
}

/** The rows of the table: the service beside its yardsticks, URL by URL, and comment submission. */
async function runStandard(options: Options, seed: SeedResult, serviceEnv: Record<string, string>, log: (text: string) => void): Promise<Standard> {
  const bareScript = projectPath('dist/scripts/bench/bare-server.js')
  const spawnedAt = performance.now()
  const service = start(SERVICE_ARGS, serviceEnv)
  let uncached: Server | null = null
  let hello: Server | null = null
  let bare: Server | null = null
  try {
    await waitFor(`${service.base}/health`, service.child)
    // Alone on the machine while it starts: the yardsticks start once it answers.
    const coldStartMs = performance.now() - spawnedAt
    hello = start([bareScript, 'hello', '{port}'], {})
    bare = start([bareScript, 'sqlite', '{port}', options.db], {})
    // The same service with its response cache off: what every read costs when it misses.
    uncached = start(SERVICE_ARGS, { ...serviceEnv, RESPONSE_CACHE_MB: '0' })
    await waitFor(`${uncached.base}/health`, uncached.child)
    await waitFor(`${hello.base}/`, hello.child)
    await waitFor(`${bare.base}/articles`, bare.child)
    log(`Service cold start: ${coldStartMs.toFixed(0)} ms`)

    const slug = encodeURIComponent(seed.sampleSlug)
    const tag = encodeURIComponent(seed.popularTag)
    const cursor = encodeCursor([seed.deep.sortAt, seed.deep.seq])
    const article = await fetch(`${service.base}/v1/articles/slug/${slug}`)
    const etag = article.headers.get('etag')
    await article.arrayBuffer()
    if (!article.ok || etag === null) throw new Error(`GET article by slug: ${article.status}, etag ${etag}`)

    const sampler = new Database(options.db, { readonly: true })
    const slugs = sampler
      .prepare<[number], string>("SELECT slug FROM articles WHERE status = 'published' ORDER BY random() LIMIT ?")
      .pluck()
      .all(Math.min(1000, seed.articles))
      .map((s) => encodeURIComponent(s))
    sampler.close()

    const reads: [string, string, string][] = [
      ['Article by slug', `/articles/slug/${slug}`, `/v1/articles/slug/${slug}`],
      [`Article by slug, ${slugs.length.toLocaleString('en')} stories in turn`, '/articles/slug/*', '/v1/articles/slug/*'],
      ['List, first page', '/articles', '/v1/articles'],
      ['List, deep page (cursor)', `/articles?sortAt=${encodeURIComponent(seed.deep.sortAt)}&seq=${seed.deep.seq}`, `/v1/articles?cursor=${cursor}`],
      ['Tag filter', `/articles?tag=${tag}`, `/v1/articles?tag=${tag}`],
      ['Full-text search', `/articles?q=${seed.searchWord}`, `/v1/articles?q=${seed.searchWord}`],
    ]
    const rows: Row[] = []
    const helloTarget: Target = { url: `${hello.base}/`, expect: '2xx' }
    const revalidate: Target = { url: `${service.base}/v1/articles/slug/${slug}`, headers: { 'if-none-match': etag }, expect: '3xx' }
    log('Hello-world vs 304 revalidation...')
    {
      const { measured } = await interleaved([helloTarget, revalidate], options)
      const [h, r] = measured as [Measured, Measured]
      rows.push({ name: 'Bare Fastify hello-world', target: '', ...h, ratio: null })
      rows.push({ name: '304 revalidation (If-None-Match)', target: '≥ 70% of hello-world', ...r, ratio: r.rps / h.rps })
    }
    for (const [name, barePath, servicePath] of reads) {
      log(`${name}...`)
      const target = (base: string, path: string): Target => {
        if (!path.endsWith('/*')) return { url: base + path, expect: '2xx' }
        const prefix = path.slice(0, -1)
        return { url: base + prefix + slugs[0], paths: slugs.map((s) => prefix + s), expect: '2xx' }
      }
      const { measured } = await interleaved(
        [target(bare.base, barePath), target(service.base, servicePath), target(uncached.base, servicePath)],
        options,
      )
      const [b, s, u] = measured as [Measured, Measured, Measured]
      const goal = name === 'Full-text search' ? 'p50 < 25 ms at 1M' : '≥ 80%, p99 < 25 ms'
      rows.push({ name: `${name}: bare`, target: '', ...b, ratio: null })
      rows.push({ name: `${name}: service`, target: goal, ...s, ratio: s.rps / b.rps })
      rows.push({ name: `${name}: service, cache off`, target: '', ...u, ratio: u.rps / b.rps })
    }

    log('Comment submission...')
    const counter = new Database(options.db, { readonly: true })
    const countRows = counter.prepare<[string], { n: number }>('SELECT count(*) AS n FROM comments WHERE article_id = ?')
    const before = countRows.get(seed.newestId)!.n
    const submit: Target = {
      url: `${service.base}/v1/articles/${seed.newestId}/comments`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorName: 'Bench reader', body: 'A remark on the harbour plan, number [<id>], from a regular reader.' }),
      expect: '2xx',
    }
    const { measured, warmOk } = await interleaved([submit], options)
    const c = measured[0]!
    const after = countRows.get(seed.newestId)!.n
    counter.close()
    const responses = c.ok + warmOk[0]!
    const rowsAdded = after - before
    rows.push({ name: 'Comment submission (POST)', target: '≥ 3,000/s, none lost', ...c, ratio: null })

    const rssMb = residentMb(service.child.pid!)
    log('')
    log(table(rows))
    log('')
    log(`Cold start ${coldStartMs.toFixed(0)} ms, RSS after the run ${rssMb.toFixed(0)} MB; comments: ${responses} answered 201, ${rowsAdded} rows added`)
    return { coldStartMs, rssMb, comments: { responses, rowsAdded, lost: Math.max(0, responses - rowsAdded) }, rows }
  } finally {
    await Promise.all([service, hello, bare, uncached].flatMap((server) => (server === null ? [] : [stop(server)])))
  }
}

await runBench(parseOptions(process.argv.slice(2)))
