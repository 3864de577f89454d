// Browser-facing protections and request limits: CORS, security headers (API and /docs),
// body size (413) and type (415) as problems, request ids, and what the logs never hold.
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { testConfig } from './helpers.js'
import { auth, createArticle, createComment, httpApp } from './http-fixtures.js'

const DESK = 'https://desk.example.com'

t.test('CORS: reads from any origin, writes only from CORS_WRITE_ORIGINS', async (t) => {
  const ta = await httpApp(t, { CORS_WRITE_ORIGINS: DESK })
  const article = await createArticle(ta, {}, { published: true })
  const url = `/v1/articles/${article.id}`

  const read = await ta.app.inject({ url, headers: { origin: 'https://reader.example.net' } })
  t.equal(read.statusCode, 200)
  t.equal(read.headers['access-control-allow-origin'], '*', 'a read from any origin')
  t.match(read.headers['access-control-expose-headers'], /ETag/)
  t.match(read.headers['access-control-expose-headers'], /X-Request-Id/)
  t.notMatch(String(read.headers.vary), /Origin/, 'the same answer for every origin: shared caches keep one copy')
  const anonymous = await ta.app.inject({ url })
  t.equal(anonymous.headers['access-control-allow-origin'], '*', 'with or without an Origin header')

  const preflight = (origin: string, method: string) =>
    ta.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, if-match, content-type' },
    })
  const stranger = await preflight('https://elsewhere.example.org', 'PATCH')
  t.equal(stranger.headers['access-control-allow-origin'], undefined, 'an unlisted origin may not write')
  t.equal(stranger.statusCode, 403, 'and is told so')
  t.match(stranger.headers['content-type'], /^application\/problem\+json/)
  t.match(stranger.json().detail, /CORS_WRITE_ORIGINS/, 'naming the setting that would allow it')
  const desk = await preflight(DESK, 'PATCH')
  t.equal(desk.statusCode, 204)
  t.equal(desk.headers['access-control-allow-origin'], DESK, 'the listed origin may')
  t.match(desk.headers['access-control-allow-methods'], /PATCH/)
  t.match(String(desk.headers['access-control-allow-headers']).toLowerCase(), /if-match/)
  t.match(desk.headers.vary, /Origin/, 'the answer depends on Origin')
  const readPreflight = await preflight('https://elsewhere.example.org', 'GET')
  t.equal(readPreflight.headers['access-control-allow-origin'], '*', 'a preflight for a read is open to all')

  const write = await ta.app.inject({ method: 'PATCH', url, headers: { ...auth(ta.editor), origin: 'https://elsewhere.example.org' }, payload: { title: 'x' } })
  t.equal(write.headers['access-control-allow-origin'], undefined, 'nor does the write itself get one')
  t.match(write.headers.vary, /Origin/, 'a write answers each origin its own way')
  const noPreflight = await ta.app.inject({ method: 'OPTIONS', url })
  t.equal(noPreflight.statusCode, 404, 'an OPTIONS request that is no preflight is no route of the API')
  const deskWrite = await ta.app.inject({ method: 'PATCH', url, headers: { ...auth(ta.editor), origin: DESK }, payload: { title: 'From the desk' } })
  t.equal(deskWrite.statusCode, 200)
  t.equal(deskWrite.headers['access-control-allow-origin'], DESK)
})

t.test('CORS: with no write origins configured, no browser origin may write', async (t) => {
  const ta = await httpApp(t)
  const res = await ta.app.inject({
    method: 'OPTIONS',
    url: '/v1/articles',
    headers: { origin: DESK, 'access-control-request-method': 'POST' },
  })
  t.equal(res.headers['access-control-allow-origin'], undefined)
  t.equal(res.statusCode, 403, 'a 403 problem, not the 404 of a missing route')
  t.match(res.json(), { status: 403, detail: /CORS_WRITE_ORIGINS/ })
})

t.test('security headers: nothing at all for JSON, its own CSP for /docs', async (t) => {
  const ta = await httpApp(t)
  const res = await ta.app.inject({ url: '/v1/articles' })
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  t.match(res.headers['content-security-policy'], /frame-ancestors 'none'/)
  t.ok(res.headers['strict-transport-security'])
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  const problem = await ta.app.inject({ url: '/v1/articles/none' })
  t.match(problem.headers['content-security-policy'], /default-src 'none'/, 'problems too')

  const docs = await ta.app.inject({ url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
  const csp = String(docs.headers['content-security-policy'])
  t.match(csp, /script-src 'self'/, 'the page may run its own scripts')
  t.match(csp, /style-src 'self'/)
  t.match(csp, /connect-src 'self'/, 'and fetch the document and try requests on its own origin')
  t.not(csp, res.headers['content-security-policy'], "not the API's deny-all policy")
  t.notMatch(csp, /upgrade-insecure-requests/, 'works on plain http://127.0.0.1 too')
  // Each script and style the page loads is served from the same origin, under the same CSP.
  const assets = [...docs.body.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
  t.ok(assets.length > 0, 'the page loads scripts or styles')
  for (const asset of assets) {
    const file = await ta.app.inject({ url: `/docs/${asset.replace(/^docs\//, '')}` })
    t.equal(file.statusCode, 200, `/docs/${asset} is served`)
  }
  t.equal((await ta.app.inject({ url: '/openapi.json' })).statusCode, 200)
})

/** A CSP header as directive -> sources. */
function parseCsp(header: unknown): Map<string, string[]> {
  const directives = new Map<string, string[]>()
  for (const part of String(header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) directives.set(name.toLowerCase(), sources)
  }
  return directives
}

const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

t.test("/docs: the CSP allows each inline style and script the page uses, by hash, and only on /docs", async (t) => {
  const ta = await httpApp(t)
  const page = await ta.app.inject({ url: '/docs/' })
  const csp = parseCsp(page.headers['content-security-policy'])
  const sourcesOf = (directive: string) => csp.get(directive) ?? csp.get('default-src') ?? []
  const styleSrc = sourcesOf('style-src')
  const scriptSrc = sourcesOf('script-src')
  t.notOk(styleSrc.includes("'unsafe-inline'"), "no 'unsafe-inline' for styles: each inline style is allowed by its hash")
  t.notOk(scriptSrc.includes("'unsafe-inline'") || scriptSrc.includes("'unsafe-eval'"), 'nor for scripts')

  // Inline elements of the HTML itself (none today; a theme or a new version may add some).
  const html = page.body
  for (const [, text] of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)) {
    t.ok(styleSrc.includes(sha256Source(text!)), `the page's inline <style> ${text!.slice(0, 40)}… is allowed`)
  }
  for (const [, text] of html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    t.ok(scriptSrc.includes(sha256Source(text!)), `the page's inline <script> ${text!.slice(0, 40)}… is allowed`)
  }
  t.notMatch(html, /\sstyle=/, 'no style attributes, which only unsafe-inline would allow')

  // The <style> elements swagger-ui renders from its scripts (its logo has one): React's
  // createElement("style", null, "<css>"), inserted as an inline style the CSP must allow.
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="\.?\/?([^"]+\.js)"/g)].map((m) => m[1]!)
  t.ok(scripts.length >= 2, 'the page loads its scripts')
  let rendered = 0
  for (const script of scripts) {
    const file = await ta.app.inject({ url: `/docs/${script.replace(/^docs\//, '')}` })
    t.equal(file.statusCode, 200, `${script} is served`)
    for (const [, literal] of file.body.matchAll(/createElement\(\s*"style"\s*,\s*null\s*,\s*("(?:[^"\\]|\\.)*")\s*\)/g)) {
      rendered++
      const css = JSON.parse(literal!) as string
      t.ok(styleSrc.includes(sha256Source(css)), `the <style> that ${script} renders (${css.slice(0, 30)}…) is allowed by its hash`)
    }
  }
  t.ok(rendered >= 1, 'the inline styles in the scripts were found (else this check checks nothing)')

  // The hash is an allowance of the docs page only: the API's answers keep forbidding everything.
  for (const url of ['/v1/articles', '/openapi.json', '/health', '/v1/articles/none']) {
    const api = parseCsp((await ta.app.inject({ url })).headers['content-security-policy'])
    t.same(api.get('default-src'), ["'none'"], `${url}: default-src 'none'`)
    t.notOk(api.has('style-src') || api.has('script-src'), `${url}: no style or script sources at all`)
  }
})

t.test('body limits: 413 and 415 are problem documents', async (t) => {
  const ta = await httpApp(t)
  const huge = JSON.stringify({ title: 'Long read', summary: 'x'.repeat(6 * 1024 * 1024) })
  const tooLarge = await ta.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth(ta.editor), 'content-type': 'application/json' },
    payload: huge,
  })
  t.equal(tooLarge.statusCode, 413)
  t.equal(tooLarge.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(tooLarge.json(), { type: 'urn:cms:problem:payload-too-large', status: 413 })

  const text = await ta.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth(ta.editor), 'content-type': 'text/plain' },
    payload: 'title=Plain',
  })
  t.equal(text.statusCode, 415)
  t.equal(text.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(text.json(), { type: 'urn:cms:problem:unsupported-media-type', status: 415 })
  t.equal(text.headers['cache-control'], 'no-store')

  const list = await ta.app.inject({ url: '/v1/articles', headers: auth(ta.editor) })
  t.equal(list.json().data.length, 0, 'neither created anything')
})

t.test('request ids: in X-Request-Id, in problem instances and in every log line; no secrets logged', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const db = openDatabase(':memory:')
  const keys = createKeysRepository(db)
  const editor = keys.create('log editor', 'editor').token
  const moderator = keys.create('log moderator', 'moderator').token
  const app = await buildApp(testConfig({ LOG_LEVEL: 'info', COMMENT_RATE_LIMIT: '0' }), { db, logStream })
  t.teardown(() => app.close())
  await app.ready()
  const ta = { app, config: testConfig(), admin: editor, editor, moderator }

  const ip = '203.0.113.199'
  const email = 'private.reader@example.org'
  const article = await createArticle(ta, {}, { published: true })
  const comment = await app.inject({
    method: 'POST',
    url: `/v1/articles/${article.id}/comments`,
    headers: { 'x-forwarded-for': '198.51.100.77', 'user-agent': 'LogProbe/1.0' },
    remoteAddress: ip,
    payload: { authorName: 'Private Reader', authorEmail: email, body: 'Checking what the logs keep.' },
  })
  t.equal(comment.statusCode, 201)
  await createComment(ta, article.id)
  const missing = await app.inject({ url: '/v1/articles/absent', headers: auth(editor), remoteAddress: ip })
  t.equal(missing.statusCode, 404)
  const requestId = missing.headers['x-request-id']
  t.type(requestId, 'string')
  t.equal(missing.json().instance, `urn:cms:request:${requestId}`, 'the problem names the request')
  const unknownKey = await app.inject({ url: '/v1/articles', headers: auth('cms_not-a-real-key-secret'), remoteAddress: ip })
  t.equal(unknownKey.statusCode, 401)
  const ok = await app.inject({ url: `/v1/articles/${article.id}` })
  t.type(ok.headers['x-request-id'], 'string', 'every answer carries its id')
  t.not(ok.headers['x-request-id'], requestId)

  const log = lines.join('')
  t.ok(lines.length > 0, 'something was logged')
  const entries = lines.map((line) => JSON.parse(line))
  const ofRequest = entries.filter((e) => e.reqId === requestId)
  t.ok(ofRequest.length >= 2, 'the request and its response are logged with its id')
  t.match(ofRequest.find((e) => e.req), { req: { method: 'GET', url: '/v1/articles/absent' } })
  for (const e of entries.filter((e) => e.req)) t.same(Object.keys(e.req).sort(), ['method', 'url'], 'requests are logged by method and url only')

  for (const secret of [editor, moderator, 'cms_not-a-real-key-secret', 'Bearer', ip, '198.51.100.77', email, 'LogProbe']) {
    t.notOk(log.includes(secret), `the logs never hold ${secret.startsWith('cms_') || secret === editor || secret === moderator ? 'an API key' : secret}`)
  }
  t.notMatch(log, /authorization/i)
  t.notMatch(log, /remoteAddress|remotePort|"ip"/)
})
