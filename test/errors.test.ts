// Every error leaves as an RFC 9457 problem document, and nothing about the server (stack,
// SQL, file paths) reaches a client.
import t, { type Test } from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { auth, makeApp, testConfig } from './helpers.js'
import { connect } from 'node:net'

type Res = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any }

/** Asserts the response is a problem document with this status, and leaks nothing. */
function isProblem(t: Test, res: Res, status: number, label: string) {
  t.equal(res.statusCode, status, `${label}: status`)
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${label}: content type`)
  const doc = res.json()
  t.match(doc, { type: String, title: String, status, detail: String }, `${label}: problem fields`)
  t.ok(doc.type.length > 0 && doc.title.length > 0 && doc.detail.length > 0, `${label}: fields are not empty`)
  leaksNothing(t, res, label)
  return doc
}

function leaksNothing(t: Test, res: Res, label: string) {
  t.notMatch(res.body, /\bat .+\.(ts|js):\d+/, `${label}: no stack`)
  t.notMatch(res.body, /SQLITE_|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|sqlite/i, `${label}: no SQL`)
  t.notMatch(res.body, /\/work\/|node_modules|src\//, `${label}: no file paths`)
}

t.test('malformed JSON is a 400 problem', async (t) => {
  const { app, editor } = await makeApp(t)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth(editor), 'content-type': 'application/json' },
    payload: '{"title": "Unclosed',
  })
  isProblem(t, res, 400, 'malformed JSON')
  const empty = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth(editor), 'content-type': 'application/json' },
    payload: '',
  })
  isProblem(t, empty, 400, 'empty JSON body')
  const notObject = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth(editor), 'content-type': 'application/json' },
    payload: '["a list"]',
  })
  isProblem(t, notObject, 400, 'a JSON list where an object belongs')
  const proto = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth(editor), 'content-type': 'application/json' },
    payload: '{"title": "Polluter", "__proto__": {"admin": true}}',
  })
  t.ok(proto.statusCode === 400, `__proto__ in a body is refused (got ${proto.statusCode})`)
  t.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype was polluted')
})

t.test('validation problems list each field in errors[]', async (t) => {
  const { app, editor } = await makeApp(t)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: auth(editor),
    payload: { subtitle: 42, tittle: 'Typo', body: [{ type: 'heading', text: 'Sub', level: 9 }] },
  })
  const doc = isProblem(t, res, 400, 'several bad fields')
  t.ok(Array.isArray(doc.errors), 'errors[] is there')
  for (const error of doc.errors) t.match(error, { path: String, message: String })
  const paths = doc.errors.map((e: { path: string }) => e.path)
  t.ok(paths.includes('body.title'), `the missing title is named (${paths.join(', ')})`)
  t.ok(paths.includes('body.tittle'), 'the unknown field is named')
  t.ok(paths.includes('body.subtitle'), 'the wrong type is named')
  t.ok(paths.some((p: string) => p.startsWith('body.body[0]')), 'the bad block is named by its index')
})

t.test('an unknown route is a 404 problem', async (t) => {
  const { app } = await makeApp(t)
  for (const url of ['/nowhere', '/v1/nothing-here', '/v2/articles']) {
    const doc = isProblem(t, await app.inject({ method: 'GET', url }), 404, url)
    t.equal(doc.status, 404)
  }
  isProblem(t, await app.inject({ method: 'PUT', url: '/v1/articles' }), 404, 'an unknown method on a known path')
})

t.test('URLs the router cannot take are problems too', async (t) => {
  const { app } = await makeApp(t)
  isProblem(t, await app.inject('/v1/articles/%E0%A4%A'), 400, 'bad percent-encoding in a path parameter')
  isProblem(t, await app.inject(`/v1/articles/slug/${'a'.repeat(300)}`), 414, 'an overlong path parameter')
})

t.test('an unsupported content type is a 415 problem', async (t) => {
  const { app, editor } = await makeApp(t)
  for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: { ...auth(editor), 'content-type': type },
      payload: 'title=Hello',
    })
    isProblem(t, res, 415, type)
  }
  const count = (app.db.$client.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n
  t.equal(count, 0, 'nothing was created')
})

t.test('a body over the limit is a 413 problem', async (t) => {
  const { app, editor } = await makeApp(t)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth(editor), 'content-type': 'application/json' },
    payload: JSON.stringify({ title: 'Huge', summary: 'x'.repeat(6 * 1024 * 1024) }),
  })
  isProblem(t, res, 413, 'a 6 MiB body')
})

t.test('a failure inside a handler is a generic 500 problem', async (t) => {
  const db = openDatabase(':memory:')
  const keys = createKeysRepository(db)
  keys.create('x', 'admin')
  const app = await buildApp(testConfig(), { db })
  t.teardown(() => app.close())
  app.get('/boom', async () => {
    throw new Error('SELECT secret_column FROM hidden_table at /work/main/src/secret.ts:12')
  })
  app.get('/sql-boom', async () => {
    db.$client.prepare('SELECT * FROM no_such_table').all()
  })
  app.get('/constraint', async () => {
    db.$client.prepare("INSERT INTO api_keys (id, name, role, token_hash, created_at) VALUES ('a', 'a', 'admin', 'h', 'now')").run()
    db.$client.prepare("INSERT INTO api_keys (id, name, role, token_hash, created_at) VALUES ('b', 'b', 'admin', 'h', 'now')").run()
  })
  await app.ready()
  const boom = isProblem(t, await app.inject('/boom'), 500, 'a thrown Error')
  t.notMatch(boom.detail, /secret/, 'the message of the error stays in the log')
  isProblem(t, await app.inject('/sql-boom'), 500, 'an SQLite error')
  isProblem(t, await app.inject('/constraint'), 409, 'a constraint error')
})

t.test('problems carry no-store and an instance id', async (t) => {
  const { app } = await makeApp(t)
  const res = await app.inject({ method: 'GET', url: '/v1/articles/nosuch' })
  const doc = isProblem(t, res, 404, 'unknown article')
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(doc.instance, /^urn:cms:request:/)
  t.match(doc.detail, /nosuch/)
})

t.test('querystring problems name the parameter', async (t) => {
  const { app } = await makeApp(t)
  for (const url of ['/v1/articles?limit=0', '/v1/articles?limit=101', '/v1/articles?limit=abc', '/v1/articles?colour=red']) {
    const doc = isProblem(t, await app.inject(url), 400, url)
    t.ok(doc.errors?.some((e: { path: string }) => e.path.startsWith('querystring.')), `${url}: errors[] names the querystring`)
  }
})

// What Node's HTTP parser refuses before a request exists (a malformed request line, a bad
// Content-Length, headers too large) is answered as an RFC 9457 problem like every other error.
/** Writes raw bytes and resolves with everything the server answers before it closes. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes))
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
  })
}

t.test('parser errors are problems', async (t) => {
  const app = await buildApp(testConfig())
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const cases: [string, string, number][] = [
    ['a malformed request line', 'NOT A REQUEST\r\n\r\n', 400],
    ['a bad Content-Length', 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n', 400],
    ['headers too large', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`, 431],
  ]
  for (const [label, bytes, status] of cases) {
    const answer = await raw(port, bytes)
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    t.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `${label}: ${status}`)
    t.match(head, /\r\nContent-Type: application\/problem\+json\r\n/i, `${label}: a problem`)
    t.match(JSON.parse(body), { type: /^urn:cms:problem:/, status, title: String, detail: String }, `${label}: its document`)
  }
  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200, 'the service is unharmed')
})
