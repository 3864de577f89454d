// Which surrogate keys each anonymous answer about articles carries (src/http/surrogate-keys.ts):
// the keys of everything it shows, so that the change that logs one (migration surrogate-keys)
// evicts it, and of what it could newly show, so that it is evicted when that appears.
import type { RelatedLink } from '../related-links/schemas.js'
import { ARTICLE_CONTENT, ARTICLE_LISTS, articleKey, authorKey, listFilterKey, mediaKey } from '../http/surrogate-keys.js'
import { sectionSlug } from '../sections/slug.js'
import { cleanSection, filterKey } from './normalize.js'
import type { Article, ArticleSummary, StoredArticle } from './schemas.js'
import { searchQueryKeys } from './search-keys.js'

/**
 * An article as readers get it: its own key, its media, its authors' profiles with their photos,
 * and every article it points to. Related
 * blocks whose target is not published are left out of the answer but not of its keys: when the
 * target is published (which logs its key) the teaser must appear. Related links to such targets
 * need no key: the trigger logs the linking article's key when a target becomes visible or hidden.
 */
export function articleKeys(stored: StoredArticle, shown: Article): string[] {
  const keys = [articleKey(stored.id)]
  // Readers see `translationOf` only while the original is published: its change must evict this.
  if (stored.translationOf !== null) keys.push(articleKey(stored.translationOf))
  if (stored.leadMediaId !== null) keys.push(mediaKey(stored.leadMediaId))
  for (const block of stored.body) {
    if (block.type === 'media') keys.push(mediaKey(block.mediaId))
    else if (block.type === 'related' && block.articleId !== undefined) keys.push(articleKey(block.articleId))
  }
  for (const id of stored.authorIds) keys.push(authorKey(id))
  for (const profile of shown.authorProfiles) if (profile.photo !== null) keys.push(mediaKey(profile.photo.id))
  for (const block of shown.body) if (block.type === 'related' && block.article) summaryKeys(block.article, keys)
  return relatedKeys(shown.related, keys)
}

/** A list of related links: each target shown with its lead picture (the parent's key is the caller's). */
export function relatedKeys(links: readonly RelatedLink[], keys: string[]): string[] {
  for (const link of links) if (link.article !== null) summaryKeys(link.article, keys)
  return keys
}

/**
 * A page of the list: what decides which articles it holds (its membership keys), and each
 * summary shown. An article that joins or leaves a list logs the membership keys of the lists
 * it may be in; one that changes while it stays logs only its own key, which the pages showing
 * it carry.
 */
export function listKeys(query: Readonly<Record<string, unknown>>, shown: readonly ArticleSummary[]): string[] {
  const keys = membershipKeys(query)
  for (const summary of shown) summaryKeys(summary, keys)
  return keys
}

/** A summary shows its article and its lead picture; added to `keys`, which it returns. */
export function summaryKeys(summary: ArticleSummary, keys: string[]): string[] {
  keys.push(articleKey(summary.id))
  if (summary.leadMedia !== null) keys.push(mediaKey(summary.leadMedia.id))
  return keys
}

/**
 * A list filtered only by section, tag, author or author profile carries their keys, which the
 * triggers log when a published article with that value joins, leaves or moves (for a section,
 * in it or in a section below it: the article_sections rows). An unfiltered list carries
 * `articles`, logged when a published article appears, goes or moves: an edit that does neither
 * changes only the pages that show the article, which carry its key. A search carries `articles`
 * and the keys of its terms, which the edits that add or remove them log (search-keys.ts). Any
 * other list (a filter without a key of its own, such as `locale` or one added later, or a search
 * whose terms cannot all have keys) may gain or lose an article by any edit, and carries
 * `articles-content` too.
 */
export function membershipKeys(query: Readonly<Record<string, unknown>>): string[] {
  const keys: string[] = []
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || name === 'limit' || name === 'cursor') continue
    // Readers see published articles only: asking for them narrows nothing.
    if (name === 'status' && value === 'published') continue
    if (typeof value !== 'string') return [ARTICLE_LISTS, ARTICLE_CONTENT]
    if (name === 'q') {
      // Order and publication decide a search's page as they do an unfiltered list's.
      const terms = searchQueryKeys(value)
      if (terms === null) return [ARTICLE_LISTS, ARTICLE_CONTENT]
      keys.push(ARTICLE_LISTS, ...terms)
      continue
    }
    // As the list reads the value: a section as its slug ("Local News" is `local-news`).
    if (name === 'section') keys.push(listFilterKey('section', sectionSlug(cleanSection(value) ?? '')))
    else if (name === 'tag' || name === 'author') keys.push(listFilterKey(name, filterKey(value)))
    else if (name === 'authorId') keys.push(listFilterKey('authorId', value))
    else return [ARTICLE_LISTS, ARTICLE_CONTENT]
  }
  return keys.length === 0 ? [ARTICLE_LISTS] : keys
}
