// Lookups of articles by lists of ids, which pad each list to a power of two to reuse prepared
// statements: every count finds exactly the articles asked for, whatever repeats or is unknown.
import t from 'tap'
import { createArticlesRepository } from '../src/articles/repository.js'
import { closeDatabase, openDatabase } from '../src/db/client.js'
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
