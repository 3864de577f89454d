// Media items in SQLite: the rows only; the bytes live on disk (storage.ts), named by their
// SHA-256, so several rows may share one file.
import { type Db, transactional } from '../db/client.js'
import { isForeignKeyViolation, statementCache } from '../db/statements.js'
import { now } from '../db/ids.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { conflict, notFound, preconditionFailed } from '../http/problems.js'
import type { RecordEvent } from '../webhooks/outbox.js'
import { type Media, type MediaKindName, type MediaPatch, TEXT_FIELD_NAMES } from './schemas.js'

export type MediaRepository = ReturnType<typeof createMediaRepository>

/** A media item as stored: everything but the absolute `url`. */
export type StoredMedia = Omit<Media, 'url'>

/** Guards a write: it happens only while the item is still at this version (If-Match). */
export interface WriteOptions {
  ifVersion?: number | undefined
  /** Base of absolute URLs, for the `url` in webhook events. */
  base: string
}

export interface MediaListQuery {
  limit: number
  cursor?: string | undefined
  kind?: MediaKindName | undefined
  sha256?: string | undefined
}

const COLUMNS = `id, kind, mime_type AS mimeType, filename, size, width, height, sha256, caption, credit, creator,
  copyright, usage_terms AS usageTerms, alt_text AS altText, created_at AS createdAt, updated_at AS updatedAt, version`

/** The file URL is per item: its bytes never change, so it may be cached for good. */
export function mediaUrl(base: string, item: StoredMedia): string {
  return `${base}/v1/media/${item.id}/file`
}

export function toMedia(base: string, item: StoredMedia): Media {
  return { ...item, url: mediaUrl(base, item) }
}

export function createMediaRepository(db: Db, recordEvent: RecordEvent = () => {}) {
  const sqlite = db.$client
  const prepared = statementCache(sqlite)

  const byId = sqlite.prepare<[string], StoredMedia>(`SELECT ${COLUMNS} FROM media WHERE id = ?`)
  const insert = sqlite.prepare(`INSERT INTO media (id, kind, mime_type, filename, size, width, height, sha256, caption, credit,
    creator, copyright, usage_terms, alt_text, created_at, updated_at, version)
    VALUES (@id, @kind, @mimeType, @filename, @size, @width, @height, @sha256, @caption, @credit, @creator, @copyright,
    @usageTerms, @altText, @createdAt, @updatedAt, @version)`)
  const updateText = sqlite.prepare(`UPDATE media SET caption = @caption, credit = @credit, creator = @creator,
    copyright = @copyright, usage_terms = @usageTerms, alt_text = @altText, updated_at = @updatedAt, version = @version
    WHERE id = @id AND version = @previousVersion`)
  const deleteById = sqlite.prepare('DELETE FROM media WHERE id = ?')
  const users = sqlite.prepare<[string], { articleId: string }>('SELECT article_id AS articleId FROM article_media WHERE media_id = ? LIMIT 5')
  const shaUsed = sqlite.prepare<[string], { one: number }>('SELECT 1 AS one FROM media WHERE sha256 = ? LIMIT 1')

  function current(id: string, ifVersion: number | undefined): StoredMedia {
    const row = byId.get(id)
    if (!row) throw notFound('media', id)
    if (ifVersion !== undefined && row.version !== ifVersion) {
      throw preconditionFailed(`The media is at version ${row.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return row
  }

  const create = transactional(db, (item: StoredMedia, options: WriteOptions): StoredMedia => {
    insert.run(item)
    recordEvent('media.created', toMedia(options.base, item))
    return item
  })

  const update = transactional(db, (id: string, patch: MediaPatch, options: WriteOptions): StoredMedia => {
    const before = current(id, options.ifVersion)
    const after: StoredMedia = { ...before }
    for (const field of TEXT_FIELD_NAMES) {
      const value = patch[field]
      if (value !== undefined) after[field] = value
    }
    // Sending what is already there is not a change: no new version, no event.
    if (TEXT_FIELD_NAMES.every((field) => after[field] === before[field])) return before
    after.updatedAt = now()
    after.version = before.version + 1
    const result = updateText.run({ ...after, previousVersion: before.version })
    if (result.changes === 0) throw preconditionFailed('The media changed while this request was being handled; fetch it again.')
    recordEvent('media.updated', toMedia(options.base, after))
    return after
  })

  /** Deletes the row; answers whether another row still uses the same bytes. */
  const remove = transactional(db, (id: string, ifVersion?: number): { sha256: string; bytesStillUsed: boolean } => {
    const before = current(id, ifVersion)
    const inUse = users.all(id)
    if (inUse.length > 0) throw inUseConflict(id, inUse.map((u) => u.articleId))
    try {
      deleteById.run(id)
    } catch (error) {
      // The foreign key is the real guard: an article may have started using it just now.
      if (isForeignKeyViolation(error)) throw inUseConflict(id, [])
      throw error
    }
    return { sha256: before.sha256, bytesStillUsed: shaUsed.get(before.sha256) !== undefined }
  })

  function inUseConflict(id: string, articleIds: string[]) {
    const which = articleIds.length > 0 ? ` (${articleIds.map((a) => `"${a}"`).join(', ')}${articleIds.length === 5 ? ', …' : ''})` : ''
    return conflict(`The media "${id}" is used by articles${which} as lead media or in a media block; remove it from them first.`)
  }

  return {
    create,
    update,
    remove,

    getById(id: string): StoredMedia | null {
      return byId.get(id) ?? null
    },

    /** Whether any row names these bytes (before a file is unlinked). */
    isShaUsed(sha256: string): boolean {
      return shaUsed.get(sha256) !== undefined
    },

    /** Newest first; keyset paging on (created_at, id), so new uploads never shift later pages. */
    list(query: MediaListQuery) {
      const where: string[] = []
      const args: unknown[] = []
      if (query.kind !== undefined) {
        where.push('kind = ?')
        args.push(query.kind)
      }
      if (query.sha256 !== undefined) {
        where.push('sha256 = ?')
        args.push(query.sha256)
      }
      if (query.cursor !== undefined) {
        const [createdAt, id] = decodeCursor(query.cursor, ['string', 'string'])
        where.push('(created_at, id) < (?, ?)')
        args.push(createdAt, id)
      }
      const sql = `SELECT ${COLUMNS} FROM media ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ?`
      const rows = prepared(sql).all(...args, query.limit + 1) as StoredMedia[]
      return toPage(rows, query.limit, (last) => [last.createdAt, last.id])
    },

    /** The media items with these ids, by id; absent ids are simply missing. */
    findByIds(ids: readonly string[]): Map<string, StoredMedia> {
      const unique = [...new Set(ids)]
      if (unique.length === 0) return new Map()
      const rows = prepared(`SELECT ${COLUMNS} FROM media WHERE id IN (${unique.map(() => '?').join(', ')})`).all(...unique) as StoredMedia[]
      return new Map(rows.map((row) => [row.id, row]))
    },
  }
}
