// When an article stops taking comments: never while `commentsEnabled` is on and the closing
// window (COMMENTS_CLOSE_AFTER_DAYS after publication) has not passed.

const DAY_MS = 24 * 60 * 60 * 1000

export interface CommentableArticle {
  commentsEnabled: boolean
  publishedAt: string | null
}

/** Why the article takes no new comments at `now`, in words for the reader; null while it does. */
export function commentsClosedReason(article: CommentableArticle, closeAfterDays: number, now: Date): string | null {
  if (!article.commentsEnabled) return 'Comments are turned off for this article.'
  if (closeAfterDays > 0 && article.publishedAt !== null) {
    const closesAt = Date.parse(article.publishedAt) + closeAfterDays * DAY_MS
    if (now.getTime() >= closesAt) {
      const days = closeAfterDays === 1 ? '1 day' : `${closeAfterDays} days`
      return `Comments on this article closed on ${new Date(closesAt).toISOString()}, ${days} after publication.`
    }
  }
  return null
}
