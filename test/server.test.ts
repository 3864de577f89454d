// The real server, started the way `npm start` does, walked through a story over HTTP; then
// SIGTERM closes it cleanly, and a bad setting stops it with one line naming the variable.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { alive, build, call, kill, spawnServer, startServer, within } from './server-process.js'
import { spawn } from 'node:child_process'
import { projectPath } from '../src/paths.js'

const ADMIN_TOKEN = 'server-test-admin-token-0123456789'

// What `npm start` runs first (`npm test` builds once for every file and sets SKIP_BUILD).
t.before(build)

t.test('a story from draft to published over real HTTP, then a graceful stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const database = join(dir, 'nested', 'cms.sqlite')
  const started = await startServer({ DATABASE_PATH: database, MEDIA_DIR: join(dir, 'media'), CMS_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info' })
  t.teardown(() => kill(started))
  const { base } = started
  t.ok(existsSync(database), 'the database file is made, with its folder')

  t.same((await call(base, 'GET', '/health', null)).json, { status: 'ok' })

  const key = await call(base, 'POST', '/v1/keys', ADMIN_TOKEN, { name: 'Night desk', role: 'editor' })
  t.equal(key.status, 201, 'the admin token makes an editor key')
  const editor = key.json.token as string

  const created = await call(base, 'POST', '/v1/articles', editor, {
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
  t.equal((await call(base, 'GET', `/v1/articles/${id}`, null)).status, 404, 'a draft is hidden from readers')

  const patched = await call(base, 'PATCH', `/v1/articles/${id}`, editor, { summary: 'Trains run again across the valley.' })
  t.equal(patched.status, 200)
  t.equal(patched.json.version, 2)

  const published = await call(base, 'POST', `/v1/articles/${id}/publish`, editor)
  t.equal(published.status, 200)
  t.equal(published.json.status, 'published')

  const read = await call(base, 'GET', '/v1/articles/slug/cronica-de-medellin-que-paso', null)
  t.equal(read.status, 200, 'readers get it by slug')
  t.match(read.json, { id, summary: 'Trains run again across the valley.', body: [{ type: 'paragraph', text: 'The metro reopened after <b>two days</b>.' }] })

  const listed = await call(base, 'GET', '/v1/articles?limit=5', null)
  t.same(listed.json.data.map((a: { id: string }) => a.id), [id])
  const found = await call(base, 'GET', '/v1/articles?q=medellin', null)
  t.same(found.json.data.map((a: { id: string }) => a.id), [id], 'search finds it without the accent')
  const problem = await call(base, 'GET', '/v1/articles?limit=500', null)
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
    const started = spawnServer({ DATABASE_PATH: ':memory:', [name]: value })
    t.teardown(() => kill(started))
    const exit = await within(started.exited, 15_000, `exit on ${name}=${value}`)
    t.not(exit.code, 0, `${name}=${value}: exits with a failure status`)
    const lines = started.output().split('\n').filter((line) => line.trim() !== '')
    t.equal(lines.length, 1, `${name}=${value}: one line (${JSON.stringify(lines)})`)
    t.match(lines[0], new RegExp(`\\b${name}\\b`), 'naming the variable')
    t.notMatch(lines[0], /\bat .+:\d+/, 'no stack trace')
  }
})

// `npm start` as a process manager runs it: SIGTERM to the started process itself (npm) must
// reach the server, which drains and exits, rather than leaving it running, re-parented, with
// the port and the database still held.
t.test('SIGTERM to the npm start process stops the server', async (t) => {
  await build()
  const dir = mkdtempSync(join(tmpdir(), 'cms-npm-start-'))
  // --ignore-scripts skips only the prestart build, done already; start itself runs as always.
  const npm = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'db.sqlite'), MEDIA_DIR: join(dir, 'media') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let serverPid = 0
  t.teardown(() => {
    if (serverPid !== 0 && alive(serverPid)) process.kill(serverPid, 'SIGKILL')
    if (npm.exitCode === null) npm.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  let out = ''
  const npmExited = new Promise<void>((resolve) => npm.on('exit', () => resolve()))
  const base = await within(
    new Promise<string>((resolve) => {
      const check = (chunk: Buffer) => {
        out += chunk.toString('utf8')
        const line = /^\{.*"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)".*$/m.exec(out)
        if (line) {
          serverPid = (JSON.parse(line[0]) as { pid: number }).pid
          resolve(line[1]!)
        }
      }
      npm.stdout!.on('data', check)
      npm.stderr!.on('data', check)
    }),
    30_000,
    'npm start listening',
  )
  t.not(serverPid, npm.pid, 'the server is a process of its own under npm')
  t.equal((await fetch(`${base}/health`)).status, 200)

  npm.kill('SIGTERM')
  await within(npmExited, 15_000, 'npm exits')
  const deadline = Date.now() + 15_000
  while (alive(serverPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  t.notOk(alive(serverPid), 'the server process is gone')
  t.match(out, /"signal":"SIGTERM","msg":"closing"/, 'it closed gracefully on SIGTERM')
  await t.rejects(fetch(`${base}/health`), 'nothing listens on its port any more')
})
