// Resized or converted images, made with sharp the first time they are asked for and kept on
// disk next to the original's hash. Requests for a rendition that is still being made wait for
// the same work instead of starting their own (AVIF takes seconds), and at most a few are made
// at a time, so a burst of new sizes cannot take every core or all memory.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { default as SharpConstructor, Sharp } from 'sharp'
import { badRequest, unprocessable } from '../http/problems.js'
import { loadSharp } from './libraries.js'
import { MAX_INPUT_PIXELS } from './probe.js'
import type { FileQuery, RenditionFormat } from './schemas.js'
import type { MediaStorage } from './storage.js'

type OutputFormat = RenditionFormat | 'gif'

/** What to make: sizes already fitted to the original, so equal results share one file. */
export interface RenditionPlan {
  width: number | null
  height: number | null
  format: OutputFormat
}

export interface RenditionFile {
  path: string
  size: number
  /** Quoted strong ETag: the SHA-256 of the rendition's bytes. */
  etag: string
  mimeType: string
  ext: string
}

const FORMAT_OF_MIME: Record<string, OutputFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/gif': 'gif',
}
const OUTPUT: Record<OutputFormat, { mimeType: string; ext: string }> = {
  jpeg: { mimeType: 'image/jpeg', ext: 'jpg' },
  png: { mimeType: 'image/png', ext: 'png' },
  webp: { mimeType: 'image/webp', ext: 'webp' },
  avif: { mimeType: 'image/avif', ext: 'avif' },
  gif: { mimeType: 'image/gif', ext: 'gif' },
}

/** A rendition that takes longer than this is abandoned (422) rather than holding a thread. */
const TIMEOUT_SECONDS = 60

interface Source {
  kind: string
  mimeType: string
  width: number | null
  height: number | null
  sha256: string
}

/**
 * Turns the query into a plan, or null for the original itself. A rendition is never larger
 * than the original: a size beyond it is scaled down, keeping the asked-for shape.
 */
export function planRendition(source: Source, query: FileQuery): RenditionPlan | null {
  if (query.width === undefined && query.height === undefined && query.format === undefined) return null
  const original = FORMAT_OF_MIME[source.mimeType]
  if (source.kind !== 'image' || original === undefined || source.width === null || source.height === null) {
    throw badRequest('width, height and format apply to images only; ask for this file without them.', [
      { path: 'querystring', message: 'renditions exist for images only' },
    ])
  }
  let width = query.width ?? null
  let height = query.height ?? null
  if (width !== null && height !== null) {
    const shrink = Math.min(1, source.width / width, source.height / height)
    width = Math.max(1, Math.round(width * shrink))
    height = Math.max(1, Math.round(height * shrink))
  } else if (width !== null) {
    width = Math.min(width, source.width)
  } else if (height !== null) {
    height = Math.min(height, source.height)
  }
  return { width, height, format: query.format ?? original }
}

/** The file name of a plan inside the original's rendition folder, e.g. `640xauto.webp`. */
export function renditionName(plan: RenditionPlan): string {
  return `${plan.width ?? 'auto'}x${plan.height ?? 'auto'}.${OUTPUT[plan.format].ext}`
}

function encode(sharp: typeof SharpConstructor, source: string, plan: RenditionPlan, animated: boolean): Sharp {
  let image = sharp(source, { limitInputPixels: MAX_INPUT_PIXELS, animated })
    .timeout({ seconds: TIMEOUT_SECONDS })
    // Apply the EXIF orientation, which the stored width and height already account for.
    .autoOrient()
  if (plan.width !== null || plan.height !== null) {
    image = image.resize({
      width: plan.width ?? undefined,
      height: plan.height ?? undefined,
      // Both sides given: fill them exactly, cropping from the centre.
      fit: plan.width !== null && plan.height !== null ? 'cover' : 'inside',
      withoutEnlargement: true,
    })
  }
  switch (plan.format) {
    case 'jpeg':
      // JPEG has no transparency: put it on white rather than black.
      return image.flatten({ background: '#ffffff' }).jpeg({ quality: 82, progressive: true })
    case 'png':
      return image.png({ compressionLevel: 8 })
    case 'webp':
      return image.webp({ quality: 80 })
    case 'avif':
      return image.avif({ quality: 55 })
    case 'gif':
      return image.gif()
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export type Renditions = ReturnType<typeof createRenditions>

export function createRenditions(storage: MediaStorage, options: { maxConcurrent?: number } = {}) {
  const inFlight = new Map<string, Promise<RenditionFile>>()
  // ETags of renditions already on disk, checked against size and mtime before use.
  const etags = new Map<string, { etag: string; size: number; mtimeMs: number }>()
  const maxConcurrent = options.maxConcurrent ?? Math.max(1, availableParallelism())
  let running = 0
  let made = 0
  const waiting: (() => void)[] = []

  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve))
    running += 1
    try {
      return await fn()
    } finally {
      running -= 1
      waiting.shift()?.()
    }
  }

  async function fromDisk(path: string, plan: RenditionPlan): Promise<RenditionFile | null> {
    const info = await stat(path).catch(() => null)
    if (!info) return null
    let known = etags.get(path)
    if (!known || known.size !== info.size || known.mtimeMs !== info.mtimeMs) {
      known = { etag: `"${await sha256OfFile(path)}"`, size: info.size, mtimeMs: info.mtimeMs }
      etags.set(path, known)
    }
    return { path, size: info.size, etag: known.etag, ...OUTPUT[plan.format] }
  }

  async function make(source: Source, plan: RenditionPlan, path: string): Promise<RenditionFile> {
    const original = storage.originalPath(source.sha256)
    // Animation survives only into formats that have it.
    const animated = source.mimeType === 'image/gif' || source.mimeType === 'image/webp'
    const keepFrames = animated && (plan.format === 'gif' || plan.format === 'webp')
    const sharp = loadSharp()
    let bytes: Buffer
    try {
      bytes = await slot(() => encode(sharp, original, plan, keepFrames).toBuffer())
      made += 1
    } catch (error) {
      throw unprocessable(`The image could not be converted (${(error as Error).message.split('\n')[0]}).`)
    }
    const temp = storage.tempPath(`-${renditionName(plan)}`)
    await writeFile(temp, bytes, { mode: 0o640 })
    // Placed under the hash's lock, and only while the original is still there: a delete
    // that ran meanwhile must not be outlived by its renditions.
    const placed = await storage.withLock(source.sha256, async () => {
      if (!(await storage.exists(original))) return false
      await mkdir(storage.renditionDir(source.sha256), { recursive: true })
      await rename(temp, path)
      return true
    })
    if (!placed) {
      await rm(temp, { force: true })
      throw unprocessable('The media was deleted while its rendition was being made.')
    }
    const info = await stat(path)
    const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`
    etags.set(path, { etag, size: info.size, mtimeMs: info.mtimeMs })
    return { path, size: info.size, etag, ...OUTPUT[plan.format] }
  }

  return {
    /** The rendition's file, made now if it does not exist yet. */
    async get(source: Source, plan: RenditionPlan): Promise<RenditionFile> {
      const path = join(storage.renditionDir(source.sha256), renditionName(plan))
      const pending = inFlight.get(path)
      if (pending) return pending
      const ready = await fromDisk(path, plan)
      if (ready) return ready
      // Checked again: another request may have started it while we looked at the disk.
      const started = inFlight.get(path)
      if (started) return started
      const work = make(source, plan, path).finally(() => inFlight.delete(path))
      inFlight.set(path, work)
      return work
    },

    /** How many renditions this process has encoded (for tests and metrics). */
    get made(): number {
      return made
    },
  }
}
