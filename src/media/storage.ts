// Media bytes on disk, content-addressed: originals/ab/<sha256> holds each distinct upload once,
// renditions/ab/<sha256>/<variant> what was made from it, tmp/ what is still arriving. A file
// is placed and removed only under a per-hash lock, so an upload that reuses bytes and a
// delete that frees them can never interleave.
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
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

export function createMediaStorage(root: string) {
  const tmpDir = join(root, 'tmp')
  const locks = new Map<string, Promise<unknown>>()

  const shard = (sha256: string) => sha256.slice(0, 2)
  const originalPath = (sha256: string) => join(root, 'originals', shard(sha256), sha256)
  const renditionDir = (sha256: string) => join(root, 'renditions', shard(sha256), sha256)

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
      if (await exists(target)) {
        await rm(file.tempPath, { force: true })
        return false
      }
      await mkdir(join(root, 'originals', shard(file.sha256)), { recursive: true })
      await rename(file.tempPath, target)
      return true
    },

    /** Removes the bytes and every rendition made from them (call under `withLock`). */
    async removeBytes(sha256: string): Promise<void> {
      await rm(renditionDir(sha256), { recursive: true, force: true })
      await unlink(originalPath(sha256)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
      })
    },

    exists,
  }
}
