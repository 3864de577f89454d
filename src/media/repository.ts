// Media items in SQLite.
import type { Statement } from 'better-sqlite3'
import type { Db } from '../db/client.js'
import type { Media } from './schemas.js'

export type MediaRepository = ReturnType<typeof createMediaRepository>

/** A media item as stored: everything but the absolute `url`. */
export type StoredMedia = Omit<Media, 'url'>

const COLUMNS = `id, kind, mime_type AS mimeType, filename, size, width, height, sha256, caption, credit, creator,
  copyright, usage_terms AS usageTerms, alt_text AS altText, created_at AS createdAt, updated_at AS updatedAt, version`

export function mediaUrl(base: string, item: StoredMedia): string {
  return `${base}/v1/media/${item.id}/file`
}

export function toMedia(base: string, item: StoredMedia): Media {
  return { ...item, url: mediaUrl(base, item) }
}

export function createMediaRepository(db: Db) {
  const sqlite = db.$client
  const statements = new Map<number, Statement<unknown[]>>()

  return {
    /** The media items with these ids, by id; absent ids are simply missing. */
    findByIds(ids: readonly string[]): Map<string, StoredMedia> {
      const unique = [...new Set(ids)]
      if (unique.length === 0) return new Map()
      let statement = statements.get(unique.length)
      if (!statement) {
        statement = sqlite.prepare(`SELECT ${COLUMNS} FROM media WHERE id IN (${unique.map(() => '?').join(', ')})`)
        statements.set(unique.length, statement)
      }
      const rows = statement.all(...unique) as StoredMedia[]
      return new Map(rows.map((row) => [row.id, row]))
    },
  }
}
