// Plain unit tests of the webhook building blocks: signing (checked against the independent
// `standardwebhooks` package), target URLs, the delivery body, and one HTTP attempt.
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import t from 'tap'
import { MAX_RESPONSE_BYTES, send } from '../src/webhooks/send.js'
import { newSecret, sign, signatureHeader } from '../src/webhooks/signature.js'
import { targetUrlProblem } from '../src/webhooks/target-url.js'
import { deliveryBody } from '../src/webhooks/worker.js'
import { startReceiver } from './webhooks-receiver.js'

t.test('signatures match the standardwebhooks package', async (t) => {
  const secret = newSecret()
  const id = 'evt_0123456789abcdef'
  const timestamp = Math.floor(Date.now() / 1000)
  const body = '{"id":"evt_0123456789abcdef","type":"article.published","data":{"title":"Zoë’s café – “quoted”"}}'
  const theirs = new StandardWebhook(secret).sign(id, new Date(timestamp * 1000), body)
  t.equal(signatureHeader([secret], id, timestamp, body), theirs)
  t.same(
    new StandardWebhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': theirs }),
    JSON.parse(body),
  )
  // The key is the base64-decoded bytes after whsec_, not the text of the secret.
  const textKeyed = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')
  t.not(sign(secret, id, timestamp, body), textKeyed)
})

t.test('two signatures verify with either secret, and with no other', async (t) => {
  const current = newSecret()
  const previous = newSecret()
  const id = 'evt_rotation'
  const timestamp = Math.floor(Date.now() / 1000)
  const body = '{"id":"evt_rotation"}'
  const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader([current, previous], id, timestamp, body) }
  t.match(headers['webhook-signature'], /^v1,\S+ v1,\S+$/)
  t.ok(new StandardWebhook(current).verify(body, headers))
  t.ok(new StandardWebhook(previous).verify(body, headers))
  t.throws(() => new StandardWebhook(newSecret()).verify(body, headers))
  t.throws(() => new StandardWebhook(current).verify(body, { ...headers, 'webhook-timestamp': String(timestamp + 1) }))
  t.throws(() => new StandardWebhook(current).verify(body, { ...headers, 'webhook-id': 'evt_other' }))
})

t.test('secrets are whsec_ and 32 random bytes', async (t) => {
  const secrets = new Set(Array.from({ length: 50 }, () => newSecret()))
  t.equal(secrets.size, 50)
  for (const secret of secrets) {
    t.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
    t.equal(Buffer.from(secret.slice(6), 'base64').length, 32)
  }
})

t.test('target URLs: absolute http(s) without credentials', async (t) => {
  for (const ok of ['http://127.0.0.1:8080/hook', 'https://hooks.example.test/a?b=c', 'HTTPS://Hooks.Example.Test/', 'http://[::1]:3000/x']) {
    t.equal(targetUrlProblem(ok), null, ok)
  }
  for (const [bad, message] of [
    ['ftp://example.test/', 'must use http or https'],
    ['data:text/plain,hello', 'must use http or https'],
    ['ws://example.test/socket', 'must use http or https'],
    ['example.test/hook', 'must be an absolute http or https URL'],
    ['http://', 'must be an absolute http or https URL'],
    ['https://:secret@example.test/', 'must not contain a user name or password'],
  ] as const) {
    t.equal(targetUrlProblem(bad), message, bad)
  }
})

t.test('the body embeds the stored data as it is', async (t) => {
  const data = '{"title":"A \\"quoted\\" headline","tags":["x"],"n":1.5}'
  const body = deliveryBody({ eventId: 'evt_1', eventType: 'article.updated', eventCreatedAt: '2026-01-09T10:00:00.000Z', eventData: data })
  t.same(JSON.parse(body), { id: 'evt_1', type: 'article.updated', createdAt: '2026-01-09T10:00:00.000Z', data: JSON.parse(data) })
  t.ok(body.endsWith(`"data":${data}}`))
})

t.test('send: statuses, redirects, refused connections, timeouts, and a bounded read', async (t) => {
  const receiver = await startReceiver(t, (request) => {
    if (request.path === '/gone') return { status: 410 }
    if (request.path === '/moved') return { status: 301, headers: { location: '/ok' } }
    if (request.path === '/hang') return { hang: true }
    if (request.path === '/endless') return { endlessBody: true }
    return { status: 200, body: 'thanks' }
  })
  const base = receiver.url.replace(/\/hook$/, '')
  const attempt = (path: string, timeoutMs = 2000) => send({ url: `${base}${path}`, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs })

  t.match(await attempt('/ok'), { stopped: false, statusCode: 200, error: null })
  t.match(await attempt('/gone'), { statusCode: 410, error: 'answered 410' })
  t.match(await attempt('/moved'), { statusCode: 301, error: 'answered 301: redirects are not followed' })
  t.equal(receiver.received.filter((r) => r.path === '/ok').length, 1, 'the redirect was not followed')

  const timedOut = await attempt('/hang', 200)
  t.match(timedOut, { statusCode: null, error: 'timed out after 200 ms' })

  const endless = await attempt('/endless', 5000)
  t.match(endless, { statusCode: 200, error: null }, `at most ${MAX_RESPONSE_BYTES} bytes read, then the body is dropped`)

  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const { port } = closed.address() as AddressInfo
  await new Promise((resolve) => closed.close(resolve))
  const refused = await send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 2000 })
  t.match(refused, { statusCode: null, error: /ECONNREFUSED/ })

  // fetch refuses ports of other protocols (SMTP, IRC...): a failed attempt, not a crash.
  t.match(await send({ url: 'http://127.0.0.1:25/', headers: {}, body: '{}', timeoutMs: 2000 }), { statusCode: null, error: /bad port/ })

  const stop = new AbortController()
  const stopping = send({ url: `${base}/hang`, headers: {}, body: '{}', timeoutMs: 10_000, stop: stop.signal })
  await receiver.waitFor(receiver.received.length + 1)
  stop.abort(new Error('stopping'))
  t.same(await stopping, { stopped: true }, 'a shutdown abort is not an attempt')
})
