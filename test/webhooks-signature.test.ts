// Plain unit tests of the webhook building blocks: signing (checked against the independent
// `standardwebhooks` package), target URLs and the address policy, the delivery body, and one
// HTTP attempt (with a resolver of the test's own playing DNS).
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import t from 'tap'
import { refusingRule } from '../src/webhooks/address-policy.js'
import { FAILURE, MAX_RESPONSE_BYTES, type Resolve, send } from '../src/webhooks/send.js'
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
  for (const ok of ['https://hooks.example.test/a?b=c', 'HTTPS://Hooks.Example.Test/', 'http://93.184.215.14:8080/hook', 'http://[2606:4700::1111]/x']) {
    t.equal(targetUrlProblem(ok, false), null, ok)
  }
  for (const [bad, message] of [
    ['ftp://example.test/', 'must use http or https'],
    ['data:text/plain,hello', 'must use http or https'],
    ['ws://example.test/socket', 'must use http or https'],
    ['example.test/hook', 'must be an absolute http or https URL'],
    ['http://', 'must be an absolute http or https URL'],
    ['https://:secret@example.test/', 'must not contain a user name or password'],
  ] as const) {
    t.equal(targetUrlProblem(bad, false), message, bad)
  }
})

t.test('target URLs: every spelling of loopback, and link-local, private and reserved addresses', async (t) => {
  const unless = ' unless WEBHOOK_ALLOW_PRIVATE=true'
  // [url, refused by default with, refused even with WEBHOOK_ALLOW_PRIVATE=true with (or null)]
  const cases: [string, string, string | null][] = [
    ['http://127.0.0.1:4799/', `must not target a loopback address (127.0.0.1)${unless}`, null],
    ['http://127.1:4799/', `must not target a loopback address (127.0.0.1)${unless}`, null],
    ['http://2130706433:4799/', `must not target a loopback address (127.0.0.1)${unless}`, null],
    ['http://0x7f000001:4799/', `must not target a loopback address (127.0.0.1)${unless}`, null],
    ['http://017700000001/', `must not target a loopback address (127.0.0.1)${unless}`, null],
    ['http://127.255.3.4/', `must not target a loopback address (127.255.3.4)${unless}`, null],
    ['http://[::1]:3000/x', `must not target a loopback address ([::1])${unless}`, null],
    ['http://[::ffff:127.0.0.1]:4799/', `must not target a loopback address ([::ffff:7f00:1])${unless}`, null],
    ['http://localhost:4799/', `must not target a loopback address (localhost)${unless}`, null],
    ['http://api.localhost./', `must not target a loopback address (api.localhost.)${unless}`, null],
    ['http://10.1.2.3/', `must not target a private address (10.1.2.3)${unless}`, null],
    ['http://172.31.255.1/', `must not target a private address (172.31.255.1)${unless}`, null],
    ['http://192.168.0.10/', `must not target a private address (192.168.0.10)${unless}`, null],
    ['http://100.64.0.7/', `must not target a private address (100.64.0.7)${unless}`, null],
    ['http://[fd12:3456::1]/', `must not target a private address ([fd12:3456::1])${unless}`, null],
    ['http://[::ffff:10.0.0.1]/', `must not target a private address ([::ffff:a00:1])${unless}`, null],
    ['http://[::]:4799/', 'must not target an unspecified address ([::])', 'must not target an unspecified address ([::])'],
    ['http://0/', 'must not target an unspecified address (0.0.0.0)', 'must not target an unspecified address (0.0.0.0)'],
    ['http://169.254.169.254/latest/meta-data/', 'must not target a link-local address (169.254.169.254)', 'must not target a link-local address (169.254.169.254)'],
    ['http://[::ffff:169.254.169.254]/', 'must not target a link-local address ([::ffff:a9fe:a9fe])', 'must not target a link-local address ([::ffff:a9fe:a9fe])'],
    ['http://[fe80::1]/', 'must not target a link-local address ([fe80::1])', 'must not target a link-local address ([fe80::1])'],
    ['http://100.100.100.200/', 'must not target a cloud metadata address (100.100.100.200)', 'must not target a cloud metadata address (100.100.100.200)'],
    ['http://[fd00:ec2::254]/', 'must not target a cloud metadata address ([fd00:ec2::254])', 'must not target a cloud metadata address ([fd00:ec2::254])'],
    ['http://224.0.0.1/', 'must not target a multicast or broadcast address (224.0.0.1)', 'must not target a multicast or broadcast address (224.0.0.1)'],
    ['http://255.255.255.255/', 'must not target a multicast or broadcast address (255.255.255.255)', 'must not target a multicast or broadcast address (255.255.255.255)'],
    ['http://240.0.0.1/', 'must not target a reserved address (240.0.0.1)', 'must not target a reserved address (240.0.0.1)'],
  ]
  for (const [url, refused, refusedAnyway] of cases) {
    t.equal(targetUrlProblem(url, false), refused, url)
    t.equal(targetUrlProblem(url, true), refusedAnyway, `${url} with WEBHOOK_ALLOW_PRIVATE=true`)
  }
})

t.test('the address policy: embedded IPv4 is judged as IPv4, public addresses pass', async (t) => {
  const rule = (address: string, allowPrivate = false) => refusingRule(address, allowPrivate)?.name ?? null
  for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '172.32.0.1', '100.128.0.1']) {
    t.equal(rule(address), null, address)
  }
  t.equal(rule('::ffff:127.0.0.1'), 'a loopback address')
  t.equal(rule('64:ff9b::7f00:1'), 'a loopback address', 'NAT64 of 127.0.0.1')
  t.equal(rule('2002:a9fe:a9fe::1', true), 'a link-local address', '6to4 of 169.254.169.254')
  t.equal(rule('::7f00:1', true), 'a reserved address', 'the deprecated IPv4-compatible form')
  t.equal(rule('::1', true), null, 'loopback with WEBHOOK_ALLOW_PRIVATE=true')
  t.equal(rule('::', true), 'an unspecified address')
  t.equal(rule('ff02::1', true), 'a multicast or broadcast address')
  t.equal(rule('not-an-address', true), 'not an IP address')
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
  const attempt = (path: string, timeoutMs = 2000) =>
    send({ url: `${base}${path}`, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs, allowPrivate: true })

  t.match(await attempt('/ok'), { stopped: false, statusCode: 200, error: null })
  t.match(receiver.received.at(-1), { path: '/ok', body: '{}', headers: { 'content-type': 'application/json', 'content-length': '2' } })
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
  const refused = await send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: true })
  t.match(refused, { statusCode: null, error: FAILURE.connection, cause: 'ECONNREFUSED' }, 'the code is for the operator log only')
  t.notMatch(JSON.stringify({ ...refused, cause: undefined }), new RegExp(`ECONNREFUSED|${port}|127\\.0\\.0\\.1`), 'no errno, address or port for the delivery log')

  // The ports fetch refuses (SMTP, IRC...): a failed attempt, not a crash, and no connection.
  t.match(await send({ url: 'http://127.0.0.1:25/', headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: true }), { statusCode: null, error: FAILURE.badPort })

  const stop = new AbortController()
  const stopping = send({ url: `${base}/hang`, headers: {}, body: '{}', timeoutMs: 10_000, allowPrivate: true, stop: stop.signal })
  await receiver.waitFor(receiver.received.length + 1)
  stop.abort(new Error('stopping'))
  t.same(await stopping, { stopped: true }, 'a shutdown abort is not an attempt')
})

t.test('send: loopback is refused before connecting unless WEBHOOK_ALLOW_PRIVATE=true', async (t) => {
  const receiver = await startReceiver(t)
  const port = new URL(receiver.url).port
  for (const url of [receiver.url, `http://127.1:${port}/hook`, `http://2130706433:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]) {
    const result = await send({ url, headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: false })
    t.match(result, { stopped: false, statusCode: null, error: FAILURE.refused, cause: /^a loopback address: / }, url)
  }
  const metadata = await send({ url: 'http://169.254.169.254/latest/meta-data/', headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: true })
  t.match(metadata, { statusCode: null, error: FAILURE.refused }, 'link-local is refused even when private addresses are allowed')
  t.equal(receiver.received.length, 0, 'nothing reached the receiver')
  t.match(await send({ url: receiver.url, headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: true }), { statusCode: 200, error: null })
})

t.test('send: a name is checked after DNS, at every attempt (DNS rebinding)', async (t) => {
  const receiver = await startReceiver(t)
  const port = new URL(receiver.url).port
  // A resolver of the test's own: the name answered with a public address when the webhook was
  // made; now it answers with these.
  const dns: Record<string, string[]> = {
    'rebind.example.test': ['127.0.0.1'],
    'mixed.example.test': ['93.184.215.14', '127.0.0.1'],
    'metadata.example.test': ['169.254.169.254'],
    'private6.example.test': ['fd00::5'],
  }
  const resolve: Resolve = async (hostname) => {
    const addresses = dns[hostname]
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  const attempt = (host: string, allowPrivate: boolean) =>
    send({ url: `http://${host}:${port}/hook`, headers: {}, body: '{}', timeoutMs: 2000, allowPrivate, resolve })

  t.match(await attempt('rebind.example.test', false), { statusCode: null, error: FAILURE.refused, cause: 'a loopback address: 127.0.0.1' })
  t.match(await attempt('mixed.example.test', false), { error: FAILURE.refused }, 'one refused address refuses the name')
  t.match(await attempt('metadata.example.test', true), { error: FAILURE.refused, cause: 'a link-local address: 169.254.169.254' })
  t.match(await attempt('private6.example.test', false), { error: FAILURE.refused, cause: 'a private address: fd00::5' })
  t.equal(receiver.received.length, 0, 'no connection was made')

  t.match(await attempt('nowhere.example.test', false), { statusCode: null, error: FAILURE.notFound, cause: 'ENOTFOUND' })
  t.notMatch((await attempt('nowhere.example.test', false)) as object, { error: /nowhere/ }, 'the delivery log does not echo the name')

  // With private addresses allowed, the connection goes where the resolver said: it is the one used.
  t.match(await attempt('rebind.example.test', true), { statusCode: 200, error: null })
  t.equal(receiver.received.length, 1)
  t.equal(receiver.received[0]!.headers.host, `rebind.example.test:${port}`)

  const stalled = await send({ url: `http://stall.example.test:${port}/`, headers: {}, body: '{}', timeoutMs: 200, allowPrivate: false, resolve: () => new Promise(() => {}) })
  t.match(stalled, { statusCode: null, error: 'timed out after 200 ms' }, 'a resolver that never answers is the attempt timing out')
})
