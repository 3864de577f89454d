// What a caller may see of articles: the one policy behind article reads, comments, related
// links and embedded teasers. Editors (and admins) see everything; everyone else sees only
// what is published, and an article they may not see answers 404 exactly as an absent one
// does, so that drafts cannot be found by probing ids or slugs.
import { type Caller, hasRole } from './auth.js'
import { notFound } from './problems.js'

export interface Visibility {
  includeUnpublished: boolean
}

const EVERYTHING: Visibility = Object.freeze({ includeUnpublished: true })
const PUBLISHED_ONLY: Visibility = Object.freeze({ includeUnpublished: false })

export function visibilityOf(caller: Caller): Visibility {
  return hasRole(caller, ['editor']) ? EVERYTHING : PUBLISHED_ONLY
}

export function canSee(visibility: Visibility, article: { status: string }): boolean {
  return visibility.includeUnpublished || article.status === 'published'
}

/** The article, or a 404 naming `key` (its id, or what `by` says) when it is absent or hidden from this caller. */
export function visibleOr404<T extends { status: string }>(article: T | null, visibility: Visibility, key: string, by = 'id'): T {
  if (article === null || !canSee(visibility, article)) throw notFound('article', key, by)
  return article
}
