// The plain rules behind media, without an app: IIM and XMP reading, file names, ranges and
// ETags, rendition plans, video headers, type sniffing and the content-addressed store.
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import sharp from 'sharp'
import t from 'tap'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { cleanFilename, contentDisposition } from '../src/media/filename.js'
import { decodeIimText, decodeXmlEntities, declaresUtf8, iimFromPhotoshop, mergeText, parseIim, readIptc, readXmp } from '../src/media/metadata.js'
import { createRenditions, planRendition, renditionName } from '../src/media/renditions.js'
import { noneMatchHits, parseRange } from '../src/media/serve-file.js'
import { createMediaRepository } from '../src/media/repository.js'
import { acceptedType } from '../src/media/sniff.js'
import { createMediaStorage } from '../src/media/storage.js'
import { moovDimensions, mp4Dimensions, webmDimensions } from '../src/media/video-size.js'
import { iimDataset, image, mediaDir, mp4, photoshopBlock, UTF8_DECLARATION, webm, xmpPacket } from './fixtures/media.js'

t.test('IIM: datasets, repeats and extended lengths', async (t) => {
  const long = Buffer.alloc(40_000, 0x61)
  const extended = Buffer.concat([Buffer.from([0x1c, 2, 120, 0x80, 0x04]), Buffer.from([0, 0, 0x9c, 0x40]), long])
  const iim = Buffer.concat([iimDataset(2, 80, 'One'), iimDataset(2, 80, 'Two'), extended, Buffer.from([0, 0, 0])])
  const sets = parseIim(iim)
  t.same(sets.get('2:80')?.map(String), ['One', 'Two'])
  t.equal(sets.get('2:120')?.[0]?.length, 40_000)
  t.same(readIptc(photoshopBlock(iim)), { creator: 'One, Two', caption: 'a'.repeat(2_000) }, 'repeats joined, long values cut to fit')

  const truncated = Buffer.concat([iimDataset(2, 120, 'Fine'), Buffer.from([0x1c, 2, 110, 0x00, 0xff]), Buffer.from('short')])
  t.same([...parseIim(truncated).keys()], ['2:120'], 'a dataset longer than the block ends the reading')
  t.same(readIptc(Buffer.from('Photoshop 3.0\0junk', 'latin1')), {}, 'no 8BIM resources')
  t.same(readIptc(Buffer.alloc(0)), {})
})

t.test('IIM: a Photoshop block is walked to the IPTC resource', async (t) => {
  const other = Buffer.concat([Buffer.from('8BIM', 'latin1'), Buffer.from([0x03, 0xed, 0x03, 0x41, 0x62, 0x00]), Buffer.from([0, 0, 0, 3]), Buffer.from([1, 2, 3, 0])])
  const iim = iimDataset(2, 110, 'Credit line')
  const withOther = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), other, photoshopBlock(iim).subarray(14)])
  t.same(iimFromPhotoshop(withOther), iim, 'skips a resource with an odd-length name and odd-sized data')
  t.same(iimFromPhotoshop(iim), iim, 'bare IIM is taken as it is')
})

t.test('IIM text: the declared character set, else UTF-8 when valid, else Windows-1252', async (t) => {
  t.ok(declaresUtf8(parseIim(UTF8_DECLARATION)))
  t.ok(declaresUtf8(parseIim(iimDataset(1, 90, Buffer.from([0x1b, 0x25, 0x2f, 0x49])))))
  t.notOk(declaresUtf8(parseIim(iimDataset(1, 90, Buffer.from([0x1b, 0x2d, 0x41])))), 'ESC - A is ISO 8859-1')
  t.notOk(declaresUtf8(parseIim(iimDataset(2, 120, 'x'))))
  t.equal(decodeIimText(Buffer.from('Ciudad de México', 'utf8'), true), 'Ciudad de México')
  t.equal(decodeIimText(Buffer.from('Ciudad de México', 'utf8'), false), 'Ciudad de México', 'undeclared but valid UTF-8')
  t.equal(decodeIimText(Buffer.from('Ciudad de México', 'latin1'), false), 'Ciudad de México')
  t.equal(decodeIimText(Buffer.from([0x93, 0x51, 0x94, 0x20, 0x80]), false), '\u201CQ\u201D \u20AC', 'Windows-1252 quotes and euro')
  // Declared UTF-8 wins even over bytes that would read as something else.
  const iim = Buffer.concat([UTF8_DECLARATION, iimDataset(2, 120, Buffer.from('Zoë', 'utf8'))])
  t.same(readIptc(photoshopBlock(iim)), { caption: 'Zoë' })
})

t.test('XMP: IPTC Core fields by namespace, entities decoded, x-default preferred', async (t) => {
  const packet = xmpPacket({ caption: 'Tom & Jerry <3', creators: ['A'], altText: 'Alt' }, 'ic')
  t.same(await readXmp(Buffer.from(packet)), { caption: 'Tom & Jerry <3', creator: 'A', altText: 'Alt' })

  const attributes = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about="" xmlns:ps="http://ns.adobe.com/photoshop/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
      ps:Credit="Reuters &amp; AFP">
      <dc:description><rdf:Alt><rdf:li xml:lang="de">Auf Deutsch</rdf:li><rdf:li xml:lang="x-default">In English</rdf:li></rdf:Alt></dc:description>
    </rdf:Description></rdf:RDF></x:xmpmeta>`
  t.same(await readXmp(Buffer.from(attributes)), { credit: 'Reuters & AFP', caption: 'In English' })

  const noDefault = xmpPacket({}).replace('</rdf:Description>', '<dc:rights><rdf:Alt><rdf:li xml:lang="fr">© Agence</rdf:li></rdf:Alt></dc:rights></rdf:Description>')
  t.same(await readXmp(Buffer.from(noDefault)), { copyright: '© Agence' }, 'the first language when there is no x-default')

  t.same(await readXmp(Buffer.from('<not xmp at all')), {})
  t.same(await readXmp(Buffer.from(xmpPacket({ caption: '\u0000\u0007   ' }))), {}, 'control characters and blanks are nothing')
  t.same(await readXmp(Buffer.alloc(600 * 1024, 0x20)), {}, 'an oversized packet is not parsed')
})

t.test('XML entities: one pass, numeric references, nothing invalid', async (t) => {
  t.equal(decodeXmlEntities('a &amp;lt; b'), 'a &lt; b')
  t.equal(decodeXmlEntities('&#233;&#xE9;&#x1F600;'), 'éé😀')
  t.equal(decodeXmlEntities('&#xD800;&#0;x'), 'x')
  t.equal(decodeXmlEntities('&unknown; &amp'), '&unknown; &amp')
})

t.test('explicit text wins; blanks fall back to embedded; everything is tidied', async (t) => {
  t.same(mergeText({ caption: ' Given ', credit: '' }, { caption: 'Embedded', credit: 'Wire', altText: 'Alt' }), {
    caption: 'Given',
    credit: 'Wire',
    creator: '',
    copyright: '',
    usageTerms: '',
    altText: 'Alt',
  })
  t.equal(mergeText({ caption: 'e\u0301\r\nline\u0000' }, {}).caption, 'é\nline', 'NFC, LF, no controls')
})

t.test('file names are labels: no folders, no quotes, the real extension', async (t) => {
  t.equal(cleanFilename('photo.JPEG', 'jpg'), 'photo.jpeg')
  t.equal(cleanFilename('C:\\Users\\ana\\Desktop\\photo.jpg', 'jpg'), 'photo.jpg')
  t.equal(cleanFilename('../../etc/passwd', 'png'), 'passwd.png')
  t.equal(cleanFilename('notes.txt', 'jpg'), 'notes.txt.jpg')
  t.equal(cleanFilename('"evil"\r\n<script>.gif', 'gif'), 'evilscript.gif')
  t.equal(cleanFilename('', 'pdf'), 'upload.pdf')
  t.equal(cleanFilename('...', 'pdf'), 'upload.pdf')
  t.equal(cleanFilename(undefined, 'mp4'), 'upload.mp4')
  t.equal(cleanFilename('song.mp4', 'm4a'), 'song.mp4', 'an M4A is often named .mp4')
  t.equal(cleanFilename(`${'ñ'.repeat(300)}.webp`, 'webp').length, 200)
  t.equal(contentDisposition('Straße "x".jpg'), `inline; filename="Stra_e _x_.jpg"; filename*=UTF-8''Stra%C3%9Fe%20%22x%22.jpg`)
})

t.test('Range: one range, suffixes, open ends; nonsense ignored; outside is unsatisfiable', async (t) => {
  t.same(parseRange(undefined, 100), null)
  t.same(parseRange('bytes=0-9', 100), { start: 0, end: 9 })
  t.same(parseRange('bytes=90-', 100), { start: 90, end: 99 })
  t.same(parseRange('bytes=90-500', 100), { start: 90, end: 99 })
  t.same(parseRange('bytes=-10', 100), { start: 90, end: 99 })
  t.same(parseRange('bytes=-500', 100), { start: 0, end: 99 })
  t.equal(parseRange('bytes=100-', 100), 'unsatisfiable')
  t.equal(parseRange('bytes=-0', 100), 'unsatisfiable')
  t.same(parseRange('bytes=9-0', 100), null)
  t.same(parseRange('bytes=0-1,5-6', 100), null, 'several ranges: the whole file')
  t.same(parseRange('items=0-1', 100), null)
  t.same(parseRange('bytes=-', 100), null)
})

t.test('If-None-Match: lists, weak tags and *', async (t) => {
  t.ok(noneMatchHits('"abc"', '"abc"'))
  t.ok(noneMatchHits('"x", W/"abc"', '"abc"'))
  t.ok(noneMatchHits('*', '"abc"'))
  t.notOk(noneMatchHits('"abcd"', '"abc"'))
  t.notOk(noneMatchHits(undefined, '"abc"'))
})

t.test('rendition plans: sizes snap up the ladder, never larger than the original, shape kept', async (t) => {
  const photo = { kind: 'image', mimeType: 'image/jpeg', width: 800, height: 600, sha256: 'x' }
  t.equal(planRendition(photo, {}), null)
  t.same(planRendition(photo, { width: 400 }), { width: 640, height: null, format: 'jpeg' }, '400 asks for the 640 step')
  t.same(planRendition(photo, { width: 640 }), { width: 640, height: null, format: 'jpeg' }, 'a step is itself')
  t.same(planRendition(photo, { width: 300 }, [100, 200, 300]), { width: 300, height: null, format: 'jpeg' }, 'another ladder')
  t.same(planRendition(photo, { width: 301 }, [100, 200, 300]), { width: 300, height: null, format: 'jpeg' }, 'past the top: the top')
  const sizes = new Set<string>()
  for (let width = 1; width <= 4096; width += 7) sizes.add(JSON.stringify(planRendition({ ...photo, width: 6000, height: 4000 }, { width })))
  t.equal(sizes.size, 7, 'every width from 1 to 4096 makes one of seven renditions')
  t.same(planRendition(photo, { width: 4000 }), { width: 800, height: null, format: 'jpeg' })
  t.same(planRendition(photo, { height: 9000, format: 'webp' }), { width: null, height: 600, format: 'webp' })
  t.same(planRendition(photo, { width: 1600, height: 1600 }), { width: 600, height: 600, format: 'jpeg' }, 'a square, as large as fits')
  t.same(planRendition(photo, { format: 'avif' }), { width: null, height: null, format: 'avif' })
  t.same(planRendition({ ...photo, mimeType: 'image/gif' }, { width: 10 }), { width: 160, height: null, format: 'gif' })
  t.equal(renditionName({ width: 640, height: null, format: 'webp' }), '640xauto.webp')
  t.equal(renditionName({ width: null, height: null, format: 'jpeg' }), 'autoxauto.jpg')
  t.throws(() => planRendition({ kind: 'video', mimeType: 'video/mp4', width: 640, height: 480, sha256: 'x' }, { width: 10 }), { name: 'Problem', status: 400 })
})

t.test('video sizes from MP4 and WebM headers', async (t) => {
  const file = mp4(1280, 720, { mdatBytes: 5000 })
  const read = async (position: number, length: number) => file.subarray(position, position + length)
  t.same(await mp4Dimensions(read, file.length), { width: 1280, height: 720 }, 'moov after mdat')
  t.same(await mp4Dimensions(read, 4), null)
  t.same(moovDimensions(Buffer.from('garbage that is not a box')), null)
  const noVideo = Buffer.from(file)
  t.same(await mp4Dimensions(async (p, l) => noVideo.subarray(p, Math.min(p + l, 40)), noVideo.length), null, 'a cut file')
  t.same(webmDimensions(webm(854, 480)), { width: 854, height: 480 })
  t.same(webmDimensions(webm(854, 480).subarray(0, 60)), null, 'cut before the track')
  t.same(webmDimensions(Buffer.from([0x00, 0x01, 0x02])), null)
})

t.test('only the accepted types pass, each under its canonical MIME type', async (t) => {
  t.match(acceptedType('image/apng'), { mimeType: 'image/png', kind: 'image' })
  t.match(acceptedType('audio/x-m4a'), { mimeType: 'audio/mp4', kind: 'audio' })
  t.match(acceptedType('application/pdf'), { kind: 'document' })
  for (const refused of ['image/svg+xml', 'image/heic', 'video/quicktime', 'application/zip', 'text/html', undefined]) {
    t.equal(acceptedType(refused), null, String(refused))
  }
})

t.test('the store: content-addressed, placed once, a stale temp file swept at start', async (t) => {
  const dir = await mediaDir(t)
  const storage = createMediaStorage(dir)
  await storage.init()
  const first = await storage.receive(Readable.from([Buffer.from('same bytes')]), storage.tempPath())
  const second = await storage.receive(Readable.from([Buffer.from('same '), Buffer.from('bytes')]), storage.tempPath())
  t.equal(first.sha256, second.sha256)
  t.equal(first.size, 10)
  t.equal(await storage.place(first), true)
  t.equal(await storage.place(second), false, 'the second copy is dropped')
  t.equal(await readFile(storage.originalPath(first.sha256), 'utf8'), 'same bytes')
  t.same(await readdir(join(dir, 'tmp')), [])

  const failing = new Readable({
    read() {
      this.destroy(new Error('client went away'))
    },
  })
  await t.rejects(storage.receive(failing, storage.tempPath()))
  t.same(await readdir(join(dir, 'tmp')), [], 'a failed receive leaves no temp file')

  // The lock runs work for one hash one at a time, in order.
  const order: string[] = []
  await Promise.all([
    storage.withLock('h', async () => {
      await new Promise((resolve) => setImmediate(resolve))
      order.push('a')
    }),
    storage.withLock('h', async () => {
      order.push('b')
    }),
  ])
  t.same(order, ['a', 'b'])

  await writeFile(join(dir, 'tmp', 'old.part'), 'x')
  const { utimes } = await import('node:fs/promises')
  const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
  await utimes(join(dir, 'tmp', 'old.part'), twoHoursAgo, twoHoursAgo)
  await writeFile(join(dir, 'tmp', 'fresh.part'), 'x')
  await createMediaStorage(dir).init()
  t.same(await readdir(join(dir, 'tmp')), ['fresh.part'], 'only the stale one is swept')

  await storage.removeBytes(first.sha256)
  await storage.removeBytes(first.sha256)
  t.notOk(await storage.exists(storage.originalPath(first.sha256)))
})

t.test('the store: bytes no item holds are swept once nothing touched them for the grace period', async (t) => {
  const dir = await mediaDir(t)
  const storage = createMediaStorage(dir)
  await storage.init()
  const put = async (text: string) => {
    const received = await storage.receive(Readable.from([Buffer.from(text)]), storage.tempPath())
    await storage.place(received)
    return received.sha256
  }
  const held = await put('bytes an item holds')
  const orphan = await put('bytes a crash left without their row')
  const arriving = await put('bytes whose row is still being written')
  const reused = await put('bytes an upload reuses right now')
  const contested = await put('bytes an upload takes while the sweep looks')
  await mkdir(storage.renditionDir(orphan), { recursive: true })
  await writeFile(join(storage.renditionDir(orphan), 'w320.webp'), 'a rendition')
  await writeFile(join(dir, 'originals', 'notes.txt'), 'not a hash: not ours to judge')
  const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000)
  for (const path of [held, orphan, reused, contested].map(storage.originalPath)) await utimes(path, yesterday, yesterday)
  await utimes(join(storage.renditionDir(orphan), 'w320.webp'), yesterday, yesterday)
  await utimes(storage.renditionDir(orphan), yesterday, yesterday)
  await utimes(join(dir, 'originals', 'notes.txt'), yesterday, yesterday)
  // Placing bytes that are already stored touches them.
  t.equal(await storage.place(await storage.receive(Readable.from([Buffer.from('bytes an upload reuses right now')]), storage.tempPath())), false)

  const aborted = new AbortController()
  aborted.abort()
  t.equal(await storage.sweepOrphans(() => false, aborted.signal), 0, 'an aborted sweep removes nothing')

  let askedForContested = 0
  // `contested` gets its row between the first look and the look under its lock.
  const isUsed = (sha256: string) => sha256 === held || (sha256 === contested && ++askedForContested > 1)
  t.equal(await storage.sweepOrphans(isUsed, new AbortController().signal), 1, 'one hash removed')
  t.notOk(await storage.exists(storage.originalPath(orphan)), 'the orphan is gone')
  t.notOk(await storage.exists(storage.renditionDir(orphan)), 'with its renditions')
  for (const [sha256, why] of [
    [held, 'an item holds it'],
    [arriving, 'it is younger than the grace period'],
    [reused, 'an upload reused it just now'],
    [contested, 'it was taken while the sweep looked'],
  ] as const) {
    t.ok(await storage.exists(storage.originalPath(sha256)), `kept: ${why}`)
  }
  t.ok(await storage.exists(join(dir, 'originals', 'notes.txt')), 'kept: a file not named by a hash')
})

t.test('renditions: concurrent asks share one encode; a later ask reads the disk', async (t) => {
  const dir = await mediaDir(t)
  const storage = createMediaStorage(dir)
  await storage.init()
  const bytes = await image('png', { width: 300, height: 200 })
  const received = await storage.receive(Readable.from([bytes]), storage.tempPath())
  await storage.place(received)
  const source = { kind: 'image', mimeType: 'image/png', width: 300, height: 200, sha256: received.sha256 }
  const renditions = createRenditions(storage)
  const ladder = [50, 90, 180]
  const plan = planRendition(source, { width: 90, format: 'avif' }, ladder)!
  const files = await Promise.all(Array.from({ length: 5 }, () => renditions.get(source, plan)))
  t.equal(renditions.made, 1, 'five asks, one encode')
  t.equal(new Set(files.map((f) => f.etag)).size, 1)
  t.match(await sharp(files[0]!.path).metadata(), { width: 90, height: 60, format: 'heif' })
  const later = await createRenditions(storage).get(source, plan)
  t.equal(later.etag, files[0]!.etag, 'a new process finds it on disk, with the same ETag')

  // A delete that wins the race: the finished rendition is not placed next to nothing.
  const other = planRendition(source, { width: 50 }, ladder)!
  const pending = renditions.get(source, other)
  await storage.withLock(source.sha256, () => storage.removeBytes(source.sha256))
  await t.rejects(pending, { name: 'Problem', status: 422 })
  t.same(await readdir(join(dir, 'tmp')), [])
  t.notOk(await storage.exists(storage.renditionDir(source.sha256)))
})

t.test('the repository records media.created and media.updated inside the write transaction', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => closeDatabase(db))
  const events: { type: string; data: any; inTransaction: boolean }[] = []
  const repo = createMediaRepository(db, (type, data) => events.push({ type, data, inTransaction: db.$client.inTransaction }))
  const time = new Date().toISOString()
  const item = {
    id: 'm1',
    kind: 'image' as const,
    mimeType: 'image/png',
    filename: 'a.png',
    size: 10,
    width: 1,
    height: 1,
    sha256: 'a'.repeat(64),
    caption: 'Before',
    credit: '',
    creator: '',
    copyright: '',
    usageTerms: '',
    altText: '',
    createdAt: time,
    updatedAt: time,
    version: 1,
  }
  repo.create(item, { base: 'https://cms.example' })
  const changed = repo.update('m1', { caption: 'After' }, { base: 'https://cms.example' })
  t.equal(changed.version, 2)
  t.same(
    events.map((e) => [e.type, e.inTransaction, e.data.caption, e.data.url]),
    [
      ['media.created', true, 'Before', 'https://cms.example/v1/media/m1/file'],
      ['media.updated', true, 'After', 'https://cms.example/v1/media/m1/file'],
    ],
  )
  repo.update('m1', { caption: 'After' }, { base: 'x' })
  t.equal(events.length, 2, 'no change, no event')
  t.throws(() => repo.update('m1', { caption: 'Stale' }, { base: 'x', ifVersion: 1 }), { name: 'Problem', status: 412 })
  t.throws(() => repo.remove('m1', 1), { name: 'Problem', status: 412 })
  t.same(repo.remove('m1', 2), { sha256: 'a'.repeat(64), bytesStillUsed: false })
  t.equal(repo.getById('m1'), null)
})

t.test('the repository: lookups by many ids, and pages through items made in the same millisecond', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => closeDatabase(db))
  const repo = createMediaRepository(db)
  const time = '2024-05-01T10:00:00.000Z'
  const item = (i: number) => ({
    id: `m${String(i).padStart(3, '0')}`,
    kind: i % 3 === 0 ? ('video' as const) : ('image' as const),
    mimeType: i % 3 === 0 ? 'video/mp4' : 'image/png',
    filename: `f${i}`,
    size: i,
    width: null,
    height: null,
    sha256: (i % 2 === 0 ? 'a' : 'b').repeat(64),
    caption: '',
    credit: '',
    creator: '',
    copyright: '',
    usageTerms: '',
    altText: '',
    // Ten items to a millisecond: the id breaks the ties.
    createdAt: time.replace('000Z', `${String(Math.floor(i / 10)).padStart(3, '0')}Z`),
    updatedAt: time,
    version: 1,
  })
  const all = Array.from({ length: 300 }, (_, i) => item(i))
  for (const one of all) repo.create(one, { base: 'x' })

  t.same(repo.findByIds([]), new Map())
  t.same([...repo.findByIds(['m001', 'nope', 'm001', 'm002']).keys()].sort(), ['m001', 'm002'], 'repeats and unknown ids')
  const many = [...all.map((m) => m.id), 'unknown'].reverse()
  const found = repo.findByIds(many)
  t.equal(found.size, 300, 'more ids than the largest prepared list are read in parts')
  t.same(found.get('m042'), all[42])

  for (const query of [{}, { kind: 'video' as const }, { sha256: 'a'.repeat(64) }, { kind: 'image' as const, sha256: 'b'.repeat(64) }]) {
    const expected = all
      .filter((m) => (!('kind' in query) || m.kind === query.kind) && (!('sha256' in query) || m.sha256 === query.sha256))
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
      .map((m) => m.id)
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = repo.list({ ...query, limit: 7, cursor })
      seen.push(...page.data.map((m) => m.id))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    t.same(seen, expected, `pages of ${JSON.stringify(query)}: newest first, each item once`)
  }
})
