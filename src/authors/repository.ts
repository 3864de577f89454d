// Author profiles in SQLite. A profile that an article names cannot be deleted (the foreign key
// of article_author_profiles), nor can the media item that is its photo.
import { and, asc, eq, gt, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { articles, media } from '../db/schema.js'
import { articleAuthorProfiles, authors } from '../db/schema-authors-sections.js'
import { isForeignKeyViolation, isUniqueViolation } from '../db/statements.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { badRequest, conflict, invalidField, notFound, preconditionFailed } from '../http/problems.js'
import { cleanText, stripTags } from '../text/sanitize.js'
import { slugify } from '../text/slug.js'
import { authorColumns, createAuthorLookup } from './lookup.js'
import type { AuthorCreate, AuthorPatch, StoredAuthor } from './schemas.js'
import { boundLimit, fixedLimit } from '../db/bound-limit.js'

export type AuthorsRepository = ReturnType<typeof createAuthorsRepository>

const ph = sql.placeholder
const clean = (text: string) => cleanText(text).trim()
const FIELDS = ['slug', 'name', 'jobTitle', 'bio', 'photoMediaId', 'email'] as const

export function createAuthorsRepository(db: Db) {
  const { findByIds } = createAuthorLookup(db)
  const byId = db.select(authorColumns).from(authors).where(eq(authors.id, ph('id'))).prepare()
  const bySlug = db.select(authorColumns).from(authors).where(eq(authors.slug, ph('slug'))).prepare()
  const mediaExists = db.select({ id: media.id }).from(media).where(eq(media.id, ph('id'))).prepare()
  const namedIn = db
    .select({ id: articles.id })
    .from(articleAuthorProfiles)
    .innerJoin(articles, eq(articles.seq, articleAuthorProfiles.articleSeq))
    .where(eq(articleAuthorProfiles.authorId, ph('id')))
    .limit(fixedLimit(5))
    .prepare()
  const page = (after: boolean) =>
    db
      .select(authorColumns)
      .from(authors)
      .where(after ? gt(authors.slug, ph('slug')) : undefined)
      .orderBy(asc(authors.slug))
      .limit(boundLimit())
      .prepare()
  const firstPage = page(false)
  const laterPage = page(true)
  const deleteById = db.delete(authors).where(eq(authors.id, ph('id'))).prepare()

  function current(id: string, ifVersion: number | undefined): StoredAuthor {
    const author = byId.get({ id })
    if (author === undefined) throw notFound('author', id)
    if (ifVersion !== undefined && author.version !== ifVersion) {
      throw preconditionFailed(`The author is at version ${author.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return author
  }

  /** The profile's text cleaned, its slug made from its name if needed, and its photo checked. */
  function checked(author: StoredAuthor): StoredAuthor {
    // Plain text: a bio is printed on author pages, so markup in it is removed rather than kept as text.
    const out = { ...author, name: clean(author.name), jobTitle: clean(author.jobTitle), bio: stripTags(author.bio).trim() }
    if (out.name === '') throw invalidField('body.name', 'must not be blank')
    if (out.slug === '') {
      throw badRequest('body.slug is required: the name has no letters or digits to make one from', [
        { path: 'body.slug', message: 'is required when the name has no Latin letters or digits' },
      ])
    }
    if (out.photoMediaId !== null && mediaExists.get({ id: out.photoMediaId }) === undefined) {
      throw invalidField('body.photoMediaId', `no media with id "${out.photoMediaId}"`)
    }
    return out
  }

  const slugTaken = (slug: string) => conflict(`The slug "${slug}" is taken by another author; send a different "slug".`)

  const create = transactional(db, (input: AuthorCreate): StoredAuthor => {
    const time = now()
    const author = checked({
      id: newId(),
      slug: input.slug ?? slugify(clean(input.name)),
      name: input.name,
      jobTitle: input.jobTitle ?? '',
      bio: input.bio ?? '',
      photoMediaId: input.photoMediaId ?? null,
      links: input.links ?? [],
      email: input.email ?? null,
      createdAt: time,
      updatedAt: time,
      version: 1,
    })
    try {
      db.insert(authors).values(author).run()
    } catch (error) {
      if (isUniqueViolation(error, 'authors.slug')) throw slugTaken(author.slug)
      throw error
    }
    return author
  })

  const update = transactional(db, (id: string, patch: AuthorPatch, ifVersion?: number): StoredAuthor => {
    const before = current(id, ifVersion)
    const after = checked({ ...before, ...patch })
    const same = FIELDS.every((field) => after[field] === before[field]) && JSON.stringify(after.links) === JSON.stringify(before.links)
    // Sending what is already there is not a change: no new version.
    if (same) return before
    after.updatedAt = now()
    after.version = before.version + 1
    const { id: _id, createdAt: _createdAt, ...fields } = after
    let changes: number
    try {
      changes = db.update(authors).set(fields).where(and(eq(authors.id, id), eq(authors.version, before.version))).run().changes
    } catch (error) {
      if (isUniqueViolation(error, 'authors.slug')) throw slugTaken(after.slug)
      throw error
    }
    if (changes === 0) throw preconditionFailed('The author changed while this request was being handled; fetch it again.')
    return after
  })

  const remove = transactional(db, (id: string, ifVersion?: number): void => {
    current(id, ifVersion)
    const named = namedIn.all({ id }).map((row) => row.id)
    if (named.length > 0) throw inUse(id, named)
    try {
      deleteById.run({ id })
    } catch (error) {
      // The foreign key is the real guard: an article may have named the author just now.
      if (isForeignKeyViolation(error)) throw inUse(id, [])
      throw error
    }
  })

  function inUse(id: string, articleIds: string[]) {
    const which = articleIds.length > 0 ? ` (${articleIds.map((a) => `"${a}"`).join(', ')}${articleIds.length === 5 ? ', …' : ''})` : ''
    return conflict(`The author "${id}" is named by articles${which} in their authorIds; remove it from them first.`)
  }

  return {
    create,
    update,
    remove,
    findByIds,

    getById(id: string): StoredAuthor | null {
      return byId.get({ id }) ?? null
    },

    getBySlug(slug: string): StoredAuthor | null {
      return bySlug.get({ slug }) ?? null
    },

    /** In slug order (alphabetical by name, for slugs made from names); keyset paging on the slug. */
    list(limit: number, cursor?: string): { data: StoredAuthor[]; nextCursor: string | null } {
      const after = cursor === undefined ? undefined : (decodeCursor(cursor, ['string']) as [string])[0]
      const rows = after === undefined ? firstPage.all({ limit: limit + 1 }) : laterPage.all({ slug: after, limit: limit + 1 })
      return toPage(rows, limit, (last) => [last.slug])
    },
  }
}
