// Many parallel writers and readers over real HTTP for a bounded time, while a second process
// connection holds the write lock now and then (what a backup or `key:create` does): no 5xx,
// and in particular no SQLITE_BUSY, ever reaches a client. CONCURRENCY_SECONDS for longer.
// Slow tier: its worth is the seconds of sustained load (3 by default, 60 in `npm run stress`);
// a shorter run proves little, and the in-process group-commit tests cover the write path.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { build, call, kill, startServer } from '../server-process.js'

const ADMIN = 'concurrency-admin-token-0123456789'
const SECONDS = Number(process.env.CONCURRENCY_SECONDS ?? 3)

t.before(build)

t.test('parallel writers and readers: no 5xx, no SQLITE_BUSY', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-concurrency-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env = { DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media'), CMS_ADMIN_TOKEN: ADMIN, COMMENT_RATE_LIMIT: '0', COMMENT_MODERATION: 'post', LOG_LEVEL: 'warn' }
  const server = await startServer({ ...env, LOG_LEVEL: 'info' })
  t.teardown(() => kill(server))
  const base = server.base
  const seedStory = await call(base, 'POST', '/v1/articles', ADMIN, { title: 'Shared story', tags: ['shared'] })
  await call(base, 'POST', `/v1/articles/${seedStory.json.id}/publish`, ADMIN)

  const statuses = new Map<number, number>()
  const failures: string[] = []
  const record = (what: string, res: { status: number; json: any }) => {
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    if (res.status >= 500 || JSON.stringify(res.json ?? '').includes('SQLITE')) failures.push(`${what}: ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`)
  }
  const deadline = Date.now() + SECONDS * 1000
  const ids: string[] = [seedStory.json.id]
  let n = 0

  const writer = async () => {
    while (Date.now() < deadline) {
      n += 1
      const i = n
      const created = await call(base, 'POST', '/v1/articles', ADMIN, { title: `Parallel ${i}`, tags: ['shared', `t${i % 7}`], body: [{ type: 'paragraph', text: `Text ${i}` }] })
      record('create', created)
      if (created.status !== 201) continue
      ids.push(created.json.id)
      const target = ids[i % ids.length]!
      record('patch', await call(base, 'PATCH', `/v1/articles/${target}`, ADMIN, { summary: `Summary ${i}` }))
      record('publish', await call(base, 'POST', `/v1/articles/${created.json.id}/publish`, ADMIN))
      record('comment', await call(base, 'POST', `/v1/articles/${seedStory.json.id}/comments`, null, { authorName: 'Reader', body: `Parallel remark ${i}` }))
    }
  }
  const reader = async () => {
    let i = 0
    while (Date.now() < deadline) {
      i += 1
      record('list', await call(base, 'GET', '/v1/articles?tag=shared&limit=50', null))
      record('search', await call(base, 'GET', `/v1/articles?q=parallel%20${i}`, null))
      record('get', await call(base, 'GET', `/v1/articles/${ids[i % ids.length]}`, ADMIN))
      record('comments', await call(base, 'GET', `/v1/articles/${seedStory.json.id}/comments?limit=100`, null))
    }
  }
  // Another connection that takes the write lock for a moment, again and again.
  const other = new Database(env.DATABASE_PATH)
  other.pragma('busy_timeout = 5000')
  t.teardown(() => other.close())
  let lockHolds = 0
  const locker = async () => {
    while (Date.now() < deadline) {
      other.exec('BEGIN IMMEDIATE')
      const until = Date.now() + 30
      while (Date.now() < until) {
        /* holding the lock, as a long write elsewhere would */
      }
      other.exec('COMMIT')
      lockHolds += 1
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  await Promise.all([...Array.from({ length: 6 }, writer), ...Array.from({ length: 6 }, reader), locker()])

  const total = [...statuses.values()].reduce((a, b) => a + b, 0)
  t.comment(`${total} requests in ${SECONDS} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}; lock held ${lockHolds} times`)
  for (const failure of failures.slice(0, 5)) t.comment(failure)
  t.same(failures, [], 'no 5xx and no SQLite error reached a client')
  t.ok(total > 50, 'the load was real')
  t.ok(lockHolds > 3, 'the write lock was contended')
  const count = other.prepare("SELECT count(*) FROM articles WHERE title LIKE 'Parallel %'").pluck().get() as number
  t.equal(count, ids.length - 1, 'every acknowledged create is stored, and nothing else')
  t.same(other.pragma('integrity_check', { simple: true }), 'ok')
})
