// The surrogate keys of each public distribution answer (src/http/surrogate-keys.ts): the keys of
// everything it shows, so that a change to any of it evicts the answer from the service's cache
// and from CDNs. One function per kind of answer; `tagAnswer` hands them to the mechanism.
import type { FastifyReply } from 'fastify'
import { ARTICLE_CONTENT, ARTICLE_LISTS, articleKey, authorKey, mediaKey, setSurrogateKeys } from '../http/surrogate-keys.js'
import { groupOf } from './repository.js'
import type { Story } from './stories.js'

/**
 * A translation group (by its original's id): logged by the triggers of migration
 * sitemap-translations when a translation that is or was published joins, leaves, or changes
 * what its URL or language is made of. The original's own changes log its article key.
 */
export const translationsKey = (original: string): string => `translations-${original}`

/**
 * A feed or a sitemap: any published article may enter, leave or change in it: `articles` is
 * logged when one enters, leaves or moves, `articles-content` when one changes (migration
 * list-keys), teased targets' included.
 */
export const listKeys = (): string[] => [ARTICLE_LISTS, ARTICLE_CONTENT]

/** A story printed whole (a feed entry, ninjs): the article, its media, its authors' profiles (their URLs) and the articles it teases. */
export function storyKeys(story: Story): string[] {
  const keys = [articleKey(story.article.id)]
  for (const id of story.article.authorIds) keys.push(authorKey(id))
  if (story.article.leadMediaId !== null) keys.push(mediaKey(story.article.leadMediaId))
  for (const block of story.article.body) {
    if (block.type === 'media') keys.push(mediaKey(block.mediaId))
    else if (block.type === 'related' && block.articleId !== undefined) keys.push(articleKey(block.articleId))
  }
  return keys
}

/**
 * Structured data: the article, its lead picture, its authors' profiles, and its translation group
 * (a translation published later must appear; the original, which a translation names, logs its
 * own key).
 */
export function structuredDataKeys(story: Story): string[] {
  const { article } = story
  const group = groupOf(article)
  const keys = [articleKey(article.id), translationsKey(group)]
  if (group !== article.id) keys.push(articleKey(group))
  if (article.leadMediaId !== null) keys.push(mediaKey(article.leadMediaId))
  for (const id of article.authorIds) keys.push(authorKey(id))
  return keys
}

export function tagAnswer(reply: FastifyReply, keys: () => Iterable<string>): void {
  setSurrogateKeys(reply, keys)
}
