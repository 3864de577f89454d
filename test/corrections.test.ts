// Corrections: published with a story, embedded newest first, each one a change of the article
// (version, updatedAt, revision, webhook event), retractions, and who may see them.
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'

const post = ({ app, editor }: TestApp, articleId: string, payload: unknown, token = editor) =>
  app.inject({ method: 'POST', url: `/v1/articles/${articleId}/corrections`, headers: auth(token), payload: payload as object })

/** The types of the webhook events recorded so far, oldest first. */
const events = ({ app }: TestApp): { type: string; id: string }[] =>
  (app.db.$client.prepare('SELECT type, data FROM webhook_events ORDER BY rowid').all() as { type: string; data: string }[]).map((row) => ({
    type: row.type,
    id: (JSON.parse(row.data) as { id: string }).id,
  }))

t.test('a correction on a published story: embedded, a new version, an event, a revision', async (t) => {
  const testApp = await makeApp(t, { WEBHOOK_POLL_MS: '60000' })
  const { app, admin, editor } = testApp
  const hook = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url: 'https://hooks.example.com/c', events: ['article.updated'] } })
  t.equal(hook.statusCode, 201)
  const article = await createArticle(testApp, { title: 'Harbour fees rise' }, { published: true })
  // An anonymous read first, so that the response cache holds the article without corrections.
  const before = await app.inject({ url: `/v1/articles/${article.id}` })
  t.same(before.json().corrections, [])
  t.equal(before.json().retracted, false)

  const created = await post(testApp, article.id, { type: 'correction', text: 'An earlier version gave the fee as <em>12</em> euros; it is 21.' })
  t.equal(created.statusCode, 201)
  const correction = created.json()
  t.match(correction, { id: String, type: 'correction', text: 'An earlier version gave the fee as <em>12</em> euros; it is 21.', at: String, version: 1 })
  t.same(Object.keys(correction).sort(), ['at', 'createdAt', 'id', 'text', 'type', 'updatedAt', 'version'])
  t.equal(created.headers.location, `http://localhost:80/v1/articles/${article.id}/corrections/${correction.id}`)

  const after = await app.inject({ url: `/v1/articles/${article.id}` })
  t.equal(after.statusCode, 200)
  t.same(after.json().corrections, [correction], 'anonymous readers see it at once (the cached answer was dropped)')
  t.equal(after.json().version, article.version + 1, 'the article has a new version')
  t.ok(after.json().updatedAt > article.updatedAt, 'and a new updatedAt')
  t.equal(after.json().publishedAt, article.publishedAt, 'its publication time stays')
  t.not(after.headers.etag, before.headers.etag, 'so its ETag moves')
  t.same(
    events(testApp).filter((e) => e.type === 'article.updated'),
    [{ type: 'article.updated', id: article.id }],
    'article.updated was written with the change',
  )

  const revisions = await app.inject({ url: `/v1/articles/${article.id}/revisions`, headers: auth(editor) })
  const newest = revisions.json().data[0]
  t.equal(newest.revision, article.version + 1)
  t.same(newest.snapshot.corrections, [{ id: correction.id, type: 'correction', text: correction.text, at: correction.at }], 'the revision records it')

  // Older `at` first given last: the article embeds them newest first.
  const earlier = await post(testApp, article.id, { type: 'clarification', text: 'The fee applies to boats over ten metres.', at: '2026-01-02T09:00:00Z' })
  t.equal(earlier.statusCode, 201)
  t.equal(earlier.json().at, '2026-01-02T09:00:00.000Z', 'times are stored in the one format')
  const read = (await app.inject({ url: `/v1/articles/${article.id}` })).json()
  t.same(read.corrections.map((c: { id: string }) => c.id), [correction.id, earlier.json().id], 'newest first')
  const list = await app.inject({ url: `/v1/articles/${article.id}/corrections?limit=1` })
  t.same(list.json().data.map((c: { id: string }) => c.id), [correction.id])
  const rest = await app.inject({ url: `/v1/articles/${article.id}/corrections?limit=1&cursor=${list.json().nextCursor}` })
  t.same(rest.json(), { data: [earlier.json()], nextCursor: null }, 'the second page holds the rest')

  // A restore brings content back and leaves the public record alone.
  const restored = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/1/restore`, headers: auth(editor) })
  t.equal(restored.statusCode, 200)
  t.equal(restored.json().corrections.length, 2, 'a restore keeps the corrections')
})

t.test('a retraction marks the story retracted while it lasts; changes need the current ETag', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const article = await createArticle(testApp, { title: 'Mayor resigns' }, { published: true })
  const retraction = (await post(testApp, article.id, { type: 'retraction', text: 'This story was based on a forged letter and should not have been published.' })).json()
  let read = (await app.inject({ url: `/v1/articles/${article.id}` })).json()
  t.equal(read.retracted, true)
  t.equal(read.status, 'published', 'a retracted story stays published')

  const one = await app.inject({ url: `/v1/articles/${article.id}/corrections/${retraction.id}` })
  t.equal(one.statusCode, 200)
  t.same(one.json(), retraction)
  const stale = await app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}/corrections/${retraction.id}`,
    headers: { ...auth(editor), 'if-match': '"7-AAAAAAAAAAAAAAAAAAAAAAAAAAA"' },
    payload: { type: 'correction' },
  })
  t.equal(stale.statusCode, 412, 'a stale If-Match is refused')
  const etag = (await app.inject({ url: `/v1/articles/${article.id}/corrections/${retraction.id}`, headers: auth(editor) })).headers.etag as string
  t.match(etag, /^"1-/, "the ETag carries the correction's version")
  const changed = await app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}/corrections/${retraction.id}`,
    headers: { ...auth(editor), 'if-match': etag },
    payload: { type: 'correction' },
  })
  t.equal(changed.statusCode, 200)
  t.match(changed.json(), { type: 'correction', version: 2, text: retraction.text })
  t.equal((await app.inject({ url: `/v1/articles/${article.id}/corrections/${retraction.id}` })).json().type, 'correction', 'readers get the change at once')
  read = (await app.inject({ url: `/v1/articles/${article.id}` })).json()
  t.equal(read.retracted, false, 'no retraction left')
  t.equal(read.version, article.version + 2, 'each change of a correction is a change of the article')

  await app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}/corrections/${retraction.id}`, headers: auth(editor), payload: { type: 'retraction' } })
  t.equal((await app.inject({ url: `/v1/articles/${article.id}` })).json().retracted, true)
  const removed = await app.inject({ method: 'DELETE', url: `/v1/articles/${article.id}/corrections/${retraction.id}`, headers: auth(editor) })
  t.equal(removed.statusCode, 204)
  read = (await app.inject({ url: `/v1/articles/${article.id}` })).json()
  t.same([read.retracted, read.corrections], [false, []], 'deleting the retraction lifts it')
  t.equal((await app.inject({ url: `/v1/articles/${article.id}/corrections/${retraction.id}` })).statusCode, 404)
})

t.test("a draft's corrections are as hidden as the draft, and send no event", async (t) => {
  const testApp = await makeApp(t, { WEBHOOK_POLL_MS: '60000' })
  const { app, admin, editor, moderator } = testApp
  await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url: 'https://hooks.example.com/d', events: ['article.updated'] } })
  const draft = await createArticle(testApp, { title: 'Embargoed budget story' })
  const correction = (await post(testApp, draft.id, { type: 'update', text: 'Ministry figures added.' })).json()
  t.same(events(testApp), [], 'a draft changed: nothing public to announce')
  for (const token of [undefined, moderator]) {
    const headers = token === undefined ? {} : auth(token)
    const list = await app.inject({ url: `/v1/articles/${draft.id}/corrections`, headers })
    t.equal(list.statusCode, 404)
    t.notMatch(list.body, /Ministry/)
    t.equal((await app.inject({ url: `/v1/articles/${draft.id}/corrections/${correction.id}`, headers })).statusCode, 404)
  }
  t.equal((await app.inject({ url: `/v1/articles/${draft.id}/corrections`, headers: auth(editor) })).json().data.length, 1, 'editors see them')
  const version = (await app.inject({ url: `/v1/articles/${draft.id}`, headers: auth(editor) })).json().version
  t.equal(version, draft.version + 1, 'a draft gets a new version too')
})

t.test('bad input, unknown ids and the wrong roles', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor, moderator } = testApp
  const article = await createArticle(testApp, {}, { published: true })
  const other = await createArticle(testApp, {}, { published: true })
  const future = new Date(Date.now() + 86_400_000).toISOString()
  const cases: [string, unknown, string][] = [
    ['no text', { type: 'correction' }, 'body.text'],
    ['unknown type', { type: 'erratum', text: 'x' }, 'body.type'],
    ['a typo field', { type: 'correction', text: 'x', txet: 'y' }, 'body.txet'],
    ['a time that is no time', { type: 'correction', text: 'x', at: 'yesterday' }, 'body.at'],
    ['a time in the future', { type: 'correction', text: 'x', at: future }, 'body.at'],
    ['markup and nothing else', { type: 'correction', text: '<script>alert(1)</script>' }, 'body.text'],
  ]
  for (const [name, payload, path] of cases) {
    const res = await post(testApp, article.id, payload)
    t.equal(res.statusCode, 400, name)
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: a problem`)
    t.ok(res.json().errors.some((e: { path: string }) => e.path === path), `${name}: names ${path}`)
  }
  const hostile = await post(testApp, article.id, { type: 'correction', text: 'See <a href="javascript:alert(1)">the note</a> and <a href="https://example.org/n">the notice</a>.' })
  t.equal(hostile.json().text, 'See the note and <a href="https://example.org/n">the notice</a>.', 'disallowed markup is removed, allowed kept')

  t.equal((await post(testApp, 'nosuchid', { type: 'correction', text: 'x' })).statusCode, 404, 'unknown article')
  const id = hostile.json().id
  t.equal((await app.inject({ url: `/v1/articles/${other.id}/corrections/${id}` })).statusCode, 404, "another article's correction is not this one's")
  const wrongParent = await app.inject({ method: 'DELETE', url: `/v1/articles/${other.id}/corrections/${id}`, headers: auth(editor) })
  t.equal(wrongParent.statusCode, 404, 'nor can it be deleted through it')
  t.equal((await post(testApp, article.id, { type: 'correction', text: 'x' }, moderator)).statusCode, 403)
  const anonymous = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/corrections`, payload: { type: 'correction', text: 'x' } })
  t.equal(anonymous.statusCode, 401)

  // The bound: corrections are embedded whole, so an article carries at most 100.
  const insert = app.db.$client.prepare(
    "INSERT INTO article_corrections (id, article_id, type, text, at, created_at, updated_at) VALUES (?, ?, 'update', 'x', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
  )
  for (let i = 0; i < 99; i++) insert.run(`bulk${i}`, article.id)
  const full = await post(testApp, article.id, { type: 'correction', text: 'One too many.' })
  t.equal(full.statusCode, 409)
  t.match(full.json().detail, /100 corrections/)
})
