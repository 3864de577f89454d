// Sitemaps: the index and the article pages (paged with a small SITEMAP_PAGE_SIZE), the Google
// News sitemap (48 hours, 1,000 at most, language and publication), namespaces and W3C dates,
// drafts never, ETag/304 on the streamed pages.
import t from 'tap'
import { NEWS_MAX } from '../src/distribution/sitemaps.js'
import { newsLanguage } from '../src/distribution/sitemaps.js'
import { auth, createArticle, makeApp } from './helpers.js'
import { agePublication, insertMedia, many, parseXml, patch, unpublish, W3C_DATETIME } from './distribution-fixtures.js'

const ENV = { PUBLIC_URL: 'https://cms.example', SITE_NAME: 'Vallmora Daily', SITE_URL_TEMPLATE: 'https://vallmora.example/{section}/{slug}' }
const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9'

t.test('the index lists each page with a published article; pages hold at most SITEMAP_PAGE_SIZE, in order', async (t) => {
  const ta = await makeApp(t, { ...ENV, SITEMAP_PAGE_SIZE: '3' })
  const made = []
  for (let i = 1; i <= 8; i++) made.push(await createArticle(ta, { title: `Story ${i}`, section: 'local' }, { published: i !== 5 }))
  // Article 5 is a draft; 1-3 are page 1, 4-6 page 2 (without 5), 7-8 page 3.
  const index = await ta.app.inject('/v1/sitemaps/index.xml')
  t.equal(index.statusCode, 200)
  t.equal(index.headers['content-type'], 'application/xml; charset=utf-8')
  const sitemapindex = parseXml(index.body).sitemapindex
  t.equal(sitemapindex['@xmlns'], SITEMAP_NS)
  const listed = many(sitemapindex.sitemap)
  t.same(listed.map((s: any) => s.loc), [1, 2, 3].map((n) => `https://cms.example/v1/sitemaps/articles/${n}.xml`))
  for (const entry of listed) t.match(entry.lastmod, W3C_DATETIME, 'lastmod in W3C format')
  t.equal(listed[0].lastmod, made[2].updatedAt, "a page's lastmod is its newest change")

  const pages = []
  for (let n = 1; n <= 3; n++) {
    const res = await ta.app.inject(`/v1/sitemaps/articles/${n}.xml`)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'application/xml; charset=utf-8')
    const urlset = parseXml(res.body).urlset
    t.equal(urlset['@xmlns'], SITEMAP_NS)
    t.equal(urlset['@xmlns:xhtml'], 'http://www.w3.org/1999/xhtml', 'the namespace translation alternates use')
    pages.push(many(urlset.url))
  }
  t.same(pages.map((page) => page.length), [3, 2, 2], 'at most three a page; the draft is on none')
  const urls = pages.flat()
  t.same(urls.map((u: any) => u.loc), made.filter((_, i) => i !== 4).map((a) => `https://vallmora.example/local/${a.slug}`), 'every published article once, loc = canonicalUrl')
  for (const url of urls) t.match(url.lastmod, W3C_DATETIME)
  t.equal(urls[0].lastmod, made[0].updatedAt)

  const past = await ta.app.inject('/v1/sitemaps/articles/4.xml')
  t.equal(past.statusCode, 404, 'a page past the last')
  t.equal(past.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal((await ta.app.inject('/v1/sitemaps/articles/0.xml')).statusCode, 400)
  t.equal((await ta.app.inject('/v1/sitemaps/articles/one.xml')).statusCode, 400)

  // An article keeps its page: unpublishing one on page 1 leaves the others where they were.
  await unpublish(ta, made[1].id)
  const page1 = many(parseXml((await ta.app.inject('/v1/sitemaps/articles/1.xml')).body).urlset.url)
  t.same(page1.map((u: any) => u.loc), [made[0], made[2]].map((a) => `https://vallmora.example/local/${a.slug}`))
  const page2 = many(parseXml((await ta.app.inject('/v1/sitemaps/articles/2.xml')).body).urlset.url)
  t.equal(page2.length, 2, 'the next page did not move')
})

t.test('a page streams a thousand URLs at a time without skipping or repeating one', async (t) => {
  const ta = await makeApp(t, ENV)
  const insert = ta.app.db.$client.prepare(
    `INSERT INTO articles (id, slug, title, body, status, authors, tags, sources, locale, published_at, sort_at, created_at, updated_at)
     VALUES (?, ?, ?, '[]', ?, '[]', '[]', '[]', 'en', ?, ?, ?, ?)`,
  )
  const time = '2026-02-03T04:05:06.000Z'
  ta.app.db.$client.transaction(() => {
    for (let i = 0; i < 2_345; i++) insert.run(`a${i}`, `story-${i}`, `Story ${i}`, i % 7 === 0 ? 'draft' : 'published', time, time, time, time)
  })()
  const res = await ta.app.inject('/v1/sitemaps/articles/1.xml')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-length'], undefined, 'streamed, not sized up front')
  const locs = many(parseXml(res.body).urlset.url).map((u: any) => u.loc)
  const expected = Array.from({ length: 2_345 }, (_, i) => i).filter((i) => i % 7 !== 0).map((i) => `https://vallmora.example/story-${i}`)
  t.same(locs, expected, 'every published article once, in order, across three chunks')
})

t.test('streamed pages answer 304 to their ETag until one of their articles changes', async (t) => {
  const ta = await makeApp(t, { ...ENV, SITEMAP_PAGE_SIZE: '2' })
  const a = await createArticle(ta, { title: 'First' }, { published: true })
  const b = await createArticle(ta, { title: 'Second' }, { published: true })
  const c = await createArticle(ta, { title: 'Third' }, { published: true })
  const first = await ta.app.inject('/v1/sitemaps/articles/1.xml')
  const etag = String(first.headers.etag)
  t.match(etag, /^"[A-Za-z0-9_-]+"$/)
  t.match(first.headers['cache-control'], /^public, max-age=/)
  t.ok(String(first.headers['surrogate-key']).split(' ').includes('articles'))
  const same = await ta.app.inject({ url: '/v1/sitemaps/articles/1.xml', headers: { 'if-none-match': etag } })
  t.equal(same.statusCode, 304)
  t.equal(same.body, '')
  t.equal(same.headers['cache-control'], first.headers['cache-control'], 'the 304 carries the caching rule of the 200')
  t.equal(same.headers.etag, etag)

  await patch(ta, c.id, { title: 'Third, on another page' })
  t.equal((await ta.app.inject({ url: '/v1/sitemaps/articles/1.xml', headers: { 'if-none-match': etag } })).statusCode, 304, 'a change on another page leaves this one alone')
  await patch(ta, a.id, { slug: 'first-renamed' })
  const changed = await ta.app.inject({ url: '/v1/sitemaps/articles/1.xml', headers: { 'if-none-match': etag } })
  t.equal(changed.statusCode, 200, 'a change on the page')
  t.match(changed.body, /first-renamed/)
  const after = String(changed.headers.etag)
  await unpublish(ta, b.id)
  t.equal((await ta.app.inject({ url: '/v1/sitemaps/articles/1.xml', headers: { 'if-none-match': after } })).statusCode, 200, 'an article leaving the page')
  const editor = await ta.app.inject({ url: '/v1/sitemaps/articles/1.xml', headers: auth(ta.editor) })
  t.equal(editor.headers['cache-control'], 'private, no-store')
  t.notOk(editor.body.includes(b.slug), 'no draft for editors either')
})

t.test('pages list each translation group as xhtml:link alternates: every published member, itself included', async (t) => {
  const ta = await makeApp(t, { ...ENV, SITEMAP_PAGE_SIZE: '2', SITE_URL_TEMPLATE: 'https://vallmora.example/{locale}/{slug}' })
  const original = await createArticle(ta, { title: 'Ferry returns', slug: 'ferry', locale: 'en' }, { published: true })
  const alone = await createArticle(ta, { title: 'Market day', locale: 'en' }, { published: true })
  const es = await createArticle(ta, { title: 'Vuelve el ferry', slug: 'ferry', locale: 'es', translationOf: original.id }, { published: true })
  const fr = await createArticle(ta, { title: 'Le ferry revient', slug: 'ferry', locale: 'fr', translationOf: original.id })
  const de = await createArticle(ta, { title: 'Die Fähre kehrt zurück', slug: 'ferry', locale: 'de', translationOf: es.id }, { published: true })
  t.equal((await patch(ta, de.id, { status: 'archived' })).statusCode, 200)

  const page = async (n: number, headers: Record<string, string> = {}) => ta.app.inject({ url: `/v1/sitemaps/articles/${n}.xml`, headers })
  const entries = (body: string) => {
    const urlset = parseXml(body).urlset
    t.equal(urlset['@xmlns:xhtml'], 'http://www.w3.org/1999/xhtml')
    return many(urlset.url).map((u: any) => ({ loc: u.loc, links: many(u['xhtml:link']).map((l: any) => [l['@rel'], l['@hreflang'], l['@href']]) }))
  }
  const group = [
    ['alternate', 'en', 'https://vallmora.example/en/ferry'],
    ['alternate', 'es', 'https://vallmora.example/es/ferry'],
  ]
  const first = await page(1)
  t.same(entries(first.body), [
    { loc: 'https://vallmora.example/en/ferry', links: group },
    { loc: `https://vallmora.example/en/${alone.slug}`, links: [] },
  ], 'the original lists itself and its published translation; an article without translations lists none')
  t.same(entries((await page(2)).body), [{ loc: 'https://vallmora.example/es/ferry', links: group }], 'the translation on another page lists the same group; the draft (fr) is on no page')
  t.same(entries((await page(3)).body), [], 'the archived translation (de) is not listed, nor linked')

  // Publishing the translation on page 2 changes page 1: its ETag moves, and the cached copy is evicted.
  const etag = String(first.headers.etag)
  t.equal((await page(1, { 'if-none-match': etag })).statusCode, 304)
  t.equal((await ta.app.inject({ method: 'POST', url: `/v1/articles/${fr.id}/publish`, headers: auth(ta.editor) })).statusCode, 200)
  const withFr = [...group, ['alternate', 'fr', 'https://vallmora.example/fr/ferry']]
  const again = await page(1, { 'if-none-match': etag })
  t.equal(again.statusCode, 200, 'a translation published elsewhere is news for this page')
  t.same(entries(again.body)[0]!.links, withFr)
  // Renaming a translation: the page that lists it shows the new URL (not a cached copy).
  t.equal((await patch(ta, es.id, { slug: 'vuelve-el-ferry' })).statusCode, 200)
  t.same(entries((await page(1)).body)[0]!.links, [group[0], ['alternate', 'es', 'https://vallmora.example/es/vuelve-el-ferry'], withFr[2]])
  t.ok(String((await page(1)).headers['surrogate-key']).split(' ').includes('articles'))
  await unpublish(ta, es.id)
  t.same(entries((await page(1)).body)[0]!.links, [group[0], withFr[2]], 'an unpublished translation leaves the group')

  // The News sitemap links them the same way.
  const news = parseXml((await ta.app.inject('/v1/sitemaps/news.xml')).body).urlset
  t.equal(news['@xmlns:xhtml'], 'http://www.w3.org/1999/xhtml')
  const newsLinks = new Map(many(news.url).map((u: any) => [u.loc, many(u['xhtml:link']).map((l: any) => [l['@hreflang'], l['@href']])]))
  t.same(newsLinks.get('https://vallmora.example/fr/ferry'), [['en', 'https://vallmora.example/en/ferry'], ['fr', 'https://vallmora.example/fr/ferry']])
  t.same(newsLinks.get(`https://vallmora.example/en/${alone.slug}`), [])
  t.notOk(newsLinks.has('https://vallmora.example/es/vuelve-el-ferry'), 'unpublished: not in the News sitemap')
})

t.test('pages of whole blocks: the index is summed from the summary the triggers keep, and the summary stays exact', async (t) => {
  const ta = await makeApp(t, { ...ENV, SITEMAP_PAGE_SIZE: '1000' })
  const sqlite = ta.app.db.$client
  const insert = sqlite.prepare(
    `INSERT INTO articles (id, slug, title, body, status, authors, tags, sources, locale, published_at, sort_at, created_at, updated_at)
     VALUES (?, ?, ?, '[]', ?, '[]', '[]', '[]', 'en', ?, ?, ?, ?)`,
  )
  const old = '2026-02-03T04:05:06.000Z'
  sqlite.transaction(() => {
    // Articles 1-2,500; the whole second block (1,001-2,000) unpublished.
    for (let i = 1; i <= 2_500; i++) insert.run(`b${i}`, `block-${i}`, `Block ${i}`, i > 1_000 && i <= 2_000 ? 'draft' : 'published', old, old, old, old)
  })()
  const index = async () => many(parseXml((await ta.app.inject('/v1/sitemaps/index.xml')).body).sitemapindex.sitemap)
  t.same(await index(), [
    { loc: 'https://cms.example/v1/sitemaps/articles/1.xml', lastmod: old },
    { loc: 'https://cms.example/v1/sitemaps/articles/3.xml', lastmod: old },
  ], 'a page without a published article is not listed')

  // Through the API: an edit, an unpublication, a publication, a deletion.
  const byId = (n: number) => `b${n}`
  const edited = await patch(ta, byId(10), { title: 'Edited' })
  t.equal(edited.statusCode, 200)
  const published = await ta.app.inject({ method: 'POST', url: `/v1/articles/${byId(1500)}/publish`, headers: auth(ta.editor) })
  t.equal(published.statusCode, 200)
  await unpublish(ta, byId(2100))
  const before = new Date().toISOString()
  t.equal((await ta.app.inject({ method: 'DELETE', url: `/v1/articles/${byId(2200)}`, headers: auth(ta.editor) })).statusCode, 204)
  const pages = await index()
  t.same(pages.map((p: any) => p.loc.replace(/.*\//, '')), ['1.xml', '2.xml', '3.xml'])
  t.equal(pages[0].lastmod, edited.json().updatedAt, 'an edit moves its page')
  t.equal(pages[1].lastmod, published.json().updatedAt, 'a publication lists its page')
  t.ok(pages[2].lastmod >= before, 'a deletion moves its page too')
  const summary = sqlite.prepare('SELECT block, published FROM sitemap_blocks WHERE published > 0 ORDER BY block').all()
  const recount = sqlite.prepare("SELECT (seq - 1) / 1000 AS block, count(*) AS published FROM articles WHERE status = 'published' GROUP BY 1 ORDER BY 1").all()
  t.same(summary, recount, 'the summary counts what the articles say')
  t.same(recount, [{ block: 0, published: 1000 }, { block: 1, published: 1 }, { block: 2, published: 498 }])
})

t.test("the index's lastmod of a page follows the translations it lists, on whole blocks and on other page sizes", async (t) => {
  for (const size of ['1000', '700']) {
    const ta = await makeApp(t, { ...ENV, SITEMAP_PAGE_SIZE: size })
    const sqlite = ta.app.db.$client
    const insert = sqlite.prepare(
      `INSERT INTO articles (id, slug, title, body, status, authors, tags, sources, locale, published_at, sort_at, created_at, updated_at)
       VALUES (?, ?, ?, '[]', 'published', '[]', '[]', '[]', 'en', ?, ?, ?, ?)`,
    )
    const old = '2026-02-03T04:05:06.000Z'
    sqlite.transaction(() => {
      for (let i = 1; i <= 2_000; i++) insert.run(`b${i}`, `block-${i}`, `Block ${i}`, old, old, old, old)
    })()
    const lastmods = async () => many(parseXml((await ta.app.inject('/v1/sitemaps/index.xml')).body).sitemapindex.sitemap).map((s: any) => s.lastmod)
    t.same(await lastmods(), Array(Math.ceil(2_000 / Number(size))).fill(old), `${size}: nothing changed yet`)

    // A translation of article 10 (page 1) lands on the last page; an unrelated article there too.
    const es = await createArticle(ta, { title: 'Bloque diez', locale: 'es', translationOf: 'b10' }, { published: true })
    const other = await createArticle(ta, { title: 'Unrelated' }, { published: true })
    let now = await lastmods()
    t.equal(now[0], es.updatedAt, `${size}: publishing a translation moves the page of its original`)
    t.equal(now[1], old, `${size}: a page without a member of the group does not move`)

    const edited = await patch(ta, es.id, { title: 'Bloque diez, editado' })
    t.equal(edited.statusCode, 200)
    now = await lastmods()
    t.equal(now[0], edited.json().updatedAt, `${size}: an edit of the translation moves it again`)
    const before = now[0]
    t.equal((await patch(ta, other.id, { title: 'Still unrelated' })).statusCode, 200)
    t.equal((await lastmods())[0], before, `${size}: an article without translations moves only its own page`)

    const unpublished = await unpublish(ta, es.id)
    t.equal(unpublished.statusCode, 200)
    // Departures are seen by the summary of whole blocks only (other sizes read what is published).
    if (size === '1000') t.equal((await lastmods())[0], unpublished.json().updatedAt, 'an unpublished translation leaves the group: the page changes')
    // The original's own edit moves the translation's page, which lists the original.
    t.equal((await ta.app.inject({ method: 'POST', url: `/v1/articles/${es.id}/publish`, headers: auth(ta.editor) })).statusCode, 200)
    const original = await patch(ta, 'b10', { title: 'Block ten' })
    t.equal(original.statusCode, 200)
    now = await lastmods()
    t.equal(now[now.length - 1], original.json().updatedAt, `${size}: the translation's page moves with the original`)
    if (size === '1000') {
      const deleting = new Date().toISOString()
      t.equal((await ta.app.inject({ method: 'DELETE', url: `/v1/articles/${es.id}`, headers: auth(ta.editor) })).statusCode, 204)
      t.ok((await lastmods())[0] >= deleting, 'a deleted translation moves the page of its original')
    }
  }
})

t.test('an empty site still has a valid index, naming its first page', async (t) => {
  const ta = await makeApp(t, ENV)
  await createArticle(ta, { title: 'Only a draft' })
  const index = parseXml((await ta.app.inject('/v1/sitemaps/index.xml')).body).sitemapindex
  t.same(many(index.sitemap), [{ loc: 'https://cms.example/v1/sitemaps/articles/1.xml' }])
  const page = await ta.app.inject('/v1/sitemaps/articles/1.xml')
  t.equal(page.statusCode, 200)
  t.same(many(parseXml(page.body).urlset.url), [])
})

t.test('Google News: the last 48 hours, newest first, with publication, language, title and picture', async (t) => {
  const ta = await makeApp(t, ENV)
  const lead = insertMedia(ta)
  const fresh = await createArticle(ta, { title: 'Night bus <pilot> & "more"', section: 'politics', leadMediaId: lead, locale: 'es-ES' }, { published: true })
  const yesterday = await createArticle(ta, { title: 'Yesterday', section: 'local' }, { published: true })
  agePublication(ta, yesterday.id, new Date(Date.now() - 30 * 3600_000).toISOString())
  const old = await createArticle(ta, { title: 'Three days old', section: 'local' }, { published: true })
  agePublication(ta, old.id, new Date(Date.now() - 72 * 3600_000).toISOString())
  await createArticle(ta, { title: 'A fresh draft', section: 'local' })
  const archived = await createArticle(ta, { title: 'Archived today', section: 'local' }, { published: true })
  await patch(ta, archived.id, { status: 'archived' })

  const res = await ta.app.inject('/v1/sitemaps/news.xml')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/xml; charset=utf-8')
  const urlset = parseXml(res.body).urlset
  t.equal(urlset['@xmlns'], SITEMAP_NS)
  t.equal(urlset['@xmlns:news'], 'http://www.google.com/schemas/sitemap-news/0.9')
  t.equal(urlset['@xmlns:image'], 'http://www.google.com/schemas/sitemap-image/1.1')
  const urls = many(urlset.url)
  t.same(urls.map((u: any) => u['news:news']['news:title']), ['Night bus <pilot> & "more"', 'Yesterday'], 'published in the last 48 hours, newest first')
  const first = urls[0]
  t.equal(first.loc, 'https://vallmora.example/politics/night-bus-pilot-more')
  t.same(first['news:news']['news:publication'], { 'news:name': 'Vallmora Daily', 'news:language': 'es' })
  t.equal(first['news:news']['news:publication_date'], fresh.publishedAt)
  t.match(first['news:news']['news:publication_date'], W3C_DATETIME)
  t.same(first['image:image'], { 'image:loc': `https://cms.example/v1/media/${lead}/file` })
  t.notOk('image:image' in urls[1], 'no picture, no image entry')
  t.equal(NEWS_MAX, 1_000)
})

t.test('Google News takes at most 1,000', async (t) => {
  const ta = await makeApp(t, ENV)
  const insert = ta.app.db.$client.prepare(
    `INSERT INTO articles (id, slug, title, body, status, authors, tags, sources, locale, published_at, sort_at, created_at, updated_at)
     VALUES (?, ?, ?, '[]', 'published', '[]', '[]', '[]', 'en', ?, ?, ?, ?)`,
  )
  const now = Date.now()
  ta.app.db.$client.transaction(() => {
    for (let i = 0; i < 1_050; i++) {
      const time = new Date(now - 3600_000 + i * 1000).toISOString()
      insert.run(`n${i}`, `news-${i}`, `News ${i}`, time, time, time, time)
    }
  })()
  const urls = many(parseXml((await ta.app.inject('/v1/sitemaps/news.xml')).body).urlset.url)
  t.equal(urls.length, 1_000)
  t.equal(urls[0]['news:news']['news:title'], 'News 1049', 'the newest')
})

t.test('news languages are ISO 639, with the two Chinese scripts told apart', async (t) => {
  t.equal(newsLanguage('en'), 'en')
  t.equal(newsLanguage('pt-BR'), 'pt')
  t.equal(newsLanguage('zh-Hans-CN'), 'zh-cn')
  t.equal(newsLanguage('zh-TW'), 'zh-tw')
  t.equal(newsLanguage('zh-Hant'), 'zh-tw')
})
