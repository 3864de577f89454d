// Pictures and other files an import brings: each a media item with its caption, credit and
// rights. Bytes come only from local files (the command line's folders) and go through the
// upload path (type read from the bytes, size limit, embedded metadata); the service never
// fetches a URL during an import, so without a local file an item is made without bytes.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { newId, now } from '../db/ids.js'
import { Problem } from '../http/problems.js'
import { cleanFilename } from '../media/filename.js'
import { fit, tidy } from '../media/metadata.js'
import type { StoredMedia } from '../media/repository.js'
import { type MediaText, TEXT_FIELD_NAMES } from '../media/schemas.js'
import { acceptedType } from '../media/sniff.js'
import { storeUpload } from '../media/upload.js'
import { digestOf, type ImportContext, isNewer, type ItemOutcome } from './context.js'
import { quoted, type Warning, warning } from './warnings.js'

/** The SHA-256 of no bytes: what an item imported without its file records. */
const NO_BYTES_SHA256 = createHash('sha256').digest('hex')

// The accepted types by file name extension, for items whose bytes are not there to read.
const BY_EXTENSION = new Map<string, string>(Object.entries({
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif',
  mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', mp3: 'audio/mpeg', m4a: 'audio/mp4', pdf: 'application/pdf',
}))

export interface MediaSource {
  /** The import record's key. */
  key: string
  /**
   * The source's version of the item (a ninjs picture's `version`); null when it has none. A
   * mention without a version (an association) never overwrites an item imported with one.
   */
  version: string | null
  /** What the source calls it, for warnings: a uri, an attachment's title. */
  label: string
  text: Partial<MediaText>
  /** A file name for the item (a label), from the source's URL or path. */
  filename: string
  /** The MIME type the source declares, if any. */
  declaredType: string | null
  width: number | null
  height: number | null
  /** A local file with the bytes (the command line only); null when there is none. */
  file: string | null
  /** Why a local file that the source names may not be read (it lies outside the folder given). */
  fileRefused?: string | undefined
}

/** Source text as media text: tidied and cut to each field's length. */
function mediaText(text: Partial<MediaText>): Partial<MediaText> {
  const out: Partial<MediaText> = {}
  for (const field of TEXT_FIELD_NAMES) {
    const value = tidy(text[field] ?? '')
    if (value !== '') out[field] = fit(field, value)
  }
  return out
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** The item for `source`: made the first time, its text updated when the source's changed, left alone otherwise. */
export async function ensureMedia(source: MediaSource, ctx: ImportContext): Promise<ItemOutcome> {
  const warnings: Warning[] = []
  const text = mediaText(source.text)
  const digest = digestOf({ text, filename: source.filename })
  const record = ctx.records.get(source.key)
  const existing = record?.kind === 'media' ? ctx.media.getById(record.resourceId) : null
  const file = source.file === null ? null : await usableFile(source, ctx, warnings)

  const keep = (item: StoredMedia): ItemOutcome => {
    const known = record!.version
    const older = known !== null && (source.version === null || !isNewer(source.version, known))
    if (older || record!.digest === digest) return { action: 'unchanged', articleId: null, mediaId: item.id, warnings }
    ctx.records.atomically(() => {
      ctx.media.update(item.id, text, { base: ctx.base })
      ctx.records.put({ key: source.key, kind: 'media', resourceId: item.id, version: source.version, digest })
    })
    return { action: 'updated', articleId: null, mediaId: item.id, warnings }
  }
  // New bytes (a file where there was none, or other bytes) make a new item: a file never changes.
  const newBytes = file !== null && (existing === null || existing.sha256 !== (await sha256Of(file)))
  if (existing !== null && !newBytes) return keep(existing)

  const write = (item: StoredMedia) =>
    ctx.records.atomically(() => {
      const created = ctx.media.create(item, { base: ctx.base })
      ctx.records.put({ key: source.key, kind: 'media', resourceId: created.id, version: source.version, digest })
      return created
    })
  let created: StoredMedia | null = null
  if (file !== null) {
    try {
      const received = await ctx.storage.receive(createReadStream(file), ctx.storage.tempPath())
      created = await storeUpload({ file: received, clientFilename: basename(file), fields: text }, ctx.storage, ctx.media, write)
    } catch (error) {
      // A type that is not accepted, a picture too large to decode: the item is still made, without the file.
      if (!(error instanceof Problem)) throw error
      warnings.push(warning('media-without-file', `the file of ${quoted(source.label)} could not be used: ${error.detail}`))
      if (existing !== null) return keep(existing)
    }
  } else if (source.fileRefused !== undefined) {
    warnings.push(warning('media-without-file', `the file of ${quoted(source.label)} was not read: ${source.fileRefused}`))
  } else if (source.file === null) {
    warnings.push(warning('media-without-file', `${quoted(source.label)} was made without its bytes: imports never fetch remote files`))
  }
  created ??= write(withoutBytes(source, text))
  return { action: existing === null ? 'created' : 'updated', articleId: null, mediaId: created.id, warnings }
}

/** The local file, if it is there and within MAX_UPLOAD_BYTES; else a warning says why not. */
async function usableFile(source: MediaSource, ctx: ImportContext, warnings: Warning[]): Promise<string | null> {
  const info = await stat(source.file!).catch(() => null)
  if (info === null || !info.isFile()) {
    warnings.push(warning('media-without-file', `no file for ${quoted(source.label)} at ${quoted(source.file!)}: made without its bytes`))
    return null
  }
  if (info.size === 0 || info.size > ctx.maxUploadBytes) {
    const why = info.size === 0 ? 'is empty' : `is larger than MAX_UPLOAD_BYTES (${ctx.maxUploadBytes} bytes)`
    warnings.push(warning('media-without-file', `the file of ${quoted(source.label)} ${why}: made without its bytes`))
    return null
  }
  return source.file
}

/** An item with no bytes: size 0, the hash of nothing; its type from what the source says or its name. */
function withoutBytes(source: MediaSource, text: Partial<MediaText>): StoredMedia {
  const ext = extname(source.filename).slice(1).toLowerCase()
  const type = acceptedType(source.declaredType ?? undefined) ?? acceptedType(BY_EXTENSION.get(ext))
  const time = now()
  return {
    id: newId(),
    kind: type?.kind ?? 'document',
    mimeType: type?.mimeType ?? 'application/octet-stream',
    filename: cleanFilename(source.filename, type?.ext ?? (ext || 'bin')),
    size: 0,
    width: source.width,
    height: source.height,
    sha256: NO_BYTES_SHA256,
    caption: text.caption ?? '',
    credit: text.credit ?? '',
    creator: text.creator ?? '',
    copyright: text.copyright ?? '',
    usageTerms: text.usageTerms ?? '',
    altText: text.altText ?? '',
    createdAt: time,
    updatedAt: time,
    version: 1,
  }
}
