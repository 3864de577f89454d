// /v1/keys: admins make, list and revoke keys; a secret is shown once; CMS_ADMIN_TOKEN makes
// a working admin key at start, and doing so again changes nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { hashToken } from '../src/keys/tokens.js'
import { auth, makeApp, testConfig } from './helpers.js'

t.test('an admin makes a key; its secret works and is shown only once', async (t) => {
  const { app, admin } = await makeApp(t)
  const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(admin), payload: { name: 'Desk tool', role: 'editor' } })
  t.equal(res.statusCode, 201)
  const key = res.json()
  t.match(key, { id: String, name: 'Desk tool', role: 'editor', token: String, createdAt: String })
  t.same(Object.keys(key).sort(), ['createdAt', 'id', 'name', 'role', 'token'])
  t.ok(key.token.length >= 32, 'the secret is long')
  t.equal(new Date(key.createdAt).toISOString(), key.createdAt, 'createdAt is ISO 8601 UTC')

  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(key.token), payload: { title: 'Made by the new key' } })
  t.equal(created.statusCode, 201, 'the new editor key can create an article')

  const list = await app.inject({ method: 'GET', url: '/v1/keys', headers: auth(admin) })
  t.equal(list.statusCode, 200)
  const listed = list.json()
  t.equal(listed.nextCursor, null)
  const entry = listed.data.find((k: { id: string }) => k.id === key.id)
  t.same(entry, { id: key.id, name: 'Desk tool', role: 'editor', createdAt: key.createdAt })
  t.notOk(list.body.includes(key.token), 'the list never carries a secret')
  t.notOk(list.body.includes(hashToken(key.token)), 'nor its hash')
  for (const item of listed.data) t.notOk('token' in item || 'tokenHash' in item, `no secret on ${item.name}`)

  const location = res.headers.location as string
  t.equal(location, `/v1/keys/${key.id}`)
  const named = await app.inject({ method: 'GET', url: location, headers: auth(admin) })
  t.equal(named.statusCode, 200, 'the Location names a key that can be read')
  t.same(named.json(), { id: key.id, name: 'Desk tool', role: 'editor', createdAt: key.createdAt }, 'without its secret')
  t.equal((await app.inject({ method: 'DELETE', url: location, headers: auth(admin) })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: location, headers: auth(admin) })).statusCode, 404, 'a revoked key is gone')
})

t.test('the secret is stored hashed, never as given', async (t) => {
  const { app, admin } = await makeApp(t)
  const key = (await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(admin), payload: { name: 'Hashed', role: 'moderator' } })).json()
  const rows = app.db.$client.prepare('SELECT * FROM api_keys WHERE id = ?').all(key.id) as Record<string, unknown>[]
  t.equal(rows.length, 1)
  t.notOk(JSON.stringify(rows).includes(key.token), 'the table does not hold the secret')
  t.equal(rows[0]!.token_hash, hashToken(key.token))
})

t.test('a revoked key is refused at once', async (t) => {
  const { app, admin } = await makeApp(t)
  const key = (await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(admin), payload: { name: 'Short-lived', role: 'editor' } })).json()
  t.equal((await app.inject({ method: 'GET', url: '/v1/articles?status=draft', headers: auth(key.token) })).statusCode, 200)

  const revoked = await app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: auth(admin) })
  t.equal(revoked.statusCode, 204)
  t.equal(revoked.body, '')

  const after = await app.inject({ method: 'GET', url: '/v1/articles?status=draft', headers: auth(key.token) })
  t.equal(after.statusCode, 401)
  t.equal(after.headers['www-authenticate'], 'Bearer')
  t.match(after.headers['content-type'], /^application\/problem\+json/)
  const anonymousRead = await app.inject({ method: 'GET', url: '/v1/articles', headers: auth(key.token) })
  t.equal(anonymousRead.statusCode, 401, 'a revoked key is not quietly treated as anonymous')

  const list = (await app.inject({ method: 'GET', url: '/v1/keys', headers: auth(admin) })).json()
  t.notOk(list.data.some((k: { id: string }) => k.id === key.id), 'a revoked key is no longer listed')

  const again = await app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: auth(admin) })
  t.equal(again.statusCode, 404, 'revoking twice is a 404')
  const unknown = await app.inject({ method: 'DELETE', url: '/v1/keys/nosuchkey', headers: auth(admin) })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.headers['content-type'], /^application\/problem\+json/)
})

t.test('only admins manage keys', async (t) => {
  const { app, editor, moderator } = await makeApp(t)
  for (const [who, token] of [
    ['editor', editor],
    ['moderator', moderator],
  ] as const) {
    const requests = [
      { method: 'POST' as const, url: '/v1/keys', payload: { name: 'x', role: 'admin' } },
      { method: 'GET' as const, url: '/v1/keys' },
      { method: 'DELETE' as const, url: '/v1/keys/anything' },
    ]
    for (const request of requests) {
      const res = await app.inject({ ...request, headers: auth(token) })
      t.equal(res.statusCode, 403, `${who}: ${request.method} ${request.url} → 403`)
      t.equal(res.json().status, 403)
    }
  }
  for (const request of [
    { method: 'POST' as const, url: '/v1/keys', payload: { name: 'x', role: 'admin' } },
    { method: 'GET' as const, url: '/v1/keys' },
    { method: 'DELETE' as const, url: '/v1/keys/anything' },
  ]) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 401, `anonymous: ${request.method} ${request.url} → 401`)
    t.equal(res.headers['www-authenticate'], 'Bearer')
  }
})

t.test('key bodies are validated', async (t) => {
  const { app, admin } = await makeApp(t)
  const cases: [string, unknown][] = [
    ['missing role', { name: 'No role' }],
    ['missing name', { role: 'editor' }],
    ['empty name', { name: '', role: 'editor' }],
    ['unknown role', { name: 'Root', role: 'superuser' }],
    ['anonymous is not a role', { name: 'Nobody', role: 'anonymous' }],
    ['typo field', { name: 'Typo', role: 'editor', rol: 'admin' }],
    ['a token cannot be chosen', { name: 'Chosen', role: 'editor', token: 'my-own-secret-value' }],
  ]
  for (const [label, payload] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(admin), payload: payload as object })
    t.equal(res.statusCode, 400, label)
    t.ok(Array.isArray(res.json().errors) && res.json().errors.length > 0, `${label}: errors[] says why`)
  }
  const bad = await app.inject({ method: 'GET', url: '/v1/keys?limit=0', headers: auth(admin) })
  t.equal(bad.statusCode, 400)
  const badCursor = await app.inject({ method: 'GET', url: '/v1/keys?cursor=nonsense', headers: auth(admin) })
  t.equal(badCursor.statusCode, 400)
})

t.test('keys page with a cursor', async (t) => {
  const { app, admin } = await makeApp(t)
  for (let i = 0; i < 5; i++) {
    await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(admin), payload: { name: `Paged ${i}`, role: 'editor' } })
  }
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const url: string = `/v1/keys?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const page = (await app.inject({ method: 'GET', url, headers: auth(admin) })).json()
    t.ok(page.data.length <= 2)
    seen.push(...page.data.map((k: { id: string }) => k.id))
    cursor = page.nextCursor
    pages += 1
  } while (cursor !== null && pages < 20)
  t.equal(seen.length, 8, 'three test keys and five new ones')
  t.equal(new Set(seen).size, 8, 'each key once')
})

t.test('CMS_ADMIN_TOKEN makes a working admin key, once, across restarts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-keys-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const token = 'bootstrap-admin-token-0123456789'
  const config = testConfig({ DATABASE_PATH: join(dir, 'cms.sqlite'), CMS_ADMIN_TOKEN: token })

  const countKeys = (app: Awaited<ReturnType<typeof buildApp>>) =>
    (app.db.$client.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n

  const first = await buildApp(config)
  await first.ready()
  const made = await first.inject({ method: 'POST', url: '/v1/keys', headers: auth(token), payload: { name: 'From bootstrap', role: 'editor' } })
  t.equal(made.statusCode, 201, 'the bootstrap token is an admin key')
  const keysBefore = countKeys(first)
  t.equal(keysBefore, 2)
  await first.close()

  const second = await buildApp(config)
  t.teardown(() => second.close())
  await second.ready()
  t.equal(countKeys(second), keysBefore, 'a restart adds no second admin key')
  const list = await second.inject({ method: 'GET', url: '/v1/keys', headers: auth(token) })
  t.equal(list.statusCode, 200, 'the same token still works after a restart')
  t.equal(list.json().data.filter((k: { role: string }) => k.role === 'admin').length, 1)
})

// CMS_ADMIN_TOKEN makes sure a bootstrap admin key exists at start, and a revocation of that key
// outlives a restart with the same environment: it is logged, never undone.
const TOKEN = 'a-bootstrap-secret-of-thirty-two-chars'

t.test('a revoked bootstrap key stays revoked across restarts, with a warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-bootstrap-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ DATABASE_PATH: join(dir, 'cms.sqlite'), CMS_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' })
  const start = async () => {
    const logs: { msg?: string; keyId?: string }[] = []
    const app = await buildApp(config, { logStream: { write: (line) => logs.push(JSON.parse(line)) } })
    await app.ready()
    return { app, logs }
  }
  const headers = { authorization: `Bearer ${TOKEN}` }

  const first = await start()
  const keys = await first.app.inject({ url: '/v1/keys', headers })
  t.equal(keys.statusCode, 200, 'the bootstrap key works')
  const bootstrap = keys.json().data.find((key: { name: string }) => key.name === 'CMS_ADMIN_TOKEN')
  t.ok(bootstrap, 'and is listed')
  t.equal((await first.app.inject({ method: 'DELETE', url: `/v1/keys/${bootstrap.id}`, headers })).statusCode, 204)
  t.equal((await first.app.inject({ url: '/v1/keys', headers })).statusCode, 401, 'revoked at once')
  await first.app.close()

  const second = await start()
  t.teardown(() => second.app.close())
  t.equal((await second.app.inject({ url: '/v1/keys', headers })).statusCode, 401, 'still revoked after a restart')
  const warning = second.logs.find((line) => /CMS_ADMIN_TOKEN/.test(line.msg ?? ''))
  t.ok(warning, 'the start says why the token does not work')
  t.equal(warning?.keyId, bootstrap.id, 'naming the key, not the secret')
  t.notMatch(JSON.stringify(second.logs), TOKEN, 'the secret never reaches the log')
})

t.test('an existing bootstrap key is kept, not duplicated', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-bootstrap-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ DATABASE_PATH: join(dir, 'cms.sqlite'), CMS_ADMIN_TOKEN: TOKEN })
  for (let round = 0; round < 2; round++) {
    const app = await buildApp(config)
    await app.ready()
    const list = await app.inject({ url: '/v1/keys', headers: { authorization: `Bearer ${TOKEN}` } })
    t.equal(list.json().data.filter((key: { name: string }) => key.name === 'CMS_ADMIN_TOKEN').length, 1, `one bootstrap key after start ${round + 1}`)
    await app.close()
  }
})

t.test('a new key\'s secret is never kept for an Idempotency-Key replay: a repeat makes another key', async (t) => {
  const { app, admin } = await makeApp(t)
  const send = () =>
    app.inject({ method: 'POST', url: '/v1/keys', headers: { ...auth(admin), 'idempotency-key': 'key-for-the-desk' }, payload: { name: 'Desk tool', role: 'editor' } })
  const first = await send()
  const second = await send()
  t.equal(first.statusCode, 201)
  t.equal(second.statusCode, 201)
  t.not(second.headers['idempotent-replayed'], 'true', 'not a replay')
  t.not(second.json().id, first.json().id, 'another key')
  const kept = JSON.stringify(app.db.$client.prepare('SELECT * FROM idempotency_keys').all())
  t.notMatch(kept, first.json().token, 'no secret in the idempotency records')
  t.notMatch(kept, second.json().token)
})
