// Crash durability: the real server is killed with SIGKILL in the middle of a stream of
// writes (articles, comments, uploads) and restarted on the same files. Every write it
// acknowledged must be there, and nothing half-written: each article with its search row and
// tag rows, no media row without its file, no stored file without a row, and a database that
// passes SQLite's integrity and foreign-key checks.
// Slow tier: two server starts, a stream of writes on six connections and a check of every
// acknowledged write; CRASH_WRITE_MS (1,500 by default, 10,000 in `npm run stress`) for longer.
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { tinyPng } from '../reliability-support.js'
import { build, call, kill, startServer } from '../server-process.js'

const ADMIN = 'crash-test-admin-token-0123456789'
const WRITE_MS = Number(process.env.CRASH_WRITE_MS ?? 1500)

t.before(build)

t.test('SIGKILL during writes loses no acknowledged write and leaves nothing half-written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-crash-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env = { DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media'), CMS_ADMIN_TOKEN: ADMIN, COMMENT_RATE_LIMIT: '0', COMMENT_MODERATION: 'post' }
  const first = await startServer(env)
  t.teardown(() => kill(first))

  const story = await call(first.base, 'POST', '/v1/articles', ADMIN, { title: 'The story readers comment on' })
  await call(first.base, 'POST', `/v1/articles/${story.json.id}/publish`, ADMIN)
  const pngs = await Promise.all(Array.from({ length: 40 }, (_, i) => tinyPng(1000 + i, 16)))

  const acked = { articles: [] as { id: string; tags: string[] }[], comments: [] as string[], media: [] as { id: string; sha256: string }[] }
  const unacknowledged = new Set<string>()
  let stop = false
  let n = 0
  const swallow = async <T>(promise: Promise<T>): Promise<T | null> => promise.catch(() => null)
  const writer = async (kind: number) => {
    while (!stop) {
      n += 1
      const i = n
      if (kind === 0) {
        const tags = [`tag-${i}`, 'crash']
        const res = await swallow(call(first.base, 'POST', '/v1/articles', ADMIN, { title: `Crash story ${i}`, tags, body: [{ type: 'paragraph', text: `Paragraph ${i}` }] }))
        if (res?.status === 201) acked.articles.push({ id: res.json.id, tags })
        else if (res && res.status >= 500) t.fail(`article: ${res.status}`)
      } else if (kind === 1) {
        const res = await swallow(call(first.base, 'POST', `/v1/articles/${story.json.id}/comments`, null, { authorName: 'Reader', body: `Remark number ${i}` }))
        if (res?.status === 201) acked.comments.push(res.json.id)
        else if (res && res.status >= 500) t.fail(`comment: ${res.status}`)
      } else {
        const png = pngs[i % pngs.length]!
        const form = new FormData()
        form.append('file', new Blob([png], { type: 'image/png' }), `crash-${i}.png`)
        const res = await swallow(call(first.base, 'POST', '/v1/media', ADMIN, form))
        const sha256 = createHash('sha256').update(png).digest('hex')
        if (res?.status === 201) acked.media.push({ id: res.json.id, sha256 })
        else unacknowledged.add(sha256)
        if (res && res.status >= 500) t.fail(`media: ${res.status}`)
      }
    }
  }
  const writers = [0, 0, 1, 1, 2, 2].map((kind) => writer(kind))
  await new Promise((resolve) => setTimeout(resolve, WRITE_MS))
  first.child.kill('SIGKILL') // mid-stream: requests are in flight on every writer
  stop = true
  await Promise.all(writers)
  t.same(await first.exited, { code: null, signal: 'SIGKILL' }, 'killed, not closed')
  t.ok(acked.articles.length > 5 && acked.comments.length > 5 && acked.media.length > 3, `acknowledged ${acked.articles.length} articles, ${acked.comments.length} comments, ${acked.media.length} uploads before the kill`)

  const second = await startServer(env)
  t.teardown(() => kill(second))
  let missing = 0
  for (const { id } of acked.articles) if ((await call(second.base, 'GET', `/v1/articles/${id}`, ADMIN)).status !== 200) missing += 1
  for (const id of acked.comments) if ((await call(second.base, 'GET', `/v1/comments/${id}`, ADMIN)).status !== 200) missing += 1
  for (const { id, sha256 } of acked.media) {
    const item = await call(second.base, 'GET', `/v1/media/${id}`, ADMIN)
    const file = await fetch(`${second.base}/v1/media/${id}/file`)
    const bytes = Buffer.from(await file.arrayBuffer())
    if (item.status !== 200 || file.status !== 200 || createHash('sha256').update(bytes).digest('hex') !== sha256) missing += 1
  }
  t.equal(missing, 0, 'every acknowledged write is there after the restart (uploads byte for byte)')
  const tagged = await call(second.base, 'GET', '/v1/articles?status=draft&tag=crash&limit=100', ADMIN)
  t.ok(tagged.json.data.length >= Math.min(100, acked.articles.length), 'and findable by tag')
  second.child.kill('SIGTERM')
  await second.exited

  const db = new Database(env.DATABASE_PATH, { readonly: true })
  t.teardown(() => db.close())
  t.same(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check: ok')
  t.same(db.pragma('foreign_key_check'), [], 'foreign_key_check: nothing')
  const noFts = db.prepare('SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM articles_fts f WHERE f.rowid = a.seq)').pluck().get()
  t.equal(noFts, 0, 'every article has its search row')
  const strayFts = db.prepare('SELECT count(*) FROM articles_fts f WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.seq = f.rowid)').pluck().get()
  t.equal(strayFts, 0, 'no search row without its article')
  const tagsRows = db.prepare('SELECT count(*) FROM articles_fts_tags').pluck().get()
  t.equal(tagsRows, db.prepare('SELECT count(*) FROM articles').pluck().get(), 'a row in the tags search index for each article')
  const badTags = db
    .prepare('SELECT count(*) FROM articles a WHERE json_array_length(a.tags) <> (SELECT count(*) FROM article_tags t WHERE t.article_seq = a.seq)')
    .pluck()
    .get()
  t.equal(badTags, 0, 'every article has all its tag rows')
  const rows = db.prepare('SELECT id, sha256 FROM media').all() as { id: string; sha256: string }[]
  const mediaRoot = join(dir, 'media', 'originals')
  t.equal(rows.filter((row) => !existsSync(join(mediaRoot, row.sha256.slice(0, 2), row.sha256))).length, 0, 'no media row without its file')
  const shas = new Set(rows.map((row) => row.sha256))
  const files = readdirSync(mediaRoot).flatMap((shard) => readdirSync(join(mediaRoot, shard)))
  // The upload moves the file into place, then inserts its row: a kill between the two leaves
  // the bytes of an upload that was never acknowledged, unreachable, and reused if the same
  // bytes are uploaded again. That is the safe order (never a row without its file).
  const orphans = files.filter((file) => !shas.has(file))
  if (orphans.length > 0) t.comment(`${orphans.length} orphan file(s) from uploads cut off by the kill`)
  t.same(orphans.filter((file) => !unacknowledged.has(file)), [], 'no stored file without a row, but for bytes of an upload the kill cut off')
})
