// What a front end gets in one request: the stored article with its lead media, the media of
// its media blocks, the targets of its related blocks, its authors' profiles, its related links and
// corrections embedded. Each kind of embedded thing costs one query for the whole article or page,
// never one per item.
import type { AuthorsRepository } from '../authors/repository.js'
import { type Author, toAuthor } from '../authors/schemas.js'
import type { CorrectionsReader } from '../corrections/reader.js'
import { type MediaRepository, toMedia } from '../media/repository.js'
import type { Media } from '../media/schemas.js'
import type { RelatedLinksRepository } from '../related-links/repository.js'
import { type RelatedLink, toRelatedLink } from '../related-links/schemas.js'
import type { ArticlesRepository, StoredSummary } from './repository.js'
import type { Article, ArticleSummary, BlockRead, StoredArticle } from './schemas.js'

export interface EmbedContext {
  /** Base of absolute URLs. */
  base: string
  /** Editors see unpublished targets; everyone else never learns of them. */
  includeUnpublished: boolean
}

export type ArticleEmbedder = ReturnType<typeof createArticleEmbedder>

export interface EmbedderDeps {
  articles: ArticlesRepository
  media: MediaRepository
  related: RelatedLinksRepository
  authors: AuthorsRepository
  /** The article's page on the website (src/distribution/canonical-url.ts). */
  canonicalUrl: (article: StoredArticle, base: string) => string
  corrections: CorrectionsReader
}

export function createArticleEmbedder(deps: EmbedderDeps) {
  function mediaMap(ids: (string | null)[], base: string): Map<string, Media> {
    const found = deps.media.findByIds(ids.filter((id): id is string => id !== null))
    const out = new Map<string, Media>()
    for (const [id, item] of found) out.set(id, toMedia(base, item))
    return out
  }

  // Written out rather than `({ leadMediaId, ...rest }) => ({ ...rest, leadMedia })`: V8 copies an
  // object with excluded keys on a slow path, and a list page makes twenty of them.
  function withLeadMedia(list: StoredSummary[], media: Map<string, Media>): ArticleSummary[] {
    return list.map((s) => ({
      id: s.id,
      slug: s.slug,
      title: s.title,
      subtitle: s.subtitle,
      summary: s.summary,
      status: s.status,
      authors: s.authors,
      section: s.section,
      tags: s.tags,
      locale: s.locale,
      leadMedia: s.leadMediaId === null ? null : (media.get(s.leadMediaId) ?? null),
      commentCount: s.commentCount,
      publishedAt: s.publishedAt,
      updatedAt: s.updatedAt,
    }))
  }

  function summaries(list: StoredSummary[], ctx: EmbedContext): ArticleSummary[] {
    return withLeadMedia(
      list,
      mediaMap(
        list.map((s) => s.leadMediaId),
        ctx.base,
      ),
    )
  }

  /** Visible target summaries by id, with their lead media, in one query each. */
  function targets(ids: string[], ctx: EmbedContext): Map<string, ArticleSummary> {
    return new Map(summaries(visibleTargets(ids, ctx), ctx).map((s) => [s.id, s]))
  }

  function visibleTargets(ids: string[], ctx: EmbedContext): StoredSummary[] {
    return [...deps.articles.summariesByIds(ids).values()].filter((s) => ctx.includeUnpublished || s.status === 'published')
  }

  function article(stored: StoredArticle, ctx: EmbedContext): Article {
    const links = deps.related.listForArticle(stored.id)
    const targetIds: string[] = []
    for (const link of links) if (link.articleId !== null) targetIds.push(link.articleId)
    for (const block of stored.body) if (block.type === 'related' && block.articleId !== undefined) targetIds.push(block.articleId)
    // Whether a reader may see the original: the same lookup as the targets.
    if (stored.translationOf !== null && !ctx.includeUnpublished) targetIds.push(stored.translationOf)
    const found = targetIds.length === 0 ? [] : visibleTargets(targetIds, ctx)

    const profiles = deps.authors.findByIds(stored.authorIds)

    // The article's own media, its targets' lead photos and its authors' photos, in one query.
    const mediaIds: (string | null)[] = [stored.leadMediaId]
    for (const block of stored.body) if (block.type === 'media') mediaIds.push(block.mediaId)
    for (const target of found) mediaIds.push(target.leadMediaId)
    for (const profile of profiles.values()) mediaIds.push(profile.photoMediaId)
    const media = mediaMap(mediaIds, ctx.base)
    // Public fields only: an editor's copy of the article may be pasted anywhere.
    const authorProfiles: Author[] = []
    for (const id of stored.authorIds) {
      const profile = profiles.get(id)
      if (profile !== undefined) authorProfiles.push(toAuthor(profile, profile.photoMediaId === null ? null : (media.get(profile.photoMediaId) ?? null), false))
    }
    const summariesById = new Map(withLeadMedia(found, media).map((s) => [s.id, s]))

    const body: BlockRead[] = []
    for (const block of stored.body) {
      if (block.type === 'media') {
        body.push({ ...block, media: media.get(block.mediaId) ?? null })
      } else if (block.type === 'related') {
        if (block.articleId === undefined) {
          body.push({ ...block, article: null })
          continue
        }
        const target = summariesById.get(block.articleId)
        // A teaser to an unpublished (or deleted) story is left out for readers.
        if (target === undefined && !ctx.includeUnpublished) continue
        body.push({ ...block, article: target ?? null })
      } else {
        body.push(block)
      }
    }

    const related: RelatedLink[] = []
    for (const link of links) {
      const target = link.articleId === null ? null : (summariesById.get(link.articleId) ?? null)
      if (link.articleId !== null && target === null && !ctx.includeUnpublished) continue
      // Positions count what this caller sees, so a hidden link leaves no gap to notice.
      related.push(toRelatedLink({ ...link, position: related.length }, target))
    }

    const corrections = deps.corrections.forArticle(stored.id)
    return {
      ...stored,
      canonicalUrl: deps.canonicalUrl(stored, ctx.base),
      // A reader never learns the id of an original that is not published.
      translationOf: stored.translationOf !== null && !ctx.includeUnpublished && !summariesById.has(stored.translationOf) ? null : stored.translationOf,
      body,
      leadMedia: stored.leadMediaId === null ? null : (media.get(stored.leadMediaId) ?? null),
      authorProfiles,
      related,
      corrections,
      retracted: corrections.some((c) => c.type === 'retraction'),
    }
  }

  return { article, summaries, targets }
}
