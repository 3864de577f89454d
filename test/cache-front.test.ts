// The cache front (src/http/cache-front.ts): over real HTTP, an anonymous GET already in the
// response cache is answered before Fastify's hooks run, with the same bytes and the same headers
// the Fastify path gives it; staff, edits, proxies and a disabled cache all go through Fastify.
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { CacheFront } from '../src/http/cache-front.js'
import { isTicket, ResponseCache } from '../src/http/response-cache.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { auth, createArticle, testConfig, type TestApp, type TestContext } from './helpers.js'

interface Served {
  app: TestApp
  base: string
  /** How many requests Fastify handled. */
  routed: () => number
  logs: Array<Record<string, unknown>>
}

async function serve(t: TestContext, env: Record<string, string> = {}): Promise<Served> {
  const config = testConfig({ LOG_LEVEL: 'info', ...env })
  const db = openDatabase(':memory:')
  const editor = createKeysRepository(db).create('editor', 'editor').token
  const logs: Array<Record<string, unknown>> = []
  const app = await buildApp(config, { db, logStream: { write: (line) => logs.push(JSON.parse(line)) } })
  // onResponse runs for every request Fastify handles, those answered by an onRequest hook too
  // (its own cache hits), and before the client can have read the answer.
  let routed = 0
  app.addHook('onResponse', async () => {
    routed += 1
  })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as { port: number }
  return { app: { app, config, admin: '', editor, moderator: '' }, base: `http://127.0.0.1:${address.port}`, routed: () => routed, logs }
}

/** The headers that must match between two answers: all but the request's own id and the date. */
function comparable(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {}
  headers.forEach((value, name) => {
    if (name !== 'x-request-id' && name !== 'date') kept[name] = value
  })
  return kept
}

t.test('a cached story is answered in front of Fastify, byte for byte and header for header', async (t) => {
  const { app, base, routed, logs } = await serve(t)
  const article = await createArticle(app, { title: 'Harbour ferry timetable changes' }, { published: true })
  const url = `${base}/v1/articles/slug/${article.slug}`

  const before = routed()
  const first = await fetch(url)
  const firstBody = await first.text()
  t.equal(routed(), before + 1, 'the first read goes through Fastify (a miss)')
  const second = await fetch(url, { headers: { origin: 'https://news.example' } })
  const secondBody = await second.text()
  t.equal(routed(), before + 1, 'the second never reaches Fastify')
  t.equal(second.status, 200)
  t.equal(secondBody, firstBody, 'the same bytes')
  t.equal(second.headers.get('surrogate-key'), `article-${article.id}`, 'with the surrogate keys of what it shows')
  t.same(comparable(second.headers), comparable(first.headers), 'the same headers, Origin or not')
  t.match(second.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
  t.not(second.headers.get('x-request-id'), first.headers.get('x-request-id'), 'each answer has its own request id')

  const etag = first.headers.get('etag')!
  const fromFront = await fetch(url, { headers: { 'if-none-match': etag } })
  t.equal(fromFront.status, 304)
  t.equal(routed(), before + 1, 'the 304 is answered in front too')
  // A forwarded header sends the request to Fastify (which decides whether to trust it); with
  // no proxy trusted its answer comes from the same cache entry, through every hook.
  const fromFastify = await fetch(url, { headers: { 'if-none-match': etag, 'x-forwarded-proto': 'http' } })
  t.equal(fromFastify.status, 304)
  t.equal(routed(), before + 2, 'a request with X-Forwarded-* headers goes through Fastify')
  t.same(comparable(fromFront.headers), comparable(fromFastify.headers), 'the 304s carry the same headers')
  t.equal(fromFront.headers.get('content-type'), null, 'a 304 has no Content-Type')
  t.same(
    Object.keys(comparable(fromFront.headers)).filter((name) => name !== 'connection' && name !== 'keep-alive').sort(),
    ['access-control-allow-origin', 'access-control-expose-headers', 'cache-control', 'etag', 'vary'],
    "a 304 carries RFC 9110's fields and CORS, not the 200's other headers the client already holds",
  )
  t.ok(first.headers.get('content-security-policy'), 'which the 200 did carry')

  const id = second.headers.get('x-request-id')
  const lines = logs.filter((line) => line.reqId === id)
  t.same(
    lines.map((line) => line.msg),
    ['incoming request', 'request completed'],
    'answers from the front are logged as Fastify logs its own',
  )
  t.same(lines[0]!.req, { method: 'GET', url: `/v1/articles/slug/${article.slug}` }, 'method and path only: no headers, no address')
  t.same(lines[1]!.res, { statusCode: 200 })
})

t.test('staff, other methods and edited content go through Fastify', async (t) => {
  const { app, base, routed } = await serve(t)
  const article = await createArticle(app, { title: 'Library opens on Sundays' }, { published: true })
  const url = `${base}/v1/articles/${article.id}`
  await fetch(url)

  let before = routed()
  const staff = await fetch(url, { headers: auth(app.editor) })
  t.equal(routed(), before + 1, 'a request with Authorization is never answered from the cache')
  t.equal(staff.headers.get('cache-control'), 'private, no-store')

  before = routed()
  const head = await fetch(url, { method: 'HEAD' })
  t.equal(head.status, 200)
  t.equal(routed(), before + 1, 'HEAD goes through Fastify')

  const patched = await app.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}`,
    // The same Host as the read: the article's absolute links (its canonicalUrl) are made from it.
    headers: { ...auth(app.editor), 'if-match': staff.headers.get('etag')!, host: new URL(base).host },
    payload: { title: 'Library opens on Sundays and holidays' },
  })
  t.equal(patched.statusCode, 200)
  before = routed()
  const fresh = (await (await fetch(url)).json()) as { title: string }
  t.equal(fresh.title, 'Library opens on Sundays and holidays', 'the edit is seen at once')
  t.equal(routed(), before + 1, 'the edit evicted the story, so Fastify answered')
})

t.test('with RESPONSE_CACHE_MB=0 every request goes through Fastify', async (t) => {
  const { app, base, routed } = await serve(t, { RESPONSE_CACHE_MB: '0' })
  const article = await createArticle(app, {}, { published: true })
  const before = routed()
  for (let i = 0; i < 3; i++) t.equal((await fetch(`${base}/v1/articles/${article.id}`)).status, 200)
  t.equal(routed(), before + 3)
})

t.test('the front serves only what it can be sure of', async (t) => {
  const cache = new ResponseCache({ maxBytes: 1 << 20, invalidations: { head: () => 1, after: () => null } })
  const publicUrl = 'https://news.example'
  const front = new CacheFront({ cache, baseUrls: { publicUrl, allowedHosts: [] }, log: () => ({ level: 'silent' }) as never })
  const ticket = cache.lookup(`${publicUrl} /v1/articles/x`)
  if (!isTicket(ticket)) throw new Error('expected a miss')
  const headers = ['etag', '"e"']
  cache.store(ticket, { etag: '"e"', contentType: 'application/json; charset=utf-8', payload: Buffer.from('{}'), headers, notModifiedHeaders: headers, keys: ['article-x'] })

  const written: unknown[] = []
  const response = { writeHead: (...args: unknown[]) => written.push(args), end: () => written.push('end') } as never
  const request = (fields: Record<string, unknown>) => ({ method: 'GET', url: '/v1/articles/x', headers: { host: 'localhost' }, ...fields }) as never

  t.equal(front.serve(request({ url: '/v1/articles/y' }), response), false, 'a miss')
  t.equal(front.serve(request({ method: 'POST' }), response), false, 'not a GET')
  t.equal(front.serve(request({ headers: { authorization: 'Bearer k' } }), response), false, 'a caller with a key')
  t.equal(written.length, 0, 'nothing written for any of them')
  t.equal(front.serve(request({}), response), true, 'a hit')
  t.equal((written[0] as unknown[])[0], 200)
  front.close()
  t.equal(front.serve(request({}), response), false, 'once closing, Fastify answers (503) instead')

  const direct = new CacheFront({ cache, baseUrls: { publicUrl: null, allowedHosts: [] }, log: () => ({ level: 'silent' }) as never })
  const socket = { encrypted: false }
  t.equal(direct.serve(request({ headers: { host: 'news.example' }, socket }), response), false, 'another base URL is another key')
  t.equal(direct.serve(request({ headers: {}, socket }), response), false, 'no Host header: Fastify decides')
})

t.test('BENCH_CACHE_STATS: the hits and misses of cacheable reads, each counted once', async (t) => {
  const { app, base } = await serve(t, { BENCH_CACHE_STATS: 'true' })
  const stats = async () => {
    const { hits, misses } = (await (await fetch(`${base}/internal/cache-stats`)).json()) as { hits: number; misses: number }
    return { hits, misses }
  }
  const article = await createArticle(app, { title: 'Tram depot reopens after repairs' }, { published: true })
  const url = `${base}/v1/articles/slug/${article.slug}`
  const start = await stats()
  await (await fetch(url)).arrayBuffer()
  t.same(await stats(), { ...start, misses: start.misses + 1 }, 'a miss counts once, though the front and Fastify both looked')
  await (await fetch(url)).arrayBuffer()
  await (await fetch(url)).arrayBuffer()
  t.same(await stats(), { ...start, hits: start.hits + 2, misses: start.misses + 1 }, 'hits served by the front count')
  await (await fetch(`${base}/health`)).arrayBuffer()
  await (await fetch(url, { headers: { authorization: `Bearer ${app.editor}` } })).arrayBuffer()
  t.same(await stats(), { ...start, hits: start.hits + 2, misses: start.misses + 1 }, 'reads that may not be cached are not counted')

  const plain = await serve(t)
  t.equal((await fetch(`${plain.base}/internal/cache-stats`)).status, 404, 'without BENCH_CACHE_STATS there is no such route')
})
