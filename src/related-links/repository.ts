// Related links in SQLite.
import type { Db } from '../db/client.js'

export type RelatedLinksRepository = ReturnType<typeof createRelatedLinksRepository>

export interface StoredRelatedLink {
  id: string
  position: number
  articleId: string | null
  url: string | null
  title: string
}

export function createRelatedLinksRepository(db: Db) {
  const sqlite = db.$client
  const byArticle = sqlite.prepare<[string], StoredRelatedLink>(
    `SELECT id, position, target_article_id AS articleId, url, title FROM related_links
     WHERE article_id = ? ORDER BY position, id`,
  )

  return {
    /** An article's links in order, every target regardless of its status. */
    listForArticle(articleId: string): StoredRelatedLink[] {
      return byArticle.all(articleId)
    },
  }
}
