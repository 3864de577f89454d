// Sections (a tree, made on first use, listed once public, moved with their articles) and tags
// (counted, searched by prefix, renamed and merged across every article).
import { eq } from 'drizzle-orm'
import t from 'tap'
import { webhookEvents } from '../src/db/schema.js'
import { sectionSlug } from '../src/sections/slug.js'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'

const get = (testApp: TestApp, url: string, token?: string) => testApp.app.inject({ method: 'GET', url, headers: token ? auth(token) : {} })
const send = (testApp: TestApp, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, token = testApp.editor) =>
  testApp.app.inject({ method, url, headers: auth(token), ...(payload !== undefined && { payload }) })
const ids = async (testApp: TestApp, url: string, token?: string): Promise<string[]> => (await get(testApp, url, token)).json().data.map((a: { id: string }) => a.id)
const slugs = async (testApp: TestApp, url: string, token?: string): Promise<string[]> =>
  (await get(testApp, url, token)).json().data.map((s: { slug: string }) => s.slug)

async function section(testApp: TestApp, payload: object): Promise<any> {
  const res = await send(testApp, 'POST', '/v1/sections', payload)
  if (res.statusCode !== 201) throw new Error(`section: ${res.statusCode} ${res.body}`)
  return res.json()
}

t.test('a section slug is made from any name an article gives', async (t) => {
  t.equal(sectionSlug('world'), 'world')
  t.equal(sectionSlug('Local News'), 'local-news')
  t.equal(sectionSlug('Économie & Finanzas'), 'economie-finanzas')
  t.equal(sectionSlug('国际'), 'section-e59bbde99985', 'text with no Latin letter still has a slug')
})

t.test('a section named by an article is made on first use, and listed once a story in it is published', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp, { title: 'Layoffs at the mill', section: 'Local News' })
  t.equal(draft.section, 'local-news', 'the article holds the slug')
  const made = await get(testApp, '/v1/sections/local-news', testApp.editor)
  t.match(made.json(), { slug: 'local-news', name: 'Local News', parent: null, listed: false, description: '' })
  t.equal((await get(testApp, '/v1/sections/local-news')).statusCode, 404, 'a reader does not learn of a draft’s new section')
  t.same(await slugs(testApp, '/v1/sections'), [])
  t.same(await slugs(testApp, '/v1/sections', testApp.editor), ['local-news'])

  const again = await createArticle(testApp, { title: 'Mill reopens', section: 'local news' })
  t.equal(again.section, 'local-news', 'the same section, however it is written')
  const bySlug = await createArticle(testApp, { title: 'Ferry timetable', section: 'transport' })
  t.equal((await get(testApp, '/v1/sections/transport', testApp.editor)).json().name, 'transport', 'a slug names its own section')
  t.same(await slugs(testApp, '/v1/sections', testApp.editor), ['local-news', 'transport'])

  await send(testApp, 'POST', `/v1/articles/${draft.id}/publish`)
  t.equal((await get(testApp, '/v1/sections/local-news')).json().listed, true, 'published: listed for readers')
  t.equal((await get(testApp, '/v1/sections/LOCAL-NEWS')).statusCode, 200, 'upper case in the URL is read as lower case')
  t.same(await slugs(testApp, '/v1/sections'), ['local-news'])
  t.same(await ids(testApp, '/v1/articles?section=Local%20News'), [draft.id], 'the filter takes the name too')
  t.same(await ids(testApp, '/v1/articles?section=LOCAL-NEWS'), [draft.id], 'and any case')
  const none = await send(testApp, 'PATCH', `/v1/articles/${bySlug.id}`, { section: null })
  t.equal(none.json().section, null)
})

t.test('sections form a tree; a section’s list holds the articles of every section below it', async (t) => {
  const testApp = await makeApp(t)
  await section(testApp, { name: 'World', description: 'News from abroad.' })
  const europe = await section(testApp, { name: 'Europe', parent: 'world' })
  t.match(europe, { slug: 'europe', parent: 'world', listed: true, version: 1 })
  await section(testApp, { slug: 'balkans', name: 'The Balkans', parent: 'europe' })
  await section(testApp, { name: 'Africa', parent: 'world' })
  await section(testApp, { name: 'Sport' })

  t.same(await slugs(testApp, '/v1/sections'), ['sport', 'world', 'africa', 'europe', 'balkans'], 'tree order: by path from the top')
  t.same(await slugs(testApp, '/v1/sections?parent=world'), ['africa', 'europe'], 'the sections directly below one')
  const paged = await get(testApp, '/v1/sections?limit=2')
  const rest = await get(testApp, `/v1/sections?limit=10&cursor=${paged.json().nextCursor}`)
  t.same([...paged.json().data, ...rest.json().data].map((s: { slug: string }) => s.slug), ['sport', 'world', 'africa', 'europe', 'balkans'], 'pages')

  const inWorld = await createArticle(testApp, { title: 'Summit ends', section: 'world' }, { published: true })
  const inEurope = await createArticle(testApp, { title: 'Rail strike', section: 'europe' }, { published: true })
  const inBalkans = await createArticle(testApp, { title: 'Bridge over the Drina', section: 'balkans' }, { published: true })
  await createArticle(testApp, { title: 'Cup final', section: 'sport' }, { published: true })
  const draft = await createArticle(testApp, { title: 'Unpublished', section: 'balkans' })

  t.same(await ids(testApp, '/v1/articles?section=world'), [inBalkans.id, inEurope.id, inWorld.id], 'world holds all three, newest first')
  t.same(await ids(testApp, '/v1/articles?section=europe'), [inBalkans.id, inEurope.id])
  t.same(await ids(testApp, '/v1/articles?section=balkans'), [inBalkans.id])
  t.same(await ids(testApp, '/v1/articles?section=world&status=draft', testApp.editor), [draft.id], 'drafts too, for editors')
  t.same(await ids(testApp, '/v1/articles?section=world&q=drina'), [inBalkans.id], 'with a search')
  const first = await get(testApp, '/v1/articles?section=world&limit=2')
  const second = await get(testApp, `/v1/articles?section=world&limit=2&cursor=${first.json().nextCursor}`)
  t.same([...first.json().data, ...second.json().data].map((a: { id: string }) => a.id), [inBalkans.id, inEurope.id, inWorld.id], 'pages')

  // Moving europe (with balkans) to the top takes its stories out of world's list at once.
  const moved = await send(testApp, 'PATCH', '/v1/sections/europe', { parent: null })
  t.match(moved.json(), { parent: null, version: 2 })
  t.same(await ids(testApp, '/v1/articles?section=world'), [inWorld.id])
  t.same(await ids(testApp, '/v1/articles?section=europe'), [inBalkans.id, inEurope.id])
  t.same(await slugs(testApp, '/v1/sections'), ['europe', 'balkans', 'sport', 'world', 'africa'])
  await send(testApp, 'PATCH', '/v1/sections/europe', { parent: 'africa' })
  t.same(await ids(testApp, '/v1/articles?section=africa'), [inBalkans.id, inEurope.id], 'and under another')
  t.same(await ids(testApp, '/v1/articles?section=world'), [inBalkans.id, inEurope.id, inWorld.id], 'which is under world again')
  // An article moved between sections leaves the old lists.
  await send(testApp, 'PATCH', `/v1/articles/${inBalkans.id}`, { section: 'sport' })
  t.same(await ids(testApp, '/v1/articles?section=world'), [inEurope.id, inWorld.id])

  const refusals: [object, string][] = [
    [{ parent: 'balkans' }, 'below itself'],
    [{ parent: 'europe' }, 'itself'],
    [{ parent: 'atlantis' }, 'a parent that does not exist'],
    [{ slug: 'other' }, 'the slug never changes'],
  ]
  for (const [payload, label] of refusals) t.equal((await send(testApp, 'PATCH', '/v1/sections/europe', payload)).statusCode, 400, label)
  t.equal((await send(testApp, 'POST', '/v1/sections', { name: 'Elsewhere', parent: 'atlantis' })).statusCode, 400)
  t.equal((await send(testApp, 'POST', '/v1/sections', { name: 'World' })).statusCode, 409, 'a taken slug')
  t.equal((await send(testApp, 'POST', '/v1/sections', { name: 'Sports', slug: 'Sports' })).statusCode, 400, 'a slug must be lower case')
  t.equal((await send(testApp, 'PATCH', '/v1/sections/atlantis', { name: 'X' })).statusCode, 404)
  t.equal((await send(testApp, 'POST', '/v1/sections', { name: 'Opinion' }, testApp.moderator)).statusCode, 403)

  const etag = (await get(testApp, '/v1/sections/sport', testApp.editor)).headers.etag as string
  t.equal((await send(testApp, 'PATCH', '/v1/sections/sport', { name: 'Sport' })).json().version, 1, 'no change, no new version')
  const renamed = await testApp.app.inject({ method: 'PATCH', url: '/v1/sections/sport', headers: { ...auth(testApp.editor), 'if-match': etag }, payload: { name: 'Sports' } })
  t.equal(renamed.json().name, 'Sports')
  const stale = await testApp.app.inject({ method: 'PATCH', url: '/v1/sections/sport', headers: { ...auth(testApp.editor), 'if-match': etag }, payload: { name: 'Games' } })
  t.equal(stale.statusCode, 412)
})

t.test('a section deep as the tree may grow, and no deeper', async (t) => {
  const testApp = await makeApp(t)
  let parent: string | null = null
  for (let level = 1; level <= 8; level++) parent = (await section(testApp, { name: `Level ${level}`, parent })).slug
  t.equal((await send(testApp, 'POST', '/v1/sections', { name: 'Level 9', parent })).statusCode, 400, 'a ninth level')
  const top = await section(testApp, { name: 'Top', parent: null })
  await section(testApp, { name: 'Below top', parent: top.slug })
  t.equal((await send(testApp, 'PATCH', '/v1/sections/top', { parent: 'level-7' })).statusCode, 400, 'a move that would make ten levels')
})

t.test('a section that holds articles or sections cannot be deleted', async (t) => {
  const testApp = await makeApp(t)
  await section(testApp, { name: 'Culture' })
  await section(testApp, { name: 'Books', parent: 'culture' })
  const article = await createArticle(testApp, { title: 'Prize shortlist', section: 'books' })
  const del = (slug: string) => send(testApp, 'DELETE', `/v1/sections/${slug}`)
  const withChild = await del('culture')
  t.equal(withChild.statusCode, 409)
  t.match(withChild.json().detail, '"books"', 'names the section below')
  const inUse = await del('books')
  t.equal(inUse.statusCode, 409)
  t.match(inUse.json().detail, article.id, 'names the article')
  await send(testApp, 'PATCH', `/v1/articles/${article.id}`, { section: 'culture' })
  t.equal((await del('books')).statusCode, 204)
  t.equal((await del('books')).statusCode, 404)
  t.equal((await del('culture')).statusCode, 409)
})

t.test('readers see new and moved sections at once, through the response cache', async (t) => {
  const testApp = await makeApp(t)
  t.same(await slugs(testApp, '/v1/sections'), [])
  t.equal((await get(testApp, '/v1/sections')).headers['surrogate-key'], 'sections')
  await section(testApp, { name: 'Science' })
  t.same(await slugs(testApp, '/v1/sections'), ['science'], 'a new section')
  const story = await createArticle(testApp, { title: 'Comet', section: 'space' }, { published: true })
  t.same(await slugs(testApp, '/v1/sections'), ['science', 'space'], 'a section listed by a publication')
  t.same(await ids(testApp, '/v1/articles?section=science'), [])
  await send(testApp, 'PATCH', '/v1/sections/space', { parent: 'science' })
  t.same(await ids(testApp, '/v1/articles?section=science'), [story.id], 'a moved section’s stories')
  t.equal((await get(testApp, '/v1/sections/space')).json().parent, 'science')
  t.equal((await get(testApp, '/v1/articles?section=Science')).headers['surrogate-key'], `articles-section-science article-${story.id}`)
  const later = await createArticle(testApp, { title: 'Eclipse', section: 'space' }, { published: true })
  t.same(await ids(testApp, '/v1/articles?section=science'), [later.id, story.id], 'a story published below it joins its cached list')
})

t.test('tags: counts of published articles, by prefix, in pages', async (t) => {
  const testApp = await makeApp(t)
  await createArticle(testApp, { title: 'One', tags: ['Sella river', 'floods'] }, { published: true })
  await createArticle(testApp, { title: 'Two', tags: ['sella river', 'Weather'] }, { published: true })
  await createArticle(testApp, { title: 'Three', tags: ['Sella River', 'secret merger'] })
  await createArticle(testApp, { title: 'Four', tags: ['seaside'] }, { published: true })

  const list = await get(testApp, '/v1/tags')
  t.equal(list.statusCode, 200)
  t.match(list.headers['cache-control'], /^public/)
  t.same(list.json().data, [
    { tag: 'floods', count: 1 },
    { tag: 'seaside', count: 1 },
    { tag: 'sella river', count: 2 },
    { tag: 'Weather', count: 1 },
  ], 'readers see the tags of published stories, spelled as the newest of those spells them')
  const editors = await get(testApp, '/v1/tags', testApp.editor)
  t.same(editors.json().data.map((tag: { tag: string; count: number }) => [tag.tag, tag.count]), [
    ['floods', 1],
    ['seaside', 1],
    ['secret merger', 0],
    ['Sella River', 2],
    ['Weather', 1],
  ], 'editors see draft-only tags with 0, spelled as the newest story spells them (a draft here)')
  t.same((await get(testApp, '/v1/tags?q=SEL')).json().data, [{ tag: 'sella river', count: 2 }], 'a prefix, in any case')
  t.same((await get(testApp, '/v1/tags?q=se')).json().data.map((tag: { tag: string }) => tag.tag), ['seaside', 'sella river'])
  t.same((await get(testApp, '/v1/tags?q=zzz')).json().data, [])
  const first = await get(testApp, '/v1/tags?limit=3')
  const second = await get(testApp, `/v1/tags?limit=3&cursor=${first.json().nextCursor}`)
  t.same([...first.json().data, ...second.json().data].map((tag: { tag: string }) => tag.tag), ['floods', 'seaside', 'sella river', 'Weather'])
  t.equal(second.json().nextCursor, null)
  t.equal((await get(testApp, '/v1/tags?cursor=bm9wZQ')).statusCode, 400, 'a cursor this list did not make')

  t.equal(list.headers['surrogate-key'], 'tags')
  t.same((await get(testApp, '/v1/tags?q=flo')).json().data, [{ tag: 'floods', count: 1 }], 'kept in the response cache')
  t.same((await get(testApp, '/v1/tags?q=sea')).json().data, [{ tag: 'seaside', count: 1 }])
  await send(testApp, 'POST', `/v1/articles/${(await createArticle(testApp, { title: 'Five', tags: ['Floods'] })).id}/publish`)
  t.same((await get(testApp, '/v1/tags?q=flo')).json().data, [{ tag: 'Floods', count: 2 }], 'a story published with a tag moves its count and spelling')
  const seaside = (await get(testApp, '/v1/articles?tag=seaside')).json().data[0]
  await send(testApp, 'POST', `/v1/articles/${seaside.id}/unpublish`)
  t.same((await get(testApp, '/v1/tags?q=sea')).json().data, [], 'one unpublished takes its tag away')
})

t.test('renaming a tag changes every article that holds it, each with a revision, and merges', async (t) => {
  // A subscriber, so that events are recorded; it is never called within the test.
  const testApp = await makeApp(t, { WEBHOOK_POLL_MS: '60000' })
  const hook = await send(testApp, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/tags', events: ['article.updated'] }, testApp.admin)
  t.equal(hook.statusCode, 201)
  const a = await createArticle(testApp, { title: 'Clinic queues', tags: ['covid', 'health'] }, { published: true })
  const b = await createArticle(testApp, { title: 'Both spellings', tags: ['COVID-19', 'Covid', 'schools'] }, { published: true })
  const c = await createArticle(testApp, { title: 'Draft on masks', tags: ['Covid'] })
  const untouched = await createArticle(testApp, { title: 'Harvest', tags: ['farming'] }, { published: true })
  const before = (await testApp.app.db.select().from(webhookEvents).where(eq(webhookEvents.type, 'article.updated')).all()).length

  const rename = await send(testApp, 'POST', '/v1/tags/rename', { from: 'COVID', to: 'COVID-19' })
  t.equal(rename.statusCode, 200)
  t.same(rename.json(), { from: 'COVID', to: 'COVID-19', count: 3 })
  const read = async (id: string) => (await get(testApp, `/v1/articles/${id}`, testApp.editor)).json()
  t.same((await read(a.id)).tags, ['COVID-19', 'health'])
  t.same((await read(b.id)).tags, ['COVID-19', 'schools'], 'an article with both keeps one')
  t.same((await read(c.id)).tags, ['COVID-19'], 'drafts too')
  t.equal((await read(untouched.id)).version, untouched.version, 'an article without the tag is left alone')
  for (const article of [a, b, c]) {
    const revisions = (await get(testApp, `/v1/articles/${article.id}/revisions`, testApp.editor)).json().data
    t.same(revisions[0].snapshot.tags, (await read(article.id)).tags, 'a revision of the rename')
    t.equal(revisions[0].revision, article.version + 1)
  }
  const events = (await testApp.app.db.select().from(webhookEvents).where(eq(webhookEvents.type, 'article.updated')).all()).length
  t.equal(events - before, 2, 'article.updated for each published article changed')
  t.same(await ids(testApp, '/v1/articles?tag=covid-19'), [b.id, a.id], 'the list by the new tag')
  t.same(await ids(testApp, '/v1/articles?tag=covid'), [], 'and none by the old')
  await send(testApp, 'POST', '/v1/tags/rename', { from: 'health', to: 'wellbeing' })
  t.same(await ids(testApp, '/v1/articles?q=wellbeing'), [a.id], 'the search index follows')
  t.same((await get(testApp, '/v1/tags?q=covid')).json().data, [{ tag: 'COVID-19', count: 2 }])

  const respell = await send(testApp, 'POST', '/v1/tags/rename', { from: 'covid-19', to: 'Covid-19' })
  t.equal(respell.json().count, 3, 'the same tag in another case respells it')
  t.same((await read(a.id)).tags, ['Covid-19', 'wellbeing'])
  t.equal((await send(testApp, 'POST', '/v1/tags/rename', { from: 'covid-19', to: 'Covid-19' })).json().count, 0, 'asking again changes nothing')
  t.equal((await send(testApp, 'POST', '/v1/tags/rename', { from: 'nothing', to: 'else' })).json().count, 0)
  t.equal((await send(testApp, 'POST', '/v1/tags/rename', { from: ' ', to: 'x' })).statusCode, 400)
  t.equal((await send(testApp, 'POST', '/v1/tags/rename', { from: 'x', to: 'y', extra: 1 })).statusCode, 400)
  t.equal((await send(testApp, 'POST', '/v1/tags/rename', { from: 'farming', to: 'agriculture' }, testApp.moderator)).statusCode, 403)
})
