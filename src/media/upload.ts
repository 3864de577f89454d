// Reading an upload form: the `file` part streamed to a temp file under MEDIA_DIR (hashed on
// the way, never held in memory, cut off at MAX_UPLOAD_BYTES), the text fields checked like a
// JSON body would be; then what the file is. Whatever goes wrong, no temp file outlives it.
import { createHash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import type { FastifyRequest } from 'fastify'
import { newId, now } from '../db/ids.js'
import { badRequest, invalidField, payloadTooLarge, Problem, unsupportedMediaType } from '../http/problems.js'
import { cleanFilename } from './filename.js'
import { type EmbeddedText, mergeText } from './metadata.js'
import { probeFile } from './probe.js'
import type { MediaRepository, StoredMedia } from './repository.js'
import { TEXT_FIELDS, type TextField } from './schemas.js'
import { ALLOWED_DESCRIPTION, sniffFile } from './sniff.js'
import type { MediaStorage, ReceivedFile } from './storage.js'

export interface UploadForm {
  file: ReceivedFile
  /** As the client sent it; clean it before showing it anywhere. */
  clientFilename: string
  fields: EmbeddedText
  /**
   * SHA-256 over every part as it came (names, text, the file's name and the digest of its
   * bytes), boundaries aside: what an Idempotency-Key is checked against.
   */
  digest: string
}

/** What storing an upload needs: the bytes and the text, read from a form or (imports) a local file. */
export type StoredUpload = Omit<UploadForm, 'digest'>

const isTextField = (name: string): name is TextField => Object.hasOwn(TEXT_FIELDS, name)

/** Limits for busboy: one file (a second is reported, not silently dropped), a few short fields. */
export function multipartLimits(maxUploadBytes: number) {
  return { fileSize: maxUploadBytes, files: 2, fields: 20, fieldSize: 64 * 1024, parts: 30, headerPairs: 100 }
}

function humanBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`
  return `${bytes} bytes`
}

/**
 * Problems and Fastify's own 4xx errors (multipart limits) pass as they are, and so do system
 * errors (a full disk is ours to fix). Anything else came from parsing the body: a boundary
 * missing, a part cut short, a client that hung up mid-file.
 */
export function asClientError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof Problem) return error
  if (typeof (error as { statusCode?: unknown }).statusCode === 'number') return error
  if (typeof (error as { syscall?: unknown }).syscall === 'string') return error
  return badRequest(`The multipart body could not be read: ${error.message}.`)
}

export async function readUploadForm(request: FastifyRequest, storage: MediaStorage, maxUploadBytes: number): Promise<UploadForm> {
  if (!request.isMultipart()) {
    throw unsupportedMediaType('Upload with Content-Type multipart/form-data: a "file" part and any of the text fields.')
  }
  const fields: EmbeddedText = {}
  let file: ReceivedFile | null = null
  let clientFilename = ''
  const digest = createHash('sha256')
  // One JSON line a part, so that no two different forms can run together into the same text.
  const record = (...part: (string | number)[]) => digest.update(`${JSON.stringify(part)}\n`)
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file !== null) {
          part.file.resume()
          throw part.fieldname !== 'file'
            ? invalidField(`body.${part.fieldname}`, 'is not an allowed field')
            : invalidField('body.file', 'must be sent once')
        }
        const received = await storage.receive(part.file, storage.tempPath())
        if (part.file.truncated) {
          await rm(received.tempPath, { force: true })
          throw payloadTooLarge(`The file is larger than the ${humanBytes(maxUploadBytes)} allowed (MAX_UPLOAD_BYTES).`)
        }
        file = received
        clientFilename = part.filename
        record('file', part.fieldname, part.filename, received.sha256, received.size)
        continue
      }
      const name = part.fieldname
      if (name === 'file') throw invalidField('body.file', 'must be a file part, not a text field')
      if (!isTextField(name)) throw invalidField(`body.${name}`, 'is not an allowed field')
      if (fields[name] !== undefined) throw invalidField(`body.${name}`, 'must be sent once')
      const value = part.value
      if (typeof value !== 'string') throw invalidField(`body.${name}`, 'must be plain text')
      if (part.valueTruncated || [...value].length > TEXT_FIELDS[name].maxLength) {
        throw invalidField(`body.${name}`, `must NOT have more than ${TEXT_FIELDS[name].maxLength} characters`)
      }
      fields[name] = value
      record('field', name, value)
    }
  } catch (error) {
    if (file) await rm(file.tempPath, { force: true })
    throw asClientError(error)
  }
  if (!file) throw invalidField('body.file', 'is required')
  if (file.size === 0) {
    await rm(file.tempPath, { force: true })
    throw invalidField('body.file', 'is empty')
  }
  return { file, clientFilename, fields, digest: digest.digest('hex') }
}

/** Everything a new item is made of, read from the received file and the form. */
export async function describeUpload(form: StoredUpload): Promise<Omit<StoredMedia, 'id' | 'createdAt' | 'updatedAt' | 'version'>> {
  const { accepted, detected } = await sniffFile(form.file.tempPath)
  if (!accepted) {
    const what = detected === undefined ? 'The file is of no recognised type' : `Files of type ${detected} are not accepted`
    throw unsupportedMediaType(`${what}; upload ${ALLOWED_DESCRIPTION}.`)
  }
  const probe = await probeFile(form.file.tempPath, accepted, form.file.size)
  return {
    kind: accepted.kind,
    mimeType: accepted.mimeType,
    filename: cleanFilename(form.clientFilename, accepted.ext),
    size: form.file.size,
    width: probe.width,
    height: probe.height,
    sha256: form.file.sha256,
    ...mergeText(form.fields, probe.embedded),
  }
}

/**
 * Makes a received file a media item: its bytes placed at their content address, then its row
 * written by `write` (in whatever transaction the caller needs). Should the write fail, bytes no
 * other row uses are removed again; whatever happens, the temp file is gone after.
 */
export async function storeUpload<T>(form: StoredUpload, storage: MediaStorage, media: MediaRepository, write: (item: StoredMedia) => T): Promise<T> {
  try {
    const time = now()
    const item: StoredMedia = { id: newId(), ...(await describeUpload(form)), createdAt: time, updatedAt: time, version: 1 }
    return await storage.withLock(item.sha256, async () => {
      const isNew = await storage.place(form.file)
      try {
        return write(item)
      } catch (error) {
        if (isNew && !media.isShaUsed(item.sha256)) await storage.removeBytes(item.sha256)
        throw error
      }
    })
  } finally {
    // Gone already once placed; this is for every way of failing before that.
    await rm(form.file.tempPath, { force: true })
  }
}
