// What every distribution format (feeds, JSON-LD, ninjs) prints of an article: a `Story`, made
// either from one embedded article or, for a feed's page, from many at once with one query per
// kind of embedded thing (media, teaser targets, author profiles, translation groups), never one
// per article.
import type { ArticlesRepository } from '../articles/repository.js'
import type { Article, ArticleSummary, StoredArticle } from '../articles/schemas.js'
import { canSee, visibilityOf } from '../http/visibility.js'
import { type MediaRepository, toMedia } from '../media/repository.js'
import type { Media } from '../media/schemas.js'
import { type HtmlBlock, renderBlocks } from '../text/html.js'
import type { AuthorLookup } from '../authors/lookup.js'
import type { StoredAuthor } from '../authors/schemas.js'
import type { AuthorUrl, CanonicalUrl } from './canonical-url.js'
import { type DistributionRepository, groupOf } from './repository.js'

/** A byline; `url` is the author's profile page (AUTHOR_URL_TEMPLATE), null for a free-text byline. */
export interface Byline {
  name: string
  url: string | null
}

/** What a byline needs of an author profile. */
export type BylineProfile = Pick<StoredAuthor, 'id' | 'slug' | 'name'>

/** An entry of an article's corrections, newest first (none until articles carry them). */
export interface CorrectionNote {
  type: string
  text: string
  at: string
}

/** Another published member of the article's translation group. */
export interface TranslationLink {
  locale: string
  url: string
  /** Whether it is the group's original (the others translate it). */
  original: boolean
}

export interface Story {
  article: StoredArticle
  canonicalUrl: string
  /** The body as HTML (src/text/html.ts). */
  html: string
  /** The lead media item, when it still exists. */
  lead: Media | null
  bylines: Byline[]
  corrections: CorrectionNote[]
  /** The other published members of its translation group, by locale (none without translations). */
  translations: TranslationLink[]
}

/**
 * The printed bylines of an article, each linked to the profile of its `authorIds` that bears its
 * name (ignoring case). `authors` is what the newsroom chose to print, so it decides the list: a
 * profile whose name is not printed adds no byline, and a free-text one (a wire credit) has no URL.
 */
export function bylinesOf(article: Pick<StoredArticle, 'authors' | 'authorIds'>, profiles: ReadonlyMap<string, BylineProfile>, url: (profile: BylineProfile) => string): Byline[] {
  const unused = new Map<string, BylineProfile>()
  for (const id of article.authorIds) {
    const profile = profiles.get(id)
    if (profile !== undefined && !unused.has(fold(profile.name))) unused.set(fold(profile.name), profile)
  }
  return article.authors.map((name) => {
    const profile = unused.get(fold(name))
    if (profile === undefined) return { name, url: null }
    unused.delete(fold(name))
    return { name, url: url(profile) }
  })
}

const fold = (name: string): string => name.trim().toLowerCase()

/** The corrections an embedded article carries, newest first (a feed's stories print none). */
export function correctionsOf(article: Pick<Article, 'corrections'>): CorrectionNote[] {
  return article.corrections.map(({ type, text, at }) => ({ type, text, at }))
}

/** The subtitle, else the summary: what feeds show as an entry's description. */
export const descriptionOf = (article: Pick<StoredArticle, 'subtitle' | 'summary'>): string => article.subtitle || article.summary

const READERS = visibilityOf({ role: 'anonymous' })

export interface StoryDeps {
  articles: ArticlesRepository
  media: MediaRepository
  canonicalUrl: CanonicalUrl
  /** The profiles of a feed's bylines, in one query per page. */
  authors: Pick<AuthorLookup, 'findByIds'>
  authorUrl: AuthorUrl
  /** The published members of translation groups, in one batched lookup per page of stories. */
  groups: Pick<DistributionRepository, 'translationGroups'>
}

export function createStories({ articles, media, canonicalUrl, authors, authorUrl, groups }: StoryDeps) {
  /** Each article's translations: the published members of its group but itself. */
  function translationsOf(list: readonly Pick<StoredArticle, 'id' | 'translationOf'>[], base: string): Map<string, TranslationLink[]> {
    const members = groups.translationGroups(list.map(groupOf))
    const links = new Map<string, TranslationLink[]>()
    for (const article of list) {
      const group = members.get(groupOf(article)) ?? []
      const others = group.filter((member) => member.id !== article.id)
      links.set(article.id, others.map((member) => ({ locale: member.locale, url: canonicalUrl(member, base), original: member.translationOf === null })))
    }
    return links
  }

  /** The body of an article as HTML; teasers link to their targets' pages. */
  function bodyHtml(article: Pick<Article, 'body' | 'locale'>, base: string): string {
    return renderBlocks<ArticleSummary>(article.body, { teaserUrl: (target) => canonicalUrl({ ...target, locale: article.locale }, base) })
  }

  /** A story from an article embedded for its reader (GET /v1/articles/{id} gives the same), and its stored `translationOf`. */
  function fromArticle(article: Article, base: string, translationOf: string | null): Story {
    const { body, leadMedia, related: _related, canonicalUrl: url, bodyHtml: _html, corrections: _corrections, retracted: _retracted, ...rest } = article
    // The blocks as read are the blocks as stored with their media and targets added.
    // The stored translationOf: readers' copies hide it while the original is unpublished, and
    // the group is still the original's.
    const stored: StoredArticle = { ...rest, translationOf, body: body as StoredArticle['body'] }
    return {
      article: stored,
      canonicalUrl: url,
      html: bodyHtml(article, base),
      lead: leadMedia,
      bylines: bylinesOf(article, new Map(article.authorProfiles.map((profile) => [profile.id, profile])), (profile) => authorUrl(profile, base)),
      corrections: correctionsOf(article),
      translations: translationsOf([stored], base).get(article.id) ?? [],
    }
  }

  /** Stories of published articles, for a feed: their media and teaser targets in one query each. */
  function fromPublished(list: StoredArticle[], base: string): Story[] {
    const mediaIds: string[] = []
    const targetIds: string[] = []
    for (const article of list) {
      if (article.leadMediaId !== null) mediaIds.push(article.leadMediaId)
      for (const block of article.body) {
        if (block.type === 'media') mediaIds.push(block.mediaId)
        else if (block.type === 'related' && block.articleId !== undefined) targetIds.push(block.articleId)
      }
    }
    const profiles = authors.findByIds(list.flatMap((article) => article.authorIds))
    const translations = translationsOf(list, base)
    const profileUrl = (profile: BylineProfile) => authorUrl(profile, base)
    const found = new Map<string, Media>()
    for (const [id, item] of media.findByIds(mediaIds)) found.set(id, toMedia(base, item))
    const targets = new Map<string, ArticleSummary>()
    for (const [id, summary] of articles.summariesByIds(targetIds)) {
      // A teaser to a story readers cannot see is left out, as on the article page.
      if (!canSee(READERS, summary)) continue
      const { leadMediaId: _lead, ...rest } = summary
      targets.set(id, { ...rest, leadMedia: null })
    }
    return list.map((article) => {
      const blocks: HtmlBlock<ArticleSummary>[] = []
      for (const block of article.body) {
        if (block.type === 'media') blocks.push({ ...block, media: found.get(block.mediaId) ?? null })
        else if (block.type === 'related') blocks.push({ ...block, article: block.articleId === undefined ? null : (targets.get(block.articleId) ?? null) })
        else blocks.push(block)
      }
      return {
        article,
        canonicalUrl: canonicalUrl(article, base),
        html: renderBlocks(blocks, { teaserUrl: (target) => canonicalUrl({ ...target, locale: article.locale }, base) }),
        lead: article.leadMediaId === null ? null : (found.get(article.leadMediaId) ?? null),
        bylines: bylinesOf(article, profiles, profileUrl),
        // Feeds print no corrections: only structured data does, from the embedded article.
        corrections: [],
        translations: translations.get(article.id) ?? [],
      }
    })
  }

  return { bodyHtml, fromArticle, fromPublished }
}

export type Stories = ReturnType<typeof createStories>
