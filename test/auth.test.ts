// Who may do what: anonymous callers get 401 with a Bearer challenge where a key is needed,
// a key of the wrong role 403, and a broken or unknown key is never treated as anonymous.
import t from 'tap'
import { auth, createArticle, makeApp } from './helpers.js'

t.test('anonymous callers are asked for a key', async (t) => {
  const testApp = await makeApp(t)
  const { app } = testApp
  const article = await createArticle(testApp)
  const needKey = [
    { method: 'POST' as const, url: '/v1/articles', payload: { title: 'Anonymous try' } },
    { method: 'PATCH' as const, url: `/v1/articles/${article.id}`, payload: { title: 'Anonymous edit' } },
    { method: 'DELETE' as const, url: `/v1/articles/${article.id}` },
    { method: 'POST' as const, url: `/v1/articles/${article.id}/publish`, payload: {} },
    { method: 'POST' as const, url: `/v1/articles/${article.id}/unpublish` },
    { method: 'GET' as const, url: `/v1/articles/${article.id}/revisions` },
    { method: 'POST' as const, url: `/v1/articles/${article.id}/revisions/1/restore` },
    { method: 'GET' as const, url: '/v1/keys' },
  ]
  for (const request of needKey) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 401, `${request.method} ${request.url}`)
    t.equal(res.headers['www-authenticate'], 'Bearer')
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { type: String, title: 'Unauthorized', status: 401, detail: String })
  }
  const still = await app.inject({ method: 'GET', url: `/v1/articles/${article.id}`, headers: auth(testApp.editor) })
  t.equal(still.json().title, article.title, 'nothing anonymous changed the article')
  t.equal(still.json().version, 1)
})

t.test('a key of the wrong role gets 403, not 401', async (t) => {
  const testApp = await makeApp(t)
  const { app, moderator } = testApp
  const article = await createArticle(testApp)
  const editorOnly = [
    { method: 'POST' as const, url: '/v1/articles', payload: { title: 'Moderator try' } },
    { method: 'PATCH' as const, url: `/v1/articles/${article.id}`, payload: { title: 'Moderator edit' } },
    { method: 'DELETE' as const, url: `/v1/articles/${article.id}` },
    { method: 'POST' as const, url: `/v1/articles/${article.id}/publish`, payload: {} },
    { method: 'POST' as const, url: `/v1/articles/${article.id}/unpublish` },
    { method: 'GET' as const, url: `/v1/articles/${article.id}/revisions` },
    { method: 'POST' as const, url: `/v1/articles/${article.id}/revisions/1/restore` },
  ]
  for (const request of editorOnly) {
    const res = await app.inject({ ...request, headers: auth(moderator) })
    t.equal(res.statusCode, 403, `moderator: ${request.method} ${request.url}`)
    t.equal(res.headers['www-authenticate'], undefined, 'no challenge: the key is fine, the role is not')
    t.match(res.json(), { title: 'Forbidden', status: 403 })
  }
})

t.test('admins may do what editors may', async (t) => {
  const { app, admin } = await makeApp(t)
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(admin), payload: { title: 'By the admin' } })
  t.equal(created.statusCode, 201)
  const published = await app.inject({ method: 'POST', url: `/v1/articles/${created.json().id}/publish`, headers: auth(admin) })
  t.equal(published.statusCode, 200)
  t.equal(published.json().status, 'published')
})

t.test('an unknown or malformed key is a 401 even on public routes', async (t) => {
  const { app } = await makeApp(t)
  const headers = [
    { authorization: 'Bearer cms_not-a-real-key' },
    { authorization: 'Basic dXNlcjpwYXNz' },
    { authorization: 'Bearer' },
    { authorization: 'Bearer two words' },
    { authorization: '' },
  ]
  for (const h of headers) {
    const res = await app.inject({ method: 'GET', url: '/v1/articles', headers: h })
    t.equal(res.statusCode, 401, JSON.stringify(h))
    t.equal(res.headers['www-authenticate'], 'Bearer')
    t.notOk(res.body.includes('dXNlcjpwYXNz') || res.body.includes('cms_not-a-real-key'), 'the credential is not echoed')
  }
  const publicRead = await app.inject({ method: 'GET', url: '/v1/articles' })
  t.equal(publicRead.statusCode, 200, 'no header at all is anonymous')
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200)
})

t.test('the scheme name is case-insensitive', async (t) => {
  const { app, editor } = await makeApp(t)
  const res = await app.inject({ method: 'GET', url: '/v1/articles?status=draft', headers: { authorization: `bearer ${editor}` } })
  t.equal(res.statusCode, 200)
})

t.test('spelling a URL differently does not get around a role check', async (t) => {
  const { app, editor } = await makeApp(t)
  for (const url of ['/v1/keys', '/v1/keys/', '/v1/keys?x=1', '/v1//keys', '/v1/keys/%2e%2e/keys']) {
    const anonymous = await app.inject({ method: 'GET', url })
    t.ok([401, 404].includes(anonymous.statusCode), `anonymous GET ${url} → ${anonymous.statusCode}`)
    const asEditor = await app.inject({ method: 'GET', url, headers: auth(editor) })
    t.ok([403, 404].includes(asEditor.statusCode), `editor GET ${url} → ${asEditor.statusCode}`)
    t.notOk(asEditor.body.includes('"data"'), 'no key list leaks')
  }
  const post = await app.inject({ method: 'POST', url: '/v1/articles/', payload: { title: 'Trailing slash' } })
  t.ok([401, 404].includes(post.statusCode), `anonymous POST /v1/articles/ → ${post.statusCode}`)
})
