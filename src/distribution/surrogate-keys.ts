// The Surrogate-Key of each public distribution answer: the keys of everything it shows, so that
// a change to any of it evicts the answer from the service's cache and from CDNs (API.md,
// "Caching proxies and CDNs"). One function per kind of answer; `tagAnswer` is where they meet
// the key mechanism.
import type { FastifyReply } from 'fastify'
import type { Story } from './stories.js'

/** A feed or a sitemap: any article may enter or leave it. */
export const listKeys = (): string[] => ['articles']

/** A story printed whole (a feed entry, ninjs): the article, its media and the articles it teases. */
export function storyKeys(story: Story): string[] {
  const keys = new Set([`article-${story.article.id}`])
  if (story.article.leadMediaId !== null) keys.add(`media-${story.article.leadMediaId}`)
  for (const block of story.article.body) {
    if (block.type === 'media') keys.add(`media-${block.mediaId}`)
    else if (block.type === 'related' && block.articleId !== undefined) keys.add(`article-${block.articleId}`)
  }
  return [...keys]
}

/** Structured data: the article and its lead picture. */
export const structuredDataKeys = (story: Story): string[] =>
  story.article.leadMediaId === null ? [`article-${story.article.id}`] : [`article-${story.article.id}`, `media-${story.article.leadMediaId}`]

/** A feed: the list (which any change to an article touches) and the media its stories show. */
export const feedKeys = (stories: readonly Story[]): string[] => [
  ...new Set([...listKeys(), ...stories.flatMap((story) => storyKeys(story).filter((key) => key.startsWith('media-')))]),
]

export function tagAnswer(reply: FastifyReply, keys: readonly string[]): void {
  reply.header('surrogate-key', keys.join(' '))
}
