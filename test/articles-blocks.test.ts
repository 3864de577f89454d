// Body blocks: each type accepted and embedded on read, every malformed block a 400 naming
// it, references checked, and hostile inline markup sanitized on write.
import fc from 'fast-check'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { auth, createArticle, makeApp, type TestApp, testConfig } from './helpers.js'

/** A media row as the media resource stores it (the upload path is not under test here). */
function insertMedia(testApp: TestApp, id: string, fields: { caption?: string; credit?: string } = {}) {
  const time = new Date().toISOString()
  testApp.app.db.$client
    .prepare(
      `INSERT INTO media (id, kind, mime_type, filename, size, width, height, sha256, caption, credit, created_at, updated_at)
       VALUES (?, 'image', 'image/jpeg', 'harbour.jpg', 1234, 800, 600, ?, ?, ?, ?, ?)`,
    )
    .run(id, 'a'.repeat(64), fields.caption ?? 'Boats at dawn', fields.credit ?? 'Staff photo', time, time)
}

const post = (testApp: TestApp, payload: unknown) =>
  testApp.app.inject({ method: 'POST', url: '/v1/articles', headers: auth(testApp.editor), payload: payload as object })

t.test('each block type is accepted and read back, with media and related articles embedded', async (t) => {
  const testApp = await makeApp(t)
  insertMedia(testApp, 'media1')
  const target = await createArticle(testApp, { title: 'Earlier coverage', summary: 'What happened before.' }, { published: true })
  const body = [
    { type: 'paragraph', text: 'The harbour <em>reopened</em> on Monday.' },
    { type: 'heading', text: 'What changed', level: 2 },
    { type: 'heading', text: 'Smaller', level: 4 },
    { type: 'quote', text: 'We waited long enough.', attribution: 'A fisher' },
    { type: 'quote', text: 'No attribution here.' },
    { type: 'list', style: 'bulleted', items: ['Boats', 'Nets'] },
    { type: 'list', style: 'numbered', items: ['First'] },
    { type: 'media', mediaId: 'media1', caption: 'Boats leaving', credit: 'Agency' },
    { type: 'media', mediaId: 'media1' },
    { type: 'related', articleId: target.id, title: 'Read more' },
    { type: 'related', url: 'https://example.org/background' },
    { type: 'embed', url: 'https://video.example.org/watch/1', provider: 'ExampleVideo' },
    { type: 'embed', url: 'http://maps.example.org/x' },
  ]
  const res = await post(testApp, { title: 'Harbour reopens', body, leadMediaId: 'media1' })
  t.equal(res.statusCode, 201, res.body)
  const article = res.json()
  t.equal(article.leadMediaId, 'media1')
  t.match(article.leadMedia, { id: 'media1', kind: 'image', mimeType: 'image/jpeg', caption: 'Boats at dawn', credit: 'Staff photo', url: /\/v1\/media\/media1/ })
  t.equal(article.body.length, body.length)
  t.same(article.body.slice(0, 7), body.slice(0, 7), 'text blocks come back as written')
  t.match(article.body[7], { type: 'media', mediaId: 'media1', caption: 'Boats leaving', credit: 'Agency', media: { id: 'media1', caption: 'Boats at dawn' } })
  t.match(article.body[8], { type: 'media', mediaId: 'media1', media: { id: 'media1' } })
  t.match(article.body[9], { type: 'related', articleId: target.id, title: 'Read more', article: { id: target.id, title: 'Earlier coverage', slug: target.slug } })
  t.same(article.body[10], { type: 'related', url: 'https://example.org/background', article: null })
  t.same(article.body.slice(11), body.slice(11))

  const published = await testApp.app.inject({ method: 'POST', url: `/v1/articles/${article.id}/publish`, headers: auth(testApp.editor) })
  const anonymous = await testApp.app.inject(`/v1/articles/slug/${article.slug}`)
  t.equal(anonymous.statusCode, 200)
  t.same(anonymous.json().body, published.json().body, 'readers get the same embedded body')
})

t.test('an article with teasers is written the same with the cheaper serializer schemas as with the documented ones', async (t) => {
  const testApp = await makeApp(t)
  insertMedia(testApp, 'media1', { caption: 'Quay at "dusk" \u2028 and <b>after</b>' })
  insertMedia(testApp, 'media2')
  // Teasers embed their stories' lead photos: inlined summaries whose photo is a Media or null.
  const withPhoto = await createArticle(testApp, { title: 'With a photo', leadMediaId: 'media1' }, { published: true })
  const without = await createArticle(testApp, { title: 'Without a photo' }, { published: true })
  const body = [
    { type: 'related', articleId: withPhoto.id, title: 'Read first' },
    { type: 'related', articleId: without.id },
    { type: 'media', mediaId: 'media2' },
  ]
  const story = await createArticle(testApp, { title: 'The whole story', body, leadMediaId: 'media2' }, { published: true })
  const linked = await testApp.app.inject({ method: 'POST', url: `/v1/articles/${story.id}/related`, headers: auth(testApp.editor), payload: { articleId: withPhoto.id } })
  t.equal(linked.statusCode, 201)
  // The same database, read through an app that hands fast-json-stringify the schemas as documented.
  const documented = await buildApp(testConfig({ LOG_LEVEL: 'silent', FAST_SERIALIZATION: 'false' }), { db: testApp.app.db })
  t.teardown(() => documented.close())
  for (const url of [`/v1/articles/slug/${story.slug}`, `/v1/articles/${story.id}`, '/v1/articles', `/v1/articles/${story.id}/related`]) {
    const fast = await testApp.app.inject(url)
    const exact = await documented.inject(url)
    t.equal(fast.statusCode, 200, url)
    t.equal(fast.body, exact.body, `${url}: the same bytes`)
  }
  const read = (await testApp.app.inject(`/v1/articles/slug/${story.slug}`)).json()
  t.equal(read.body[0].article.leadMedia.caption, 'Quay at "dusk" \u2028 and <b>after</b>')
  t.equal(read.body[1].article.leadMedia, null)
})

t.test('a related block to an unpublished article is left out for readers', async (t) => {
  const testApp = await makeApp(t)
  const hidden = await createArticle(testApp, { title: 'Secret follow-up' })
  const article = await createArticle(
    testApp,
    {
      title: 'Public story',
      body: [
        { type: 'paragraph', text: 'Before.' },
        { type: 'related', articleId: hidden.id },
        { type: 'paragraph', text: 'After.' },
      ],
    },
    { published: true },
  )
  const reader = await testApp.app.inject(`/v1/articles/${article.id}`)
  t.same(reader.json().body, [
    { type: 'paragraph', text: 'Before.' },
    { type: 'paragraph', text: 'After.' },
  ])
  t.notMatch(reader.body, new RegExp(`${hidden.id}|Secret`), 'nothing of the draft leaks')
  const editor = await testApp.app.inject({ url: `/v1/articles/${article.id}`, headers: auth(testApp.editor) })
  t.match(editor.json().body[1], { type: 'related', articleId: hidden.id, article: { title: 'Secret follow-up', status: 'draft' } })
})

// Deleting a story another one mentions is allowed (a legal takedown cannot wait for every
// mention to be edited out); the mention stays stored, dangling, hidden from readers, and does
// not stop edits of the story that holds it. Only a reference a request adds must exist.
t.test('a related block to a deleted article is kept, hidden, and blocks no edit', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const killed = await createArticle(testApp, { title: 'Withdrawn exclusive' }, { published: true })
  const story = await createArticle(
    testApp,
    {
      title: 'Ferry strike enters its second week',
      body: [
        { type: 'paragraph', text: 'Crossings stay cancelled.' },
        { type: 'related', articleId: killed.id, title: 'Our earlier scoop' },
      ],
    },
    { published: true },
  )
  const write = (payload: object) => app.inject({ method: 'PATCH', url: `/v1/articles/${story.id}`, headers: auth(editor), payload })
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${killed.id}`, headers: auth(editor) })).statusCode, 204, 'the mentioned story can be deleted')

  const reader = await app.inject(`/v1/articles/${story.id}`)
  t.equal(reader.statusCode, 200, 'the story still reads')
  t.same(reader.json().body, [{ type: 'paragraph', text: 'Crossings stay cancelled.' }], 'readers do not see the dangling teaser')
  t.notMatch(reader.body, new RegExp(`${killed.id}|scoop|Withdrawn`), 'nothing of the deleted story shows')
  const staff = await app.inject({ url: `/v1/articles/${story.id}`, headers: auth(editor) })
  t.same(staff.json().body[1], { type: 'related', articleId: killed.id, title: 'Our earlier scoop', article: null }, 'editors see it, to fix it')

  const retitled = await write({ title: 'Ferry strike enters its third week' })
  t.equal(retitled.statusCode, 200, `a new headline: ${retitled.body}`)
  const edited = await write({
    body: [
      { type: 'paragraph', text: 'Crossings stay cancelled until Friday.' },
      { type: 'related', articleId: killed.id, title: 'Our earlier scoop' },
    ],
  })
  t.equal(edited.statusCode, 200, `a body that keeps the dangling block: ${edited.body}`)
  t.equal(edited.json().body[0].text, 'Crossings stay cancelled until Friday.')
  const added = await write({
    body: [
      { type: 'paragraph', text: 'Crossings stay cancelled until Friday.' },
      { type: 'related', articleId: killed.id },
      { type: 'related', articleId: 'neverexisted' },
    ],
  })
  t.equal(added.statusCode, 400, 'a reference the request introduces must exist')
  t.same(
    added.json().errors.map((e: { path: string }) => e.path),
    ['body.body[2].articleId'],
    'only the new reference is named',
  )
  const restored = await app.inject({ method: 'POST', url: `/v1/articles/${story.id}/revisions/1/restore`, headers: auth(editor) })
  t.equal(restored.statusCode, 200, `restoring a revision that names it: ${restored.body}`)
  t.equal(restored.json().title, story.title)
  const archived = await write({ status: 'archived' })
  t.equal(archived.statusCode, 200, 'archiving the story')
  t.equal(archived.json().status, 'archived')
  t.same(archived.json().body[1], { type: 'related', articleId: killed.id, title: 'Our earlier scoop', article: null }, 'the block is still stored')
})

t.test('malformed blocks are 400s that name the block', async (t) => {
  const testApp = await makeApp(t)
  const target = await createArticle(testApp)
  const cases: [string, unknown, string][] = [
    ['unknown type', { type: 'carousel', items: [] }, 'body.body[0]'],
    ['no type', { text: 'Untyped' }, 'body.body[0]'],
    ['paragraph without text', { type: 'paragraph' }, 'body.body[0]'],
    ['paragraph with empty text', { type: 'paragraph', text: '' }, 'body.body[0]'],
    ['paragraph text not a string', { type: 'paragraph', text: 42 }, 'body.body[0]'],
    ['extra field', { type: 'paragraph', text: 'x', colour: 'red' }, 'body.body[0]'],
    ['heading without level', { type: 'heading', text: 'x' }, 'body.body[0]'],
    ['heading level 1', { type: 'heading', text: 'x', level: 1 }, 'body.body[0]'],
    ['heading level 5', { type: 'heading', text: 'x', level: 5 }, 'body.body[0]'],
    ['heading level 2.5', { type: 'heading', text: 'x', level: 2.5 }, 'body.body[0]'],
    ['heading level as text', { type: 'heading', text: 'x', level: '2' }, 'body.body[0]'],
    ['quote without text', { type: 'quote', attribution: 'Someone' }, 'body.body[0]'],
    ['list with no items', { type: 'list', style: 'bulleted', items: [] }, 'body.body[0]'],
    ['list without style', { type: 'list', items: ['a'] }, 'body.body[0]'],
    ['list with a bad style', { type: 'list', style: 'dotted', items: ['a'] }, 'body.body[0]'],
    ['list with an empty item', { type: 'list', style: 'numbered', items: [''] }, 'body.body[0]'],
    ['media without mediaId', { type: 'media', caption: 'x' }, 'body.body[0]'],
    ['media that does not exist', { type: 'media', mediaId: 'nosuchmedia' }, 'body.body[0].mediaId'],
    ['related to an article that does not exist', { type: 'related', articleId: 'nosucharticle' }, 'body.body[0].articleId'],
    ['related with both articleId and url', { type: 'related', articleId: target.id, url: 'https://example.org' }, 'body.body[0]'],
    ['related with neither', { type: 'related', title: 'Nothing' }, 'body.body[0]'],
    ['related to a javascript: url', { type: 'related', url: 'javascript:alert(1)' }, 'body.body[0]'],
    ['embed without url', { type: 'embed', provider: 'x' }, 'body.body[0]'],
    ['embed with a javascript: url', { type: 'embed', url: 'javascript:alert(1)' }, 'body.body[0]'],
    ['embed with a relative url', { type: 'embed', url: '/watch' }, 'body.body[0]'],
    ['a block that is a string', 'just text', 'body.body[0]'],
    ['a block that is a number', 5, 'body.body[0]'],
    ['a block that is null', null, 'body.body[0]'],
    ['a block that is a list', [], 'body.body[0]'],
  ]
  for (const [label, block, path] of cases) {
    const res = await post(testApp, { title: 'Blocks', body: [{ type: 'paragraph', text: 'Fine.' }, block].reverse() })
    t.equal(res.statusCode, 400, `${label} → 400`)
    const doc = res.json()
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.ok(
      doc.errors?.some((e: { path: string }) => e.path.startsWith(path)),
      `${label}: errors[] names ${path} (${JSON.stringify(doc.errors)})`,
    )
  }
  const count = (testApp.app.db.$client.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n
  t.equal(count, 1, 'no article with a bad block was stored')
})

t.test('a related block may not point to its own article', async (t) => {
  const testApp = await makeApp(t)
  const article = await createArticle(testApp, { title: 'Self reference', body: [{ type: 'paragraph', text: 'Kept.' }] })
  const res = await testApp.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${article.id}`,
    headers: auth(testApp.editor),
    payload: { body: [{ type: 'related', articleId: article.id }] },
  })
  t.equal(res.statusCode, 400)
  t.ok(res.json().errors.some((e: { path: string }) => e.path === 'body.body[0].articleId'), JSON.stringify(res.json().errors))
  const after = await testApp.app.inject({ url: `/v1/articles/${article.id}`, headers: auth(testApp.editor) })
  t.same(after.json().body, [{ type: 'paragraph', text: 'Kept.' }], 'the body is unchanged')
  t.equal(after.json().version, 1)
})

t.test('a patch with an unknown media id is refused', async (t) => {
  const testApp = await makeApp(t)
  const article = await createArticle(testApp)
  for (const payload of [{ leadMediaId: 'nosuchmedia' }, { body: [{ type: 'media', mediaId: 'nosuchmedia' }] }]) {
    const res = await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, headers: auth(testApp.editor), payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
  }
})

t.test('hostile markup is sanitized on write, in every text field of every block', async (t) => {
  const testApp = await makeApp(t)
  insertMedia(testApp, 'media1')
  const target = await createArticle(testApp)
  const hostile = '<script>alert("x")</script><b onclick="steal()">Bold</b> <a href="javascript:alert(1)">click</a> <img src=x onerror=alert(1)>'
  const clean = '<b>Bold</b> click '
  const res = await post(testApp, {
    title: 'Sanitized',
    body: [
      { type: 'paragraph', text: hostile },
      { type: 'heading', text: hostile, level: 3 },
      { type: 'quote', text: hostile, attribution: hostile },
      { type: 'list', style: 'bulleted', items: [hostile, 'plain'] },
      { type: 'media', mediaId: 'media1', caption: hostile, credit: hostile },
      { type: 'related', articleId: target.id, title: hostile },
    ],
  })
  t.equal(res.statusCode, 201, res.body)
  const body = res.json().body
  t.equal(body[0].text, clean)
  t.equal(body[1].text, clean)
  t.equal(body[2].text, clean)
  t.equal(body[2].attribution, clean)
  t.same(body[3].items, [clean, 'plain'])
  t.equal(body[4].caption, clean)
  t.equal(body[4].credit, clean)
  t.equal(body[5].title, clean)
  const stored = testApp.app.db.$client.prepare('SELECT body FROM articles WHERE id = ?').get(res.json().id) as { body: string }
  t.notMatch(stored.body, /script|onclick|onerror|javascript|<img/i, 'nothing hostile is stored')
})

t.test('allowed inline markup survives, links only to http, https and mailto', async (t) => {
  const testApp = await makeApp(t)
  const text =
    '<em>e</em> <strong>s</strong> <i>i</i> <b>b</b> H<sub>2</sub>O m<sup>2</sup><br>' +
    '<a href="https://example.org/a" target="_blank" rel="x">web</a> <a href="http://example.org">plain</a> ' +
    '<a href="mailto:desk@example.org">mail</a> <a href="ftp://example.org">ftp</a> <a href="/relative">rel</a> ' +
    '<span style="color:red">span</span> <u>under</u> <style>p{}</style><iframe src="https://example.org">frame</iframe>end'
  const res = await post(testApp, { title: 'Markup', body: [{ type: 'paragraph', text }] })
  t.equal(res.statusCode, 201)
  t.equal(
    res.json().body[0].text,
    '<em>e</em> <strong>s</strong> <i>i</i> <b>b</b> H<sub>2</sub>O m<sup>2</sup><br />' +
      '<a href="https://example.org/a">web</a> <a href="http://example.org">plain</a> ' +
      '<a href="mailto:desk@example.org">mail</a> ftp rel ' +
      'span under end',
  )
})

t.test('markup in plain-text fields is searchable as words, and kept out of the index', async (t) => {
  const testApp = await makeApp(t)
  const article = await createArticle(
    testApp,
    { title: 'Indexing', body: [{ type: 'paragraph', text: '<em>Volcanic</em> ash <script>hiddenword()</script>' }] },
    { published: true },
  )
  const found = (await testApp.app.inject('/v1/articles?q=volcanic')).json()
  t.same(found.data.map((a: { id: string }) => a.id), [article.id])
  const script = (await testApp.app.inject('/v1/articles?q=hiddenword')).json()
  t.same(script.data, [], 'removed script text is not searchable')
  const tag = (await testApp.app.inject('/v1/articles?q=em')).json()
  t.same(tag.data, [], 'tag names are not words of the text')
})

t.test('no body of any shape makes the service fail', async (t) => {
  const testApp = await makeApp(t)
  const target = await createArticle(testApp)
  insertMedia(testApp, 'media1')
  const value = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.integer(),
    fc.constant(null),
    fc.constantFrom(target.id, 'media1', 'https://example.org', 'javascript:x', '<script>x</script>', 'paragraph', 'related'),
  )
  const block = fc.oneof(
    fc.record(
      {
        type: fc.constantFrom('paragraph', 'heading', 'quote', 'list', 'media', 'related', 'embed', 'other'),
        text: value,
        level: fc.oneof(fc.integer({ min: 0, max: 6 }), value),
        attribution: value,
        style: fc.constantFrom('bulleted', 'numbered', 'x'),
        items: fc.array(value, { maxLength: 3 }),
        mediaId: value,
        articleId: value,
        url: value,
        title: value,
        caption: value,
      },
      { requiredKeys: ['type'] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  )
  const payload = fc.record(
    {
      title: value,
      slug: value,
      body: fc.oneof(fc.array(block, { maxLength: 4 }), value),
      tags: fc.oneof(fc.array(value, { maxLength: 3 }), value),
      leadMediaId: value,
      status: value,
    },
    { requiredKeys: [] },
  )
  let checked = 0
  await fc.assert(
    fc.asyncProperty(payload, async (p) => {
      const res = await testApp.app.inject({ method: 'POST', url: '/v1/articles', headers: auth(testApp.editor), payload: p })
      checked += 1
      if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${JSON.stringify(p)}`)
      if (res.statusCode !== 201 && !String(res.headers['content-type']).startsWith('application/problem+json')) {
        throw new Error(`an error that is not a problem: ${res.statusCode}`)
      }
      if (res.statusCode === 201) {
        const patched = await testApp.app.inject({ method: 'PATCH', url: `/v1/articles/${res.json().id}`, headers: auth(testApp.editor), payload: p })
        if (patched.statusCode >= 500) throw new Error(`PATCH ${patched.statusCode} for ${JSON.stringify(p)}`)
      }
    }),
    { numRuns: 300 },
  )
  t.equal(checked, 300)
})
