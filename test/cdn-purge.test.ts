// The CDN purger (src/cdn/): with CDN_PURGE_URLS set, every committed change is sent to each URL
// as `PURGE` with its surrogate keys in `xkey-purge`, in order, retried with backoff until it
// goes, across restarts, and never in a write's way. test/slow/varnish.test.ts runs it against a
// real Varnish.
import t from 'tap'
import { buildApp } from '../src/app.js'
import { nextRound, startPurger } from '../src/cdn/purger.js'
import { createPurgeOutbox } from '../src/cdn/repository.js'
import { MAX_PURGE_HEADER_BYTES, purgeBatches } from '../src/cdn/send.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { auth, createArticle, testConfig, type TestApp, type TestContext } from './helpers.js'
import { type Receiver, startReceiver, until } from './webhooks-receiver.js'

interface PurgingApp extends TestApp {
  logs: Array<Record<string, unknown>>
}

async function purgingApp(t: TestContext, env: Record<string, string>): Promise<PurgingApp> {
  const db = openDatabase(':memory:')
  const editor = createKeysRepository(db).create('test editor', 'editor').token
  const logs: Array<Record<string, unknown>> = []
  const config = testConfig({ LOG_LEVEL: 'info', ...env })
  const app = await buildApp(config, { db, logStream: { write: (line) => logs.push(JSON.parse(line)) } })
  t.teardown(() => app.close())
  await app.ready()
  return { app, config, admin: '', editor, moderator: '', logs }
}

/** Every key the receiver was sent, in the order sent. */
const purged = (receiver: Receiver) => receiver.received.flatMap((request) => String(request.headers['xkey-purge'] ?? '').split(' '))

t.test('keys are packed into requests of at most 4,000 bytes, and a round takes a few of them', async (t) => {
  const keys = Array.from({ length: 300 }, (_, i) => `article-${String(i).padStart(26, '0')}`)
  const batches = purgeBatches(keys)
  t.ok(batches.length > 1 && batches.every((batch) => batch.length <= MAX_PURGE_HEADER_BYTES), `${batches.length} requests within the limit`)
  t.same(batches.join(' ').split(' '), keys, 'every key once, in order')
  t.same(purgeBatches([]), [])

  const rows = [...keys, ...keys].map((key, i) => ({ seq: 11 + i, key }))
  const round = nextRound(rows, 10)
  t.same(round, { keys, through: 610 }, 'a key logged twice is sent once, and the round covers both rows')
  const long = nextRound(
    Array.from({ length: 1000 }, (_, i) => ({ seq: i + 1, key: `media-${String(i).padStart(26, '0')}` })),
    0,
  )
  t.ok(long.through < 1000 && purgeBatches(long.keys).length <= 5, `a long backlog goes a few requests at a time (through ${long.through})`)
})

t.test('each committed change is purged at every URL, in order, with the keys it touched', async (t) => {
  const [varnish, edge] = [await startReceiver(t), await startReceiver(t)]
  const ta = await purgingApp(t, { CDN_PURGE_URLS: `${varnish.url}?token=secret,${edge.url}` })
  const article = await createArticle(ta, { title: 'Ferry strike called off', section: 'transport' }, { published: true })
  for (const receiver of [varnish, edge]) {
    await until(() => (purged(receiver).includes(`article-${article.id}`) ? true : undefined))
    t.equal(receiver.received[0]!.method, 'PURGE')
    t.match(receiver.received[0]!.headers['user-agent'], /^newsroom-cms-purge\//)
    t.same(new Set(purged(receiver)), new Set(['changes', `article-${article.id}`, 'articles', 'articles-section-transport', 'sections']), 'the story, the lists it joined and the change feed')
  }
  const sent = varnish.received.length
  const patched = await ta.app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, headers: auth(ta.editor), payload: { title: 'Ferry strike off' } })
  t.equal(patched.statusCode, 200)
  const next = await varnish.waitFor(sent + 1)
  // The keys of one change come in the order its triggers fire, which SQLite leaves open.
  t.same(new Set(String(next[sent]!.headers['xkey-purge']).split(' ')), new Set(['changes', `article-${article.id}`, 'articles-content', 'search-called', 'search-prefix-cal']), 'the edit, after the publication: the story, the searches for the word it took out, and what any edit may change (feeds)')
  t.equal(varnish.received[0]!.path, '/hook?token=secret', 'sent to the URL as configured')
})

t.test('a cache that fails is retried with backoff until it takes the purge, without holding up the others', async (t) => {
  const failing = await startReceiver(t, (_request, index) => ({ status: index === 0 ? 503 : 200 }))
  const healthy = await startReceiver(t)
  const ta = await purgingApp(t, { CDN_PURGE_URLS: `${failing.url}?token=secret,${healthy.url}` })
  const first = await createArticle(ta, { title: 'Library roof repaired' }, { published: true })
  await failing.waitFor(1)
  const second = await createArticle(ta, { title: 'Market moves indoors' }, { published: true })
  await until(() => (purged(healthy).includes(`article-${second.id}`) ? true : undefined))
  t.equal(failing.received.length, 1, 'the healthy cache got both changes while the other waits to retry')

  const retried = await failing.waitFor(2, 5000)
  const retry = String(retried[1]!.headers['xkey-purge']).split(' ')
  t.same(new Set(retry), new Set(['changes', `article-${first.id}`, 'articles', `article-${second.id}`]), 'the retry carries what failed and what came after')
  t.ok(retry.indexOf(`article-${first.id}`) < retry.indexOf(`article-${second.id}`), 'in the order of the changes')
  t.ok(retried[1]!.at - retried[0]!.at >= 900, 'after a backoff of a second')
  const warned = await until(() => ta.logs.find((line) => line.msg === 'CDN purge failed; it will be retried'))
  t.match(warned, { level: 40, url: failing.url, attempts: 1, error: 'answered 503', retryInMs: 1000 }, 'logged, without the query of the URL')
  t.notMatch(JSON.stringify(ta.logs), 'secret')
  await until(() => ta.logs.find((line) => line.msg === 'CDN purges go through again'))
})

t.test('purges survive a restart: one cut off by a stop, and changes made meanwhile, go at the next start', async (t) => {
  // The purger on its own over an in-memory database: what a restart keeps is the cursor's row.
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const outbox = createPurgeOutbox(db)
  const cache = await startReceiver(t, (_request, index) => (index === 0 ? { hang: true } : { status: 200 }))
  const log = { debug() {}, info() {}, warn() {}, error() {} } as never
  const options = { urls: [cache.url], pollMs: 20, timeoutMs: 5000, userAgent: 'test', log }
  const change = db.$client.prepare('INSERT INTO invalidations (key) VALUES (?)')

  const first = startPurger(outbox, options)
  change.run('article-a')
  await cache.waitFor(1)
  await first.stop()
  // The command line, or another process, while the service is down.
  change.run('article-b')
  const second = startPurger(outbox, options)
  t.teardown(() => second.stop())
  const after = await cache.waitFor(2)
  t.equal(after[1]!.headers['xkey-purge'], 'article-a article-b', 'the cut-off purge and the later change, in order, at once')
  await until(() => (outbox.cursor(cache.url)!.seq === 2 ? true : undefined))
})

t.test('a change that touches many keys is sent in several bounded requests', async (t) => {
  const cache = await startReceiver(t)
  const ta = await purgingApp(t, { CDN_PURGE_URLS: cache.url })
  const keys = Array.from({ length: 600 }, (_, i) => `media-${String(i).padStart(26, '0')}`)
  const insert = ta.app.db.$client.prepare('INSERT INTO invalidations (key) VALUES (?)')
  ta.app.db.$client.transaction(() => keys.forEach((key) => insert.run(key)))()
  await until(() => (purged(cache).length >= 600 ? true : undefined))
  t.same(purged(cache), keys, 'every key, once, in order')
  t.ok(cache.received.length >= 5, `in ${cache.received.length} requests`)
  t.ok(cache.received.every((request) => String(request.headers['xkey-purge']).length <= MAX_PURGE_HEADER_BYTES))
})

t.test('writes never wait for a cache', async (t) => {
  const cache = await startReceiver(t, () => ({ hang: true }))
  const ta = await purgingApp(t, { CDN_PURGE_URLS: cache.url })
  const article = await createArticle(ta, { title: 'Harbour lights switched on' }, { published: true })
  await cache.waitFor(1)
  const started = performance.now()
  const patched = await ta.app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, headers: auth(ta.editor), payload: { title: 'Harbour lights on' } })
  t.equal(patched.statusCode, 200)
  t.ok(performance.now() - started < 1000, 'answered while the purge hangs')
})
