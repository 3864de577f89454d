// Articles in SQLite: every write is one transaction that also keeps the search index, the
// tag and author rows, the media-usage rows and a revision in step with the article.
import { type Db, transactional } from '../db/client.js'
import { isUniqueViolation, statementCache } from '../db/statements.js'
import { newId, now } from '../db/ids.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { badRequest, conflict, type FieldError, notFound, preconditionFailed } from '../http/problems.js'
import type { EventType, RecordEvent } from '../webhooks/outbox.js'
import { cleanText, sanitizeInline, stripTags } from '../text/sanitize.js'
import type { ArticleCreate, ArticlePatch, ArticleRevision, ArticleStatus, Block, StoredArticle } from './schemas.js'
import { toFtsQuery } from './search.js'
import { slugify } from './slug.js'

/** An article's id, state and comment settings: what a comment on it is checked against. */
export interface ArticleGate {
  id: string
  status: StoredArticle['status']
  publishedAt: string | null
  commentsEnabled: boolean
}

export type ArticlesRepository = ReturnType<typeof createArticlesRepository>

/** What a caller may see: published articles only, or everything. */
export interface Visibility {
  includeUnpublished: boolean
}

export interface ListQuery {
  limit: number
  cursor?: string | undefined
  status?: ArticleStatus | undefined
  section?: string | undefined
  tag?: string | undefined
  author?: string | undefined
  q?: string | undefined
}

/** The fields of the list's items, before lead media is embedded. */
export interface StoredSummary {
  id: string
  slug: string
  title: string
  subtitle: string
  summary: string
  status: ArticleStatus
  authors: string[]
  section: string | null
  tags: string[]
  leadMediaId: string | null
  commentCount: number
  publishedAt: string | null
  updatedAt: string
}

/** Guards a write: it happens only while the article is still at this version (If-Match). */
export interface WriteOptions {
  keyId: string | null
  ifVersion?: number | undefined
}

interface ArticleRow {
  seq: number
  id: string
  slug: string
  title: string
  subtitle: string
  summary: string
  body: string
  status: ArticleStatus
  authors: string
  section: string | null
  tags: string
  sources: string
  locale: string
  leadMediaId: string | null
  commentsEnabled: number
  commentCount: number
  publishedAt: string | null
  scheduledAt: string | null
  createdAt: string
  updatedAt: string
  version: number
}

const COLUMNS = `a.seq, a.id, a.slug, a.title, a.subtitle, a.summary, a.body, a.status, a.authors, a.section,
  a.tags, a.sources, a.locale, a.lead_media_id AS leadMediaId, a.comments_enabled AS commentsEnabled,
  a.comment_count AS commentCount, a.published_at AS publishedAt, a.scheduled_at AS scheduledAt,
  a.created_at AS createdAt, a.updated_at AS updatedAt, a.version`

const SUMMARY_COLUMNS = `a.seq, a.id, a.slug, a.title, a.subtitle, a.summary, a.status, a.authors, a.section, a.tags,
  a.lead_media_id AS leadMediaId, a.comment_count AS commentCount, a.published_at AS publishedAt,
  a.updated_at AS updatedAt, a.sort_at AS sortAt`

// Search ranks an article by the fields that hold every word of the query, title first, then
// newest first. bm25 was the obvious choice, but its scores depend on the whole index, so every
// published story would shift them and a reader paging through results would see some twice
// and miss others; these scores depend on the article alone, so a cursor stays valid.
const RANKED_FIELDS: readonly [column: string, weight: number][] = [
  ['title', 16],
  ['subtitle', 8],
  ['tags', 4],
  ['summary', 2],
  ['body', 1],
]
// A search ranks at most this many matching articles, the most recently written: a word in
// most of the archive ("council") would otherwise have every one of its hits scored, joined and
// sorted before the first page (2.4 s for 630,000 hits at a million articles). Within the
// window the order is exact; a search with fewer hits is not affected at all.
export const SEARCH_WINDOW = 5_000
// Each field's subquery is bounded to the window's rowids, so it reads the window, not the index.
const SEARCH_SCORE = RANKED_FIELDS.map(
  ([, weight]) =>
    `CASE WHEN w.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid >= (SELECT min(rowid) FROM recent)) THEN ${weight} ELSE 0 END`,
).join(' + ')

function toStored(row: ArticleRow): StoredArticle {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    subtitle: row.subtitle,
    summary: row.summary,
    body: JSON.parse(row.body) as Block[],
    status: row.status,
    authors: JSON.parse(row.authors) as string[],
    section: row.section,
    tags: JSON.parse(row.tags) as string[],
    sources: JSON.parse(row.sources) as string[],
    locale: row.locale,
    leadMediaId: row.leadMediaId,
    commentsEnabled: row.commentsEnabled === 1,
    commentCount: row.commentCount,
    publishedAt: row.publishedAt,
    scheduledAt: row.scheduledAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

interface SummaryRow extends Omit<StoredSummary, 'authors' | 'tags'> {
  seq: number
  sortAt: string
  authors: string
  tags: string
  score?: number
}

function toSummary(row: SummaryRow): StoredSummary {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    subtitle: row.subtitle,
    summary: row.summary,
    status: row.status,
    authors: JSON.parse(row.authors) as string[],
    section: row.section,
    tags: JSON.parse(row.tags) as string[],
    leadMediaId: row.leadMediaId,
    commentCount: row.commentCount,
    publishedAt: row.publishedAt,
    updatedAt: row.updatedAt,
  }
}

/** The key tags and authors are filtered by: case and spacing do not matter. */
export function filterKey(value: string): string {
  return cleanText(value).trim().replace(/\s+/g, ' ').toLowerCase()
}

/** A title as stored; one of only spaces or control characters would show as nothing. */
function cleanTitle(raw: string): string {
  const title = cleanText(raw).trim()
  if (title === '') throw badRequest('body.title must not be blank', [{ path: 'body.title', message: 'must not be blank' }])
  return title
}

/** A section as stored: a blank one is no section. */
function cleanSection(raw: string | null | undefined): string | null {
  const section = raw == null ? '' : cleanText(raw).trim()
  return section === '' ? null : section
}

/** Trims, drops empties and case-insensitive duplicates, keeping the first spelling. */
function cleanList(values: string[]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const value of values) {
    const text = cleanText(value).trim().replace(/\s+/g, ' ')
    const key = text.toLowerCase()
    if (text !== '' && !seen.has(key)) {
      seen.add(key)
      out.push(text)
    }
  }
  return out
}

/** Sanitizes the inline markup of every text field of every block. */
function sanitizeBlocks(blocks: Block[]): Block[] {
  return blocks.map((block): Block => {
    switch (block.type) {
      case 'paragraph':
        return { type: 'paragraph', text: sanitizeInline(block.text) }
      case 'heading':
        return { type: 'heading', text: sanitizeInline(block.text), level: block.level }
      case 'quote':
        return block.attribution === undefined
          ? { type: 'quote', text: sanitizeInline(block.text) }
          : { type: 'quote', text: sanitizeInline(block.text), attribution: sanitizeInline(block.attribution) }
      case 'list':
        return { type: 'list', style: block.style, items: block.items.map(sanitizeInline) }
      case 'media':
        return {
          type: 'media',
          mediaId: block.mediaId,
          ...(block.caption !== undefined && { caption: sanitizeInline(block.caption) }),
          ...(block.credit !== undefined && { credit: sanitizeInline(block.credit) }),
        }
      case 'related':
        return {
          type: 'related',
          ...(block.articleId !== undefined && { articleId: block.articleId }),
          ...(block.url !== undefined && { url: block.url }),
          ...(block.title !== undefined && { title: sanitizeInline(block.title) }),
        }
      case 'embed':
        return { type: 'embed', url: block.url, ...(block.provider !== undefined && { provider: cleanText(block.provider) }) }
    }
  })
}

/** The words of a body, for the search index. */
function bodyText(blocks: Block[]): string {
  const parts: string[] = []
  for (const block of blocks) {
    if ('text' in block) parts.push(block.text)
    if (block.type === 'quote' && block.attribution) parts.push(block.attribution)
    if (block.type === 'list') parts.push(...block.items)
    if (block.type === 'media' && block.caption) parts.push(block.caption)
  }
  return stripTags(parts.join('\n'))
}

function snapshotOf(a: StoredArticle): ArticleRevision['snapshot'] {
  return {
    slug: a.slug,
    title: a.title,
    subtitle: a.subtitle,
    summary: a.summary,
    body: a.body,
    status: a.status,
    authors: a.authors,
    section: a.section,
    tags: a.tags,
    sources: a.sources,
    locale: a.locale,
    leadMediaId: a.leadMediaId,
    commentsEnabled: a.commentsEnabled,
    publishedAt: a.publishedAt,
    scheduledAt: a.scheduledAt,
  }
}

/** The webhook event a change causes: only changes the public can see are news to receivers. */
function transitionEvent(before: StoredArticle, after: StoredArticle): EventType | null {
  if (after.status === 'published' && before.status !== 'published') return 'article.published'
  if (before.status === 'published' && after.status !== 'published') return 'article.unpublished'
  if (after.status === 'published') return 'article.updated'
  return null
}

export function createArticlesRepository(db: Db, recordEvent: RecordEvent) {
  const sqlite = db.$client
  const prepared = statementCache(sqlite)

  const byId = sqlite.prepare<[string], ArticleRow>(`SELECT ${COLUMNS} FROM articles a WHERE a.id = ?`)
  const bySlug = sqlite.prepare<[string], ArticleRow>(`SELECT ${COLUMNS} FROM articles a WHERE a.slug = ?`)
  const insertArticle = sqlite.prepare(`INSERT INTO articles (id, slug, title, subtitle, summary, body, status, authors,
      section, tags, sources, locale, lead_media_id, comments_enabled, comment_count, published_at, scheduled_at, sort_at,
      created_at, updated_at, version)
    VALUES (@id, @slug, @title, @subtitle, @summary, @body, @status, @authors, @section, @tags, @sources, @locale,
      @leadMediaId, @commentsEnabled, @commentCount, @publishedAt, @scheduledAt, @sortAt, @createdAt, @updatedAt, @version)`)
  const updateArticle = sqlite.prepare(`UPDATE articles SET slug = @slug, title = @title, subtitle = @subtitle,
      summary = @summary, body = @body, status = @status, authors = @authors, section = @section, tags = @tags,
      sources = @sources, locale = @locale, lead_media_id = @leadMediaId, comments_enabled = @commentsEnabled,
      published_at = @publishedAt, scheduled_at = @scheduledAt, sort_at = @sortAt, updated_at = @updatedAt,
      version = @version
    WHERE id = @id AND version = @previousVersion`)
  const gateById = sqlite.prepare<[string], Omit<ArticleGate, 'commentsEnabled'> & { commentsEnabled: number }>(
    'SELECT id, status, published_at AS publishedAt, comments_enabled AS commentsEnabled FROM articles INDEXED BY articles_gate_idx WHERE id = ?',
  )
  const seqOf = sqlite.prepare<[string], { seq: number }>('SELECT seq FROM articles WHERE id = ?')
  const maxSeq = sqlite.prepare<[], { seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM articles')
  const deleteTags = sqlite.prepare('DELETE FROM article_tags WHERE article_seq = ?')
  const insertTag = sqlite.prepare('INSERT OR IGNORE INTO article_tags (article_seq, tag, status, sort_at) VALUES (?, ?, ?, ?)')
  const deleteAuthors = sqlite.prepare('DELETE FROM article_authors WHERE article_seq = ?')
  const insertAuthor = sqlite.prepare('INSERT OR IGNORE INTO article_authors (article_seq, author, status, sort_at) VALUES (?, ?, ?, ?)')
  const deleteFts = sqlite.prepare('DELETE FROM articles_fts WHERE rowid = ?')
  const insertFts = sqlite.prepare('INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags) VALUES (?, ?, ?, ?, ?, ?)')
  const deleteMediaUse = sqlite.prepare('DELETE FROM article_media WHERE article_id = ?')
  const insertMediaUse = sqlite.prepare('INSERT OR IGNORE INTO article_media (article_id, media_id) VALUES (?, ?)')
  const insertRevision = sqlite.prepare(
    'INSERT INTO article_revisions (article_id, revision, snapshot, key_id, created_at) VALUES (?, ?, ?, ?, ?)',
  )
  const deleteArticle = sqlite.prepare('DELETE FROM articles WHERE id = ?')
  const dueIds = sqlite.prepare<[string], { id: string }>(
    "SELECT id FROM articles WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, seq",
  )
  const revisionAt = sqlite.prepare<[string, number], { revision: number; createdAt: string; keyId: string | null; snapshot: string }>(
    'SELECT revision, created_at AS createdAt, key_id AS keyId, snapshot FROM article_revisions WHERE article_id = ? AND revision = ?',
  )
  const revisionsPage = sqlite.prepare<[string, number, number], { revision: number; createdAt: string; keyId: string | null; snapshot: string }>(
    `SELECT revision, created_at AS createdAt, key_id AS keyId, snapshot FROM article_revisions
     WHERE article_id = ? AND revision < ? ORDER BY revision DESC LIMIT ?`,
  )

  function existingIds(table: 'media' | 'articles', ids: string[]): Set<string> {
    if (ids.length === 0) return new Set()
    const rows = prepared(`SELECT id FROM ${table} WHERE id IN (${ids.map(() => '?').join(', ')})`).all(...ids) as { id: string }[]
    return new Set(rows.map((row) => row.id))
  }

  /** Checks that every media item and article the article points to exists. */
  function checkReferences(article: Pick<StoredArticle, 'id' | 'body' | 'leadMediaId'>, prefix: string): void {
    const errors: FieldError[] = []
    const mediaIds = new Set<string>()
    const articleIds = new Set<string>()
    if (article.leadMediaId !== null) mediaIds.add(article.leadMediaId)
    article.body.forEach((block, i) => {
      if (block.type === 'media') mediaIds.add(block.mediaId)
      if (block.type === 'related') {
        const has = Number(block.articleId !== undefined) + Number(block.url !== undefined)
        if (has !== 1) errors.push({ path: `${prefix}body[${i}]`, message: 'a related block needs either articleId or url, not both' })
        if (block.articleId === article.id) errors.push({ path: `${prefix}body[${i}].articleId`, message: 'an article cannot link to itself' })
        if (block.articleId !== undefined) articleIds.add(block.articleId)
      }
    })
    const media = existingIds('media', [...mediaIds])
    const targets = existingIds('articles', [...articleIds])
    if (article.leadMediaId !== null && !media.has(article.leadMediaId)) {
      errors.push({ path: `${prefix}leadMediaId`, message: `no media with id "${article.leadMediaId}"` })
    }
    article.body.forEach((block, i) => {
      if (block.type === 'media' && !media.has(block.mediaId)) {
        errors.push({ path: `${prefix}body[${i}].mediaId`, message: `no media with id "${block.mediaId}"` })
      }
      if (block.type === 'related' && block.articleId !== undefined && block.articleId !== article.id && !targets.has(block.articleId)) {
        errors.push({ path: `${prefix}body[${i}].articleId`, message: `no article with id "${block.articleId}"` })
      }
    })
    if (errors.length > 0) throw badRequest(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors)
  }

  /** Rewrites everything derived from the article: tag, author, media-use and search rows. */
  function syncDerived(a: StoredArticle, seq: number): void {
    const sortAt = a.publishedAt ?? a.updatedAt
    deleteTags.run(seq)
    for (const tag of a.tags) insertTag.run(seq, filterKey(tag), a.status, sortAt)
    deleteAuthors.run(seq)
    for (const author of a.authors) insertAuthor.run(seq, filterKey(author), a.status, sortAt)
    deleteMediaUse.run(a.id)
    if (a.leadMediaId !== null) insertMediaUse.run(a.id, a.leadMediaId)
    for (const block of a.body) if (block.type === 'media') insertMediaUse.run(a.id, block.mediaId)
    deleteFts.run(seq)
    insertFts.run(seq, stripTags(a.title), stripTags(a.subtitle), stripTags(a.summary), bodyText(a.body), a.tags.join(' '))
  }

  function params(a: StoredArticle) {
    return {
      ...a,
      body: JSON.stringify(a.body),
      authors: JSON.stringify(a.authors),
      tags: JSON.stringify(a.tags),
      sources: JSON.stringify(a.sources),
      commentsEnabled: a.commentsEnabled ? 1 : 0,
      sortAt: a.publishedAt ?? a.updatedAt,
    }
  }

  function slugConflict(slug: string) {
    return conflict(`The slug "${slug}" is taken by another article; send a different "slug".`)
  }

  function recordRevision(a: StoredArticle, keyId: string | null): void {
    insertRevision.run(a.id, a.version, JSON.stringify(snapshotOf(a)), keyId, a.updatedAt)
  }

  /** Loads the article for a write, checking existence and the caller's If-Match version. */
  function current(id: string, ifVersion: number | undefined): StoredArticle {
    const row = byId.get(id)
    if (!row) throw notFound('article', id)
    if (ifVersion !== undefined && row.version !== ifVersion) {
      throw preconditionFailed(`The article is at version ${row.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return toStored(row)
  }

  /** Writes a changed article (version + 1) with everything derived from it, or fails as a whole. */
  function save(before: StoredArticle, after: StoredArticle, keyId: string | null): StoredArticle {
    const next = { ...after, version: before.version + 1 }
    try {
      const result = updateArticle.run({ ...params(next), previousVersion: before.version })
      if (result.changes === 0) throw preconditionFailed('The article changed while this request was being handled; fetch it again.')
    } catch (error) {
      if (isUniqueViolation(error, 'articles.slug')) throw slugConflict(next.slug)
      throw error
    }
    syncDerived(next, seqOf.get(next.id)!.seq)
    recordRevision(next, keyId)
    const event = transitionEvent(before, next)
    if (event !== null) recordEvent(event, next)
    return next
  }

  const transaction = <A extends unknown[], R>(fn: (...args: A) => R) => transactional(db, fn)

  const create = transaction((input: ArticleCreate, keyId: string | null): StoredArticle => {
    const time = now()
    const title = cleanTitle(input.title)
    const slug = input.slug ?? slugify(title)
    if (slug === '') {
      throw badRequest('body.slug is required: the title has no letters or digits to make one from', [
        { path: 'body.slug', message: 'is required when the title has no Latin letters or digits' },
      ])
    }
    const article: StoredArticle = {
      id: newId(),
      slug,
      title,
      subtitle: cleanText(input.subtitle ?? '').trim(),
      summary: cleanText(input.summary ?? '').trim(),
      body: sanitizeBlocks(input.body ?? []),
      status: input.status ?? 'draft',
      authors: cleanList(input.authors ?? []),
      section: cleanSection(input.section),
      tags: cleanList(input.tags ?? []),
      sources: cleanList(input.sources ?? []),
      locale: input.locale ?? 'en',
      leadMediaId: input.leadMediaId ?? null,
      commentsEnabled: input.commentsEnabled ?? true,
      commentCount: 0,
      publishedAt: null,
      scheduledAt: null,
      createdAt: time,
      updatedAt: time,
      version: 1,
    }
    checkReferences(article, 'body.')
    try {
      const { lastInsertRowid } = insertArticle.run(params(article))
      syncDerived(article, Number(lastInsertRowid))
    } catch (error) {
      if (isUniqueViolation(error, 'articles.slug')) throw slugConflict(slug)
      throw error
    }
    recordRevision(article, keyId)
    return article
  })

  const update = transaction((id: string, patch: ArticlePatch, options: WriteOptions): StoredArticle => {
    const before = current(id, options.ifVersion)
    const after: StoredArticle = { ...before, updatedAt: now() }
    if (patch.slug !== undefined) after.slug = patch.slug
    if (patch.title !== undefined) after.title = cleanTitle(patch.title)
    if (patch.subtitle !== undefined) after.subtitle = cleanText(patch.subtitle).trim()
    if (patch.summary !== undefined) after.summary = cleanText(patch.summary).trim()
    if (patch.body !== undefined) after.body = sanitizeBlocks(patch.body)
    if (patch.authors !== undefined) after.authors = cleanList(patch.authors)
    if (patch.section !== undefined) after.section = cleanSection(patch.section)
    if (patch.tags !== undefined) after.tags = cleanList(patch.tags)
    if (patch.sources !== undefined) after.sources = cleanList(patch.sources)
    if (patch.locale !== undefined) after.locale = patch.locale
    if (patch.leadMediaId !== undefined) after.leadMediaId = patch.leadMediaId
    if (patch.commentsEnabled !== undefined) after.commentsEnabled = patch.commentsEnabled
    if (patch.status !== undefined && patch.status !== before.status) {
      after.status = patch.status
      after.scheduledAt = null
      // Drafts and articles in review have never been seen; archived ones keep their date.
      if (patch.status !== 'archived') after.publishedAt = null
    }
    checkReferences(after, 'body.')
    return save(before, after, options.keyId)
  })

  const publish = transaction((id: string, at: string | undefined, options: WriteOptions): StoredArticle => {
    const before = current(id, options.ifVersion)
    const time = now()
    if (at !== undefined && Date.parse(at) > Date.parse(time)) {
      const scheduledAt = new Date(at).toISOString()
      if (before.status === 'scheduled' && before.scheduledAt === scheduledAt) return before
      return save(before, { ...before, status: 'scheduled', scheduledAt, publishedAt: null, updatedAt: time }, options.keyId)
    }
    if (before.status === 'published') return before
    return save(before, { ...before, status: 'published', publishedAt: time, scheduledAt: null, updatedAt: time }, options.keyId)
  })

  const unpublish = transaction((id: string, options: WriteOptions): StoredArticle => {
    const before = current(id, options.ifVersion)
    if (before.status === 'draft') return before
    return save(before, { ...before, status: 'draft', publishedAt: null, scheduledAt: null, updatedAt: now() }, options.keyId)
  })

  const remove = transaction((id: string, ifVersion?: number): void => {
    const before = current(id, ifVersion)
    const seq = seqOf.get(before.id)!.seq
    deleteFts.run(seq)
    // Comments, related links both ways, revisions and derived rows go by foreign keys.
    deleteArticle.run(before.id)
    recordEvent('article.deleted', { id: before.id, slug: before.slug, status: before.status })
  })

  /** Publishes one scheduled article that fell due, at its scheduled time. */
  const publishScheduled = transaction((id: string, time: string): StoredArticle | null => {
    const row = byId.get(id)
    if (!row || row.status !== 'scheduled' || row.scheduledAt === null || row.scheduledAt > time) return null
    const before = toStored(row)
    return save(before, { ...before, status: 'published', publishedAt: before.scheduledAt, scheduledAt: null, updatedAt: time }, null)
  })

  const restore = transaction((id: string, revision: number, options: WriteOptions): StoredArticle => {
    const before = current(id, options.ifVersion)
    const row = revisionAt.get(id, revision)
    if (!row) throw notFound('revision', `${id}/${revision}`)
    const snapshot = JSON.parse(row.snapshot) as ArticleRevision['snapshot']
    // Content comes back; the slug (a public URL) and the publication state stay as they are.
    const after: StoredArticle = {
      ...before,
      title: snapshot.title,
      subtitle: snapshot.subtitle,
      summary: snapshot.summary,
      body: snapshot.body,
      authors: snapshot.authors,
      section: snapshot.section,
      tags: snapshot.tags,
      sources: snapshot.sources,
      locale: snapshot.locale,
      leadMediaId: snapshot.leadMediaId,
      commentsEnabled: snapshot.commentsEnabled,
      updatedAt: now(),
    }
    try {
      checkReferences(after, `revision.`)
    } catch {
      throw conflict(`Revision ${revision} uses media or articles that no longer exist; edit the article instead.`)
    }
    return save(before, after, options.keyId)
  })

  function list(query: ListQuery, visibility: Visibility): { data: StoredSummary[]; nextCursor: string | null } {
    const where: string[] = []
    const args: unknown[] = []
    const status = visibility.includeUnpublished ? query.status : 'published'
    const fts = query.q === undefined ? null : toFtsQuery(query.q)
    if (query.q !== undefined && fts === null) return { data: [], nextCursor: null }

    // The driving table decides which index serves the order: a tag or author row range, or articles.
    let from = 'articles a'
    let sortCol = 'a.sort_at'
    let seqCol = 'a.seq'
    if (query.tag !== undefined && fts === null) {
      from = 'article_tags d JOIN articles a ON a.seq = d.article_seq'
      where.push('d.tag = ?')
      args.push(filterKey(query.tag))
      if (status !== undefined) {
        where.push('d.status = ?')
        args.push(status)
      }
      sortCol = 'd.sort_at'
      seqCol = 'd.article_seq'
    } else if (query.author !== undefined && fts === null) {
      from = 'article_authors d JOIN articles a ON a.seq = d.article_seq'
      where.push('d.author = ?')
      args.push(filterKey(query.author))
      if (status !== undefined) {
        where.push('d.status = ?')
        args.push(status)
      }
      sortCol = 'd.sort_at'
      seqCol = 'd.article_seq'
    } else if (status !== undefined) {
      where.push('a.status = ?')
      args.push(status)
    }
    if (query.tag !== undefined && !from.startsWith('article_tags')) {
      where.push('EXISTS (SELECT 1 FROM article_tags t WHERE t.article_seq = a.seq AND t.tag = ?)')
      args.push(filterKey(query.tag))
    }
    if (query.author !== undefined && !from.startsWith('article_authors')) {
      where.push('EXISTS (SELECT 1 FROM article_authors w WHERE w.article_seq = a.seq AND w.author = ?)')
      args.push(filterKey(query.author))
    }
    if (query.section !== undefined) {
      where.push('a.section = ?')
      args.push(query.section)
    }

    let sql: string
    // Search pages keep to the articles that existed at the first page (seq only grows).
    let lastSeq = 0
    if (fts !== null) {
      if (query.cursor !== undefined) {
        const [score, sortAt, seq, until] = decodeCursor(query.cursor, ['number', 'string', 'number', 'number']) as [number, string, number, number]
        where.push('(hits.score, a.sort_at, a.seq) < (?, ?, ?)', 'a.seq <= ?')
        args.push(score, sortAt, seq, until)
        lastSeq = until
      } else {
        lastSeq = maxSeq.get()!.seq
      }
      // CROSS JOIN keeps the hits as the outer loop: the planner otherwise walks every published article.
      sql = `WITH recent AS (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid <= ? ORDER BY rowid DESC LIMIT ${SEARCH_WINDOW}),
        hits AS (SELECT w.rowid AS rowid, ${SEARCH_SCORE} AS score FROM recent w)
        SELECT ${SUMMARY_COLUMNS}, hits.score AS score FROM hits CROSS JOIN articles a ON a.seq = hits.rowid
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY hits.score DESC, a.sort_at DESC, a.seq DESC LIMIT ?`
      args.unshift(fts, lastSeq, ...RANKED_FIELDS.map(([column]) => `{${column}} : (${fts})`))
    } else {
      if (query.cursor !== undefined) {
        const [sortAt, seq] = decodeCursor(query.cursor, ['string', 'number']) as [string, number]
        where.push(`(${sortCol}, ${seqCol}) < (?, ?)`)
        args.push(sortAt, seq)
      }
      sql = `SELECT ${SUMMARY_COLUMNS} FROM ${from}
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${sortCol} DESC, ${seqCol} DESC LIMIT ?`
    }
    args.push(query.limit + 1)
    const rows = prepared(sql).all(...args) as SummaryRow[]
    const hasMore = rows.length > query.limit
    const page = hasMore ? rows.slice(0, query.limit) : rows
    const last = page[page.length - 1]
    const nextCursor =
      hasMore && last ? encodeCursor(fts !== null ? [last.score ?? 0, last.sortAt, last.seq, lastSeq] : [last.sortAt, last.seq]) : null
    return { data: page.map(toSummary), nextCursor }
  }

  return {
    create,
    update,
    publish,
    unpublish,
    remove,
    restore,
    list,

    /** What comments need to know of an article, without reading (and parsing) its body. */
    gate(id: string): ArticleGate | null {
      const row = gateById.get(id)
      return row ? { ...row, commentsEnabled: row.commentsEnabled === 1 } : null
    },

    getById(id: string): StoredArticle | null {
      const row = byId.get(id)
      return row ? toStored(row) : null
    },

    getBySlug(slug: string): StoredArticle | null {
      const row = bySlug.get(slug)
      return row ? toStored(row) : null
    },

    /** Summaries of the given articles, for embedding; the caller filters by visibility. */
    summariesByIds(ids: readonly string[]): Map<string, StoredSummary> {
      const unique = [...new Set(ids)]
      if (unique.length === 0) return new Map()
      const rows = prepared(`SELECT ${SUMMARY_COLUMNS} FROM articles a WHERE a.id IN (${unique.map(() => '?').join(', ')})`).all(
        ...unique,
      ) as SummaryRow[]
      return new Map(rows.map((row) => [row.id, toSummary(row)]))
    },

    /** Publishes every scheduled article whose time has come; returns those it published. */
    publishDue(time: string = now()): StoredArticle[] {
      const published: StoredArticle[] = []
      for (const { id } of dueIds.all(time)) {
        const article = publishScheduled(id, time)
        if (article) published.push(article)
      }
      return published
    },

    listRevisions(id: string, limit: number, cursor?: string): { data: ArticleRevision[]; nextCursor: string | null } {
      const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : (decodeCursor(cursor, ['number']) as [number])[0]
      const rows = revisionsPage.all(id, before, limit + 1)
      const hasMore = rows.length > limit
      const page = (hasMore ? rows.slice(0, limit) : rows).map((row) => ({
        revision: row.revision,
        createdAt: row.createdAt,
        keyId: row.keyId,
        snapshot: JSON.parse(row.snapshot) as ArticleRevision['snapshot'],
      }))
      const last = page[page.length - 1]
      return { data: page, nextCursor: hasMore && last ? encodeCursor([last.revision]) : null }
    },
  }
}
