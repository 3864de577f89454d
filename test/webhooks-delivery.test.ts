// The delivery worker against a real HTTP receiver: signatures checked by the independent
// `standardwebhooks` package, retries, timeouts, order, isolation, restarts and rollbacks. The
// receiver listens on 127.0.0.1, so these apps allow private targets (WEBHOOK_ALLOW_PRIVATE),
// except the one that checks that loopback is refused without it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { createOutbox } from '../src/webhooks/outbox.js'
import { createWebhooksRepository } from '../src/webhooks/repository.js'
import { auth, createArticle, makeApp, testConfig, type TestApp } from './helpers.js'
import { type Received, startReceiver, until } from './webhooks-receiver.js'

const FAST = { WEBHOOK_POLL_MS: '10', WEBHOOK_RETRY_SCHEDULE: '0,0,0', WEBHOOK_TIMEOUT_MS: '2000', SCHEDULER_INTERVAL_MS: '50', WEBHOOK_ALLOW_PRIVATE: 'true' }

async function subscribe({ app, admin }: Pick<TestApp, 'app' | 'admin'>, url: string, events: string[] = ['article.published']) {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url, events } })
  if (res.statusCode !== 201) throw new Error(`subscribe: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string; secret: string }
}

async function attempts({ app, admin }: Pick<TestApp, 'app' | 'admin'>, webhookId: string, query: Record<string, string> = {}) {
  const res = await app.inject({ url: `/v1/webhooks/${webhookId}/deliveries`, headers: auth(admin), query })
  if (res.statusCode !== 200) throw new Error(`attempts: ${res.statusCode} ${res.body}`)
  return res.json().data as any[]
}

/** Waits until the log holds `count` attempts (the log is written just after the receiver answers). */
function logged(testApp: Pick<TestApp, 'app' | 'admin'>, webhookId: string, count: number) {
  return until(async () => {
    const log = await attempts(testApp, webhookId)
    return log.length >= count ? log : undefined
  })
}

function verify(secret: string, request: Received): any {
  return new StandardWebhook(secret).verify(request.body, request.headers as Record<string, string>)
}

function count(testApp: TestApp, table: string): number {
  return (testApp.app.db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
}

t.test('a delivery is signed the Standard Webhooks way and logged', async (t) => {
  const testApp = await makeApp(t, FAST)
  const receiver = await startReceiver(t)
  const hook = await subscribe(testApp, receiver.url)
  const article = await createArticle(testApp, { title: 'Harbour bridge reopens' }, { published: true })
  const [request] = await receiver.waitFor(1)
  t.equal(request!.path, '/hook')
  t.equal(request!.headers['content-type'], 'application/json')
  t.match(request!.headers['webhook-id'], /^evt_/)
  t.match(request!.headers['webhook-timestamp'], /^\d+$/)
  t.ok(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000) < 10, 'the timestamp is now')
  t.match(request!.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/)

  const payload = verify(hook.secret, request!)
  t.same(Object.keys(payload), ['id', 'type', 'createdAt', 'data'])
  t.equal(payload.id, request!.headers['webhook-id'])
  t.equal(payload.type, 'article.published')
  t.match(payload.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.match(payload.data, { id: article.id, title: 'Harbour bridge reopens', status: 'published' })

  const other = await subscribe(testApp, 'http://127.0.0.1:9/unused')
  t.throws(() => verify(other.secret, request!), 'another secret does not verify it')
  t.throws(
    () => new StandardWebhook(hook.secret).verify(request!.body.replace('Harbour', 'Harbor'), request!.headers as Record<string, string>),
    'a changed body does not verify',
  )

  const [entry] = await logged(testApp, hook.id, 1)
  t.match(entry, { eventId: payload.id, eventType: 'article.published', attempt: 1, statusCode: 200, succeeded: true, error: null, retryAt: null })
  t.ok(entry.durationMs >= 0 && entry.durationMs < 2000)
  t.ok(Date.parse(entry.attemptedAt) <= Date.now())
})

t.test('retries carry the same webhook-id until a 2xx answer', async (t) => {
  const testApp = await makeApp(t, FAST)
  const statuses = [500, 503, 200]
  const receiver = await startReceiver(t, (_request, i) => ({ status: statuses[i] ?? 200 }))
  const hook = await subscribe(testApp, receiver.url)
  await createArticle(testApp, {}, { published: true })
  const requests = await receiver.waitFor(3)
  const ids = new Set(requests.map((r) => r.headers['webhook-id']))
  t.equal(ids.size, 1, 'one webhook-id on every attempt')
  t.equal(new Set(requests.map((r) => r.body)).size, 1, 'the same body on every attempt')
  for (const request of requests) t.ok(verify(hook.secret, request), 'each attempt is signed')

  const log = await logged(testApp, hook.id, 3)
  t.same(
    log.map((a) => [a.attempt, a.statusCode, a.succeeded, a.error]),
    [
      [3, 200, true, null],
      [2, 503, false, 'answered 503'],
      [1, 500, false, 'answered 500'],
    ],
    'newest first',
  )
  t.type(log[2].retryAt, 'string', 'a failed attempt names its retry')
  t.equal(log[0].retryAt, null)
  t.equal(receiver.received.length, 3, 'nothing after the 2xx')
})

t.test('after the last retry the delivery fails and the queue moves on', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_RETRY_SCHEDULE: '0,0' })
  const receiver = await startReceiver(t, (request) => ({ status: request.body.includes('Doomed') ? 500 : 204 }))
  const hook = await subscribe(testApp, receiver.url)
  await createArticle(testApp, { title: 'Doomed story' }, { published: true })
  await logged(testApp, hook.id, 3)
  await createArticle(testApp, { title: 'Next story' }, { published: true })
  const requests = await receiver.waitFor(4)
  t.same(
    requests.map((r) => JSON.parse(r.body).data.title),
    ['Doomed story', 'Doomed story', 'Doomed story', 'Next story'],
    'three attempts (one and two retries), then the next event',
  )
  const log = await logged(testApp, hook.id, 4)
  t.match(log[1], { attempt: 3, statusCode: 500, succeeded: false, retryAt: null })
  const status = testApp.app.db.$client.prepare('SELECT status FROM webhook_deliveries ORDER BY seq').pluck().all()
  t.same(status, ['failed', 'succeeded'])
})

t.test('a receiver that does not answer in time is a failed attempt, then retried', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_TIMEOUT_MS: '300' })
  const receiver = await startReceiver(t, (_request, i) => (i === 0 ? { hang: true } : { status: 200 }))
  const hook = await subscribe(testApp, receiver.url)
  await createArticle(testApp, {}, { published: true })
  const requests = await receiver.waitFor(2)
  t.equal(requests[0]!.headers['webhook-id'], requests[1]!.headers['webhook-id'])
  const log = await logged(testApp, hook.id, 2)
  t.match(log[1], { attempt: 1, statusCode: null, succeeded: false, error: 'timed out after 300 ms' })
  t.ok(log[1].durationMs >= 280 && log[1].durationMs < 2500, `gave up after about 300 ms (${log[1].durationMs})`)
  t.match(log[0], { attempt: 2, statusCode: 200, succeeded: true })
})

t.test('redirects are not followed: a 3xx is a failed attempt', async (t) => {
  const testApp = await makeApp(t, FAST)
  const elsewhere = await startReceiver(t)
  const receiver = await startReceiver(t, (_request, i) => (i === 0 ? { status: 307, headers: { location: elsewhere.url } } : { status: 200 }))
  const hook = await subscribe(testApp, receiver.url)
  await createArticle(testApp, {}, { published: true })
  await receiver.waitFor(2)
  const log = await logged(testApp, hook.id, 2)
  t.match(log[1], { statusCode: 307, succeeded: false, error: 'answered 307: redirects are not followed' })
  t.equal(elsewhere.received.length, 0, 'the redirect target got nothing')
})

t.test('without WEBHOOK_ALLOW_PRIVATE a loopback receiver is refused at create and at delivery', async (t) => {
  const { WEBHOOK_ALLOW_PRIVATE: _allowed, ...strict } = FAST
  const testApp = await makeApp(t, { ...strict, WEBHOOK_RETRY_SCHEDULE: '0' })
  const receiver = await startReceiver(t)
  const created = await testApp.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: auth(testApp.admin),
    payload: { url: receiver.url, events: ['article.published'] },
  })
  t.equal(created.statusCode, 400)
  t.match(created.json().errors, [{ path: 'body.url', message: /loopback address/ }])

  // A webhook stored before the rule existed (or while the setting was on) is refused when sent.
  const hook = createWebhooksRepository(testApp.app.db).create({ url: receiver.url, events: ['article.published'] })
  await createArticle(testApp, {}, { published: true })
  const log = await logged(testApp, hook.id, 2)
  for (const entry of log) t.match(entry, { statusCode: null, succeeded: false, error: 'refused: address not allowed' })
  t.equal(receiver.received.length, 0, 'the receiver got nothing')
})

t.test('a connection that fails is logged as "connection failed", without the errno, address or port', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_RETRY_SCHEDULE: '3600' })
  const closed = await startReceiver(t)
  await closed.close()
  const hook = await subscribe(testApp, closed.url)
  await createArticle(testApp, {}, { published: true })
  const [entry] = await logged(testApp, hook.id, 1)
  t.match(entry, { statusCode: null, succeeded: false, error: 'connection failed' })
  const port = new URL(closed.url).port
  const shown = (await testApp.app.inject({ url: `/v1/webhooks/${hook.id}/deliveries`, headers: auth(testApp.admin) })).body
  t.notMatch(shown, new RegExp(`ECONNREFUSED|connect |:${port}\\b|127\\.0\\.0\\.1`), 'the delivery log cannot be used to probe ports')
})

t.test('only a few KiB of an answer are read', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_TIMEOUT_MS: '5000' })
  const receiver = await startReceiver(t, () => ({ endlessBody: true }))
  const hook = await subscribe(testApp, receiver.url)
  await createArticle(testApp, {}, { published: true })
  const [entry] = await logged(testApp, hook.id, 1)
  // Reading an endless body to its end would run into the timeout instead.
  t.match(entry, { statusCode: 200, succeeded: true, error: null })
  t.ok(entry.durationMs < 4000, `done in ${entry.durationMs} ms`)
  t.equal(receiver.received.length, 1)
})

t.test('one endpoint receives its events in order, even while one is being retried', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_RETRY_SCHEDULE: '1' })
  const receiver = await startReceiver(t, (_request, i) => ({ status: i === 0 ? 500 : 200 }))
  await subscribe(testApp, receiver.url)
  const titles = ['First', 'Second', 'Third', 'Fourth', 'Fifth']
  await createArticle(testApp, { title: titles[0] }, { published: true })
  await receiver.waitFor(1)
  // The first event now waits a second for its retry; the others must wait behind it.
  for (const title of titles.slice(1)) await createArticle(testApp, { title }, { published: true })
  const requests = await receiver.waitFor(6)
  t.same(
    requests.map((r) => JSON.parse(r.body).data.title),
    ['First', 'First', 'Second', 'Third', 'Fourth', 'Fifth'],
  )
  t.ok(requests[1]!.at - requests[0]!.at >= 900, 'the retry came after its delay')
})

t.test('a failing endpoint does not delay another', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_TIMEOUT_MS: '20000' })
  const stuck = await startReceiver(t, () => ({ hang: true }))
  const healthy = await startReceiver(t)
  const slow = await subscribe(testApp, stuck.url)
  const good = await subscribe(testApp, healthy.url)
  await createArticle(testApp, { title: 'One' }, { published: true })
  await createArticle(testApp, { title: 'Two' }, { published: true })
  const requests = await healthy.waitFor(2, 10_000)
  t.same(requests.map((r) => JSON.parse(r.body).data.title), ['One', 'Two'])
  await logged(testApp, good.id, 2)
  t.equal(stuck.received.length, 1, 'the stuck endpoint holds its first event, the second waits behind it')
  t.same(await attempts(testApp, slow.id), [], 'and its first attempt is still in flight')
})

t.test('pending retries survive a restart, with the same webhook-id', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-webhooks-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ ...FAST, DATABASE_PATH: join(dir, 'cms.sqlite'), WEBHOOK_RETRY_SCHEDULE: '1,1' })
  const db = openDatabase(config.databasePath)
  const keys = createKeysRepository(db)
  const admin = keys.create('admin', 'admin').token
  const editor = keys.create('editor', 'editor').token
  const receiver = await startReceiver(t, (_request, i) => ({ status: i === 0 ? 500 : 200 }))

  const first = await buildApp(config, { db })
  t.teardown(() => first.close())
  await first.ready()
  const hook = await subscribe({ app: first, admin }, receiver.url)
  await createArticle({ app: first, editor } as TestApp, { title: 'Before the restart' }, { published: true })
  await receiver.waitFor(1)
  await logged({ app: first, admin }, hook.id, 1)
  await first.close()

  const second = await buildApp(config)
  t.teardown(() => second.close())
  await second.ready()
  const requests = await receiver.waitFor(2)
  t.equal(requests[1]!.headers['webhook-id'], requests[0]!.headers['webhook-id'])
  t.ok(verify(hook.secret, requests[1]!))
  const log = await logged({ app: second, admin }, hook.id, 2)
  t.same(log.map((a) => [a.attempt, a.statusCode]), [[2, 200], [1, 500]])
})

t.test('an attempt in flight at shutdown is aborted quickly and sent again at the next start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-webhooks-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ ...FAST, DATABASE_PATH: join(dir, 'cms.sqlite'), WEBHOOK_TIMEOUT_MS: '30000' })
  const db = openDatabase(config.databasePath)
  const keys = createKeysRepository(db)
  const admin = keys.create('admin', 'admin').token
  const editor = keys.create('editor', 'editor').token
  const receiver = await startReceiver(t, (_request, i) => (i === 0 ? { hang: true } : { status: 200 }))

  const first = await buildApp(config, { db })
  t.teardown(() => first.close())
  await first.ready()
  const hook = await subscribe({ app: first, admin }, receiver.url)
  await createArticle({ app: first, editor } as TestApp, {}, { published: true })
  await receiver.waitFor(1)
  const closing = performance.now()
  await first.close()
  t.ok(performance.now() - closing < 5000, 'close did not wait for the 30 s timeout')

  const second = await buildApp(config)
  t.teardown(() => second.close())
  await second.ready()
  const requests = await receiver.waitFor(2)
  t.equal(requests[1]!.headers['webhook-id'], requests[0]!.headers['webhook-id'])
  const log = await logged({ app: second, admin }, hook.id, 1)
  t.same(log.map((a) => [a.attempt, a.statusCode]), [[1, 200]], 'the aborted attempt is not counted')
})

t.test('a change that rolled back sends nothing', async (t) => {
  const testApp = await makeApp(t, FAST)
  const { app, editor } = testApp
  const receiver = await startReceiver(t)
  await subscribe(testApp, receiver.url, ['article.published', 'article.updated'])
  const article = await createArticle(testApp, { title: 'Published once' }, { published: true })
  await receiver.waitFor(1)

  // An update that fails inside the repository's transaction (a lead media that does not exist).
  const failed = await app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}`,
    headers: auth(editor),
    payload: { title: 'Never saved', leadMediaId: 'nosuchmedia' },
  })
  t.equal(failed.statusCode, 400)

  // A transaction that records an event and then throws.
  const recordEvent = createOutbox(app.db)
  t.throws(() =>
    app.db.$client.transaction(() => {
      recordEvent('article.updated', { id: article.id, title: 'Rolled back' })
      throw new Error('something after the event failed')
    })(),
  )
  t.equal(count(testApp, 'webhook_events'), 1, 'only the committed event is stored')
  t.equal(count(testApp, 'webhook_deliveries'), 1)

  // A committed change after both: it arrives, and nothing arrived before it.
  await app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, headers: auth(editor), payload: { subtitle: 'Committed' } })
  const requests = await receiver.waitFor(2)
  t.same(
    requests.map((r) => [JSON.parse(r.body).type, JSON.parse(r.body).data.title]),
    [
      ['article.published', 'Published once'],
      ['article.updated', 'Published once'],
    ],
  )
  t.notOk(requests.some((r) => r.body.includes('Never saved') || r.body.includes('Rolled back')))
})

t.test('a scheduled article going live sends article.published', async (t) => {
  const testApp = await makeApp(t, FAST)
  const { app, editor } = testApp
  const receiver = await startReceiver(t)
  const hook = await subscribe(testApp, receiver.url)
  const article = await createArticle(testApp, { title: 'Embargoed until noon' })
  const at = new Date(Date.now() + 300).toISOString()
  const scheduled = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/publish`, headers: auth(editor), payload: { at } })
  t.equal(scheduled.json().status, 'scheduled')
  t.equal(receiver.received.length, 0, 'scheduling is not publishing')
  const [request] = await receiver.waitFor(1)
  const payload = verify(hook.secret, request!)
  t.equal(payload.type, 'article.published')
  t.match(payload.data, { id: article.id, status: 'published', publishedAt: at })
})

t.test('a webhook gets only the events it subscribed to, in order', async (t) => {
  const testApp = await makeApp(t, FAST)
  const { app, editor } = testApp
  const receiver = await startReceiver(t)
  await subscribe(testApp, receiver.url, ['article.unpublished', 'article.deleted'])
  const article = await createArticle(testApp, {}, { published: true })
  await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/unpublish`, headers: auth(editor) })
  await app.inject({ method: 'DELETE', url: `/v1/articles/${article.id}`, headers: auth(editor) })
  const requests = await receiver.waitFor(2)
  t.same(
    requests.map((r) => [JSON.parse(r.body).type, JSON.parse(r.body).data.id]),
    [
      ['article.unpublished', article.id],
      ['article.deleted', article.id],
    ],
  )
})

t.test('after a rotation deliveries verify with the new secret, and with the old one during the grace period', async (t) => {
  const testApp = await makeApp(t, FAST)
  const { app, admin } = testApp
  const receiver = await startReceiver(t)
  const hook = await subscribe(testApp, receiver.url)
  const rotated = (await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, headers: auth(admin) })).json()
  await createArticle(testApp, {}, { published: true })
  const [first] = await receiver.waitFor(1)
  t.equal(first!.headers['webhook-signature']!.toString().split(' ').length, 2, 'two signatures during the grace period')
  t.ok(verify(rotated.secret, first!), 'the new secret verifies')
  t.ok(verify(hook.secret, first!), 'so does the old one, for now')

  const retired = (
    await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, headers: auth(admin), payload: { graceSeconds: 0 } })
  ).json()
  await createArticle(testApp, {}, { published: true })
  const [, second] = await receiver.waitFor(2)
  t.equal(second!.headers['webhook-signature']!.toString().split(' ').length, 1)
  t.ok(verify(retired.secret, second!))
  t.throws(() => verify(rotated.secret, second!), 'the retired secret no longer verifies')
  t.throws(() => verify(hook.secret, second!), 'nor the first one')
})

t.test('redelivering an event sends it again with the same webhook-id', async (t) => {
  const testApp = await makeApp(t, FAST)
  const { app, admin } = testApp
  const receiver = await startReceiver(t)
  const hook = await subscribe(testApp, receiver.url)
  const other = await subscribe(testApp, 'http://127.0.0.1:9/unused', ['media.created'])
  await createArticle(testApp, {}, { published: true })
  const [first] = await receiver.waitFor(1)
  const eventId = first!.headers['webhook-id'] as string
  await logged(testApp, hook.id, 1)

  const res = await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${eventId}/redeliver`, headers: auth(admin) })
  t.equal(res.statusCode, 202)
  t.match(res.json(), { eventId, eventType: 'article.published', status: 'pending', attempts: 0 })
  const [, again] = await receiver.waitFor(2)
  t.equal(again!.headers['webhook-id'], eventId)
  t.equal(again!.body, first!.body)
  t.ok(verify(hook.secret, again!))
  const log = await logged(testApp, hook.id, 2)
  t.same(log.map((a) => [a.eventId, a.attempt, a.statusCode]), [[eventId, 1, 200], [eventId, 1, 200]])
  t.equal((await attempts(testApp, hook.id, { eventId })).length, 2, 'the log filters by event')
  t.equal((await attempts(testApp, hook.id, { eventId: 'evt_other' })).length, 0)

  const notTheirs = await app.inject({ method: 'POST', url: `/v1/webhooks/${other.id}/deliveries/${eventId}/redeliver`, headers: auth(admin) })
  t.equal(notTheirs.statusCode, 404, 'an event never meant for that webhook')
})

t.test('redelivering an event that waits for a retry makes it due now', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_RETRY_SCHEDULE: '3600' })
  const { app, admin } = testApp
  const receiver = await startReceiver(t, (_request, i) => ({ status: i === 0 ? 502 : 200 }))
  const hook = await subscribe(testApp, receiver.url)
  await createArticle(testApp, {}, { published: true })
  const [first] = await receiver.waitFor(1)
  const [failed] = await logged(testApp, hook.id, 1)
  t.ok(Date.parse(failed.retryAt) - Date.now() > 3_500_000, 'the retry is an hour away')
  const eventId = first!.headers['webhook-id'] as string
  const res = await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${eventId}/redeliver`, headers: auth(admin) })
  t.equal(res.statusCode, 202)
  t.match(res.json(), { eventId, status: 'pending', attempts: 1 })
  const [, retried] = await receiver.waitFor(2, 2000)
  t.equal(retried!.headers['webhook-id'], eventId)
  t.equal(count(testApp, 'webhook_deliveries'), 1, 'no second delivery of the same event')
})

t.test('a paused webhook gets no new events; its pending deliveries wait for it', async (t) => {
  const testApp = await makeApp(t, FAST)
  const { app, admin } = testApp
  const receiver = await startReceiver(t)
  const witness = await startReceiver(t)
  const paused = await subscribe(testApp, receiver.url)
  const active = await subscribe(testApp, witness.url)
  await createArticle(testApp, { title: 'Before the pause' }, { published: true })
  const [first] = await receiver.waitFor(1)
  await witness.waitFor(1)
  await logged(testApp, paused.id, 1)
  const witnessEvent = witness.received[0]!.headers['webhook-id'] as string

  const patch = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${paused.id}`, headers: auth(admin), payload: { active: false } })
  t.equal(patch.json().active, false)
  await createArticle(testApp, { title: 'During the pause' }, { published: true })
  const eventId = first!.headers['webhook-id'] as string
  const redeliver = await app.inject({ method: 'POST', url: `/v1/webhooks/${paused.id}/deliveries/${eventId}/redeliver`, headers: auth(admin) })
  t.equal(redeliver.statusCode, 202)
  // The witness's deliveries are due no earlier than the paused one: once two more arrive,
  // the worker has passed the paused webhook's due delivery by more than once.
  await app.inject({ method: 'POST', url: `/v1/webhooks/${active.id}/deliveries/${witnessEvent}/redeliver`, headers: auth(admin) })
  await witness.waitFor(3)
  t.equal(receiver.received.length, 1, 'nothing was sent while paused')

  await app.inject({ method: 'PATCH', url: `/v1/webhooks/${paused.id}`, headers: auth(admin), payload: { active: true } })
  const [, resumed] = await receiver.waitFor(2)
  t.equal(resumed!.headers['webhook-id'], eventId, 'the held redelivery goes out on resume')
  await createArticle(testApp, { title: 'After the pause' }, { published: true })
  const requests = await receiver.waitFor(3)
  t.same(
    requests.map((r) => JSON.parse(r.body).data.title),
    ['Before the pause', 'Before the pause', 'After the pause'],
    'the event from the pause was never queued for it',
  )
})

t.test('deleting a webhook drops its pending deliveries', async (t) => {
  const testApp = await makeApp(t, { ...FAST, WEBHOOK_RETRY_SCHEDULE: '3600' })
  const { app, admin } = testApp
  const receiver = await startReceiver(t, () => ({ status: 500 }))
  const hook = await subscribe(testApp, receiver.url)
  await createArticle(testApp, {}, { published: true })
  await logged(testApp, hook.id, 1)
  t.equal(count(testApp, 'webhook_deliveries'), 1)
  const del = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: auth(admin) })
  t.equal(del.statusCode, 204)
  t.equal(count(testApp, 'webhook_deliveries'), 0)
  t.equal(count(testApp, 'webhook_attempts'), 0)
})
