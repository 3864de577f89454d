// The media libraries (sharp with libvips, exifr, file-type), loaded the first time an upload or
// a rendition needs them rather than at start: a service that is only read never pays the ~0.3 s
// they add to its start nor the memory they hold. sharp and exifr are CommonJS and are required
// synchronously, in one step, so that a first upload does not wait on dozens of turns of an
// event loop busy with other requests; file-type is an ES module only (bundled into the server).
import { createRequire } from 'node:module'
import type SharpModule from 'sharp'
import type ExifrModule from 'exifr'
import type * as FileTypeModule from 'file-type'

const require = createRequire(import.meta.url)
let sharp: typeof SharpModule | undefined
let fileType: Promise<typeof FileTypeModule> | undefined

export function loadSharp(): typeof SharpModule {
  if (!sharp) {
    sharp = require('sharp') as typeof SharpModule
    // libvips keeps recent operations in memory (up to 50 MB) to reuse them; each rendition is
    // made once and then served from disk, so that memory would only ever hold dead results.
    sharp.cache(false)
  }
  return sharp
}

export function loadExifr(): typeof ExifrModule {
  return require('exifr') as typeof ExifrModule
}

export function loadFileType(): Promise<typeof FileTypeModule> {
  return (fileType ??= import('file-type'))
}
