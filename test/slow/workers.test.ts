// WORKERS=2: the real service as a cluster (src/cluster.ts), two worker processes on one port
// over one database file. The background jobs run in one of them (the lease, src/db/lease.ts):
// a scheduled article goes live once, each webhook event reaches its receiver once; a change
// made through one worker is seen at once through the other; a worker that dies is replaced and
// its jobs move on; SIGTERM to the primary drains both and leaves no process behind; a bad
// setting stops the start with one line, as it does a lone process.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { startFlags } from '../../scripts/start-command.js'
import { projectPath } from '../../src/paths.js'
import { alive, build, call, kill, SERVER, spawnServer, within } from '../server-process.js'
import { startReceiver, until } from '../webhooks-receiver.js'

const ADMIN = 'workers-test-admin-token-0123456789'

t.before(build)

interface Answer {
  status: number
  requestId: string
  body: any
}

/** A GET on a connection of its own (no keep-alive), so that the primary may hand it to either worker. */
function freshGet(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode!, requestId: String(res.headers['x-request-id']), body: text === '' ? null : JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * Starts creating an article but sends only half its body: the request is in flight until
 * `finish` sends the rest; resolves with its status.
 */
function halfSentPost(base: string, token: string): { finish: () => void; status: Promise<number> } {
  const body = JSON.stringify({ title: 'Sent while the service stops' })
  const req = httpRequest(`${base}/v1/articles`, {
    method: 'POST',
    agent: false,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' },
  })
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode!)
    })
    req.on('error', reject)
  })
  req.write(body.slice(0, 10))
  return { finish: () => req.end(body.slice(10)), status }
}

/** The JSON log lines the service wrote so far. */
function logLines(output: string): any[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
}

t.test('two workers over one database: jobs once, changes seen at once, a clean stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-workers-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const database = join(dir, 'cms.sqlite')
  const server = spawnServer({
    WORKERS: '2',
    DATABASE_PATH: database,
    MEDIA_DIR: join(dir, 'media'),
    CMS_ADMIN_TOKEN: ADMIN,
    SCHEDULER_INTERVAL_MS: '50',
    WEBHOOK_POLL_MS: '50',
    // Loopback webhook targets may soon need this (SSRF rules); harmless where unknown.
    WEBHOOK_ALLOW_PRIVATE: 'true',
  })
  // SIGKILL to the primary: its workers exit as their channel to it closes.
  t.teardown(() => kill(server))
  const ready = await within(
    until(() => logLines(server.output()).find((line) => line.msg === 'all workers listening'), 30_000),
    31_000,
    'both workers listening',
  )
  const base = `http://127.0.0.1:${ready.port}`
  let workers = ready.pids as number[]
  t.equal(new Set(workers).size, 2, 'two worker processes')
  t.notOk(workers.includes(server.child.pid!), 'beside the primary')

  const sqlite = new Database(database)
  t.teardown(() => sqlite.close())
  const holder = () => sqlite.prepare<[], { holder: string; expires_at: string }>("SELECT holder, expires_at FROM leases WHERE name = 'background'").get()
  const holderPid = () => Number(holder()?.holder.split(':')[1])
  t.ok(workers.includes(holderPid()), 'one of the workers holds the background lease')
  t.equal(sqlite.prepare('SELECT count(*) FROM leases').pluck().get(), 1, 'and only the one lease exists')

  /** Which workers answered these requests, by the request id their log lines carry (once written). */
  const answeredBy = async (answers: Answer[]) => {
    const lines = await until(() => {
      const pids = new Map(logLines(server.output()).filter((line) => line.reqId).map((line) => [line.reqId, line.pid as number]))
      return answers.every((answer) => pids.has(answer.requestId)) ? pids : undefined
    })
    return new Set(answers.map((answer) => lines.get(answer.requestId)))
  }

  const receiver = await startReceiver(t)
  const hook = await call(base, 'POST', '/v1/webhooks', ADMIN, { url: receiver.url, events: ['article.published', 'article.updated'] })
  t.equal(hook.status, 201, 'a webhook to a local receiver')

  await t.test('a change through one worker is seen through the other at once', async (t) => {
    const article = (await call(base, 'POST', '/v1/articles', ADMIN, { title: 'Tram line opens' })).json
    t.equal((await call(base, 'POST', `/v1/articles/${article.id}/publish`, ADMIN)).status, 200)
    const url = `${base}/v1/articles/${article.id}`
    // Both workers' response caches now hold the story as it was.
    const before = await Promise.all(Array.from({ length: 12 }, () => freshGet(url)))
    t.ok(before.every((answer) => answer.body.title === 'Tram line opens'))
    t.same(await answeredBy(before), new Set(workers), 'the reads reached both workers')

    for (let round = 0; round < 5; round++) {
      const title = `Tram line opens, take ${round}`
      const patched = await call(base, 'PATCH', `/v1/articles/${article.id}`, ADMIN, { title })
      t.equal(patched.status, 200)
      const after = await Promise.all(Array.from({ length: 12 }, () => freshGet(url)))
      const stale = after.filter((answer) => answer.body.title !== title)
      t.same(stale.map((answer) => answer.body.title), [], `round ${round}: every read right after the write shows it`)
      t.same(await answeredBy(after), new Set(workers), `round ${round}: from both workers`)
    }
  })

  await t.test('a scheduled article goes live once', async (t) => {
    const article = (await call(base, 'POST', '/v1/articles', ADMIN, { title: 'Bridge reopens at dawn' })).json
    const at = new Date(Date.now() + 1_000).toISOString()
    t.equal((await call(base, 'POST', `/v1/articles/${article.id}/publish`, ADMIN, { at })).json.status, 'scheduled')
    const published = (body: any) => body.type === 'article.published' && body.data.id === article.id
    await until(() => (receiver.received.some((request) => published(JSON.parse(request.body))) ? true : undefined), 10_000)
    // Many scheduler turns (every 50 ms) of both workers later, still one of everything.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    t.equal(receiver.received.filter((request) => published(JSON.parse(request.body))).length, 1, 'one article.published delivered')
    const events = sqlite.prepare("SELECT count(*) FROM webhook_events WHERE type = 'article.published' AND json_extract(data, '$.id') = ?").pluck().get(article.id)
    t.equal(events, 1, 'one article.published event recorded')
    const revisions = (await call(base, 'GET', `/v1/articles/${article.id}/revisions`, ADMIN)).json.data
    t.equal(revisions.filter((revision: any) => revision.snapshot.status === 'published').length, 1, 'one revision of the publication')
  })

  await t.test('each webhook event is delivered once', async (t) => {
    // Writes at once, on many connections, so both workers take some; each makes an event.
    const articles = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await call(base, 'POST', '/v1/articles', ADMIN, { title: `Council vote ${i}` })).json),
    )
    await Promise.all(articles.map((article) => call(base, 'POST', `/v1/articles/${article.id}/publish`, ADMIN)))
    const recorded = () => sqlite.prepare('SELECT id FROM webhook_events').pluck().all() as string[]
    const events = recorded()
    t.ok(events.length >= 20 + 6, `${events.length} events recorded so far`)
    await receiver.waitFor(events.length, 15_000)
    // A few more polls of the delivery worker: nothing is sent twice.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const ids = receiver.received.map((request) => String(request.headers['webhook-id']))
    t.equal(ids.length, new Set(ids).size, 'no webhook-id arrived twice')
    t.same(new Set(ids), new Set(recorded()), 'and every event arrived')
    const pending = sqlite.prepare("SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded'").pluck().get()
    t.equal(pending, 0, 'every delivery succeeded at its first attempt')
    t.equal(sqlite.prepare('SELECT count(*) FROM webhook_attempts').pluck().get(), ids.length, 'one attempt each')
  })

  await t.test('a worker that dies is started again, and the jobs move to the other', async (t) => {
    const dead = holderPid()
    process.kill(dead, 'SIGKILL')
    const restarted = await until(() => logLines(server.output()).find((line) => line.msg === 'worker started again' && line.workerPid !== dead), 10_000)
    workers = [...workers.filter((pid) => pid !== dead), restarted.workerPid as number]
    // The primary freed the dead worker's lease: the other takes it at its next try (2 s), not at expiry.
    await until(() => (workers.includes(holderPid()) ? true : undefined), 5_000)
    t.not(holderPid(), dead, 'the lease moved to a live worker')
    const article = (await call(base, 'POST', '/v1/articles', ADMIN, { title: 'Ferry timetable changes' })).json
    await call(base, 'POST', `/v1/articles/${article.id}/publish`, ADMIN, { at: new Date(Date.now() + 300).toISOString() })
    const live = await until(async () => {
      const read = await call(base, 'GET', `/v1/articles/${article.id}`, null)
      return read.status === 200 ? read.json : undefined
    }, 10_000)
    t.equal(live.status, 'published', 'scheduled publishing goes on')
    await within(
      until(() => logLines(server.output()).find((line) => line.pid === restarted.workerPid && /^Server listening/.test(line.msg)), 20_000),
      21_000,
      'the new worker listening',
    )
  })

  await t.test('SIGTERM to the primary drains both workers, then everything exits', async (t) => {
    // A request in flight: its headers and half its body are in before the signal, the rest
    // once both workers have begun to close.
    const request = halfSentPost(base, ADMIN)
    await new Promise((resolve) => setTimeout(resolve, 200))
    server.child.kill('SIGTERM')
    await until(() => (logLines(server.output()).filter((line) => line.msg === 'closing').length >= 2 ? true : undefined), 10_000)
    request.finish()
    t.equal(await within(request.status, 12_000, 'the request in flight'), 201, 'the request in flight was answered')
    const exit = await within(server.exited, 15_000, 'the primary exits')
    t.same(exit, { code: 0, signal: null }, 'the primary exits with status 0')
    const closing = logLines(server.output()).filter((line) => line.msg === 'closing')
    t.same(new Set(closing.map((line) => line.pid)), new Set(workers), 'each worker closed gracefully')
    t.same(workers.filter(alive), [], 'no worker is left running')
    t.equal(holder(), undefined, 'the background lease was released')
  })
})

t.test('with WORKERS=2 a bad setting is still one line naming it, whether the primary or the workers find it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-workers-bad-'))
  const file = join(dir, 'a-file')
  writeFileSync(file, 'not a folder')
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  const busyPort = String((busy.address() as AddressInfo).port)
  t.teardown(() => {
    busy.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const good = { WORKERS: '2', DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media'), LOG_LEVEL: 'info' }
  const cases: [Record<string, string>, RegExp][] = [
    [{ ...good, WORKERS: 'lots' }, /^Configuration error: WORKERS: must be a whole number from 1 to 64, or auto, got "lots"$/],
    [{ ...good, DATABASE_PATH: ':memory:' }, /^Configuration error: WORKERS: more than one worker needs a database file/],
    [{ ...good, DATABASE_PATH: join(file, 'cms.sqlite') }, /^Configuration error: DATABASE_PATH: cannot use ".*a-file\/cms\.sqlite": .+$/],
    [{ ...good, MEDIA_DIR: join(file, 'media') }, /^Configuration error: MEDIA_DIR: cannot use ".*a-file\/media": ENOTDIR: not a directory$/],
    [{ ...good, PORT: busyPort }, new RegExp(`^Configuration error: PORT: ${busyPort} is already in use on 127\\.0\\.0\\.1$`)],
  ]
  for (const [env, line] of cases) {
    const server = spawnServer(env)
    t.teardown(() => kill(server))
    const exit = await within(server.exited, 20_000, `start with ${JSON.stringify(env)}`)
    t.equal(exit.code, 1, `${JSON.stringify(env)}: exit status 1`)
    t.match(server.output().trim(), line, 'one line naming the variable')
    t.equal(server.output().trim().split('\n').length, 1, 'and nothing else, at LOG_LEVEL=info')
  }
})

t.test('Ctrl-C (SIGINT to the whole process group) reaches each worker twice and still drains them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-workers-group-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // A process group of its own, as a shell gives a foreground job.
  const env = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKERS: '2', CMS_ADMIN_TOKEN: ADMIN }
  const child = spawn(process.execPath, [...startFlags(), SERVER], {
    cwd: projectPath(),
    detached: true,
    env: { ...env, DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL')
  })
  const ready = await until(() => logLines(out).find((line) => line.msg === 'all workers listening'), 30_000)
  const pids = ready.pids as number[]
  const request = halfSentPost(`http://127.0.0.1:${ready.port}`, ADMIN)
  await new Promise((resolve) => setTimeout(resolve, 200))
  process.kill(-child.pid!, 'SIGINT')
  await until(() => (logLines(out).filter((line) => line.msg === 'closing').length >= 2 ? true : undefined), 10_000)
  // The primary's copy of the signal may reach a worker at once (and merge with the first) or
  // late: sent again now, it comes late for sure, while one worker still drains the request.
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGINT')
  request.finish()
  t.equal(await within(request.status, 12_000, 'the request in flight'), 201, 'the request in flight was answered')
  t.same(await within(exited, 15_000, 'the primary exits'), { code: 0, signal: null }, 'status 0: no worker was cut short')
  const closing = logLines(out).filter((line) => line.msg === 'closing')
  t.same(closing.map((line) => line.pid).sort(), [...pids].sort(), 'each worker closed once, gracefully')
  t.same(pids.filter(alive), [], 'no worker is left running')
})
