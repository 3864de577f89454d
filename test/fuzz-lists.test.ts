// Property-based fuzzing of every list filter and path id: generated query strings (known
// filters with junk values, unknown and prototype-pollution keys, repeated keys, malformed
// percent-encoding, SQL and FTS syntax) never cause a 5xx, every refusal is a problem
// document, reads never change stored data, and the service stays healthy.
// Both tiers run it: `npm test` with 20 runs per property (every list and check, in a few
// seconds), `npm run test:slow` with 300, `npm run stress` with 1000 (FUZZ_RUNS overrides).
import fc from 'fast-check'
import t from 'tap'
import { auth, createArticle, makeApp } from './helpers.js'
import { checkResponse, dataChecksum, FUZZ_RUNS, HOSTILE_KEYS, multipart, nastyString, pct, tinyPng } from './reliability-support.js'

t.test('list filters and path ids under generated query strings', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '0', WEBHOOK_POLL_MS: '60000', SCHEDULER_INTERVAL_MS: '60000' })
  const { app, admin, editor, moderator } = testApp
  const article = await createArticle(testApp, { title: 'Listed story', tags: ['harbour'], section: 'City', authors: ['Ana Ruiz'] }, { published: true })
  await createArticle(testApp, { title: 'A draft in the lists' })
  const upload = multipart([{ name: 'file', filename: 'dot.png', data: await tinyPng(2) }])
  const media = (await app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...upload.headers }, payload: upload.payload })).json()
  await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/comments`, payload: { authorName: 'Reader', body: 'A comment to list.' } })
  await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/related`, headers: auth(editor), payload: { url: 'https://example.com/r', title: 'Further reading' } })
  const webhook = (await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url: 'https://hooks.example.com/x', events: ['article.updated'] } })).json()

  const lists: { name: string; path: string; filters: string[]; tokens: string[] }[] = [
    { name: 'listArticles', path: '/v1/articles', filters: ['status', 'section', 'tag', 'author', 'q'], tokens: ['', editor] },
    { name: 'listComments', path: '/v1/comments', filters: ['status', 'articleId'], tokens: [moderator] },
    { name: 'listArticleComments', path: `/v1/articles/${article.id}/comments`, filters: [], tokens: ['', moderator] },
    { name: 'listMedia', path: '/v1/media', filters: ['kind', 'sha256'], tokens: [editor] },
    { name: 'getMediaFile', path: `/v1/media/${media.id}/file`, filters: ['width', 'height', 'format'], tokens: [''] },
    { name: 'listRelatedLinks', path: `/v1/articles/${article.id}/related`, filters: [], tokens: ['', editor] },
    { name: 'suggestRelatedLinks', path: `/v1/articles/${article.id}/related/suggestions`, filters: [], tokens: [editor] },
    { name: 'listWebhookDeliveries', path: `/v1/webhooks/${webhook.id}/deliveries`, filters: ['eventId'], tokens: [admin] },
    { name: 'listKeys', path: '/v1/keys', filters: [], tokens: [admin] },
    { name: 'listArticleRevisions', path: `/v1/articles/${article.id}/revisions`, filters: [], tokens: [editor] },
  ]
  const before = dataChecksum(app.db)
  const value = fc.oneof(
    { weight: 3, arbitrary: nastyString.map(pct) },
    { weight: 1, arbitrary: fc.constantFrom('0', '1', '100', '101', '-1', '1.5', '4096', '4097', '1e3', '0x10', 'true', 'published', 'draft', 'pending', 'image', 'webp', 'avif', 'gif') },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%C0%AF', '%ED%A0%80', '%00', '&&', '==', '%26limit%3D5') },
  )
  for (const list of lists) {
    const key = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...list.filters, 'limit', 'cursor') },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_KEYS.map(pct), 'limit[]', 'q[$ne]', '__proto__[x]', 'x') },
    )
    let refused = 0
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 5 }), fc.constantFrom(...list.tokens), async (pairs, token) => {
        const query = pairs.map(([k, v]) => `${k}=${v}`).join('&')
        const url = `${list.path}?${query}`
        const res = await app.inject({ method: 'GET', url, headers: token ? auth(token) : {} })
        if (res.statusCode >= 500) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`)
        if (checkResponse(t, res, url)) refused += 1
      }),
      { numRuns: FUZZ_RUNS },
    )
    t.pass(`${list.name}: no 5xx (${refused} of ${FUZZ_RUNS} refused as problems)`)
  }

  // Every GET route with a path id, given junk ids.
  const idRoutes = ['/v1/articles/{}', '/v1/articles/slug/{}', '/v1/media/{}', '/v1/media/{}/file', '/v1/comments/{}', '/v1/webhooks/{}', '/v1/keys/{}', `/v1/articles/${article.id}/related/{}`, '/v1/articles/{}/comments', '/v1/articles/{}/revisions']
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...idRoutes), fc.oneof(nastyString.map(pct), fc.constantFrom('%', '..', '%2e%2e', '%2F', 'a%2Fb')), fc.constantFrom('', editor, admin), async (route, id, token) => {
      const url = route.replace('{}', id || 'x')
      const res = await app.inject({ method: 'GET', url, headers: token ? auth(token) : {} })
      if (res.statusCode >= 500) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`)
      checkResponse(t, res, url)
    }),
    { numRuns: FUZZ_RUNS * 2 },
  )
  t.pass('path ids: no 5xx')
  t.equal(dataChecksum(app.db), before, 'reads changed no stored data')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'healthy afterwards')
})
