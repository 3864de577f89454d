// Media bytes on disk, content-addressed: originals/ab/<sha256> holds each distinct upload once,
// renditions/ab/<sha256>/<variant> what was made from it, tmp/ what is still arriving. A file
// is placed and removed only under a per-hash lock, so an upload that reuses bytes and a
// delete that frees them can never interleave.
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat, unlink, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface ReceivedFile {
  /** Where the bytes are until `place` moves them. */
  tempPath: string
  sha256: string
  size: number
}

export type MediaStorage = ReturnType<typeof createMediaStorage>

/** Temp files older than this are left over from a crash (or a killed upload) and removed at start. */
const STALE_TEMP_MS = 60 * 60 * 1000
/**
 * Bytes no media item holds are removed at start only once this old: younger ones may belong to
 * an upload still on its way, in this process or in another one on the same MEDIA_DIR (the old
 * process of a rolling restart), whose row is not written yet.
 */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000
const SHA256_NAME = /^[0-9a-f]{64}$/

export function createMediaStorage(root: string) {
  const tmpDir = join(root, 'tmp')
  const locks = new Map<string, Promise<unknown>>()

  const shard = (sha256: string) => sha256.slice(0, 2)
  const originalPath = (sha256: string) => join(root, 'originals', shard(sha256), sha256)
  const renditionDir = (sha256: string) => join(root, 'renditions', shard(sha256), sha256)

  /** When the bytes of this hash or a rendition of them last changed (or were reused); 0 if none are left. */
  async function lastTouched(sha256: string): Promise<number> {
    const times = await Promise.all([originalPath(sha256), renditionDir(sha256)].map((path) => stat(path).then((info) => info.mtimeMs, () => 0)))
    return Math.max(...times)
  }

  /** The hashes that have an original or renditions on disk (anything else there is not ours to judge). */
  async function storedHashes(): Promise<Set<string>> {
    const found = new Set<string>()
    for (const kind of ['originals', 'renditions']) {
      for (const shardName of await readdir(join(root, kind)).catch(() => [] as string[])) {
        for (const name of await readdir(join(root, kind, shardName)).catch(() => [] as string[])) {
          if (SHA256_NAME.test(name) && shard(name) === shardName) found.add(name)
        }
      }
    }
    return found
  }

  async function exists(path: string): Promise<boolean> {
    try {
      await stat(path)
      return true
    } catch {
      return false
    }
  }

  /** Runs `fn` alone among everything else locked on this hash (in this process). */
  async function withLock<T>(sha256: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(sha256) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.then(
      () => {},
      () => {},
    )
    locks.set(sha256, tail)
    try {
      return await run
    } finally {
      if (locks.get(sha256) === tail) locks.delete(sha256)
    }
  }

  /** Removes the bytes and every rendition made from them (call under `withLock`). */
  async function removeBytes(sha256: string): Promise<void> {
    await rm(renditionDir(sha256), { recursive: true, force: true })
    await unlink(originalPath(sha256)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
    })
  }

  return {
    originalPath,
    renditionDir,
    withLock,

    /** Creates the folders and removes temp files a crash left behind. */
    async init(): Promise<void> {
      await mkdir(tmpDir, { recursive: true })
      await mkdir(join(root, 'originals'), { recursive: true })
      await mkdir(join(root, 'renditions'), { recursive: true })
      const cutoff = Date.now() - STALE_TEMP_MS
      for (const name of await readdir(tmpDir)) {
        const path = join(tmpDir, name)
        const info = await stat(path).catch(() => null)
        if (info && info.mtimeMs < cutoff) await rm(path, { force: true, recursive: true })
      }
    },

    /** A fresh temp path under MEDIA_DIR, on the same file system as the final place. */
    tempPath(suffix = ''): string {
      return join(tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}${suffix}.part`)
    },

    /**
     * Streams `source` to a temp file while hashing and counting it, so that the upload is
     * never held in memory. On any failure the temp file is gone before this rejects.
     */
    async receive(source: Readable, tempPath: string): Promise<ReceivedFile> {
      const hash = createHash('sha256')
      let size = 0
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk)
          size += chunk.length
          done(null, chunk)
        },
      })
      try {
        await pipeline(source, tap, createWriteStream(tempPath, { flags: 'wx', mode: 0o640 }))
      } catch (error) {
        await rm(tempPath, { force: true })
        throw error
      }
      return { tempPath, sha256: hash.digest('hex'), size }
    },

    /**
     * Moves received bytes to their content address (call under `withLock`). When the same
     * bytes are already stored, the temp copy is dropped. Answers whether the file is new.
     */
    async place(file: ReceivedFile): Promise<boolean> {
      const target = originalPath(file.sha256)
      // Reused bytes are touched, so that a sweep of unreferenced files in another process gives
      // them the grace period while this upload writes its row (gone meanwhile: placed anew).
      const time = new Date()
      if (await utimes(target, time, time).then(() => true, () => false)) {
        await rm(file.tempPath, { force: true })
        return false
      }
      await mkdir(join(root, 'originals', shard(file.sha256)), { recursive: true })
      await rename(file.tempPath, target)
      return true
    },

    removeBytes,

    /**
     * Removes the bytes and renditions of every hash that no media item holds (`isUsed`) and
     * that nothing touched for `graceMs`: what a crash between placing a file and writing its
     * row left behind. Each hash is judged again under its lock, so an upload reusing the bytes
     * meanwhile keeps them. Stops when `signal` aborts; answers how many hashes it removed.
     */
    async sweepOrphans(isUsed: (sha256: string) => boolean, signal: AbortSignal, graceMs = ORPHAN_GRACE_MS): Promise<number> {
      let removed = 0
      for (const sha256 of await storedHashes()) {
        if (signal.aborted) break
        if (isUsed(sha256)) continue
        const gone = await withLock(sha256, async () => {
          if (signal.aborted || isUsed(sha256) || (await lastTouched(sha256)) > Date.now() - graceMs) return false
          await removeBytes(sha256)
          return true
        })
        if (gone) removed++
      }
      return removed
    },

    exists,
  }
}
