// Hostile uploads: oversized, truncated, decompression-bomb and polyglot files, and file names
// with traversal, control characters or no end are refused or stored safely: nothing is written
// outside MEDIA_DIR, the stored name derives from the content only, the label is cleaned, and
// no refused upload leaves a row or a file behind.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { crc32, deflateSync } from 'node:zlib'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { auth, makeApp } from './helpers.js'
import { checkResponse, dataChecksum, multipart, tinyPng } from './reliability-support.js'

/** A PNG whose header declares width x height, with a few bytes of image data: cheap to send. */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth; colour type 0 (grey), no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => statSync(join(dir, name)).isFile())
}

t.test('hostile uploads are refused or stored safely', async (t) => {
  const mediaDir = mkdtempSync(join(tmpdir(), 'cms-hostile-'))
  t.teardown(() => rmSync(mediaDir, { recursive: true, force: true }))
  const { app, editor } = await makeApp(t, { MEDIA_DIR: mediaDir, MAX_UPLOAD_BYTES: String(256 * 1024) })
  const upload = (parts: Parameters<typeof multipart>[0]) => {
    const form = multipart(parts)
    return app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...form.headers }, payload: form.payload })
  }
  const refuse = async (label: string, parts: Parameters<typeof multipart>[0], status: number | number[]) => {
    const before = dataChecksum(app.db)
    const filesBefore = filesUnder(mediaDir).filter((f) => !f.startsWith('tmp')).length
    const res = await upload(parts)
    t.ok(checkResponse(t, res, label), `${label}: refused (${res.statusCode})`)
    t.ok(([] as number[]).concat(status).includes(res.statusCode), `${label}: ${status} (${res.json().detail})`)
    t.equal(dataChecksum(app.db), before, `${label}: no row stored`)
    t.equal(filesUnder(mediaDir).filter((f) => !f.startsWith('tmp')).length, filesBefore, `${label}: no file stored`)
    t.same(readdirSync(join(mediaDir, 'tmp')), [], `${label}: no temp file left`)
  }

  const png = await tinyPng(7, 32)
  const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c03' } }).jpeg().toBuffer()

  await refuse('oversized', [{ name: 'file', filename: 'big.png', data: Buffer.concat([png, Buffer.alloc(300 * 1024, 1)]) }], 413)
  // A PNG cut short keeps a readable header: it may be stored (its bytes are served as they are),
  // but making a rendition of it is a clear 4xx, never a 5xx.
  const cut = await upload([{ name: 'file', filename: 'cut.png', data: png.subarray(0, Math.floor(png.length / 2)) }])
  checkResponse(t, cut, 'truncated PNG')
  if (cut.statusCode === 201) {
    const rendition = await app.inject({ method: 'GET', url: `/v1/media/${cut.json().id}/file?width=16&format=webp` })
    t.ok(checkResponse(t, rendition, 'rendition of a truncated PNG'), `truncated PNG: stored, its rendition refused (${rendition.statusCode})`)
  } else t.pass(`truncated PNG: refused (${cut.statusCode})`)
  await refuse('truncated JPEG', [{ name: 'file', filename: 'cut.jpg', data: jpeg.subarray(0, 40) }], [400, 415, 422])
  // A PNG that declares 20000 x 20000 (400 megapixels) in a few hundred bytes.
  const bomb = pngDeclaring(20000, 20000)
  t.ok(bomb.length < 1024, `the bomb is small on the wire (${bomb.length} bytes)`)
  await refuse('decompression bomb', [{ name: 'file', filename: 'bomb.png', data: bomb }], [400, 413, 415, 422])
  await refuse('HTML named .jpg', [{ name: 'file', filename: 'page.jpg', contentType: 'image/jpeg', data: '<html><script>alert(1)</script></html>' }], 415)
  await refuse('SVG with script', [{ name: 'file', filename: 'x.svg', contentType: 'image/svg+xml', data: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' }], 415)
  await refuse('empty file', [{ name: 'file', filename: 'empty.png', data: Buffer.alloc(0) }], 400)
  await refuse('no file part', [{ name: 'caption', data: 'only text' }], 400)
  await refuse('two files', [{ name: 'file', filename: 'a.png', data: png }, { name: 'file', filename: 'b.png', data: png }], 400)
  const notMultipart = await app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), 'content-type': 'image/png' }, payload: png })
  t.equal(notMultipart.statusCode, 415, 'a bare body (not multipart): 415')

  // A valid JPEG with HTML and script appended: stored, but served as the JPEG it is.
  const polyglot = Buffer.concat([jpeg, Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')])
  const stored = await upload([{ name: 'file', filename: 'polyglot.html', contentType: 'text/html', data: polyglot }])
  t.equal(stored.statusCode, 201, 'a JPEG with HTML appended is a JPEG')
  t.equal(stored.json().mimeType, 'image/jpeg', 'typed from its bytes, not its name or header')
  t.match(stored.json().filename, /^polyglot(\.html)?\.jpg$/, 'its label gets the extension of its real type')
  const served = await app.inject({ method: 'GET', url: `/v1/media/${stored.json().id}/file` })
  t.equal(served.headers['content-type'], 'image/jpeg', 'served as image/jpeg')
  t.equal(served.headers['x-content-type-options'], 'nosniff', 'with nosniff, so no browser runs it as HTML')
  // A PDF that begins with a JPEG's bytes is a JPEG; one that begins %PDF is a document or refused.
  const pdfPolyglot = Buffer.concat([Buffer.from('%PDF-1.4\n'), jpeg])
  const pdf = await upload([{ name: 'file', filename: 'x.pdf', data: pdfPolyglot }])
  t.ok(pdf.statusCode === 415 || pdf.statusCode === 400 || (pdf.statusCode === 201 && !pdf.json().mimeType.startsWith('image/')), `a %PDF/JPEG polyglot is never an image (${pdf.statusCode})`)

  const names: [string, RegExp][] = [
    ['../../../../etc/passwd.png', /^passwd\.png$/],
    ['..\\..\\windows\\system32\\evil.png', /^evil\.png$/],
    ['/absolute/path/photo.png', /^photo\.png$/],
    ['pic\u0000ture.png', /^picture\.png$/],
    ['tab\there.png', /^tab ?here\.png$/],
    ['less<than>.png', /^lessthan\.png$/],
    ['%22%0D%0A.png', /^%22%0D%0A\.png$/],
    ['\u202Egnp.exe', /^[^\u202E]*\.png$|^\u202Egnp\.exe\.png$/],
    ['...', /^upload\.png$/],
    ['x'.repeat(5000) + '.png', /^x{1,200}\.png$/],
    ['photo.php', /^photo\.php\.png$/],
  ]
  let seed = 100
  for (const [name, expected] of names) {
    seed += 1
    const res = await upload([{ name: 'file', filename: name, data: await tinyPng(seed) }])
    const label = JSON.stringify(name.slice(0, 40))
    t.equal(res.statusCode, 201, `${label}: stored`)
    const filename = res.json().filename as string
    t.ok(filename.length <= 204, `${label}: label at most ~200 characters`)
    t.notMatch(filename, /[\u0000-\u001F\u007F/\\"<>]/, `${label}: no separators, controls or quotes`)
    t.match(filename, expected, `${label}: cleaned to ${JSON.stringify(filename.slice(0, 40))}`)
    const file = await app.inject({ method: 'GET', url: `/v1/media/${res.json().id}/file` })
    t.notMatch(String(file.headers['content-disposition']), /[\r\n]/, `${label}: no header injection`)
  }

  // Whatever the names, every stored file sits at originals/<2>/<sha256> inside MEDIA_DIR.
  const originals = filesUnder(join(mediaDir, 'originals'))
  t.ok(originals.length > 0 && originals.every((f) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f)), 'stored names derive from the content only')
  const shas = app.db.$client.prepare('SELECT DISTINCT sha256 FROM media').pluck().all() as string[]
  t.same(originals.map((f) => f.slice(3)).sort(), shas.sort(), 'one file per distinct content, each with its rows')
  t.same(readdirSync(join(mediaDir, 'tmp')), [], 'no temp file left')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'healthy afterwards')
})

/** An EBML header saying `webm`, then Segments of unknown size nested inside each other to the end. */
function nestedSegments(bytes: number): Buffer {
  const header = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x87, 0x42, 0x82, 0x84, ...Buffer.from('webm')])
  const segment = Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
  return Buffer.concat([header, ...Array.from({ length: Math.ceil(bytes / segment.length) }, () => segment)])
}

t.test('a WebM of endlessly nested elements is stored with no size, not a 500', async (t) => {
  const mediaDir = mkdtempSync(join(tmpdir(), 'cms-hostile-'))
  t.teardown(() => rmSync(mediaDir, { recursive: true, force: true }))
  const { app, editor } = await makeApp(t, { MEDIA_DIR: mediaDir })
  const form = multipart([{ name: 'file', filename: 'clip.webm', contentType: 'video/webm', data: nestedSegments(1024 * 1024) }])
  const started = Date.now()
  const res = await app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...form.headers }, payload: form.payload })
  t.ok(res.statusCode < 500, `not a server error (${res.statusCode}: ${res.body.slice(0, 200)})`)
  t.equal(res.statusCode, 201, 'a WebM the service cannot size is still a WebM')
  t.match(res.json(), { kind: 'video', mimeType: 'video/webm', width: null, height: null })
  t.ok(Date.now() - started < 5000, 'answered promptly')
})
