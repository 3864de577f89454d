// Scheduled publishing: an article goes live on time, one unscheduled in the meantime does
// not, and one that fell due while the service was down goes live as it starts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { createArticlesRepository } from '../src/articles/repository.js'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { auth, createArticle, makeApp, testConfig } from './helpers.js'

/** Polls `check` until it returns a value, for at most `ms`. */
async function waitFor<T>(check: () => Promise<T | undefined>, ms = 8_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

t.test('a scheduled article goes live at its time, and only then', async (t) => {
  const testApp = await makeApp(t, { SCHEDULER_INTERVAL_MS: '50' })
  const { app, editor } = testApp
  const article = await createArticle(testApp, { title: 'Goes live soon', tags: ['Timed'] })
  const cancelled = await createArticle(testApp, { title: 'Cancelled schedule' })
  // Far enough ahead that the requests below finish first, even on a busy machine.
  const at = new Date(Date.now() + 1_500).toISOString()
  for (const id of [article.id, cancelled.id]) {
    const res = await app.inject({ method: 'POST', url: `/v1/articles/${id}/publish`, headers: auth(editor), payload: { at } })
    t.equal(res.json().status, 'scheduled')
  }
  await app.inject({ method: 'POST', url: `/v1/articles/${cancelled.id}/unpublish`, headers: auth(editor) })
  t.equal((await app.inject(`/v1/articles/${article.id}`)).statusCode, 404, 'hidden before its time')

  const live = await waitFor<{ version: number }>(async () => {
    const res = await app.inject(`/v1/articles/${article.id}`)
    return res.statusCode === 200 ? res.json() : undefined
  })
  t.ok(Date.now() >= Date.parse(at), 'not before its time')
  t.match(live, { status: 'published', publishedAt: at, scheduledAt: null, version: article.version + 2 })
  t.same((await app.inject('/v1/articles?tag=timed')).json().data.map((a: { id: string }) => a.id), [article.id], 'it is listed')
  t.same((await app.inject('/v1/articles?q=live')).json().data.map((a: { id: string }) => a.id), [article.id], 'and found')

  const revisions = (await app.inject({ url: `/v1/articles/${article.id}/revisions`, headers: auth(editor) })).json()
  t.match(revisions.data[0], { revision: live.version, keyId: null, snapshot: { status: 'published' } }, 'the scheduler leaves a revision')

  const other = (await app.inject({ url: `/v1/articles/${cancelled.id}`, headers: auth(editor) })).json()
  t.match(other, { status: 'draft', publishedAt: null, scheduledAt: null }, 'an unscheduled article stays a draft')
})

t.test('the repository publishes what is due at a given time, at its scheduled time', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => closeDatabase(db))
  const articles = createArticlesRepository(db, () => {})
  const a = articles.create({ title: 'Due first' }, null)
  const b = articles.create({ title: 'Due later' }, null)
  const base = Date.now() + 60_000
  const atA = new Date(base).toISOString()
  const atB = new Date(base + 60_000).toISOString()
  articles.publish(a.id, atA, { keyId: null })
  articles.publish(b.id, atB, { keyId: null })
  t.same(articles.publishDue(new Date(base - 1).toISOString()), [], 'nothing before its time')
  const first = articles.publishDue(atA)
  t.same(first.map((x) => x.id), [a.id])
  t.equal(first[0]!.publishedAt, atA)
  t.same(articles.publishDue(atA), [], 'publishing is done once')
  t.equal(articles.getById(b.id)!.status, 'scheduled')
  t.same(articles.publishDue(new Date(base + 3_600_000).toISOString()).map((x) => x.id), [b.id])
})

t.test('articles that fell due while the service was down go live as it starts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-scheduler-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'cms.sqlite')

  // The service's last run: an article scheduled a moment ahead, then the service stops.
  const db = openDatabase(path)
  const articles = createArticlesRepository(db, () => {})
  const article = articles.create({ title: 'Missed while down' }, null)
  const future = articles.create({ title: 'Still in the future' }, null)
  const at = new Date(Date.now() + 100).toISOString()
  articles.publish(article.id, at, { keyId: null })
  articles.publish(future.id, new Date(Date.now() + 3_600_000).toISOString(), { keyId: null })
  closeDatabase(db)
  await waitFor(async () => (Date.now() > Date.parse(at) ? true : undefined))

  // A long interval: only the run at start can publish it before the first request.
  const app = await buildApp(testConfig({ DATABASE_PATH: path, SCHEDULER_INTERVAL_MS: '60000' }))
  t.teardown(() => app.close())
  await app.ready()
  const res = await app.inject(`/v1/articles/${article.id}`)
  t.equal(res.statusCode, 200, 'published at start')
  t.match(res.json(), { status: 'published', publishedAt: at, scheduledAt: null })
  t.equal((await app.inject(`/v1/articles/${future.id}`)).statusCode, 404, 'one still in the future waits')
})
