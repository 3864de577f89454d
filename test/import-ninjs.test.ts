// Importing ninjs, and the HTML-to-blocks converter it shares with the WordPress import: blocks
// and warnings, the schema's limits, the items of each ninjs version, re-imports by uri,
// malformed input, and the command line with picture bytes from local files.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import addFormatsImport from 'ajv-formats'
import fc from 'fast-check'
import t, { type Test } from 'tap'
import { sanitizeBlocks } from '../src/articles/normalize.js'
import { Block } from '../src/articles/schemas.js'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { BLOCK_LIMITS } from '../src/import/block-limits.js'
import { main } from '../src/import/cli.js'
import { type ConvertedBlock, htmlToBlocks } from '../src/import/html-to-blocks.js'
import { createMediaRepository } from '../src/media/repository.js'
import { image } from './fixtures/media.js'
import { auth, makeApp, type TestApp } from './helpers.js'

const FIXTURES = join(import.meta.dirname, 'fixtures/import')
const fixture = async (name: string) => JSON.parse(await readFile(join(FIXTURES, name), 'utf8'))

const ajv = new Ajv({ strict: false })
;(addFormatsImport as unknown as (ajv: Ajv) => Ajv)(ajv)
const validBlock = ajv.compile(Block)

/** The blocks with each media draft given an id, as the import does once it has the item. */
const asBody = (blocks: ConvertedBlock[]) => blocks.map((b) => (b.type === 'media' ? { type: 'media' as const, mediaId: 'm1', ...(b.caption ? { caption: b.caption } : {}) } : b))

/** Fails unless every block is one the API itself accepts, unchanged by the repository's sanitizer. */
function assertAcceptable(t: Test, blocks: ConvertedBlock[], what: string) {
  const body = asBody(blocks)
  for (const block of body) if (!validBlock(block)) t.fail(`${what}: ${JSON.stringify(block)} ${ajv.errorsText(validBlock.errors)}`)
  t.doesNotThrow(() => sanitizeBlocks(body), `${what}: the repository takes the body`)
}

t.test('paragraphs, headings, quotes, lists, figures with captions and inline markup become blocks', async (t) => {
  const { blocks, warnings } = htmlToBlocks(
    '<h1>Top</h1><p>One <b>bold</b>, <i>it</i>, <a href="https://example.org/x?a=1&amp;b=2">link</a>, H<sub>2</sub>O &amp; x<sup>2</sup><br>next</p>' +
      '<h3>Third</h3><h6>Deep</h6><blockquote><p>Said it.</p><p>Twice.</p><cite>A. Person</cite></blockquote>' +
      '<ol><li>first</li><li><strong>second</strong></li></ol>' +
      '<figure><img src="/pics/a.jpg" alt="Alt text"><figcaption>The <em>caption</em></figcaption></figure>' +
      '<div>Loose text in a div <span class="x">and a span</span></div><pre>line one\n  line two</pre>',
    { baseUrl: 'https://site.example/news/' },
  )
  t.same(blocks, [
    { type: 'heading', level: 2, text: 'Top' },
    { type: 'paragraph', text: 'One <b>bold</b>, <i>it</i>, <a href="https://example.org/x?a=1&amp;b=2">link</a>, H<sub>2</sub>O &amp; x<sup>2</sup><br>next' },
    { type: 'heading', level: 3, text: 'Third' },
    { type: 'heading', level: 4, text: 'Deep' },
    { type: 'quote', text: 'Said it.<br><br>Twice.', attribution: 'A. Person' },
    { type: 'list', style: 'numbered', items: ['first', '<strong>second</strong>'] },
    { type: 'media', ref: { kind: 'image', src: 'https://site.example/pics/a.jpg', alt: 'Alt text', attachmentId: null }, caption: 'The <em>caption</em>' },
    { type: 'paragraph', text: 'Loose text in a div and a span' },
    { type: 'paragraph', text: 'line one<br>  line two' },
  ])
  t.same(warnings, [])
  assertAcceptable(t, blocks, 'the mapped body')
})

t.test('what the block model cannot hold is left out with a warning, and no block is ever empty', async (t) => {
  const { blocks, warnings } = htmlToBlocks(
    '<p>Kept</p><table><tr><td>cell</td></tr></table><script>steal()</script><form><input name="q"></form>' +
      '<p>&nbsp;</p><p> <span> </span> </p><p><em></em><a href="https://x.example"></a></p><p>\u200b\u0007</p><ul><li> </li></ul>' +
      '<blockquote> </blockquote><h2> </h2><p><a href="javascript:alert(1)">link text</a> <img></p>' +
      '<ul><li>outer<ul><li>inner</li></ul></li></ul><iframe src="https://www.youtube.com/embed/abc"></iframe><iframe src="about:blank"></iframe>',
  )
  t.same(blocks, [
    { type: 'paragraph', text: 'Kept' },
    { type: 'paragraph', text: 'link text' },
    { type: 'list', style: 'bulleted', items: ['outer', 'inner'] },
    { type: 'embed', url: 'https://www.youtube.com/embed/abc', provider: 'YouTube' },
  ])
  t.same(warnings.map((w) => w.message.replace(/ left out.*/, '')).sort(), ['a <form>', 'a <iframe>', 'a <img>', 'a <script>', 'a <table>', 'the items of a nested list became items of the list around it'])
  t.match(warnings.find((w) => w.message.includes('<table>'))?.message, /no tables/)
  assertAcceptable(t, blocks, 'the cleaned body')
  // Element names are data, never keys into the converter's own tables.
  t.same(htmlToBlocks('<constructor>a</constructor> <tostring>b</tostring><valueof>c</valueof>'), { blocks: [{ type: 'paragraph', text: 'a bc' }], warnings: [], teaserEnd: null })
})

t.test('texts too long or too marked-up for a block are split or kept plain, and a body stops at its limit', async (t) => {
  const long = htmlToBlocks(`<p>${'word '.repeat(6_000)}</p><h2>${'h'.repeat(600)}</h2><ul><li>${'x '.repeat(3_000)}</li></ul>`)
  t.equal(long.blocks.filter((b) => b.type === 'paragraph').length, 3, 'a 30,000-character paragraph is two, the heading a third')
  t.ok(long.warnings.some((w) => w.kind === 'text-split'))
  assertAcceptable(t, long.blocks, 'long texts')

  const marked = htmlToBlocks(`<p>${'<b>x</b> '.repeat(300)}</p>`)
  t.same(marked.blocks, [{ type: 'paragraph', text: 'x '.repeat(300).trim() }], '600 tags in one field: plain text')
  t.equal(marked.warnings[0]?.kind, 'markup-dropped')

  const many = htmlToBlocks('<p>p</p>'.repeat(2_050))
  t.equal(many.blocks.length, BLOCK_LIMITS.blocks)
  t.equal(many.warnings[0]?.kind, 'body-truncated')

  // The limits the converter keeps are the ones the articles' schema states.
  const shapes = Object.fromEntries((Block as unknown as { oneOf: { properties: Record<string, any> }[] }).oneOf.map((s) => [s.properties.type.const, s.properties]))
  t.equal(shapes.paragraph.text.maxLength, BLOCK_LIMITS.paragraph)
  t.equal(shapes.heading.text.maxLength, BLOCK_LIMITS.heading)
  t.equal(shapes.quote.text.maxLength, BLOCK_LIMITS.quote)
  t.equal(shapes.quote.attribution.maxLength, BLOCK_LIMITS.attribution)
  t.equal(shapes.list.items.items.maxLength, BLOCK_LIMITS.item)
  t.equal(shapes.list.items.maxItems, BLOCK_LIMITS.items)
  t.equal(shapes.media.caption.maxLength, BLOCK_LIMITS.caption)
  t.equal(shapes.embed.provider.maxLength, BLOCK_LIMITS.provider)
})

t.test('markup nested deep or in bulk is refused before it is parsed, at once', async (t) => {
  const started = Date.now()
  t.throws(() => htmlToBlocks(`${'<div>'.repeat(200_000)}deep`), { message: /more than 20000 tags/ })
  t.ok(Date.now() - started < 500, 'no time is spent parsing it')
  const deep = htmlToBlocks(`${'<div><span>'.repeat(5_000)}deep`)
  t.same(deep.blocks, [], 'markup nested past 64 levels is left out…')
  t.match(deep.warnings, [{ kind: 'element-dropped', message: /nested more than 64 levels/ }], '…with a warning')
})

t.test('any HTML at all converts to blocks the API accepts (property)', async (t) => {
  const piece = fc.oneof(
    fc.constantFrom('<p>', '</p>', '<li>', '<ul>', '</ul>', '<ol>', '<blockquote>', '</blockquote>', '<cite>', '<figure>', '</figure>', '<figcaption>', '<h2>', '</h2>', '<b>', '</b>', '<a href="https://e.example/?q=1&amp;r">', '</a>', '<br>', '<img src="/a.jpg">', '<table><td>', '<script>', '<pre>', '\n\n', '&nbsp;', '&lt;b&gt;', '\u200b', '\u0000'),
    fc.string({ maxLength: 12 }),
  )
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.boolean(), (pieces, lineBreaks) => {
      const { blocks } = htmlToBlocks(pieces.join(''), { lineBreaks })
      const body = asBody(blocks)
      return body.every((block) => validBlock(block)) && sanitizeBlocks(body).length === body.length
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 100) },
  )
})

const importNinjs = (ta: TestApp, payload: unknown, query = '', token = ta.editor) =>
  ta.app.inject({ method: 'POST', url: `/v1/import/ninjs${query}`, headers: auth(token), payload: payload as object })

const read = async (ta: TestApp, url: string) => (await ta.app.inject({ url, headers: auth(ta.editor) })).json()

t.test('a wire text (ninjs 2.x) becomes a draft article; its picture a media item with every rights field', async (t) => {
  const ta = await makeApp(t)
  const res = await importNinjs(ta, await fixture('wire-text-2x.json'))
  t.equal(res.statusCode, 200)
  const [result] = res.json().data
  t.match(result, { uri: 'urn:newsml:wire.example:2026:harbour-storm', action: 'created', articleId: String })
  t.match(result.warnings, [/^media-without-file: .*never fetch/, /^element-dropped: a <table>/, /^element-dropped: a <script>/])
  const article = await read(ta, `/v1/articles/${result.articleId}`)
  t.match(article, {
    title: 'Harbour reopens as the storm moves north',
    subtitle: 'Ferries sail again on the morning tide',
    summary: 'Port officials lifted the closure after a night of gale-force winds.',
    status: 'draft',
    authors: ['Ana Ruiz', 'Tomas Lindqvist'],
    sources: ['Coastline Wire'],
    tags: ['Weather', 'Maritime transport'],
    locale: 'en-GB',
    externalId: 'urn:newsml:wire.example:2026:harbour-storm',
    slug: 'harbour-reopens-as-the-storm-moves-north',
  })
  t.same(article.body.map((b: { type: string }) => b.type), ['paragraph', 'heading', 'paragraph', 'media', 'quote', 'list', 'paragraph'])
  t.equal(article.body[3].mediaId, article.leadMediaId, 'the figure is the associated picture, which is also the lead')
  t.equal(article.body[3].caption, 'Waves broke over the outer wall overnight.')
  t.match(article.leadMedia, {
    kind: 'image',
    mimeType: 'image/jpeg',
    filename: 'breakwater-1600.jpg',
    size: 0,
    width: 1600,
    height: 1067,
    caption: 'Waves break over the breakwater at Porth Elin on Monday night.',
    credit: 'Coastline Wire',
    creator: 'Rhys Morgan',
    copyright: '© 2026 Coastline Wire',
    usageTerms: 'Editorial use only. No sales.',
    altText: 'White spray over a stone harbour wall at night',
  })
  const file = await ta.app.inject(new URL(article.leadMedia.url).pathname)
  t.equal(file.statusCode, 404, 'a media item imported without bytes has no file to serve')
})

t.test('re-importing a uri: unchanged at the same version, a new revision when newer; canceled unpublishes', async (t) => {
  const ta = await makeApp(t)
  const item = await fixture('wire-text-2x.json')
  const first = (await importNinjs(ta, item, '?publish=true')).json().data[0]
  t.equal(first.action, 'created')
  const id = first.articleId
  t.equal((await read(ta, `/v1/articles/${id}`)).status, 'published')
  const revisions = async () => (await read(ta, `/v1/articles/${id}/revisions`)).data.length

  const again = (await importNinjs(ta, { ...item, headlines: [{ value: 'A change at the same version' }] }, '?publish=true')).json().data[0]
  t.match(again, { action: 'unchanged', articleId: id })
  t.equal(await revisions(), 2, 'nothing was written')
  const media = await read(ta, '/v1/media')
  t.equal(media.data.length, 1, 'the picture was not made twice')

  const newer = { ...item, version: '2', headlines: [{ value: 'Harbour reopens; breakwater to be repaired' }] }
  t.match((await importNinjs(ta, newer, '?publish=true')).json().data[0], { action: 'updated', articleId: id })
  const updated = await read(ta, `/v1/articles/${id}`)
  t.match(updated, { title: 'Harbour reopens; breakwater to be repaired', status: 'published' })
  t.equal(await revisions(), 3, 'the update is a revision')

  const canceled = (await importNinjs(ta, await fixture('canceled.json'))).json().data[0]
  t.match(canceled, { action: 'updated', articleId: id })
  t.equal((await read(ta, `/v1/articles/${id}`)).status, 'draft', 'a canceled item takes the story down')
  t.equal((await ta.app.inject(`/v1/articles/${id}`)).statusCode, 404, 'readers no longer see it')
  t.match((await importNinjs(ta, await fixture('canceled.json'))).json().data[0], { action: 'unchanged' })

  const unknown = (await importNinjs(ta, { ...(await fixture('canceled.json')), uri: 'urn:never:seen' })).json().data[0]
  t.match(unknown, { action: 'skipped', articleId: null, warnings: [/withdraws a story that was never imported/] })
})

t.test('ninjs 3.x (camelCase), a 1.x text and a 1.x picture; ?publish=true and embargoes', async (t) => {
  const ta = await makeApp(t)
  const res = await importNinjs(ta, [await fixture('item-3x.json'), await fixture('wire-picture-1x.json'), await fixture('text-1x.json')], '?publish=true')
  const [rail, picture, keeper] = res.json().data
  t.match(rail, { action: 'created' })
  const article = await read(ta, `/v1/articles/${rail.articleId}`)
  t.match(article, {
    title: "Rail unions call off Friday's strike",
    summary: 'Talks at the conciliation service ended shortly after midnight.',
    status: 'published',
    locale: 'cy',
    sources: ['Valley Press Agency'],
    authors: ['Staff reporter'],
    tags: ['Industrial action', 'rail'],
  })
  t.same(article.body.map((b: { type: string }) => b.type), ['paragraph', 'heading', 'list', 'paragraph'])
  t.match(article.leadMedia, { creator: 'Owain Rees', copyright: '© 2026 Valley Press Agency / Owain Rees', usageTerms: 'Editorial use only; credit required.', width: 2000 })

  t.match(picture, { action: 'created', articleId: null, mediaId: String })
  const item = await read(ta, `/v1/media/${picture.mediaId}`)
  t.match(item, {
    caption: 'Keeper Idris Hale checks the lamp of the Trwyn light after the storm.',
    credit: 'Coastline Wire / Mari Jones',
    creator: 'Mari Jones',
    copyright: '© 2026 Coastline Wire / Mari Jones',
    usageTerms: 'Editorial use only.',
    filename: 'lighthouse.jpg',
  })
  const story = await read(ta, `/v1/articles/${keeper.articleId}`)
  t.match(story, { subtitle: 'Idris Hale has climbed the 94 steps every night for 31 years', tags: ['People'], leadMediaId: picture.mediaId })
  t.same(story.body.map((b: { type: string; mediaId?: string }) => b.mediaId ?? b.type), ['paragraph', picture.mediaId, 'paragraph'], 'the body picture is the same media item')

  const later = new Date(Date.now() + 3_600_000).toISOString()
  const embargoed = (await importNinjs(ta, { ...(await fixture('item-3x.json')), uri: 'urn:embargoed', embargoedUntil: later }, '?publish=true')).json().data[0]
  t.match(await read(ta, `/v1/articles/${embargoed.articleId}`), { status: 'scheduled', scheduledAt: later })
})

t.test('input that is not ninjs answers a clear 4xx and changes nothing; a bad item is skipped alone', async (t) => {
  const ta = await makeApp(t)
  const post = (payload: string, headers: Record<string, string> = {}) =>
    ta.app.inject({ method: 'POST', url: '/v1/import/ninjs', headers: { ...auth(ta.editor), 'content-type': 'application/json', ...headers }, payload })
  const notJson = await post('{"uri": ')
  t.equal(notJson.statusCode, 400)
  t.equal(notJson.headers['content-type'], 'application/problem+json; charset=utf-8')
  for (const payload of ['{}', '[]', '[1, 2]', '"a story"', '{"headline": "no uri"}', '[{"uri": "urn:a"}, {"uri": 5}]']) {
    const res = await post(payload)
    t.equal(res.statusCode, 400, payload)
    t.match(res.json().detail, /body/, payload)
  }
  t.equal((await post('<ninjs/>', { 'content-type': 'application/xml' })).statusCode, 415)
  const huge = await post('[]', { 'content-length': String(2 * 1024 ** 3) })
  t.equal(huge.statusCode, 413, 'a declared 2 GB body is refused before it is read')
  t.equal((await importNinjs(ta, { uri: 'urn:x' }, '', ta.moderator)).statusCode, 403)
  t.equal((await ta.app.inject({ method: 'POST', url: '/v1/import/ninjs', payload: { uri: 'urn:x' } })).statusCode, 401)
  t.equal((await read(ta, '/v1/articles?status=draft')).data.length, 0, 'no article was made')
  t.equal((await read(ta, '/v1/media')).data.length, 0, 'no media item was made')

  const mixed = await importNinjs(ta, [await fixture('item-3x.json'), { uri: 'urn:no-headline', type: 'text', bodies: [{ value: '<p>x</p>' }] }, { uri: 'urn:event', type: 'event' }])
  t.match(mixed.json().data, [
    { action: 'created' },
    { uri: 'urn:no-headline', action: 'skipped', warnings: ['item-skipped: it has no headline'] },
    { uri: 'urn:event', action: 'skipped', warnings: [/type "event"/] },
  ])
})

t.test('npm run import -- ninjs <folder>: picture bytes from local files, a summary, and a second run changes nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cms-import-ninjs-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const wire = join(dir, 'wire')
  await mkdir(join(wire, 'monday'), { recursive: true })
  await copyFile(join(FIXTURES, 'wire-picture-1x.json'), join(wire, 'monday', 'picture.json'))
  await copyFile(join(FIXTURES, 'text-1x.json'), join(wire, 'monday', 'story.json'))
  await writeFile(join(wire, 'monday', 'lighthouse.jpg'), await image('jpeg', { width: 64, height: 48 }))
  await writeFile(join(wire, 'broken.json'), '{ not json')
  const env = { DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media') }
  const run = async () => {
    let stdout = ''
    let stderr = ''
    const code = await main(['ninjs', wire], { env, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } })
    return { code, stdout, stderr }
  }
  const first = await run()
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /ninjs import of .*: 3 items in [\d.]+ s/)
  t.match(first.stdout, /created 2, updated 0, unchanged 0, skipped 1/)
  t.match(first.stdout, /skipped broken\.json: item-skipped: the file is not JSON/)
  t.match(first.stderr, /Importing: 100% \(3 of 3 items\)/, 'a plain progress line when the output is not a terminal')

  const db = openDatabase(env.DATABASE_PATH)
  const media = createMediaRepository(db).list({ limit: 10 }).data
  closeDatabase(db)
  t.equal(media.length, 1, 'the story and the picture item share the picture')
  t.match(media[0], { mimeType: 'image/jpeg', width: 64, height: 48, creator: 'Mari Jones', credit: 'Coastline Wire / Mari Jones' })
  t.ok(media[0]!.size > 0, 'its bytes were read from the file beside the item')

  const second = await run()
  t.match(second.stdout, /created 0, updated 0, unchanged 2, skipped 1/)
})
