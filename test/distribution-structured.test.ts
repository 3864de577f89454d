// Structured data and ninjs: the NewsArticle JSON-LD expanded by a JSON-LD processor (jsonld)
// and checked term by term against schema.org; the ninjs export validated against the official
// ninjs 2.1 JSON Schema (shared/specs, read by this test only) with Ajv's 2020-12 mode.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsImport from 'ajv-formats'
import jsonld from 'jsonld'
import t from 'tap'
import { projectPath } from '../src/paths.js'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'
import { insertMedia, patch, publishedStory } from './distribution-fixtures.js'

const ENV = { PUBLIC_URL: 'https://cms.example', SITE_NAME: 'Vallmora Daily', SITE_URL_TEMPLATE: 'https://vallmora.example/{section}/{slug}' }
const SCHEMA = 'http://schema.org/'

// A stand-in for the schema.org context, written for this test (the processor may not fetch):
// every term in schema.org's vocabulary, and the URL-valued properties typed as IRIs.
const CONTEXT = {
  '@context': {
    '@vocab': SCHEMA,
    url: { '@type': '@id' },
    contentUrl: { '@type': '@id' },
    license: { '@type': '@id' },
  },
}
const documentLoader = async (url: string) => {
  if (url !== 'https://schema.org' && url !== 'https://schema.org/') throw new Error(`the test fetches nothing: ${url}`)
  return { contextUrl: undefined, documentUrl: url, document: CONTEXT }
}

/** schema.org types and properties the NewsArticle may use (from schema.org's vocabulary). */
const SCHEMA_TERMS = new Set([
  'NewsArticle', 'Person', 'Organization', 'ImageObject', 'WebPage', 'CorrectionComment',
  'headline', 'alternativeHeadline', 'description', 'datePublished', 'dateModified', 'author', 'publisher', 'image',
  'articleSection', 'keywords', 'inLanguage', 'mainEntityOfPage', 'wordCount', 'correction', 'url', 'name',
  'contentUrl', 'encodingFormat', 'width', 'height', 'caption', 'creditText', 'creator', 'copyrightNotice', 'license', 'text',
  'workTranslation', 'translationOfWork',
])

/** Every schema.org term of an expanded document, checked against the vocabulary above. */
function termsOf(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) termsOf(item, found)
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '@type') for (const type of value as string[]) found.add(type)
      else if (!key.startsWith('@')) found.add(key)
      termsOf(value, found)
    }
  }
  return found
}

const value = (expanded: any, term: string) => expanded[`${SCHEMA}${term}`]?.map((v: any) => v['@value'] ?? v['@id'] ?? v)

t.test('JSON-LD: a NewsArticle that expands to schema.org terms, by id and by slug', async (t) => {
  const ta = await makeApp(t, ENV)
  const story = await publishedStory(ta, { title: 'Ferry service resumes after the storm' })
  const res = await ta.app.inject(`/v1/articles/${story.id}/jsonld`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/ld+json; charset=utf-8')
  t.match(res.headers['cache-control'], /^public, max-age=/)
  t.same(String(res.headers['surrogate-key']).split(' '), [`article-${story.id}`, `translations-${story.id}`, `media-${story.leadMediaId}`])
  const doc = res.json()
  t.equal(doc['@context'], 'https://schema.org')
  const bySlug = await ta.app.inject(`/v1/articles/slug/${story.slug}/jsonld`)
  t.equal(bySlug.body, res.body, 'the same document by slug')
  const exact = await makeApp(t, { ...ENV, FAST_SERIALIZATION: 'false' })
  const again = await publishedStory(exact, { title: 'Ferry service resumes after the storm' })
  const plain = (await exact.app.inject(`/v1/articles/${again.id}/jsonld`)).json()
  t.same(Object.keys(plain).sort(), Object.keys(doc).sort(), 'serialized from the documented schema, the same fields')

  const [expanded] = (await jsonld.expand(doc, { documentLoader: documentLoader as never })) as any[]
  t.same(expanded['@type'], [`${SCHEMA}NewsArticle`])
  t.equal(expanded['@id'], story.canonicalUrl)
  const unknown = [...termsOf(expanded)].filter((term) => !term.startsWith(SCHEMA) || !SCHEMA_TERMS.has(term.slice(SCHEMA.length)))
  t.same(unknown, [], 'every term is a schema.org term')
  t.same(value(expanded, 'headline'), [story.title])
  t.same(value(expanded, 'alternativeHeadline'), ['Crossings run every forty minutes from Tuesday'])
  t.same(value(expanded, 'description'), ['The first ferry since the storm left at dawn.'])
  t.same(value(expanded, 'datePublished'), [story.publishedAt])
  t.same(value(expanded, 'dateModified'), [story.updatedAt])
  t.same(value(expanded, 'articleSection'), ['local'])
  t.same(value(expanded, 'keywords'), ['transport', 'Sella river'])
  t.same(value(expanded, 'inLanguage'), ['en'])
  t.same(value(expanded, 'wordCount'), [9], 'the words of the text, not of captions')
  t.same(value(expanded, 'url'), [story.canonicalUrl])
  const page = expanded[`${SCHEMA}mainEntityOfPage`][0]
  t.equal(page['@id'], story.canonicalUrl, 'mainEntityOfPage is the canonical URL')
  t.same(page['@type'], [`${SCHEMA}WebPage`])
  const authors = expanded[`${SCHEMA}author`]
  t.same(authors.map((a: any) => [a['@type'][0], value(a, 'name')[0]]), [[`${SCHEMA}Person`, 'Ana Ruiz'], [`${SCHEMA}Person`, 'EFE']])
  const publisher = expanded[`${SCHEMA}publisher`][0]
  t.same(publisher['@type'], [`${SCHEMA}Organization`])
  t.same(value(publisher, 'name'), ['Vallmora Daily'])
  t.same(value(publisher, 'url'), ['https://vallmora.example/'])
  const image = expanded[`${SCHEMA}image`][0]
  t.same(image['@type'], [`${SCHEMA}ImageObject`])
  t.same(value(image, 'contentUrl'), [`https://cms.example/v1/media/${story.leadMediaId}/file`])
  t.same(value(image, 'caption'), ['The morning ferry at the harbour wall'])
  t.same(value(image, 'creditText'), ['Port Authority / Handout'])
  t.same(value(image, 'copyrightNotice'), ['© 2026 Port Authority'])
  t.same(value(image, 'license'), ['https://creativecommons.org/licenses/by/4.0/'], 'usage terms that are a URL are the license')
  t.same(value(image[`${SCHEMA}creator`][0], 'name'), ['Marta Quiroga'])
  t.same(value(image, 'width'), [1600])
  t.notOk(`${SCHEMA}correction` in expanded, 'no corrections, no correction entries')

  const added = await ta.app.inject({
    method: 'POST',
    url: `/v1/articles/${story.id}/corrections`,
    headers: auth(ta.editor),
    payload: { type: 'correction', text: 'An earlier version gave the wrong departure time.' },
  })
  t.equal(added.statusCode, 201)
  const corrected = (await ta.app.inject(`/v1/articles/${story.id}/jsonld`)).json()
  t.same(corrected.correction, [{ '@type': 'CorrectionComment', text: 'An earlier version gave the wrong departure time.', datePublished: added.json().at }])
  const [expandedCorrection] = (await jsonld.expand(corrected, { documentLoader: documentLoader as never })) as any[]
  t.same(value(expandedCorrection[`${SCHEMA}correction`][0], 'text'), ['An earlier version gave the wrong departure time.'], 'a correction entry, in schema.org terms')
})

/** An author profile made through the API. */
async function author(ta: TestApp, payload: Record<string, unknown>): Promise<any> {
  const res = await ta.app.inject({ method: 'POST', url: '/v1/authors', headers: auth(ta.editor), payload })
  if (res.statusCode !== 201) throw new Error(`author: ${res.statusCode} ${res.body}`)
  return res.json()
}

t.test('JSON-LD and ninjs: a byline with a profile links its page (AUTHOR_URL_TEMPLATE); a free-text one does not', async (t) => {
  const ta = await makeApp(t, ENV)
  const ana = await author(ta, { name: 'Ana Ruiz' })
  const story = await publishedStory(ta, { authorIds: [ana.id], authors: ['ana ruiz', 'EFE'] })
  const res = await ta.app.inject(`/v1/articles/${story.id}/jsonld`)
  t.same(res.json().author, [
    { '@type': 'Person', name: 'ana ruiz', url: 'https://cms.example/v1/authors/slug/ana-ruiz' },
    { '@type': 'Person', name: 'EFE' },
  ], 'by default the profile as this service answers it, matched to the byline ignoring case')
  const [expanded] = (await jsonld.expand(res.json(), { documentLoader: documentLoader as never })) as any[]
  t.same(expanded[`${SCHEMA}author`].map((a: any) => value(a, 'url')), [['https://cms.example/v1/authors/slug/ana-ruiz'], undefined], 'schema.org url of a Person')
  t.ok(String(res.headers['surrogate-key']).split(' ').includes(`author-${ana.id}`), 'a change to the profile evicts it')

  // A new slug: the cached document is evicted, and the byline links the new page.
  const renamed = await ta.app.inject({ method: 'PATCH', url: `/v1/authors/${ana.id}`, headers: auth(ta.editor), payload: { slug: 'ana-ruiz-gil' } })
  t.equal(renamed.statusCode, 200, renamed.body)
  t.equal((await ta.app.inject(`/v1/articles/${story.id}/jsonld`)).json().author[0].url, 'https://cms.example/v1/authors/slug/ana-ruiz-gil')

  // ninjs 2.1 has no place for a URL in `by` (a string) or elsewhere for a byline: it stays as it was, and valid.
  const item = (await ninjs(ta, story.id)).json()
  t.equal(item.by, 'ana ruiz, EFE')
  t.ok(ninjsValidator()(item), JSON.stringify(ninjsValidator().errors))

  const site = await makeApp(t, { ...ENV, AUTHOR_URL_TEMPLATE: 'https://vallmora.example/people/{slug}/{id}' })
  const marta = await author(site, { name: 'Marta Quiroga' })
  const byMarta = await createArticle(site, { title: 'Tide tables', authorIds: [marta.id] }, { published: true })
  t.same((await site.app.inject(`/v1/articles/${byMarta.id}/jsonld`)).json().author, [
    { '@type': 'Person', name: 'Marta Quiroga', url: `https://vallmora.example/people/marta-quiroga/${marta.id}` },
  ], 'the website\'s author page, from the template')
})

t.test('JSON-LD links translations: workTranslation from the original, translationOfWork from a translation, published ones only', async (t) => {
  const ta = await makeApp(t, { ...ENV, SITE_URL_TEMPLATE: 'https://vallmora.example/{locale}/{slug}' })
  const en = await createArticle(ta, { title: 'Ferry returns', slug: 'ferry', locale: 'en' }, { published: true })
  const es = await createArticle(ta, { title: 'Vuelve el ferry', slug: 'ferry', locale: 'es', translationOf: en.id }, { published: true })
  const fr = await createArticle(ta, { title: 'Le ferry revient', slug: 'ferry', locale: 'fr', translationOf: en.id })
  const de = await createArticle(ta, { title: 'Die Fähre', slug: 'ferry', locale: 'de', translationOf: en.id }, { published: true })
  t.equal((await patch(ta, de.id, { status: 'archived' })).statusCode, 200)
  const ld = async (url: string) => (await ta.app.inject(url)).json()
  const link = (locale: string, slug = 'ferry') => ({ '@type': 'NewsArticle', '@id': `https://vallmora.example/${locale}/${slug}`, url: `https://vallmora.example/${locale}/${slug}`, inLanguage: locale })

  const original = await ld(`/v1/articles/${en.id}/jsonld`)
  t.same(original.workTranslation, [link('es')], 'the published translation; not the draft nor the archived one')
  t.notOk('translationOfWork' in original)
  const [expanded] = (await jsonld.expand(original, { documentLoader: documentLoader as never })) as any[]
  const translated = expanded[`${SCHEMA}workTranslation`][0]
  t.equal(translated['@id'], 'https://vallmora.example/es/ferry')
  t.same(translated['@type'], [`${SCHEMA}NewsArticle`])
  t.same(value(translated, 'inLanguage'), ['es'])
  const unknown = [...termsOf(expanded)].filter((term) => !term.startsWith(SCHEMA) || !SCHEMA_TERMS.has(term.slice(SCHEMA.length)))
  t.same(unknown, [], 'schema.org terms only')

  const translation = await ld(`/v1/articles/slug/ferry/jsonld?locale=es`)
  t.equal(translation['@id'], 'https://vallmora.example/es/ferry', 'by slug in its locale')
  t.same(translation.translationOfWork, [link('en')])
  t.notOk('workTranslation' in translation, 'a translation names its original only')

  // Publishing the draft translation, then renaming one: the cached documents of the group are evicted.
  const cached = await ta.app.inject(`/v1/articles/${en.id}/jsonld`)
  t.ok(String(cached.headers['surrogate-key']).split(' ').includes(`translations-${en.id}`))
  t.equal((await ta.app.inject({ method: 'POST', url: `/v1/articles/${fr.id}/publish`, headers: auth(ta.editor) })).statusCode, 200)
  t.same((await ld(`/v1/articles/${en.id}/jsonld`)).workTranslation, [link('es'), link('fr')])
  t.equal((await patch(ta, es.id, { slug: 'vuelve-el-ferry' })).statusCode, 200)
  t.same((await ld(`/v1/articles/${en.id}/jsonld`)).workTranslation, [link('es', 'vuelve-el-ferry'), link('fr')])
  t.equal((await patch(ta, en.id, { slug: 'ferry-returns' })).statusCode, 200)
  t.same((await ld(`/v1/articles/${fr.id}/jsonld`)).translationOfWork, [link('en', 'ferry-returns')], "the original's new URL in its translations")
  t.equal((await ta.app.inject({ method: 'POST', url: `/v1/articles/${es.id}/unpublish`, headers: auth(ta.editor) })).statusCode, 200)
  t.same((await ld(`/v1/articles/${en.id}/jsonld`)).workTranslation, [link('fr')], 'an unpublished translation is no longer linked')
  t.equal((await ta.app.inject({ method: 'POST', url: `/v1/articles/${en.id}/unpublish`, headers: auth(ta.editor) })).statusCode, 200)
  t.notOk('translationOfWork' in (await ld(`/v1/articles/${fr.id}/jsonld`)), 'nor an unpublished original')
  // Two published translations of an unpublished original: neither translates the other.
  t.equal((await ta.app.inject({ method: 'POST', url: `/v1/articles/${es.id}/publish`, headers: auth(ta.editor) })).statusCode, 200)
  const sibling = await ta.app.inject(`/v1/articles/${fr.id}/jsonld`)
  t.notOk('translationOfWork' in sibling.json() || 'workTranslation' in sibling.json(), 'a translation is never taken for the original')
  t.same(String(sibling.headers['surrogate-key']).split(' '), [`article-${fr.id}`, `translations-${en.id}`, `article-${en.id}`], "keyed by its group and by its original")
})

t.test('JSON-LD: license only when the usage terms are a URL; never for unpublished articles, whoever asks', async (t) => {
  const ta = await makeApp(t, ENV)
  const lead = insertMedia(ta, { usageTerms: 'Editorial use only, no resale' })
  const story = await createArticle(ta, { title: 'Terms in words', leadMediaId: lead }, { published: true })
  const image = (await ta.app.inject(`/v1/articles/${story.id}/jsonld`)).json().image[0]
  t.notOk('license' in image)
  t.equal(image.copyrightNotice, '© 2026 Port Authority')

  const draft = await createArticle(ta, { title: 'A draft' })
  const scheduled = await createArticle(ta, { title: 'Scheduled' })
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${scheduled.id}/publish`, headers: auth(ta.editor), payload: { at: '2099-01-01T00:00:00.000Z' } })
  const archived = await createArticle(ta, { title: 'Archived' }, { published: true })
  await patch(ta, archived.id, { status: 'archived' })
  for (const hidden of [draft, scheduled, archived]) {
    for (const headers of [{}, auth(ta.editor)]) {
      const byId = await ta.app.inject({ url: `/v1/articles/${hidden.id}/jsonld`, headers })
      t.equal(byId.statusCode, 404, `${hidden.title}: 404 ${'authorization' in headers ? 'to an editor' : 'to a reader'}`)
      t.equal(byId.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.equal((await ta.app.inject({ url: `/v1/articles/slug/${hidden.slug}/jsonld`, headers })).statusCode, 404)
    }
  }
  t.equal((await ta.app.inject('/v1/articles/nope/jsonld')).statusCode, 404)
})

// ajv-formats is CommonJS: its function is the default export's default.
const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default

/** The official ninjs 2.1 schema, with the GeoJSON schema it refers to, compiled in 2020-12 mode (once). */
let compiled: ReturnType<typeof compileNinjs> | undefined
const ninjsValidator = () => (compiled ??= compileNinjs())

function compileNinjs() {
  const specs = (...path: string[]) => JSON.parse(readFileSync(projectPath('..', 'shared', 'specs', ...path), 'utf8'))
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  addFormats(ajv)
  // GeoJSON's schema is draft-07: its meta-schema comes with Ajv.
  ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-07.json'))
  ajv.addSchema(specs('geojson', 'GeoJSON.json'))
  return ajv.compile(specs('ninjs', 'ninjs-schema_2.1.json'))
}

async function ninjs(ta: TestApp, id: string, headers: Record<string, string> = {}) {
  const res = await ta.app.inject({ url: `/v1/articles/${id}/ninjs`, headers })
  if (res.statusCode !== 200) throw new Error(`ninjs: ${res.statusCode} ${res.body}`)
  return res
}

t.test('ninjs 2.1: the export validates against the official schema and carries the article', async (t) => {
  const validate = ninjsValidator()
  const ta = await makeApp(t, ENV)
  const story = await publishedStory(ta, { sources: ['EFE'] })
  const res = await ninjs(ta, story.id)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.match(res.headers['cache-control'], /^public, max-age=/)
  t.same(String(res.headers['surrogate-key']).split(' '), [`article-${story.id}`, `media-${story.leadMediaId}`])
  const item = res.json()
  t.notOk(validate({ ...item, pubstatus: 'published' }), 'the schema is really applied: a pubstatus ninjs does not know fails')
  t.notOk(validate({ ...item, headline: item.headlines[0].value }), 'and so does a property ninjs does not have')
  t.ok(validate(item), JSON.stringify(validate.errors))
  t.match(item, {
    uri: `https://cms.example/v1/articles/${story.id}`,
    standard: { name: 'ninjs', version: '2.1' },
    type: 'text',
    version: String(story.version),
    firstcreated: story.createdAt,
    versioncreated: story.updatedAt,
    pubstatus: 'usable',
    language: 'en',
    slugline: story.slug,
    headlines: [{ role: 'main', value: story.title }, { role: 'sub', value: story.subtitle }],
    descriptions: [{ role: 'summary', value: story.summary }],
    by: 'Ana Ruiz, EFE',
    subjects: [{ name: 'transport' }, { name: 'Sella river' }],
    infosources: [{ name: 'EFE', role: 'source' }],
    altids: [{ role: 'cms-id', value: story.id }, { role: 'canonical-url', value: story.canonicalUrl }],
  })
  t.match(item.bodies, [{ role: 'main', contenttype: 'text/html', wordcount: 9, value: /^<p>The first ferry left at <strong>6:10<\/strong>/ }])
  const lead = item.associations[0]
  t.match(lead, {
    name: 'lead',
    uri: `https://cms.example/v1/media/${story.leadMediaId}`,
    type: 'picture',
    by: 'Marta Quiroga',
    copyrightnotice: '© 2026 Port Authority',
    usageterms: 'https://creativecommons.org/licenses/by/4.0/',
    descriptions: [
      { role: 'caption', value: 'The morning ferry at the harbour wall' },
      { role: 'creditline', value: 'Port Authority / Handout' },
      { role: 'alttext', value: 'A white ferry moored at a stone quay' },
    ],
  })
  const href = `https://cms.example/v1/media/${story.leadMediaId}/file`
  t.same(lead.renditions[0], { name: 'original', href, contenttype: 'image/jpeg', width: 1600, height: 900, sizeinbytes: 48213 })
  t.same(lead.renditions.slice(1).map((r: any) => r.name), ['w160', 'w320', 'w640', 'w960', 'w1280'], 'the rendition sizes below its own width')
  t.equal(lead.renditions[1].href, `${href}?width=160`)
})

t.test('ninjs: editors export unpublished work with its pubstatus; readers get 404', async (t) => {
  const validate = ninjsValidator()
  const ta = await makeApp(t, ENV)
  const bare = await createArticle(ta, { title: 'No picture, no byline' }, { published: true })
  const plain = (await ninjs(ta, bare.id)).json()
  t.ok(validate(plain), JSON.stringify(validate.errors))
  t.notOk('associations' in plain || 'by' in plain || 'descriptions' in plain)

  const video = insertMedia(ta, { kind: 'video', mimeType: 'video/mp4', caption: '', credit: '', creator: '', copyright: '', usageTerms: '', altText: '' })
  const draft = await createArticle(ta, { title: 'Draft with a video', leadMediaId: video })
  t.equal((await ta.app.inject(`/v1/articles/${draft.id}/ninjs`)).statusCode, 404, 'a draft is a 404 to a reader')
  const draftItem = (await ninjs(ta, draft.id, auth(ta.editor))).json()
  t.ok(validate(draftItem), JSON.stringify(validate.errors))
  t.equal(draftItem.pubstatus, 'withheld')
  t.match(draftItem.associations[0], { type: 'video', descriptions: [], renditions: [{ name: 'original', contenttype: 'video/mp4' }] })

  const scheduled = await createArticle(ta, { title: 'Embargoed' })
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${scheduled.id}/publish`, headers: auth(ta.editor), payload: { at: '2099-01-01T00:00:00.000Z' } })
  const embargoed = (await ninjs(ta, scheduled.id, auth(ta.editor))).json()
  t.ok(validate(embargoed), JSON.stringify(validate.errors))
  t.match(embargoed, { pubstatus: 'withheld', embargoed: '2099-01-01T00:00:00.000Z' })

  await patch(ta, bare.id, { status: 'archived' })
  const archived = await ninjs(ta, bare.id, auth(ta.editor))
  t.equal(archived.json().pubstatus, 'canceled')
  t.equal(archived.headers['cache-control'], 'private, no-store')
})
