// A feed's page in any of its three formats: the list's newest articles, each printed as the
// format's entry. An entry depends on its story alone, so it is kept as a stored render
// (src/renders/) of its own kind: a feed is then the list's query (only the articles' ids and last
// changes), one lookup of its entries and the document around them, and an edit re-prints only the
// entries of what it touched.
import type { ArticlesRepository } from '../articles/repository.js'
import { articleKey } from '../http/surrogate-keys.js'
import { visibilityOf } from '../http/visibility.js'
import { type MadePart, pageParts, type Parts, type RenderStore, storedPage, storedPageParts } from '../renders/store.js'
import { newestChange } from './feeds.js'
import { type DistributionRepository, groupOf } from './repository.js'
import type { Stories, Story } from './stories.js'
import { listKeys, storyKeys, translationsKey } from './surrogate-keys.js'
import type { ListQuery } from '../articles/repository.js'

const READERS = visibilityOf({ role: 'anonymous' })

/** One feed format's entry: its kind of stored render, how a story is printed as one, and what the document puts between two. */
export interface EntryFormat {
  kind: string
  entry: (story: Story) => string
  separator: string
}

export interface FeedPage {
  /** The entries, newest first: their bytes (joined when they were read so) and digests (for the feed's ETag, composedEtag). */
  entries: Pick<Parts, 'bodies' | 'joined' | 'digests'>
  /** The newest change among them. */
  updated: string
  keys: string[]
}

export interface FeedPageDeps {
  articles: Pick<ArticlesRepository, 'listEntries' | 'storedPages'>
  distribution: Pick<DistributionRepository, 'publishedByIds'>
  stories: Pick<Stories, 'fromPublished'>
  /** Null when STORED_RENDERS is off (or links have no fixed base): every entry is printed anew. */
  renders: RenderStore | null
}

/**
 * What an entry shows: the story (its article, media, authors' profiles, teased articles) and its
 * translations (the group's key, and the original's, whose own changes log only its article key).
 */
function entryKeys(story: Story): string[] {
  const keys = storyKeys(story)
  const group = groupOf(story.article)
  keys.push(translationsKey(group))
  if (group !== story.article.id) keys.push(articleKey(group))
  return keys
}

/**
 * A feed carries the list's keys and the media and author profiles its entries print (a new
 * caption, or a profile's new slug, logs only its own key). Article keys would add nothing
 * `articles` does not cover, and would make a feed of 100 too long a header for a CDN.
 */
const printedKeys = (keys: readonly string[]): string[] => keys.filter((key) => key.startsWith('media-') || key.startsWith('author-'))

export function createFeedPages({ articles, distribution, stories, renders }: FeedPageDeps) {
  // A feed says when it last changed: its page is read with each article's last change.
  const readPage = renders === null ? null : articles.storedPages(renders.pageStatement, true)

  return {
    page(query: ListQuery, base: string, format: EntryFormat): FeedPage {
      const page = { kind: format.kind, base, since: renders?.position() ?? 0 }
      const make = (missing: string[]): MadePart[] =>
        stories.fromPublished(distribution.publishedByIds(missing), base).map((story) => {
          const keys = entryKeys(story)
          return { articleId: story.article.id, body: format.entry(story), keys, carried: printedKeys(keys) }
        })
      let parts: Parts
      let updated: string
      if (readPage === null) {
        const list = articles.listEntries(query, READERS).data
        parts = pageParts(renders, { ...page, ids: list.map((entry) => entry.id) }, make)
        updated = newestChange(list)
      } else {
        // The page, its entries and their bytes joined, in one statement (no entry past the page: a feed has no cursor).
        const values = { kind: page.kind, base, separator: format.separator, limit: query.limit }
        const stored = storedPage(readPage(query, values), format.separator)
        parts = storedPageParts(renders, page, stored, query.limit, make)
        updated = newestChange(stored.entries)
      }
      const keys = listKeys()
      for (const carried of parts.keys) keys.push(...carried)
      return { entries: parts, updated, keys }
    },
  }
}

export type FeedPages = ReturnType<typeof createFeedPages>
