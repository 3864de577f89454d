// The change feed under concurrent writers: while a second connection (a worker thread, as
// another process would) and the API write to the same database file, a reader and an editor
// page through /v1/changes; at the end each has seen every change meant for it exactly once, in
// commit order. Slow tier: it runs for a couple of seconds of sustained writing.
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { openDatabase } from '../../src/db/client.js'
import { createKeysRepository } from '../../src/keys/repository.js'
import { auth, testConfig } from '../helpers.js'

const WRITE_MS = Number(process.env.CONCURRENCY_SECONDS ?? 2) * 1000

// The other writer: plain SQL on its own connection, publishing, unpublishing and deleting.
const WRITER = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
const insert = db.prepare("INSERT INTO articles (id, slug, title, body, status, authors, tags, sources, locale, published_at, sort_at, created_at, updated_at) VALUES (?, ?, ?, '[]', ?, '[]', '[]', '[]', 'en', ?, ?, ?, ?)")
const setStatus = db.prepare('UPDATE articles SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?')
const remove = db.prepare('DELETE FROM articles WHERE id = ?')
const pause = new Int32Array(new SharedArrayBuffer(4))
const ids = []
let writes = 0
const end = Date.now() + workerData.ms
while (Date.now() < end) {
  const n = writes++
  const time = new Date().toISOString()
  db.transaction(() => {
    const id = 'w' + n
    const published = n % 3 !== 0
    insert.run(id, 'worker-' + n, 'Worker ' + n, published ? 'published' : 'draft', published ? time : null, time, time, time)
    ids.push(id)
    if (n % 4 === 1) setStatus.run(n % 8 === 1 ? 'draft' : 'published', time, ids[Math.floor(ids.length / 2)])
    if (n % 9 === 8) remove.run(ids.shift())
  }).immediate()
  Atomics.wait(pause, 0, 0, 1)
}
db.close()
parentPort.postMessage(writes)
`

interface Change {
  seq: number
}

t.test('pages read while two connections write: every change once, in commit order, per caller', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-changes-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'cms.sqlite')
  const db = openDatabase(path)
  const editorKey = createKeysRepository(db).create('editor', 'editor').token
  const app = await buildApp(testConfig({ DATABASE_PATH: path }), { db })
  t.teardown(() => app.close())
  await app.ready()

  const worker = new Worker(WRITER, { eval: true, workerData: { path, ms: WRITE_MS, driver: createRequire(import.meta.url).resolve('better-sqlite3') } })
  const done = new Promise<number>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  let running = true
  void done.then(() => (running = false))

  const views = { reader: { seen: [] as Change[], cursor: undefined as string | undefined }, editor: { seen: [] as Change[], cursor: undefined as string | undefined } }
  const page = async (view: 'reader' | 'editor') => {
    const state = views[view]
    const res = await app.inject({
      url: `/v1/changes?limit=7${state.cursor === undefined ? '' : `&cursor=${state.cursor}`}`,
      headers: view === 'editor' ? auth(editorKey) : {},
    })
    if (res.statusCode !== 200) throw new Error(`changes: ${res.statusCode} ${res.body}`)
    state.seen.push(...res.json().data)
    state.cursor = res.json().nextCursor
    return res.json().data.length as number
  }

  let apiWrites = 0
  while (running) {
    await page('reader')
    await page('editor')
    // The API writes too, between pages, as the newsroom does.
    const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editorKey), payload: { title: `API story ${apiWrites}` } })
    if (apiWrites % 2 === 0) await app.inject({ method: 'POST', url: `/v1/articles/${created.json().id}/publish`, headers: auth(editorKey) })
    apiWrites++
  }
  const workerWrites = await done
  while ((await page('reader')) > 0);
  while ((await page('editor')) > 0);

  const all = db.$client.prepare('SELECT seq FROM changes ORDER BY seq').pluck().all() as number[]
  const published = db.$client.prepare('SELECT seq FROM changes WHERE public_action IS NOT NULL ORDER BY seq').pluck().all() as number[]
  t.ok(workerWrites > 50 && apiWrites > 5, `${workerWrites} transactions from the other connection, ${apiWrites} stories through the API`)
  t.same(views.editor.seen.map((c) => c.seq), all, 'the editor saw every change once, in order')
  t.same(views.reader.seen.map((c) => c.seq), published, 'the reader saw every change meant for readers once, in order')
})
