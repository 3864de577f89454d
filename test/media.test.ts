// Media through the API: upload and sniffing, embedded metadata, dedup on disk, delete rules,
// editing, the file URL (ETag, 304, Range, renditions) and media embedded in articles.
import { createHash } from 'node:crypto'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { auth, createArticle, makeApp, type TestApp, type TestContext, testConfig } from './helpers.js'
import { type FormPart, form, iimDataset, image, mediaDir, mp4, UTF8_DECLARATION, webm, withIptc, xmpPacket } from './fixtures/media.js'

interface MediaApp extends TestApp {
  dir: string
}

async function mediaApp(t: TestContext, env: Record<string, string> = {}): Promise<MediaApp> {
  const dir = await mediaDir(t)
  return { ...(await makeApp(t, { MEDIA_DIR: dir, ...env })), dir }
}

function post(ta: TestApp, parts: FormPart[], token: string | null = ta.editor) {
  const body = form(parts)
  return ta.app.inject({ method: 'POST', url: '/v1/media', headers: { ...(token ? auth(token) : {}), ...body.headers }, payload: body.payload })
}

/** Uploads `bytes` as the `file` part with the given text fields; expects 201. */
async function upload(ta: TestApp, bytes: Buffer, fields: Record<string, string> = {}, filename = 'photo.jpg'): Promise<any> {
  const res = await post(ta, [{ name: 'file', value: bytes, filename, contentType: 'application/octet-stream' }, ...Object.entries(fields).map(([name, value]) => ({ name, value }))])
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`)
  return res.json()
}

const fileUrl = (item: { url: string }, query = '') => `${new URL(item.url).pathname}${query}`

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

t.test('uploads JPEG, PNG, WebP, AVIF and GIF with their type and size read from the bytes', async (t) => {
  const ta = await mediaApp(t)
  for (const format of ['jpeg', 'png', 'webp', 'avif', 'gif'] as const) {
    const bytes = await image(format, { width: 120, height: 80 })
    // The name and the part's header both lie; neither counts.
    const res = await post(ta, [{ name: 'file', value: bytes, filename: 'picture.gif', contentType: 'text/plain' }])
    t.equal(res.statusCode, 201, format)
    const item = res.json()
    t.match(item, { kind: 'image', mimeType: `image/${format}`, width: 120, height: 80, size: bytes.length, version: 1 })
    t.equal(item.filename, format === 'gif' ? 'picture.gif' : `picture.gif.${format === 'jpeg' ? 'jpg' : format}`)
    t.equal(res.headers.location, `http://localhost:80/v1/media/${item.id}`)
    t.equal(item.url, `http://localhost:80/v1/media/${item.id}/file`)
    const file = await ta.app.inject(fileUrl(item))
    t.equal(file.statusCode, 200)
    t.equal(file.headers['content-type'], `image/${format}`)
    t.same(file.rawPayload, bytes, 'the original bytes come back unchanged')
  }
})

t.test('video and audio containers and PDFs are accepted; the video size comes from the container', async (t) => {
  const ta = await mediaApp(t)
  const video = await upload(ta, mp4(1920, 1080), {}, 'clip.mp4')
  t.match(video, { kind: 'video', mimeType: 'video/mp4', width: 1920, height: 1080, filename: 'clip.mp4' })
  const portrait = await upload(ta, mp4(1920, 1080, { quarterTurn: true }), {}, 'phone.mp4')
  t.match(portrait, { width: 1080, height: 1920 }, 'a rotated track is reported as shown')
  const web = await upload(ta, webm(640, 360), {}, 'clip.webm')
  t.match(web, { kind: 'video', mimeType: 'video/webm', width: 640, height: 360 })
  const pdf = await upload(ta, Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'), {}, 'report.pdf')
  t.match(pdf, { kind: 'document', mimeType: 'application/pdf', width: null, height: null })
  const rendition = await ta.app.inject(fileUrl(pdf, '?width=100'))
  t.equal(rendition.statusCode, 400, 'renditions are for images only')
})

t.test('a text file dressed up as a JPEG is refused with 415, and nothing is kept', async (t) => {
  const ta = await mediaApp(t)
  const res = await post(ta, [{ name: 'file', value: 'just some words, not a picture\n'.repeat(20), filename: 'holiday.jpg', contentType: 'image/jpeg' }])
  t.equal(res.statusCode, 415)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json().detail, /no recognised type/)
  const zip = await post(ta, [{ name: 'file', value: Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(200)]), filename: 'a.jpg' }])
  t.equal(zip.statusCode, 415, 'a known type that is not allowed')
  const broken = await post(ta, [{ name: 'file', value: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 1)]), filename: 'cut.jpg' }])
  t.equal(broken.statusCode, 415, 'JPEG magic bytes with no image behind them')
  t.same(await filesUnder(ta.dir), [], 'no temp file or original left behind')
  const list = await ta.app.inject({ url: '/v1/media', headers: auth(ta.editor) })
  t.same(list.json().data, [])
})

t.test('an upload over MAX_UPLOAD_BYTES is 413 and leaves no file or row behind', async (t) => {
  const ta = await mediaApp(t, { MAX_UPLOAD_BYTES: '4096' })
  const big = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer()
  t.ok(big.length > 4096)
  const res = await post(ta, [{ name: 'caption', value: 'Too big' }, { name: 'file', value: big, filename: 'big.png' }])
  t.equal(res.statusCode, 413)
  t.match(res.json(), { type: 'urn:cms:problem:payload-too-large', detail: /4 KiB/ })
  t.same(await filesUnder(ta.dir), [])
  t.same((await ta.app.inject({ url: '/v1/media', headers: auth(ta.editor) })).json().data, [])
  const small = await upload(ta, await image('png', { width: 8, height: 8 }))
  t.equal(small.kind, 'image', 'a file within the limit still goes through')
})

t.test('an image with too many pixels is refused at upload', async (t) => {
  const ta = await mediaApp(t)
  // A PNG header declaring 20000 × 20000 pixels: the header alone is read, never the pixels.
  const header = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer()
  const bomb = Buffer.from(header)
  bomb.writeUInt32BE(20000, 16)
  bomb.writeUInt32BE(20000, 20)
  const res = await post(ta, [{ name: 'file', value: bomb, filename: 'bomb.png' }])
  t.equal(res.statusCode, 413)
  t.match(res.json().detail, /20000 × 20000 pixels/)
  t.same(await filesUnder(ta.dir), [])
})

t.test('bad forms are 400s, a JSON body 415, and the roles are checked first', async (t) => {
  const ta = await mediaApp(t)
  const bytes = await image('png')
  const cases: [string, FormPart[], RegExp][] = [
    ['no file', [{ name: 'caption', value: 'Alone' }], /body\.file is required/],
    ['a typo field', [{ name: 'file', value: bytes, filename: 'a.png' }, { name: 'captoin', value: 'x' }], /body\.captoin is not an allowed field/],
    ['two files', [{ name: 'file', value: bytes, filename: 'a.png' }, { name: 'file', value: bytes, filename: 'b.png' }], /body\.file must be sent once/],
    ['a field sent twice', [{ name: 'credit', value: 'a' }, { name: 'credit', value: 'b' }, { name: 'file', value: bytes, filename: 'a.png' }], /body\.credit must be sent once/],
    ['file as text', [{ name: 'file', value: 'hello' }], /must be a file part/],
    ['an empty file', [{ name: 'file', value: Buffer.alloc(0), filename: 'a.png' }], /body\.file is empty/],
    ['a credit too long', [{ name: 'credit', value: 'x'.repeat(501) }, { name: 'file', value: bytes, filename: 'a.png' }], /body\.credit must NOT have more than 500/],
  ]
  for (const [name, parts, detail] of cases) {
    const res = await post(ta, parts)
    t.equal(res.statusCode, 400, name)
    t.match(res.json().detail, detail, name)
  }
  const asJson = await ta.app.inject({ method: 'POST', url: '/v1/media', headers: auth(ta.editor), payload: { file: 'x' } })
  t.equal(asJson.statusCode, 415)
  const raw = await ta.app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(ta.editor), 'content-type': 'image/png' }, payload: bytes })
  t.equal(raw.statusCode, 415, 'a bare image body')
  const noBoundary = await ta.app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(ta.editor), 'content-type': 'multipart/form-data' }, payload: 'x' })
  t.equal(noBoundary.statusCode, 400, 'multipart without a boundary')
  const valid = form([{ name: 'file', value: bytes, filename: 'a.png' }])
  const cut = await ta.app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(ta.editor), ...valid.headers }, payload: valid.payload.subarray(0, valid.payload.length - 60) })
  t.equal(cut.statusCode, 400, 'a body cut off mid-file')
  t.match(cut.json().detail, /multipart body/)
  t.equal((await post(ta, [{ name: 'file', value: bytes, filename: 'a.png' }], null)).statusCode, 401)
  t.equal((await post(ta, [{ name: 'file', value: bytes, filename: 'a.png' }], ta.moderator)).statusCode, 403)
  t.equal((await post(ta, [{ name: 'file', value: bytes, filename: 'a.png' }], ta.admin)).statusCode, 201, 'admins may')
  t.same(await filesUnder(join(ta.dir, 'tmp')), [], 'no temp files after refused forms')
})

t.test('caption, credit, creator, copyright, usage terms and alt text come from XMP', async (t) => {
  const ta = await mediaApp(t)
  const xmp = xmpPacket(
    {
      caption: 'Firefighters & volunteers <clear> the road',
      credit: 'Wire Agency / Pool',
      creators: ['Ana Lucía Pérez', 'Jo Smith'],
      copyright: '© 2026 Wire Agency',
      usageTerms: 'Editorial use only. No archiving.',
      altText: 'Three people in helmets drag branches off a wet road.',
    },
    'iptc',
  )
  for (const format of ['jpeg', 'png', 'webp'] as const) {
    const item = await upload(ta, await image(format, { xmp }))
    t.match(
      item,
      {
        caption: 'Firefighters & volunteers <clear> the road',
        credit: 'Wire Agency / Pool',
        creator: 'Ana Lucía Pérez, Jo Smith',
        copyright: '© 2026 Wire Agency',
        usageTerms: 'Editorial use only. No archiving.',
        altText: 'Three people in helmets drag branches off a wet road.',
      },
      format,
    )
  }
})

t.test('IPTC IIM declared UTF-8 is read as UTF-8; explicit fields win over it', async (t) => {
  const ta = await mediaApp(t)
  const iim = Buffer.concat([
    UTF8_DECLARATION,
    iimDataset(2, 0, Buffer.from([0, 4])),
    iimDataset(2, 120, 'Lluvias en Ciudad de México'),
    iimDataset(2, 110, 'Agência Ñandú'),
    iimDataset(2, 80, 'Zoë Ångström'),
    iimDataset(2, 116, '© Agência Ñandú'),
  ])
  const jpeg = withIptc(await image('jpeg'), iim)
  const item = await upload(ta, jpeg)
  t.match(item, { caption: 'Lluvias en Ciudad de México', credit: 'Agência Ñandú', creator: 'Zoë Ångström', copyright: '© Agência Ñandú' })

  const explicit = await upload(ta, jpeg, { caption: 'Rain over the capital', credit: '  ' })
  t.equal(explicit.caption, 'Rain over the capital', 'a given field wins')
  t.equal(explicit.credit, 'Agência Ñandú', 'a blank field counts as not given')
  t.equal(explicit.sha256, item.sha256)
  t.not(explicit.id, item.id, 'the same bytes twice are two items')

  // XMP and IIM together: XMP wins per field, IIM fills the rest.
  const both = withIptc(await image('jpeg', { xmp: xmpPacket({ caption: 'From XMP' }) }), iim)
  t.match(await upload(ta, both), { caption: 'From XMP', credit: 'Agência Ñandú' })
})

t.test('IPTC IIM without a declaration: Latin-1 bytes are still read right', async (t) => {
  const ta = await mediaApp(t)
  const iim = iimDataset(2, 120, 'Ciudad de México', 'latin1')
  const item = await upload(ta, withIptc(await image('jpeg'), iim))
  t.equal(item.caption, 'Ciudad de México')
})

t.test('the same bytes are stored once; deleting one item keeps them for the other', async (t) => {
  const ta = await mediaApp(t)
  const bytes = await image('jpeg', { color: '#aa0000' })
  const first = await upload(ta, bytes, { caption: 'First use' })
  const second = await upload(ta, bytes, { caption: 'Second use' })
  t.equal(first.sha256, second.sha256)
  t.not(first.caption, second.caption, 'each upload keeps its own text')
  const originals = () => filesUnder(join(ta.dir, 'originals'))
  t.same((await originals()).map((f) => f.split('/').pop()), [first.sha256], 'one file on disk, named by its hash')

  // A rendition of the shared bytes, to check it goes with them.
  t.equal((await ta.app.inject(fileUrl(first, '?width=10'))).statusCode, 200)
  t.equal((await filesUnder(join(ta.dir, 'renditions'))).length, 1)

  t.equal((await ta.app.inject({ method: 'DELETE', url: `/v1/media/${first.id}`, headers: auth(ta.editor) })).statusCode, 204)
  t.equal((await originals()).length, 1, 'the other item still uses the bytes')
  const stillThere = await ta.app.inject(fileUrl(second))
  t.equal(stillThere.statusCode, 200)
  t.same(stillThere.rawPayload, bytes)
  t.equal((await ta.app.inject(fileUrl(first))).statusCode, 404)

  t.equal((await ta.app.inject({ method: 'DELETE', url: `/v1/media/${second.id}`, headers: auth(ta.editor) })).statusCode, 204)
  t.same(await filesUnder(ta.dir), [], 'the last user gone, the bytes and renditions go too')
  t.equal((await ta.app.inject({ method: 'DELETE', url: `/v1/media/${second.id}`, headers: auth(ta.editor) })).statusCode, 404)
})

t.test('media in use by an article cannot be deleted (409), as lead or in a block', async (t) => {
  const ta = await mediaApp(t)
  const lead = await upload(ta, await image('jpeg', { color: '#111111' }))
  const inBlock = await upload(ta, await image('jpeg', { color: '#222222' }))
  const article = await createArticle(ta, { leadMediaId: lead.id, body: [{ type: 'media', mediaId: inBlock.id }] })
  for (const item of [lead, inBlock]) {
    const res = await ta.app.inject({ method: 'DELETE', url: `/v1/media/${item.id}`, headers: auth(ta.editor) })
    t.equal(res.statusCode, 409)
    t.match(res.json().detail, article.id)
    t.equal((await ta.app.inject(fileUrl(item))).statusCode, 200, 'the bytes stay')
  }
  // Once the article lets go, the delete goes through.
  const patched = await ta.app.inject({ method: 'PATCH', url: `/v1/articles/${article.id}`, headers: auth(ta.editor), payload: { leadMediaId: null, body: [] } })
  t.equal(patched.statusCode, 200)
  t.equal((await ta.app.inject({ method: 'DELETE', url: `/v1/media/${lead.id}`, headers: auth(ta.editor) })).statusCode, 204)
  t.equal((await ta.app.inject({ method: 'DELETE', url: `/v1/media/${inBlock.id}`, headers: auth(ta.editor) })).statusCode, 204)
})

t.test('PATCH changes the text fields and bumps the version; the file stays', async (t) => {
  const ta = await mediaApp(t)
  const item = await upload(ta, await image('png'), { caption: 'Old caption', credit: 'Staff' })
  const res = await ta.app.inject({
    method: 'PATCH',
    url: `/v1/media/${item.id}`,
    headers: auth(ta.editor),
    payload: { caption: '  Corrected: the bridge is in Porto \u0007 ', altText: 'A bridge at dusk' },
  })
  t.equal(res.statusCode, 200)
  const changed = res.json()
  t.match(changed, { caption: 'Corrected: the bridge is in Porto', altText: 'A bridge at dusk', credit: 'Staff', version: 2, sha256: item.sha256 })
  t.ok(changed.updatedAt >= item.updatedAt)
  const same = await ta.app.inject({ method: 'PATCH', url: `/v1/media/${item.id}`, headers: auth(ta.editor), payload: { credit: 'Staff' } })
  t.equal(same.json().version, 2, 'no change, no new version')
  const read = await ta.app.inject({ url: `/v1/media/${item.id}`, headers: auth(ta.editor) })
  t.same(read.json(), changed)

  const bad: [unknown, number][] = [
    [{ capton: 'typo' }, 400],
    [{}, 400],
    [{ caption: 5 }, 400],
    [{ credit: 'x'.repeat(501) }, 400],
    [{ sha256: 'a'.repeat(64) }, 400],
  ]
  for (const [payload, status] of bad) {
    const r = await ta.app.inject({ method: 'PATCH', url: `/v1/media/${item.id}`, headers: auth(ta.editor), payload: payload as object })
    t.equal(r.statusCode, status, JSON.stringify(payload))
  }
  t.equal((await ta.app.inject({ method: 'PATCH', url: '/v1/media/nope', headers: auth(ta.editor), payload: { caption: 'x' } })).statusCode, 404)
  t.equal((await ta.app.inject({ method: 'PATCH', url: `/v1/media/${item.id}`, headers: auth(ta.moderator), payload: { caption: 'x' } })).statusCode, 403)
  t.equal((await ta.app.inject({ method: 'PATCH', url: `/v1/media/${item.id}`, payload: { caption: 'x' } })).statusCode, 401)
})

t.test('listing and reading media is for editors; pages of the list cover every item once', async (t) => {
  const ta = await mediaApp(t)
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push((await upload(ta, await image('png', { color: `#0000${(i * 40).toString(16).padStart(2, '0')}` }))).id)
  const video = await upload(ta, mp4(320, 240), {}, 'v.mp4')
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const res: { statusCode: number; json(): any } = await ta.app.inject({ url: `/v1/media?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: auth(ta.editor) })
    t.equal(res.statusCode, 200)
    const page: { data: { id: string }[]; nextCursor: string | null } = res.json()
    seen.push(...page.data.map((m: { id: string }) => m.id))
    cursor = page.nextCursor
  } while (cursor)
  t.same([...seen].sort(), [...ids, video.id].sort())
  t.equal(seen[0], video.id, 'newest first')
  const videos = await ta.app.inject({ url: '/v1/media?kind=video', headers: auth(ta.editor) })
  t.same(videos.json().data.map((m: { id: string }) => m.id), [video.id])
  const bySha = await ta.app.inject({ url: `/v1/media?sha256=${video.sha256}`, headers: auth(ta.editor) })
  t.equal(bySha.json().data.length, 1)
  t.equal((await ta.app.inject({ url: '/v1/media?kind=sound', headers: auth(ta.editor) })).statusCode, 400)
  t.equal((await ta.app.inject({ url: '/v1/media?cursor=garbage', headers: auth(ta.editor) })).statusCode, 400)
  t.equal((await ta.app.inject({ url: '/v1/media?limit=101', headers: auth(ta.editor) })).statusCode, 400)
  t.equal((await ta.app.inject('/v1/media')).statusCode, 401)
  t.equal((await ta.app.inject({ url: '/v1/media', headers: auth(ta.moderator) })).statusCode, 403)
  t.equal((await ta.app.inject(`/v1/media/${ids[0]}`)).statusCode, 401)
  t.equal((await ta.app.inject({ url: '/v1/media/unknown', headers: auth(ta.editor) })).statusCode, 404)
  t.equal((await ta.app.inject(`/v1/media/${ids[0]}/file`)).statusCode, 200, 'the bytes are public')
})

t.test('the file URL: strong ETag, 304, Range with 206 and 416, a year of immutable caching', async (t) => {
  const ta = await mediaApp(t)
  const bytes = await image('jpeg', { width: 200, height: 100 })
  const item = await upload(ta, bytes, {}, 'Straße am Fluss.jpg')
  const full = await ta.app.inject(fileUrl(item))
  t.equal(full.headers.etag, `"${item.sha256}"`)
  t.equal(full.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.equal(full.headers['accept-ranges'], 'bytes')
  t.equal(full.headers['content-length'], String(bytes.length))
  t.equal(full.headers['x-content-type-options'], 'nosniff')
  t.match(full.headers['content-disposition'], /filename\*=UTF-8''Stra%C3%9Fe%20am%20Fluss\.jpg/)

  const notModified = await ta.app.inject({ url: fileUrl(item), headers: { 'if-none-match': `W/"x", "${item.sha256}"` } })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.rawPayload.length, 0)
  t.equal(notModified.headers.etag, `"${item.sha256}"`)
  t.equal((await ta.app.inject({ url: fileUrl(item), headers: { 'if-none-match': '"other"' } })).statusCode, 200)

  const part = await ta.app.inject({ url: fileUrl(item), headers: { range: 'bytes=10-19' } })
  t.equal(part.statusCode, 206)
  t.equal(part.headers['content-range'], `bytes 10-19/${bytes.length}`)
  t.same(part.rawPayload, bytes.subarray(10, 20))
  const tail = await ta.app.inject({ url: fileUrl(item), headers: { range: 'bytes=-5' } })
  t.same(tail.rawPayload, bytes.subarray(bytes.length - 5))
  const open = await ta.app.inject({ url: fileUrl(item), headers: { range: `bytes=${bytes.length - 3}-` } })
  t.equal(open.headers['content-range'], `bytes ${bytes.length - 3}-${bytes.length - 1}/${bytes.length}`)
  const beyond = await ta.app.inject({ url: fileUrl(item), headers: { range: `bytes=${bytes.length}-` } })
  t.equal(beyond.statusCode, 416)
  t.equal(beyond.headers['content-range'], `bytes */${bytes.length}`)
  t.match(beyond.headers['content-type'], /^application\/problem\+json/)
  const staleIfRange = await ta.app.inject({ url: fileUrl(item), headers: { range: 'bytes=0-9', 'if-range': '"old"' } })
  t.equal(staleIfRange.statusCode, 200, 'If-Range with another ETag gets the whole file')
  const nonsense = await ta.app.inject({ url: fileUrl(item), headers: { range: 'lines=1-2' } })
  t.equal(nonsense.statusCode, 200, 'a Range that does not parse is ignored')

  const head = await ta.app.inject({ method: 'HEAD', url: fileUrl(item) })
  t.equal(head.statusCode, 200)
  t.equal(head.headers['content-length'], String(bytes.length))
  t.equal(head.rawPayload.length, 0)
  t.equal((await ta.app.inject('/v1/media/unknown/file')).statusCode, 404)
})

t.test('renditions have the size of the ladder step asked for and the format, are made once, and are bounded', async (t) => {
  const ta = await mediaApp(t)
  const item = await upload(ta, await image('jpeg', { width: 800, height: 600 }))
  // The default ladder: 160, 320, 640, 960, 1280, 1920, 2560.
  const cases: [string, { width: number; height: number; format: string; mime: string }][] = [
    ['?width=200', { width: 320, height: 240, format: 'jpeg', mime: 'image/jpeg' }],
    ['?height=60&format=webp', { width: 213, height: 160, format: 'webp', mime: 'image/webp' }],
    ['?width=100&height=100&format=png', { width: 160, height: 160, format: 'png', mime: 'image/png' }],
    ['?width=120&format=avif', { width: 160, height: 120, format: 'heif', mime: 'image/avif' }],
    ['?width=4000', { width: 800, height: 600, format: 'jpeg', mime: 'image/jpeg' }],
  ]
  for (const [query, expected] of cases) {
    const res = await ta.app.inject(fileUrl(item, query))
    t.equal(res.statusCode, 200, query)
    t.equal(res.headers['content-type'], expected.mime, query)
    const meta = await sharp(res.rawPayload).metadata()
    t.match(meta, { width: expected.width, height: expected.height, format: expected.format }, query)
    t.match(res.headers.etag, /^"[0-9a-f]{64}"$/)
    t.not(res.headers.etag, `"${item.sha256}"`)
    t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
    const again = await ta.app.inject({ url: fileUrl(item, query), headers: { 'if-none-match': res.headers.etag as string } })
    t.equal(again.statusCode, 304, `${query} again is a 304`)
  }
  const kept = await filesUnder(join(ta.dir, 'renditions'))
  t.equal(kept.length, cases.length, 'each rendition kept on disk once')
  for (const query of ['?width=201', '?width=319', '?width=320']) {
    t.equal((await ta.app.inject(fileUrl(item, query))).statusCode, 200, query)
  }
  t.equal((await filesUnder(join(ta.dir, 'renditions'))).length, cases.length, 'other widths of one step make nothing new')

  for (const query of ['?width=0', '?width=5000', '?height=-3', '?format=gif', '?width=abc', '?quality=80']) {
    const res = await ta.app.inject(fileUrl(item, query))
    t.equal(res.statusCode, 400, query)
  }
})

t.test('EXIF orientation: the stored size is as shown, and renditions are turned upright', async (t) => {
  const ta = await mediaApp(t, { RENDITION_WIDTHS: '20,25,40' })
  // 60 × 40 pixels stored, with orientation 6 (turn a quarter clockwise to show).
  const sideways = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#884422' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer()
  const item = await upload(ta, sideways)
  t.match(item, { width: 40, height: 60 })
  const res = await ta.app.inject(fileUrl(item, '?width=20'))
  t.match(await sharp(res.rawPayload).metadata(), { width: 20, height: 30 })
})

t.test('a GIF stays a GIF unless a format is asked for', async (t) => {
  const ta = await mediaApp(t, { RENDITION_WIDTHS: '20,25,40' })
  const item = await upload(ta, await image('gif', { width: 50, height: 50 }), {}, 'anim.gif')
  t.match(item, { mimeType: 'image/gif', width: 50, height: 50 })
  const gif = await ta.app.inject(fileUrl(item, '?width=25'))
  t.equal(gif.headers['content-type'], 'image/gif')
  t.match(await sharp(gif.rawPayload).metadata(), { format: 'gif', width: 25 })
  const png = await ta.app.inject(fileUrl(item, '?format=png'))
  t.match(await sharp(png.rawPayload).metadata(), { format: 'png', width: 50 })
  t.match(png.headers['content-disposition'], /filename="anim\.png"/)
})

t.test('concurrent requests for one new rendition make it once', async (t) => {
  const ta = await mediaApp(t)
  const item = await upload(ta, await image('png', { width: 400, height: 300 }))
  const responses = await Promise.all(Array.from({ length: 6 }, () => ta.app.inject(fileUrl(item, '?width=160&format=avif'))))
  const etags = new Set(responses.map((r) => r.headers.etag))
  t.same(responses.map((r) => r.statusCode), [200, 200, 200, 200, 200, 200])
  t.equal(etags.size, 1, 'every response has the same bytes')
  const kept = await filesUnder(ta.dir)
  t.equal(kept.filter((f) => f.startsWith(join(ta.dir, 'renditions'))).length, 1)
  t.equal(kept.filter((f) => f.startsWith(join(ta.dir, 'tmp'))).length, 0, 'no second copy was left half-made')
})

t.test('articles embed lead media and block media, with per-use caption and credit', async (t) => {
  const ta = await mediaApp(t)
  const lead = await upload(ta, await image('jpeg', { color: '#101010' }), { caption: 'The harbour at dawn', credit: 'Staff' })
  const inline = await upload(ta, await image('webp', { color: '#202020' }), { caption: 'Stock caption', credit: 'Archive' })
  const article = await createArticle(
    ta,
    {
      leadMediaId: lead.id,
      body: [
        { type: 'paragraph', text: 'Boats came back.' },
        { type: 'media', mediaId: inline.id, caption: 'The same quay in 1990', credit: 'City archive / Donated' },
      ],
    },
    { published: true },
  )
  const read = await ta.app.inject(`/v1/articles/${article.id}`)
  t.equal(read.statusCode, 200)
  const body = read.json()
  t.match(body.leadMedia, { id: lead.id, caption: 'The harbour at dawn', credit: 'Staff', url: `http://localhost:80/v1/media/${lead.id}/file` })
  t.match(body.body[1], { type: 'media', mediaId: inline.id, caption: 'The same quay in 1990', credit: 'City archive / Donated' })
  t.match(body.body[1].media, { id: inline.id, caption: 'Stock caption', credit: 'Archive', mimeType: 'image/webp' })
  const list = await ta.app.inject('/v1/articles')
  t.match(list.json().data[0].leadMedia, { id: lead.id })
  // An anonymous reader can fetch what the page embeds.
  t.equal((await ta.app.inject(fileUrl(body.body[1].media, '?width=32'))).statusCode, 200)

  const missing = await ta.app.inject({ method: 'POST', url: '/v1/articles', headers: auth(ta.editor), payload: { title: 'x', leadMediaId: 'nope' } })
  t.equal(missing.statusCode, 400)
})

t.test('PUBLIC_URL sets the base of media URLs', async (t) => {
  const ta = await mediaApp(t, { PUBLIC_URL: 'https://cms.example.org' })
  const item = await upload(ta, await image('png'))
  t.equal(item.url, `https://cms.example.org/v1/media/${item.id}/file`)
})

t.test('once listening, the service sweeps in the background the files that no media item references', async (t) => {
  const dir = await mediaDir(t)
  const db = openDatabase(':memory:')
  const editor = createKeysRepository(db).create('test editor', 'editor').token
  let sweptLine: (line: { removed: number }) => void
  const swept = new Promise<{ removed: number }>((resolve) => (sweptLine = resolve))
  const logStream = {
    write(line: string) {
      const entry = JSON.parse(line)
      if (typeof entry.removed === 'number') sweptLine(entry)
    },
  }
  const app = await buildApp(testConfig({ MEDIA_DIR: dir, LOG_LEVEL: 'info' }), { db, logStream })
  t.teardown(() => app.close())
  await app.ready()
  const item = await upload({ app, editor } as TestApp, await image('png', { width: 12, height: 8 }))
  // Bytes placed on disk by an upload whose process died before it wrote their row.
  const lost = Buffer.from('the bytes of an upload cut short by a crash')
  const lostSha = createHash('sha256').update(lost).digest('hex')
  const lostPath = join(dir, 'originals', lostSha.slice(0, 2), lostSha)
  await mkdir(join(dir, 'originals', lostSha.slice(0, 2)), { recursive: true })
  await writeFile(lostPath, lost)
  const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000)
  const heldPath = join(dir, 'originals', item.sha256.slice(0, 2), item.sha256)
  for (const path of [lostPath, heldPath]) await utimes(path, yesterday, yesterday)
  t.same((await filesUnder(join(dir, 'originals'))).sort(), [heldPath, lostPath].sort(), 'nothing is swept before the service listens')

  await app.listen({ port: 0, host: '127.0.0.1' })
  t.equal((await swept).removed, 1, 'the sweep logs how many hashes it removed')
  t.same(await filesUnder(join(dir, 'originals')), [heldPath], 'the lost bytes are gone; the held ones stay')
  t.equal((await app.inject({ url: fileUrl(item) })).statusCode, 200)
})

t.test('the OpenAPI document describes the upload form and the binary responses', async (t) => {
  const ta = await mediaApp(t)
  const doc = ta.app.swagger() as any
  const upload = doc.paths['/v1/media'].post
  t.equal(upload.operationId, 'createMedia')
  const schema = upload.requestBody.content['multipart/form-data'].schema
  t.match(schema, { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, caption: { type: 'string' } } })
  t.same(Object.keys(upload.requestBody.content), ['multipart/form-data'])
  t.ok(upload.responses['413'] && upload.responses['415'])
  const file = doc.paths['/v1/media/{id}/file'].get
  t.match(file.responses['200'].content['image/*'].schema, { type: 'string', format: 'binary' })
  t.ok(file.responses['206'] && file.responses['304'] && file.responses['416'])
  t.match(file.parameters.find((p: any) => p.name === 'format'), { in: 'query', schema: { enum: ['jpeg', 'png', 'webp', 'avif'] } })
})
