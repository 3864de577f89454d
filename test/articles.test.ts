// Articles: create, read by id and slug, patch and delete, with the unhappy paths (missing and
// unknown fields, a taken slug, an unknown id, the wrong role).
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'

const ARTICLE_FIELDS = [
  'authorIds', 'authorProfiles', 'authors', 'body', 'canonicalUrl', 'commentCount', 'commentsEnabled', 'createdAt', 'externalId', 'id', 'leadMedia', 'leadMediaId', 'locale',
  'publishedAt', 'related', 'scheduledAt', 'section', 'slug', 'sources', 'status', 'subtitle', 'summary', 'tags',
  'title', 'updatedAt', 'version', 'corrections', 'retracted', 'translationOf',
].sort()

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Resolves once the clock has moved past `time`, so that a later write gets a later timestamp. */
async function afterMillisecond(time: string) {
  for (let i = 0; i < 100 && new Date().toISOString() <= time; i++) await new Promise((resolve) => setImmediate(resolve))
  while (new Date().toISOString() <= time) await new Promise((resolve) => setTimeout(resolve, 1))
}

const post = (testApp: TestApp, payload: unknown, token = testApp.editor) =>
  testApp.app.inject({ method: 'POST', url: '/v1/articles', headers: auth(token), payload: payload as object })

const get = (testApp: TestApp, url: string, token?: string) =>
  testApp.app.inject({ method: 'GET', url, ...(token && { headers: auth(token) }) })

const patch = (testApp: TestApp, id: string, payload: unknown, token = testApp.editor) =>
  testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: auth(token), payload: payload as object })

t.test('only a title is needed; a new article is a draft with every field of the contract', async (t) => {
  const testApp = await makeApp(t)
  const res = await post(testApp, { title: 'Council approves the river budget' })
  t.equal(res.statusCode, 201)
  const article = res.json()
  t.same(Object.keys(article).sort(), ARTICLE_FIELDS)
  t.match(article, {
    id: String,
    slug: 'council-approves-the-river-budget',
    title: 'Council approves the river budget',
    subtitle: '',
    summary: '',
    body: [],
    status: 'draft',
    authors: [],
    authorIds: [],
    authorProfiles: [],
    section: null,
    tags: [],
    sources: [],
    locale: 'en',
    translationOf: null,
    corrections: [],
    retracted: false,
    leadMediaId: null,
    leadMedia: null,
    commentsEnabled: true,
    commentCount: 0,
    publishedAt: null,
    scheduledAt: null,
    related: [],
    version: 1,
  })
  t.match(article.createdAt, ISO)
  t.equal(article.updatedAt, article.createdAt)
  t.match(res.headers['content-type'], /^application\/json/)

  const location = String(res.headers.location)
  t.match(location, new RegExp(`^https?://[^/]+/v1/articles/${article.id}$`), 'Location is an absolute URL of the article')
  const followed = await get(testApp, new URL(location).pathname, testApp.editor)
  t.equal(followed.statusCode, 200)
  t.same(followed.json(), article, 'reading it back gives the same article')
})

t.test('Location uses PUBLIC_URL when it is set', async (t) => {
  const testApp = await makeApp(t, { PUBLIC_URL: 'https://cms.example.org/' })
  const res = await post(testApp, { title: 'Behind a proxy' })
  t.equal(res.headers.location, `https://cms.example.org/v1/articles/${res.json().id}`)
})

t.test('every writable field is stored as given', async (t) => {
  const testApp = await makeApp(t)
  const payload = {
    title: 'Floodwater reaches the old town',
    slug: 'floodwater-old-town',
    subtitle: 'Shops close as the river peaks',
    summary: 'The river rose two metres overnight.',
    body: [{ type: 'paragraph', text: 'Water covered the market square by dawn.' }],
    authors: ['Ana María Pérez', 'Tom Reyes'],
    section: 'local',
    tags: ['Floods', 'Weather'],
    sources: ['EFE', 'Reuters'],
    locale: 'es-CO',
    commentsEnabled: false,
    status: 'review',
  }
  const res = await post(testApp, payload)
  t.equal(res.statusCode, 201)
  t.match(res.json(), { ...payload, leadMediaId: null, version: 1 })
})

t.test('slugs are made from titles, accents folded', async (t) => {
  const testApp = await makeApp(t)
  const res = await post(testApp, { title: 'Crónica de Medellín: ¿qué pasó?' })
  t.equal(res.statusCode, 201)
  t.equal(res.json().slug, 'cronica-de-medellin-que-paso')
  const bySlug = await get(testApp, '/v1/articles/slug/cronica-de-medellin-que-paso', testApp.editor)
  t.equal(bySlug.statusCode, 200)
  t.equal(bySlug.json().id, res.json().id)

  const long = await post(testApp, { title: Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') })
  t.ok(long.json().slug.length > 100 && long.json().slug.length <= 120, 'a long title makes a slug of up to 120 characters')
  const longRead = await get(testApp, `/v1/articles/slug/${long.json().slug}`, testApp.editor)
  t.equal(longRead.statusCode, 200, 'and the longest slugs can be read')
  const given = await post(testApp, { title: 'Given slug', slug: 'a'.repeat(120) })
  t.equal((await get(testApp, `/v1/articles/slug/${given.json().slug}`, testApp.editor)).statusCode, 200)
})

t.test('a taken slug is a 409, whether given or made', async (t) => {
  const testApp = await makeApp(t)
  t.equal((await post(testApp, { title: 'Election night' })).statusCode, 201)

  const made = await post(testApp, { title: 'Election Night!' })
  t.equal(made.statusCode, 409, 'a made slug that is taken')
  t.match(made.headers['content-type'], /^application\/problem\+json/)
  t.match(made.json(), { status: 409, title: 'Conflict', detail: /election-night/ })

  const given = await post(testApp, { title: 'Something else', slug: 'election-night' })
  t.equal(given.statusCode, 409, 'a given slug that is taken')

  const other = await post(testApp, { title: 'Election night', slug: 'election-night-2' })
  t.equal(other.statusCode, 201, 'the same title with a free slug is fine')

  const moved = await patch(testApp, other.json().id, { slug: 'election-night' })
  t.equal(moved.statusCode, 409, 'patching onto a taken slug')
  const count = (testApp.app.db.$client.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n
  t.equal(count, 2, 'no conflicting article was stored')
  const after = await get(testApp, `/v1/articles/${other.json().id}`, testApp.editor)
  t.equal(after.json().slug, 'election-night-2', 'the failed patch changed nothing')
  t.equal(after.json().version, 1)
})

t.test('a slug must be lower-case ASCII words joined by "-"', async (t) => {
  const testApp = await makeApp(t)
  for (const slug of ['Has-Caps', 'trailing-', '-leading', 'double--dash', 'with space', 'ñandú', 'under_score', '', 'a/b', 'x'.repeat(121)]) {
    const res = await post(testApp, { title: 'Slug test', slug })
    t.equal(res.statusCode, 400, JSON.stringify(slug))
    t.ok(res.json().errors.some((e: { path: string }) => e.path === 'body.slug'), `${JSON.stringify(slug)}: body.slug named`)
  }
  t.equal((await post(testApp, { title: 'Slug test', slug: 'ok-2026-slug' })).statusCode, 201)
})

t.test('a title with nothing to make a slug from needs a slug', async (t) => {
  const testApp = await makeApp(t)
  const res = await post(testApp, { title: '東京の朝' })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors.map((e: { path: string }) => e.path), ['body.slug'])
  const given = await post(testApp, { title: '東京の朝', slug: 'tokyo-morning' })
  t.equal(given.statusCode, 201)
  t.equal(given.json().title, '東京の朝')
})

t.test('bad create bodies are 400s that name the field', async (t) => {
  const testApp = await makeApp(t)
  const cases: [string, unknown, string][] = [
    ['no title', {}, 'body.title'],
    ['empty title', { title: '' }, 'body.title'],
    ['title not a string', { title: 7 }, 'body.title'],
    ['typo field', { title: 'x', sumary: 'typo' }, 'body.sumary'],
    ['published on create', { title: 'x', status: 'published' }, 'body.status'],
    ['scheduled on create', { title: 'x', status: 'scheduled' }, 'body.status'],
    ['id cannot be chosen', { title: 'x', id: 'mine' }, 'body.id'],
    ['version cannot be chosen', { title: 'x', version: 9 }, 'body.version'],
    ['authors not a list', { title: 'x', authors: 'Ana' }, 'body.authors'],
    ['empty author', { title: 'x', authors: [''] }, 'body.authors[0]'],
    ['tags of numbers', { title: 'x', tags: [1] }, 'body.tags[0]'],
    ['bad locale', { title: 'x', locale: 'English!' }, 'body.locale'],
    ['commentsEnabled as text', { title: 'x', commentsEnabled: 'yes' }, 'body.commentsEnabled'],
    ['body not a list', { title: 'x', body: 'text' }, 'body.body'],
    ['unknown lead media', { title: 'x', leadMediaId: 'nosuchmedia' }, 'body.leadMediaId'],
  ]
  for (const [label, payload, path] of cases) {
    const res = await post(testApp, payload)
    t.equal(res.statusCode, 400, label)
    const doc = res.json()
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.ok(
      doc.errors?.some((e: { path: string }) => e.path === path),
      `${label}: errors[] names ${path} (${JSON.stringify(doc.errors)})`,
    )
  }
  const count = (testApp.app.db.$client.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n
  t.equal(count, 0, 'nothing was stored')
})

t.test('text fields are cleaned of control characters and trimmed', async (t) => {
  const testApp = await makeApp(t)
  for (const title of ['   ', '\u0000\u0007', '\n\t']) {
    const blank = await post(testApp, { title, slug: 'blank-title' })
    t.equal(blank.statusCode, 400, `a blank title ${JSON.stringify(title)} is refused`)
    t.same(blank.json().errors.map((e: { path: string }) => e.path), ['body.title'])
  }
  const sectioned = await post(testApp, { title: 'Blank section', section: '   ' })
  t.equal(sectioned.json().section, null, 'a blank section is no section')
  const patchedBlank = await patch(testApp, sectioned.json().id, { title: '  ' })
  t.equal(patchedBlank.statusCode, 400, 'a patch cannot blank the title')

  const res = await post(testApp, { title: '  Storm\u0000 warning \u0007', authors: [' Ana ', 'ana', 'Tom'], tags: ['Rain', 'rain ', ' '] })
  t.equal(res.statusCode, 201)
  const article = res.json()
  t.equal(article.title, 'Storm warning')
  t.same(article.authors, ['Ana', 'Tom'], 'duplicates that differ only in case or spacing are dropped')
  t.same(article.tags, ['Rain'])
})

t.test('reading by id and by slug', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp, { title: 'Unseen draft', summary: 'Not yet.' })
  const published = await createArticle(testApp, { title: 'Seen story', body: [{ type: 'paragraph', text: 'Hello.' }] }, { published: true })

  for (const token of [undefined, testApp.moderator]) {
    const who = token ? 'moderator' : 'anonymous'
    const byId = await get(testApp, `/v1/articles/${published.id}`, token)
    t.equal(byId.statusCode, 200, `${who} reads a published article by id`)
    t.same(Object.keys(byId.json()).sort(), ARTICLE_FIELDS)
    t.same(byId.json().body, [{ type: 'paragraph', text: 'Hello.' }])
    t.same(byId.json().related, [])
    t.equal(byId.json().leadMedia, null)
    const bySlug = await get(testApp, `/v1/articles/slug/${published.slug}`, token)
    t.equal(bySlug.statusCode, 200, `${who} reads it by slug`)
    t.same(bySlug.json(), byId.json())

    const draftById = await get(testApp, `/v1/articles/${draft.id}`, token)
    t.equal(draftById.statusCode, 404, `${who} gets 404 for a draft by id`)
    t.notMatch(draftById.body, /Unseen draft|Not yet/, 'nothing of the draft leaks')
    const draftBySlug = await get(testApp, `/v1/articles/slug/${draft.slug}`, token)
    t.equal(draftBySlug.statusCode, 404, `${who} gets 404 for a draft by slug`)
    t.notMatch(draftBySlug.body, /Unseen draft|Not yet/)
    t.same(
      { ...draftById.json(), instance: null, detail: null },
      { ...(await get(testApp, '/v1/articles/nosuchid', token)).json(), instance: null, detail: null },
      'a hidden draft looks exactly like an absent article',
    )
  }
  const editorRead = await get(testApp, `/v1/articles/${draft.id}`, testApp.editor)
  t.equal(editorRead.statusCode, 200, 'editors read drafts')
  t.equal((await get(testApp, `/v1/articles/slug/${draft.slug}`, testApp.admin)).statusCode, 200, 'admins too')
  t.equal((await get(testApp, '/v1/articles/nosuchid', testApp.editor)).statusCode, 404)
  const noSlug = await get(testApp, '/v1/articles/slug/no-such-slug', testApp.editor)
  t.equal(noSlug.statusCode, 404)
  t.equal(noSlug.json().detail, 'No article with slug "no-such-slug".', 'the 404 names what was looked up')
})

t.test('patch changes only the fields given', async (t) => {
  const testApp = await makeApp(t)
  const article = await createArticle(testApp, {
    title: 'Port strike enters second week',
    subtitle: 'Dockers hold firm',
    summary: 'No ships have been unloaded.',
    authors: ['Lena Ortiz'],
    section: 'Business',
    tags: ['Labour'],
    body: [{ type: 'paragraph', text: 'The port stood still.' }],
  })
  await afterMillisecond(article.updatedAt)
  const res = await patch(testApp, article.id, { subtitle: 'Talks resume on Monday' })
  t.equal(res.statusCode, 200)
  const changed = res.json()
  t.equal(changed.subtitle, 'Talks resume on Monday')
  t.equal(changed.version, article.version + 1, 'version grows')
  t.ok(changed.updatedAt > article.updatedAt, 'updatedAt moves on')
  t.equal(changed.createdAt, article.createdAt)
  const { subtitle: _a, version: _b, updatedAt: _c, ...restBefore } = article
  const { subtitle: _d, version: _e, updatedAt: _f, ...restAfter } = changed
  t.same(restAfter, restBefore, 'nothing else changed, the slug included')

  const titled = (await patch(testApp, article.id, { title: 'Port strike ends' })).json()
  t.equal(titled.slug, article.slug, 'a new title keeps the slug (a public URL)')
  t.equal(titled.version, article.version + 2)

  const cleared = (await patch(testApp, article.id, { section: null, tags: [], body: [] })).json()
  t.equal(cleared.section, null)
  t.same(cleared.tags, [])
  t.same(cleared.body, [])
  t.equal(cleared.summary, 'No ships have been unloaded.')

  const reslug = await patch(testApp, article.id, { slug: 'port-strike-ends' })
  t.equal(reslug.json().slug, 'port-strike-ends')
  t.equal((await get(testApp, '/v1/articles/slug/port-strike-ends', testApp.editor)).statusCode, 200)
  t.equal((await get(testApp, `/v1/articles/slug/${article.slug}`, testApp.editor)).statusCode, 404)
})

t.test('bad patches are refused and change nothing', async (t) => {
  const testApp = await makeApp(t)
  const article = await createArticle(testApp, { title: 'Stable article' })
  const cases: [string, unknown][] = [
    ['empty patch', {}],
    ['unknown field', { titel: 'Typo' }],
    ['null title', { title: null }],
    ['empty title', { title: '' }],
    ['published through patch', { status: 'published' }],
    ['scheduled through patch', { status: 'scheduled' }],
    ['bad slug', { slug: 'Not A Slug' }],
    ['createdAt is not writable', { createdAt: '2020-01-01T00:00:00.000Z' }],
    ['commentCount is not writable', { commentCount: 5 }],
  ]
  for (const [label, payload] of cases) {
    const res = await patch(testApp, article.id, payload)
    t.equal(res.statusCode, 400, label)
    t.ok(Array.isArray(res.json().errors), `${label}: errors[]`)
  }
  const after = (await get(testApp, `/v1/articles/${article.id}`, testApp.editor)).json()
  t.same(after, article, 'the article is untouched')

  t.equal((await patch(testApp, 'nosuchid', { title: 'x' })).statusCode, 404, 'unknown id')
  t.equal((await patch(testApp, article.id, { title: 'x' }, testApp.moderator)).statusCode, 403, 'moderator')
  const anonymous = await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, payload: { title: 'x' } })
  t.equal(anonymous.statusCode, 401)
})

t.test('delete answers 204, then the article is gone with its revisions, comments and links', async (t) => {
  const testApp = await makeApp(t)
  const { app } = testApp
  const article = await createArticle(testApp, { title: 'To be removed' }, { published: true })
  const other = await createArticle(testApp, { title: 'Points at it' }, { published: true })
  await patch(testApp, article.id, { summary: 'A second revision' })
  const sqlite = app.db.$client
  const count = (sql: string, ...args: unknown[]) => (sqlite.prepare(sql).get(...args) as { n: number }).n
  t.equal(count('SELECT count(*) AS n FROM article_revisions WHERE article_id = ?', article.id), 3)

  // What other resources keep about the article: a comment, and related links both ways.
  const comment = await app.inject({
    method: 'POST',
    url: `/v1/articles/${article.id}/comments`,
    payload: { authorName: 'Reader', body: 'A fair account of the day.' },
  })
  t.equal(comment.statusCode, 201, comment.body)
  for (const [from, to] of [
    [other.id, article.id],
    [article.id, other.id],
  ]) {
    const link = await app.inject({ method: 'POST', url: `/v1/articles/${from}/related`, headers: auth(testApp.editor), payload: { articleId: to } })
    t.equal(link.statusCode, 201, link.body)
  }
  t.equal(count('SELECT count(*) AS n FROM comments WHERE article_id = ?', article.id), 1)
  t.equal(count('SELECT count(*) AS n FROM related_links WHERE article_id = ? OR target_article_id = ?', article.id, article.id), 2)
  t.equal((await get(testApp, `/v1/articles/${other.id}`)).json().related.length, 1, 'the other article links to it')

  const res = await app.inject({ method: 'DELETE', url: `/v1/articles/${article.id}`, headers: auth(testApp.editor) })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal((await get(testApp, `/v1/articles/${article.id}`, testApp.editor)).statusCode, 404)
  t.equal((await get(testApp, `/v1/articles/slug/${article.slug}`, testApp.editor)).statusCode, 404)
  t.equal(count('SELECT count(*) AS n FROM article_revisions WHERE article_id = ?', article.id), 0, 'revisions went')
  t.equal(count('SELECT count(*) AS n FROM comments WHERE article_id = ?', article.id), 0, 'comments went')
  t.equal(count('SELECT count(*) AS n FROM related_links WHERE article_id = ? OR target_article_id = ?', article.id, article.id), 0, 'links both ways went')
  t.equal(count('SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH ?', '"removed"'), 0, 'it is out of the search index')
  const list = (await get(testApp, '/v1/articles', testApp.editor)).json()
  t.same(list.data.map((a: { id: string }) => a.id), [other.id], 'it is out of the list')
  const reader = (await get(testApp, `/v1/articles/${other.id}`)).json()
  t.same(reader.related, [], 'the other article no longer links to it')

  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${article.id}`, headers: auth(testApp.editor) })).statusCode, 404, 'twice is a 404')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${other.id}`, headers: auth(testApp.moderator) })).statusCode, 403)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${other.id}` })).statusCode, 401)
  t.equal((await get(testApp, `/v1/articles/${other.id}`)).statusCode, 200, 'the refused deletes removed nothing')
  const slugAgain = await post(testApp, { title: 'To be removed' })
  t.equal(slugAgain.statusCode, 201, 'the slug of a deleted article is free again')
})
