// The rows derived from each article: tags, authors, author profiles, sections, media use and
// its search-index rows.
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articleAuthors, articleMedia, articleTags } from '../db/schema.js'
import { articleAuthorProfiles, articleSections } from '../db/schema-authors-sections.js'
import type { SectionTree } from '../sections/tree.js'
import { articlesFts, articlesFtsTags } from '../db/search-index.js'
import { filterKey } from './normalize.js'
import { searchColumns } from './search-keys.js'
import type { StoredArticle } from './schemas.js'

const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((value, i) => value === b[i])

/** The lists' sort key: when it was published, or for an article never published its last change. */
export const sortKey = (a: StoredArticle) => a.publishedAt ?? a.updatedAt

function mediaIds(a: StoredArticle): string[] {
  const ids = a.leadMediaId === null ? [] : [a.leadMediaId]
  for (const block of a.body) if (block.type === 'media') ids.push(block.mediaId)
  return ids
}

/** Whether the search row would change: an untouched body is the same array (writes copy the article). */
const sameSearchText = (a: StoredArticle, b: StoredArticle) =>
  a.title === b.title && a.subtitle === b.subtitle && a.summary === b.summary && a.body === b.body && sameList(a.tags, b.tags)

export type DerivedRows = ReturnType<typeof createDerivedRows>

// Tag, author, profile and section rows copy the article's status and sort key, so that a
// filtered list is one index range; media-use rows make deleting media in use fail inside SQLite,
// and profile and section rows deleting a profile or a section in use.
export function createDerivedRows(db: Db, sections: SectionTree) {
  const seq = sql.placeholder('seq')
  // Text columns: the placeholders need no encoder, and set() takes them typed only inside sql.
  const listed = { status: sql`${sql.placeholder('status')}`, sortAt: sql`${sql.placeholder('sortAt')}` }
  const deleteTags = db.delete(articleTags).where(eq(articleTags.articleSeq, seq)).prepare()
  const insertTag = db.insert(articleTags).values({ articleSeq: seq, tag: sql.placeholder('key'), ...listed }).onConflictDoNothing().prepare()
  const relistTags = db.update(articleTags).set(listed).where(eq(articleTags.articleSeq, seq)).prepare()
  const deleteAuthors = db.delete(articleAuthors).where(eq(articleAuthors.articleSeq, seq)).prepare()
  const insertAuthor = db
    .insert(articleAuthors)
    .values({ articleSeq: seq, author: sql.placeholder('key'), ...listed })
    .onConflictDoNothing()
    .prepare()
  const relistAuthors = db.update(articleAuthors).set(listed).where(eq(articleAuthors.articleSeq, seq)).prepare()
  const deleteProfiles = db.delete(articleAuthorProfiles).where(eq(articleAuthorProfiles.articleSeq, seq)).prepare()
  const insertProfile = db
    .insert(articleAuthorProfiles)
    .values({ articleSeq: seq, authorId: sql.placeholder('key'), ...listed })
    .onConflictDoNothing()
    .prepare()
  const relistProfiles = db.update(articleAuthorProfiles).set(listed).where(eq(articleAuthorProfiles.articleSeq, seq)).prepare()
  // One row for the article's section and one for each section above it: ?section=world finds
  // the stories of world/europe in the same index range as its own.
  const deleteSections = db.delete(articleSections).where(eq(articleSections.articleSeq, seq)).prepare()
  const insertSection = db
    .insert(articleSections)
    .values({ articleSeq: seq, section: sql.placeholder('key'), ...listed })
    .onConflictDoNothing()
    .prepare()
  const relistSections = db.update(articleSections).set(listed).where(eq(articleSections.articleSeq, seq)).prepare()
  const deleteMediaUse = db.delete(articleMedia).where(eq(articleMedia.articleId, sql.placeholder('articleId'))).prepare()
  // A media item used twice (lead and a block, or two blocks) is one row.
  const insertMediaUse = db
    .insert(articleMedia)
    .values({ articleId: sql.placeholder('articleId'), mediaId: sql.placeholder('mediaId') })
    .onConflictDoNothing()
    .prepare()
  const deleteSearchRow = db.delete(articlesFts).where(eq(articlesFts.rowid, seq)).prepare()
  const insertSearchRow = db
    .insert(articlesFts)
    .values({
      rowid: seq,
      title: sql.placeholder('title'),
      subtitle: sql.placeholder('subtitle'),
      summary: sql.placeholder('summary'),
      body: sql.placeholder('body'),
      tags: sql.placeholder('tags'),
    })
    .prepare()
  // The tags once more in their own index, which search reads to score them (search-index.ts).
  const deleteTagsSearchRow = db.delete(articlesFtsTags).where(eq(articlesFtsTags.rowid, seq)).prepare()
  const insertTagsSearchRow = db.insert(articlesFtsTags).values({ rowid: seq, tags: sql.placeholder('tags') }).prepare()

  return {
    /**
     * Brings the rows derived from the article (`articleSeq` is its row's key) in step with it.
     * `before` is the article as it was in this transaction, null for a new one: rows whose
     * source did not change are left alone, so a publish rewrites no search row and a title
     * edit no tag rows.
     */
    write(a: StoredArticle, articleSeq: number, before: StoredArticle | null): void {
      const listing = { seq: articleSeq, status: a.status, sortAt: sortKey(a) }
      const relisted = before !== null && (before.status !== a.status || sortKey(before) !== listing.sortAt)

      if (before === null || !sameList(before.tags, a.tags)) {
        if (before !== null) deleteTags.run({ seq: articleSeq })
        for (const tag of a.tags) insertTag.run({ ...listing, key: filterKey(tag) })
      } else if (relisted) {
        relistTags.run(listing)
      }

      if (before === null || !sameList(before.authors, a.authors)) {
        if (before !== null) deleteAuthors.run({ seq: articleSeq })
        for (const author of a.authors) insertAuthor.run({ ...listing, key: filterKey(author) })
      } else if (relisted) {
        relistAuthors.run(listing)
      }

      if (before === null || !sameList(before.authorIds, a.authorIds)) {
        if (before !== null) deleteProfiles.run({ seq: articleSeq })
        for (const authorId of a.authorIds) insertProfile.run({ ...listing, key: authorId })
      } else if (relisted) {
        relistProfiles.run(listing)
      }

      const moved = before === null || before.section !== a.section
      // Readers now see the sections of a published story: a draft's new section stayed hidden.
      const shown = a.status === 'published' && (moved || before.status !== 'published')
      const lineage = a.section !== null && (moved || shown) ? sections.lineage(a.section) : []
      if (moved) {
        if (before !== null) deleteSections.run({ seq: articleSeq })
        for (const section of lineage) insertSection.run({ ...listing, key: section })
      } else if (relisted) {
        relistSections.run(listing)
      }
      if (shown) sections.markListed(lineage)

      const media = mediaIds(a)
      if (before === null || !sameList(mediaIds(before), media)) {
        if (before !== null) deleteMediaUse.run({ articleId: a.id })
        for (const mediaId of media) insertMediaUse.run({ articleId: a.id, mediaId })
      }

      if (before === null || !sameSearchText(before, a)) {
        if (before !== null) deleteSearchRow.run({ seq: articleSeq })
        // The very text the searches' surrogate keys are worked out from (search-keys.ts).
        const [title, subtitle, summary, body, tags] = searchColumns(a)
        insertSearchRow.run({ seq: articleSeq, title, subtitle, summary, body, tags })
      }
      if (before === null || !sameList(before.tags, a.tags)) {
        if (before !== null) deleteTagsSearchRow.run({ seq: articleSeq })
        insertTagsSearchRow.run({ seq: articleSeq, tags: a.tags.join(' ') })
      }
    },

    /** Removes the article's search rows; the other rows go with the article by foreign keys. */
    removeSearchRow(articleSeq: number): void {
      deleteSearchRow.run({ seq: articleSeq })
      deleteTagsSearchRow.run({ seq: articleSeq })
    },
  }
}
