// Lists and search: order, filters, full-text search, limits and cursors, paging while items
// are added, and that anonymous callers never learn of an unpublished article.
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'

const SUMMARY_FIELDS = [
  'authors', 'commentCount', 'id', 'leadMedia', 'locale', 'publishedAt', 'section', 'slug', 'status', 'subtitle', 'summary', 'tags',
  'title', 'updatedAt',
].sort()

const list = async (testApp: TestApp, query = '', token?: string) => {
  const res = await testApp.app.inject({ url: `/v1/articles${query}`, ...(token && { headers: auth(token) }) })
  if (res.statusCode !== 200) throw new Error(`list ${query}: ${res.statusCode} ${res.body}`)
  return res.json() as { data: any[]; nextCursor: string | null }
}
const ids = async (testApp: TestApp, query = '', token?: string) => (await list(testApp, query, token)).data.map((a) => a.id)

/** Resolves once the clock has moved past `time`, so that a later write gets a later timestamp. */
async function afterMillisecond(time: string) {
  while (new Date().toISOString() <= time) await new Promise((resolve) => setTimeout(resolve, 1))
}

async function publish(testApp: TestApp, id: string) {
  const res = await testApp.app.inject({ method: 'POST', url: `/v1/articles/${id}/publish`, headers: auth(testApp.editor) })
  if (res.statusCode !== 200) throw new Error(`publish: ${res.body}`)
  return res.json()
}

/** Follows nextCursor from the first page to the last, calling `between` after each page. */
async function pageThrough(testApp: TestApp, query: string, token?: string, between?: (page: number) => Promise<void>) {
  const seen: string[] = []
  let cursor: string | null = null
  for (let page = 0; page < 50; page++) {
    const sep = query === '' ? '?' : '&'
    const res = await list(testApp, `${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, token)
    seen.push(...res.data.map((a) => a.id))
    cursor = res.nextCursor
    if (cursor === null) return seen
    await between?.(page)
  }
  throw new Error('paging did not end')
}

t.test('summaries carry the fields of the contract, newest publishedAt first', async (t) => {
  const testApp = await makeApp(t)
  const first = await createArticle(testApp, { title: 'Written first', authors: ['Ada Byline'], section: 'World', tags: ['Asia'] })
  const second = await createArticle(testApp, { title: 'Written second' })
  const secondPublished = await publish(testApp, second.id)
  await afterMillisecond(secondPublished.publishedAt)
  await publish(testApp, first.id)

  const page = await list(testApp)
  t.same(page.data.map((a) => a.id), [first.id, second.id], 'the one published last comes first, whatever the creation order')
  t.equal(page.nextCursor, null)
  t.same(Object.keys(page.data[0]).sort(), SUMMARY_FIELDS)
  t.match(page.data[0], {
    id: first.id,
    slug: first.slug,
    title: 'Written first',
    subtitle: '',
    summary: '',
    status: 'published',
    authors: ['Ada Byline'],
    section: 'world',
    tags: ['Asia'],
    leadMedia: null,
    commentCount: 0,
    publishedAt: String,
    updatedAt: String,
  })
  t.notOk('body' in page.data[0], 'a summary has no body')

  // A change to a published article does not move it up: the order is by publication.
  await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${second.id}`, headers: auth(testApp.editor), payload: { summary: 'Updated.' } })
  t.same(await ids(testApp), [first.id, second.id])
})

t.test('editors see drafts, by updatedAt, and filter by status', async (t) => {
  const testApp = await makeApp(t)
  const a = await createArticle(testApp, { title: 'Draft A' })
  const b = await createArticle(testApp, { title: 'Draft B' })
  const review = await createArticle(testApp, { title: 'In review', status: 'review' })
  const published = await createArticle(testApp, { title: 'Out there' }, { published: true })
  await afterMillisecond(published.updatedAt)
  await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${a.id}`, headers: auth(testApp.editor), payload: { summary: 'Touched.' } })

  t.same(await ids(testApp, '?status=draft', testApp.editor), [a.id, b.id], 'the draft changed last comes first')
  t.same(await ids(testApp, '?status=review', testApp.editor), [review.id])
  t.same(await ids(testApp, '?status=published', testApp.editor), [published.id])
  t.same((await ids(testApp, '', testApp.editor)).sort(), [a.id, b.id, review.id, published.id].sort(), 'without a status: everything')
  t.same(await ids(testApp, '', testApp.admin), await ids(testApp, '', testApp.editor), 'admins see what editors see')
})

t.test('anonymous callers and moderators see only published articles, everywhere', async (t) => {
  const testApp = await makeApp(t)
  const common = { section: 'Politics', tags: ['Budget'], authors: ['Rosa Quintero'], summary: 'Parliament debates the budget.' }
  const published = await createArticle(testApp, { ...common, title: 'Budget passes' }, { published: true })
  const draft = await createArticle(testApp, { ...common, title: 'Budget draft' })
  const review = await createArticle(testApp, { ...common, title: 'Budget review', status: 'review' })
  const scheduled = await createArticle(testApp, { ...common, title: 'Budget embargo' })
  await testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${scheduled.id}/publish`,
    headers: auth(testApp.editor),
    payload: { at: new Date(Date.now() + 3_600_000).toISOString() },
  })
  const archived = await createArticle(testApp, { ...common, title: 'Budget archive' }, { published: true })
  await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${archived.id}`, headers: auth(testApp.editor), payload: { status: 'archived' } })

  const queries = ['', '?section=Politics', '?tag=budget', '?author=rosa%20quintero', '?q=budget', '?q=parliament', '?status=published', '?q=budget&tag=budget']
  for (const token of [undefined, testApp.moderator]) {
    const who = token ? 'moderator' : 'anonymous'
    for (const query of queries) {
      const body = JSON.stringify(await list(testApp, query, token))
      t.same(JSON.parse(body).data.map((a: { id: string }) => a.id), [published.id], `${who} ${query || '(no filter)'}`)
      t.notMatch(body, /draft|review|embargo|archive/i, `${who} ${query}: nothing of the hidden articles`)
    }
    for (const status of ['draft', 'review', 'scheduled', 'archived']) {
      const res = await testApp.app.inject({ url: `/v1/articles?status=${status}`, ...(token && { headers: auth(token) }) })
      t.equal(res.statusCode, 403, `${who} status=${status} → 403`)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
    }
  }
  const editorView = await ids(testApp, '?tag=budget', testApp.editor)
  t.equal(editorView.length, 5, 'editors see all five')
  t.equal((await ids(testApp, '?q=budget', testApp.editor)).length, 5)
  t.same(await ids(testApp, '?q=budget&status=draft', testApp.editor), [draft.id], 'search and status together')
  t.same(await ids(testApp, '?tag=budget&status=review', testApp.editor), [review.id], 'tag and status together')
})

t.test('filters by section, tag and author', async (t) => {
  const testApp = await makeApp(t)
  const a = await createArticle(testApp, { title: 'Harvest', section: 'Business', tags: ['Farming', 'Coffee'], authors: ['Ana María Pérez'] }, { published: true })
  const b = await createArticle(testApp, { title: 'Derby', section: 'Sport', tags: ['Football'], authors: ['Tom Reyes', 'Ana María Pérez'] }, { published: true })
  const c = await createArticle(testApp, { title: 'Prices', section: 'Business', tags: ['Coffee'], authors: ['Tom Reyes'] }, { published: true })

  t.same(await ids(testApp, '?section=Business'), [c.id, a.id])
  t.same(await ids(testApp, '?section=Sport'), [b.id])
  t.same(await ids(testApp, '?section=Weather'), [])
  t.same(await ids(testApp, '?section=business'), [c.id, a.id], 'sections ignore case, as tags and authors do')
  t.same(await ids(testApp, '?section=SPORT&tag=football'), [b.id])
  t.same(await ids(testApp, '?section=bUSINESS&q=harvest'), [a.id], 'in search too')
  t.same(await ids(testApp, '?section=Busines'), [], 'a section is matched whole')
  t.same(await ids(testApp, '?tag=coffee'), [c.id, a.id], 'tags ignore case')
  t.same(await ids(testApp, '?tag=COFFEE'), [c.id, a.id])
  t.same(await ids(testApp, '?tag=%20Coffee%20'), [c.id, a.id], 'and surrounding spaces')
  t.same(await ids(testApp, '?tag=cof'), [], 'a tag is matched whole')
  t.same(await ids(testApp, '?author=ana%20mar%C3%ADa%20p%C3%A9rez'), [b.id, a.id], 'authors ignore case')
  t.same(await ids(testApp, '?author=TOM%20REYES'), [c.id, b.id])
  t.same(await ids(testApp, '?author=Tom'), [], 'an author is matched whole')
  t.same(await ids(testApp, '?section=Business&tag=farming'), [a.id], 'filters combine')
  t.same(await ids(testApp, '?tag=coffee&author=tom%20reyes'), [c.id])
  t.same(await ids(testApp, '?section=Business&author=ana%20mar%C3%ADa%20p%C3%A9rez&tag=coffee'), [a.id])

  // Filters follow edits.
  await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${a.id}`, headers: auth(testApp.editor), payload: { tags: ['Tea'], authors: [] } })
  t.same(await ids(testApp, '?tag=coffee'), [c.id])
  t.same(await ids(testApp, '?tag=tea'), [a.id])
  t.same(await ids(testApp, '?author=ana%20mar%C3%ADa%20p%C3%A9rez'), [b.id])
})

t.test('tag, author and media-use rows follow each write, whatever it changes', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const sqlite = app.db.$client
  const time = new Date().toISOString()
  for (const id of ['m1', 'm2']) {
    sqlite
      .prepare(`INSERT INTO media (id, kind, mime_type, filename, size, sha256, created_at, updated_at) VALUES (?, 'image', 'image/jpeg', 'x.jpg', 1, ?, ?, ?)`)
      .run(id, 'a'.repeat(64), time, time)
  }
  const mediaOf = (id: string) => sqlite.prepare<[string], string>('SELECT media_id FROM article_media WHERE article_id = ? ORDER BY media_id').pluck().all(id)
  const patch = async (id: string, payload: object) => {
    const res = await app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: auth(editor), payload })
    if (res.statusCode !== 200) throw new Error(`patch: ${res.body}`)
    return res.json()
  }
  const a = await createArticle(testApp, {
    title: 'Ferry timetable',
    tags: ['Transport'],
    authors: ['Lia Soto'],
    leadMediaId: 'm1',
    body: [{ type: 'media', mediaId: 'm2' }],
  })
  const b = await createArticle(testApp, { title: 'Bus lanes', tags: ['Transport'], authors: ['Lia Soto'] })
  t.same(mediaOf(a.id), ['m1', 'm2'])

  // Drafts run by updatedAt: an edit that leaves tags and authors alone still moves their rows up.
  t.same(await ids(testApp, '?tag=transport', editor), [b.id, a.id])
  await afterMillisecond(b.updatedAt)
  await patch(a.id, { title: 'Ferry timetable changes' })
  t.same(await ids(testApp, '?tag=transport', editor), [a.id, b.id], 'tag rows')
  t.same(await ids(testApp, '?author=lia%20soto', editor), [a.id, b.id], 'author rows')

  // Publishing and unpublishing move the rows in and out of the public lists.
  await publish(testApp, a.id)
  t.same(await ids(testApp, '?tag=transport'), [a.id])
  t.same(await ids(testApp, '?author=lia%20soto'), [a.id])
  t.same(await ids(testApp, '?q=ferry'), [a.id], 'the search row is still there')
  await app.inject({ method: 'POST', url: `/v1/articles/${a.id}/unpublish`, headers: auth(editor) })
  t.same(await ids(testApp, '?tag=transport'), [])
  t.same(await ids(testApp, '?author=lia%20soto'), [])
  t.same(await ids(testApp, '?tag=transport&status=draft', editor), [a.id, b.id])

  // Media-use rows follow the lead and the body.
  await patch(a.id, { leadMediaId: null })
  t.same(mediaOf(a.id), ['m2'])
  await patch(a.id, { body: [{ type: 'media', mediaId: 'm1' }], leadMediaId: 'm1' })
  t.same(mediaOf(a.id), ['m1'])
  await patch(a.id, { body: [], leadMediaId: null })
  t.same(mediaOf(a.id), [])
})

t.test('full-text search: best match first, diacritics folded, kept in step with edits', async (t) => {
  const testApp = await makeApp(t)
  const inBody = await createArticle(
    testApp,
    { title: 'Mountain weather', body: [{ type: 'paragraph', text: 'A glacier retreated further this summer.' }] },
    { published: true },
  )
  const inTitle = await createArticle(testApp, { title: 'Glacier loses a tenth of its ice' }, { published: true })
  const unrelated = await createArticle(testApp, { title: 'City council', summary: 'Parking fees rise.' }, { published: true })
  const accented = await createArticle(
    testApp,
    { title: 'Crónica de Medellín', body: [{ type: 'quote', text: 'La ciudad cambió', attribution: 'Una vecina' }] },
    { published: true },
  )

  t.same(await ids(testApp, '?q=glacier'), [inTitle.id, inBody.id], 'a title match beats a body match')
  t.same(await ids(testApp, '?q=GLACIER'), [inTitle.id, inBody.id], 'case does not matter')
  t.same(await ids(testApp, '?q=glac'), [inTitle.id, inBody.id], 'the last word matches as a prefix')
  t.same(await ids(testApp, '?q=medellin'), [accented.id], 'an unaccented query finds accented text')
  t.same(await ids(testApp, `?q=${encodeURIComponent('MEDELLÍN')}`), [accented.id])
  t.same(await ids(testApp, `?q=${encodeURIComponent('cambio')}`), [accented.id], 'body text is searched')
  t.same(await ids(testApp, '?q=parking'), [unrelated.id], 'the summary is searched')
  t.same(await ids(testApp, '?q=vecina'), [accented.id], 'a quote attribution is searched')
  t.same(await ids(testApp, '?q=volcano'), [])
  t.same(await ids(testApp, '?q=glacier%20council'), [], 'every word must match')

  await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${unrelated.id}`, headers: auth(testApp.editor), payload: { title: 'Volcano wakes' } })
  t.same(await ids(testApp, '?q=volcano'), [unrelated.id], 'a new title is found')
  t.same(await ids(testApp, '?q=council'), [], 'the old title is not')
})

t.test('search syntax in q is text, never a server error', async (t) => {
  const testApp = await makeApp(t)
  await createArticle(testApp, { title: 'Near the title: a "quoted" story*' }, { published: true })
  const hostile = ['"', '""', '*', 'NEAR(', 'NEAR(a b)', 'title:', 'title:near', 'a OR', 'AND', 'NOT x', '(', ')', '^', '-x', '+', "'", ';', '\\', '%', '{title}:x', 'x'.repeat(200)]
  for (const q of hostile) {
    const res = await testApp.app.inject(`/v1/articles?q=${encodeURIComponent(q)}`)
    t.equal(res.statusCode, 200, `q=${q.slice(0, 20)}`)
    t.ok(Array.isArray(res.json().data))
  }
  t.equal((await ids(testApp, `?q=${encodeURIComponent('title: near')}`)).length, 1, 'column-filter syntax is searched as words')
  t.equal((await testApp.app.inject('/v1/articles?q=')).statusCode, 400, 'an empty q is a 400')
  t.equal((await testApp.app.inject(`/v1/articles?q=${'x'.repeat(201)}`)).statusCode, 400, 'an overlong q is a 400')
})

t.test('limit must be 1 to 100, and a cursor must be one this list made', async (t) => {
  const testApp = await makeApp(t)
  for (let i = 0; i < 3; i++) await createArticle(testApp, {}, { published: true })
  for (const limit of ['0', '101', 'abc', '-1', '1.5', '']) {
    const res = await testApp.app.inject(`/v1/articles?limit=${limit}`)
    t.equal(res.statusCode, 400, `limit=${limit}`)
    t.ok(res.json().errors.some((e: { path: string }) => e.path === 'querystring.limit'), `limit=${limit}: named`)
  }
  t.equal((await list(testApp, '?limit=1')).data.length, 1)
  t.equal((await list(testApp, '?limit=100')).data.length, 3)
  t.equal((await list(testApp)).data.length, 3, 'the default limit is 20')

  const forged = [
    'garbage',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('{"sortAt":"x"}').toString('base64url'),
    Buffer.from('["2026-01-01T00:00:00.000Z","7"]').toString('base64url'),
  ]
  for (const cursor of forged) {
    const res = await testApp.app.inject(`/v1/articles?cursor=${encodeURIComponent(cursor)}`)
    t.equal(res.statusCode, 400, `cursor=${cursor}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  const searchCursor = (await list(testApp, '?q=story&limit=1')).nextCursor
  t.type(searchCursor, 'string')
  const mixed = await testApp.app.inject(`/v1/articles?cursor=${encodeURIComponent(searchCursor!)}`)
  t.equal(mixed.statusCode, 400, 'a search cursor on the plain list is a 400')
  t.equal((await testApp.app.inject('/v1/articles?colour=red')).statusCode, 400, 'an unknown parameter is a 400')
  t.equal((await testApp.app.inject('/v1/articles?status=deleted')).statusCode, 400, 'an unknown status is a 400')
})

t.test('paging yields every item once, in order, while new items are added', async (t) => {
  const testApp = await makeApp(t)
  const original: string[] = []
  for (let i = 0; i < 7; i++) original.unshift((await createArticle(testApp, { title: `Wire item ${i}`, tags: ['Wire'] }, { published: true })).id)
  t.same(await ids(testApp, '?limit=100'), original, 'newest first')

  let added = 0
  const addOne = async () => {
    added += 1
    await createArticle(testApp, { title: `Late item ${added}`, tags: ['Wire'] }, { published: true })
  }
  t.same(await pageThrough(testApp, '?limit=3', undefined, addOne), original, 'the plain list')
  const tagged = await ids(testApp, '?limit=100&tag=wire')
  t.equal(tagged.length, 7 + added)
  t.same(await pageThrough(testApp, '?limit=2&tag=wire', undefined, addOne), tagged, 'a tag filter')
  const drafts: string[] = []
  for (let i = 0; i < 5; i++) drafts.unshift((await createArticle(testApp, { title: `Draft item ${i}` })).id)
  const addDraft = async () => {
    added += 1
    await createArticle(testApp, { title: `Late draft ${added}` })
  }
  t.same(await pageThrough(testApp, '?limit=2&status=draft', testApp.editor, addDraft), drafts, 'drafts, for editors')
})

t.test('search results page once through, best match first, while items are added', async (t) => {
  const testApp = await makeApp(t)
  for (let i = 0; i < 6; i++) {
    const title = i % 2 === 0 ? `Harbour report ${i}` : `Report ${i}`
    await createArticle(testApp, { title, body: [{ type: 'paragraph', text: `The harbour ${'quiet '.repeat(i)}today.` }] }, { published: true })
  }
  const all = await ids(testApp, '?q=harbour&limit=100')
  t.equal(all.length, 6)
  let added = 0
  const seen = await pageThrough(testApp, '?q=harbour&limit=2', undefined, async () => {
    added += 1
    await createArticle(testApp, { title: `Harbour news ${added}`, body: [{ type: 'paragraph', text: 'Harbour harbour harbour.' }] }, { published: true })
  })
  t.ok(added >= 2, 'items were added between pages')
  t.same(seen, all, 'every match once, in the first order; those added later wait for a new search')
  t.equal((await ids(testApp, '?q=harbour&limit=100')).length, 6 + added, 'a new search finds them')
})

t.test('a filtered search finds its matches below best-scoring ones the filter drops, in order, page by page', async (t) => {
  const testApp = await makeApp(t)
  // The best matches (the word in the title) are all tagged otherwise: the ones wanted score lower.
  for (let i = 0; i < 4; i++) {
    await createArticle(testApp, { title: `Harbour works ${i}`, tags: ['Ferries'], body: [{ type: 'paragraph', text: 'The harbour.' }] }, { published: true })
    await createArticle(testApp, { title: `Quay works ${i}`, tags: ['Pier'], body: [{ type: 'paragraph', text: `The harbour ${'calm '.repeat(i)}now.` }] }, { published: true })
  }
  const all = (await list(testApp, '?q=harbour&limit=100')).data
  t.equal(all.length, 8)
  const wanted = all.filter((a) => a.tags.includes('Pier')).map((a) => a.id)
  t.equal(wanted.length, 4)
  t.same(await pageThrough(testApp, '?q=harbour&tag=pier&limit=1'), wanted, 'limit 1')
  t.same(await pageThrough(testApp, '?q=harbour&tag=pier&limit=3'), wanted, 'limit 3')
})
