// The check of what an article points to: media and related articles that exist, not itself.
//
// A related article may be deleted while stories still mention it (a newsroom must be able to
// kill a story at once), so a `related` block can come to name an article that is gone. Such
// a reference is kept and readers never see it (articles/embed.ts); only a reference a request
// introduces must exist, so that a story that mentions a deleted one can still be edited.
import { inArray } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articles, media } from '../db/schema.js'
import { badRequest, type FieldError } from '../http/problems.js'
import { lookupByIds } from '../db/lookup-by-ids.js'
import type { Block, StoredArticle } from './schemas.js'

type Pointing = Pick<StoredArticle, 'id' | 'body' | 'leadMediaId'>

export type ReferenceCheck = ReturnType<typeof createReferenceCheck>

/** The articles a body's `related` blocks name. */
export function relatedTargets(body: readonly Block[]): Set<string> {
  const ids = new Set<string>()
  for (const block of body) if (block.type === 'related' && block.articleId !== undefined) ids.add(block.articleId)
  return ids
}

const NONE: ReadonlySet<string> = new Set()

export function createReferenceCheck(db: Db) {
  const mediaIn = lookupByIds((ids) => db.select({ id: media.id }).from(media).where(inArray(media.id, ids)).prepare())
  const articlesIn = lookupByIds((ids) => db.select({ id: articles.id }).from(articles).where(inArray(articles.id, ids)).prepare())
  const existing = (lookup: typeof mediaIn, ids: Set<string>) => new Set(lookup([...ids]).map((row) => row.id))

  /**
   * Each reference of the article that is missing or malformed, with its path under `prefix`.
   * Related articles named in `kept` (those the stored body already names) may be missing.
   * Media may not: deleting media in use is refused, so a stored reference to it never dangles.
   */
  function errors(article: Pointing, prefix: string, kept: ReadonlySet<string> = NONE): FieldError[] {
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
        if (block.articleId !== undefined && !kept.has(block.articleId)) articleIds.add(block.articleId)
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
      if (block.type === 'related' && block.articleId !== undefined && articleIds.has(block.articleId)) {
        if (block.articleId !== article.id && !targets.has(block.articleId)) {
          found.push({ path: `${prefix}body[${i}].articleId`, message: `no article with id "${block.articleId}"` })
        }
      }
    })
    return found
  }

  return {
    errors,

    /** Refuses (400) an article with a missing or malformed reference; see errors() for `kept`. */
    check(article: Pointing, prefix: string, kept?: ReadonlySet<string>): void {
      const found = errors(article, prefix, kept)
      if (found.length > 0) throw badRequest(found.map((e) => `${e.path} ${e.message}`).join('; '), found)
    },
  }
}
