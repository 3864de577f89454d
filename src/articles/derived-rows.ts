// The rows kept in step with each article, in its write's transaction: tag and author rows (a
// filtered list is one index range over them), media-use rows (deleting media in use fails in
// SQLite) and the article's row in the search index.
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articleAuthors, articleMedia, articleTags } from '../db/schema.js'
import { stripTags } from '../text/sanitize.js'
import { articlesFts } from './articles-fts.js'
import { bodyText, filterKey } from './normalize.js'
import type { StoredArticle } from './schemas.js'

export type DerivedRows = ReturnType<typeof createDerivedRows>

export function createDerivedRows(db: Db) {
  const seq = sql.placeholder('seq')
  const listed = { articleSeq: seq, status: sql.placeholder('status'), sortAt: sql.placeholder('sortAt') }
  const deleteTags = db.delete(articleTags).where(eq(articleTags.articleSeq, seq)).prepare()
  const insertTag = db.insert(articleTags).values({ ...listed, tag: sql.placeholder('key') }).onConflictDoNothing().prepare()
  const deleteAuthors = db.delete(articleAuthors).where(eq(articleAuthors.articleSeq, seq)).prepare()
  const insertAuthor = db.insert(articleAuthors).values({ ...listed, author: sql.placeholder('key') }).onConflictDoNothing().prepare()
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

  return {
    /** Rewrites every row derived from the article (`seq` is its row's key). */
    write(a: StoredArticle, articleSeq: number): void {
      const row = { seq: articleSeq, status: a.status, sortAt: a.publishedAt ?? a.updatedAt }
      deleteTags.run({ seq: articleSeq })
      for (const tag of a.tags) insertTag.run({ ...row, key: filterKey(tag) })
      deleteAuthors.run({ seq: articleSeq })
      for (const author of a.authors) insertAuthor.run({ ...row, key: filterKey(author) })
      deleteMediaUse.run({ articleId: a.id })
      if (a.leadMediaId !== null) insertMediaUse.run({ articleId: a.id, mediaId: a.leadMediaId })
      for (const block of a.body) if (block.type === 'media') insertMediaUse.run({ articleId: a.id, mediaId: block.mediaId })
      deleteSearchRow.run({ seq: articleSeq })
      insertSearchRow.run({
        seq: articleSeq,
        title: stripTags(a.title),
        subtitle: stripTags(a.subtitle),
        summary: stripTags(a.summary),
        body: bodyText(a.body),
        tags: a.tags.join(' '),
      })
    },

    /** Removes the article's search row; the other rows go with the article by foreign keys. */
    removeSearchRow(articleSeq: number): void {
      deleteSearchRow.run({ seq: articleSeq })
    },
  }
}
