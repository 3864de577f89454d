// Articles in SQLite: create, change, publish, delete and read them, each write one transaction.
import { and, asc, eq, getTableColumns, lte, type Placeholder, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { articles } from '../db/schema.js'
import { isUniqueViolation } from '../db/statements.js'
import { fastRows } from '../db/row-mapper.js'
import { badRequest, conflict, invalidField, notFound, preconditionFailed } from '../http/problems.js'
import { canonicalLocale, slugLocales } from '../text/locale.js'
import { createTranslationGroups, type TranslationGroups } from '../translations/groups.js'
import { createAuthorLookup } from '../authors/lookup.js'
import { createSectionTree } from '../sections/tree.js'
import type { EventType, RecordEvent } from '../webhooks/outbox.js'
import { cleanText } from '../text/sanitize.js'
import { createDerivedRows, sortKey } from './derived-rows.js'
import { createListQuery } from './list-query.js'
import { bylines, cleanList, cleanSection, cleanTitle, sanitizeBlocks } from './normalize.js'
import { createReferenceCheck, relatedTargets } from './references.js'
import { createRevisions } from './revisions.js'
import { createSearchKeyLog } from './search-keys.js'
import type { ArticleCreate, ArticlePatch, StoredArticle } from './schemas.js'
import { slugify } from './slug.js'

export { filterKey } from './normalize.js'
export { type ListEntry, type ListId, type ListQuery, SEARCH_WINDOW, type StoredSummary } from './list-query.js'

/** An article's id, state and comment settings: what a comment on it is checked against. */
export type ArticleGate = Pick<StoredArticle, 'id' | 'status' | 'publishedAt' | 'commentsEnabled'>

export type ArticlesRepository = ReturnType<typeof createArticlesRepository>

export interface ArticlesOptions {
  /** DEFAULT_LOCALE: the locale of new articles that do not say, and of slug lookups that do not. */
  defaultLocale?: string
  /** The translation groups' rules; made here when not given (scripts, tests). */
  translations?: TranslationGroups
}

/** Guards a write: it happens only while the article is still at this version (If-Match). */
export interface WriteOptions {
  keyId: string | null
  ifVersion?: number | undefined
}

// An article as stored is its row but for seq (the row's key) and sortAt (the list's sort key,
// made from its dates).
const { seq: _seq, sortAt, ...storedColumns } = getTableColumns(articles)
// The columns an update writes: id and createdAt never change, and comment_count is the
// comments repository's to keep.
const { id: _id, createdAt: _createdAt, commentCount: _commentCount, ...updatedColumns } = storedColumns

/** A prepared write's values: each column's value is bound, by its name, when it runs. */
function placeholders<T extends object>(columns: T): { [K in keyof T]: Placeholder<K & string> } {
  return Object.fromEntries(Object.keys(columns).map((key) => [key, sql.placeholder(key)])) as { [K in keyof T]: Placeholder<K & string> }
}

/** The row's values of an article: the stored article and its sort key. */
const rowOf = (a: StoredArticle) => ({ ...a, sortAt: sortKey(a) })

/** The webhook event a change causes: only changes the public can see are news to receivers. */
function transitionEvent(before: StoredArticle, after: StoredArticle): EventType | null {
  if (after.status === 'published' && before.status !== 'published') return 'article.published'
  if (before.status === 'published' && after.status !== 'published') return 'article.unpublished'
  if (after.status === 'published') return 'article.updated'
  return null
}

const slugConflict = (slug: string, locale: string) =>
  conflict(`The slug "${slug}" is taken by another article in locale "${locale}"; send a different "slug".`)

const externalIdConflict = (externalId: string | null) => conflict(`The externalId "${externalId}" names another article already.`)

/** A locale as stored: canonical case, so that one language is one value. */
function localeOf(raw: string, path: string): string {
  const tag = canonicalLocale(raw)
  if (tag === null) throw invalidField(path, 'is not a BCP 47 language tag')
  return tag
}

/** Every write also keeps the derived rows (tags, authors, media use, search) and a revision in step. */
export function createArticlesRepository(db: Db, recordEvent: RecordEvent, options: ArticlesOptions = {}) {
  const defaultLocale = options.defaultLocale ?? 'en'
  const slugLocale = slugLocales(defaultLocale)
  const groups = options.translations ?? createTranslationGroups(db)
  const sections = createSectionTree(db)
  const profiles = createAuthorLookup(db)
  const derived = createDerivedRows(db, sections)
  const logSearchKeys = createSearchKeyLog(db)
  const revisions = createRevisions(db)
  const references = createReferenceCheck(db)
  // The list, search, and summaries by id, as createListQuery gives them.
  const listQuery = createListQuery(db)

  const byId = fastRows(db.select(storedColumns).from(articles).where(eq(articles.id, sql.placeholder('id'))).prepare(), storedColumns)
  const bySlug = fastRows(
    db
      .select(storedColumns)
      .from(articles)
      .where(and(eq(articles.locale, sql.placeholder('locale')), eq(articles.slug, sql.placeholder('slug'))))
      .prepare(),
    storedColumns,
  )
  const byExternalId = db.select(storedColumns).from(articles).where(eq(articles.externalId, sql.placeholder('externalId'))).prepare()
  // The covering index answers without reading the row, whose status and settings are stored
  // after the body, on its overflow pages; left alone, the planner picks the unique index on id.
  // INDEXED BY has no Drizzle form, so the table is named in sql, and then the fields must be too.
  const gateById = db
    .select({
      id: sql<string>`${articles.id}`,
      status: sql<StoredArticle['status']>`${articles.status}`,
      publishedAt: sql<string | null>`${articles.publishedAt}`,
      commentsEnabled: sql`${articles.commentsEnabled}`.mapWith(articles.commentsEnabled),
    })
    .from(sql`${articles} INDEXED BY articles_gate_idx`)
    .where(eq(articles.id, sql.placeholder('id')))
    .prepare()
  const seqOf = db.select({ seq: articles.seq }).from(articles).where(eq(articles.id, sql.placeholder('id'))).prepare()
  const insertArticle = db.insert(articles).values(placeholders({ ...storedColumns, sortAt })).prepare()
  const updateArticle = db
    .update(articles)
    // set() binds placeholders through each column's encoder as values() does, but its types
    // leave them out (drizzle-orm issue #2110, fixed after 0.45).
    .set(placeholders({ ...updatedColumns, sortAt }) as never)
    .where(and(eq(articles.id, sql.placeholder('id')), eq(articles.version, sql.placeholder('previousVersion'))))
    .prepare()
  const deleteArticle = db.delete(articles).where(eq(articles.id, sql.placeholder('id'))).prepare()
  const dueIds = db
    .select({ id: articles.id })
    .from(articles)
    .where(and(eq(articles.status, 'scheduled'), lte(articles.scheduledAt, sql.placeholder('time'))))
    .orderBy(asc(articles.scheduledAt), asc(articles.seq))
    .prepare()

  // db/schema.ts types the body as unknown[] (db/ knows nothing of blocks); every body in the
  // table was sanitized into blocks by this repository on its way in.
  const read = (row: ReturnType<typeof byId.get>): StoredArticle | null => (row as StoredArticle | undefined) ?? null

  /** Loads the article for a write, checking existence and the caller's If-Match version. */
  function current(id: string, ifVersion: number | undefined): StoredArticle {
    const article = read(byId.get({ id }))
    if (article === null) throw notFound('article', id)
    if (ifVersion !== undefined && article.version !== ifVersion) {
      throw preconditionFailed(`The article is at version ${article.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return article
  }

  /** The section an article names, as its slug; a section not yet known is made now. */
  function sectionOf(raw: string | null | undefined): string | null {
    const text = cleanSection(raw)
    return text === null ? null : sections.ensure(text)
  }

  /** Writes a changed article (version + 1) with everything derived from it, or fails as a whole. */
  function save(before: StoredArticle, after: StoredArticle, keyId: string | null): StoredArticle {
    const next = { ...after, version: before.version + 1 }
    let changes: number
    try {
      changes = updateArticle.run({ ...rowOf(next), previousVersion: before.version }).changes
    } catch (error) {
      if (isUniqueViolation(error, 'articles.slug')) throw slugConflict(next.slug, next.locale)
      if (isUniqueViolation(error, 'articles.external_id')) throw externalIdConflict(next.externalId)
      throw error
    }
    if (changes === 0) throw preconditionFailed('The article changed while this request was being handled; fetch it again.')
    derived.write(next, seqOf.get({ id: next.id })!.seq, before)
    logSearchKeys(before, next)
    revisions.record(next, keyId)
    const event = transitionEvent(before, next)
    if (event !== null) recordEvent(event, next)
    return next
  }

  const create = transactional(db, (input: ArticleCreate, keyId: string | null): StoredArticle => {
    const time = now()
    const title = cleanTitle(input.title)
    const slug = input.slug ?? slugify(title)
    if (slug === '') {
      throw badRequest('body.slug is required: the title has no letters or digits to make one from', [
        { path: 'body.slug', message: 'is required when the title has no Latin letters or digits' },
      ])
    }
    const named = profiles.named(input.authorIds ?? [], 'body.authorIds')
    const article: StoredArticle = {
      id: newId(),
      slug,
      title,
      subtitle: cleanText(input.subtitle ?? '').trim(),
      summary: cleanText(input.summary ?? '').trim(),
      body: sanitizeBlocks(input.body ?? []),
      status: input.status ?? 'draft',
      authors: cleanList(input.authors ?? named.names),
      authorIds: named.ids,
      section: sectionOf(input.section),
      tags: cleanList(input.tags ?? []),
      sources: cleanList(input.sources ?? []),
      locale: input.locale === undefined ? defaultLocale : localeOf(input.locale, 'body.locale'),
      translationOf: input.translationOf ?? null,
      leadMediaId: input.leadMediaId ?? null,
      commentsEnabled: input.commentsEnabled ?? true,
      commentCount: 0,
      publishedAt: null,
      scheduledAt: null,
      createdAt: time,
      updatedAt: time,
      version: 1,
      externalId: input.externalId ?? null,
    }
    references.check(article, 'body.')
    article.translationOf = groups.check(article, null)
    let seq: number
    try {
      seq = Number(insertArticle.run(rowOf(article)).lastInsertRowid)
    } catch (error) {
      if (isUniqueViolation(error, 'articles.slug')) throw slugConflict(slug, article.locale)
      if (isUniqueViolation(error, 'articles.external_id')) throw externalIdConflict(article.externalId)
      throw error
    }
    derived.write(article, seq, null)
    revisions.record(article, keyId)
    return article
  })

  const update = transactional(db, (id: string, patch: ArticlePatch, options: WriteOptions): StoredArticle => {
    const before = current(id, options.ifVersion)
    const after: StoredArticle = { ...before, updatedAt: now() }
    if (patch.slug !== undefined) after.slug = patch.slug
    if (patch.title !== undefined) after.title = cleanTitle(patch.title)
    if (patch.subtitle !== undefined) after.subtitle = cleanText(patch.subtitle).trim()
    if (patch.summary !== undefined) after.summary = cleanText(patch.summary).trim()
    if (patch.body !== undefined) after.body = sanitizeBlocks(patch.body)
    if (patch.authors !== undefined) after.authors = cleanList(patch.authors)
    if (patch.authorIds !== undefined) {
      const named = profiles.named(patch.authorIds, 'body.authorIds')
      if (patch.authors === undefined && named.ids.join() !== before.authorIds.join()) {
        const previousNames = [...profiles.findByIds(before.authorIds).values()].map((a) => a.name)
        after.authors = bylines(named.names, before.authors, previousNames)
      }
      after.authorIds = named.ids
    }
    if (patch.section !== undefined) after.section = sectionOf(patch.section)
    if (patch.tags !== undefined) after.tags = cleanList(patch.tags)
    if (patch.sources !== undefined) after.sources = cleanList(patch.sources)
    if (patch.locale !== undefined) after.locale = localeOf(patch.locale, 'body.locale')
    if (patch.translationOf !== undefined) after.translationOf = patch.translationOf
    if (patch.leadMediaId !== undefined) after.leadMediaId = patch.leadMediaId
    if (patch.commentsEnabled !== undefined) after.commentsEnabled = patch.commentsEnabled
    if (patch.externalId !== undefined) after.externalId = patch.externalId
    if (patch.status !== undefined && patch.status !== before.status) {
      after.status = patch.status
      after.scheduledAt = null
      // Drafts and articles in review have never been seen; archived ones keep their date.
      if (patch.status !== 'archived') after.publishedAt = null
    }
    // Only references this request introduces must exist: one to an article deleted since (kept
    // in the stored body, hidden from readers) does not stop an edit of the headline.
    references.check(after, 'body.', relatedTargets(before.body))
    after.translationOf = groups.check(after, before)
    return save(before, after, options.keyId)
  })

  /** `backdate` (imports): an `at` in the past is kept as `publishedAt`, the story's original date, instead of now. */
  const publish = transactional(db, (id: string, at: string | undefined, options: WriteOptions & { backdate?: boolean }): StoredArticle => {
    const before = current(id, options.ifVersion)
    const time = now()
    if (at !== undefined && Date.parse(at) > Date.parse(time)) {
      const scheduledAt = new Date(at).toISOString()
      if (before.status === 'scheduled' && before.scheduledAt === scheduledAt) return before
      return save(before, { ...before, status: 'scheduled', scheduledAt, publishedAt: null, updatedAt: time }, options.keyId)
    }
    if (before.status === 'published') return before
    const publishedAt = options.backdate && at !== undefined ? new Date(at).toISOString() : time
    return save(before, { ...before, status: 'published', publishedAt, scheduledAt: null, updatedAt: time }, options.keyId)
  })

  const unpublish = transactional(db, (id: string, options: WriteOptions): StoredArticle => {
    const before = current(id, options.ifVersion)
    if (before.status === 'draft') return before
    return save(before, { ...before, status: 'draft', publishedAt: null, scheduledAt: null, updatedAt: now() }, options.keyId)
  })

  /** Before an original is deleted, its oldest translation becomes the group's original, each member a new version. */
  function regroup(original: StoredArticle, keyId: string | null): void {
    const [heir, ...rest] = groups.translationsOf(original.id)
    if (heir === undefined) return
    const time = now()
    // The heir first: until it leaves the old group, the others could not join its new one.
    for (const id of [heir, ...rest]) {
      const member = read(byId.get({ id }))!
      save(member, { ...member, translationOf: id === heir ? null : heir, updatedAt: time }, keyId)
    }
  }

  const remove = transactional(db, (id: string, ifVersion?: number, keyId: string | null = null): void => {
    const before = current(id, ifVersion)
    regroup(before, keyId)
    // A virtual table has no foreign keys: the search row goes by hand. Comments, related links
    // both ways, revisions and the other derived rows go by foreign keys.
    derived.removeSearchRow(seqOf.get({ id: before.id })!.seq)
    deleteArticle.run({ id: before.id })
    recordEvent('article.deleted', { id: before.id, slug: before.slug, status: before.status })
  })

  /** Publishes one scheduled article that fell due, at its scheduled time. */
  const publishScheduled = transactional(db, (id: string, time: string): StoredArticle | null => {
    const before = read(byId.get({ id }))
    if (before === null || before.status !== 'scheduled' || before.scheduledAt === null || before.scheduledAt > time) return null
    return save(before, { ...before, status: 'published', publishedAt: before.scheduledAt, scheduledAt: null, updatedAt: time }, null)
  })

  const restore = transactional(db, (id: string, revision: number, options: WriteOptions): StoredArticle => {
    const before = current(id, options.ifVersion)
    const snapshot = revisions.snapshot(id, revision)
    if (snapshot === null) throw notFound('revision', `${id}/${revision}`)
    // Content comes back; the slug (a public URL) and the publication state stay as they are.
    const after: StoredArticle = {
      ...before,
      title: snapshot.title,
      subtitle: snapshot.subtitle,
      summary: snapshot.summary,
      body: snapshot.body,
      authors: snapshot.authors,
      // Revisions from before profiles existed name none. The section may be a name from before
      // sections were rows: it comes back as the section made from it.
      authorIds: snapshot.authorIds ?? [],
      section: sectionOf(snapshot.section),
      tags: snapshot.tags,
      sources: snapshot.sources,
      locale: snapshot.locale,
      leadMediaId: snapshot.leadMediaId,
      commentsEnabled: snapshot.commentsEnabled,
      updatedAt: now(),
    }
    // A related article the revision names may have been deleted since: the block comes back
    // dangling, as it would have stayed. Its media must exist: the media-use rows refer to them.
    if (references.errors(after, 'revision.', relatedTargets(after.body)).length > 0) {
      throw conflict(`Revision ${revision} uses media that no longer exist; edit the article instead.`)
    }
    if (profiles.findByIds(after.authorIds).size !== after.authorIds.length) {
      throw conflict(`Revision ${revision} names author profiles that no longer exist; edit the article instead.`)
    }
    // The group stays as it is; a locale coming back must still be one the group lacks.
    after.translationOf = groups.check(after, before)
    return save(before, after, options.keyId)
  })

  /**
   * Records a change made beside the article (a correction, in the caller's transaction): a new
   * version and revision, a new updatedAt, and `article.updated` when it is published.
   */
  const touch = transactional(db, (id: string, keyId: string | null): StoredArticle => {
    const before = current(id, undefined)
    return save(before, { ...before, updatedAt: now() }, keyId)
  })

  return {
    create,
    update,
    touch,
    publish,
    unpublish,
    remove,
    restore,
    ...listQuery,

    /** What comments need to know of an article, without reading (and parsing) its body. */
    gate(id: string): ArticleGate | null {
      return gateById.get({ id }) ?? null
    },

    getById(id: string): StoredArticle | null {
      return read(byId.get({ id }))
    },

    /** The locale getBySlug looks in (src/text/locale.ts). */
    slugLocale,
    getBySlug(slug: string, locale?: string): StoredArticle | null {
      return read(bySlug.get({ slug, locale: slugLocale(locale) }))
    },

    /** The article imported from this source item (its `externalId`), if any. */
    getByExternalId(externalId: string): StoredArticle | null {
      return read(byExternalId.get({ externalId }))
    },

    /** Publishes every scheduled article whose time has come; returns those it published. */
    publishDue(time: string = now()): StoredArticle[] {
      const published: StoredArticle[] = []
      for (const { id } of dueIds.all({ time })) {
        const article = publishScheduled(id, time)
        if (article) published.push(article)
      }
      return published
    },

    listRevisions: revisions.list,
  }
}
