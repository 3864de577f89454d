// Publishing: now, on a schedule, with a past time, back to draft, archived; and revisions,
// one per change, listed newest first and restored as a new version.
import t from 'tap'
import { auth, body, createArticle, makeApp, type TestApp } from './helpers.js'

const action = (testApp: TestApp, id: string, verb: 'publish' | 'unpublish', payload?: unknown, token = testApp.editor) =>
  testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${id}/${verb}`,
    headers: auth(token),
    ...(payload !== undefined && { payload: payload as object }),
  })

const read = (testApp: TestApp, id: string, token?: string) =>
  testApp.app.inject({ method: 'GET', url: `/v1/articles/${id}`, ...(token && { headers: auth(token) }) })

const publicIds = async (testApp: TestApp) =>
  (await testApp.app.inject({ method: 'GET', url: '/v1/articles' })).json().data.map((a: { id: string }) => a.id)

t.test('publish now', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp, { title: 'Bridge reopens after repairs' })
  const before = Date.now()
  const res = await action(testApp, draft.id, 'publish')
  t.equal(res.statusCode, 200)
  const article = res.json()
  t.equal(article.status, 'published')
  t.equal(article.scheduledAt, null)
  t.ok(Date.parse(article.publishedAt) >= before - 1 && Date.parse(article.publishedAt) <= Date.now(), 'publishedAt is now')
  t.equal(article.version, draft.version + 1)
  t.same(Object.keys(article).sort(), Object.keys(draft).sort(), 'the whole article is answered')

  t.equal((await read(testApp, draft.id)).statusCode, 200, 'anonymous readers see it by id')
  t.equal((await testApp.app.inject(`/v1/articles/slug/${draft.slug}`)).statusCode, 200, 'and by slug')
  t.same(await publicIds(testApp), [draft.id], 'and in the list')

  const again = await action(testApp, draft.id, 'publish', {})
  t.equal(again.statusCode, 200)
  t.equal(again.json().publishedAt, article.publishedAt, 'publishing again keeps the first publication time')
  t.equal(again.json().version, article.version, 'and changes nothing')
})

t.test('publish with a JSON body, with none, and with bad ones', async (t) => {
  const testApp = await makeApp(t)
  const a = await createArticle(testApp)
  t.equal((await action(testApp, a.id, 'publish', {})).json().status, 'published', 'an empty object')
  const b = await createArticle(testApp)
  t.equal((await action(testApp, b.id, 'publish')).json().status, 'published', 'no body at all')
  const c = await createArticle(testApp)
  for (const [label, payload] of [
    ['not a time', { at: 'tomorrow' }],
    ['a number', { at: 1767225600000 }],
    ['unknown field', { when: '2030-01-01T00:00:00.000Z' }],
    ['a list', [1]],
  ] as const) {
    const res = await action(testApp, c.id, 'publish', payload)
    t.equal(res.statusCode, 400, label)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  t.equal((await read(testApp, c.id, testApp.editor)).json().status, 'draft', 'the bad requests changed nothing')
  t.equal((await action(testApp, 'nosuchid', 'publish')).statusCode, 404)
  t.equal((await action(testApp, 'nosuchid', 'unpublish')).statusCode, 404)
  t.equal((await action(testApp, c.id, 'publish', {}, testApp.moderator)).statusCode, 403)
})

t.test('a future time schedules; the article stays hidden until then', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp, { title: 'Embargoed report' })
  const at = new Date(Date.now() + 3_600_000).toISOString()
  const res = await action(testApp, draft.id, 'publish', { at })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'scheduled', scheduledAt: at, publishedAt: null, version: draft.version + 1 })
  t.equal((await read(testApp, draft.id)).statusCode, 404, 'anonymous readers do not see a scheduled article')
  t.equal((await read(testApp, draft.id, testApp.moderator)).statusCode, 404, 'nor do moderators')
  t.same(await publicIds(testApp), [])
  const scheduled = (await testApp.app.inject({ url: '/v1/articles?status=scheduled', headers: auth(testApp.editor) })).json()
  t.same(scheduled.data.map((a: { id: string }) => a.id), [draft.id], 'editors find it among the scheduled')

  const offset = await action(testApp, draft.id, 'publish', { at: at.replace('Z', '+00:00') })
  t.equal(offset.json().scheduledAt, at, 'the same time written with an offset is the same schedule')
  t.equal(offset.json().version, draft.version + 1, 'and changes nothing')

  const later = new Date(Date.now() + 7_200_000).toISOString()
  const moved = (await action(testApp, draft.id, 'publish', { at: later })).json()
  t.equal(moved.scheduledAt, later, 'a new time moves the schedule')

  const now = (await action(testApp, draft.id, 'publish')).json()
  t.equal(now.status, 'published', 'publishing without a time publishes a scheduled article now')
  t.equal(now.scheduledAt, null)
})

t.test('a time in the past publishes now', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp)
  const before = Date.now()
  const res = await action(testApp, draft.id, 'publish', { at: '2020-05-01T08:00:00.000Z' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'published')
  t.equal(res.json().scheduledAt, null)
  t.ok(Date.parse(res.json().publishedAt) >= before - 1, 'publishedAt is now, not the past time given')
})

t.test('unpublish takes an article back to draft', async (t) => {
  const testApp = await makeApp(t)
  const article = await createArticle(testApp, { title: 'Retracted claim', tags: ['Health'], authors: ['Iris Gómez'] }, { published: true })
  const res = await action(testApp, article.id, 'unpublish')
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'draft', publishedAt: null, scheduledAt: null, version: article.version + 1 })
  t.equal((await read(testApp, article.id)).statusCode, 404)
  t.same(await publicIds(testApp), [])
  for (const query of ['tag=health', 'author=iris%20g%C3%B3mez', 'q=retracted']) {
    const list = (await testApp.app.inject(`/v1/articles?${query}`)).json()
    t.same(list.data, [], `gone from ?${query}`)
  }
  const twice = await action(testApp, article.id, 'unpublish')
  t.equal(twice.json().version, article.version + 1, 'a draft stays as it is')

  const scheduled = await createArticle(testApp)
  await action(testApp, scheduled.id, 'publish', { at: new Date(Date.now() + 60_000).toISOString() })
  const cancelled = (await action(testApp, scheduled.id, 'unpublish')).json()
  t.match(cancelled, { status: 'draft', scheduledAt: null }, 'unpublish cancels a schedule')
})

t.test('archiving through PATCH hides a published article', async (t) => {
  const testApp = await makeApp(t)
  const article = await createArticle(testApp, { title: 'Old news' }, { published: true })
  const res = await testApp.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}`,
    headers: auth(testApp.editor),
    payload: { status: 'archived' },
  })
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'archived')
  t.equal(res.json().publishedAt, article.publishedAt, 'an archived article keeps when it was published')
  t.equal((await read(testApp, article.id)).statusCode, 404)
  t.same(await publicIds(testApp), [])
  const archived = (await testApp.app.inject({ url: '/v1/articles?status=archived', headers: auth(testApp.editor) })).json()
  t.same(archived.data.map((a: { id: string }) => a.id), [article.id])
  const review = await testApp.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}`,
    headers: auth(testApp.editor),
    payload: { status: 'review' },
  })
  t.match(review.json(), { status: 'review', publishedAt: null })
})

t.test('every change keeps a revision, newest first, paged', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const article = await createArticle(testApp, { title: 'First headline', body: [{ type: 'paragraph', text: 'First body.' }] })
  await app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, headers: auth(editor), payload: { title: 'Second headline' } })
  await action(testApp, article.id, 'publish')
  await app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}`,
    headers: auth(editor),
    payload: { title: 'Third headline', body: [{ type: 'paragraph', text: 'Third body.' }] },
  })
  const res = await app.inject({ url: `/v1/articles/${article.id}/revisions`, headers: auth(editor) })
  t.equal(res.statusCode, 200)
  const list = res.json()
  t.same(list.data.map((r: { revision: number }) => r.revision), [4, 3, 2, 1])
  t.equal(list.nextCursor, null)
  t.match(list.data[3], { revision: 1, createdAt: String, keyId: String, snapshot: { title: 'First headline', status: 'draft' } })
  t.match(list.data[1].snapshot, { title: 'Second headline', status: 'published' })
  t.same(list.data[0].snapshot.body, [{ type: 'paragraph', text: 'Third body.' }])

  const seen: number[] = []
  let cursor: string | null = null
  do {
    const url: string = `/v1/articles/${article.id}/revisions?limit=3${cursor ? `&cursor=${cursor}` : ''}`
    const page = (await app.inject({ url, headers: auth(editor) })).json()
    seen.push(...page.data.map((r: { revision: number }) => r.revision))
    cursor = page.nextCursor
  } while (cursor !== null && seen.length < 20)
  t.same(seen, [4, 3, 2, 1], 'paging gives each revision once')

  t.equal((await app.inject({ url: `/v1/articles/${article.id}/revisions?limit=0`, headers: auth(editor) })).statusCode, 400)
  t.equal((await app.inject({ url: `/v1/articles/${article.id}/revisions?cursor=bogus`, headers: auth(editor) })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/articles/nosuchid/revisions', headers: auth(editor) })).statusCode, 404)
  t.equal((await app.inject({ url: `/v1/articles/${article.id}/revisions`, headers: auth(testApp.moderator) })).statusCode, 403)
})

t.test('restoring a revision brings its content back as a new version', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const article = await createArticle(testApp, {
    title: 'Original headline',
    summary: 'Original summary.',
    tags: ['Original'],
    body: [{ type: 'paragraph', text: 'Original <em>body</em>.' }],
  })
  await app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}`,
    headers: auth(editor),
    payload: { title: 'Rewritten headline', summary: 'Rewritten.', tags: [], body: [], slug: 'rewritten-headline' },
  })
  const published = (await action(testApp, article.id, 'publish')).json()

  const res = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/1/restore`, headers: auth(editor) })
  t.equal(res.statusCode, 200)
  const restored = res.json()
  t.match(restored, {
    title: 'Original headline',
    summary: 'Original summary.',
    tags: ['Original'],
    body: [{ type: 'paragraph', text: 'Original <em>body</em>.' }],
    slug: 'rewritten-headline',
    status: 'published',
    publishedAt: published.publishedAt,
    version: published.version + 1,
  })
  const revisions = (await app.inject({ url: `/v1/articles/${article.id}/revisions?limit=1`, headers: auth(editor) })).json()
  t.equal(revisions.data[0].revision, restored.version, 'the restore is itself a revision')
  t.equal(revisions.data[0].snapshot.title, 'Original headline')
  const search = (await app.inject('/v1/articles?q=original')).json()
  t.same(search.data.map((a: { id: string }) => a.id), [article.id], 'the search index follows the restore')

  t.equal((await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/99/restore`, headers: auth(editor) })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/0/restore`, headers: auth(editor) })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/one/restore`, headers: auth(editor) })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: '/v1/articles/nosuchid/revisions/1/restore', headers: auth(editor) })).statusCode, 404)
})

t.test('restoring a revision whose media is gone is a 409; a database failing meanwhile is not', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const sqlite = app.db.$client
  const time = new Date().toISOString()
  sqlite
    .prepare(
      `INSERT INTO media (id, kind, mime_type, filename, size, sha256, created_at, updated_at)
       VALUES ('photo1', 'image', 'image/jpeg', 'photo.jpg', 1234, ?, ?, ?)`,
    )
    .run('a'.repeat(64), time, time)
  const article = await createArticle(testApp, { title: 'With a photo', leadMediaId: 'photo1' })
  const patched = await app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, headers: auth(editor), payload: { leadMediaId: null } })
  t.equal(patched.statusCode, 200)
  sqlite.prepare("DELETE FROM media WHERE id = 'photo1'").run()

  const restore = () => app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/1/restore`, headers: auth(editor) })
  const refused = await restore()
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { detail: /Revision 1 uses media that no longer exist/ })
  t.equal((await read(testApp, article.id, editor)).json().version, 2, 'the article is unchanged')

  // The check's query fails: that is the database's problem to report, not a conflict of the revision's.
  sqlite.exec('ALTER TABLE media RENAME TO media_elsewhere')
  t.equal((await restore()).statusCode, 500)
})

// Every time the API accepts is an instant the service can compute with: RFC 3339 allows a leap
// second (23:59:60) that JavaScript dates cannot hold, and an embargo compared with NaN would
// publish a story at once.
const publishAt = ({ app, editor }: TestApp, id: string, at: string) =>
  app.inject({ method: 'POST', url: `/v1/articles/${id}/publish`, headers: auth(editor), payload: { at } })

t.test('an embargo at a leap second is a 400, and the story stays a draft', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp)
  const res = await publishAt(testApp, draft.id, '2099-12-31T23:59:60Z')
  t.equal(res.statusCode, 400)
  t.match(body(res), { status: 400, errors: [{ path: 'body.at' }] })
  const after = await testApp.app.inject({ method: 'GET', url: `/v1/articles/${draft.id}`, headers: auth(testApp.editor) })
  t.equal(body(after).status, 'draft', 'not published')
  t.equal(body(after).version, draft.version, 'not changed at all')
})

t.test('impossible dates are 400s; real ones, in any offset, are accepted', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp)
  for (const at of ['2099-02-30T10:00:00Z', '2099-13-01T10:00:00Z', '2099-12-31T24:00:00Z', '2099-12-31T23:59:60+01:00']) {
    const res = await publishAt(testApp, draft.id, at)
    t.equal(res.statusCode, 400, at)
  }
  const res = await publishAt(testApp, draft.id, '2099-12-31T23:59:59.999+02:00')
  t.equal(res.statusCode, 200)
  t.equal(body(res).status, 'scheduled')
  t.equal(body(res).scheduledAt, '2099-12-31T21:59:59.999Z', 'kept as the same instant in UTC')
})
