// What start-up defers: the media and HTML libraries load at their first use, validators and
// serializers compile at theirs (each once, all of them by the warm-up), and a schema that does
// not compile is a 500 problem at its first request, never a crash.
import { createRequire } from 'node:module'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { onFirstUse, warmUp } from '../src/http/lazy-compile.js'
import { makeApp, testConfig } from './helpers.js'

t.test('an app starts without loading sharp, exifr or sanitize-html', async (t) => {
  await makeApp(t)
  const loaded = Object.keys(createRequire(import.meta.url).cache)
  for (const name of ['sharp', 'exifr', 'sanitize-html']) {
    t.notOk(loaded.some((file) => file.includes(`/node_modules/${name}/`)), `${name} is not loaded`)
  }
})

t.test('onFirstUse compiles at the first call only, and once', async (t) => {
  let compiles = 0
  const get = onFirstUse(() => ({ n: ++compiles }))
  t.equal(compiles, 0, 'nothing compiled up front')
  const first = get()
  t.equal(get(), first, 'the same result every time')
  t.equal(compiles, 1)
})

t.test('warmUp compiles what is pending; a failure is reported and left to its first use', async (t) => {
  let compiles = 0
  const good = onFirstUse(() => ++compiles)
  const bad = onFirstUse((): number => {
    throw new Error('does not compile')
  })
  const errors: unknown[] = []
  await warmUp({ onError: (error) => errors.push(error) })
  t.equal(compiles, 1, 'compiled by the warm-up')
  t.equal(good(), 1, 'and not again')
  t.equal(errors.length, 1)
  t.match(String(errors[0]), /does not compile/)
  t.throws(() => bad(), /does not compile/, 'its first use fails as it would have')
})

t.test('every route schema of the app compiles', async (t) => {
  const { app } = await makeApp(t)
  t.ok(app.hasRoute({ method: 'GET', url: '/v1/articles' }))
  const errors: unknown[] = []
  await warmUp({ onError: (error) => errors.push(error) })
  t.same(errors, [], 'no validator or serializer failed to compile')
})

t.test('the first request to a route answers as every later one does', async (t) => {
  const { app } = await makeApp(t)
  for (let i = 0; i < 2; i++) {
    const bad = await app.inject({ method: 'GET', url: '/v1/articles?limit=abc' })
    t.equal(bad.statusCode, 400)
    t.match(bad.json(), { status: 400, errors: [{ path: 'querystring.limit' }] })
    const list = await app.inject({ method: 'GET', url: '/v1/articles?limit=5' })
    t.equal(list.statusCode, 200)
    t.same(list.json(), { data: [], nextCursor: null }, 'coerced and serialized')
  }
})

t.test('a route schema that does not compile is a 500 problem at its request', async (t) => {
  const app = await buildApp(testConfig(), { db: openDatabase(':memory:') })
  t.teardown(() => app.close())
  app.post(
    '/broken',
    { schema: { hide: true, body: { type: 'object', properties: { a: { type: 'no-such-type' } } } } },
    async () => ({ ok: true }),
  )
  await app.ready()
  const res = await app.inject({ method: 'POST', url: '/broken', payload: { a: 1 } })
  t.equal(res.statusCode, 500)
  t.match(res.headers['content-type'], /application\/problem\+json/)
})
