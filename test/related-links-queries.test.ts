// Embedding costs one query per kind of thing, never one per link: the SQL statements run for
// one request are counted, and an article with 30 links and 30 `related` blocks (targets with
// lead media) costs exactly what one with a single link does.
import type { InjectOptions } from 'fastify'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { auth, type TestContext, testConfig } from './helpers.js'

interface Counted {
  app: Awaited<ReturnType<typeof buildApp>>
  editor: string
  /** The SQL of each statement run while `fn` ran. */
  statements(fn: () => Promise<unknown>): Promise<string[]>
}

/** An app whose database counts every statement it runs: prepare is wrapped before buildApp prepares anything. */
const BOOKKEEPING = /invalidations|total_changes\(\)/

async function countingApp(t: TestContext): Promise<Counted> {
  const db = openDatabase(':memory:')
  const editor = createKeysRepository(db).create('test editor', 'editor').token
  const sqlite = db.$client
  const prepare = sqlite.prepare.bind(sqlite)
  let log: string[] | null = null
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source) as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const method of ['all', 'get', 'run', 'iterate']) {
      const run = statement[method]!.bind(statement)
      statement[method] = (...args: unknown[]) => {
        // The response cache's look at the invalidation log is bookkeeping, not embedding.
        if (!BOOKKEEPING.test(source)) log?.push(source.replace(/\s+/g, ' ').trim())
        return run(...args)
      }
    }
    return statement
  }) as unknown as typeof sqlite.prepare
  const app = await buildApp(testConfig(), { db })
  t.teardown(() => app.close())
  await app.ready()
  return {
    app,
    editor,
    async statements(fn) {
      log = []
      try {
        await fn()
        return log
      } finally {
        log = null
      }
    },
  }
}

let mediaCounter = 0

/** A published article with its own lead image (media rows are written directly: uploads are another resource). */
async function target(app: Counted['app'], editor: string, title: string): Promise<string> {
  mediaCounter += 1
  const mediaId = `media${mediaCounter}`
  const time = new Date().toISOString()
  app.db.$client
    .prepare(
      `INSERT INTO media (id, kind, mime_type, filename, size, width, height, sha256, created_at, updated_at)
       VALUES (?, 'image', 'image/jpeg', ?, 1000, 800, 600, ?, ?, ?)`,
    )
    .run(mediaId, `${mediaId}.jpg`, `sha${mediaCounter}`, time, time)
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload: { title, leadMediaId: mediaId } })
  if (created.statusCode !== 201) throw new Error(created.body)
  const id = created.json().id as string
  await app.inject({ method: 'POST', url: `/v1/articles/${id}/publish`, headers: auth(editor) })
  return id
}

async function parentWith(counted: Counted, count: number): Promise<string> {
  const { app, editor } = counted
  const ids: string[] = []
  for (let i = 0; i < count; i += 1) ids.push(await target(app, editor, `Target ${count}-${i}`))
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: auth(editor),
    payload: { title: `Parent with ${count}`, body: ids.map((articleId) => ({ type: 'related', articleId })) },
  })
  const id = created.json().id as string
  await app.inject({ method: 'POST', url: `/v1/articles/${id}/publish`, headers: auth(editor) })
  const put = await app.inject({ method: 'PUT', url: `/v1/articles/${id}/related`, headers: auth(editor), payload: ids.map((articleId) => ({ articleId })) })
  if (put.statusCode !== 200) throw new Error(put.body)
  return id
}

t.test('reading links costs the same number of statements for 1 link as for 30', async (t) => {
  const counted = await countingApp(t)
  const { app, editor } = counted
  const one = await parentWith(counted, 1)
  const thirty = await parentWith(counted, 30)

  const requests: [string, (id: string) => InjectOptions][] = [
    ['anonymous article read', (id) => ({ method: 'GET', url: `/v1/articles/${id}` })],
    ['editor article read', (id) => ({ method: 'GET', url: `/v1/articles/${id}`, headers: auth(editor) })],
    ['anonymous related list', (id) => ({ method: 'GET', url: `/v1/articles/${id}/related?limit=100` })],
    ['editor related list', (id) => ({ method: 'GET', url: `/v1/articles/${id}/related?limit=100`, headers: auth(editor) })],
  ]
  for (const [name, request] of requests) {
    let single: unknown
    let many: unknown
    const forOne = await counted.statements(async () => {
      single = (await app.inject(request(one))).json()
    })
    const forThirty = await counted.statements(async () => {
      many = (await app.inject(request(thirty))).json()
    })
    const links = (many as { related?: unknown[]; data?: unknown[] }).related ?? (many as { data: unknown[] }).data
    t.equal(links.length, 30, `${name}: all 30 links are there`)
    t.ok(
      (links as { article: { leadMedia: unknown } }[]).every((link) => link.article.leadMedia !== null),
      `${name}: every target comes with its lead media`,
    )
    t.ok(single, `${name}: the single-link read answered`)
    t.equal(forThirty.length, forOne.length, `${name}: ${forOne.length} statements either way`)
    t.ok(forThirty.length <= 6, `${name}: a handful of statements in all`, { statements: forThirty })
  }
})
