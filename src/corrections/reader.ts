// An article's corrections, newest first: what the article embeds and its revisions record. Apart
// from the repository, which writes through the articles repository, so that articles can read
// corrections without an import circle.
import { desc, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { fastRows } from '../db/row-mapper.js'
import { articleCorrections } from '../db/schema-article-extras.js'
import type { Correction } from './schemas.js'

export type CorrectionsReader = ReturnType<typeof createCorrectionsReader>

export const correctionColumns = {
  id: articleCorrections.id,
  type: articleCorrections.type,
  text: articleCorrections.text,
  at: articleCorrections.at,
  createdAt: articleCorrections.createdAt,
  updatedAt: articleCorrections.updatedAt,
  version: articleCorrections.version,
} satisfies Record<keyof Correction, unknown>

export function createCorrectionsReader(db: Db) {
  const all = fastRows(
    db
      .select(correctionColumns)
      .from(articleCorrections)
      .where(eq(articleCorrections.articleId, sql.placeholder('articleId')))
      .orderBy(desc(articleCorrections.at), desc(articleCorrections.seq))
      .prepare(),
    correctionColumns,
  )
  return {
    /** Every correction of the article, newest `at` first (the order they were made among equal times). */
    forArticle(articleId: string): Correction[] {
      return all.all({ articleId })
    },
  }
}
