// The hand-written parsers of untrusted bytes (MP4 boxes, WebM's EBML, the IPTC reader) under
// random and mutated input: the only outcomes are a size or text, or null, never an exception,
// and always promptly. `npm test` runs a few hundred cases, `npm run test:slow` thousands.
import fc from 'fast-check'
import t from 'tap'
import { iimFromPhotoshop, parseIim, readIptc } from '../src/media/metadata.js'
import { moovDimensions, mp4Dimensions, webmDimensions } from '../src/media/video-size.js'
import { iimDataset, mp4, photoshopBlock, webm } from './fixtures/media.js'
import { FUZZ_RUNS } from './reliability-support.js'

// Parsers are cheap: ten times the runs of the HTTP fuzz files.
const RUNS = FUZZ_RUNS * 10

/** A valid input with some of its bytes overwritten, some cut, or bytes inserted. */
function mutated(valid: Buffer) {
  return fc
    .tuple(
      fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat({ max: valid.length }),
      fc.uint8Array({ maxLength: 64 }),
    )
    .map(([writes, cut, inserted]) => {
      const bytes = Buffer.from(valid)
      for (const [at, value] of writes) bytes[at] = value
      return Buffer.concat([bytes.subarray(0, cut), Buffer.from(inserted), bytes.subarray(cut)])
    })
}

const anyBytes = fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes))

function isSizeOrNull(value: unknown): boolean {
  if (value === null) return true
  const { width, height } = value as { width: number; height: number }
  return Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0
}

t.test('WebM headers: a size or null', async (t) => {
  const valid = webm(640, 360)
  t.same(webmDimensions(valid), { width: 640, height: 360 }, 'the valid seed parses')
  fc.assert(fc.property(fc.oneof(anyBytes, mutated(valid)), (bytes) => isSizeOrNull(webmDimensions(bytes))), { numRuns: RUNS })
})

t.test('MP4 boxes: a size or null, read within the file', async (t) => {
  const valid = mp4(1280, 720)
  const readFrom = (bytes: Buffer) => async (position: number, length: number) => bytes.subarray(position, position + length)
  t.same(await mp4Dimensions(readFrom(valid), valid.length), { width: 1280, height: 720 }, 'the valid seed parses')
  await fc.assert(
    fc.asyncProperty(fc.oneof(anyBytes, mutated(valid)), async (bytes) => {
      const reads: [number, number][] = []
      const read = async (position: number, length: number) => {
        reads.push([position, length])
        return bytes.subarray(position, position + length)
      }
      const size = await mp4Dimensions(read, bytes.length)
      return isSizeOrNull(size) && isSizeOrNull(moovDimensions(bytes)) && reads.length <= 1025
    }),
    { numRuns: RUNS },
  )
})

t.test('IPTC blocks: text fields or nothing', async (t) => {
  const valid = photoshopBlock(Buffer.concat([iimDataset(2, 120, 'A harbour at dawn'), iimDataset(2, 110, 'Staff photographer')]))
  t.match(readIptc(valid), { caption: 'A harbour at dawn' }, 'the valid seed parses')
  fc.assert(
    fc.property(fc.oneof(anyBytes, mutated(valid)), (bytes) => {
      const text = readIptc(bytes)
      const iim = iimFromPhotoshop(bytes)
      if (iim !== null) parseIim(iim)
      return Object.values(text).every((value) => typeof value === 'string')
    }),
    { numRuns: RUNS },
  )
})
