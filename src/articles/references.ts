// The check of what an article points to: media and related articles that exist, not itself.
import { inArray } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articles, media } from '../db/schema.js'
import { badRequest, type FieldError } from '../http/problems.js'
import { lookupByIds } from '../db/lookup-by-ids.js'
import type { StoredArticle } from './schemas.js'

type Pointing = Pick<StoredArticle, 'id' | 'body' | 'leadMediaId'>

export type ReferenceCheck = ReturnType<typeof createReferenceCheck>

export function createReferenceCheck(db: Db) {
  const mediaIn = lookupByIds((ids) => db.select({ id: media.id }).from(media).where(inArray(media.id, ids)).prepare())
  const articlesIn = lookupByIds((ids) => db.select({ id: articles.id }).from(articles).where(inArray(articles.id, ids)).prepare())
  const existing = (lookup: typeof mediaIn, ids: Set<string>) => new Set(lookup([...ids]).map((row) => row.id))

  /** Each reference of the article that is missing or malformed, with its path under `prefix`. */
  function errors(article: Pointing, prefix: string): FieldError[] {
    const found: FieldError[] = []
    const mediaIds = new Set<string>()
    const articleIds = new Set<string>()
    if (article.leadMediaId !== null) mediaIds.add(article.leadMediaId)
    article.body.forEach((block, i) => {
      if (block.type === 'media') mediaIds.add(block.mediaId)
      if (block.type === 'related') {
        const has = Number(block.articleId !== undefined) + Number(block.url !== undefined)
        if (has !== 1) found.push({ path: `${prefix}body[${i}]`, message: 'a related block needs either articleId or url, not both' })
        if (block.articleId === article.id) found.push({ path: `${prefix}body[${i}].articleId`, message: 'an article cannot link to itself' })
        if (block.articleId !== undefined) articleIds.add(block.articleId)
      }
    })
    const mediaFound = existing(mediaIn, mediaIds)
    const targets = existing(articlesIn, articleIds)
    if (article.leadMediaId !== null && !mediaFound.has(article.leadMediaId)) {
      found.push({ path: `${prefix}leadMediaId`, message: `no media with id "${article.leadMediaId}"` })
    }
    article.body.forEach((block, i) => {
      if (block.type === 'media' && !mediaFound.has(block.mediaId)) {
        found.push({ path: `${prefix}body[${i}].mediaId`, message: `no media with id "${block.mediaId}"` })
      }
      if (block.type === 'related' && block.articleId !== undefined && block.articleId !== article.id && !targets.has(block.articleId)) {
        found.push({ path: `${prefix}body[${i}].articleId`, message: `no article with id "${block.articleId}"` })
      }
    })
    return found
  }

  return {
    errors,

    /** Refuses (400) an article with a missing or malformed reference. */
    check(article: Pointing, prefix: string): void {
      const found = errors(article, prefix)
      if (found.length > 0) throw badRequest(found.map((e) => `${e.path} ${e.message}`).join('; '), found)
    },
  }
}
