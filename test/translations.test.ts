// Translations: a locale on every article, slugs unique within a locale, translation groups
// normalised to their original, the group listed to each caller as far as they may see it.
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'

const create = ({ app, editor }: TestApp, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload })

const patch = ({ app, editor }: TestApp, id: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: auth(editor), payload })

const group = async ({ app }: TestApp, id: string, token?: string) => {
  const res = await app.inject({ url: `/v1/articles/${id}/translations`, ...(token && { headers: auth(token) }) })
  return res.statusCode === 200 ? (res.json().data as { id: string; locale: string }[]).map((s) => `${s.locale}:${s.id}`) : res.statusCode
}

t.test('slugs are unique within a locale; a group is listed original first, then by locale', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const en = await createArticle(testApp, { title: 'Dam opens', slug: 'dam-opens' }, { published: true })
  t.equal(en.locale, 'en', 'DEFAULT_LOCALE when not given')
  const es = await create(testApp, { title: 'Abre la presa', slug: 'dam-opens', locale: 'es', translationOf: en.id })
  t.equal(es.statusCode, 201, 'the same slug in another locale')
  t.equal(es.json().translationOf, en.id)
  const taken = await create(testApp, { title: 'Dam opens again', slug: 'dam-opens' })
  t.equal(taken.statusCode, 409, 'but not twice in one locale')
  t.match(taken.json().detail, /locale "en"/)

  // A translation of a translation names the original, so the group is one level deep.
  const ca = await create(testApp, { title: "S'obre la presa", locale: 'ca', translationOf: es.json().id })
  t.equal(ca.statusCode, 201)
  t.equal(ca.json().translationOf, en.id, 'normalised to the original')
  const ptBr = await create(testApp, { title: 'A barragem abre', locale: 'pt-br', translationOf: en.id })
  t.equal(ptBr.json().locale, 'pt-BR', 'locales are stored in canonical case')

  await app.inject({ method: 'POST', url: `/v1/articles/${es.json().id}/publish`, headers: auth(editor) })
  await app.inject({ method: 'POST', url: `/v1/articles/${ptBr.json().id}/publish`, headers: auth(editor) })
  const everyone = [`en:${en.id}`, `ca:${ca.json().id}`, `es:${es.json().id}`, `pt-BR:${ptBr.json().id}`]
  t.same(await group(testApp, es.json().id, editor), everyone, 'editors see the whole group from any member')
  t.same(await group(testApp, en.id), everyone.filter((m) => !m.startsWith('ca:')), 'readers see the published members')
  t.equal(await group(testApp, ca.json().id), 404, "and a draft's group is as hidden as the draft")
  const alone = await createArticle(testApp, {}, { published: true })
  t.same(await group(testApp, alone.id), [`en:${alone.id}`], 'an article alone is its own group')

  const bySlug = async (query: string) => (await app.inject({ url: `/v1/articles/slug/dam-opens${query}` })).json().id
  t.equal(await bySlug(''), en.id, 'without ?locale= the default locale')
  t.equal(await bySlug('?locale=es'), es.json().id)
  t.equal((await app.inject({ url: `/v1/articles/slug/${ptBr.json().slug}?locale=pt-br` })).statusCode, 200, 'a locale in any case')
  t.equal((await app.inject({ url: '/v1/articles/slug/dam-opens?locale=fr' })).statusCode, 404)
  t.equal((await app.inject({ url: '/v1/articles/slug/dam-opens?locale=Spanish!' })).statusCode, 400)

  const list = async (query: string) => (await app.inject({ url: `/v1/articles${query}` })).json().data.map((s: { id: string }) => s.id)
  t.same(await list('?locale=es'), [es.json().id], 'lists filter by locale')
  t.same(await list('?locale=pt-br'), [ptBr.json().id])
  t.same(await list('?locale=ca'), [], 'a draft stays out of a reader list')
  t.same(await list(`?locale=es&q=presa`), [es.json().id], 'search too')
  t.equal((await app.inject({ url: '/v1/articles?locale=en' })).json().data[0].locale, 'en', 'summaries carry their locale')

  // The reader's group answer was cached above: publishing a member must evict it.
  await app.inject({ method: 'POST', url: `/v1/articles/${ca.json().id}/publish`, headers: auth(editor) })
  t.same(await group(testApp, en.id), everyone, 'a member published since shows at once')
})

t.test('the rules of a group: one article per locale, one original, real targets', async (t) => {
  const testApp = await makeApp(t)
  const en = await createArticle(testApp, { title: 'Election night' })
  const es = (await create(testApp, { title: 'Noche electoral', locale: 'es', translationOf: en.id })).json()
  const refusals: [string, Record<string, unknown>, number, RegExp][] = [
    ['a second Spanish version', { title: 'Otra noche', locale: 'es', translationOf: en.id }, 409, /already has an article in locale "es"/],
    ['the locale of the original', { title: 'Election night, again', translationOf: en.id }, 409, /locale "en"/],
    ['an article that does not exist', { title: 'Nacht', locale: 'de', translationOf: 'nosuchid' }, 400, /body.translationOf/],
  ]
  for (const [name, payload, status, detail] of refusals) {
    const res = await create(testApp, payload)
    t.equal(res.statusCode, status, name)
    t.match(res.json().detail, detail, name)
  }
  t.equal((await patch(testApp, en.id, { translationOf: en.id })).statusCode, 400, 'not a translation of itself')
  t.equal((await patch(testApp, en.id, { translationOf: es.id })).statusCode, 400, 'nor of its own translation')
  const other = await createArticle(testApp, { title: 'Another story' })
  t.equal((await patch(testApp, en.id, { translationOf: other.id, locale: 'fr' })).statusCode, 409, 'an original with translations joins no other group')
  t.equal((await patch(testApp, es.id, { locale: 'en' })).statusCode, 409, 'a locale change that the group already has')
  t.equal((await patch(testApp, en.id, { locale: 'es' })).statusCode, 409, 'on the original too')
  t.equal((await patch(testApp, es.id, { locale: 'es-MX' })).statusCode, 200, 'another locale is fine')

  const moved = await patch(testApp, es.id, { translationOf: other.id })
  t.equal(moved.statusCode, 200, 'a translation may move to another group')
  t.same(await group(testApp, en.id, testApp.editor), [`en:${en.id}`], 'and leaves its old one')
  const detached = await patch(testApp, es.id, { translationOf: null })
  t.equal(detached.json().translationOf, null, 'null takes it out of its group')
  t.same(await group(testApp, other.id, testApp.editor), [`en:${other.id}`])
})

t.test('a reader never meets a draft through a group', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const draft = await createArticle(testApp, { title: 'Secret original' })
  const published = (await create(testApp, { title: 'Original secreto', locale: 'es', translationOf: draft.id })).json()
  await app.inject({ method: 'POST', url: `/v1/articles/${published.id}/publish`, headers: auth(editor) })
  const read = await app.inject({ url: `/v1/articles/${published.id}` })
  t.equal(read.json().translationOf, null, "a reader is not told the unpublished original's id")
  t.notMatch(read.body, draft.id)
  t.equal((await app.inject({ url: `/v1/articles/${published.id}`, headers: auth(editor) })).json().translationOf, draft.id, 'an editor is')
  const listed = await app.inject({ url: `/v1/articles/${published.id}/translations` })
  t.same(listed.json().data.map((s: { id: string }) => s.id), [published.id])
  t.notMatch(listed.body, draft.id)
  await app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/publish`, headers: auth(editor) })
  t.equal((await app.inject({ url: `/v1/articles/${published.id}` })).json().translationOf, draft.id, 'once the original is out, readers see the link')
})

t.test('deleting an original hands its group to its oldest translation', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const en = await createArticle(testApp, { title: 'Bridge collapse' }, { published: true })
  const fr = (await create(testApp, { title: 'Effondrement du pont', locale: 'fr', translationOf: en.id })).json()
  const de = (await create(testApp, { title: 'Brückeneinsturz', locale: 'de', translationOf: en.id })).json()
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${en.id}`, headers: auth(editor) })).statusCode, 204)
  const frNow = (await app.inject({ url: `/v1/articles/${fr.id}`, headers: auth(editor) })).json()
  const deNow = (await app.inject({ url: `/v1/articles/${de.id}`, headers: auth(editor) })).json()
  t.equal(frNow.translationOf, null, 'the oldest translation is the original now')
  t.equal(deNow.translationOf, fr.id, 'and the others name it')
  t.equal(deNow.version, de.version + 1, 'each member changed is a new version')
  t.same(await group(testApp, de.id, editor), [`fr:${fr.id}`, `de:${de.id}`])
})

t.test('DEFAULT_LOCALE is the locale of articles and slug lookups that do not say', async (t) => {
  const testApp = await makeApp(t, { DEFAULT_LOCALE: 'es' })
  const article = await createArticle(testApp, { title: 'Llega el invierno' }, { published: true })
  t.equal(article.locale, 'es')
  t.equal((await testApp.app.inject({ url: `/v1/articles/slug/${article.slug}` })).statusCode, 200)
  t.equal((await testApp.app.inject({ url: `/v1/articles/slug/${article.slug}?locale=en` })).statusCode, 404)
})
