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
