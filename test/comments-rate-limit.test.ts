// The submission rate limit: per client address, 429 problem details with Retry-After,
// off with COMMENT_RATE_LIMIT=0, and client addresses taken from X-Forwarded-For only with TRUST_PROXY.
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'

let sent = 0

function submit(testApp: TestApp, articleId: string, options: { ip?: string; forwardedFor?: string } = {}) {
  sent++
  return testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${articleId}/comments`,
    remoteAddress: options.ip ?? '192.0.2.10',
    headers: options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {},
    payload: { authorName: 'Lu', body: `Remark ${sent} on the budget.` },
  })
}

t.test('over the limit: 429 problem+json with Retry-After; other clients and reads are not limited', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '2' })
  const article = await createArticle(testApp, {}, { published: true })
  t.equal((await submit(testApp, article.id)).statusCode, 201)
  t.equal((await submit(testApp, article.id)).statusCode, 201)
  const limited = await submit(testApp, article.id)
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  const retryAfter = Number(limited.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After is 1..60 seconds (${limited.headers['retry-after']})`)
  t.match(limited.json(), { type: 'urn:cms:problem:rate-limited', status: 429, detail: /At most 2 comments a minute/ })

  t.equal((await submit(testApp, article.id, { ip: '192.0.2.11' })).statusCode, 201, 'another address has its own allowance')
  for (let i = 0; i < 5; i++) {
    t.equal((await testApp.app.inject(`/v1/articles/${article.id}/comments`)).statusCode, 200, 'reading is never limited')
  }
  const queue = await testApp.app.inject({ url: '/v1/comments', headers: auth(testApp.moderator) })
  t.equal(queue.json().data.length, 3, 'the refused submission was not stored')
})

t.test('COMMENT_RATE_LIMIT=0 turns the limit off', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '0' })
  const article = await createArticle(testApp, {}, { published: true })
  for (let i = 0; i < 12; i++) {
    const res = await submit(testApp, article.id)
    t.equal(res.statusCode, 201)
    t.equal(res.headers['x-ratelimit-limit'], undefined, 'no limit headers either')
  }
})

t.test('TRUST_PROXY: X-Forwarded-For names the client behind a proxy, and only then', async (t) => {
  const behindProxy = await makeApp(t, { COMMENT_RATE_LIMIT: '1', TRUST_PROXY: 'true' })
  const article = await createArticle(behindProxy, {}, { published: true })
  t.equal((await submit(behindProxy, article.id, { forwardedFor: '198.51.100.1' })).statusCode, 201)
  t.equal((await submit(behindProxy, article.id, { forwardedFor: '198.51.100.2' })).statusCode, 201, 'two readers behind one proxy')
  t.equal((await submit(behindProxy, article.id, { forwardedFor: '198.51.100.1' })).statusCode, 429)
  const stored = (await behindProxy.app.inject({ url: '/v1/comments', headers: auth(behindProxy.moderator) })).json().data
  t.same(stored.map((c: any) => c.ip), ['198.51.100.1', '198.51.100.2'], 'moderators see the reader, not the proxy')

  const direct = await makeApp(t, { COMMENT_RATE_LIMIT: '1' })
  const other = await createArticle(direct, {}, { published: true })
  t.equal((await submit(direct, other.id, { forwardedFor: '198.51.100.1' })).statusCode, 201)
  t.equal((await submit(direct, other.id, { forwardedFor: '198.51.100.2' })).statusCode, 429, 'without TRUST_PROXY the header cannot dodge the limit')
  const ips = (await direct.app.inject({ url: '/v1/comments', headers: auth(direct.moderator) })).json().data.map((c: any) => c.ip)
  t.same(ips, ['192.0.2.10'])
})

t.test('requests refused before they are valid (415, 400 from the schema, 413) spend no attempt; forms count like JSON', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '2' })
  const article = await createArticle(testApp, {}, { published: true })
  const url = `/v1/articles/${article.id}/comments`
  const post = (headers: Record<string, string>, payload: string, extra: Record<string, string> = {}) =>
    testApp.app.inject({ method: 'POST', url, remoteAddress: '192.0.2.30', headers: { ...headers, ...extra }, payload })
  const json = { 'content-type': 'application/json' }
  const refusals: [status: number, headers: Record<string, string>, payload: string][] = [
    [415, { 'content-type': 'text/plain' }, 'A remark in plain text.'],
    [415, { 'content-type': 'application/xml' }, '<comment>A remark</comment>'],
    [400, json, '{"authorName": "Lu", "body": '],
    [400, json, JSON.stringify({ authorName: 'Lu', bdy: 'A typo in a field name.' })],
    [400, { 'content-type': 'application/x-www-form-urlencoded' }, 'authorName=Lu'],
    [413, json, JSON.stringify({ authorName: 'Lu', body: 'x'.repeat(300_000) })],
  ]
  for (const [status, headers, payload] of refusals) {
    for (let i = 0; i < 3; i++) t.equal((await post(headers, payload)).statusCode, status, `${headers['content-type']}: ${status}`)
  }
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  t.equal((await post(form, 'authorName=Lu&body=A+remark+sent+from+a+form.')).statusCode, 201, 'eighteen refusals later, the first submission passes')
  t.equal((await post(json, JSON.stringify({ authorName: 'Lu', body: 'A remark sent as JSON.' }))).statusCode, 201)
  const limited = await post(form, 'authorName=Lu&body=One+remark+too+many.')
  t.equal(limited.statusCode, 429, 'the third valid one is over the limit')

  // A 429 is "later", not an answer: it is not kept for the Idempotency-Key it came with.
  const keyed = await post(json, JSON.stringify({ authorName: 'Lu', body: 'A remark with a key.' }), { 'idempotency-key': 'later-1' })
  t.equal(keyed.statusCode, 429)
  const again = await post(json, JSON.stringify({ authorName: 'Lu', body: 'A remark with a key.' }), { 'idempotency-key': 'later-1' })
  t.equal(again.statusCode, 429)
  t.equal(again.headers['idempotent-replayed'], undefined, 'checked again, not replayed')
})
