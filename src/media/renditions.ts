// Resized or converted images, made the first time they are asked for and kept on disk next to
// the original's hash. Anyone may ask for one, so the work is bounded every way an attacker
// could push it: sizes snap to a ladder (RENDITION_WIDTHS), so an item has a bounded set of
// variants on disk; each is encoded in a process of its own (rendition-encoder.ts), killed when
// it takes too long or when every client that wanted it has gone; at most RENDITION_CONCURRENCY
// run at once, a few more wait a short while, and beyond that a request is a 503 with
// Retry-After. Requests for a rendition being made wait for the same work.
import { type ChildProcess, fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { badRequest, serviceUnavailable, unprocessable } from '../http/problems.js'
import type { EncodeJob, OutputFormat } from './encode.js'
import type { FileQuery } from './schemas.js'
import type { MediaStorage } from './storage.js'

// The encoder is this module's sibling: compiled beside it, or TypeScript under a loader (tap),
// which the forked process inherits through execArgv.
const fromSource = import.meta.url.endsWith('.ts')
export const RENDITION_ENCODER = new URL(fromSource ? './rendition-encoder.ts' : './rendition-encoder.js', import.meta.url)

export const DEFAULT_RENDITION_WIDTHS: readonly number[] = Object.freeze([160, 320, 640, 960, 1280, 1920, 2560])

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

export interface RenditionLimits {
  /** The sizes a rendition's sides snap up to (ascending): each item has a bounded set of variants. */
  widths: readonly number[]
  /** Encodes at once. */
  maxConcurrent: number
  /** Requests that may wait for a turn; one more is a 503. */
  maxWaiting: number
  /** How long a request waits for a turn before it is a 503. */
  maxWaitMs: number
  /** An encode that takes longer is stopped (its process killed) and answers 422. */
  timeoutMs: number
}

const DEFAULT_LIMITS: RenditionLimits = { widths: DEFAULT_RENDITION_WIDTHS, maxConcurrent: 1, maxWaiting: 8, maxWaitMs: 5_000, timeoutMs: 30_000 }

/** The smallest step of the ladder at least `size`, or its largest. */
export function snap(size: number, widths: readonly number[]): number {
  return widths.find((step) => step >= size) ?? widths[widths.length - 1]!
}

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
export function planRendition(source: Source, query: FileQuery, widths: readonly number[] = DEFAULT_RENDITION_WIDTHS): RenditionPlan | null {
  if (query.width === undefined && query.height === undefined && query.format === undefined) return null
  const original = FORMAT_OF_MIME[source.mimeType]
  if (source.kind !== 'image' || original === undefined || source.width === null || source.height === null) {
    throw badRequest('width, height and format apply to images only; ask for this file without them.', [
      { path: 'querystring', message: 'renditions exist for images only' },
    ])
  }
  let width = query.width === undefined ? null : snap(query.width, widths)
  let height = query.height === undefined ? null : snap(query.height, widths)
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

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export type Renditions = ReturnType<typeof createRenditions>

/** Waits for a turn: at once, after others (up to a point), or never (a 503). */
function createTurns(limits: RenditionLimits) {
  let running = 0
  const waiting: (() => void)[] = []
  const busy = () =>
    serviceUnavailable('Images are being resized for other requests: ask again in a few seconds.', Math.ceil(limits.maxWaitMs / 1000))
  return {
    async take(signal: AbortSignal): Promise<void> {
      if (running < limits.maxConcurrent) {
        running += 1
        return
      }
      if (waiting.length >= limits.maxWaiting) throw busy()
      await new Promise<void>((resolve, reject) => {
        const leave = (error: Error) => {
          waiting.splice(waiting.indexOf(go), 1)
          clearTimeout(timer)
          reject(error)
        }
        const go = () => {
          clearTimeout(timer)
          signal.removeEventListener('abort', onAbort)
          running += 1
          resolve()
        }
        const onAbort = () => leave(gone())
        const timer = setTimeout(() => leave(busy()), limits.maxWaitMs)
        signal.addEventListener('abort', onAbort, { once: true })
        waiting.push(go)
      })
    },
    release(): void {
      running -= 1
      waiting.shift()?.()
    },
  }
}

/** The clients that wanted a rendition have all gone: nobody will read this answer. */
const gone = () => serviceUnavailable('The request was given up before its rendition was made.', 1)

/** How long an encoder may wait idle for its next job before it is let go (and its memory with it). */
const ENCODER_IDLE_MS = 10_000

/**
 * Encoder processes: one is started for a job when none is idle, goes back to the idle ones when
 * the job succeeds, and is killed when it fails, takes too long, or its job is given up.
 */
function createEncoders() {
  const idle = new Map<ChildProcess, NodeJS.Timeout>()

  function take(): ChildProcess {
    for (const [child, timer] of idle) {
      idle.delete(child)
      clearTimeout(timer)
      if (child.connected) {
        child.ref()
        return child
      }
    }
    return fork(RENDITION_ENCODER, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' })
  }

  function giveBack(child: ChildProcess): void {
    if (!child.connected) return
    // An idle encoder never keeps the service's process alive.
    child.unref()
    ;(child.channel as { unref?: () => void } | undefined)?.unref?.()
    idle.set(
      child,
      setTimeout(() => {
        idle.delete(child)
        child.disconnect()
      }, ENCODER_IDLE_MS).unref(),
    )
  }

  /** Runs one job; kills its encoder on timeout or when `signal` aborts. */
  function run(job: EncodeJob, signal: AbortSignal, timeoutMs: number): Promise<void> {
    const child = take()
    ;(child.channel as { ref?: () => void } | undefined)?.ref?.()
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        child.off('message', onMessage).off('exit', onExit).off('error', onError)
        if (error) {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
          reject(error)
        } else {
          giveBack(child)
          resolve()
        }
      }
      const onAbort = () => finish(gone())
      const onMessage = (message: { ok: boolean; error?: string }) =>
        finish(message.ok ? undefined : unprocessable(`The image could not be converted (${message.error}).`))
      const onExit = () => finish(unprocessable('The image could not be converted (the encoder stopped).'))
      const onError = (error: Error) => finish(error)
      const timer = setTimeout(
        () => finish(unprocessable(`The image could not be converted within ${Math.round(timeoutMs / 1000)} s; ask for a smaller size or another format.`)),
        timeoutMs,
      )
      signal.addEventListener('abort', onAbort, { once: true })
      child.on('message', onMessage).on('exit', onExit).on('error', onError)
      child.send(job)
    })
  }

  /** Lets every idle encoder go. */
  function close(): void {
    for (const [child, timer] of idle) {
      clearTimeout(timer)
      child.kill('SIGKILL')
    }
    idle.clear()
  }

  return { run, close }
}

interface Work {
  result: Promise<RenditionFile>
  /** Requests waiting for it; when the last one goes, the work is given up. */
  interested: number
  controller: AbortController
}

export function createRenditions(storage: MediaStorage, limits: Partial<RenditionLimits> = {}) {
  const settings: RenditionLimits = { ...DEFAULT_LIMITS, ...limits }
  const inFlight = new Map<string, Work>()
  // ETags of renditions already on disk, checked against size and mtime before use.
  const etags = new Map<string, { etag: string; size: number; mtimeMs: number }>()
  const turns = createTurns(settings)
  const encoders = createEncoders()
  let made = 0

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

  async function make(source: Source, plan: RenditionPlan, path: string, signal: AbortSignal): Promise<RenditionFile> {
    const original = storage.originalPath(source.sha256)
    // Animation survives only into formats that have it.
    const animated = source.mimeType === 'image/gif' || source.mimeType === 'image/webp'
    const keepFrames = animated && (plan.format === 'gif' || plan.format === 'webp')
    const temp = storage.tempPath(`-${renditionName(plan)}`)
    await turns.take(signal)
    try {
      await encoders.run({ source: original, target: temp, width: plan.width, height: plan.height, format: plan.format, animated: keepFrames }, signal, settings.timeoutMs)
      made += 1
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    } finally {
      turns.release()
    }
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
    const ready = await fromDisk(path, plan)
    if (!ready) throw unprocessable('The rendition vanished as it was placed.')
    return ready
  }

  /** Joins the work for `path` on behalf of one request, which may give up (`signal`). */
  function follow(work: Work, signal: AbortSignal): Promise<RenditionFile> {
    work.interested += 1
    signal.addEventListener(
      'abort',
      () => {
        work.interested -= 1
        if (work.interested === 0) work.controller.abort()
      },
      { once: true },
    )
    return work.result
  }

  return {
    /** The sizes renditions snap to. */
    widths: settings.widths,

    /**
     * The rendition's file, made now if it does not exist yet. `signal` says the client has gone:
     * when every request for it has, the encode is stopped.
     */
    async get(source: Source, plan: RenditionPlan, signal: AbortSignal = new AbortController().signal): Promise<RenditionFile> {
      const path = join(storage.renditionDir(source.sha256), renditionName(plan))
      const pending = inFlight.get(path)
      if (pending) return follow(pending, signal)
      const ready = await fromDisk(path, plan)
      if (ready) return ready
      // Checked again: another request may have started it while we looked at the disk.
      const started = inFlight.get(path)
      if (started) return follow(started, signal)
      const controller = new AbortController()
      const work: Work = { result: make(source, plan, path, controller.signal).finally(() => inFlight.delete(path)), interested: 0, controller }
      inFlight.set(path, work)
      return follow(work, signal)
    },

    /** Lets the idle encoder processes go (at close). */
    close(): void {
      encoders.close()
    },

    /** How many renditions this process has encoded (for tests and metrics). */
    get made(): number {
      return made
    },
  }
}
