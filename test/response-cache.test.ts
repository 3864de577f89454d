// The response cache (src/http/response-cache.ts): anonymous article reads are served from memory
// until a change logs a surrogate key they carry, and never once anything they show has changed,
// whoever changed it. test/cache-eviction.test.ts checks that changes evict only what they touch.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { invalidationFeed, PRUNE_BATCH, pruneInvalidations } from '../src/db/invalidations.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { ResponseCache, isTicket, type CacheTicket } from '../src/http/response-cache.js'
import { auth, createArticle, makeApp, testConfig, type TestApp } from './helpers.js'

const entry = (text: string, keys: string[] = ['k']) => ({
  etag: `"${text}"`,
  contentType: 'application/json; charset=utf-8',
  payload: Buffer.from(text),
  headers: [],
  notModifiedHeaders: [],
  keys,
})

/** An invalidation log in memory: `log(...keys)` is a change. */
function memoryLog() {
  const rows: string[] = []
  let prunedThrough = 0
  return {
    log: (...keys: string[]) => void rows.push(...keys),
    prune: () => void (prunedThrough = rows.length),
    head: () => rows.length,
    after: (seq: number) => (seq < prunedThrough ? null : { seq: rows.length, keys: rows.slice(seq) }),
  }
}

t.test('the cache itself: hits, least recently used out, answers too big or without keys not kept', async (t) => {
  const cache = new ResponseCache({ maxBytes: 64 * 16, invalidations: memoryLog() })
  const miss = cache.lookup('a')
  t.ok(isTicket(miss), 'an empty cache misses')
  cache.store(miss as CacheTicket, entry('A'.repeat(29)))
  t.same((cache.lookup('a') as { payload: Buffer }).payload.toString(), 'A'.repeat(29), 'then hits')

  // Each entry is about 32 bytes with its key and surrogate key; the cache holds 1,024.
  for (let i = 0; i < 40; i++) cache.store(cache.lookup(`k${i}`) as CacheTicket, entry(String(i).padStart(29, '0')))
  t.ok(cache.bytes <= 1024, `stays within its bytes (${cache.bytes})`)
  t.ok(isTicket(cache.lookup('a')), 'the least recently used entry went first')
  t.notOk(isTicket(cache.lookup('k39')), 'the newest stays')

  cache.store(cache.lookup('big') as CacheTicket, entry('B'.repeat(200)))
  t.ok(isTicket(cache.lookup('big')), 'an answer over a sixteenth of the cache is not kept')
  cache.store(cache.lookup('nameless') as CacheTicket, entry('C', []))
  t.ok(isTicket(cache.lookup('nameless')), 'nor one without surrogate keys, which nothing could evict')
})

t.test('a change evicts exactly the answers that carry a key it logged', async (t) => {
  const log = memoryLog()
  const cache = new ResponseCache({ maxBytes: 1 << 20, invalidations: log })
  cache.store(cache.lookup('story x') as CacheTicket, entry('x', ['article-x', 'media-1']))
  cache.store(cache.lookup('story y') as CacheTicket, entry('y', ['article-y']))
  cache.store(cache.lookup('list') as CacheTicket, entry('list', ['articles', 'article-x', 'article-y']))
  t.equal(cache.size, 3)

  log.log('media-1')
  t.ok(isTicket(cache.lookup('story x')), 'a change to its photo evicts the story')
  t.notOk(isTicket(cache.lookup('story y')), 'not another')
  t.notOk(isTicket(cache.lookup('list')), 'nor a list that does not show the photo')

  log.log('article-y')
  cache.sweep()
  t.equal(cache.size, 0, 'a sweep applies changes without waiting for a read')
  t.equal(cache.bytes, 0)

  const before = cache.lookup('late') as CacheTicket
  const other = cache.lookup('other') as CacheTicket
  log.log('article-late')
  cache.store(before, entry('stale', ['article-late']))
  t.ok(isTicket(cache.lookup('late')), 'an answer whose keys changed while it was made is not kept')
  cache.store(other, entry('fine', ['article-other']))
  t.notOk(isTicket(cache.lookup('other')), 'one whose keys did not change is')
})

t.test('a reader that fell behind a pruned log forgets everything', async (t) => {
  const log = memoryLog()
  const cache = new ResponseCache({ maxBytes: 1 << 20, invalidations: log })
  cache.store(cache.lookup('a') as CacheTicket, entry('a', ['article-a']))
  cache.store(cache.lookup('b') as CacheTicket, entry('b', ['article-b']))
  const made = cache.lookup('c') as CacheTicket
  log.log('article-z')
  log.prune()
  t.ok(isTicket(cache.lookup('b')), 'rows it never read were pruned: nothing it holds can be trusted')
  t.equal(cache.size, 0)
  cache.store(made, entry('c', ['article-c']))
  t.ok(isTicket(cache.lookup('c')), 'nor an answer begun before')

  cache.store(cache.lookup('a') as CacheTicket, entry('a', ['article-a']))
  for (let i = 0; i < 10_001; i++) log.log(`article-${i}`)
  t.ok(isTicket(cache.lookup('a')), 'ten thousand changes behind (a bulk import), it empties itself rather than evict key by key')
})

/** A media row written straight into the database (no upload needed to test what embeds it). */
function insertPhoto(ta: TestApp, id: string, caption: string) {
  ta.app.db.$client
    .prepare(`INSERT INTO media (id, kind, mime_type, filename, size, width, height, sha256, caption, credit, creator, copyright,
      usage_terms, alt_text, created_at, updated_at, version) VALUES (?, 'image', 'image/jpeg', ?, 1, 10, 10, ?, ?, '', '', '', '',
      'A photo', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)`)
    .run(id, `${id}.jpg`, id, caption)
}

/** Drops the trigger that logs a changed article's keys, so a hit shows as stale data. */
function muteArticleTrigger(ta: TestApp) {
  ta.app.db.$client.exec('DROP TRIGGER articles_keys_update')
}

t.test("an anonymous read is served from the cache until its article's key is logged", async (t) => {
  const ta = await makeApp(t)
  const article = await createArticle(ta, { title: 'Ferry timetable changes in spring' }, { published: true })
  const url = `/v1/articles/slug/${article.slug}`
  const first = await ta.app.inject({ url })
  t.equal(first.statusCode, 200)

  muteArticleTrigger(ta)
  ta.app.db.$client.prepare('UPDATE articles SET title = ? WHERE id = ?').run('Changed behind the cache', article.id)
  const cached = await ta.app.inject({ url })
  t.equal(cached.body, first.body, 'the second read is the cached answer (the mute trigger did not tell it)')
  t.equal(cached.headers.etag, first.headers.etag)
  for (const header of ['content-type', 'cache-control', 'vary', 'content-security-policy', 'access-control-allow-origin', 'x-request-id']) {
    t.equal(typeof cached.headers[header], 'string', `a cached answer still has ${header}`)
  }
  t.equal(cached.headers['cache-control'], first.headers['cache-control'])
  t.not(cached.headers['x-request-id'], first.headers['x-request-id'], 'with its own request id')

  const staff = await ta.app.inject({ url, headers: auth(ta.editor) })
  t.equal(staff.json().title, 'Changed behind the cache', 'staff are never served from the cache')

  const revalidated = await ta.app.inject({ url, headers: { 'if-none-match': first.headers.etag as string } })
  t.equal(revalidated.statusCode, 304, 'a cached answer revalidates to 304')
  t.equal(revalidated.body, '')

  ta.app.db.$client.prepare('INSERT INTO invalidations (key) VALUES (?)').run(`article-${article.id}`)
  const fresh = await ta.app.inject({ url })
  t.equal(fresh.json().title, 'Changed behind the cache', "a change logging the article's key evicts it")
  t.not(fresh.headers.etag, first.headers.etag)
})

t.test('every change a reader can see reaches the next anonymous read', async (t) => {
  const ta = await makeApp(t, { COMMENT_MODERATION: 'post', COMMENT_RATE_LIMIT: '0' })
  const target = await createArticle(ta, { title: 'Lighthouse keepers return to the cape' }, { published: true })
  const article = await createArticle(ta, { title: 'Harbour dredging starts on Monday' }, { published: true })
  const url = `/v1/articles/${article.id}`
  const read = async () => (await ta.app.inject({ url })).json()
  const list = async () => (await ta.app.inject({ url: '/v1/articles' })).json()

  t.equal((await read()).title, 'Harbour dredging starts on Monday')
  t.equal((await list()).data.length, 2)

  const patched = await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.editor), payload: { title: 'Harbour dredging starts on Tuesday' } })
  t.equal(patched.statusCode, 200)
  t.equal((await read()).title, 'Harbour dredging starts on Tuesday', 'an edit')
  t.equal((await list()).data[0].title, 'Harbour dredging starts on Tuesday', 'an edit, in the list')

  const linked = await ta.app.inject({ method: 'POST', url: `${url}/related`, headers: auth(ta.editor), payload: { articleId: target.id } })
  t.equal(linked.statusCode, 201, linked.body)
  t.equal((await read()).related.length, 1, 'a new related link')

  const commented = await ta.app.inject({ method: 'POST', url: `${url}/comments`, payload: { authorName: 'Reader', body: 'Good to know the dates.' } })
  t.equal(commented.statusCode, 201, commented.body)
  t.equal((await read()).commentCount, 1, 'an approved comment counts at once')

  await ta.app.inject({ method: 'POST', url: `/v1/articles/${target.id}/unpublish`, headers: auth(ta.editor) })
  t.equal((await read()).related.length, 0, "an unpublished target leaves the readers' links")
  t.equal((await list()).data.length, 1, 'and the list')

  const media = ta.app.db.$client
  insertPhoto(ta, 'm1', 'Old caption')
  ta.app.db.$client.prepare("UPDATE articles SET lead_media_id = 'm1' WHERE id = ?").run(article.id)
  t.equal((await read()).leadMedia.caption, 'Old caption')
  media.prepare("UPDATE media SET caption = 'New caption' WHERE id = 'm1'").run()
  t.equal((await read()).leadMedia.caption, 'New caption', 'a changed caption of the lead photo')

  await ta.app.inject({ method: 'POST', url: `${url}/unpublish`, headers: auth(ta.editor) })
  t.equal((await ta.app.inject({ url })).statusCode, 404, 'an unpublished article is gone for readers at once')
})

t.test('answers differ by host when PUBLIC_URL is unset, and by query', async (t) => {
  const ta = await makeApp(t)
  await createArticle(ta, { title: 'Night buses run again' }, { published: true })
  await createArticle(ta, { title: 'Market hall gets a new roof' }, { published: true })
  insertPhoto(ta, 'm2', '')
  ta.app.db.$client.prepare("UPDATE articles SET lead_media_id = 'm2'").run()
  const one = await ta.app.inject({ url: '/v1/articles', headers: { host: 'one.example' } })
  const two = await ta.app.inject({ url: '/v1/articles', headers: { host: 'two.example' } })
  t.match(one.body, 'http://one.example/')
  t.match(two.body, 'http://two.example/', 'links are built for the host asked')
  t.notMatch(two.body, 'one.example')
  const limited = await ta.app.inject({ url: '/v1/articles?limit=1', headers: { host: 'one.example' } })
  t.equal(limited.json().data.length, 1, 'another query is another answer')
  const bad = await ta.app.inject({ url: '/v1/articles?limit=0' })
  t.equal(bad.statusCode, 400, 'bad input is still refused (only 200s are kept)')
})

t.test('RESPONSE_CACHE_MB=0 turns it off', async (t) => {
  const ta = await makeApp(t, { RESPONSE_CACHE_MB: '0' })
  const article = await createArticle(ta, { title: 'Allotments open for applications' }, { published: true })
  const url = `/v1/articles/${article.id}`
  await ta.app.inject({ url })
  muteArticleTrigger(ta)
  ta.app.db.$client.prepare('UPDATE articles SET title = ? WHERE id = ?').run('Read straight from the database', article.id)
  t.equal((await ta.app.inject({ url })).json().title, 'Read straight from the database')
})

t.test('a write through another connection (a second process) reaches the cached reads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-cache-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'cms.sqlite')
  const db = openDatabase(path)
  const editor = createKeysRepository(db).create('editor', 'editor').token
  const app = await buildApp(testConfig({ DATABASE_PATH: path }), { db })
  t.teardown(() => app.close())
  const ta = { app, config: testConfig(), admin: '', editor, moderator: '' }
  const article = await createArticle(ta, { title: 'Tram line survey closes' }, { published: true })
  const url = `/v1/articles/${article.id}`
  t.equal((await app.inject({ url })).json().title, 'Tram line survey closes')

  const other = new Database(path)
  other.prepare('UPDATE articles SET title = ? WHERE id = ?').run('Tram line survey extended', article.id)
  other.close()
  // The version is read once per turn of the event loop: a request in the same turn as the
  // last read is answered as if the other process had committed a moment later.
  t.equal((await app.inject({ url })).json().title, 'Tram line survey closes', 'the same turn')
  await new Promise(setImmediate)
  t.equal((await app.inject({ url })).json().title, 'Tram line survey extended', 'the next turn')
})

t.test("this process's own writes are seen at once, even within one turn", async (t) => {
  const db = openDatabase(':memory:')
  const feed = invalidationFeed(db)
  const before = feed.head()
  t.equal(feed.head(), before, 'read twice in a turn without a change: the same position')
  db.$client
    .prepare("INSERT INTO media (id, kind, mime_type, filename, size, sha256, created_at, updated_at) VALUES ('m1', 'image', 'image/png', 'a.png', 1, 'x', 'x', 'x')")
    .run()
  db.$client.prepare("UPDATE media SET caption = 'A heron' WHERE id = 'm1'").run()
  t.ok(feed.head() > before, 'a write by this connection moves it in the same turn')
  t.same(feed.after(before)!.keys, ['media-m1'], 'and the log names what it touched')
  db.$client.close()
})

t.test('the log is pruned from its oldest end, never past a reader that must see every row', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const insert = db.$client.prepare('INSERT INTO invalidations (key, at) VALUES (?, ?)')
  for (let i = 1; i <= 5; i++) insert.run(`article-${i}`, `2026-01-01T00:00:0${i}.000Z`)
  const feed = invalidationFeed(db)
  t.equal(pruneInvalidations(db, '2026-01-01T00:00:03.000Z', 5), 2, 'rows older than the time go')
  t.same(feed.after(2)!.keys, ['article-3', 'article-4', 'article-5'], 'a reader that had read them goes on')
  t.equal(feed.after(1), null, 'one that had not learns that it missed some')
  t.equal(pruneInvalidations(db, '2027-01-01T00:00:00.000Z', 3), 1, 'none past the position every reader reached')
  t.equal(pruneInvalidations(db, '2027-01-01T00:00:00.000Z', 99), 1, 'and never the newest row, so positions keep growing')
  t.same(feed.after(4), { seq: 5, keys: ['article-5'] })
  insert.run('media-1', '2027-01-01T00:00:00.000Z')
  t.same(feed.after(5), { seq: 6, keys: ['media-1'] })
})

t.test('after a bulk import the log is pruned a batch at a time, so that no one DELETE stalls requests', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const insert = db.$client.prepare("INSERT INTO invalidations (key, at) VALUES ('articles', '2026-01-01T00:00:00.000Z')")
  db.$client.transaction(() => {
    for (let i = 0; i < PRUNE_BATCH + 5; i++) insert.run()
  })()
  t.equal(pruneInvalidations(db, '2027-01-01T00:00:00.000Z', 1e9), PRUNE_BATCH, 'a full batch')
  t.equal(pruneInvalidations(db, '2027-01-01T00:00:00.000Z', 1e9), 4, 'then the rest, but the newest')
})
