// Author profiles: the resource, its private e-mail, its photo, and how articles name them
// (authorIds, bylines made from names, embedded public profiles, the authorId filter).
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'
import { multipart, tinyPng } from './reliability-support.js'

const AUTHOR_FIELDS = ['bio', 'createdAt', 'id', 'jobTitle', 'links', 'name', 'photo', 'photoMediaId', 'slug', 'updatedAt', 'version'].sort()

async function upload({ app, editor }: TestApp, seed: number): Promise<string> {
  const form = multipart([{ name: 'file', filename: `portrait-${seed}.png`, data: await tinyPng(seed) }])
  const res = await app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...form.headers }, payload: form.payload })
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`)
  return res.json().id
}

async function makeAuthor({ app, editor }: TestApp, payload: Record<string, unknown>): Promise<any> {
  const res = await app.inject({ method: 'POST', url: '/v1/authors', headers: auth(editor), payload })
  if (res.statusCode !== 201) throw new Error(`author: ${res.statusCode} ${res.body}`)
  return res.json()
}

const get = (testApp: TestApp, url: string, token?: string) => testApp.app.inject({ method: 'GET', url, headers: token ? auth(token) : {} })
const patch = (testApp: TestApp, url: string, payload: object, headers: Record<string, string> = {}) =>
  testApp.app.inject({ method: 'PATCH', url, headers: { ...auth(testApp.editor), ...headers }, payload })

t.test('a profile with a photo: readers get its public fields, editors its e-mail too', async (t) => {
  const testApp = await makeApp(t)
  const photoId = await upload(testApp, 1)
  const created = await testApp.app.inject({
    method: 'POST',
    url: '/v1/authors',
    headers: auth(testApp.editor),
    payload: {
      name: 'Marta Quiroga',
      jobTitle: 'River and transport reporter',
      bio: 'Covers the Sella valley <b>since 2015</b>.',
      photoMediaId: photoId,
      links: ['https://social.example/@mquiroga', 'https://mquiroga.example'],
      email: 'm.quiroga@newsroom.example',
    },
  })
  t.equal(created.statusCode, 201)
  const author = created.json()
  t.match(created.headers.location, new RegExp(`/v1/authors/${author.id}$`))
  t.match(author, {
    slug: 'marta-quiroga',
    name: 'Marta Quiroga',
    bio: 'Covers the Sella valley since 2015.',
    photoMediaId: photoId,
    photo: { id: photoId, kind: 'image', url: new RegExp(`/v1/media/${photoId}/file$`) },
    email: 'm.quiroga@newsroom.example',
    version: 1,
  })

  for (const url of [`/v1/authors/${author.id}`, '/v1/authors/slug/marta-quiroga']) {
    const anonymous = await get(testApp, url)
    t.equal(anonymous.statusCode, 200, url)
    t.same(Object.keys(anonymous.json()).sort(), AUTHOR_FIELDS, `${url}: a reader gets no e-mail field`)
    t.match(anonymous.headers['cache-control'], /^public/, `${url}: cacheable for readers`)
    t.equal((await get(testApp, url, testApp.moderator)).json().email, undefined, `${url}: nor does a moderator`)
    const editor = await get(testApp, url, testApp.editor)
    t.equal(editor.json().email, 'm.quiroga@newsroom.example', `${url}: an editor does`)
    t.equal(editor.headers['cache-control'], 'private, no-store')
    t.equal((await get(testApp, url, testApp.admin)).json().email, 'm.quiroga@newsroom.example', `${url}: and an admin`)
  }
  const keys = (res: { headers: Record<string, unknown> }) => String(res.headers['surrogate-key']).split(' ')
  t.same(keys(await get(testApp, `/v1/authors/${author.id}`)), [`author-${author.id}`, `media-${photoId}`], 'named by its key and its photo’s')
  t.same(keys(await get(testApp, '/v1/authors')), ['authors', `media-${photoId}`], 'the list by the list’s key and each photo’s')
  t.equal((await get(testApp, `/v1/authors/${author.id}`, testApp.editor)).headers['surrogate-key'], undefined, 'an editor’s copy names nothing')
  t.equal((await get(testApp, '/v1/authors/slug/nobody-here')).statusCode, 404)
  t.equal((await get(testApp, '/v1/authors/01nosuchauthor')).statusCode, 404)

  const deleteMedia = await testApp.app.inject({ method: 'DELETE', url: `/v1/media/${photoId}`, headers: auth(testApp.editor) })
  t.equal(deleteMedia.statusCode, 409, 'the photo of a profile cannot be deleted')
})

t.test('the list pages through every profile once, in slug order', async (t) => {
  const testApp = await makeApp(t)
  for (const name of ['Zoe Marlow', 'Amadou Sy', 'Lena Hoang', 'Tomás Ferreira', 'Björn Ek']) await makeAuthor(testApp, { name, email: `${name.length}@x.example` })
  const seen: string[] = []
  let url = '/v1/authors?limit=2'
  for (let page = 0; page < 5; page++) {
    const res = await get(testApp, url)
    t.equal(res.statusCode, 200)
    for (const a of res.json().data) {
      seen.push(a.slug)
      t.notOk('email' in a, 'no e-mail in a reader’s list')
    }
    if (res.json().nextCursor === null) break
    url = `/v1/authors?limit=2&cursor=${res.json().nextCursor}`
  }
  t.same(seen, ['amadou-sy', 'bjorn-ek', 'lena-hoang', 'tomas-ferreira', 'zoe-marlow'])
  const editors = await get(testApp, '/v1/authors', testApp.editor)
  t.ok(editors.json().data.every((a: { email?: string }) => typeof a.email === 'string'), 'an editor’s list has the e-mails')
})

t.test('bad input is refused with the field named', async (t) => {
  const testApp = await makeApp(t)
  const post = (payload: object, token = testApp.editor) => testApp.app.inject({ method: 'POST', url: '/v1/authors', headers: auth(token), payload })
  const cases: [string, object, number, string?][] = [
    ['a typo field', { name: 'Ana', jobtitle: 'x' }, 400],
    ['a link that is not http', { name: 'Ana', links: ['ftp://files.example/ana'] }, 400, 'body.links[0]'],
    ['an e-mail that is not one', { name: 'Ana', email: 'ana at home' }, 400, 'body.email'],
    ['a photo that does not exist', { name: 'Ana', photoMediaId: 'nosuchmedia' }, 400, 'body.photoMediaId'],
    ['a name with nothing to slug', { name: '李娜' }, 400, 'body.slug'],
    ['a blank name', { name: '   ' }, 400, 'body.name'],
  ]
  for (const [label, payload, status, path] of cases) {
    const res = await post(payload)
    t.equal(res.statusCode, status, label)
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${label}: a problem`)
    if (path) t.ok(res.json().errors?.some((e: { path: string }) => e.path === path), `${label}: names ${path} (${res.body})`)
  }
  t.equal((await post({ name: '李娜', slug: 'li-na' })).statusCode, 201, 'with a slug of its own it is fine')
  t.equal((await post({ name: 'Li Na' })).statusCode, 409, 'a taken slug')
  t.equal((await post({ name: 'Ana' }, testApp.moderator)).statusCode, 403, 'a moderator may not')
  t.equal((await testApp.app.inject({ method: 'POST', url: '/v1/authors', payload: { name: 'Ana' } })).statusCode, 401)
})

t.test('articles link profiles: bylines from their names, public profiles embedded, wire credits kept', async (t) => {
  const testApp = await makeApp(t)
  const photoId = await upload(testApp, 2)
  const marta = await makeAuthor(testApp, { name: 'Marta Quiroga', photoMediaId: photoId, email: 'marta@newsroom.example' })
  const tomas = await makeAuthor(testApp, { name: 'Tomás Ferreira', email: 'tomas@newsroom.example' })

  const article = await createArticle(testApp, { title: 'Footbridge reopens', authorIds: [marta.id, tomas.id] })
  t.same(article.authors, ['Marta Quiroga', 'Tomás Ferreira'], 'bylines made from the names')
  t.same(article.authorIds, [marta.id, tomas.id])
  t.same(
    article.authorProfiles.map((p: { id: string }) => p.id),
    [marta.id, tomas.id],
    'profiles embedded in order',
  )
  t.match(article.authorProfiles[0], { name: 'Marta Quiroga', photo: { id: photoId } })
  t.notOk(JSON.stringify(article).includes('newsroom.example'), 'no e-mail in an embedded profile, even for an editor')

  const url = `/v1/articles/${article.id}`
  let res = await patch(testApp, url, { authors: ['Marta Quiroga', 'Tomás Ferreira', 'EFE'] })
  t.same(res.json().authors, ['Marta Quiroga', 'Tomás Ferreira', 'EFE'])
  res = await patch(testApp, url, { authorIds: [tomas.id] })
  t.same(res.json().authors, ['Tomás Ferreira', 'EFE'], 'the wire credit stays; the name of the profile taken off goes')
  res = await patch(testApp, url, { authorIds: [marta.id], authors: ['M. Quiroga in Vallmora'] })
  t.same(res.json().authors, ['M. Quiroga in Vallmora'], 'bylines given with the ids are taken as given')
  const wire = await createArticle(testApp, { title: 'Wire copy', authors: ['EFE'] })
  t.same([wire.authors, wire.authorIds, wire.authorProfiles], [['EFE'], [], []], 'free-text bylines alone work as before')

  res = await patch(testApp, url, { authorIds: [marta.id, 'nosuchauthor'] })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors, [{ path: 'body.authorIds[1]', message: 'no author with id "nosuchauthor"' }])
  res = await patch(testApp, url, { authorIds: [marta.id, marta.id] })
  t.same(res.json().authorIds, [marta.id], 'an id given twice is named once')

  // A new name shows in the embedded profile (the response cache lets go of the old answer),
  // while the printed bylines stay as they were.
  await testApp.app.inject({ method: 'POST', url: `${url}/publish`, headers: auth(testApp.editor) })
  const cached = await get(testApp, url)
  t.equal(cached.json().authorProfiles[0].name, 'Marta Quiroga')
  t.same(String(cached.headers['surrogate-key']).split(' '), [`article-${article.id}`, `author-${marta.id}`, `media-${photoId}`], 'the article names its profiles and their photos')
  const authorList = await get(testApp, '/v1/authors')
  t.equal(authorList.json().data.length, 2)
  const renamed = await patch(testApp, `/v1/authors/${marta.id}`, { name: 'Marta Quiroga Vidal' })
  t.equal(renamed.json().version, 2)
  const after = (await get(testApp, url)).json()
  t.equal(after.authorProfiles[0].name, 'Marta Quiroga Vidal', 'a reader sees the new name at once')
  t.same(after.authors, ['M. Quiroga in Vallmora'], 'the bylines are unchanged')
  t.equal((await get(testApp, `/v1/authors/slug/${marta.slug}`)).json().name, 'Marta Quiroga Vidal')
  t.equal((await get(testApp, '/v1/authors')).json().data[0].name, 'Marta Quiroga Vidal', 'and in the list')
  await makeAuthor(testApp, { name: 'Aina Puig' })
  t.equal((await get(testApp, '/v1/authors')).json().data.length, 3, 'a new profile joins the list')
})

t.test('GET /v1/articles?authorId= lists the stories a profile is on', async (t) => {
  const testApp = await makeApp(t)
  const lena = await makeAuthor(testApp, { name: 'Lena Hoang' })
  const amadou = await makeAuthor(testApp, { name: 'Amadou Sy' })
  const first = await createArticle(testApp, { title: 'Drought report', authorIds: [lena.id] }, { published: true })
  const both = await createArticle(testApp, { title: 'Night buses', authorIds: [amadou.id, lena.id] }, { published: true })
  await createArticle(testApp, { title: 'Only Amadou', authorIds: [amadou.id] }, { published: true })
  const draft = await createArticle(testApp, { title: 'Lena draft', authorIds: [lena.id] })
  // Same name as a byline, but not the profile: the filter is by profile.
  await createArticle(testApp, { title: 'Another Lena', authors: ['Lena Hoang'] }, { published: true })

  const ids = async (query: string, token?: string) => (await get(testApp, `/v1/articles?${query}`, token)).json().data.map((a: { id: string }) => a.id)
  t.same(await ids(`authorId=${lena.id}`), [both.id, first.id], 'newest first, published only')
  const list = await get(testApp, `/v1/articles?authorId=${lena.id}`)
  t.same(String(list.headers['surrogate-key']).split(' ')[0], `articles-authorId-${lena.id}`, 'the list is named by the profile')
  await testApp.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/publish`, headers: auth(testApp.editor) })
  t.same(await ids(`authorId=${lena.id}`), [draft.id, both.id, first.id], 'a story published on the profile joins the cached list')
  await testApp.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/unpublish`, headers: auth(testApp.editor) })
  t.same(await ids(`authorId=${lena.id}&status=draft`, testApp.editor), [draft.id], 'editors find the drafts')
  t.same(await ids(`authorId=${lena.id}&q=night`), [both.id], 'with a search')
  t.equal((await get(testApp, `/v1/articles?authorId=${lena.id}&authorId=${amadou.id}`)).statusCode, 400, 'one profile at a time')
  t.same(await ids(`authorId=${amadou.id}&author=lena%20hoang`), [both.id], 'with the byline filter')
  const paged = await get(testApp, `/v1/articles?authorId=${lena.id}&limit=1`)
  const next = await get(testApp, `/v1/articles?authorId=${lena.id}&limit=1&cursor=${paged.json().nextCursor}`)
  t.same([paged.json().data[0].id, next.json().data[0].id, next.json().nextCursor], [both.id, first.id, null], 'pages')

  // Moving a published story off the profile takes it out of the list at once.
  await patch(testApp, `/v1/articles/${first.id}`, { authorIds: [amadou.id] })
  t.same(await ids(`authorId=${lena.id}`), [both.id])
})

t.test('a profile an article names cannot be deleted; one no article names can', async (t) => {
  const testApp = await makeApp(t)
  const author = await makeAuthor(testApp, { name: 'Rosa Ibarz' })
  const article = await createArticle(testApp, { title: 'Kiosk turns fifty', authorIds: [author.id] })
  const del = () => testApp.app.inject({ method: 'DELETE', url: `/v1/authors/${author.id}`, headers: auth(testApp.editor) })
  const refused = await del()
  t.equal(refused.statusCode, 409)
  t.match(refused.json().detail, article.id, 'the 409 names the article')
  await patch(testApp, `/v1/articles/${article.id}`, { authorIds: [] })
  t.equal((await del()).statusCode, 204)
  t.equal((await get(testApp, `/v1/authors/${author.id}`)).statusCode, 404)
  t.equal((await del()).statusCode, 404)
})

t.test('If-Match, a PATCH that changes nothing, and restoring a revision that named a profile', async (t) => {
  const testApp = await makeApp(t)
  const author = await makeAuthor(testApp, { name: 'Jordi Mallol', jobTitle: 'Farm correspondent' })
  const url = `/v1/authors/${author.id}`
  const etag = (await get(testApp, url, testApp.editor)).headers.etag as string
  t.equal((await patch(testApp, url, { jobTitle: 'Farm correspondent' })).json().version, 1, 'the same value keeps the version')
  t.equal((await patch(testApp, url, { bio: 'Grows peaches too.' }, { 'if-match': etag })).statusCode, 200)
  t.equal((await patch(testApp, url, { bio: 'Stale.' }, { 'if-match': etag })).statusCode, 412, 'a stale If-Match')
  t.equal((await patch(testApp, url, { links: ['javascript:alert(1)'] })).statusCode, 400)
  t.equal((await patch(testApp, url, {})).statusCode, 400, 'an empty PATCH')

  const other = await makeAuthor(testApp, { name: 'Pau Roig' })
  const article = await createArticle(testApp, { title: 'Harvest', authorIds: [author.id] })
  await patch(testApp, `/v1/articles/${article.id}`, { authorIds: [other.id] })
  const revisions = (await get(testApp, `/v1/articles/${article.id}/revisions`, testApp.editor)).json().data
  t.same(revisions.map((r: any) => r.snapshot.authorIds), [[other.id], [author.id]], 'each revision records the profiles')
  const restored = await testApp.app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/1/restore`, headers: auth(testApp.editor) })
  t.same(restored.json().authorIds, [author.id])
  t.same(restored.json().authors, ['Jordi Mallol'])
  await patch(testApp, `/v1/articles/${article.id}`, { authorIds: [author.id] })
  t.equal((await testApp.app.inject({ method: 'DELETE', url: `/v1/authors/${other.id}`, headers: auth(testApp.editor) })).statusCode, 204)
  const gone = await testApp.app.inject({ method: 'POST', url: `/v1/articles/${article.id}/revisions/2/restore`, headers: auth(testApp.editor) })
  t.equal(gone.statusCode, 409, 'a revision naming a deleted profile cannot come back')
})
