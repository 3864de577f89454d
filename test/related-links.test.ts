// /v1/articles/{id}/related: order after every kind of write, the refusals (self links,
// duplicates, bad URLs, unknown articles, roles), and the rule that readers never see a link
// to an unpublished article — in the list, in the article read and in `related` body blocks.
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'

const related = (id: string) => `/v1/articles/${id}/related`

async function add(testApp: TestApp, id: string, payload: Record<string, unknown>, token = testApp.editor) {
  return testApp.app.inject({ method: 'POST', url: related(id), headers: auth(token), payload })
}

async function replace(testApp: TestApp, id: string, payload: unknown, token = testApp.editor) {
  return testApp.app.inject({ method: 'PUT', url: related(id), headers: auth(token), payload: payload as object })
}

async function list(testApp: TestApp, id: string, token?: string, query = '') {
  return testApp.app.inject({ method: 'GET', url: `${related(id)}${query}`, headers: token === undefined ? {} : auth(token) })
}

/** The list as an editor sees it, reduced to what each link points to. */
async function targets(testApp: TestApp, id: string): Promise<string[]> {
  const res = await list(testApp, id, testApp.editor, '?limit=100')
  const links = res.json().data as { position: number; articleId: string | null; url: string | null }[]
  links.forEach((link, i) => {
    if (link.position !== i) throw new Error(`position ${link.position} at index ${i}`)
  })
  return links.map((link) => link.articleId ?? link.url!)
}

async function story(testApp: TestApp, title: string, published = true) {
  return createArticle(testApp, { title }, { published })
}

t.test('POST appends, or inserts at a position and moves the rest down', async (t) => {
  const testApp = await makeApp(t)
  const parent = await story(testApp, 'River rises in the valley')
  const [a, b, c] = [await story(testApp, 'Alpha'), await story(testApp, 'Bravo'), await story(testApp, 'Charlie')]

  const first = await add(testApp, parent.id, { articleId: a.id })
  t.equal(first.statusCode, 201)
  const link = first.json()
  t.match(link, { id: String, position: 0, articleId: a.id, url: null, title: 'Alpha', article: { id: a.id, slug: a.slug, title: 'Alpha', status: 'published' } })
  t.equal(first.headers.location, `http://localhost:80/v1/articles/${parent.id}/related/${link.id}`)
  const fetched = await testApp.app.inject({ method: 'GET', url: `${related(parent.id)}/${link.id}` })
  t.equal(fetched.statusCode, 200, 'Location names a readable link')
  t.same(fetched.json(), link)

  t.equal((await add(testApp, parent.id, { url: 'https://example.org/weather', title: 'Weather desk' })).json().position, 1)
  const inserted = await add(testApp, parent.id, { articleId: b.id, position: 0 })
  t.equal(inserted.json().position, 0)
  t.same(await targets(testApp, parent.id), [b.id, a.id, 'https://example.org/weather'])

  t.equal((await add(testApp, parent.id, { articleId: c.id, position: 2 })).json().position, 2)
  t.same(await targets(testApp, parent.id), [b.id, a.id, c.id, 'https://example.org/weather'])

  const past = await add(testApp, parent.id, { url: 'https://example.org/maps', title: 'Maps', position: 99 })
  t.equal(past.statusCode, 201)
  t.equal(past.json().position, 4, 'a position past the end appends')

  const negative = await add(testApp, parent.id, { url: 'https://example.org/x', title: 'X', position: -1 })
  t.equal(negative.statusCode, 400)
  t.match(negative.json().errors, [{ path: 'body.position' }])
})

t.test('PUT replaces the whole list in order, keeping the ids of targets it already had', async (t) => {
  const testApp = await makeApp(t)
  const parent = await story(testApp, 'Council votes on the budget')
  const [a, b, c] = [await story(testApp, 'Alpha'), await story(testApp, 'Bravo'), await story(testApp, 'Charlie')]
  const linkA = (await add(testApp, parent.id, { articleId: a.id })).json()
  await add(testApp, parent.id, { articleId: b.id })

  const res = await replace(testApp, parent.id, [
    { url: 'https://example.org/budget', title: 'The budget in full' },
    { articleId: c.id },
    { articleId: a.id, title: 'Earlier: the first vote' },
  ])
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.nextCursor, null)
  t.same(
    body.data.map((l: any) => [l.position, l.articleId ?? l.url, l.title]),
    [
      [0, 'https://example.org/budget', 'The budget in full'],
      [1, c.id, 'Charlie'],
      [2, a.id, 'Earlier: the first vote'],
    ],
  )
  t.equal(body.data[2].id, linkA.id, 'a kept target keeps its link id')
  t.same(await targets(testApp, parent.id), ['https://example.org/budget', c.id, a.id])

  const reordered = await replace(testApp, parent.id, [{ articleId: a.id }, { url: 'https://example.org/budget', title: 'Budget' }])
  t.same(
    reordered.json().data.map((l: any) => [l.position, l.articleId ?? l.url, l.title]),
    [
      [0, a.id, 'Alpha'],
      [1, 'https://example.org/budget', 'Budget'],
    ],
    'dropping the title override shows the target title again',
  )

  const cleared = await replace(testApp, parent.id, [])
  t.equal(cleared.statusCode, 200)
  t.same(cleared.json(), { data: [], nextCursor: null })
})

t.test('PUT is all or nothing', async (t) => {
  const testApp = await makeApp(t)
  const parent = await story(testApp, 'Storm closes the port')
  const [a, b] = [await story(testApp, 'Alpha'), await story(testApp, 'Bravo')]
  await replace(testApp, parent.id, [{ articleId: a.id }, { articleId: b.id }])
  const before = await targets(testApp, parent.id)

  const badUrl = await replace(testApp, parent.id, [{ articleId: b.id }, { url: 'ftp://example.org/file', title: 'Files' }])
  t.equal(badUrl.statusCode, 400)
  t.match(badUrl.json().errors, [{ path: 'body[1].url' }])

  const unknown = await replace(testApp, parent.id, [{ articleId: b.id }, { articleId: 'nosuchstory' }, { url: 'https://example.org', title: '<b></b>' }])
  t.equal(unknown.statusCode, 400)
  t.same(
    unknown.json().errors.map((e: any) => e.path).sort(),
    ['body[1].articleId', 'body[2].title'],
    'every bad item is reported at once',
  )

  const self = await replace(testApp, parent.id, [{ articleId: parent.id }])
  t.equal(self.statusCode, 400)
  t.match(self.json().errors, [{ path: 'body[0].articleId', message: /itself/ }])

  const twice = await replace(testApp, parent.id, [{ articleId: b.id }, { articleId: a.id }, { articleId: b.id }])
  t.equal(twice.statusCode, 409)
  t.match(twice.json().detail, /body\[2\].*body\[0\]/)

  const sameUrl = await replace(testApp, parent.id, [
    { url: 'HTTPS://Example.org', title: 'One' },
    { url: 'https://example.org/', title: 'Two' },
  ])
  t.equal(sameUrl.statusCode, 409, 'two spellings of one URL are one target')

  const tooMany = await replace(
    testApp,
    parent.id,
    Array.from({ length: 101 }, (_, i) => ({ url: `https://example.org/${i}`, title: `Link ${i}` })),
  )
  t.equal(tooMany.statusCode, 400)

  const typo = await replace(testApp, parent.id, [{ articleID: a.id }])
  t.equal(typo.statusCode, 400)
  const notArray = await replace(testApp, parent.id, { articleId: a.id })
  t.equal(notArray.statusCode, 400)

  t.same(await targets(testApp, parent.id), before, 'no refused PUT changed anything')
})

t.test('DELETE removes one link and closes the gap', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const parent = await story(testApp, 'Bridge reopens after repairs')
  const other = await story(testApp, 'Unrelated parent')
  const links = (
    await replace(
      testApp,
      parent.id,
      ['a', 'b', 'c', 'd'].map((n) => ({ url: `https://example.org/${n}`, title: n.toUpperCase() })),
    )
  ).json().data

  const removed = await app.inject({ method: 'DELETE', url: `${related(parent.id)}/${links[1].id}`, headers: auth(editor) })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')
  t.same(await targets(testApp, parent.id), ['https://example.org/a', 'https://example.org/c', 'https://example.org/d'])

  await app.inject({ method: 'DELETE', url: `${related(parent.id)}/${links[0].id}`, headers: auth(editor) })
  t.same(await targets(testApp, parent.id), ['https://example.org/c', 'https://example.org/d'])

  const again = await app.inject({ method: 'DELETE', url: `${related(parent.id)}/${links[0].id}`, headers: auth(editor) })
  t.equal(again.statusCode, 404)
  const elsewhere = await app.inject({ method: 'DELETE', url: `${related(other.id)}/${links[2].id}`, headers: auth(editor) })
  t.equal(elsewhere.statusCode, 404, "a link is found only under its own article")
  t.same(await targets(testApp, parent.id), ['https://example.org/c', 'https://example.org/d'])

  const readd = await add(testApp, parent.id, { url: 'https://example.org/a', title: 'A again', position: 1 })
  t.equal(readd.statusCode, 201, 'a removed target can be linked again')
  t.same(await targets(testApp, parent.id), ['https://example.org/c', 'https://example.org/a', 'https://example.org/d'])
})

t.test('self links, duplicates, bad URLs and malformed links are refused', async (t) => {
  const testApp = await makeApp(t)
  const parent = await story(testApp, 'Harbour festival draws crowds')
  const target = await story(testApp, 'Fireworks over the bay')
  t.equal((await add(testApp, parent.id, { articleId: target.id })).statusCode, 201)
  t.equal((await add(testApp, parent.id, { url: 'https://news.example.com/a?b=1#c', title: 'Elsewhere' })).statusCode, 201)

  const self = await add(testApp, parent.id, { articleId: parent.id })
  t.equal(self.statusCode, 400)
  t.match(self.json(), { type: 'urn:cms:problem:validation', errors: [{ path: 'body.articleId', message: /itself/ }] })

  const dupArticle = await add(testApp, parent.id, { articleId: target.id, position: 0 })
  t.equal(dupArticle.statusCode, 409)
  t.match(dupArticle.headers['content-type'], /^application\/problem\+json/)
  const dupUrl = await add(testApp, parent.id, { url: 'HTTPS://NEWS.example.com/a?b=1#c', title: 'Same place' })
  t.equal(dupUrl.statusCode, 409)

  for (const url of [
    'javascript:alert(1)',
    'JavaScript://%0aalert(1)',
    'ftp://files.example.com/report.pdf',
    'data:text/html,<script>alert(1)</script>',
    'mailto:desk@example.com',
    '//example.com/no-scheme',
    'http://',
    'https://user:secret@example.com/',
    'not a url',
    `https://example.com/${'x'.repeat(2100)}`,
  ]) {
    const res = await add(testApp, parent.id, { url, title: 'Bad' })
    t.equal(res.statusCode, 400, `refuses ${url.slice(0, 40)}`)
    t.match(res.json().errors, [{ path: /^body\.url/ }])
  }

  const cases: [Record<string, unknown>, string][] = [
    [{ url: 'https://example.com/story' }, 'body.title'],
    [{ articleId: target.id, url: 'https://example.com/story', title: 'Both' }, 'body'],
    [{}, 'body'],
    [{ url: 'https://example.com/story', title: '' }, 'body.title'],
    [{ url: 'https://example.com/story', title: '<script>alert(1)</script>' }, 'body.title'],
    [{ url: 'https://example.com/story', title: 'Typo', postion: 1 }, 'body.postion'],
    [{ articleId: 42 }, 'body.articleId'],
  ]
  for (const [payload, path] of cases) {
    const res = await add(testApp, parent.id, payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.ok(
      res.json().errors.some((e: { path: string }) => e.path === path),
      `${JSON.stringify(payload)} names ${path}: ${JSON.stringify(res.json().errors)}`,
    )
  }

  const unencoded = await add(testApp, parent.id, { url: 'https://example.com/"><script>alert(1)</script>', title: 'Sneaky' })
  t.equal(unencoded.statusCode, 400, 'a URL with characters a URL may not hold is refused, not repaired')

  const hostile = await add(testApp, parent.id, {
    url: 'HTTPS://Example.COM',
    title: 'Read <em>this</em> <img src=x onerror=alert(1)>now',
  })
  t.equal(hostile.statusCode, 201)
  t.equal(hostile.json().title, 'Read this now', 'markup is removed from titles')
  t.equal(hostile.json().url, 'https://example.com/', 'URLs are stored normalized')

  t.same(await targets(testApp, parent.id), [target.id, 'https://news.example.com/a?b=1#c', 'https://example.com/'])
})

t.test('unknown targets are bad input (400); an unknown article in the path is 404', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const parent = await story(testApp, 'Library extends its hours')

  const unknownTarget = await add(testApp, parent.id, { articleId: 'nosuchstory' })
  t.equal(unknownTarget.statusCode, 400)
  t.match(unknownTarget.json().errors, [{ path: 'body.articleId', message: /no article/ }])

  t.equal((await add(testApp, 'nosuchparent', { url: 'https://example.com', title: 'X' })).statusCode, 404)
  t.equal((await replace(testApp, 'nosuchparent', [])).statusCode, 404)
  t.equal((await list(testApp, 'nosuchparent', editor)).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `${related('nosuchparent')}/x`, headers: auth(editor) })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `${related(parent.id)}/nosuchlink` })).statusCode, 404)
})

t.test('only editors and admins change links; anyone reads them', async (t) => {
  const testApp = await makeApp(t)
  const { app, admin, editor, moderator } = testApp
  const parent = await story(testApp, 'School year starts')
  const link = { url: 'https://example.com/calendar', title: 'Calendar' }

  const anonymous = await testApp.app.inject({ method: 'POST', url: related(parent.id), payload: link })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['www-authenticate'], 'Bearer')
  t.equal((await add(testApp, parent.id, link, moderator)).statusCode, 403)
  t.equal((await replace(testApp, parent.id, [link], moderator)).statusCode, 403)
  t.equal((await app.inject({ method: 'PUT', url: related(parent.id), payload: [link] })).statusCode, 401)

  const created = await add(testApp, parent.id, link, admin)
  t.equal(created.statusCode, 201, 'admins may do everything')
  const url = `${related(parent.id)}/${created.json().id}`
  t.equal((await app.inject({ method: 'DELETE', url })).statusCode, 401)
  t.equal((await app.inject({ method: 'DELETE', url, headers: auth(moderator) })).statusCode, 403)

  for (const token of [undefined, moderator, editor, admin]) {
    const res = await list(testApp, parent.id, token)
    t.equal(res.statusCode, 200)
    t.equal(res.json().data.length, 1)
  }
  const badKey = await list(testApp, parent.id, 'not-a-key')
  t.equal(badKey.statusCode, 401)
})

t.test('readers never see a link to an unpublished article, anywhere', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const shown = await story(testApp, 'Published neighbour')
  const hidden = await story(testApp, 'Draft neighbour', false)
  const parent = await createArticle(
    testApp,
    {
      title: 'Town hall reopens',
      body: [
        { type: 'paragraph', text: 'The doors opened at nine.' },
        { type: 'related', articleId: hidden.id },
        { type: 'related', articleId: shown.id, title: 'Read next' },
        { type: 'related', url: 'https://example.com/history', title: 'A history of the hall' },
      ],
    },
    { published: true },
  )
  await replace(testApp, parent.id, [{ articleId: hidden.id }, { url: 'https://example.com/plan', title: 'Floor plan' }, { articleId: shown.id }])

  // The list.
  const anonymousList = (await list(testApp, parent.id)).json()
  t.same(
    anonymousList.data.map((l: any) => [l.position, l.articleId ?? l.url]),
    [
      [0, 'https://example.com/plan'],
      [1, shown.id],
    ],
    'the hidden link is left out and leaves no gap',
  )
  t.notOk(JSON.stringify(anonymousList).includes(hidden.id), 'not even its id reaches a reader')
  const editorList = (await list(testApp, parent.id, editor)).json()
  t.same(
    editorList.data.map((l: any) => [l.position, l.articleId ?? l.url, l.article?.status ?? null]),
    [
      [0, hidden.id, 'draft'],
      [1, 'https://example.com/plan', null],
      [2, shown.id, 'published'],
    ],
    'editors see every link with its target status',
  )
  const hiddenLinkId = editorList.data[0].id
  t.equal((await app.inject({ method: 'GET', url: `${related(parent.id)}/${hiddenLinkId}` })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `${related(parent.id)}/${hiddenLinkId}`, headers: auth(editor) })).statusCode, 200)

  // The article read.
  const anonymousRead = (await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}` })).json()
  t.same(
    anonymousRead.related.map((l: any) => [l.position, l.articleId ?? l.url]),
    [
      [0, 'https://example.com/plan'],
      [1, shown.id],
    ],
  )
  t.equal(anonymousRead.related[1].article.title, 'Published neighbour')
  // The body blocks.
  t.same(
    anonymousRead.body.filter((b: any) => b.type === 'related').map((b: any) => [b.articleId ?? b.url, b.article?.title ?? null]),
    [
      [shown.id, 'Published neighbour'],
      ['https://example.com/history', null],
    ],
  )
  t.notOk(JSON.stringify(anonymousRead).includes(hidden.id), 'the article read does not name the hidden target')
  const bySlug = (await app.inject({ method: 'GET', url: `/v1/articles/slug/${parent.slug}` })).json()
  t.same(bySlug.related, anonymousRead.related, 'the read by slug embeds the same links')

  const editorRead = (await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}`, headers: auth(editor) })).json()
  t.same(
    editorRead.related.map((l: any) => [l.articleId ?? l.url, l.article?.status ?? null]),
    [
      [hidden.id, 'draft'],
      ['https://example.com/plan', null],
      [shown.id, 'published'],
    ],
  )
  t.same(
    editorRead.body.filter((b: any) => b.type === 'related').map((b: any) => [b.articleId ?? b.url, b.article?.status ?? null]),
    [
      [hidden.id, 'draft'],
      [shown.id, 'published'],
      ['https://example.com/history', null],
    ],
  )

  // Publishing the target shows it; unpublishing hides it again.
  await app.inject({ method: 'POST', url: `/v1/articles/${hidden.id}/publish`, headers: auth(editor) })
  t.equal((await list(testApp, parent.id)).json().data.length, 3)
  t.equal((await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}` })).json().related.length, 3)
  await app.inject({ method: 'POST', url: `/v1/articles/${shown.id}/unpublish`, headers: auth(editor) })
  const afterUnpublish = (await list(testApp, parent.id)).json()
  t.same(
    afterUnpublish.data.map((l: any) => [l.position, l.articleId ?? l.url]),
    [
      [0, hidden.id],
      [1, 'https://example.com/plan'],
    ],
  )
  const readAfter = (await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}` })).json()
  t.notOk(JSON.stringify(readAfter).includes(shown.id), 'an unpublished target disappears from the read too')
})

t.test('an unpublished parent is not found by readers', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor, moderator } = testApp
  const draft = await story(testApp, 'Embargoed report', false)
  const link = (await add(testApp, draft.id, { url: 'https://example.com/report', title: 'The report' })).json()
  t.equal((await list(testApp, draft.id)).statusCode, 404)
  t.equal((await list(testApp, draft.id, moderator)).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `${related(draft.id)}/${link.id}` })).statusCode, 404)
  t.equal((await list(testApp, draft.id, editor)).statusCode, 200)
})

t.test('deleting an article removes every link to and from it', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const parent = await story(testApp, 'Dam inspection finds cracks')
  const [a, b, c] = [await story(testApp, 'Alpha'), await story(testApp, 'Bravo'), await story(testApp, 'Charlie')]
  await replace(testApp, parent.id, [{ articleId: a.id }, { articleId: b.id }, { articleId: c.id }])
  await replace(testApp, b.id, [{ articleId: parent.id }, { url: 'https://example.com/dams', title: 'Dams' }])

  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${b.id}`, headers: auth(editor) })).statusCode, 204)
  t.same(await targets(testApp, parent.id), [a.id, c.id], 'the deleted target is gone and the positions are dense again')
  t.equal((await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}` })).json().related.length, 2)

  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${parent.id}`, headers: auth(editor) })).statusCode, 204)
  const rows = app.db.$client.prepare('SELECT count(*) AS n FROM related_links').get() as { n: number }
  t.equal(rows.n, 0, 'no link outlives its article or its target')
})

t.test('links are their own resource: changing them leaves the article untouched', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const parent = await story(testApp, 'Market hall gets a new roof')
  const target = await story(testApp, 'Roofers in demand')
  const before = (await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}`, headers: auth(editor) })).json()
  const link = (await add(testApp, parent.id, { articleId: target.id })).json()
  await replace(testApp, parent.id, [{ articleId: target.id }, { url: 'https://example.com/roof', title: 'Roof' }])
  await app.inject({ method: 'DELETE', url: `${related(parent.id)}/${link.id}`, headers: auth(editor) })
  const after = (await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}`, headers: auth(editor) })).json()
  t.equal(after.version, before.version)
  t.equal(after.updatedAt, before.updatedAt)
  t.equal(after.related.length, 1)
  const revisions = (await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}/revisions`, headers: auth(editor) })).json()
  t.equal(revisions.data.length, before.version, 'no revision was recorded for link changes')
})

t.test('the list pages in order, and a page boundary survives a reorder', async (t) => {
  const testApp = await makeApp(t)
  const parent = await story(testApp, 'Marathon closes the centre')
  const urls = Array.from({ length: 7 }, (_, i) => `https://example.com/route/${i}`)
  await replace(testApp, parent.id, urls.map((url, i) => ({ url, title: `Stage ${i}` })))

  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await list(testApp, parent.id, undefined, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
    t.equal(res.statusCode, 200)
    const page = res.json()
    seen.push(...page.data.map((l: any) => l.url))
    cursor = page.nextCursor
    pages += 1
  } while (cursor !== null && pages < 10)
  t.same(seen, urls)
  t.equal(pages, 3)

  const first = (await list(testApp, parent.id, undefined, '?limit=3')).json()
  // A new link at the top moves every position down; the next page still starts after the last one seen.
  await add(testApp, parent.id, { url: 'https://example.com/route/start', title: 'Start', position: 0 })
  const second = (await list(testApp, parent.id, undefined, `?limit=3&cursor=${first.nextCursor}`)).json()
  t.same(
    second.data.map((l: any) => l.url),
    urls.slice(3, 6),
  )

  t.equal((await list(testApp, parent.id, undefined, '?limit=0')).statusCode, 400)
  t.equal((await list(testApp, parent.id, undefined, '?limit=101')).statusCode, 400)
  t.equal((await list(testApp, parent.id, undefined, '?cursor=garbage')).statusCode, 400)
  t.equal((await list(testApp, parent.id, undefined, '?sort=asc')).statusCode, 400)
})

t.test('an article holds at most 100 links', async (t) => {
  const testApp = await makeApp(t)
  const parent = await story(testApp, 'Long reads of the year')
  const full = Array.from({ length: 100 }, (_, i) => ({ url: `https://example.com/read/${i}`, title: `Read ${i}` }))
  t.equal((await replace(testApp, parent.id, full)).statusCode, 200)
  const more = await add(testApp, parent.id, { url: 'https://example.com/read/extra', title: 'One more' })
  t.equal(more.statusCode, 409)
  t.match(more.json().detail, /100/)
})
