// RSS 2.0, Atom 1.0 and JSON Feed 1.1: read back with independent parsers (fast-xml-parser for
// the XML, @rowanmanning/feed-parser as a feed reader would), every required element checked,
// Media RSS for the lead picture, filters, drafts never, ETag/304, caching and surrogate keys.
import { parseFeed } from '@rowanmanning/feed-parser'
import t from 'tap'
import { xmlEscape } from '../src/distribution/xml.js'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'
import { agePublication, many, parseXml, patch, publishedStory, textOf, unpublish } from './distribution-fixtures.js'

const TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
}
const PUBLIC = /^public, max-age=\d+/

async function newsroom(t: Parameters<typeof makeApp>[0]) {
  const ta = await makeApp(t, { PUBLIC_URL: 'https://cms.example', SITE_NAME: 'Vallmora Daily', SITE_URL_TEMPLATE: 'https://vallmora.example/{section}/{slug}' })
  const older = await publishedStory(ta, { title: 'Reservoir at its lowest in twenty years', section: 'environment', tags: ['drought'], authors: ['Lena Hoang'] })
  agePublication(ta, older.id, '2026-01-05T08:00:00.000Z')
  const story = await publishedStory(ta, { title: 'Ferry service resumes after the storm' })
  const draft = await createArticle(ta, { title: 'Draft that must never leave', section: 'local' })
  const scheduled = await createArticle(ta, { title: 'Scheduled for next week', section: 'local' })
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${scheduled.id}/publish`, headers: auth(ta.editor), payload: { at: '2099-01-01T00:00:00.000Z' } })
  const archived = await publishedStory(ta, { title: 'Archived story that is off the site' })
  await patch(ta, archived.id, { status: 'archived' })
  return { ta, story, older, hidden: [draft, scheduled, archived] }
}

const get = (ta: TestApp, url: string, headers: Record<string, string> = {}) => ta.app.inject({ url, headers })

t.test('RSS 2.0: channel and items with every required element, full HTML, Media RSS', async (t) => {
  const { ta, story, older, hidden } = await newsroom(t)
  const res = await get(ta, '/v1/feeds/rss')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], TYPES.rss)
  const doc = parseXml(res.body)
  const rss = doc.rss
  t.equal(rss['@version'], '2.0')
  t.equal(rss['@xmlns:media'], 'http://search.yahoo.com/mrss/', 'Media RSS namespace')
  t.equal(rss['@xmlns:content'], 'http://purl.org/rss/1.0/modules/content/')
  t.equal(rss['@xmlns:dc'], 'http://purl.org/dc/elements/1.1/')
  t.equal(rss['@xmlns:atom'], 'http://www.w3.org/2005/Atom')
  const channel = rss.channel
  t.equal(channel.title, 'Vallmora Daily')
  t.equal(channel.link, 'https://vallmora.example/')
  t.ok(channel.description.length > 0, 'channel description')
  t.equal(channel['atom:link']['@href'], 'https://cms.example/v1/feeds/rss')
  t.equal(channel['atom:link']['@rel'], 'self')
  const items = many(channel.item)
  t.same(items.map((item: any) => item.title), [story.title, older.title], 'newest first; drafts, scheduled and archived never')
  for (const hide of hidden) t.notOk(res.body.includes(hide.id) || res.body.includes(hide.title), `${hide.title} is not in the feed`)

  const item = items[0]
  t.equal(item.link, 'https://vallmora.example/local/ferry-service-resumes-after-the-storm', 'canonicalUrl as the link')
  t.equal(textOf(item.guid), `urn:cms:article:${story.id}`)
  t.equal(item.guid['@isPermaLink'], 'false')
  t.equal(new Date(item.pubDate).toISOString(), new Date(story.publishedAt).toISOString().replace(/\.\d{3}Z$/, '.000Z'), 'RFC 822 date')
  t.equal(item['atom:updated'], story.updatedAt)
  t.same(many(item['dc:creator']), ['Ana Ruiz', 'EFE'])
  t.same(many(item.category).map(textOf), ['local', 'transport', 'Sella river'])
  t.equal(item.description, 'Crossings run every forty minutes from Tuesday', 'the subtitle')
  t.match(item['content:encoded'], /^<p>The first ferry left at <strong>6:10<\/strong> with forty passengers\.<\/p><figure><img src="https:\/\/cms\.example\/v1\/media\/media\d+\/file"/)
  t.match(item['content:encoded'], /<figcaption>Boarding at <em>dawn<\/em> <small>Port Authority \/ Handout<\/small><\/figcaption>/)
  const lead = story.leadMediaId
  t.same(item.enclosure, { '@url': `https://cms.example/v1/media/${lead}/file`, '@length': '48213', '@type': 'image/jpeg' })
  const media = item['media:content']
  t.match(media, { '@url': `https://cms.example/v1/media/${lead}/file`, '@type': 'image/jpeg', '@medium': 'image', '@width': '1600', '@height': '900', '@fileSize': '48213' })
  t.equal(textOf(media['media:description']), 'The morning ferry at the harbour wall', 'the caption')
  t.equal(textOf(media['media:credit']), 'Port Authority / Handout', 'the credit')

  // As a feed reader reads it.
  const parsed = parseFeed(res.body)
  t.equal(parsed.meta.type, 'rss')
  t.equal(parsed.title, 'Vallmora Daily')
  t.equal(parsed.items.length, 2)
  const first = parsed.items[0]!
  t.equal(first.id, `urn:cms:article:${story.id}`)
  t.equal(first.url, story.canonicalUrl)
  t.match(first.content, /forty passengers/)
  t.same(first.authors.map((a) => a.name), ['Ana Ruiz', 'EFE'])
  t.ok(first.media.some((m) => m.url === `https://cms.example/v1/media/${lead}/file` && m.mimeType === 'image/jpeg'), 'the reader finds the picture')
})

t.test('Atom 1.0: feed and entries with every required element', async (t) => {
  const { ta, story, older } = await newsroom(t)
  const res = await get(ta, '/v1/feeds/atom')
  t.equal(res.headers['content-type'], TYPES.atom)
  const feed = parseXml(res.body).feed
  t.equal(feed['@xmlns'], 'http://www.w3.org/2005/Atom')
  t.equal(feed['@xmlns:media'], 'http://search.yahoo.com/mrss/')
  t.equal(feed.id, 'https://cms.example/v1/feeds/atom')
  t.equal(textOf(feed.title), 'Vallmora Daily')
  t.equal(feed.updated, story.updatedAt, 'the newest change')
  t.equal(feed.author.name, 'Vallmora Daily', 'a feed author stands in for entries without a byline')
  const links = many(feed.link)
  t.ok(links.some((l: any) => l['@rel'] === 'self' && l['@href'] === 'https://cms.example/v1/feeds/atom'))
  const entries = many(feed.entry)
  t.same(entries.map((e: any) => e.id), [`urn:cms:article:${story.id}`, `urn:cms:article:${older.id}`])
  const entry = entries[0]
  t.equal(entry['@xml:lang'], 'en')
  t.equal(textOf(entry.title), story.title)
  t.equal(entry.published, story.publishedAt)
  t.equal(entry.updated, story.updatedAt)
  t.same(many(entry.author).map((a: any) => a.name), ['Ana Ruiz', 'EFE'])
  const alternate = many(entry.link).find((l: any) => l['@rel'] === 'alternate')
  t.equal(alternate['@href'], story.canonicalUrl)
  const enclosure = many(entry.link).find((l: any) => l['@rel'] === 'enclosure')
  t.match(enclosure, { '@href': `https://cms.example/v1/media/${story.leadMediaId}/file`, '@type': 'image/jpeg', '@length': '48213' })
  t.equal(entry.content['@type'], 'html')
  t.match(textOf(entry.content), /<strong>6:10<\/strong>/)
  t.equal(textOf(entry.summary), 'Crossings run every forty minutes from Tuesday')
  t.same(many(entry.category).map((c: any) => c['@term']), ['local', 'transport', 'Sella river'])
  t.equal(textOf(entry['media:content']['media:credit']), 'Port Authority / Handout')

  const parsed = parseFeed(res.body)
  t.equal(parsed.meta.type, 'atom')
  t.same(parsed.items.map((i) => i.id), [`urn:cms:article:${story.id}`, `urn:cms:article:${older.id}`])
  t.equal(parsed.items[0]!.url, story.canonicalUrl)
  t.equal(parsed.items[0]!.updated?.toISOString(), story.updatedAt)
})

t.test('JSON Feed 1.1: the required members, the same ids, the picture with caption and credit', async (t) => {
  const { ta, story, older } = await newsroom(t)
  const res = await get(ta, '/v1/feeds/json')
  t.equal(res.headers['content-type'], TYPES.json)
  const feed = res.json()
  t.equal(feed.version, 'https://jsonfeed.org/version/1.1')
  t.equal(feed.title, 'Vallmora Daily')
  t.equal(feed.home_page_url, 'https://vallmora.example/')
  t.equal(feed.feed_url, 'https://cms.example/v1/feeds/json')
  t.same(feed.authors, [{ name: 'Vallmora Daily', url: 'https://vallmora.example/' }])
  t.same(feed.items.map((i: any) => i.id), [`urn:cms:article:${story.id}`, `urn:cms:article:${older.id}`], 'the ids of RSS and Atom')
  const item = feed.items[0]
  t.match(item, {
    url: story.canonicalUrl,
    title: story.title,
    summary: 'Crossings run every forty minutes from Tuesday',
    date_published: story.publishedAt,
    date_modified: story.updatedAt,
    authors: [{ name: 'Ana Ruiz' }, { name: 'EFE' }],
    tags: ['transport', 'Sella river'],
    language: 'en',
    image: `https://cms.example/v1/media/${story.leadMediaId}/file`,
    attachments: [{ url: `https://cms.example/v1/media/${story.leadMediaId}/file`, mime_type: 'image/jpeg', size_in_bytes: 48213, title: 'The morning ferry at the harbour wall' }],
    _media: { description: 'The morning ferry at the harbour wall', credit: 'Port Authority / Handout', text: 'A white ferry moored at a stone quay' },
  })
  t.match(item.content_html, /^<p>The first ferry left at <strong>6:10<\/strong>/)
  for (const entry of feed.items) t.ok(typeof entry.id === 'string' && (entry.content_html || entry.content_text), 'every item has an id and content')
})

t.test('bylines link author profiles, and entries link their published translations, in each format', async (t) => {
  const ta = await makeApp(t, { PUBLIC_URL: 'https://cms.example', SITE_NAME: 'Vallmora Daily', SITE_URL_TEMPLATE: 'https://vallmora.example/{locale}/{slug}' })
  const profile = await ta.app.inject({ method: 'POST', url: '/v1/authors', headers: auth(ta.editor), payload: { name: 'Ana Ruiz' } })
  const ana = profile.json()
  const en = await createArticle(ta, { title: 'Ferry returns', slug: 'ferry', locale: 'en', authorIds: [ana.id], authors: ['Ana Ruiz', 'EFE'] }, { published: true })
  const es = await createArticle(ta, { title: 'Vuelve el ferry', slug: 'ferry', locale: 'es', translationOf: en.id }, { published: true })
  const fr = await createArticle(ta, { title: 'Le ferry revient', slug: 'ferry', locale: 'fr', translationOf: en.id })
  const url = (locale: string) => `https://vallmora.example/${locale}/ferry`
  const anaPage = 'https://cms.example/v1/authors/slug/ana-ruiz'

  // Atom: <author><uri>, and a <link rel="alternate" hreflang> per published translation.
  const atom = await get(ta, '/v1/feeds/atom')
  const entries = many(parseXml(atom.body).feed.entry)
  const byId = (id: string) => entries.find((e: any) => e.id === `urn:cms:article:${id}`)
  t.same(many(byId(en.id).author), [{ name: 'Ana Ruiz', uri: anaPage }, { name: 'EFE' }], 'a profile has a page; a wire credit none')
  const translations = (entry: any) => many(entry.link).filter((l: any) => l['@hreflang'] !== undefined).map((l: any) => [l['@rel'], l['@hreflang'], l['@href']])
  t.same(translations(byId(en.id)), [['alternate', 'es', url('es')]], 'the published translation; not the draft')
  t.same(translations(byId(es.id)), [['alternate', 'en', url('en')]], 'and back to the original')
  const reader = parseFeed(atom.body)
  t.same(reader.items.find((i) => i.id === `urn:cms:article:${en.id}`)!.authors.map((a) => [a.name, a.url]), [['Ana Ruiz', anaPage], ['EFE', null]], 'a feed reader finds the page')
  t.equal(reader.items.find((i) => i.id === `urn:cms:article:${en.id}`)!.url, url('en'), 'the entry\'s own link stays its canonical URL')

  // RSS has no author URL; translations as atom:link inside the item.
  const rss = await get(ta, '/v1/feeds/rss')
  const items = many(parseXml(rss.body).rss.channel.item)
  const item = items.find((i: any) => textOf(i.guid) === `urn:cms:article:${en.id}`)
  t.same(many(item['dc:creator']), ['Ana Ruiz', 'EFE'])
  t.same(many(item['atom:link']).map((l: any) => [l['@rel'], l['@hreflang'], l['@href']]), [['alternate', 'es', url('es')]])
  t.equal(parseFeed(rss.body).items.find((i) => i.id === `urn:cms:article:${en.id}`)!.url, url('en'))

  // JSON Feed: authors[].url, and the `_translations` extension.
  const json = (await get(ta, '/v1/feeds/json')).json()
  const jsonItem = (id: string) => json.items.find((i: any) => i.id === `urn:cms:article:${id}`)
  t.same(jsonItem(en.id).authors, [{ name: 'Ana Ruiz', url: anaPage }, { name: 'EFE' }])
  t.same(jsonItem(en.id)._translations, { alternates: [{ language: 'es', url: url('es') }] })
  t.same(jsonItem(es.id)._translations, { alternates: [{ language: 'en', url: url('en') }] })

  // Publishing the draft translation and renaming the profile: every feed shows both at once.
  const etag = String(atom.headers.etag)
  t.ok(String(atom.headers['surrogate-key']).split(' ').includes(`author-${ana.id}`), 'keyed by the profiles it links')
  t.equal((await ta.app.inject({ method: 'POST', url: `/v1/articles/${fr.id}/publish`, headers: auth(ta.editor) })).statusCode, 200)
  t.equal((await ta.app.inject({ method: 'PATCH', url: `/v1/authors/${ana.id}`, headers: auth(ta.editor), payload: { slug: 'ana-ruiz-gil' } })).statusCode, 200)
  const fresh = await get(ta, '/v1/feeds/atom', { 'if-none-match': etag })
  t.equal(fresh.statusCode, 200)
  const entry = many(parseXml(fresh.body).feed.entry).find((e: any) => e.id === `urn:cms:article:${en.id}`)
  t.same(translations(entry), [['alternate', 'es', url('es')], ['alternate', 'fr', url('fr')]])
  t.equal(many(entry.author)[0].uri, 'https://cms.example/v1/authors/slug/ana-ruiz-gil')
  t.same(jsonItem(en.id).authors[0].url, anaPage, '(the copy read before)')
  const jsonAgain = (await get(ta, '/v1/feeds/json')).json().items.find((i: any) => i.id === `urn:cms:article:${en.id}`)
  t.same(jsonAgain.authors[0], { name: 'Ana Ruiz', url: 'https://cms.example/v1/authors/slug/ana-ruiz-gil' })
  t.equal(jsonAgain._translations.alternates.length, 2)
})

t.test('filters, limit, and bad input', async (t) => {
  const { ta, story, older } = await newsroom(t)
  const titles = async (url: string) => many(parseXml((await get(ta, url)).body).rss.channel.item).map((i: any) => i.title)
  t.same(await titles('/v1/feeds/rss?section=environment'), [older.title])
  t.same(await titles('/v1/feeds/rss?tag=SELLA%20RIVER'), [story.title], 'tags without regard to case')
  t.same(await titles('/v1/feeds/rss?author=lena%20hoang'), [older.title])
  t.same(await titles('/v1/feeds/rss?limit=1'), [story.title])
  const spanish = await publishedStory(ta, { title: 'Vuelve el ferri tras la tormenta', locale: 'es' })
  const es = parseXml((await get(ta, '/v1/feeds/rss?locale=es')).body).rss.channel
  t.same(many(es.item).map((i: any) => i.title), [spanish.title], 'the locale filter')
  t.equal(es.language, 'es', 'and the feed says its language')
  t.same(await titles('/v1/feeds/rss?section=nowhere'), [], 'an empty feed is still a feed')
  const profile = await ta.app.inject({ method: 'POST', url: '/v1/authors', headers: auth(ta.editor), payload: { name: 'Iria Castelo' } })
  t.equal(profile.statusCode, 201)
  const profiled = await publishedStory(ta, { title: 'Night trains return to the valley line', authorIds: [profile.json().id] })
  const byProfile = parseXml((await get(ta, `/v1/feeds/rss?authorId=${profile.json().id}`)).body).rss.channel
  t.same(many(byProfile.item).map((i: any) => i.title), [profiled.title], 'the authorId filter')
  t.equal(byProfile.title, 'Vallmora Daily: Iria Castelo', 'named by the profile')
  const filtered = parseXml((await get(ta, '/v1/feeds/rss?section=environment&tag=drought')).body).rss.channel
  t.equal(filtered.title, 'Vallmora Daily: environment, #drought', 'the title says what was chosen')
  for (const url of ['/v1/feeds/atom?limit=0', '/v1/feeds/json?limit=101', '/v1/feeds/rss?sort=old', '/v1/feeds/rss?status=draft']) {
    const res = await get(ta, url)
    t.equal(res.statusCode, 400, url)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  const atom = parseXml((await get(ta, '/v1/feeds/atom?section=nowhere')).body).feed
  t.equal(atom.updated, '1970-01-01T00:00:00.000Z', 'an empty feed has a fixed updated time, so its ETag holds')
  t.same(many(atom.entry), [])
})

t.test('drafts never, even for editors; an unpublished story leaves the feed', async (t) => {
  const { ta, story, hidden } = await newsroom(t)
  for (const format of ['rss', 'atom', 'json']) {
    const res = await get(ta, `/v1/feeds/${format}`, auth(ta.editor))
    t.equal(res.statusCode, 200)
    for (const hide of hidden) t.notOk(res.body.includes(hide.title), `${format}: ${hide.title} stays out for an editor`)
    t.equal(res.headers['cache-control'], 'private, no-store', 'an authenticated answer is private')
  }
  t.equal((await unpublish(ta, story.id)).statusCode, 200)
  for (const format of ['rss', 'atom', 'json']) t.notOk((await get(ta, `/v1/feeds/${format}`)).body.includes(story.id), `${format}: gone once unpublished`)
})

t.test('ETag and 304, anonymous caching, Surrogate-Key, and a change shows at once', async (t) => {
  const { ta, story } = await newsroom(t)
  for (const format of ['rss', 'atom', 'json']) {
    const url = `/v1/feeds/${format}`
    const first = await get(ta, url)
    t.match(first.headers.etag, /^"[A-Za-z0-9_-]+"$/, `${format}: strong ETag`)
    t.match(first.headers['cache-control'], PUBLIC, `${format}: public for anonymous readers`)
    t.match(first.headers.vary, /Authorization/)
    const keys = String(first.headers['surrogate-key']).split(' ')
    t.ok(keys.includes('articles'), `${format}: keyed by the list`)
    t.ok(keys.includes(`media-${story.leadMediaId}`), `${format}: and by the pictures it shows`)
    const again = await get(ta, url, { 'if-none-match': String(first.headers.etag) })
    t.equal(again.statusCode, 304, `${format}: 304 while nothing changed`)
    t.equal(again.body, '')
  }
  const before = await get(ta, '/v1/feeds/rss')
  t.equal((await patch(ta, story.id, { title: 'Ferry service resumes, with a new timetable' })).statusCode, 200)
  const after = await get(ta, '/v1/feeds/rss', { 'if-none-match': String(before.headers.etag) })
  t.equal(after.statusCode, 200, 'a change makes the old ETag stale')
  t.match(after.body, /with a new timetable/, 'and the next read shows it, from the cache or not')
  // A new caption on the lead picture reaches the feed too.
  ta.app.db.$client.prepare("UPDATE media SET caption = 'A corrected caption', version = version + 1 WHERE id = ?").run(story.leadMediaId)
  t.match((await get(ta, '/v1/feeds/rss')).body, /A corrected caption/)
})

t.test('the XML escaper: markup characters escaped, what XML cannot hold dropped', async (t) => {
  t.equal(xmlEscape(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;')
  t.equal(xmlEscape('tab\tnew\nline\r ok'), 'tab\tnew\nline\r ok', 'tab, newline and return are kept')
  t.equal(xmlEscape('nul\u0000 bell\u0007 lone\uD800 \uDFFF end\uFFFE\uFFFF'), 'nul bell lone  end')
  t.equal(xmlEscape('pair \u{1F600} kept'), 'pair \u{1F600} kept', 'a surrogate pair is one character, and kept')
})

t.test('hostile text stays text, and characters XML cannot hold are dropped', async (t) => {
  const ta = await makeApp(t)
  const story = await publishedStory(ta, {
    title: 'Tags </title><script>alert(1)</script> & ]]> "quotes"',
    body: [{ type: 'paragraph', text: 'Safe <em>text</em> &amp; <b>bold</b>' }],
  })
  // Written behind the API's back: control characters in stored text.
  ta.app.db.$client.prepare('UPDATE articles SET subtitle = ? WHERE id = ?').run('Bell\u0007 and\u001B escape', story.id)
  ta.app.db.$client.prepare('UPDATE articles SET body = ? WHERE id = ?').run(JSON.stringify([{ type: 'paragraph', text: 'x <img src=y onerror=alert(1)> y\u0001' }]), story.id)
  for (const format of ['rss', 'atom']) {
    const body = (await get(ta, `/v1/feeds/${format}`)).body
    const doc = parseXml(body)
    const entry = format === 'rss' ? many(doc.rss.channel.item)[0] : many(doc.feed.entry)[0]
    t.equal(textOf(entry.title), story.title, `${format}: the title comes back exactly`)
    const description = format === 'rss' ? entry.description : textOf(entry.summary)
    t.equal(description, 'Bell and escape', `${format}: the control characters are gone`)
    const html = format === 'rss' ? entry['content:encoded'] : textOf(entry.content)
    t.equal(html, '<p>x &lt;img src=y onerror=alert(1)&gt; y</p>', `${format}: markup that is not allowed is escaped in the HTML`)
  }
})
