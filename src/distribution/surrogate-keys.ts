// The surrogate keys of each public distribution answer (src/http/surrogate-keys.ts): the keys of
// everything it shows, so that a change to any of it evicts the answer from the service's cache
// and from CDNs. One function per kind of answer; `tagAnswer` hands them to the mechanism.
import type { FastifyReply } from 'fastify'
import { ARTICLE_CONTENT, ARTICLE_LISTS, articleKey, mediaKey, setSurrogateKeys } from '../http/surrogate-keys.js'
import type { Story } from './stories.js'

/**
 * A feed or a sitemap: any published article may enter, leave or change in it: `articles` is
 * logged when one enters, leaves or moves, `articles-content` when one changes (migration
 * list-keys), teased targets' included.
 */
export const listKeys = (): string[] => [ARTICLE_LISTS, ARTICLE_CONTENT]

/** A story printed whole (a feed entry, ninjs): the article, its media and the articles it teases. */
export function storyKeys(story: Story): string[] {
  const keys = [articleKey(story.article.id)]
  if (story.article.leadMediaId !== null) keys.push(mediaKey(story.article.leadMediaId))
  for (const block of story.article.body) {
    if (block.type === 'media') keys.push(mediaKey(block.mediaId))
    else if (block.type === 'related' && block.articleId !== undefined) keys.push(articleKey(block.articleId))
  }
  return keys
}

/** Structured data: the article and its lead picture. */
export const structuredDataKeys = (story: Story): string[] =>
  story.article.leadMediaId === null ? [articleKey(story.article.id)] : [articleKey(story.article.id), mediaKey(story.article.leadMediaId)]

/**
 * A feed: the list, and the media its stories print (a new caption logs only its media key).
 * Article keys would add nothing `articles` does not cover, and would make a feed of 100 too long
 * a header for a CDN.
 */
export const feedKeys = (stories: readonly Story[]): string[] => [
  ...listKeys(),
  ...stories.flatMap((story) => storyKeys(story).filter((key) => key.startsWith('media-'))),
]

export function tagAnswer(reply: FastifyReply, keys: () => Iterable<string>): void {
  setSurrogateKeys(reply, keys)
}
