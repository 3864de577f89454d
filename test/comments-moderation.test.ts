// Moderation: the state machine over HTTP, commentCount after every transition, one and many
// at a time, erasure with its audit row, the queue, and the repository's transactions.
import t from 'tap'
import { createArticlesRepository } from '../src/articles/repository.js'
import { createCommentsRepository, type NewComment } from '../src/comments/repository.js'
import { openDatabase } from '../src/db/client.js'
import { notFound } from '../src/http/problems.js'
import { auth, createArticle, makeApp, type TestApp, type TestContext } from './helpers.js'

let sent = 0

function setup(t: TestContext, env: Record<string, string> = {}) {
  return makeApp(t, { COMMENT_RATE_LIMIT: '0', ...env })
}

async function submitted(testApp: TestApp, articleId: string, payload: Record<string, unknown> = {}) {
  sent++
  const res = await testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${articleId}/comments`,
    payload: { authorName: 'Tomás', authorEmail: 'tomas@example.org', body: `Thoughtful remark number ${sent}.`, ...payload },
  })
  if (res.statusCode !== 201) throw new Error(`submit: ${res.statusCode} ${res.body}`)
  return res.json()
}

function moderate(testApp: TestApp, id: string, status: string) {
  return testApp.app.inject({ method: 'PATCH', url: `/v1/comments/${id}`, headers: auth(testApp.moderator), payload: { status } })
}

function moderateMany(testApp: TestApp, ids: string[], status: string) {
  return testApp.app.inject({ method: 'POST', url: '/v1/comments/moderate', headers: auth(testApp.moderator), payload: { ids, status } })
}

async function commentCount(testApp: TestApp, articleId: string): Promise<number> {
  return (await testApp.app.inject(`/v1/articles/${articleId}`)).json().commentCount
}

async function statusOf(testApp: TestApp, id: string): Promise<string> {
  return (await testApp.app.inject({ url: `/v1/comments/${id}`, headers: auth(testApp.moderator) })).json().status
}

function auditRows(testApp: TestApp, commentId: string) {
  return testApp.app.db.$client
    .prepare('SELECT * FROM comment_moderations WHERE comment_id = ? ORDER BY created_at, rowid')
    .all(commentId) as Record<string, unknown>[]
}

async function moderatorKeyId(testApp: TestApp): Promise<string> {
  const keys = (await testApp.app.inject({ url: '/v1/keys', headers: auth(testApp.admin) })).json().data
  return keys.find((key: any) => key.role === 'moderator').id
}

// Building an app costs about a second (schema compilation), so this file shares one per
// configuration; each test works on articles of its own, which keeps the tests independent.
const PRE = await setup(t)
const POST = await setup(t, { COMMENT_MODERATION: 'post', COMMENT_MAX_DEPTH: '3' })

t.test('commentCount follows every transition, each recorded with the key and the time', async (t) => {
  const testApp = PRE
  const article = await createArticle(testApp, {}, { published: true })
  const comment = await submitted(testApp, article.id)
  t.equal(await commentCount(testApp, article.id), 0, 'pending does not count')

  const steps: [string, number][] = [
    ['approved', 1],
    ['rejected', 0],
    ['approved', 1],
    ['spam', 0],
    ['approved', 1],
    ['approved', 1],
    ['rejected', 0],
    ['spam', 0],
    ['rejected', 0],
  ]
  let version = 1
  let previous: any = comment
  for (const [status, count] of steps) {
    const before = Date.now()
    const res = await moderate(testApp, comment.id, status)
    t.equal(res.statusCode, 200, `→ ${status}`)
    const after = res.json()
    t.equal(after.status, status)
    if (previous.status === status) t.equal(after.moderatedAt, previous.moderatedAt, 'no change, no new decision')
    else t.ok(Date.parse(after.moderatedAt) >= before - 5, 'moderatedAt is the time of the decision')
    t.equal(await commentCount(testApp, article.id), count, `count after → ${status}`)
    version = after.version
    previous = after
  }
  t.equal(version, 9, 'the repeated "approved" changed nothing, not even the version')

  const keyId = await moderatorKeyId(testApp)
  const rows = auditRows(testApp, comment.id)
  t.equal(rows.length, 9, 'one row at submission, one per change')
  t.match(rows[0], { from_status: null, to_status: 'pending', key_id: null })
  t.match(rows[1], { from_status: 'pending', to_status: 'approved', key_id: keyId })
  t.ok(rows.every((row) => typeof row.created_at === 'string'))
  t.match((await testApp.app.inject({ url: `/v1/comments/${comment.id}`, headers: auth(testApp.moderator) })).json(), {
    moderatedBy: keyId,
    authorEmail: 'tomas@example.org',
  })
})

t.test('the state machine refuses a return to pending with 409; other mistakes are 400 and 404', async (t) => {
  const testApp = PRE
  const article = await createArticle(testApp, {}, { published: true })
  const comment = await submitted(testApp, article.id)
  t.equal((await moderate(testApp, comment.id, 'pending')).statusCode, 200, 'pending to pending changes nothing')
  await moderate(testApp, comment.id, 'approved')
  const back = await moderate(testApp, comment.id, 'pending')
  t.equal(back.statusCode, 409)
  t.match(back.json().detail, /is approved and cannot become pending; it can become rejected, spam/)
  t.equal(await statusOf(testApp, comment.id), 'approved')

  t.equal((await moderate(testApp, 'no-such-comment', 'approved')).statusCode, 404)
  t.equal((await moderate(testApp, comment.id, 'published')).statusCode, 400)
  const typo = await testApp.app.inject({
    method: 'PATCH',
    url: `/v1/comments/${comment.id}`,
    headers: auth(testApp.moderator),
    payload: { status: 'rejected', reason: 'rude' },
  })
  t.equal(typo.statusCode, 400)
  t.match(typo.json().errors, [{ path: 'body.reason' }])
  t.equal((await testApp.app.inject({ url: '/v1/comments/no-such-comment', headers: auth(testApp.moderator) })).statusCode, 404)
})

t.test('post-moderation: an approved comment counts at once; moderating it away uncounts it', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const comment = await submitted(testApp, article.id)
  t.equal(comment.status, 'approved')
  t.equal(await commentCount(testApp, article.id), 1)
  await moderate(testApp, comment.id, 'rejected')
  t.equal(await commentCount(testApp, article.id), 0)
})

t.test('moderating many: all or nothing', async (t) => {
  const testApp = PRE
  const article = await createArticle(testApp, {}, { published: true })
  const other = await createArticle(testApp, {}, { published: true })
  const a = await submitted(testApp, article.id)
  const b = await submitted(testApp, article.id)
  const c = await submitted(testApp, other.id)

  const ok = await moderateMany(testApp, [c.id, a.id, b.id], 'approved')
  t.equal(ok.statusCode, 200)
  t.same(
    ok.json().data.map((x: any) => [x.id, x.status]),
    [
      [c.id, 'approved'],
      [a.id, 'approved'],
      [b.id, 'approved'],
    ],
    'in the order of ids',
  )
  t.equal(await commentCount(testApp, article.id), 2)
  t.equal(await commentCount(testApp, other.id), 1)

  const unknown = await moderateMany(testApp, [a.id, 'no-such-comment'], 'rejected')
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json().errors, [{ path: 'body.ids[1]', message: /no-such-comment/ }])
  t.equal(await statusOf(testApp, a.id), 'approved', 'nothing changed')

  const d = await submitted(testApp, article.id)
  const refused = await moderateMany(testApp, [d.id, a.id], 'pending')
  t.equal(refused.statusCode, 409)
  t.match(refused.json().detail, /Nothing was changed/)
  t.equal(await statusOf(testApp, a.id), 'approved')

  const mixed = await moderateMany(testApp, [a.id, d.id], 'spam')
  t.equal(mixed.statusCode, 200)
  t.equal(await commentCount(testApp, article.id), 1)

  t.equal((await moderateMany(testApp, [], 'approved')).statusCode, 400)
  t.equal((await moderateMany(testApp, [a.id, a.id], 'approved')).statusCode, 400, 'duplicate ids')
  const many = Array.from({ length: 101 }, (_, i) => `id${i}`)
  t.equal((await moderateMany(testApp, many, 'approved')).statusCode, 400, 'at most 100 ids')
  const hundred = await moderateMany(testApp, many.slice(0, 100), 'approved')
  t.equal(hundred.statusCode, 400, '100 ids pass validation; unknown ones are named')
  t.equal(hundred.json().errors.length, 100)
})

t.test('erasing: 204, count follows, replies stay and move up, the audit row keeps no text', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const top = await submitted(testApp, article.id, { body: 'The secret words of the top comment.' })
  const reply = await submitted(testApp, article.id, { parentId: top.id })
  const deep = await submitted(testApp, article.id, { parentId: reply.id })
  t.equal((await testApp.app.inject({ method: 'POST', url: `/v1/articles/${article.id}/comments`, payload: { authorName: 'X', body: 'too deep', parentId: deep.id } })).statusCode, 400)
  t.equal(await commentCount(testApp, article.id), 3)

  const res = await testApp.app.inject({ method: 'DELETE', url: `/v1/comments/${top.id}`, headers: auth(testApp.moderator) })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal(await commentCount(testApp, article.id), 2)
  const list = (await testApp.app.inject(`/v1/articles/${article.id}/comments`)).json().data
  t.same(
    list.map((c: any) => [c.id, c.parentId]),
    [
      [reply.id, null],
      [deep.id, reply.id],
    ],
  )
  t.equal(list[0].version, 2, 'the moved reply changed')
  t.equal(
    (await testApp.app.inject({ method: 'POST', url: `/v1/articles/${article.id}/comments`, payload: { authorName: 'X', body: 'now fits', parentId: deep.id } })).statusCode,
    201,
    'the subtree moved up a level, so there is room for one more reply',
  )

  const rows = auditRows(testApp, top.id)
  t.match(rows.at(-1), { from_status: 'approved', to_status: 'deleted', key_id: await moderatorKeyId(testApp) })
  t.notMatch(JSON.stringify(rows), /secret words/)
  t.equal((await testApp.app.inject({ method: 'DELETE', url: `/v1/comments/${top.id}`, headers: auth(testApp.moderator) })).statusCode, 404)

  const pending = await submitted(testApp, article.id, { website: 'bot' })
  await testApp.app.inject({ method: 'DELETE', url: `/v1/comments/${pending.id}`, headers: auth(testApp.moderator) })
  t.equal(await commentCount(testApp, article.id), 3, 'erasing spam does not touch the count')
})

t.test('deleting the article removes its comments; the audit trail stays', async (t) => {
  const testApp = PRE
  const article = await createArticle(testApp, {}, { published: true })
  const comment = await submitted(testApp, article.id)
  await moderate(testApp, comment.id, 'approved')
  const deleted = await testApp.app.inject({ method: 'DELETE', url: `/v1/articles/${article.id}`, headers: auth(testApp.editor) })
  t.equal(deleted.statusCode, 204)
  t.same((await testApp.app.inject({ url: `/v1/comments?articleId=${article.id}`, headers: auth(testApp.moderator) })).json().data, [])
  t.equal(auditRows(testApp, comment.id).length, 2)
})

t.test('the queue: every status, filters, oldest first, cursor paging', async (t) => {
  // A fresh app of its own: this test reads the unfiltered queue across articles.
  const testApp = await setup(t)
  const a = await createArticle(testApp, {}, { published: true })
  const b = await createArticle(testApp, {}, { published: true })
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    ids.push((await submitted(testApp, a.id)).id)
    ids.push((await submitted(testApp, b.id)).id)
  }
  const spam = await submitted(testApp, a.id, { website: 'bot' })
  await moderate(testApp, ids[0]!, 'approved')

  const get = (query: string) => testApp.app.inject({ url: `/v1/comments${query}`, headers: auth(testApp.moderator) })
  t.same((await get('')).json().data.map((c: any) => c.id), [...ids, spam.id], 'every status, oldest first')
  t.same((await get('?status=pending')).json().data.map((c: any) => c.id), ids.slice(1))
  t.same((await get('?status=spam')).json().data.map((c: any) => c.id), [spam.id])
  t.same((await get(`?articleId=${b.id}`)).json().data.map((c: any) => c.id), [ids[1], ids[3], ids[5]])
  t.same((await get(`?articleId=${a.id}&status=pending`)).json().data.map((c: any) => c.id), [ids[2], ids[4]])
  t.same((await get('?articleId=no-such-article')).json().data, [])

  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page: any = (await get(`?status=pending&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()
    seen.push(...page.data.map((c: any) => c.id))
    cursor = page.nextCursor
    pages++
  } while (cursor !== null && pages < 10)
  t.same(seen, ids.slice(1))
  t.equal(pages, 3)

  t.equal((await get('?status=deleted')).statusCode, 400)
  t.equal((await get('?state=pending')).statusCode, 400)
  t.equal((await get('?cursor=%%%')).statusCode, 400)
})

// The repository on its own, for what HTTP cannot show: the event is written inside the
// transaction of the change, and a stale version is refused.
t.test('repository: events inside the transaction, public fields only; ifVersion', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const article = createArticlesRepository(db, () => {}).create({ title: 'Events' }, null)
  const events: [string, any][] = []
  let failNext = false
  const comments = createCommentsRepository(db, (type, data) => {
    if (failNext) throw new Error('outbox down')
    events.push([type, data])
  })
  const input: NewComment = {
    articleId: article.id,
    parentId: null,
    depth: 0,
    authorName: 'Ines',
    authorEmail: 'ines@example.org',
    body: 'Hello',
    status: 'approved',
    ip: '192.0.2.1',
    userAgent: 'agent',
    spam: { verdict: 'ok', score: 0, reasons: [] },
    fingerprint: 'f',
  }
  const count = () => (db.$client.prepare('SELECT comment_count AS n FROM articles WHERE id = ?').get(article.id) as { n: number }).n

  const created = comments.create(input)
  t.equal(count(), 1)
  t.same(events.map(([type]) => type), ['comment.created'])
  t.same(Object.keys(events[0]![1]).sort(), ['articleId', 'authorName', 'body', 'createdAt', 'id', 'parentId', 'status', 'updatedAt', 'version'])

  failNext = true
  t.throws(() => comments.create(input), /outbox down/)
  t.throws(() => comments.moderate(created.id, 'rejected', { keyId: 'k' }), /outbox down/)
  failNext = false
  t.equal(count(), 1, 'a failed event rolls the change back')
  t.equal(comments.getById(created.id)!.status, 'approved')
  t.equal(comments.list({ limit: 10 }).data.length, 1, 'the failed comment was not stored')

  t.throws(() => comments.moderate(created.id, 'rejected', { keyId: 'k', ifVersion: 7 }), /at version 1, not 7/)
  const rejected = comments.moderate(created.id, 'rejected', { keyId: 'k', ifVersion: 1 })
  t.equal(rejected.version, 2)
  t.match(events.at(-1), ['comment.moderated', { id: created.id, status: 'rejected', previousStatus: 'approved' }])
  t.notMatch(JSON.stringify(events), /ines@example\.org|192\.0\.2\.1/, 'no e-mail or IP in any event')
  t.throws(() => comments.remove(created.id, { keyId: 'k', ifVersion: 1 }), /at version 2, not 1/)
  comments.remove(created.id, { keyId: 'k', ifVersion: 2 })
  t.equal(comments.getById(created.id), null)
  t.equal(count(), 0)


  // Many comments in the same millisecond: the lists keep the order they arrived in.
  const burst = Array.from({ length: 40 }, (_, i) => comments.create({ ...input, body: `burst ${i}` }).id)
  const listed: string[] = []
  let cursor: string | undefined
  do {
    const page = comments.listApproved(article.id, { limit: 7, cursor })
    listed.push(...page.data.map((c) => c.id))
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  t.same(listed, burst, 'submission order, every comment once')
  t.same(comments.list({ limit: 100 }).data.map((c) => c.id), burst)

  // A reader's submission: placed and counted for repeats in the transaction that stores it.
  const { parentId: _parent, depth: _depth, status: _status, ...fields } = input
  const submission = { ...fields, fingerprint: 'same', moderation: 'post' as const }
  const admit = () => ({ articleId: article.id, parentId: null, depth: 0 })
  t.match(await comments.submit(submission, admit), { comment: { status: 'approved', spam: { reasons: [] } } })
  t.match(
    await comments.submit(submission, admit),
    { comment: { status: 'pending', spam: { verdict: 'suspect', reasons: ['same text sent recently'] } } },
    'the same text again from the same address waits for a moderator',
  )
  const refused = await comments.submit(submission, () => {
    throw notFound('article', 'gone')
  })
  t.match(refused, { refused: { status: 404 } }, 'a refusal is a result, and nothing is stored')
  t.equal(comments.list({ limit: 100 }).data.length, burst.length + 2)

  // The repeat rule's memory is filled from the table when the service starts again.
  const restarted = createCommentsRepository(db, () => {})
  t.match(
    await restarted.submit(submission, admit),
    { comment: { status: 'pending', spam: { reasons: ['same text sent recently'] } } },
    'after a restart the two earlier copies still count',
  )
  t.match(
    await restarted.submit(submission, admit),
    { comment: { status: 'spam', spam: { reasons: ['same text sent 4 times recently'] } } },
  )
  db.$client.prepare("UPDATE comments SET created_at = '2020-01-01T00:00:00.000Z' WHERE fingerprint = 'same'").run()
  t.match(
    await createCommentsRepository(db, () => {}).submit(submission, admit),
    { comment: { status: 'approved', spam: { reasons: [] } } },
    'copies older than the window are not remembered',
  )
})

t.test('repository: a restart remembers copies further back than one read of the table', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const article = createArticlesRepository(db, () => {}).create({ title: 'Busy' }, null)
  const comments = createCommentsRepository(db, () => {})
  const input = (ip: string, fingerprint: string): NewComment => ({
    articleId: article.id,
    parentId: null,
    depth: 0,
    authorName: 'Reader',
    authorEmail: null,
    body: 'Text',
    status: 'approved',
    ip,
    userAgent: null,
    spam: { verdict: 'ok', score: 0, reasons: [] },
    fingerprint,
  })
  for (let i = 0; i < 3; i++) comments.create(input('192.0.2.9', 'early'))
  // Enough later comments from other addresses that the early copies lie past the first read.
  for (let i = 0; i < 2_500; i++) comments.create(input(`198.51.100.${i % 200}`, `later ${i}`))

  const restarted = createCommentsRepository(db, () => {})
  const { ip, fingerprint, ...rest } = input('192.0.2.9', 'early')
  const { parentId: _parent, depth: _depth, status: _status, ...fields } = rest
  const outcome = await restarted.submit({ ...fields, ip, fingerprint, moderation: 'post' }, () => ({ articleId: article.id, parentId: null, depth: 0 }))
  t.match(outcome, { comment: { status: 'spam', spam: { reasons: ['same text sent 4 times recently'] } } }, 'all three early copies count')
})
