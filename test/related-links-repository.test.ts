// The related-links repository on its own: the list's version and If-Match guard, and the
// database keeping positions dense when a target's deletion removes a link.
import t from 'tap'
import { createArticlesRepository } from '../src/articles/repository.js'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { createRelatedLinksRepository } from '../src/related-links/repository.js'
import { createOutbox } from '../src/webhooks/outbox.js'

function setup(t: { teardown(fn: () => unknown): void }) {
  const db = openDatabase(':memory:')
  t.teardown(() => closeDatabase(db))
  const articles = createArticlesRepository(db, createOutbox(db))
  const related = createRelatedLinksRepository(db)
  const story = (title: string) => articles.create({ title }, null).id
  return { db, articles, related, story }
}

t.test('each change grows the list version; a stale ifVersion changes nothing (412)', async (t) => {
  const { related, story } = setup(t)
  const parent = story('Parent')
  const [a, b] = [story('Alpha'), story('Bravo')]
  t.equal(related.versionOf(parent), 1, 'a list never written is at version 1')

  related.add(parent, { articleId: a }, { ifVersion: 1 })
  const afterAdd = related.versionOf(parent)
  t.ok(afterAdd > 1)
  t.throws(() => related.add(parent, { articleId: b }, { ifVersion: 1 }), { name: 'Problem', status: 412 })
  t.throws(() => related.replace(parent, [{ articleId: b }], { ifVersion: 1 }), { name: 'Problem', status: 412 })
  const [link] = related.listForArticle(parent)
  t.throws(() => related.remove(parent, link!.id, { ifVersion: 1 }), { name: 'Problem', status: 412 })
  t.same(
    related.listForArticle(parent).map((l) => l.articleId),
    [a],
    'no stale write went through',
  )
  t.equal(related.versionOf(parent), afterAdd)

  related.replace(parent, [{ articleId: b }, { articleId: a }], { ifVersion: afterAdd })
  const afterReplace = related.versionOf(parent)
  t.ok(afterReplace > afterAdd)
  related.remove(parent, related.listForArticle(parent)[0]!.id, { ifVersion: afterReplace })
  t.ok(related.versionOf(parent) > afterReplace)
  t.same(
    related.listForArticle(parent).map((l) => [l.position, l.articleId]),
    [[0, a]],
  )
})

t.test("a target's deletion closes the gap it leaves and grows the list version", async (t) => {
  const { articles, related, story } = setup(t)
  const parent = story('Parent')
  const targets = ['Alpha', 'Bravo', 'Charlie', 'Delta'].map(story)
  related.replace(
    parent,
    targets.map((articleId) => ({ articleId })),
  )
  const version = related.versionOf(parent)
  articles.remove(targets[1]!)
  articles.remove(targets[2]!)
  t.same(
    related.listForArticle(parent).map((l) => [l.position, l.articleId]),
    [
      [0, targets[0]],
      [1, targets[3]],
    ],
  )
  t.ok(related.versionOf(parent) > version, 'a client holding the old list learns that it changed')
})

t.test('a failed write leaves nothing behind', async (t) => {
  const { db, related, story } = setup(t)
  const parent = story('Parent')
  const target = story('Target')
  related.replace(parent, [{ articleId: target }, { url: 'https://example.com/a', title: 'A' }])
  const before = related.listForArticle(parent)
  const version = related.versionOf(parent)
  t.throws(() => related.replace(parent, [{ url: 'https://example.com/b', title: 'B' }, { articleId: 'missing' }]), { name: 'Problem', status: 400 })
  const twice = [
    { url: 'https://example.com/b', title: 'B' },
    { url: 'https://example.com/b', title: 'B' },
  ]
  t.throws(() => related.replace(parent, twice), { name: 'Problem', status: 409 })
  t.throws(() => related.add(parent, { url: 'https://example.com/a', title: 'Again' }), { name: 'Problem', status: 409 })
  t.throws(() => related.add('missing', { url: 'https://example.com/a', title: 'A' }), { name: 'Problem', status: 404 })
  t.same(related.listForArticle(parent), before)
  t.equal(related.versionOf(parent), version)
  t.equal((db.$client.prepare('SELECT count(*) AS n FROM related_link_lists').get() as { n: number }).n, 1, 'no list row for a missing article')
})

t.test('pages count positions over what the caller sees, across pages and after the cursor link is gone', async (t) => {
  const { articles, related, story } = setup(t)
  const parent = story('Parent')
  const published = (title: string) => {
    const id = story(title)
    articles.publish(id, undefined, { keyId: null })
    return id
  }
  // Stored order: url0, draft, pub1, draft, url2, pub3, draft.
  const list = [
    { url: 'https://example.com/0', title: 'Zero' },
    { articleId: story('Draft A') },
    { articleId: published('One') },
    { articleId: story('Draft B') },
    { url: 'https://example.com/2', title: 'Two' },
    { articleId: published('Three') },
    { articleId: story('Draft C') },
  ]
  related.replace(parent, list)
  const stored = related.listForArticle(parent)

  const walk = (includeUnpublished: boolean) => {
    const seen: [number, string][] = []
    let cursor: string | undefined
    do {
      const page = related.page(parent, { limit: 2, cursor, includeUnpublished })
      seen.push(...page.data.map((link): [number, string] => [link.position, link.id]))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    return seen
  }
  const shown = [0, 2, 4, 5].map((i) => stored[i]!.id)
  t.same(walk(false), shown.map((id, position) => [position, id]), 'readers: no gap where a draft is hidden, on any page')
  t.same(walk(true), stored.map((link) => [link.position, link.id]), 'editors: every link at its stored position')

  t.equal(related.get(parent, stored[5]!.id, false)?.position, 3, 'one link, counted as the reader sees the list')
  t.equal(related.get(parent, stored[5]!.id, true)?.position, 5)
  t.equal(related.get(parent, stored[1]!.id, false), null, 'a link to a draft is not there for readers')

  // The cursor names the last link seen; when that link is gone, its stored position stands in.
  const first = related.page(parent, { limit: 2, includeUnpublished: false })
  related.remove(parent, stored[2]!.id)
  const next = related.page(parent, { limit: 2, cursor: first.nextCursor!, includeUnpublished: false })
  t.same(
    next.data.map((link) => [link.position, link.id]),
    [
      [1, stored[4]!.id],
      [2, stored[5]!.id],
    ],
  )
})
