// Importing a WordPress export: statuses, dates, slugs, categories, bylines, featured images,
// shortcodes and block-editor markup, comment threads with private e-mails, re-imports that
// change nothing, malformed and oversized exports, and the command line with an uploads folder.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { main } from '../src/import/cli.js'
import { createMediaRepository } from '../src/media/repository.js'
import { form, image, mediaDir } from './fixtures/media.js'
import { auth, makeApp, type TestApp } from './helpers.js'

const EXPORT = join(import.meta.dirname, 'fixtures/import/wordpress-export.xml')
const exportXml = () => readFile(EXPORT, 'utf8')

function importExport(ta: TestApp, xml: string | Buffer, { token = ta.admin, query = '' } = {}) {
  const body = form([{ name: 'file', value: xml, filename: 'export.xml', contentType: 'text/xml' }])
  return ta.app.inject({ method: 'POST', url: `/v1/import/wordpress${query}`, headers: { ...auth(token), ...body.headers }, payload: body.payload })
}

const read = async (ta: TestApp, url: string, token = ta.editor) => (await ta.app.inject({ url, headers: auth(token) })).json()

/** Every article, whole, by the WordPress post id its externalId names. */
async function articlesByPost(ta: TestApp): Promise<Map<string, any>> {
  const out = new Map<string, any>()
  for (const summary of (await read(ta, '/v1/articles?limit=100')).data) {
    const article = await read(ta, `/v1/articles/${summary.id}`)
    out.set(/\?p=(\d+)$/.exec(article.externalId)![1]!, article)
  }
  return out
}

t.test('posts become articles with their status, date, slug, section, tags, byline and featured image', async (t) => {
  const ta = await makeApp(t)
  const res = await importExport(ta, await exportXml())
  t.equal(res.statusCode, 200, res.body)
  const report = res.json()
  t.same(report.counts, { created: 10, updated: 0, unchanged: 0, skipped: 3 })
  t.same(report.comments, { created: 4, unchanged: 0, skipped: 2 })
  t.match(report.warnings, { 'media-without-file': 2, shortcode: 1, 'pages-joined': 1, 'block-dropped': 1, 'slug-changed': 1, 'status-changed': 2, 'comment-skipped': 2 })
  t.same(report.data.map((item: any) => `${item.type} ${item.wordpressId} ${item.action}`), [
    'attachment 201 created', 'attachment 202 created',
    'post 101 created', 'post 102 created', 'post 103 created', 'post 104 created', 'post 105 created', 'post 106 created',
    'post 107 skipped', 'post 108 created', 'post 109 created', 'page 110 skipped', 'nav_menu_item 120 skipped',
  ])

  const posts = await articlesByPost(ta)
  t.same([...posts.keys()].sort(), ['101', '102', '103', '104', '105', '106', '108', '109'], 'trash, pages and menu items are not articles')
  const ferry = posts.get('101')
  t.match(ferry, {
    externalId: 'wp:https://ledger.example/?p=101',
    slug: 'ferry-service-returns',
    title: 'Ferry service returns after the storm',
    status: 'published',
    publishedAt: '2021-03-04T08:15:00.000Z',
    authors: ['Morgan Hale'],
    section: 'local',
    tags: ['Transport', 'Ferries'],
    locale: 'en-GB',
    commentsEnabled: true,
    summary: 'The first crossing in nine days left the east pier at 07:40 with forty-two passengers aboard. The crew had checked the ramps twice. Passengers said the sea was calm.',
  })
  t.match(ferry.leadMedia, { caption: 'The first ferry of the season leaves at dawn.', altText: 'A white ferry on grey water', filename: 'ferry-dawn.jpg', size: 0 })
  t.match(posts.get('102'), {
    status: 'scheduled',
    scheduledAt: '2031-01-01T09:00:00.000Z',
    authors: ['Siân Griffiths'],
    summary: 'Sunday crossings drop to four from January.',
    commentsEnabled: false,
    section: 'transport',
  })
  for (const id of ['103', '104', '105', '106', '109']) t.equal(posts.get(id).status, 'draft', `post ${id} (draft, pending, private, password-protected) is a draft`)
  t.equal(posts.get('103').slug, 'notes-on-the-bridge-inquiry', 'a draft without post_name gets a slug from its title')
  t.equal(posts.get('103').section, null, '"Uncategorized" is no section')
  t.match(report.data.find((item: any) => item.wordpressId === '106').warnings, [/password-protected/])
  t.match(posts.get('108'), { slug: 'ete-sur-le-port', status: 'published', publishedAt: '2020-08-01T12:00:00.000Z' })
  t.equal(posts.get('109').slug, 'ferry-service-returns-2', 'a taken slug gets a suffix')

  // dc:creator → an author profile from the export's authors, one per login, without its e-mail.
  t.match(ferry.authorProfiles, [{ name: 'Morgan Hale', slug: 'morgan-hale' }])
  t.match(posts.get('102').authorProfiles, [{ name: 'Siân Griffiths' }])
  const profiles = (await ta.app.inject({ url: '/v1/authors?limit=100', headers: auth(ta.editor) })).json().data
  t.same(profiles.map((a: any) => a.name).sort(), ['Morgan Hale', 'Siân Griffiths'], 'one profile per author of the export')
  t.notOk(profiles.some((a: any) => a.email), 'the export\'s e-mails are not copied into profiles')
  t.equal(ferry.authorIds[0], profiles.find((a: any) => a.name === 'Morgan Hale').id)
})

t.test('shortcodes, block-editor comments, <!--more--> and <!--nextpage--> become blocks or go, never staying in the text', async (t) => {
  const ta = await makeApp(t)
  await importExport(ta, await exportXml())
  const posts = await articlesByPost(ta)
  const [lamp, dawn] = [posts.get('101').body[1].mediaId, posts.get('101').leadMediaId]
  const shape = (body: any[]) => body.map((b) => (b.type === 'media' ? `media ${b.mediaId === dawn ? 'dawn' : b.mediaId === lamp ? 'lamp' : '?'}` : b.type))
  t.same(shape(posts.get('101').body), ['paragraph', 'media lamp', 'paragraph', 'embed', 'media dawn', 'media lamp', 'paragraph'])
  t.equal(posts.get('101').body[0].text, 'The first crossing in nine days left the east pier at 07:40 with <strong>forty-two passengers</strong> aboard.<br />The crew had checked the ramps twice.')
  t.match(posts.get('101').body[1], { caption: 'The pier lamp, repaired overnight' })
  t.match(posts.get('101').body[3], { type: 'embed', url: 'https://www.youtube.com/watch?v=ferry42', provider: 'YouTube' })
  t.same(shape(posts.get('102').body), ['paragraph', 'heading', 'quote', 'list', 'media dawn', 'embed', 'paragraph'])
  t.match(posts.get('102').body, [
    { text: 'The winter timetable starts in <a href="https://ledger.example/timetables">January</a>.' },
    { text: 'Fewer crossings on Sundays', level: 3 },
    { text: 'Four crossings is the most the crew can staff.', attribution: 'The operator' },
    { items: ['Weekdays: every forty minutes', 'Sundays: four crossings'] },
    { caption: 'The ferry in winter light' },
    { url: 'https://vimeo.com/76979871', provider: 'Vimeo' },
  ])
  for (const [id, article] of posts) {
    const text = JSON.stringify([article.title, article.summary, article.body])
    t.notMatch(text, /\[\/?(caption|gallery|embed|video|contact-form-7)|<!--|wp:|nextpage|more-->/, `post ${id} carries no WordPress markup`)
  }
})

t.test('comments keep their status, thread and date; e-mail addresses stay private', async (t) => {
  const ta = await makeApp(t)
  await importExport(ta, await exportXml())
  const ferry = (await articlesByPost(ta)).get('101')
  t.equal(ferry.commentCount, 2, 'two approved comments')
  const visible = (await ta.app.inject(`/v1/articles/${ferry.id}/comments`)).json().data
  t.match(visible, [
    { authorName: 'Eleri', body: 'At last! My commute was three hours by road.', parentId: null, createdAt: '2021-03-04T09:02:00.000Z', status: 'approved' },
    { authorName: 'Dylan', createdAt: '2021-03-04T09:30:00.000Z' },
  ])
  t.equal(visible[1].parentId, visible[0].id, 'the reply answers its parent')
  t.notMatch(JSON.stringify(visible), /@|198\.51/, 'readers see no e-mail or address')
  t.notMatch(JSON.stringify(ferry), /@/, 'the article names no e-mail (authors\' included)')
  const all = (await read(ta, `/v1/comments?articleId=${ferry.id}&limit=100`, ta.moderator)).data
  t.same(all.map((c: any) => `${c.authorName} ${c.status}`), ['Eleri approved', 'Dylan approved', 'Huw pending', 'Cheap Tickets spam'])
  t.equal(all[0].authorEmail, 'eleri@mail.example', 'moderators see the e-mail')
  t.equal(all[0].ip, null, 'the commenter\'s address is not imported')
})

t.test('pages are imported only with ?pages=true', async (t) => {
  const ta = await makeApp(t)
  const res = await importExport(ta, await exportXml(), { query: '?pages=true' })
  t.match(res.json().data.find((item: any) => item.wordpressId === '110'), { type: 'page', action: 'created' })
  t.match(await read(ta, '/v1/articles/slug/about?locale=en-GB'), { title: 'About the Ledger', status: 'published', publishedAt: '2019-01-01T12:00:00.000Z' })
  t.equal((await importExport(ta, await exportXml(), { query: '?pages=yes' })).statusCode, 400)
})

t.test('importing the same export again changes nothing; a changed post is updated', async (t) => {
  const ta = await makeApp(t)
  const xml = await exportXml()
  await importExport(ta, xml)
  const before = await articlesByPost(ta)
  const second = (await importExport(ta, xml)).json()
  t.same(second.counts, { created: 0, updated: 0, unchanged: 10, skipped: 3 })
  t.same(second.comments, { created: 0, unchanged: 4, skipped: 2 })
  const after = await articlesByPost(ta)
  for (const [id, article] of before) t.same(after.get(id), article, `post ${id} is as it was (version, updatedAt, body)`)
  t.equal((await read(ta, '/v1/media')).data.length, 2, 'no media item was made twice')
  t.equal((await read(ta, '/v1/authors')).data.length, 2, 'no author profile was made twice')

  const edited = xml.replace('Passengers said the sea was calm.', 'Passengers said the sea was flat calm.')
  const third = (await importExport(ta, edited)).json()
  t.same(third.counts, { created: 0, updated: 1, unchanged: 9, skipped: 3 })
  const ferry = (await articlesByPost(ta)).get('101')
  t.equal(ferry.body[2].text, 'Passengers said the sea was flat calm.')
  t.equal(ferry.version, before.get('101').version + 1, 'the change is one new version')
})

t.test('a WXR 1.1 export is read too', async (t) => {
  const ta = await makeApp(t)
  const xml = (await exportXml()).replaceAll('wordpress.org/export/1.2/', 'wordpress.org/export/1.1/').replace('<wp:wxr_version>1.2<', '<wp:wxr_version>1.1<')
  t.same((await importExport(ta, xml)).json().counts, { created: 10, updated: 0, unchanged: 0, skipped: 3 })
})

t.test('what is not a WordPress export answers a clear 4xx at once and changes nothing', async (t) => {
  const dir = await mediaDir(t)
  const ta = await makeApp(t, { MEDIA_DIR: dir, IMPORT_MAX_BYTES: '65536' })
  const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss><channel><wp:wxr_version>1.2</wp:wxr_version><item><title>&lol9;</title></item></channel></rss>`
  const cases: [string, string | Buffer, RegExp][] = [
    ['not XML', '{"posts": []}', /not well-formed XML/],
    ['an XML bomb', bomb, /DOCTYPE is not allowed/],
    ['another XML document', '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', /not <rss>/],
    ['an RSS feed', '<rss version="2.0"><channel><title>x</title><item><title>y</title></item></channel></rss>', /no <wp:wxr_version>/],
    ['a future version', (await exportXml()).replace('<wp:wxr_version>1.2<', '<wp:wxr_version>2.0<'), /version 2\.0 is not supported/],
    ['cut short', (await exportXml()).slice(0, 9_000), /not well-formed XML/],
    ['Latin-1', '<?xml version="1.0" encoding="ISO-8859-1"?><rss/>', /only UTF-8/],
  ]
  for (const [what, xml, detail] of cases) {
    const started = Date.now()
    const res = await importExport(ta, xml)
    t.equal(res.statusCode, 400, what)
    t.match(res.json(), { type: 'urn:cms:problem:validation', detail }, what)
    t.ok(Date.now() - started < 2_000, `${what} is answered at once`)
  }
  const empty = form([{ name: 'note', value: 'no file' }])
  t.equal((await ta.app.inject({ method: 'POST', url: '/v1/import/wordpress', headers: { ...auth(ta.admin), ...empty.headers }, payload: empty.payload })).statusCode, 400)
  t.equal((await ta.app.inject({ method: 'POST', url: '/v1/import/wordpress', headers: auth(ta.admin), payload: { file: 'x' } })).statusCode, 415)
  t.equal((await importExport(ta, await exportXml(), { token: ta.editor })).statusCode, 403, 'editors may not import WordPress')

  // 2 GB, as declared: refused before a byte of the body is read.
  const declared = await ta.app.inject({
    method: 'POST',
    url: '/v1/import/wordpress',
    headers: { ...auth(ta.admin), 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(2 * 1024 ** 3) },
    payload: '--x--',
  })
  t.equal(declared.statusCode, 413)
  t.equal(declared.headers.connection, 'close', 'the connection is closed rather than the rest read')
  // Undeclared (streamed) and over IMPORT_MAX_BYTES: cut off at the limit.
  const big = form([{ name: 'file', value: `<rss>${' '.repeat(200_000)}</rss>`, filename: 'big.xml' }])
  const streamed = await ta.app.inject({
    method: 'POST',
    url: '/v1/import/wordpress',
    headers: { ...auth(ta.admin), 'content-type': big.headers['content-type']!, 'transfer-encoding': 'chunked' },
    payload: Readable.from([big.payload.subarray(0, 100_000), big.payload.subarray(100_000)]),
  })
  t.equal(streamed.statusCode, 413)
  t.match(streamed.json().detail, /IMPORT_MAX_BYTES/)
  t.same(await readdir(join(dir, 'tmp')), [], 'no part of an export is left on disk')
  t.equal((await read(ta, '/v1/articles?limit=100')).data.length, 0, 'no article was made')
  t.equal((await read(ta, '/v1/media')).data.length, 0, 'no media item was made')
})

t.test('npm run import -- wordpress <export.xml> --uploads <folder>: picture bytes, progress and a summary', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cms-import-wp-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await mkdir(join(dir, 'uploads/2021/03'), { recursive: true })
  await writeFile(join(dir, 'uploads/2021/03/ferry-dawn.jpg'), await image('jpeg', { width: 64, height: 40, color: '#8899aa' }))
  const env = { DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media') }
  const run = async (args: string[]) => {
    let stdout = ''
    let stderr = ''
    const code = await main(args, { env, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } })
    return { code, stdout, stderr }
  }
  const first = await run(['wordpress', EXPORT, '--uploads', join(dir, 'uploads')])
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /WordPress import of .*: 13 items in [\d.]+ s \(CPU [\d.]+ s, peak memory \d+ MiB\)\n {2}created 10, updated 0, unchanged 0, skipped 3\n {2}comments: created 4, unchanged 0, skipped 2\n {2}warnings: .*media-without-file 1/)
  t.match(first.stdout, /skipped post 107: item-skipped: its status is "trash"/)
  t.match(first.stderr, /Importing: 0% \(1 of 13 items\)\n[^]*Importing: 100% \(13 of 13 items\)\n/)

  const db = openDatabase(env.DATABASE_PATH)
  const media = createMediaRepository(db).list({ limit: 10 }).data
  closeDatabase(db)
  const dawn = media.find((item) => item.filename === 'ferry-dawn.jpg')!
  t.match(dawn, { mimeType: 'image/jpeg', width: 64, height: 40, caption: 'The first ferry of the season leaves at dawn.', altText: 'A white ferry on grey water' })
  t.ok(dawn.size > 0, 'the featured image has its bytes, from the uploads folder')
  t.equal(media.find((item) => item.filename === 'pier-lamp.jpg')?.size, 0, 'a file missing from the folder: an item without bytes')

  const second = await run(['wordpress', EXPORT, '--uploads', join(dir, 'uploads')])
  t.match(second.stdout, /created 0, updated 0, unchanged 10, skipped 3/)
  t.equal((await run(['wordpress', join(dir, 'missing.xml')])).code, 1)
  t.equal((await run(['wordpress'])).code, 2, 'usage')
  const tooBig = await main(['wordpress', EXPORT], { env: { ...env, IMPORT_MAX_BYTES: '1000' }, stdout: { write: () => true }, stderr: { write: () => true } })
  t.equal(tooBig, 1, 'an export over IMPORT_MAX_BYTES is refused by its size')
})
