// Lookups of articles by lists of ids, which pad each list to a power of two to reuse prepared
// statements: every count finds exactly the articles asked for, whatever repeats or is unknown.
// And the row mapper of hot reads, which must give the rows Drizzle's own mapping gives.
import t from 'tap'
import { createArticlesRepository } from '../src/articles/repository.js'
import { getTableColumns, sql } from 'drizzle-orm'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { fastRows } from '../src/db/row-mapper.js'
import { articles as table } from '../src/db/schema.js'
import { createOutbox } from '../src/webhooks/outbox.js'

t.test('summariesByIds finds each known id once, for any number of ids', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => closeDatabase(db))
  const articles = createArticlesRepository(db, createOutbox(db))
  const ids = Array.from({ length: 40 }, (_, i) => articles.create({ title: `Story ${i}`, tags: [`tag ${i}`] }, null).id)

  t.same(articles.summariesByIds([]), new Map())
  for (const count of [1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 40]) {
    const asked = ids.slice(0, count)
    const found = articles.summariesByIds([...asked, 'unknown', asked[0]!])
    t.same([...found.keys()].sort(), [...asked].sort(), `${count} ids, with an unknown one and a repeat`)
    t.match(found.get(asked[count - 1]!), { title: `Story ${count - 1}`, tags: [`tag ${count - 1}`], status: 'draft', leadMediaId: null })
  }
  t.same(articles.summariesByIds(['unknown', 'other']), new Map(), 'only unknown ids')
})

t.test('the reference check finds each missing target, for any number of them', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => closeDatabase(db))
  const articles = createArticlesRepository(db, createOutbox(db))
  const targets = Array.from({ length: 6 }, (_, i) => articles.create({ title: `Target ${i}` }, null).id)
  const body = [...targets, 'gone1', 'gone2', 'gone3'].map((articleId) => ({ type: 'related' as const, articleId }))
  const error = t.throws(() => articles.create({ title: 'Links', body }, null)) as unknown as { status: number; errors: { path: string }[] }
  t.equal(error.status, 400)
  t.same(error.errors.map((e) => e.path), ['body.body[6].articleId', 'body.body[7].articleId', 'body.body[8].articleId'])
  t.ok(articles.create({ title: 'Links', body: body.slice(0, 6) }, null).id, 'existing targets pass')
})

t.test('rows mapped by rowMapper are the rows Drizzle maps, nested selections and decoders included', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => closeDatabase(db))
  const articles = createArticlesRepository(db, createOutbox(db))
  const first = articles.create({ title: 'Harbour reopens', tags: ['port', 'Storm'], authors: ['Ana'], commentsEnabled: false }, null)
  articles.create({ title: 'Ferry "back"', subtitle: 'Line \u2028 two', body: [{ type: 'paragraph', text: 'It <em>sailed</em>.' }] }, null)
  articles.publish(first.id, undefined, { keyId: null })
  const { seq: _seq, ...columns } = getTableColumns(table)
  const selections = {
    'every column': { ...columns, seq: table.seq },
    nested: { head: { id: table.id, tags: table.tags, enabled: table.commentsEnabled }, published: table.publishedAt },
    'a table': { article: table, seq: table.seq },
    'SQL pieces': {
      id: table.id,
      plain: sql<string>`upper(${table.title})`,
      mapped: sql`${table.commentsEnabled}`.mapWith(table.commentsEnabled),
      aliased: sql<number>`length(${table.slug})`.as('slug_length'),
    },
  }
  for (const [name, selection] of Object.entries(selections)) {
    const statement = db.select(selection).from(table).orderBy(table.seq).prepare()
    const expected = statement.all()
    t.equal(expected.length, 2)
    t.same(fastRows(statement, selection).all(), expected, name)
    t.strictSame(fastRows(statement, selection).get(), expected[0], `${name}, one row`)
  }
  t.equal(typeof fastRows(db.select({ on: table.commentsEnabled }).from(table).prepare(), { on: table.commentsEnabled }).get()!.on, 'boolean')
})
