// What an accepted upload is: pixel size (images through sharp's header reader, video through
// its container) and the embedded caption and credit. Nothing here decodes pixels.
import { open } from 'node:fs/promises'
import type { Metadata } from 'sharp'
import { payloadTooLarge, unsupportedMediaType } from '../http/problems.js'
import { loadSharp } from './libraries.js'
import { type EmbeddedText, readEmbedded } from './metadata.js'
import type { SniffedType } from './sniff.js'
import { mp4Dimensions, webmDimensions } from './video-size.js'

/**
 * Largest image accepted, in pixels (width × height of one frame): a 100-megapixel camera
 * fits, a decompression bomb (a few KB of PNG declaring 50,000 × 50,000) does not.
 */
export const MAX_INPUT_PIXELS = 120_000_000

const WEBM_HEAD_BYTES = 1024 * 1024

export interface Probe {
  width: number | null
  height: number | null
  embedded: EmbeddedText
}

async function probeImage(path: string, type: SniffedType): Promise<Probe> {
  const sharp = loadSharp()
  let meta: Metadata
  try {
    // Only the header is read; the pixel limit is checked below, with a message that says so.
    meta = await sharp(path, { limitInputPixels: false }).metadata()
  } catch {
    throw unsupportedMediaType(`The file starts like ${type.mimeType} but cannot be read as an image.`)
  }
  const width = meta.autoOrient?.width ?? meta.width
  const height = meta.autoOrient?.height ?? meta.height
  if (!width || !height) throw unsupportedMediaType(`The file starts like ${type.mimeType} but has no readable size.`)
  if (width * height > MAX_INPUT_PIXELS) {
    throw payloadTooLarge(`The image is ${width} × ${height} pixels; at most ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels are accepted.`)
  }
  return { width, height, embedded: await readEmbedded({ iptc: meta.iptc, xmp: meta.xmp }) }
}

async function probeVideo(path: string, type: SniffedType, size: number): Promise<Probe> {
  const file = await open(path, 'r')
  try {
    const read = async (position: number, length: number) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)))
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position)
      return buffer.subarray(0, bytesRead)
    }
    const found = type.mimeType === 'video/webm' ? webmDimensions(await read(0, WEBM_HEAD_BYTES)) : await mp4Dimensions(read, size)
    return { width: found?.width ?? null, height: found?.height ?? null, embedded: {} }
  } finally {
    await file.close()
  }
}

export async function probeFile(path: string, type: SniffedType, size: number): Promise<Probe> {
  if (type.kind === 'image') return probeImage(path, type)
  if (type.kind === 'video') return probeVideo(path, type, size)
  return { width: null, height: null, embedded: {} }
}
