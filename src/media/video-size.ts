// Width and height of a video as its container states them: the `tkhd` box of an MP4 track,
// or the `Video` element of a WebM track. Only headers are read, never frames; anything
// unexpected answers null (the size is then unknown), never an error.

export interface Dimensions {
  width: number
  height: number
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
export type ReadAt = (position: number, length: number) => Promise<Buffer>

/** A `moov` larger than this (hours of sample tables) is not read for a size. */
const MAX_MOOV_BYTES = 16 * 1024 * 1024
const MAX_TOP_LEVEL_BOXES = 1024

interface Box {
  type: string
  start: number
  end: number
}

function* childBoxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let offset = start
  while (offset + 8 <= end) {
    let size = buf.readUInt32BE(offset)
    const type = buf.toString('latin1', offset + 4, offset + 8)
    let header = 8
    if (size === 1) {
      if (offset + 16 > end) return
      size = Number(buf.readBigUInt64BE(offset + 8))
      header = 16
    } else if (size === 0) {
      size = end - offset
    }
    if (size < header || offset + size > end) return
    yield { type, start: offset + header, end: offset + size }
    offset += size
  }
}

function tkhdDimensions(buf: Buffer, box: Box): Dimensions | null {
  const version = buf[box.start]
  // version + flags, the times, track id and duration, then reserved, layer, group, volume.
  const matrix = box.start + 4 + (version === 1 ? 32 : 20) + 16
  if (matrix + 36 + 8 > box.end) return null
  const width = Math.round(buf.readUInt32BE(matrix + 36) / 65536)
  const height = Math.round(buf.readUInt32BE(matrix + 40) / 65536)
  if (width === 0 || height === 0) return null
  // A matrix with a = d = 0 turns the picture a quarter: phones record portrait video so.
  const quarterTurn = buf.readInt32BE(matrix) === 0 && buf.readInt32BE(matrix + 16) === 0
  return quarterTurn ? { width: height, height: width } : { width, height }
}

export function moovDimensions(moov: Buffer): Dimensions | null {
  for (const trak of childBoxes(moov, 0, moov.length)) {
    if (trak.type !== 'trak') continue
    for (const box of childBoxes(moov, trak.start, trak.end)) {
      if (box.type !== 'tkhd') continue
      const found = tkhdDimensions(moov, box)
      if (found) return found
    }
  }
  return null
}

/** Walks the top-level boxes (the `moov` may come after the media data) to the first visual track. */
export async function mp4Dimensions(read: ReadAt, fileSize: number): Promise<Dimensions | null> {
  let offset = 0
  for (let i = 0; i < MAX_TOP_LEVEL_BOXES && offset + 8 <= fileSize; i++) {
    const head = await read(offset, 16)
    if (head.length < 8) return null
    let size = head.readUInt32BE(0)
    const type = head.toString('latin1', 4, 8)
    let header = 8
    if (size === 1) {
      if (head.length < 16) return null
      size = Number(head.readBigUInt64BE(8))
      header = 16
    } else if (size === 0) {
      size = fileSize - offset
    }
    if (size < header) return null
    if (type === 'moov') {
      if (size > MAX_MOOV_BYTES) return null
      return moovDimensions(await read(offset + header, size - header))
    }
    offset += size
  }
  return null
}

// EBML element ids (with their length marker bits, as the Matroska spec writes them).
const EBML = {
  segment: 0x18538067,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  video: 0xe0,
  pixelWidth: 0xb0,
  pixelHeight: 0xba,
  cluster: 0x1f43b675,
}
const DESCEND = new Set([EBML.segment, EBML.tracks, EBML.trackEntry, EBML.video])

/** An EBML variable-size integer at `offset`: its value (marker kept for ids) and byte length. */
function vint(buf: Buffer, offset: number, keepMarker: boolean): { value: number; length: number } | null {
  const first = buf[offset]
  if (first === undefined || first === 0) return null
  const length = Math.clz32(first) - 23
  if (length > 8 || offset + length > buf.length) return null
  let value = keepMarker ? first : first & (0xff >> length)
  let allOnes = value === 0xff >> length
  for (let i = 1; i < length; i++) {
    const byte = buf[offset + i]!
    value = value * 256 + byte
    if (byte !== 0xff) allOnes = false
  }
  return { value: !keepMarker && allOnes ? -1 : value, length }
}

/** Containers nest Segment > Tracks > TrackEntry > Video: anything deeper is not a real file. */
const MAX_DEPTH = 8

interface Container {
  /** Where its data ends, and where its parent's does. */
  end: number
  parentEnd: number
  video: boolean
  /** Of unknown size (live streams): it runs to the end of what we have, and nothing follows it. */
  open: boolean
}

/**
 * Reads the header of a WebM (Matroska) file, up to the first cluster of frames. The walk keeps
 * its own stack, bounded in depth, so a file of endlessly nested elements costs a few steps,
 * never the call stack.
 */
export function webmDimensions(head: Buffer): Dimensions | null {
  let width = 0
  let height = 0
  const stack: Container[] = []
  let offset = 0
  let end = head.length
  for (;;) {
    const id = offset < end ? vint(head, offset, true) : null
    const size = id ? vint(head, offset + id.length, false) : null
    // The end of this container, or bytes that are no element, or the frames: go back up.
    if (!id || !size || id.value === EBML.cluster) {
      const done = stack.pop()
      if (!done || (done.video && width > 0 && height > 0) || done.open) break
      offset = done.end
      end = done.parentEnd
      continue
    }
    const dataStart = offset + id.length + size.length
    const dataEnd = size.value < 0 ? end : Math.min(dataStart + size.value, end)
    if (DESCEND.has(id.value)) {
      if (stack.length >= MAX_DEPTH) break
      stack.push({ end: dataEnd, parentEnd: end, video: id.value === EBML.video, open: size.value < 0 })
      offset = dataStart
      end = dataEnd
      continue
    }
    if ((id.value === EBML.pixelWidth || id.value === EBML.pixelHeight) && size.value > 0 && size.value <= 4) {
      if (dataStart + size.value > head.length) break
      const value = head.readUIntBE(dataStart, size.value)
      if (id.value === EBML.pixelWidth) width = value
      else height = value
    }
    if (size.value < 0) break
    offset = dataStart + size.value
  }
  return width > 0 && height > 0 ? { width, height } : null
}
