// Sections in SQLite: the tree (each row knows its path from the root), and moving a subtree,
// which rewrites the article_sections rows of the articles below it in the same transaction.
import { and, asc, eq, gt, getTableColumns, inArray, like, or, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { now } from '../db/ids.js'
import { articles } from '../db/schema.js'
import { articleSections, sections } from '../db/schema-authors-sections.js'
import { isForeignKeyViolation, isUniqueViolation } from '../db/statements.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { badRequest, conflict, invalidField, notFound, preconditionFailed } from '../http/problems.js'
import { cleanText } from '../text/sanitize.js'
import { slugify } from '../text/slug.js'
import type { Section, SectionCreate, SectionPatch } from './schemas.js'
import { createSectionTree, lineageOf } from './tree.js'
import { boundLimit, fixedLimit } from '../db/bound-limit.js'

export type SectionsRepository = ReturnType<typeof createSectionsRepository>

/** How deep the tree may grow: each level is one more article_sections row per article below it. */
export const MAX_SECTION_DEPTH = 8

const { path: _path, parentSlug: _parentSlug, ...columns } = getTableColumns(sections)
const sectionColumns = { ...columns, parent: sections.parentSlug }

type StoredSection = Section & { path: string }

export interface SectionListQuery {
  limit: number
  cursor?: string | undefined
  parent?: string | undefined
  /** Readers see listed sections only. */
  includeUnlisted: boolean
}

const ph = sql.placeholder
const clean = (text: string) => cleanText(text).trim()

export function createSectionsRepository(db: Db) {
  const tree = createSectionTree(db)
  const bySlug = db
    .select({ ...sectionColumns, path: sections.path })
    .from(sections)
    .where(eq(sections.slug, ph('slug')))
    .prepare()
  const childCount = db.select({ slug: sections.slug }).from(sections).where(eq(sections.parentSlug, ph('slug'))).limit(fixedLimit(5)).prepare()
  const articlesIn = db
    .select({ id: articles.id })
    .from(articleSections)
    .innerJoin(articles, eq(articles.seq, articleSections.articleSeq))
    .where(eq(articleSections.section, ph('slug')))
    .limit(fixedLimit(5))
    .prepare()
  const deleteSection = db.delete(sections).where(eq(sections.slug, ph('slug'))).prepare()
  // The articles below a moved section are those with a row for it; they leave its old
  // ancestors and join its new ones, with their own status and sort key.
  const leaveAncestor = db
    .delete(articleSections)
    .where(
      and(
        eq(articleSections.section, ph('ancestor')),
        inArray(articleSections.articleSeq, db.select({ seq: articleSections.articleSeq }).from(articleSections).where(eq(articleSections.section, ph('moved')))),
      ),
    )
    .prepare()
  const joinAncestor = db
    .insert(articleSections)
    .select(
      db
        .select({
          articleSeq: articleSections.articleSeq,
          section: sql<string>`${ph('ancestor')}`.as('section'),
          status: articleSections.status,
          sortAt: articleSections.sortAt,
        })
        .from(articleSections)
        .where(eq(articleSections.section, ph('moved'))),
    )
    .onConflictDoNothing()
    .prepare()
  // A path is rewritten from its start: "world/europe/..." moved under "news" is "news/world/europe/...".
  const movePaths = db
    .update(sections)
    .set({ path: sql`${ph('newPath')} || substr(${sections.path}, length(${ph('oldPath')}) + 1)` })
    .where(or(eq(sections.path, ph('oldPath')), like(sections.path, sql`${ph('oldPath')} || '/%'`)))
    .prepare()

  function listStatement(byParent: boolean, after: boolean, unlisted: boolean) {
    return db
      .select({ ...sectionColumns, path: sections.path })
      .from(sections)
      .where(
        and(
          byParent ? eq(sections.parentSlug, ph('parent')) : undefined,
          unlisted ? undefined : eq(sections.listed, true),
          after ? gt(sections.path, ph('path')) : undefined,
        ),
      )
      .orderBy(asc(sections.path))
      .limit(boundLimit())
      .prepare()
  }
  const statements = new Map<string, ReturnType<typeof listStatement>>()
  const listOf = (byParent: boolean, after: boolean, unlisted: boolean) => {
    const key = `${+byParent}${+after}${+unlisted}`
    let statement = statements.get(key)
    if (statement === undefined) statements.set(key, (statement = listStatement(byParent, after, unlisted)))
    return statement
  }

  const read = (slug: string): StoredSection | null => (bySlug.get({ slug }) as StoredSection | undefined) ?? null
  const strip = ({ path: _p, ...section }: StoredSection): Section => section

  function current(slug: string, ifVersion: number | undefined): StoredSection {
    const section = read(slug)
    if (section === null) throw notFound('section', slug, 'slug')
    if (ifVersion !== undefined && section.version !== ifVersion) {
      throw preconditionFailed(`The section is at version ${section.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return section
  }

  /** The parent a write names, checked: it exists and the tree stays within MAX_SECTION_DEPTH. */
  function parentOf(slug: string | null, depthBelow: number): StoredSection | null {
    if (slug === null) return null
    const parent = read(slug)
    if (parent === null) throw invalidField('body.parent', `names no section: "${slug}"`)
    if (lineageOf(parent.path).length + depthBelow > MAX_SECTION_DEPTH) {
      throw invalidField('body.parent', `would make the tree deeper than ${MAX_SECTION_DEPTH} levels`)
    }
    return parent
  }

  const create = transactional(db, (input: SectionCreate): Section => {
    const name = clean(input.name)
    if (name === '') throw invalidField('body.name', 'must not be blank')
    const slug = input.slug ?? slugify(name)
    if (slug === '') throw badRequest('body.slug is required: the name has no letters or digits to make one from', [{ path: 'body.slug', message: 'is required when the name has no Latin letters or digits' }])
    const parent = parentOf(input.parent ?? null, 1)
    const time = now()
    const path = parent === null ? slug : `${parent.path}/${slug}`
    const row = { slug, name, description: clean(input.description ?? ''), parentSlug: parent?.slug ?? null, path, listed: true, createdAt: time, updatedAt: time, version: 1 }
    try {
      db.insert(sections).values(row).run()
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`The section "${slug}" exists already; send a different "slug".`)
      throw error
    }
    // Made in the open: the sections above it are shown with it.
    tree.markListed(lineageOf(path))
    return strip(read(slug)!)
  })

  const update = transactional(db, (slug: string, patch: SectionPatch, ifVersion?: number): Section => {
    const before = current(slug, ifVersion)
    const after = { ...before }
    if (patch.name !== undefined) {
      after.name = clean(patch.name)
      if (after.name === '') throw invalidField('body.name', 'must not be blank')
    }
    if (patch.description !== undefined) after.description = clean(patch.description)
    if (patch.parent !== undefined) after.parent = patch.parent
    if (after.name === before.name && after.description === before.description && after.parent === before.parent) return strip(before)
    // Checked before anything is written: the foreign key would refuse a missing parent as a 500.
    const moving = after.parent !== before.parent ? moveTo(before, after.parent) : null
    after.updatedAt = now()
    after.version = before.version + 1
    const changed = db
      .update(sections)
      .set({ name: after.name, description: after.description, parentSlug: after.parent, updatedAt: after.updatedAt, version: after.version })
      .where(and(eq(sections.slug, slug), eq(sections.version, before.version)))
      .run()
    if (changed.changes === 0) throw preconditionFailed('The section changed while this request was being handled; fetch it again.')
    moving?.()
    return strip(read(slug)!)
  })

  /**
   * Checks that the section can go under `parentSlug` (null: to the top), and returns the move of
   * it and everything below it: their paths, and the article_sections rows of their articles.
   */
  function moveTo(section: StoredSection, parentSlug: string | null): () => void {
    const depth = lineageOf(section.path).length
    const depthBelow = Math.max(...subtreePaths(section.path).map((path) => lineageOf(path).length)) - depth + 1
    const parent = parentOf(parentSlug, depthBelow)
    if (parent !== null && (parent.path === section.path || parent.path.startsWith(`${section.path}/`))) {
      throw invalidField('body.parent', `"${parent.slug}" is ${parent.slug === section.slug ? 'the section itself' : 'below this section'}`)
    }
    return () => {
      const oldAbove = lineageOf(section.path).slice(0, -1)
      const newAbove = parent === null ? [] : lineageOf(parent.path)
      movePaths.run({ oldPath: section.path, newPath: parent === null ? section.slug : `${parent.path}/${section.slug}` })
      for (const ancestor of oldAbove) if (!newAbove.includes(ancestor)) leaveAncestor.run({ ancestor, moved: section.slug })
      for (const ancestor of newAbove) if (!oldAbove.includes(ancestor)) joinAncestor.run({ ancestor, moved: section.slug })
      if (section.listed) tree.markListed(newAbove)
    }
  }

  function subtreePaths(path: string): string[] {
    return db
      .select({ path: sections.path })
      .from(sections)
      .where(or(eq(sections.path, path), like(sections.path, `${path}/%`)))
      .all()
      .map((row) => row.path)
  }

  const remove = transactional(db, (slug: string, ifVersion?: number): void => {
    current(slug, ifVersion)
    const children = childCount.all({ slug }).map((row) => `"${row.slug}"`)
    if (children.length > 0) throw conflict(`The section "${slug}" has sections below it (${children.join(', ')}${children.length === 5 ? ', …' : ''}); move or delete them first.`)
    const used = articlesIn.all({ slug }).map((row) => `"${row.id}"`)
    if (used.length > 0) throw inUse(slug, used)
    try {
      deleteSection.run({ slug })
    } catch (error) {
      // The foreign key is the real guard: an article may have joined the section just now.
      if (isForeignKeyViolation(error)) throw inUse(slug, [])
      throw error
    }
  })

  const inUse = (slug: string, ids: string[]) =>
    conflict(`The section "${slug}" holds articles${ids.length > 0 ? ` (${ids.join(', ')}${ids.length === 5 ? ', …' : ''})` : ''}; move them to another section first.`)

  return {
    create,
    update,
    remove,

    get(slug: string): Section | null {
      const section = read(slug)
      return section === null ? null : strip(section)
    },

    /** In tree order (by path: each section followed by those below it); keyset paging on the path. */
    list(query: SectionListQuery): { data: Section[]; nextCursor: string | null } {
      const after = query.cursor === undefined ? undefined : (decodeCursor(query.cursor, ['string']) as [string])[0]
      const statement = listOf(query.parent !== undefined, after !== undefined, query.includeUnlisted)
      const rows = statement.all({ parent: query.parent, path: after, limit: query.limit + 1 }) as StoredSection[]
      const page = toPage(rows, query.limit, (last) => [last.path])
      return { data: page.data.map(strip), nextCursor: page.nextCursor }
    },
  }
}
