// Property-based fuzzing of every write endpoint: generated bodies (wrong types, huge and empty
// strings, unicode edge cases, nested junk, prototype-pollution keys, SQL/FTS syntax, markup)
// never cause a 5xx, every refusal is a problem document that leaves every stored row as it
// was, and the service still answers /health.
// Both tiers run it: `npm test` with 20 runs per property (every endpoint and check, in a few
// seconds), `npm run test:slow` with 300, `npm run stress` with 1000 (FUZZ_RUNS overrides).
import fc from 'fast-check'
import t from 'tap'
import { auth, createArticle, makeApp } from './helpers.js'
import { bodyFor, checkResponse, dataChecksum, FUZZ_RUNS, junkValue, multipart, nastyString, pct, tinyPng, toJson } from './reliability-support.js'

const ARTICLE_FIELDS = ['title', 'slug', 'subtitle', 'summary', 'body', 'status', 'authors', 'section', 'tags', 'sources', 'locale', 'leadMediaId', 'commentsEnabled', 'scheduledAt', 'publishedAt', 'id', 'version']
const MEDIA_FIELDS = ['caption', 'credit', 'creator', 'copyright', 'usageTerms', 'altText', 'filename', 'sha256']

t.test('write endpoints under generated input', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '0', WEBHOOK_POLL_MS: '60000', SCHEDULER_INTERVAL_MS: '60000' })
  const { app, admin, editor, moderator } = testApp
  const article = await createArticle(testApp, { title: 'Fuzz target story' }, { published: true })
  const other = await createArticle(testApp, { title: 'Fuzz other story' }, { published: true })
  const upload = multipart([{ name: 'file', filename: 'tiny.png', data: await tinyPng(1) }])
  const mediaRes = await app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...upload.headers }, payload: upload.payload })
  t.equal(mediaRes.statusCode, 201, 'fixture media uploaded')
  const mediaId = mediaRes.json().id as string
  const commentRes = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/comments`, payload: { authorName: 'Reader One', body: 'A first remark.' } })
  t.equal(commentRes.statusCode, 201, 'fixture comment posted')
  const commentId = commentRes.json().id as string
  const hookRes = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url: 'https://hooks.example.com/in', events: ['article.published'] } })
  t.equal(hookRes.statusCode, 201, 'fixture webhook made')
  const webhookId = hookRes.json().id as string

  const db = app.db
  // A path id is usually a real one (so validation reaches the body), sometimes junk.
  const idOr = (real: string) => fc.oneof({ weight: 5, arbitrary: fc.constant(real) }, { weight: 1, arbitrary: nastyString.map((s) => pct(s) || "x") })

  interface Endpoint {
    name: string
    method: 'POST' | 'PATCH' | 'PUT'
    url: fc.Arbitrary<string>
    token: string
    body: fc.Arbitrary<string>
  }
  const endpoints: Endpoint[] = [
    { name: 'createArticle', method: 'POST', url: fc.constant('/v1/articles'), token: editor, body: bodyFor(ARTICLE_FIELDS, { title: 'Base title' }) },
    { name: 'updateArticle', method: 'PATCH', url: idOr(other.id).map((id) => `/v1/articles/${id}`), token: editor, body: bodyFor(ARTICLE_FIELDS) },
    { name: 'publishArticle', method: 'POST', url: idOr(other.id).map((id) => `/v1/articles/${id}/publish`), token: editor, body: bodyFor(['at']) },
    { name: 'createKey', method: 'POST', url: fc.constant('/v1/keys'), token: admin, body: bodyFor(['name', 'role'], { name: 'fuzz key', role: 'editor' }) },
    {
      name: 'createRelatedLink',
      method: 'POST',
      url: idOr(article.id).map((id) => `/v1/articles/${id}/related`),
      token: editor,
      body: bodyFor(['articleId', 'url', 'title', 'position'], { url: 'https://example.com/more', title: 'More' }),
    },
    {
      name: 'replaceRelatedLinks',
      method: 'PUT',
      url: idOr(article.id).map((id) => `/v1/articles/${id}/related`),
      token: editor,
      body: fc.oneof(
        fc.array(bodyFor(['articleId', 'url', 'title', 'position'], { articleId: other.id }), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
        bodyFor(['articleId', 'url', 'title']),
      ),
    },
    {
      name: 'createComment',
      method: 'POST',
      url: idOr(article.id).map((id) => `/v1/articles/${id}/comments`),
      token: '',
      body: bodyFor(['authorName', 'authorEmail', 'body', 'parentId', 'website', 'status', 'ip'], { authorName: 'Reader', body: 'Good reporting.' }),
    },
    { name: 'moderateComment', method: 'PATCH', url: idOr(commentId).map((id) => `/v1/comments/${id}`), token: moderator, body: bodyFor(['status', 'reason'], { status: 'approved' }) },
    { name: 'moderateComments', method: 'POST', url: fc.constant('/v1/comments/moderate'), token: moderator, body: bodyFor(['ids', 'status'], { ids: [commentId], status: 'approved' }) },
    {
      name: 'createWebhook',
      method: 'POST',
      url: fc.constant('/v1/webhooks'),
      token: admin,
      body: bodyFor(['url', 'events', 'active', 'secret'], { url: 'https://hooks.example.com/b', events: ['media.created'] }),
    },
    { name: 'updateWebhook', method: 'PATCH', url: idOr(webhookId).map((id) => `/v1/webhooks/${id}`), token: admin, body: bodyFor(['url', 'events', 'active', 'secret']) },
    { name: 'updateMedia', method: 'PATCH', url: idOr(mediaId).map((id) => `/v1/media/${id}`), token: editor, body: bodyFor(MEDIA_FIELDS) },
  ]

  for (const endpoint of endpoints) {
    let refused = 0
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(endpoint.url, endpoint.body, async (url, payload) => {
        const before = dataChecksum(db)
        const res = await app.inject({
          method: endpoint.method,
          url,
          headers: { 'content-type': 'application/json', ...(endpoint.token && auth(endpoint.token)) },
          payload,
        })
        const label = `${endpoint.name} ${url} ${payload.slice(0, 200)}`
        if (res.statusCode >= 500) throw new Error(`${label}: ${res.statusCode} ${res.body.slice(0, 300)}`)
        if (checkResponse(t, res, label)) {
          refused += 1
          if (dataChecksum(db) !== before) throw new Error(`${label}: refused with ${res.statusCode} but stored data changed`)
        } else accepted += 1
      }),
      { numRuns: FUZZ_RUNS },
    )
    t.ok(refused > 0, `${endpoint.name}: ${refused} refused, ${accepted} accepted, no 5xx, data unchanged by every refusal`)
    t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, `${endpoint.name}: healthy afterwards`)
  }
})

t.test('write endpoints refuse bodies that are not JSON objects, whatever the content type', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '0' })
  const { app, editor } = testApp
  const article = await createArticle(testApp, {}, { published: true })
  const types = fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/xml', 'application/json; charset=latin1', 'application/json', '', 'x/\u00ff')
  await fc.assert(
    fc.asyncProperty(types, fc.constantFrom('/v1/articles', `/v1/articles/${article.id}/comments`), junkValue, async (type, url, value) => {
      const before = dataChecksum(app.db)
      const res = await app.inject({ method: 'POST', url, headers: { ...auth(editor), ...(type && { 'content-type': type }) }, payload: type === 'application/json' ? toJson([value]) : toJson(value) })
      if (res.statusCode >= 500) throw new Error(`${type} ${url}: ${res.statusCode} ${res.body}`)
      if (res.statusCode < 400) throw new Error(`${type} ${url}: accepted ${res.statusCode} ${toJson(value).slice(0, 100)}`)
      checkResponse(t, res, `${type} ${url}`)
      if (dataChecksum(app.db) !== before) throw new Error(`${type} ${url}: data changed`)
    }),
    { numRuns: FUZZ_RUNS },
  )
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'healthy afterwards')
})
