// The type of an upload, read from its first bytes (file-type), never from its name or the
// client's Content-Type: only the types below are accepted, each under one canonical MIME type.
import { loadFileType } from './libraries.js'
import type { MediaKindName } from './schemas.js'

export interface SniffedType {
  kind: MediaKindName
  mimeType: string
  /** The usual file name extension, without the dot. */
  ext: string
}

// file-type's MIME type → what the service stores and serves.
const ALLOWED: Record<string, SniffedType> = {
  'image/jpeg': { kind: 'image', mimeType: 'image/jpeg', ext: 'jpg' },
  'image/png': { kind: 'image', mimeType: 'image/png', ext: 'png' },
  // An animated PNG is a PNG to every browser.
  'image/apng': { kind: 'image', mimeType: 'image/png', ext: 'png' },
  'image/webp': { kind: 'image', mimeType: 'image/webp', ext: 'webp' },
  'image/avif': { kind: 'image', mimeType: 'image/avif', ext: 'avif' },
  'image/gif': { kind: 'image', mimeType: 'image/gif', ext: 'gif' },
  'video/mp4': { kind: 'video', mimeType: 'video/mp4', ext: 'mp4' },
  'video/x-m4v': { kind: 'video', mimeType: 'video/mp4', ext: 'mp4' },
  'video/webm': { kind: 'video', mimeType: 'video/webm', ext: 'webm' },
  'audio/mpeg': { kind: 'audio', mimeType: 'audio/mpeg', ext: 'mp3' },
  'audio/x-m4a': { kind: 'audio', mimeType: 'audio/mp4', ext: 'm4a' },
  'audio/mp4': { kind: 'audio', mimeType: 'audio/mp4', ext: 'm4a' },
  'application/pdf': { kind: 'document', mimeType: 'application/pdf', ext: 'pdf' },
}

export const ALLOWED_DESCRIPTION = 'JPEG, PNG, WebP, AVIF, GIF, MP4, WebM, MP3, M4A or PDF'

/** What file-type says the bytes are, if it is one of the accepted types; null otherwise. */
export function acceptedType(detectedMime: string | undefined): SniffedType | null {
  if (detectedMime === undefined) return null
  return ALLOWED[detectedMime] ?? null
}

/** Reads the start of the file; `detected` names what it looks like, for the 415 message. */
export async function sniffFile(path: string): Promise<{ accepted: SniffedType | null; detected: string | undefined }> {
  const { fileTypeFromFile } = await loadFileType()
  const found = await fileTypeFromFile(path)
  return { accepted: acceptedType(found?.mime), detected: found?.mime }
}
