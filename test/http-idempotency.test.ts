// Idempotency-Key on POST (src/http/idempotency.ts): one creation per caller and key, the
// first answer replayed, another body with the same key refused, concurrent repeats merged;
// and the records behind it.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createIdempotencyRepository } from '../src/idempotency/repository.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { image } from './fixtures/media.js'
import { auth, createArticle, httpApp, postComment, uploadForm } from './http-fixtures.js'
import { type TestApp, testConfig } from './helpers.js'

const postArticle = (ta: TestApp, key: string | undefined, payload: Record<string, unknown>, token = ta.editor) =>
  ta.app.inject({ method: 'POST', url: '/v1/articles', headers: { ...auth(token), ...(key === undefined ? {} : { 'idempotency-key': key }) }, payload })

async function countArticles(ta: TestApp): Promise<number> {
  const res = await ta.app.inject({ url: '/v1/articles?limit=100', headers: auth(ta.admin) })
  return res.json().data.length
}

t.test('article POST twice with one key: one article, the first answer replayed', async (t) => {
  const ta = await httpApp(t)
  const payload = { title: 'Ferry timetable changes' }
  const first = await postArticle(ta, 'create-ferry-1', payload)
  t.equal(first.statusCode, 201)
  t.equal(first.headers['idempotent-replayed'], undefined, 'the first answer is not a replay')
  const second = await postArticle(ta, 'create-ferry-1', payload)
  t.equal(second.statusCode, 201, 'same status')
  t.equal(second.body, first.body, 'same body, byte for byte')
  t.equal(second.headers.location, first.headers.location, 'same Location')
  t.equal(second.headers['content-type'], first.headers['content-type'])
  t.equal(second.headers['idempotent-replayed'], 'true')
  t.equal(await countArticles(ta), 1, 'one article')

  const different = await postArticle(ta, 'create-ferry-1', { title: 'Ferry timetable changes again' })
  t.equal(different.statusCode, 422, 'the same key with another body')
  t.equal(different.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(different.json().type, 'urn:cms:problem:unprocessable')
  t.equal(await countArticles(ta), 1, 'creates nothing')

  const otherUrl = await ta.app.inject({
    method: 'POST',
    url: `/v1/articles/${first.json().id}/publish`,
    headers: { ...auth(ta.editor), 'idempotency-key': 'create-ferry-1' },
  })
  t.equal(otherUrl.statusCode, 422, 'the same key on another URL is another request')

  const withoutKey = await postArticle(ta, undefined, { title: 'Ferry timetable, again' })
  t.equal(withoutKey.statusCode, 201)
  t.equal(await countArticles(ta), 2, 'no key, no deduplication')

  const badKey = await postArticle(ta, 'has spaces and ünicode', payload)
  t.equal(badKey.statusCode, 400, 'a key must be printable ASCII')
  const longKey = await postArticle(ta, 'k'.repeat(256), payload)
  t.equal(longKey.statusCode, 400, 'and at most 255 characters')
})

t.test('keys are per caller; errors are replayed; validation failures are not stored', async (t) => {
  const ta = await httpApp(t)
  const payload = { title: 'Storm warning for the coast', slug: 'storm-warning' }
  const editor = await postArticle(ta, 'shared-key', payload)
  t.equal(editor.statusCode, 201)
  // The admin key is another caller: the same key and body is its own request (a taken slug).
  const admin = await postArticle(ta, 'shared-key', payload, ta.admin)
  t.equal(admin.statusCode, 409, 'another caller with the same key is not replayed the first answer')
  t.equal(admin.headers['idempotent-replayed'], undefined)
  const adminAgain = await postArticle(ta, 'shared-key', payload, ta.admin)
  t.equal(adminAgain.statusCode, 409, 'a 4xx answer is kept and replayed like any other')
  t.equal(adminAgain.headers['idempotent-replayed'], 'true')
  t.equal(adminAgain.body, admin.body)

  const other = await postArticle(ta, 'another-key', { title: 'Storm warning, second edition' }, ta.admin)
  t.equal(other.statusCode, 201, 'a new key is a new request')

  const invalid = await postArticle(ta, 'typo-key', { title: 'Typo', headlin: 'x' })
  t.equal(invalid.statusCode, 400)
  const fixed = await postArticle(ta, 'typo-key', { title: 'Typo fixed' })
  t.equal(fixed.statusCode, 201, 'a request refused before its handler ran does not use up its key')
})

t.test('ten concurrent POSTs with one key create one article', async (t) => {
  const ta = await httpApp(t)
  const payload = { title: 'Harbour bridge reopens' }
  const answers = await Promise.all(Array.from({ length: 10 }, () => postArticle(ta, 'race-key', payload)))
  t.same(
    answers.map((a) => a.statusCode),
    Array(10).fill(201),
    'every caller gets the created answer',
  )
  t.equal(new Set(answers.map((a) => a.json().id)).size, 1, 'all of them name one article')
  t.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 9, 'nine are replays')
  t.equal(await countArticles(ta), 1, 'one article exists')
})

t.test('anonymous comment POST: the key is per client address', async (t) => {
  const ta = await httpApp(t)
  const article = await createArticle(ta, {}, { published: true })
  const fields = { body: 'The tide tables in print were wrong this week.' }
  const first = await postComment(ta, article.id, { 'idempotency-key': 'comment-1' }, fields)
  t.equal(first.statusCode, 201)
  const again = await postComment(ta, article.id, { 'idempotency-key': 'comment-1' }, fields)
  t.equal(again.statusCode, 201)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(again.json().id, first.json().id, 'the same comment')
  const fromElsewhere = await ta.app.inject({
    method: 'POST',
    url: `/v1/articles/${article.id}/comments`,
    headers: { 'idempotency-key': 'comment-1' },
    remoteAddress: '192.0.2.200',
    payload: { authorName: 'Noor', body: 'The tide tables in print were wrong this week.' },
  })
  t.equal(fromElsewhere.statusCode, 201)
  t.equal(fromElsewhere.headers['idempotent-replayed'], undefined, 'another address is another caller')
  t.not(fromElsewhere.json().id, first.json().id)
  const queue = await ta.app.inject({ url: '/v1/comments?status=pending', headers: auth(ta.moderator) })
  t.equal(queue.json().data.length, 2, 'two comments, not three')
})

t.test('media upload (multipart) with a key: the key covers the file and the fields', async (t) => {
  const ta = await httpApp(t)
  const bytes = await image('png', { width: 20, height: 10 })
  const form = uploadForm(bytes, { caption: 'Lighthouse in fog' })
  const send = (body: { payload: Buffer; headers: Record<string, string> }, key = 'upload-1') =>
    ta.app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(ta.editor), ...body.headers, 'idempotency-key': key }, payload: body.payload })
  const countMedia = async () => (await ta.app.inject({ url: '/v1/media', headers: auth(ta.editor) })).json().data.length

  const first = await send(form)
  t.equal(first.statusCode, 201)
  const second = await send(form)
  t.equal(second.statusCode, 201)
  t.equal(second.headers['idempotent-replayed'], 'true')
  t.equal(second.body, first.body)
  const rebuilt = await send(uploadForm(bytes, { caption: 'Lighthouse in fog' }))
  t.equal(rebuilt.headers['idempotent-replayed'], 'true', 'the same parts under another multipart boundary are the same request')
  t.equal(rebuilt.body, first.body)
  t.equal(await countMedia(), 1, 'one media item')

  const otherFile = await send(uploadForm(await image('png', { width: 20, height: 10, color: '#cc3333' }), { caption: 'Lighthouse in fog' }))
  t.equal(otherFile.statusCode, 422, 'the same key with another file')
  t.equal(otherFile.json().type, 'urn:cms:problem:unprocessable')
  const otherCaption = await send(uploadForm(bytes, { caption: 'Lighthouse at dawn' }))
  t.equal(otherCaption.statusCode, 422, 'the same key with another caption')
  const extraField = await send(uploadForm(bytes, { caption: 'Lighthouse in fog', credit: 'Harbour Authority' }))
  t.equal(extraField.statusCode, 422, 'the same key with one more field')
  t.equal(await countMedia(), 1, 'and no second item is stored')

  const typo = await send(uploadForm(bytes, { captoin: 'Lighthouse in fog' }), 'upload-2')
  t.equal(typo.statusCode, 400)
  const fixed = await send(form, 'upload-2')
  t.equal(fixed.statusCode, 201, 'a form refused while it was read does not use up its key')
  t.equal(fixed.headers['idempotent-replayed'], undefined)
  t.equal(await countMedia(), 2)

  const racing = await Promise.all([1, 2, 3].map(() => send(uploadForm(bytes, { caption: 'Lighthouse, racing' }), 'upload-3')))
  t.same(racing.map((r) => r.statusCode), [201, 201, 201])
  t.equal(new Set(racing.map((r) => r.json().id)).size, 1, 'three uploads at once with one key make one item')
  t.equal(await countMedia(), 3)
})

t.test('5xx answers are not stored: a retry runs again', async (t) => {
  // No real route fails on demand, so a test route is added to a fresh app before it is ready;
  // the idempotency hooks are global and apply to it like to any other POST.
  const db = openDatabase(':memory:')
  const token = createKeysRepository(db).create('test editor', 'editor').token
  const app = await buildApp(testConfig(), { db })
  t.teardown(() => app.close())
  let calls = 0
  app.post('/test/flaky', async (_request, reply) => {
    calls++
    if (calls === 1) throw new Error('the first attempt fails on our side')
    return reply.code(201).send({ attempt: calls })
  })
  await app.ready()
  const send = () => app.inject({ method: 'POST', url: '/test/flaky', headers: { ...auth(token), 'idempotency-key': 'flaky-1' }, payload: {} })
  const failed = await send()
  t.equal(failed.statusCode, 500)
  const retried = await send()
  t.equal(retried.statusCode, 201, 'the retry ran the handler again')
  t.equal(retried.headers['idempotent-replayed'], undefined)
  t.same(retried.json(), { attempt: 2 })
  const replayed = await send()
  t.equal(replayed.headers['idempotent-replayed'], 'true', 'and its success is what is kept')
  t.equal(calls, 2)
})

t.test('WORKERS > 1: a repeat that reaches another worker waits for the first answer there, then replays it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-idempotency-'))
  const path = join(dir, 'cms.sqlite')
  const side = openDatabase(path)
  const editor = createKeysRepository(side).create('test editor', 'editor')
  const records = createIdempotencyRepository(side)
  // Two apps on one database file: two workers. A test route in each that counts its runs; the
  // first worker's run waits for a gate, so that its request is in flight when the repeat comes.
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const runs = [0, 0]
  const worker = async (index: number) => {
    const app = await buildApp(testConfig({ WORKERS: '2', DATABASE_PATH: path }), { db: openDatabase(path) })
    app.post('/test/slow', async (_request, reply) => {
      runs[index]!++
      if (index === 0) await gate
      return reply.code(201).send({ ranIn: index })
    })
    await app.ready()
    return app
  }
  const apps = [await worker(0), await worker(1)]
  t.teardown(async () => {
    for (const app of apps) await app.close()
    side.$client.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const send = (index: number, key: string) =>
    apps[index]!.inject({ method: 'POST', url: '/test/slow', headers: { ...auth(editor.token), 'idempotency-key': key }, payload: {} })

  const first = send(0, 'across-workers')
  while (runs[0] === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const repeat = send(1, 'across-workers')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(runs[1], 0, 'the repeat does not run while the first is in flight in the other worker')
  release()
  const [a, b] = await Promise.all([first, repeat])
  t.equal(a.statusCode, 201)
  t.equal(b.statusCode, 201)
  t.equal(b.headers['idempotent-replayed'], 'true', 'the repeat replays the first answer')
  t.same(b.json(), { ranIn: 0 })
  t.same(runs, [1, 0], 'the handler ran once in all')

  // A key left in progress by a worker that died minutes ago (no request runs that long) is
  // taken over at once.
  const fingerprint = createHash('sha256').update('POST /test/slow\n').update('{}').digest('base64url')
  records.claim(`key:${editor.id}`, 'left-behind', fingerprint)
  const sevenMinutesAgo = new Date(Date.now() - 7 * 60_000).toISOString()
  side.$client.prepare("UPDATE idempotency_keys SET created_at = ? WHERE key = 'left-behind'").run(sevenMinutesAgo)
  const taken = await send(1, 'left-behind')
  t.equal(taken.statusCode, 201)
  t.equal(taken.headers['idempotent-replayed'], undefined, 'it runs for real')
  t.same(runs, [1, 1])
})

t.test('the records (src/idempotency/repository.ts): claim, answer, take over, let go, purge', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const records = createIdempotencyRepository(db)
  t.equal(records.find('key:a', 'k1'), undefined, 'an unknown key')

  records.claim('key:a', 'k1', 'fp-1')
  const claimed = records.find('key:a', 'k1')!
  t.match(claimed, { fingerprint: 'fp-1', statusCode: null, headers: null, body: null }, 'in progress')
  records.complete('key:a', 'k1', { statusCode: 201, headers: { location: '/v1/articles/x' }, body: '{"id":"x"}' })
  t.same(records.find('key:a', 'k1'), { ...claimed, statusCode: 201, headers: { location: '/v1/articles/x' }, body: '{"id":"x"}' }, 'answered')
  t.equal(records.find('key:b', 'k1'), undefined, 'per caller')

  records.claim('key:a', 'k1', 'fp-2')
  t.match(records.find('key:a', 'k1'), { fingerprint: 'fp-2', statusCode: null, headers: null, body: null }, 'taken over: the old answer is gone')
  records.release('key:a', 'k1')
  t.equal(records.find('key:a', 'k1'), undefined, 'let go')

  records.claim('key:a', 'old', 'fp')
  records.claim('key:a', 'new', 'fp')
  db.$client.prepare("UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000Z' WHERE key = 'old'").run()
  t.equal(records.purge('2021-01-01T00:00:00.000Z'), 1, 'purges what was kept before the time')
  t.equal(records.find('key:a', 'old'), undefined)
  t.ok(records.find('key:a', 'new'), 'and keeps the rest')
})
