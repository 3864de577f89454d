// Media items in SQLite: the rows only; the bytes live on disk (storage.ts), named by their
// SHA-256, so several rows may share one file.
import { lookupByIds } from '../db/lookup-by-ids.js'
import { fastRows } from '../db/row-mapper.js'
import { bound } from '../db/sql-values.js'
import { and, desc, eq, getTableColumns, inArray, lt, lte, or, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { now } from '../db/ids.js'
import { articleMedia, media } from '../db/schema.js'
import { isForeignKeyViolation } from '../db/statements.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { conflict, notFound, preconditionFailed } from '../http/problems.js'
import type { RecordEvent } from '../webhooks/outbox.js'
import { type Media, type MediaKindName, type MediaPatch, TEXT_FIELD_NAMES } from './schemas.js'
import { boundLimit, fixedLimit } from '../db/bound-limit.js'

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

/** The file URL is per item: its bytes never change, so it may be cached for good. */
export function mediaUrl(base: string, item: StoredMedia): string {
  return `${base}/v1/media/${item.id}/file`
}

export function toMedia(base: string, item: StoredMedia): Media {
  return { ...item, url: mediaUrl(base, item) }
}

/**
 * The sizes of the prepared `id IN (...)` lookups. A request is padded up to the next size with
 * its last id (a repeat matches nothing more), and one longer than the largest is read in parts.
 */

const p = sql.placeholder

export function createMediaRepository(db: Db, recordEvent: RecordEvent = () => {}) {
  const byId = db.select().from(media).where(eq(media.id, p('id'))).prepare()
  // Placeholders named '0', '1', ...: the padded list of ids, spread, supplies their values.
  // The text fields an editor writes, each bound to the placeholder of its name.
  const boundText = {
    caption: bound('caption'),
    credit: bound('credit'),
    creator: bound('creator'),
    copyright: bound('copyright'),
    usageTerms: bound('usageTerms'),
    altText: bound('altText'),
  }
  const mediaColumns = getTableColumns(media)
  const byIds = lookupByIds((ids) => fastRows(db.select(mediaColumns).from(media).where(inArray(media.id, ids)).prepare(), mediaColumns))
  const insert = db
    .insert(media)
    .values({
      id: bound('id'),
      kind: bound('kind'),
      mimeType: bound('mimeType'),
      filename: bound('filename'),
      size: bound('size'),
      width: bound('width'),
      height: bound('height'),
      sha256: bound('sha256'),
      ...boundText,
      createdAt: bound('createdAt'),
      updatedAt: bound('updatedAt'),
      version: bound('version'),
    })
    .prepare()
  const updateText = db
    .update(media)
    .set({
      ...boundText,
      updatedAt: bound('updatedAt'),
      version: bound('version'),
    })
    .where(and(eq(media.id, p('id')), eq(media.version, p('previousVersion'))))
    .prepare()
  const deleteById = db.delete(media).where(eq(media.id, p('id'))).prepare()
  const users = db.select({ articleId: articleMedia.articleId }).from(articleMedia).where(eq(articleMedia.mediaId, p('id'))).limit(fixedLimit(5)).prepare()
  const shaUsed = db.select({ id: media.id }).from(media).where(eq(media.sha256, p('sha256'))).limit(fixedLimit(1)).prepare()

  /** Newest first, by (created_at, id), with the filters asked for. */
  function listStatement(byKind: boolean, bySha: boolean, after: boolean) {
    return db
      .select()
      .from(media)
      .where(
        and(
          byKind ? eq(media.kind, p('kind')) : undefined,
          bySha ? eq(media.sha256, p('sha256')) : undefined,
          // `created_at <=` bounds the index range; the `or` only sorts out the rows of that same time.
          after ? and(lte(media.createdAt, p('createdAt')), or(lt(media.createdAt, p('createdAt')), lt(media.id, p('id')))) : undefined,
        ),
      )
      .orderBy(desc(media.createdAt), desc(media.id))
      .limit(boundLimit())
      .prepare()
  }
  // One statement per combination of filters, prepared up front: eight.
  const listShape = (byKind: boolean, bySha: boolean, after: boolean) => `${byKind} ${bySha} ${after}`
  const listStatements = new Map<string, ReturnType<typeof listStatement>>()
  for (const byKind of [false, true]) {
    for (const bySha of [false, true]) {
      for (const after of [false, true]) listStatements.set(listShape(byKind, bySha, after), listStatement(byKind, bySha, after))
    }
  }

  function current(id: string, ifVersion: number | undefined): StoredMedia {
    const row = byId.get({ id })
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
    const inUse = users.all({ id })
    if (inUse.length > 0) throw inUseConflict(id, inUse.map((u) => u.articleId))
    try {
      deleteById.run({ id })
    } catch (error) {
      // The foreign key is the real guard: an article may have started using it just now.
      if (isForeignKeyViolation(error)) throw inUseConflict(id, [])
      throw error
    }
    return { sha256: before.sha256, bytesStillUsed: shaUsed.get({ sha256: before.sha256 }) !== undefined }
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
      return byId.get({ id }) ?? null
    },

    /** Whether any row names these bytes (before a file is unlinked). */
    isShaUsed(sha256: string): boolean {
      return shaUsed.get({ sha256 }) !== undefined
    },

    /** Newest first; keyset paging on (created_at, id), so new uploads never shift later pages. */
    list(query: MediaListQuery) {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ['string', 'string'])
      const statement = listStatements.get(listShape(query.kind !== undefined, query.sha256 !== undefined, after !== undefined))!
      const rows = statement.all({ kind: query.kind, sha256: query.sha256, createdAt: after?.[0], id: after?.[1], limit: query.limit + 1 })
      return toPage(rows, query.limit, (last) => [last.createdAt, last.id])
    },

    /** The media items with these ids, by id; absent ids are simply missing. */
    findByIds(ids: readonly string[]): Map<string, StoredMedia> {
      const found = new Map<string, StoredMedia>()
      for (const row of byIds([...new Set(ids)])) found.set(row.id, row)
      return found
    },
  }
}
