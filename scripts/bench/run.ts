// `npm run bench`: seeds a dataset, starts the service as `npm start` does beside two bare
// yardsticks, and measures them with autocannon, interleaved (A, B, A, B...) so that a load
// change on the machine hits both sides alike. Writes the table to BENCHMARKS.md.
// Options: --articles N, --duration S, --rounds R, --connections C, --quick, --out FILE,
// --json FILE, --db FILE, --no-seed (reuse --db as it is), --workers N (the service's WORKERS).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { SERVER_LIMITS } from '../../src/app.js'
import { DEFAULT_RESPONSE_CACHE_MB } from '../../src/config.js'
import { encodeCursor } from '../../src/http/cursor.js'
import { projectPath } from '../../src/paths.js'
import { SERVER_SCRIPT, startFlags } from '../start-command.js'
import type { SeedResult } from './seed-data.js'

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
    else if (arg === '--quick') Object.assign(options, { articles: 200, duration: 1, rounds: 1, warmup: 0.5 })
    else throw new Error(`unknown option ${arg}`)
  }
  return options
}

/** The service as `npm start` runs it: Node's arguments read from package.json's start script. */
const SERVICE_ARGS = startArguments()

function startArguments(): string[] {
  return [...startFlags(), projectPath(SERVER_SCRIPT)]
}

/** Seeds in a process of its own (seed-main.ts): the measuring process must not carry the seeder's heap. */
async function seedApart(db: string, articles: number): Promise<void> {
  const child = spawn(process.execPath, [projectPath('dist/scripts/bench/seed-main.js'), db, String(articles)], { stdio: 'inherit' })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`seeding failed (exit code ${code})`)
}

interface Server {
  child: ChildProcess
  base: string
}

let nextPort = 39_000 + Math.floor(Math.random() * 5_000)

async function waitFor(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with code ${child.exitCode}`)
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

function start(args: string[], env: Record<string, string>): Server {
  const port = nextPort++
  const child = spawn(process.execPath, args.map((a) => a.replace('{port}', String(port))), {
    cwd: projectPath('.'),
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return { child, base: `http://127.0.0.1:${port}` }
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  await exited
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

interface Target {
  url: string
  /** Paths to take in turn (many different stories) instead of the url's path. */
  paths?: string[]
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** The status class every answer must have. */
  expect: '2xx' | '3xx'
}

interface Sample {
  rps: number
  p50: number
  p99: number
  ok: number
  bad: number
}

async function shoot(target: Target, seconds: number, connections: number): Promise<Sample> {
  let next = 0
  const paths = target.paths
  const result = await autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
    idReplacement: target.body !== undefined,
    connections,
    duration: seconds,
    // The service ends a connection after SERVER_LIMITS.maxRequestsPerSocket answers (saying
    // `Connection: close`, as nginx does after 1,000); autocannon would not notice and would get
    // 503s on that socket from then on. A client that opens a new connection, as browsers and
    // proxies do, is what the figures should describe.
    reconnectRate: SERVER_LIMITS.maxRequestsPerSocket,
    ...(paths === undefined ? {} : { requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }] }),
  })
  const ok = target.expect === '2xx' ? result['2xx'] : result['3xx']
  const total = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok, bad: total - ok + result.errors + result.timeouts }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
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
  coldStartMs: number
  rssMb: number
  comments: { responses: number; rowsAdded: number; lost: number }
  rows: Row[]
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown'
  } catch {
    return cpus()[0]?.model ?? 'unknown'
  }
}

function table(report: Report): string {
  const f = (n: number, digits = 1) => n.toFixed(digits)
  const lines = [
    `| Benchmark | Target | req/s | p50 ms | p99 ms | ratio | failed |`,
    `|---|---|---:|---:|---:|---:|---:|`,
    ...report.rows.map(
      (r) => `| ${r.name} | ${r.target} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.p99)} | ${r.ratio === null ? '' : `${f(r.ratio * 100, 0)}%`} | ${r.bad} |`,
    ),
  ]
  return lines.join('\n')
}

function markdown(report: Report, options: Options): string {
  const m = report.machine
  return `# Benchmarks

Written by \`npm run bench\` (scripts/bench/run.ts) on ${m.date}.

- Machine: ${m.nproc} CPUs (${m.cpu}), Node ${m.node}, load average at the start ${m.loadavg.map((n) => n.toFixed(2)).join(' / ')}
- Service: WORKERS=${report.workers}${report.workers > 1 ? ' (a primary and its workers; memory is their sum, cold start is until the first worker answers)' : ''}
- Dataset: ${report.articles.toLocaleString('en')} published articles${report.seedSeconds === null ? '' : `, seeded in ${report.seedSeconds.toFixed(1)} s`}
- autocannon, ${options.connections} connections, ${options.rounds} interleaved round(s) of ${options.duration} s per target after a ${options.warmup} s warm-up; medians of the rounds
- Ratio: requests/s over the bare Fastify + better-sqlite3 server running the same query (304: over the hello-world route)
- \`service\`: the service as \`npm start\` runs it, response cache on (RESPONSE_CACHE_MB=${DEFAULT_RESPONSE_CACHE_MB}): a story read again is served
  from memory until anything it shows changes. \`service, cache off\`: a second instance with RESPONSE_CACHE_MB=0, what
  every read costs when it misses the cache (the first read after a change). The three are interleaved in each round.

${table(report)}

- Cold start (spawn to \`/health\` 200): ${report.coldStartMs.toFixed(0)} ms
- Resident memory after the run: ${report.rssMb.toFixed(0)} MB
- Comment submission: ${report.comments.responses} answered 201, ${report.comments.rowsAdded} rows added, ${report.comments.lost} lost
`
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
  const bareScript = projectPath('dist/scripts/bench/bare-server.js')
  const spawnedAt = performance.now()
  const serviceEnv = {
    DATABASE_PATH: options.db,
    MEDIA_DIR: mediaDir,
    LOG_LEVEL: 'warn',
    COMMENT_RATE_LIMIT: '0',
    COMMENT_MODERATION: 'post',
    NODE_ENV: 'production',
    WORKERS: String(options.workers),
  }
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
    const report: Report = {
      machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, date: new Date().toISOString(), loadavg: startLoad },
      workers: options.workers,
      articles: seed.articles,
      seedSeconds,
      coldStartMs,
      rssMb,
      comments: { responses, rowsAdded, lost: Math.max(0, responses - rowsAdded) },
      rows,
    }
    log('')
    log(table(report))
    log('')
    log(`Cold start ${coldStartMs.toFixed(0)} ms, RSS after the run ${rssMb.toFixed(0)} MB; comments: ${responses} answered 201, ${rowsAdded} rows added`)
    writeFileSync(options.out, markdown(report, options))
    if (options.json !== null) writeFileSync(options.json, JSON.stringify(report, null, 2))
    log(`Wrote ${options.out}`)
    return report
  } finally {
    await Promise.all([service, hello, bare, uncached].flatMap((server) => (server === null ? [] : [stop(server)])))
    rmSync(mediaDir, { recursive: true, force: true })
  }
}

await runBench(parseOptions(process.argv.slice(2)))
