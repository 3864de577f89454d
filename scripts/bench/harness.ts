// What the benchmark's scenarios share: seeding in a process of its own, starting and stopping
// servers, and one autocannon run against a target.
import { type ChildProcess, spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { SERVER_LIMITS } from '../../src/app.js'
import { projectPath } from '../../src/paths.js'
import { SERVER_SCRIPT, startFlags } from '../start-command.js'

/** The service as `npm start` runs it: Node's arguments read from package.json's start script. */
export const SERVICE_ARGS = startArguments()

function startArguments(): string[] {
  return [...startFlags(), projectPath(SERVER_SCRIPT)]
}

/** Seeds in a process of its own (seed-main.ts): the measuring process must not carry the seeder's heap. */
export async function seedApart(db: string, articles: number): Promise<void> {
  const child = spawn(process.execPath, [projectPath('dist/scripts/bench/seed-main.js'), db, String(articles)], { stdio: 'inherit' })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`seeding failed (exit code ${code})`)
}

export interface Server {
  child: ChildProcess
  base: string
}

// Below Linux's ephemeral range (32768–60999 by default), from which the load generator's own
// sockets take their local ports: a server started on one of those found it in use and the run
// ended (it happened, with the newsroom scenario after the standard one).
let nextPort = 20_000 + Math.floor(Math.random() * 10_000)

export async function waitFor(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
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

export function start(args: string[], env: Record<string, string>): Server {
  const port = nextPort++
  const child = spawn(process.execPath, args.map((a) => a.replace('{port}', String(port))), {
    cwd: projectPath('.'),
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return { child, base: `http://127.0.0.1:${port}` }
}

export async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  await exited
}

export interface Target {
  url: string
  /** Paths to take in turn (many different stories) instead of the url's path. */
  paths?: string[]
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** The status class every answer must have. */
  expect: '2xx' | '3xx'
}

export interface Sample {
  rps: number
  p50: number
  p99: number
  ok: number
  bad: number
}

export async function shoot(target: Target, seconds: number, connections: number): Promise<Sample> {
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

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

