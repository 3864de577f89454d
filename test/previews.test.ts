// Preview links: a secret, expiring, revocable URL that shows a draft as it is now to anyone who
// has it, never cached, never indexed, never logged, and stored only as a hash.
import { createHash } from 'node:crypto'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { auth, createArticle, makeApp, type TestApp, testConfig } from './helpers.js'

const makeLink = ({ app, editor }: TestApp, articleId: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: `/v1/articles/${articleId}/preview-links`,
    headers: { ...auth(editor), ...headers },
    ...(payload !== undefined && { payload: payload as object }),
  })

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

t.test('a preview link shows the draft as it is now, privately, to anyone with it', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const other = await createArticle(testApp, { title: 'Another unpublished story' })
  const draft = await createArticle(testApp, { title: 'Port strike: the draft', body: [{ type: 'related', articleId: other.id }] })
  const started = Date.now()
  const made = await makeLink(testApp, draft.id)
  t.equal(made.statusCode, 201)
  const link = made.json()
  t.same(Object.keys(link).sort(), ['expiresAt', 'token', 'url'])
  t.match(link.token, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url')
  t.equal(link.url, `http://localhost:80/v1/preview/${link.token}`)
  t.equal(made.headers.location, link.url)
  const lifetime = Date.parse(link.expiresAt) - started
  t.ok(lifetime >= 86_400_000 - 1000 && lifetime <= 86_400_000 + 5000, 'a day by default')

  const seen = await app.inject({ url: `/v1/preview/${link.token}` })
  t.equal(seen.statusCode, 200)
  t.match(seen.json(), { id: draft.id, title: 'Port strike: the draft', status: 'draft', corrections: [], retracted: false })
  t.equal(seen.headers['cache-control'], 'private, no-store', 'never cached by anyone but the reader')
  t.equal(seen.headers['x-robots-tag'], 'noindex')
  t.equal(seen.headers['referrer-policy'], 'no-referrer', 'the token does not leave in a Referer')
  t.same(seen.json().body, [], 'a teaser to another unpublished story is left out: the token opens one article')

  await app.inject({ method: 'PATCH', url: `/v1/articles/${draft.id}`, headers: auth(editor), payload: { title: 'Port strike ends' } })
  const again = await app.inject({ url: `/v1/preview/${link.token}` })
  t.equal(again.json().title, 'Port strike ends', 'the link answers the live draft')
  t.equal((await app.inject({ url: `/v1/preview/${link.token}`, headers: auth(editor) })).statusCode, 200, 'a key is no hindrance')

  const stored = app.db.$client.prepare('SELECT * FROM preview_links').all() as Record<string, unknown>[]
  t.equal(stored.length, 1)
  t.equal(stored[0]!.token_hash, sha256(link.token), 'the hash is kept')
  t.notMatch(JSON.stringify(stored), link.token, 'the token is not')

  // Revoked: the very URL that answered 200 now answers 404; a cached answer would still be a 200.
  const revoked = await app.inject({ method: 'DELETE', url: `/v1/articles/${draft.id}/preview-links`, headers: auth(editor) })
  t.equal(revoked.statusCode, 204)
  const after = await app.inject({ url: `/v1/preview/${link.token}` })
  t.equal(after.statusCode, 404)
  t.equal(after.headers['x-robots-tag'], 'noindex', 'errors are not for indexing either')
  t.notMatch(after.body, link.token, 'the problem does not echo the token')
})

t.test('expired links answer 410, unknown ones 404; the article going takes its links', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const draft = await createArticle(testApp, { title: 'Court ruling, embargoed' })
  const short = (await makeLink(testApp, draft.id, { expiresIn: 60 })).json()
  t.ok(Date.parse(short.expiresAt) - Date.now() <= 60_000, 'a minute')
  // A minute is too long to wait: the link's expiry is moved into the past.
  app.db.$client.prepare('UPDATE preview_links SET expires_at = ?').run(new Date(Date.now() - 1000).toISOString())
  const expired = await app.inject({ url: `/v1/preview/${short.token}` })
  t.equal(expired.statusCode, 410)
  t.equal(expired.json().type, 'urn:cms:problem:gone')
  t.equal(expired.headers['cache-control'], 'no-store', 'a problem is never cached')

  for (const token of ['A'.repeat(43), 'short', `${short.token}x`, '..%2F..%2Fetc']) {
    t.equal((await app.inject({ url: `/v1/preview/${token}` })).statusCode, 404, `${token}: 404`)
  }

  const live = (await makeLink(testApp, draft.id, { expiresIn: 604_800 })).json()
  t.equal((await app.inject({ url: `/v1/preview/${live.token}` })).statusCode, 200, 'a week at most')
  await app.inject({ method: 'DELETE', url: `/v1/articles/${draft.id}`, headers: auth(editor) })
  t.equal((await app.inject({ url: `/v1/preview/${live.token}` })).statusCode, 404, 'the deleted article took its links')
})

t.test('bad input, unknown articles, the wrong roles, and Idempotency-Key', async (t) => {
  const testApp = await makeApp(t)
  const { app, moderator } = testApp
  const draft = await createArticle(testApp)
  for (const payload of [{ expiresIn: 59 }, { expiresIn: 604_801 }, { expiresIn: '3600' }, { expiresIn: 3600, note: 'x' }]) {
    t.equal((await makeLink(testApp, draft.id, payload)).statusCode, 400, JSON.stringify(payload))
  }
  t.equal((await makeLink(testApp, draft.id, {})).statusCode, 201, 'an empty body is a day')
  t.equal((await makeLink(testApp, 'nosuchid')).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/articles/nosuchid/preview-links', headers: auth(testApp.editor) })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview-links`, headers: auth(moderator) })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview-links` })).statusCode, 401)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${draft.id}/preview-links` })).statusCode, 401)

  // The answer holds the token, so it is never kept for a replay: a repeat makes a second link.
  const first = (await makeLink(testApp, draft.id, { expiresIn: 3600 }, { 'idempotency-key': 'preview-1' })).json()
  const second = await makeLink(testApp, draft.id, { expiresIn: 3600 }, { 'idempotency-key': 'preview-1' })
  t.equal(second.statusCode, 201)
  t.not(second.json().token, first.token)
  const kept = JSON.stringify(app.db.$client.prepare('SELECT * FROM idempotency_keys').all())
  t.notMatch(kept, first.token, 'no token in the idempotency records')
})

t.test('the token never reaches the log', async (t) => {
  const db = openDatabase(':memory:')
  const editor = createKeysRepository(db).create('previewer', 'editor').token
  const lines: string[] = []
  const app = await buildApp(testConfig({ LOG_LEVEL: 'info' }), { db, logStream: { write: (line) => lines.push(line) } })
  t.teardown(() => app.close())
  await app.ready()
  const draft = (await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload: { title: 'Logged draft' } })).json()
  const link = (await app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview-links`, headers: auth(editor) })).json()
  t.equal((await app.inject({ url: `/v1/preview/${link.token}?x=1` })).statusCode, 200)
  await app.inject({ url: `/v1/preview/${link.token}` })
  const log = lines.join('')
  t.notMatch(log, link.token, 'no line holds the token')
  t.match(log, '/v1/preview/[redacted]?x=1', 'the request is logged with the token replaced')
})
