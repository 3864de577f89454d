// Surrogate keys (src/http/surrogate-keys.ts, migration surrogate-keys): a change evicts from the
// response cache exactly the answers that show what it touched, and every anonymous answer that
// a shared cache may keep names those keys in `Surrogate-Key`.
import fc from 'fast-check'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { keyPart, listFilterKey } from '../src/http/surrogate-keys.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { mediaDir } from './fixtures/media.js'
import { auth, createArticle, testConfig, type TestApp, type TestContext } from './helpers.js'
import { createMedia } from './http-fixtures.js'

interface Observed extends TestApp {
  /** Reads `url` anonymously (expects 200); true when its route ran (a miss), false when the cache answered. */
  made(url: string): Promise<boolean>
  /** Which of `urls` the cache no longer held, each read once. */
  evicted(...urls: string[]): Promise<string[]>
  read(url: string): Promise<any>
}

async function observedApp(t: TestContext, env: Record<string, string> = {}): Promise<Observed> {
  const config = testConfig({ COMMENT_RATE_LIMIT: '0', MEDIA_DIR: await mediaDir(t), ...env })
  const db = openDatabase(':memory:')
  const keys = createKeysRepository(db)
  const editor = keys.create('test editor', 'editor').token
  const moderator = keys.create('test moderator', 'moderator').token
  const app = await buildApp(config, { db })
  // A cached answer is sent from the onRequest hook: the route's preHandler never runs for it.
  let routed = 0
  app.addHook('preHandler', (_request, _reply, done) => {
    routed += 1
    done()
  })
  t.teardown(() => app.close())
  await app.ready()
  const made = async (url: string) => {
    const before = routed
    const res = await app.inject({ url })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return routed > before
  }
  const evicted = async (...urls: string[]) => {
    const out: string[] = []
    for (const url of urls) if (await made(url)) out.push(url)
    return out
  }
  const read = async (url: string) => (await app.inject({ url })).json()
  return { app, config, admin: '', editor, moderator, made, evicted, read }
}

const patch = (ta: TestApp, url: string, payload: Record<string, unknown>) =>
  ta.app.inject({ method: 'PATCH', url, headers: auth(ta.editor), payload }).then((res) => {
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  })

t.test("editing an article evicts its answers and the lists that show it; other stories stay cached", async (t) => {
  const ta = await observedApp(t)
  const x = await createArticle(ta, { title: 'Harbour cranes replaced', section: 'business' }, { published: true })
  const y = await createArticle(ta, { title: 'Choir wins regional prize', section: 'culture' }, { published: true })
  const urls = {
    x: `/v1/articles/${x.id}`,
    xBySlug: `/v1/articles/slug/${x.slug}`,
    y: `/v1/articles/${y.id}`,
    list: '/v1/articles',
    business: '/v1/articles?section=business',
    culture: '/v1/articles?section=culture',
    search: '/v1/articles?q=choir',
  }
  const all = Object.values(urls)
  t.same(await ta.evicted(...all), all, 'first reads are made')
  t.same(await ta.evicted(...all), [], 'then each is answered from the cache')

  await patch(ta, urls.x, { title: 'Harbour cranes replaced after forty years' })
  t.same(
    await ta.evicted(...all),
    [urls.x, urls.xBySlug, urls.list, urls.business],
    'the article and the lists showing it are made again; the other story, its section and a search for a word the edit left alone stay',
  )
  t.equal((await ta.read(urls.x)).title, 'Harbour cranes replaced after forty years')

  const z = await createArticle(ta, { title: 'New ferry named', section: 'business' })
  t.same(await ta.evicted(...all), [], 'a draft touches no reader-facing answer')
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${z.id}/publish`, headers: auth(ta.editor) })
  t.same(await ta.evicted(...all), [urls.list, urls.business, urls.search], 'publishing one evicts the lists it joins, not the other section')
  t.equal((await ta.read(urls.business)).data.length, 2)

  await ta.app.inject({ method: 'POST', url: `/v1/articles/${x.id}/unpublish`, headers: auth(ta.editor) })
  t.equal((await ta.app.inject({ url: urls.x })).statusCode, 404, 'an unpublished article is gone for readers at once')
  t.same(await ta.evicted(urls.y, urls.list, urls.culture), [urls.list])
  t.equal((await ta.read(urls.list)).data.length, 2)
})

t.test('an edit that keeps a story in its place evicts the pages that show it, not every list page', async (t) => {
  const ta = await observedApp(t)
  const old = await createArticle(ta, { title: 'Quarry reopens for walkers' }, { published: true })
  const newest = await createArticle(ta, { title: 'Tram timetable changes' }, { published: true })
  const editorsPage = await ta.app.inject({ url: '/v1/articles?limit=1', headers: auth(ta.editor) })
  const cursor = editorsPage.json().nextCursor as string
  const urls = {
    first: '/v1/articles?limit=1', // shows `newest` only
    second: `/v1/articles?limit=1&cursor=${encodeURIComponent(cursor)}`, // shows `old`
    search: '/v1/articles?q=orchard',
    english: '/v1/articles?locale=en',
    feed: '/v1/feeds/json',
  }
  const all = Object.values(urls)
  t.same(await ta.evicted(...all), all, 'first reads are made')
  t.same((await ta.read(urls.search)).data, [], 'nothing matches the search yet')

  await patch(ta, `/v1/articles/${old.id}`, { subtitle: 'The orchard path is open again' })
  t.same(
    await ta.evicted(...all),
    [urls.second, urls.search, urls.english, urls.feed],
    'the page showing it, and what an edit can change without a key it holds (a search it now matches, a filter on an edited field, a feed); the first page stays',
  )
  t.same((await ta.read(urls.search)).data.map((a: { id: string }) => a.id), [old.id], 'the search finds it')

  await ta.app.inject({ method: 'POST', url: `/v1/articles/${old.id}/unpublish`, headers: auth(ta.editor) })
  t.same(await ta.evicted(urls.first), [urls.first], 'a story that goes changes every page after it: the first page too')
})

t.test('tags and authors: a list filtered by them is evicted by the articles that join or leave it', async (t) => {
  const ta = await observedApp(t)
  await createArticle(ta, { title: 'Tide tables for the summer', tags: ['Climate change'], authors: ['Ana Ruiz'] }, { published: true })
  const tagged = `/v1/articles?tag=${encodeURIComponent('climate CHANGE')}`
  const byAuthor = `/v1/articles?author=${encodeURIComponent('ana ruiz')}`
  const other = '/v1/articles?tag=harbour'
  t.same(await ta.evicted(tagged, byAuthor, other), [tagged, byAuthor, other])
  const draft = await createArticle(ta, { title: 'Storm surge defences', tags: ['climate change'], authors: ['Ana Ruiz'] })
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/publish`, headers: auth(ta.editor) })
  t.same(await ta.evicted(tagged, byAuthor, other), [tagged, byAuthor], 'the lists of its tag and author, not another tag')
  t.equal((await ta.read(tagged)).data.length, 2)
  await patch(ta, `/v1/articles/${draft.id}`, { tags: ['harbour'] })
  t.same(await ta.evicted(tagged, byAuthor, other), [tagged, byAuthor, other], 'a tag moved: the list it left (which showed it) and the one it joined')
  t.equal((await ta.read(tagged)).data.length, 1)
  t.equal((await ta.read(other)).data.length, 1)

  // Lists compare a section ignoring ASCII case: so do the keys.
  const section = '/v1/articles?section=Harbour'
  await ta.evicted(section)
  await createArticle(ta, { title: 'Pilot boat renamed', section: 'harbour' }, { published: true })
  t.same(await ta.evicted(section, other), [section], "a story published in 'harbour' evicts the list of 'Harbour'")
})

t.test('a story that embeds another is evicted when that one changes, appears or goes', async (t) => {
  const ta = await observedApp(t)
  const target = await createArticle(ta, { title: 'Bridge closes for repairs' }, { published: true })
  const teaser = await createArticle(ta, { title: 'Traffic plan for the week', body: [{ type: 'related', articleId: target.id }] }, { published: true })
  const linking = await createArticle(ta, { title: 'Detours explained' }, { published: true })
  const linked = await ta.app.inject({ method: 'POST', url: `/v1/articles/${linking.id}/related`, headers: auth(ta.editor), payload: { articleId: target.id } })
  t.equal(linked.statusCode, 201)
  const unrelated = await createArticle(ta, { title: 'Orchard harvest begins' }, { published: true })
  const urls = [`/v1/articles/${teaser.id}`, `/v1/articles/${linking.id}`, `/v1/articles/${linking.id}/related`, `/v1/articles/${unrelated.id}`]
  await ta.evicted(...urls)

  await patch(ta, `/v1/articles/${target.id}`, { title: 'Bridge closes for two weeks of repairs' })
  t.same(await ta.evicted(...urls), urls.slice(0, 3), 'the teaser, the linking story and its links are made again; the unrelated story is not')
  t.equal((await ta.read(urls[0]!)).body[0].article.title, 'Bridge closes for two weeks of repairs')
  t.equal((await ta.read(urls[2]!)).data[0].article.title, 'Bridge closes for two weeks of repairs')

  await ta.app.inject({ method: 'POST', url: `/v1/articles/${target.id}/unpublish`, headers: auth(ta.editor) })
  t.same((await ta.read(urls[0]!)).body, [], 'an unpublished target leaves the teaser')
  t.same((await ta.read(urls[1]!)).related, [], 'and the links')
  t.same((await ta.read(urls[2]!)).data, [])
  t.same(await ta.evicted(...urls), [], 'which are cached as such')
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${target.id}/publish`, headers: auth(ta.editor) })
  t.same(await ta.evicted(...urls), urls.slice(0, 3), 'published again, the target it no longer showed comes back')
  t.equal((await ta.read(urls[0]!)).body.length, 1)
  t.equal((await ta.read(urls[1]!)).related.length, 1)
})

t.test("a media item's change evicts every answer showing it, and only those", async (t) => {
  const ta = await observedApp(t)
  const photo = await createMedia(ta, { caption: 'Fishing boats at dawn' })
  const lead = await createArticle(ta, { title: 'Fleet returns early', leadMediaId: photo.id }, { published: true })
  const inBody = await createArticle(ta, { title: 'Quotas cut again', body: [{ type: 'media', mediaId: photo.id }] }, { published: true })
  const teaser = await createArticle(ta, { title: 'Week in the port', body: [{ type: 'related', articleId: lead.id }] }, { published: true })
  const unrelated = await createArticle(ta, { title: 'Museum extends hours' }, { published: true })
  const fileUrl = new URL(photo.url).pathname
  const urls = [`/v1/articles/${lead.id}`, `/v1/articles/${inBody.id}`, `/v1/articles/${teaser.id}`, '/v1/articles', `/v1/articles/${unrelated.id}`, '/v1/articles?limit=2']
  await ta.evicted(...urls)

  await patch(ta, `/v1/media/${photo.id}`, { caption: 'Fishing boats at dawn, Tuesday' })
  t.same(await ta.evicted(...urls), urls.slice(0, 4), "the lead, the block, a teaser showing the lead and the list showing it; not the rest")
  t.equal((await ta.read(urls[0]!)).leadMedia.caption, 'Fishing boats at dawn, Tuesday')
  t.equal((await ta.read(urls[1]!)).body[0].media.caption, 'Fishing boats at dawn, Tuesday')
  t.equal((await ta.read(urls[2]!)).body[0].article.leadMedia.caption, 'Fishing boats at dawn, Tuesday')

  const file = await ta.app.inject({ url: fileUrl })
  t.equal(file.statusCode, 200)
  t.equal(file.headers['surrogate-key'], `media-${photo.id}`, "the file names its media item, so that a CDN drops it when it is deleted")
})

t.test("a comment evicts its own article's answers only, once readers can see it", async (t) => {
  const ta = await observedApp(t)
  const x = await createArticle(ta, { title: 'Council votes on parking', tags: ['council'] }, { published: true })
  const y = await createArticle(ta, { title: 'Swimming pool reopens', tags: ['leisure'] }, { published: true })
  const xUrls = [`/v1/articles/${x.id}`, `/v1/articles/${x.id}/comments`, '/v1/articles?tag=council']
  const yUrls = [`/v1/articles/${y.id}`, `/v1/articles/${y.id}/comments`, `/v1/articles/${y.id}/related`, '/v1/articles?tag=leisure']
  await ta.evicted(...xUrls, ...yUrls)

  const sent = await ta.app.inject({ method: 'POST', url: `${xUrls[1]}`, payload: { authorName: 'Reader', body: 'Parking has been hard for years.' } })
  t.equal(sent.json().status, 'pending')
  t.same(await ta.evicted(...xUrls, ...yUrls), [], 'a comment waiting for a moderator changes nothing readers see')

  const approved = await ta.app.inject({ method: 'PATCH', url: `/v1/comments/${sent.json().id}`, headers: auth(ta.moderator), payload: { status: 'approved' } })
  t.equal(approved.statusCode, 200)
  t.same(await ta.evicted(...xUrls, ...yUrls), xUrls, 'approved: its article, its comments and the list showing its count; nothing of the other story')
  t.equal((await ta.read(xUrls[0]!)).commentCount, 1)
  t.equal((await ta.read(xUrls[1]!)).data.length, 1)
})

t.test('Surrogate-Key names what each anonymous answer shows, with the response cache on or off', async (t) => {
  for (const mb of ['16', '0']) {
    const ta = await observedApp(t, { RESPONSE_CACHE_MB: mb })
    const photo = await createMedia(ta)
    const target = await createArticle(ta, { title: 'Lighthouse restored', leadMediaId: photo.id }, { published: true })
    const hidden = await createArticle(ta, { title: 'Not yet out' })
    const article = await createArticle(
      ta,
      { title: 'Coast path guide', section: 'Travel & Leisure', body: [{ type: 'related', articleId: target.id }, { type: 'related', articleId: hidden.id }] },
      { published: true },
    )
    await ta.app.inject({ method: 'POST', url: `/v1/articles/${article.id}/related`, headers: auth(ta.editor), payload: { articleId: target.id } })
    const keysOf = async (url: string, headers: Record<string, string> = {}) => {
      const res = await ta.app.inject({ url, headers })
      t.equal(res.statusCode, 200, url)
      return (res.headers['surrogate-key'] as string | undefined)?.split(' ')
    }
    const [a, tg, h, m] = [`article-${article.id}`, `article-${target.id}`, `article-${hidden.id}`, `media-${photo.id}`]
    t.same(await keysOf(`/v1/articles/${article.id}`), [a, tg, h, m], `${mb} MiB: an article, the articles it points to (shown or not yet) and their media`)
    t.same(await keysOf(`/v1/articles/slug/${article.slug}`), [a, tg, h, m])
    t.same(await keysOf(`/v1/articles/${article.id}`), [a, tg, h, m], 'the same from the cache')
    t.same(await keysOf('/v1/articles?limit=2'), ['articles', a, tg, m], 'a page of the list: what it holds and each summary')
    t.same(await keysOf('/v1/articles?q=coast'), ['articles', 'articles-search', 'search-prefix-coa', a], 'a search: the terms it looks up, the last one as a prefix')
    t.same(await keysOf('/v1/articles?q=Path%20COAS'), ['articles', 'articles-search', 'search-path', 'search-prefix-coa', a], 'each word as the index folds it')
    t.same(await keysOf('/v1/articles?q=co'), ['articles', 'articles-content', a], 'a prefix too short for a key of its own: any edit')
    const many = encodeURIComponent(Array.from({ length: 12 }, (_, i) => `${'海岸'.repeat(6)}${i}`).join(' '))
    t.same(await keysOf(`/v1/articles?q=${many}`), ['articles', 'articles-content'], 'more bytes of term keys than the header should hold: any edit')
    // The section is the slug made from the name the article gave, and so is the filter's value.
    t.same(await keysOf(`/v1/articles?section=${encodeURIComponent('Travel & Leisure')}`), [listFilterKey('section', 'travel-leisure'), a])
    t.same(await keysOf(`/v1/articles/${article.id}/related`), [a, tg, m], 'related links: the article and each target')
    t.same(await keysOf(`/v1/articles/${article.id}/comments`), [a])
    t.equal(await keysOf(`/v1/articles/${article.id}`, auth(ta.editor)), undefined, 'staff answers are never shared, so they name nothing')
  }
})

t.test('an answer showing more than a header can name is left to browsers', async (t) => {
  const ta = await observedApp(t)
  const insert = ta.app.db.$client.prepare(`INSERT INTO media (id, kind, mime_type, filename, size, sha256, created_at, updated_at)
    VALUES (?, 'image', 'image/png', 'a.png', 1, 'x', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`)
  const ids = Array.from({ length: 260 }, (_, i) => `01kp${String(i).padStart(22, '0')}`)
  for (const id of ids) insert.run(id)
  const article = await createArticle(ta, { title: 'Gallery: the regatta', body: ids.map((mediaId) => ({ type: 'media', mediaId })) }, { published: true })
  const res = await ta.app.inject({ url: `/v1/articles/${article.id}` })
  t.equal(res.headers['surrogate-key'], undefined, '260 media keys are over 8,000 bytes')
  t.equal(res.headers['cache-control'], `private, max-age=${ta.config.publicCacheMaxAge}`, 'so no shared cache may keep it')
  t.equal(await ta.made(`/v1/articles/${article.id}`), false, 'the response cache, which knows every key, still does')
  const cached = await ta.app.inject({ url: `/v1/articles/${article.id}` })
  t.equal(cached.headers['cache-control'], res.headers['cache-control'], 'and answers it on the same terms')
  await patch(ta, `/v1/media/${ids[259]}`, { caption: 'The last boat home' })
  t.equal(await ta.made(`/v1/articles/${article.id}`), true, 'and evicts it by any of them')
})

t.test('the triggers write a filter value into a key exactly as listFilterKey does', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const sqlite = db.$client
  sqlite
    .prepare(`INSERT INTO articles (id, slug, title, body, status, authors, tags, sources, sort_at, created_at, updated_at)
      VALUES ('a1', 'a1', 'A', '[]', 'published', '[]', '[]', '[]', 'x', 'x', 'x')`)
    .run()
  const tag = sqlite.prepare("INSERT INTO article_tags (article_seq, tag, status, sort_at) VALUES (1, ?, 'published', 'x')")
  const logged = sqlite.prepare('SELECT key FROM invalidations ORDER BY seq DESC LIMIT 1').pluck()
  const clear = sqlite.prepare('DELETE FROM article_tags')
  const value = fc.oneof(
    fc.string({ minLength: 1, maxLength: 30 }),
    fc.stringMatching(/^[-a-zA-Z0-9._]{1,20}$/),
    fc.string({ unit: 'grapheme', minLength: 1 }),
    fc.constantFrom('ÉCOLE', 'École', 'SPORT'),
  )
  fc.assert(
    fc.property(value, (v) => {
      clear.run()
      tag.run(v)
      return logged.get() === listFilterKey('tag', v)
    }),
    { numRuns: 300 },
  )
  t.equal(listFilterKey('section', 'Sport'), 'articles-section-sport', 'ASCII case folded, as the lists compare')
  t.equal(listFilterKey('section', 'Sport & Leisure'), 'articles-section-x73706f72742026206c656973757265')
  t.not(listFilterKey('section', 'École'), listFilterKey('section', 'école'), 'and only ASCII, as SQLite folds it')
  t.equal(keyPart('a.b-c_9'), 'a.b-c_9')
  t.pass('SQL and TypeScript agree')
})

t.test('a save evicts the searches it can change: the words it adds, removes or moves, and prefixes they match', async (t) => {
  const ta = await observedApp(t)
  // Pages that show `x` carry its key and go with any edit of it: these show `y`, which is newer.
  const x = await createArticle(ta, { title: 'Harbour cranes replaced', body: [{ type: 'paragraph', text: 'The quay was rebuilt in spring.' }] }, { published: true })
  const y = await createArticle(
    ta,
    { title: 'Choir wins regional prize', body: [{ type: 'paragraph', text: 'The quay hosted the concert. A ferry brought the singers.' }] },
    { published: true },
  )
  const urls = {
    ferry: '/v1/articles?q=ferry&limit=1',
    fer: '/v1/articles?q=fer&limit=1',
    ferryHarbour: '/v1/articles?q=ferry%20harbour',
    quay: '/v1/articles?q=quay&limit=1',
    choir: '/v1/articles?q=choir',
    concert: '/v1/articles?q=concert%20singers',
    list: '/v1/articles?limit=1',
  }
  const all = Object.values(urls)
  const ids = async (url: string) => (await ta.read(url)).data.map((a: { id: string }) => a.id)
  const more = async (url: string) => (await ta.read(url)).nextCursor !== null
  t.same(await ta.evicted(...all), all, 'first reads are made')
  t.same([await more(urls.ferry), await more(urls.fer), await ids(urls.ferryHarbour)], [false, false, []], 'only the newer story has "ferry"')

  await patch(ta, `/v1/articles/${x.id}`, { body: [{ type: 'paragraph', text: 'The quay was rebuilt in spring. A FERRY docks there.' }] })
  t.same(
    await ta.evicted(...all),
    [urls.ferry, urls.fer, urls.ferryHarbour],
    'a word added: its searches, as a word and as a prefix it newly matches; not searches for words the edit left alone, nor the list',
  )
  t.same([await more(urls.ferry), await more(urls.fer), await ids(urls.ferryHarbour)], [true, true, [x.id]], 'which now find it')

  await patch(ta, `/v1/articles/${x.id}`, { body: [{ type: 'paragraph', text: 'The quay was rebuilt in spring.' }] })
  t.same(await ta.evicted(...all), [urls.ferry, urls.fer, urls.ferryHarbour], 'a word removed: its searches')
  t.same([await more(urls.ferry), await more(urls.fer), await ids(urls.ferryHarbour)], [false, false, []], 'which no longer find it')

  t.same(await ids(urls.quay), [y.id], 'both hold "quay" in the body: the newest first')
  await patch(ta, `/v1/articles/${x.id}`, { title: 'Harbour cranes replaced on the quay', body: [{ type: 'paragraph', text: 'Rebuilt in spring.' }] })
  t.same(await ta.evicted(...all), [urls.quay], 'a word moved from the body to the title: its search, whose ranking it changes')
  t.same(await ids(urls.quay), [x.id], 'a title ranks above a body')

  await ta.app.inject({ method: 'POST', url: `/v1/articles/${x.id}/unpublish`, headers: auth(ta.editor) })
  t.same(await ta.evicted(...all), all, 'unpublishing evicts every search and list')
  t.same(await ids(urls.quay), [y.id], 'an unpublished story is found by no search')

  await patch(ta, `/v1/articles/${x.id}`, { title: 'Choir concert', body: [] })
  t.same(await ta.evicted(...all), [], 'a draft changes no search')
})

t.test('a rewrite that changes more terms than are worth naming evicts every search, once', async (t) => {
  const ta = await observedApp(t)
  const x = await createArticle(ta, { title: 'Bridge repairs begin' }, { published: true })
  await createArticle(ta, { title: 'Choir wins regional prize' }, { published: true })
  const urls = ['/v1/articles?q=choir', '/v1/articles?q=regional%20prize', '/v1/articles?limit=1']
  t.same(await ta.evicted(...urls), urls)
  const text = Array.from({ length: 250 }, (_, i) => `word${i.toString(36)}`).join(' ')
  const before = ta.app.db.$client.prepare('SELECT max(seq) FROM invalidations').pluck().get() as number
  await patch(ta, `/v1/articles/${x.id}`, { body: [{ type: 'paragraph', text }] })
  const logged = ta.app.db.$client.prepare('SELECT key FROM invalidations WHERE seq > ?').pluck().all(before) as string[]
  t.ok(logged.includes('articles-search') && !logged.some((key) => key.startsWith('search-')), 'one key for every search, not hundreds')
  t.same(await ta.evicted(...urls), urls.slice(0, 2), 'every search goes; the list (showing the other story) stays')
})
