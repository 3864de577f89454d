// The real server, started the way `npm start` does, walked through a story over HTTP; then
// SIGTERM closes it cleanly, and a bad setting stops it with one line naming the variable.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { projectPath } from '../src/paths.js'

const run = promisify(execFile)
const SERVER = projectPath('dist', 'src', 'server.js')
const ADMIN_TOKEN = 'server-test-admin-token-0123456789'

interface Started {
  child: ChildProcess
  base: string
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [SERVER], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, base: '', output: () => out, exited }
}

/** Waits for the "Server listening at" log line, for at most `ms`. */
async function listening(started: Started, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    for (const line of started.output().split('\n')) {
      if (!line.startsWith('{')) continue
      const entry = JSON.parse(line) as { msg?: string }
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(entry.msg ?? '')
      if (match) return match[1]!
    }
    if (started.child.exitCode !== null) throw new Error(`the server exited: ${started.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`the server did not start: ${started.output()}`)
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

t.before(async () => {
  // What `npm start` runs first (`npm test` builds once for every file and sets SKIP_BUILD).
  if (process.env.SKIP_BUILD !== '1') await run('npm', ['run', '-s', 'build'], { cwd: projectPath(), timeout: 120_000 })
})

t.test('a story from draft to published over real HTTP, then a graceful stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const database = join(dir, 'nested', 'cms.sqlite')
  const started = start({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: database,
    MEDIA_DIR: join(dir, 'media'),
    CMS_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'info',
  })
  t.teardown(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL')
  })
  const base = await listening(started)
  t.ok(existsSync(database), 'the database file is made, with its folder')

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, json: text === '' ? null : JSON.parse(text) }
  }

  t.same((await call('GET', '/health')).json, { status: 'ok' })

  const key = await call('POST', '/v1/keys', ADMIN_TOKEN, { name: 'Night desk', role: 'editor' })
  t.equal(key.status, 201, 'the admin token makes an editor key')
  const editor = key.json.token as string

  const created = await call('POST', '/v1/articles', editor, {
    title: 'Crónica de Medellín: ¿qué pasó?',
    authors: ['Lucía Marín'],
    section: 'Regions',
    tags: ['Colombia'],
    body: [{ type: 'paragraph', text: 'The metro reopened after <b>two days</b>.<script>x()</script>' }],
  })
  t.equal(created.status, 201)
  const id = created.json.id as string
  t.equal(created.json.slug, 'cronica-de-medellin-que-paso')
  t.equal(created.headers.get('location'), `${base}/v1/articles/${id}`)
  t.equal((await call('GET', `/v1/articles/${id}`)).status, 404, 'a draft is hidden from readers')

  const patched = await call('PATCH', `/v1/articles/${id}`, editor, { summary: 'Trains run again across the valley.' })
  t.equal(patched.status, 200)
  t.equal(patched.json.version, 2)

  const published = await call('POST', `/v1/articles/${id}/publish`, editor)
  t.equal(published.status, 200)
  t.equal(published.json.status, 'published')

  const read = await call('GET', '/v1/articles/slug/cronica-de-medellin-que-paso')
  t.equal(read.status, 200, 'readers get it by slug')
  t.match(read.json, { id, summary: 'Trains run again across the valley.', body: [{ type: 'paragraph', text: 'The metro reopened after <b>two days</b>.' }] })

  const listed = await call('GET', '/v1/articles?limit=5')
  t.same(listed.json.data.map((a: { id: string }) => a.id), [id])
  const found = await call('GET', '/v1/articles?q=medellin')
  t.same(found.json.data.map((a: { id: string }) => a.id), [id], 'search finds it without the accent')
  const problem = await call('GET', '/v1/articles?limit=500')
  t.equal(problem.status, 400)
  t.match(problem.headers.get('content-type'), /^application\/problem\+json/)

  started.child.kill('SIGTERM')
  const exit = await within(started.exited, 10_000, 'exit after SIGTERM')
  t.same(exit, { code: 0, signal: null }, 'SIGTERM ends it with status 0')
  t.notOk(existsSync(`${database}-wal`), 'the database was closed cleanly (its WAL checkpointed away)')

  const output = started.output()
  const lines = output.split('\n').filter((line) => line.trim() !== '')
  t.ok(lines.length > 5, 'it logged')
  t.ok(
    lines.every((line) => {
      try {
        JSON.parse(line)
        return true
      } catch {
        return false
      }
    }),
    'every log line is JSON',
  )
  t.notOk(output.includes(ADMIN_TOKEN), 'the admin token never reaches the log')
  t.notOk(output.includes(editor), 'nor the editor key')
  t.notMatch(output, /"authorization"\s*:\s*"Bearer/i, 'no Authorization header in the log')
  t.match(output, /"msg":"closing"/, 'the close is logged')
})

t.test('a bad setting stops it at start with one line naming the variable', async (t) => {
  // Each variable's checks are in config.test.ts; this proves the entry point's handling.
  for (const [name, value] of [['PORT', 'abc']] as const) {
    const started = start({ DATABASE_PATH: ':memory:', [name]: value })
    const exit = await within(started.exited, 15_000, `exit on ${name}=${value}`)
    t.not(exit.code, 0, `${name}=${value}: exits with a failure status`)
    const lines = started.output().split('\n').filter((line) => line.trim() !== '')
    t.equal(lines.length, 1, `${name}=${value}: one line (${JSON.stringify(lines)})`)
    t.match(lines[0], new RegExp(`\\b${name}\\b`), 'naming the variable')
    t.notMatch(lines[0], /\bat .+:\d+/, 'no stack trace')
  }
})
