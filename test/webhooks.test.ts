// /v1/webhooks through app.inject: subscriptions, secrets, roles, validation and the log's paging.
import t from 'tap'
import { auth, makeApp, type TestApp } from './helpers.js'

const HOOK_URL = 'https://hooks.example.test/cms'

async function createWebhook({ app, admin }: TestApp, payload: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: auth(admin),
    payload: { url: HOOK_URL, events: ['article.published'], ...payload },
  })
  if (res.statusCode !== 201) throw new Error(`createWebhook: ${res.statusCode} ${res.body}`)
  return res.json()
}

t.test('create answers 201 with a whsec_ secret shown once', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin } = testApp
  const res = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: auth(admin),
    payload: { url: HOOK_URL, events: ['article.published', 'comment.created'] },
  })
  t.equal(res.statusCode, 201)
  const created = res.json()
  t.equal(res.headers.location, `/v1/webhooks/${created.id}`)
  t.match(created, { url: HOOK_URL, events: ['article.published', 'comment.created'], active: true, version: 1 })
  t.type(created.createdAt, 'string')
  t.match(created.secret, /^whsec_[A-Za-z0-9+/]+=*$/)
  t.equal(Buffer.from(created.secret.slice('whsec_'.length), 'base64').length, 32, 'a 32-byte key')

  const one = await app.inject({ url: `/v1/webhooks/${created.id}`, headers: auth(admin) })
  t.equal(one.statusCode, 200)
  t.notOk('secret' in one.json(), 'GET one has no secret')
  t.notOk(one.body.includes(created.secret.slice(6)), 'nor any trace of it')
  const { secret: _secret, ...shown } = created
  t.same(one.json(), shown, 'the rest is the same')

  const list = await app.inject({ url: '/v1/webhooks', headers: auth(admin) })
  t.equal(list.statusCode, 200)
  t.equal(list.json().data.length, 1)
  t.notOk(list.body.includes('whsec_'), 'the list shows no secret')
  t.equal(list.json().nextCursor, null)

  const other = await createWebhook(testApp)
  t.not(other.secret, created.secret, 'each webhook has its own secret')
})

t.test('only http and https URLs, and only known events', async (t) => {
  const { app, admin } = await makeApp(t)
  const bad: [string, string][] = [
    ['ftp://files.example.test/x', 'must use http or https'],
    ['javascript:alert(1)', 'must use http or https'],
    ['file:///etc/passwd', 'must use http or https'],
    ['not a url', 'must be an absolute http or https URL'],
    ['/relative/path', 'must be an absolute http or https URL'],
    ['https://user:pass@hooks.example.test/', 'must not contain a user name or password'],
  ]
  for (const [url, message] of bad) {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url, events: ['article.published'] } })
    t.equal(res.statusCode, 400, url)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.same(res.json().errors, [{ path: 'body.url', message }], url)
  }
  const cases: [Record<string, unknown>, string][] = [
    [{ url: HOOK_URL, events: ['article.exploded'] }, 'body.events[0]'],
    [{ url: HOOK_URL, events: [] }, 'body.events'],
    [{ url: HOOK_URL, events: ['article.published', 'article.published'] }, 'body.events'],
    [{ url: HOOK_URL }, 'body.events'],
    [{ events: ['article.published'] }, 'body.url'],
    [{ url: HOOK_URL, events: ['article.published'], secret: 'whsec_mine' }, 'body.secret'],
    [{ url: HOOK_URL, events: ['article.published'], actve: false }, 'body.actve'],
    [{ url: `https://hooks.example.test/${'a'.repeat(2100)}`, events: ['article.published'] }, 'body.url'],
  ]
  for (const [payload, path] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80))
    t.ok(res.json().errors.some((e: { path: string }) => e.path === path), `names ${path}`)
  }
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url: HOOK_URL, events: ['nope'] } })
  t.match(res.json().errors[0].message, /must be one of: article\.published/)
  const malformed = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: { ...auth(admin), 'content-type': 'application/json' },
    payload: '{"url": ',
  })
  t.equal(malformed.statusCode, 400)
  const list = await app.inject({ url: '/v1/webhooks', headers: auth(admin) })
  t.same(list.json().data, [], 'nothing was stored')
})

t.test('loopback, link-local and private targets are refused at create and update, naming the rule', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin } = testApp
  const refused: [string, RegExp][] = [
    ['http://127.1:4799/hook', /^must not target a loopback address \(127\.0\.0\.1\) unless WEBHOOK_ALLOW_PRIVATE=true$/],
    ['http://2130706433:4799/hook', /loopback address \(127\.0\.0\.1\)/],
    ['http://0x7f000001:4799/hook', /loopback address \(127\.0\.0\.1\)/],
    ['http://[::ffff:127.0.0.1]:4799/hook', /loopback address \(\[::ffff:7f00:1\]\)/],
    ['http://localhost:4799/hook', /loopback address \(localhost\)/],
    ['http://[::]:4799/hook', /^must not target an unspecified address \(\[::\]\)$/],
    ['http://169.254.169.254/latest/meta-data/', /^must not target a link-local address \(169\.254\.169\.254\)$/],
    ['http://10.0.0.8/hook', /private address \(10\.0\.0\.8\)/],
    ['http://192.168.1.1/hook', /private address/],
    ['http://172.16.0.1/hook', /private address/],
  ]
  for (const [url, message] of refused) {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url, events: ['article.published'] } })
    t.equal(res.statusCode, 400, url)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(res.json().errors.length, 1)
    t.match(res.json().errors[0], { path: 'body.url', message }, url)
  }
  const hook = await createWebhook(testApp)
  for (const [url] of refused) {
    const res = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: auth(admin), payload: { url } })
    t.equal(res.statusCode, 400, `PATCH ${url}`)
  }
  const after = await app.inject({ url: `/v1/webhooks/${hook.id}`, headers: auth(admin) })
  t.match(after.json(), { url: HOOK_URL, version: 1 }, 'nothing was changed')
  const list = await app.inject({ url: '/v1/webhooks', headers: auth(admin) })
  t.equal(list.json().data.length, 1, 'nothing was stored')
})

t.test('WEBHOOK_ALLOW_PRIVATE=true allows loopback and private targets, never link-local ones', async (t) => {
  const { app, admin } = await makeApp(t, { WEBHOOK_ALLOW_PRIVATE: 'true' })
  const create = (url: string) => app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url, events: ['article.published'] } })
  for (const url of ['http://127.0.0.1:4799/hook', 'http://localhost:8080/', 'http://[::1]/x', 'http://10.0.0.8/hook', 'http://[fd00::8]/hook']) {
    t.equal((await create(url)).statusCode, 201, url)
  }
  for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'http://0.0.0.0:4799/', 'http://[::]:4799/', 'http://100.100.100.200/']) {
    const res = await create(url)
    t.equal(res.statusCode, 400, url)
    t.notMatch(res.json().errors[0].message, /WEBHOOK_ALLOW_PRIVATE/, 'no setting lifts this rule')
  }
})

t.test('PATCH changes url, events and active; versions grow', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin } = testApp
  const created = await createWebhook(testApp)
  const res = await app.inject({
    method: 'PATCH',
    url: `/v1/webhooks/${created.id}`,
    headers: auth(admin),
    payload: { url: 'http://other.example.test/hook', events: ['media.created', 'media.updated'], active: false },
  })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { id: created.id, url: 'http://other.example.test/hook', events: ['media.created', 'media.updated'], active: false, version: 2 })
  t.notOk('secret' in res.json())

  const same = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${created.id}`, headers: auth(admin), payload: { active: false } })
  t.equal(same.json().version, 2, 'a PATCH that changes nothing keeps the version')

  for (const [payload, path] of [
    [{ url: 'gopher://old.example.test/' }, 'body.url'],
    [{ events: [] }, 'body.events'],
    [{ secret: 'x' }, 'body.secret'],
    [{ active: 'yes' }, 'body.active'],
  ] as const) {
    const bad = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${created.id}`, headers: auth(admin), payload })
    t.equal(bad.statusCode, 400, JSON.stringify(payload))
    t.equal(bad.json().errors[0].path, path)
  }
  const after = await app.inject({ url: `/v1/webhooks/${created.id}`, headers: auth(admin) })
  t.equal(after.json().url, 'http://other.example.test/hook', 'a refused PATCH changed nothing')
  t.equal(after.json().version, 2)

  const missing = await app.inject({ method: 'PATCH', url: '/v1/webhooks/nosuchhook', headers: auth(admin), payload: { active: true } })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().type, 'urn:cms:problem:not-found')
})

t.test('DELETE answers 204, then 404', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin } = testApp
  const created = await createWebhook(testApp)
  const del = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${created.id}`, headers: auth(admin) })
  t.equal(del.statusCode, 204)
  t.equal(del.body, '')
  t.equal((await app.inject({ url: `/v1/webhooks/${created.id}`, headers: auth(admin) })).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${created.id}`, headers: auth(admin) })).statusCode, 404)
  t.equal((await app.inject({ url: `/v1/webhooks/${created.id}/deliveries`, headers: auth(admin) })).statusCode, 404)
})

t.test('rotating the secret shows the new one once and keeps the old one for a while', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin } = testApp
  const created = await createWebhook(testApp)
  const rotated = await app.inject({ method: 'POST', url: `/v1/webhooks/${created.id}/rotate-secret`, headers: auth(admin) })
  t.equal(rotated.statusCode, 200)
  const body = rotated.json()
  t.match(body.secret, /^whsec_/)
  t.not(body.secret, created.secret)
  t.equal(body.version, 2)
  const grace = Date.parse(body.previousSecretExpiresAt) - Date.now()
  t.ok(grace > 86_300_000 && grace <= 86_400_000, 'the old secret is honoured for a day by default')

  const read = await app.inject({ url: `/v1/webhooks/${created.id}`, headers: auth(admin) })
  t.notOk(read.body.includes(body.secret.slice(6)), 'GET does not show the new secret')
  t.notOk(read.body.includes(created.secret.slice(6)), 'nor the old one')
  t.equal(read.json().previousSecretExpiresAt, body.previousSecretExpiresAt)

  const now = await app.inject({
    method: 'POST',
    url: `/v1/webhooks/${created.id}/rotate-secret`,
    headers: auth(admin),
    payload: { graceSeconds: 0 },
  })
  t.equal(now.statusCode, 200)
  t.equal(now.json().previousSecretExpiresAt, null, 'graceSeconds 0 retires the old secret at once')

  for (const payload of [{ graceSeconds: -1 }, { graceSeconds: 604_801 }, { grace: 5 }, { graceSeconds: '60' }]) {
    const bad = await app.inject({ method: 'POST', url: `/v1/webhooks/${created.id}/rotate-secret`, headers: auth(admin), payload })
    t.equal(bad.statusCode, 400, JSON.stringify(payload))
  }
  const missing = await app.inject({ method: 'POST', url: '/v1/webhooks/nosuchhook/rotate-secret', headers: auth(admin) })
  t.equal(missing.statusCode, 404)
})

t.test('only admins: editors and moderators 403, anonymous and unknown keys 401', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor, moderator } = testApp
  const created = await createWebhook(testApp)
  const routes = [
    { method: 'POST', url: '/v1/webhooks', payload: { url: HOOK_URL, events: ['article.published'] } },
    { method: 'GET', url: '/v1/webhooks' },
    { method: 'GET', url: `/v1/webhooks/${created.id}` },
    { method: 'PATCH', url: `/v1/webhooks/${created.id}`, payload: { active: false } },
    { method: 'DELETE', url: `/v1/webhooks/${created.id}` },
    { method: 'POST', url: `/v1/webhooks/${created.id}/rotate-secret` },
    { method: 'GET', url: `/v1/webhooks/${created.id}/deliveries` },
    { method: 'POST', url: `/v1/webhooks/${created.id}/deliveries/evt_x/redeliver` },
  ] as const
  for (const route of routes) {
    for (const [who, headers, status] of [
      ['editor', auth(editor), 403],
      ['moderator', auth(moderator), 403],
      ['anonymous', {}, 401],
      ['unknown key', auth('cms_not-a-key'), 401],
    ] as const) {
      const res = await app.inject({ method: route.method, url: route.url, headers, ...('payload' in route ? { payload: route.payload } : {}) })
      t.equal(res.statusCode, status, `${who} ${route.method} ${route.url}`)
      if (status === 401) t.equal(res.headers['www-authenticate'], 'Bearer')
    }
  }
  const still = await app.inject({ url: `/v1/webhooks/${created.id}`, headers: auth(testApp.admin) })
  t.match(still.json(), { active: true, version: 1 }, 'nothing was changed by the refused calls')
})

t.test('lists page with limit and cursor, every webhook once', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin } = testApp
  const ids = new Set<string>()
  for (let i = 0; i < 5; i++) ids.add((await createWebhook(testApp, { url: `${HOOK_URL}/${i}` })).id)
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const res = await app.inject({ url: '/v1/webhooks', headers: auth(admin), query: { limit: '2', ...(cursor ? { cursor } : {}) } })
    t.equal(res.statusCode, 200)
    const page: { data: { id: string }[]; nextCursor: string | null } = res.json()
    t.ok(page.data.length <= 2)
    seen.push(...page.data.map((w) => w.id))
    cursor = page.nextCursor
  } while (cursor !== null)
  t.equal(seen.length, 5)
  t.same(new Set(seen), ids)

  const badQueries: Record<string, string>[] = [{ limit: '0' }, { limit: '101' }, { cursor: 'garbage' }, { limt: '2' }]
  for (const query of badQueries) {
    const res = await app.inject({ url: '/v1/webhooks', headers: auth(admin), query })
    t.equal(res.statusCode, 400, JSON.stringify(query))
  }
  const created = [...ids][0]
  const badCursor = await app.inject({ url: `/v1/webhooks/${created}/deliveries`, headers: auth(admin), query: { cursor: 'Zm9v' } })
  t.equal(badCursor.statusCode, 400)
})

t.test('redelivering an unknown event or for an unknown webhook is a 404', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin } = testApp
  const created = await createWebhook(testApp)
  const noEvent = await app.inject({ method: 'POST', url: `/v1/webhooks/${created.id}/deliveries/evt_nope/redeliver`, headers: auth(admin) })
  t.equal(noEvent.statusCode, 404)
  const noHook = await app.inject({ method: 'POST', url: '/v1/webhooks/nosuchhook/deliveries/evt_nope/redeliver', headers: auth(admin) })
  t.equal(noHook.statusCode, 404)
  t.match(noHook.json().detail, /webhook/)
})
