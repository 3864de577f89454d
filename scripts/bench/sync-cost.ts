// What `synchronous = FULL` costs next to NORMAL (src/db/client.ts): comments/s through the group
// commit (50 connections, autocannon) and articles created and updated one at a time, against the
// real server on a file database, the two settings interleaved round by round so that the load of
// a shared machine hits both alike. Run: npm run -s build && node dist/scripts/bench/sync-cost.js
// [--rounds R] [--duration S] [--dir DIR]. The server is this file in a child process (--serve).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/client.js'

const ADMIN = 'sync-cost-admin-token-0123456789'
const MODES = ['NORMAL', 'FULL'] as const
type Mode = (typeof MODES)[number]

async function serve(mode: Mode): Promise<void> {
  const config = loadConfig()
  const db = openDatabase(config.databasePath)
  db.$client.pragma(`synchronous = ${mode}`)
  const app = await buildApp(config, { db })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  process.stdout.write(`listening ${address} synchronous=${db.$client.pragma('synchronous', { simple: true })}\n`)
}

interface Round {
  mode: Mode
  commentsPerSecond: number
  createsPerSecond: number
  updatesPerSecond: number
}

async function start(mode: Mode, dir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--max-old-space-size=512', fileURLToPath(import.meta.url), '--serve', mode], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_PATH: join(dir, 'cms.sqlite'),
      MEDIA_DIR: join(dir, 'media'),
      CMS_ADMIN_TOKEN: ADMIN,
      COMMENT_RATE_LIMIT: '0',
      COMMENT_MODERATION: 'post',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const base = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const match = /listening (\S+) synchronous=(\d)/.exec(out)
      // SQLite's numbers for the setting: 1 NORMAL, 2 FULL.
      if (match && match[2] !== String(MODES.indexOf(mode) + 1)) reject(new Error(`asked for ${mode}, got synchronous=${match[2]}`))
      else if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)))
  })
  return { child, base }
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

/** Requests per second, one at a time: each waits for the commit before the next is sent. */
async function oneAtATime(seconds: number, request: (i: number) => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000
  const started = performance.now()
  let done = 0
  while (performance.now() < end) await request(done++)
  return done / ((performance.now() - started) / 1000)
}

async function round(mode: Mode, seconds: number, parent: string): Promise<Round> {
  const dir = mkdtempSync(join(parent, 'cms-sync-'))
  const { child, base } = await start(mode, dir)
  try {
    const story = await call(base, 'POST', '/v1/articles', { title: 'A story readers comment on' })
    await call(base, 'POST', `/v1/articles/${story.id}/publish`)
    const comments = await autocannon({
      url: `${base}/v1/articles/${story.id}/comments`,
      method: 'POST',
      connections: 50,
      duration: seconds,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorName: 'Reader', body: 'Remark [<id>] on the ferry timetable' }),
      idReplacement: true,
    })
    const createsPerSecond = await oneAtATime(seconds, (i) => call(base, 'POST', '/v1/articles', { title: `Story ${i}`, tags: ['sync'], body: [{ type: 'paragraph', text: `Paragraph ${i}` }] }))
    const updatesPerSecond = await oneAtATime(seconds, (i) => call(base, 'PATCH', `/v1/articles/${story.id}`, { subtitle: `Revision ${i}` }))
    return { mode, commentsPerSecond: comments['2xx'] / seconds, createsPerSecond, updatesPerSecond }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

async function main(argv: string[]): Promise<void> {
  const option = (name: string, fallback: string) => {
    const i = argv.indexOf(name)
    return i === -1 ? fallback : argv[i + 1]!
  }
  const rounds = Number(option('--rounds', '3'))
  const seconds = Number(option('--duration', '5'))
  const dir = option('--dir', tmpdir())
  const results: Round[] = []
  for (let r = 0; r < rounds; r++) {
    // Alternate which setting goes first, so neither always runs on a warmer machine.
    for (const mode of r % 2 === 0 ? MODES : [...MODES].reverse()) {
      const result = await round(mode, seconds, dir)
      results.push(result)
      process.stdout.write(
        `round ${r + 1} ${mode.padEnd(6)} comments/s ${result.commentsPerSecond.toFixed(0).padStart(6)}  creates/s ${result.createsPerSecond.toFixed(0).padStart(5)}  updates/s ${result.updatesPerSecond.toFixed(0).padStart(5)}\n`,
      )
    }
  }
  const summary = (mode: Mode, key: keyof Omit<Round, 'mode'>) => {
    const values = results.filter((r) => r.mode === mode).map((r) => r[key])
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
  }
  process.stdout.write(`\nmedian of ${rounds} rounds of ${seconds} s, database in ${dir}\n`)
  for (const key of ['commentsPerSecond', 'createsPerSecond', 'updatesPerSecond'] as const) {
    const normal = summary('NORMAL', key)
    const full = summary('FULL', key)
    const change = ((full.median - normal.median) / normal.median) * 100
    const range = (s: typeof normal) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`
    process.stdout.write(`${key.padEnd(18)} NORMAL ${range(normal).padEnd(20)} FULL ${range(full).padEnd(20)} ${change >= 0 ? '+' : ''}${change.toFixed(1)}%\n`)
  }
}

const serveAt = process.argv.indexOf('--serve')
if (serveAt !== -1) await serve(process.argv[serveAt + 1] as Mode)
else await main(process.argv.slice(2))
