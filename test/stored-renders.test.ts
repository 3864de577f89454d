// Stored renders (src/renders/, migration stored-renders): readers' copies of published articles
// (the article, its summary, its feed entries) kept as bytes, deleted by the change that logs a
// key they show. The oracle: an app that
// stores renders answers every anonymous read byte for byte as one that makes each anew, after
// any sequence of the changes an article shows.
import fc from 'fast-check'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { invalidationFeed } from '../src/db/invalidations.js'
import { renderGenerations, renderKeys, renders } from '../src/db/schema-background.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { renderGeneration } from '../src/renders/generation.js'
import { createRenderStore } from '../src/renders/store.js'
import { mediaDir } from './fixtures/media.js'
import { auth, testConfig, type TestContext } from './helpers.js'
import { createMedia } from './http-fixtures.js'

/** Two apps on one database: `stored` keeps renders, `fresh` makes every answer anew; neither has a response cache. */
async function twinApps(t: TestContext, env: Record<string, string> = {}) {
  const db = openDatabase(':memory:')
  const keys = createKeysRepository(db)
  const editor = keys.create('test editor', 'editor').token
  const common = { MEDIA_DIR: await mediaDir(t), RESPONSE_CACHE_MB: '0', COMMENT_RATE_LIMIT: '0', COMMENT_MODERATION: 'post', PUBLIC_URL: 'https://news.example', ...env }
  const stored = await buildApp(testConfig({ ...common, STORED_RENDERS: 'true' }), { db })
  const fresh = await buildApp(testConfig({ ...common, STORED_RENDERS: 'false' }), { db })
  t.teardown(() => Promise.all([stored.close(), fresh.close()]))
  await Promise.all([stored.ready(), fresh.ready()])
  const ta = { app: stored, editor, admin: '', moderator: '', config: testConfig(common) }
  const write = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) => {
    const res = await stored.inject({ method, url, headers: auth(editor), ...(payload !== undefined && { payload }) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.statusCode === 204 ? null : res.json()
  }
  const rows = () => db.select().from(renders).all()
  return { db, ta, stored, fresh, write, rows }
}

t.test('a stored render is the answer a fresh read makes, after any sequence of changes it shows', async (t) => {
  const { ta, stored, fresh, write, rows } = await twinApps(t)
  const lead = await createMedia(ta, { caption: 'Cranes at dawn', credit: 'Harbour Desk' })
  const inline = await createMedia(ta, { caption: 'The old quay' })
  const portrait = await createMedia(ta, { caption: 'Ana Ruiz' })
  const author = await write('POST', '/v1/authors', { name: 'Ana Ruiz', photoMediaId: portrait.id })
  const publish = async (fields: Record<string, unknown>) => {
    const made = await write('POST', '/v1/articles', fields)
    return write('POST', `/v1/articles/${made.id}/publish`)
  }
  // Non-ASCII text in parts of one page: a page's renders are cut out of one buffer by byte length.
  const teased = await publish({ title: 'Ferry timetable changes on Línea 3', leadMediaId: inline.id })
  const linked = await publish({ title: 'Port budget approved — “at last”' })
  const story = await publish({
    title: 'Harbour cranes replaced',
    leadMediaId: lead.id,
    authors: ['Ana Ruiz', 'EFE'],
    authorIds: [author.id],
    body: [
      { type: 'paragraph', text: 'The last of the <em>old</em> cranes came down on Tuesday.' },
      { type: 'media', mediaId: inline.id },
      { type: 'related', articleId: teased.id },
    ],
  })
  await write('POST', `/v1/articles/${story.id}/related`, { articleId: linked.id })
  const urls = [
    `/v1/articles/${story.id}`,
    `/v1/articles/slug/${story.slug}`,
    `/v1/articles/${story.id}?include=html`,
    `/v1/articles/${teased.id}`,
    '/v1/articles',
    '/v1/articles?limit=1',
    '/v1/articles?q=harbour',
    `/v1/articles?authorId=${author.id}`,
    '/v1/feeds/rss',
    '/v1/feeds/atom',
    '/v1/feeds/json?limit=2',
  ]

  let step = 0
  const changes: Record<string, () => Promise<unknown>> = {
    'retitle the story': () => write('PATCH', `/v1/articles/${story.id}`, { subtitle: `Edit ${++step}` }),
    'retitle the teased story': () => write('PATCH', `/v1/articles/${teased.id}`, { title: `Ferry timetable, take ${++step}` }),
    'retitle the linked story': () => write('PATCH', `/v1/articles/${linked.id}`, { title: `Port budget, take ${++step}` }),
    'recaption the lead': () => write('PATCH', `/v1/media/${lead.id}`, { caption: `Cranes, take ${++step}` }),
    'recaption the inline picture': () => write('PATCH', `/v1/media/${inline.id}`, { caption: `Quay, take ${++step}` }),
    'recaption the portrait': () => write('PATCH', `/v1/media/${portrait.id}`, { caption: `Portrait, take ${++step}` }),
    "rename the author's job": () => write('PATCH', `/v1/authors/${author.id}`, { jobTitle: `Reporter ${++step}` }),
    'unpublish the teased story': () => write('POST', `/v1/articles/${teased.id}/unpublish`),
    'publish the teased story': () => write('POST', `/v1/articles/${teased.id}/publish`),
    'unpublish the linked story': () => write('POST', `/v1/articles/${linked.id}/unpublish`),
    'publish the linked story': () => write('POST', `/v1/articles/${linked.id}/publish`),
    'a reader comments': () =>
      stored.inject({ method: 'POST', url: `/v1/articles/${story.id}/comments`, payload: { authorName: 'Reader', authorEmail: 'r@example.com', body: `Comment ${++step} on the cranes` } }),
    'a correction': () => write('POST', `/v1/articles/${story.id}/corrections`, { type: 'clarification', text: `Clarified ${++step}` }),
  }

  // Strong ETags: one body, one tag; another body, another tag (lists and feeds compose theirs from their parts').
  const tagOfBody = new Map<string, string>()
  const bodyOfTag = new Map<string, string>()
  const compare = async (after: string) => {
    const cursor = (await fresh.inject({ url: '/v1/articles?limit=1' })).json().nextCursor
    for (const url of [...urls, `/v1/articles?limit=1&cursor=${cursor}`]) {
      const [a, b] = await Promise.all([stored.inject({ url }), fresh.inject({ url })])
      // A problem names its request: only a 200's bytes can be the same.
      const same = a.statusCode === b.statusCode && (a.statusCode !== 200 || (a.body === b.body && a.headers.etag === b.headers.etag))
      if (!same || a.headers['surrogate-key'] !== b.headers['surrogate-key']) {
        t.fail(`after ${after}: ${url} differs`, { stored: a.body.slice(0, 400), fresh: b.body.slice(0, 400) })
        return false
      }
      if (a.statusCode !== 200) continue
      const tag = a.headers.etag as string
      if ((tagOfBody.get(a.body) ?? tag) !== tag || (bodyOfTag.get(tag) ?? a.body) !== a.body) {
        t.fail(`after ${after}: ${url} has an ETag that does not follow its bytes`)
        return false
      }
      tagOfBody.set(a.body, tag)
      bodyOfTag.set(tag, a.body)
    }
    return true
  }
  t.ok(await compare('publishing'), 'the first reads make the renders')
  t.ok(rows().length >= 3, 'and keep them')
  t.ok(await compare('nothing'), 'the next reads are the stored renders')

  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...Object.keys(changes)), { minLength: 1, maxLength: 6 }), async (sequence) => {
      for (const name of sequence) {
        await changes[name]!()
        // Read twice: the first read after a change makes the render, the second serves it.
        if (!(await compare(name)) || !(await compare(`${name}, read again`))) return false
      }
      return true
    }),
    { numRuns: 25 },
  )
})

t.test('a change deletes exactly the renders that show what it touched', async (t) => {
  const { ta, write, rows, stored } = await twinApps(t)
  const photo = await createMedia(ta, { caption: 'Snow on the pass' })
  const publish = async (fields: Record<string, unknown>) => write('POST', `/v1/articles/${(await write('POST', '/v1/articles', fields)).id}/publish`)
  const a = await publish({ title: 'Pass closed by snow', leadMediaId: photo.id })
  const b = await publish({ title: 'Trains run late', body: [{ type: 'related', articleId: a.id }] })
  const c = await publish({ title: 'Market reopens' })
  for (const id of [a.id, b.id, c.id]) await stored.inject({ url: `/v1/articles/${id}` })
  const held = () => rows().map((row) => row.articleId).sort()
  t.same(held(), [a.id, b.id, c.id].sort(), 'each read stored its render')

  await write('PATCH', `/v1/media/${photo.id}`, { caption: 'Snow, and more to come' })
  t.same(held(), [c.id], "the photo's new caption deleted the story that shows it and the one that teases it")
  for (const id of [a.id, b.id]) await stored.inject({ url: `/v1/articles/${id}` })
  await write('PATCH', `/v1/articles/${c.id}`, { subtitle: 'Stalls back on the square' })
  t.same(held(), [a.id, b.id].sort(), 'an edit deletes only its own render')
  await write('DELETE', `/v1/articles/${a.id}`)
  t.same(held(), [], 'deleting a story deletes its render and the teaser of it')
  const after = await stored.inject({ url: `/v1/articles/${b.id}` })
  t.equal(after.json().body.length, 0, 'whose next render leaves the teaser out')
})

t.test('a feed entry names fewer keys than it shows, and is deleted by any of those it shows', async (t) => {
  const { ta, write, rows, stored } = await twinApps(t)
  const photo = await createMedia(ta, { caption: 'Lock gates' })
  const publish = async (fields: Record<string, unknown>) => write('POST', `/v1/articles/${(await write('POST', '/v1/articles', fields)).id}/publish`)
  const teased = await publish({ title: 'Canal reopens to barges' })
  const story = await publish({ title: 'Lock repairs finished', leadMediaId: photo.id, body: [{ type: 'related', articleId: teased.id }] })
  // Only the feed is read: no other render of the story holds the teased story's key for it.
  const feed = await stored.inject({ url: '/v1/feeds/rss?limit=1' })
  t.match(feed.body, /Canal reopens to barges/, 'the entry prints the story it teases')
  t.same(rows().map((row) => row.kind), ['rss-item'])
  const named = String(feed.headers['surrogate-key']).split(' ')
  t.ok(named.includes(`media-${photo.id}`), 'the feed names the picture its entry prints')
  t.notOk(named.includes(`article-${teased.id}`) || named.includes(`article-${story.id}`), 'but not the articles: `articles-content` covers them')
  const again = await stored.inject({ url: '/v1/feeds/rss?limit=1' })
  t.equal(again.headers['surrogate-key'], feed.headers['surrogate-key'], 'the stored entry names the same keys')

  await write('PATCH', `/v1/articles/${teased.id}`, { title: 'Canal reopens to barges and kayaks' })
  t.same(rows(), [], "retitling the teased story deleted the entry, by a key the feed does not name")
  t.match((await stored.inject({ url: '/v1/feeds/rss?limit=1' })).body, /barges and kayaks/)
})

t.test('editors never read or write stored renders', async (t) => {
  const { ta, write, rows, stored } = await twinApps(t)
  const draft = await write('POST', '/v1/articles', { title: 'Draft teased' })
  const made = await write('POST', '/v1/articles', { title: 'Story with a teaser', body: [{ type: 'related', articleId: draft.id }] })
  await write('POST', `/v1/articles/${made.id}/publish`)
  const reader = await stored.inject({ url: `/v1/articles/${made.id}` })
  t.equal(reader.json().body.length, 0, 'a reader does not see the teaser of a draft')
  t.equal(rows().length, 1)
  const editor = await stored.inject({ url: `/v1/articles/${made.id}`, headers: auth(ta.editor) })
  t.equal(editor.json().body[0].article.id, draft.id, 'an editor does, though a render is stored')
  t.equal(rows().length, 1, 'and stores nothing')
  t.equal(editor.headers['cache-control'], 'private, no-store')
})

t.test('renders are kept per base URL, and ?include=html apart', async (t) => {
  const { write, rows, stored } = await twinApps(t, { PUBLIC_URL: '', ALLOWED_HOSTS: 'news.example,www.news.example' })
  const made = await write('POST', '/v1/articles', { title: 'Two hosts' })
  await write('POST', `/v1/articles/${made.id}/publish`)
  const read = (host: string, query = '') => stored.inject({ url: `/v1/articles/${made.id}${query}`, headers: { host } })
  const one = await read('news.example')
  const two = await read('www.news.example')
  const html = await read('news.example', '?include=html')
  t.match(one.json().canonicalUrl, /^http:\/\/news\.example\//)
  t.match(two.json().canonicalUrl, /^http:\/\/www\.news\.example\//)
  t.ok(html.json().bodyHtml !== undefined && one.json().bodyHtml === undefined)
  t.same(rows().map((row) => `${row.kind} ${row.base}`).sort(), ['article http://news.example', 'article http://www.news.example', 'article-html http://news.example'])
  t.equal((await read('www.news.example')).body, two.body, 'each host gets its own back')
})

t.test('without PUBLIC_URL or ALLOWED_HOSTS, where any Host header would be a base of its own, nothing is stored', async (t) => {
  const { write, rows, stored } = await twinApps(t, { PUBLIC_URL: '' })
  const made = await write('POST', '/v1/articles', { title: 'Any host' })
  await write('POST', `/v1/articles/${made.id}/publish`)
  for (const host of ['a.example', 'b.example']) t.equal((await stored.inject({ url: `/v1/articles/${made.id}`, headers: { host } })).statusCode, 200)
  t.equal(rows().length, 0)
})

t.test('a render made from reads that a change overtook is not kept', async (t) => {
  const { db, write, rows } = await twinApps(t)
  const made = await write('POST', '/v1/articles', { title: 'Overtaken' })
  await write('POST', `/v1/articles/${made.id}/publish`)
  const store = createRenderStore(db, invalidationFeed(db), 'test')
  const since = store.position()
  // Another writer commits between the reads and the store: the render shows the old state.
  await write('PATCH', `/v1/articles/${made.id}`, { subtitle: 'changed meanwhile' })
  const render = { articleId: made.id, kind: 'article', base: 'http://x', body: '{}', etag: '"1-x"' }
  store.put([{ ...render, keys: `article-${made.id}` }], since)
  t.equal(rows().length, 0, 'a render showing a key logged since its reads began is dropped')
  store.put([{ ...render, keys: 'article-someone-else' }], since)
  t.equal(rows().length, 1, 'one that shows nothing that changed is kept')
  t.same(
    db.select().from(renderKeys).all().map((row) => row.key),
    ['article-someone-else'],
    'with its keys',
  )
})

t.test('renders are read only by the generation that made them: new code or new URL settings start afresh', async (t) => {
  const { db, write, rows, stored } = await twinApps(t)
  const made = await write('POST', '/v1/articles', { title: 'Generations' })
  await write('POST', `/v1/articles/${made.id}/publish`)
  await stored.inject({ url: `/v1/articles/${made.id}` })
  t.equal(rows().length, 1)
  const config = testConfig({ PUBLIC_URL: 'https://news.example' })
  t.equal(renderGeneration(config), renderGeneration(testConfig({ PUBLIC_URL: 'https://news.example' })), 'the same code and settings: the same generation')
  t.not(renderGeneration(config), renderGeneration(testConfig({ PUBLIC_URL: 'https://news.example', SITE_URL_TEMPLATE: '{publicUrl}/news/{slug}' })), 'another SITE_URL_TEMPLATE: another')
  const next = createRenderStore(db, invalidationFeed(db), 'next build')
  t.equal(rows().length, 0, 'a store of another generation empties the table when it opens')
  t.same(db.select().from(renderGenerations).all(), [{ generation: 'next build' }])
  t.equal(next.byId('article', 'https://news.example', made.id), null)
  const again = await stored.inject({ url: `/v1/articles/${made.id}` })
  t.equal(again.statusCode, 200)
  t.equal(next.byId('article', 'https://news.example', made.id), null, "and never reads what the older one stores meanwhile (a process of the old code still running)")
})
