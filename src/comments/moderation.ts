// The moderation state machine, in one place: the status a new comment starts in, the
// decisions a moderator may make from each status, and how each change moves an article's
// count of approved comments.
import type { CommentModeration } from '../config.js'
import type { SpamVerdictKind } from './spam.js'

export const COMMENT_STATUSES = ['pending', 'approved', 'rejected', 'spam'] as const
export type CommentStatus = (typeof COMMENT_STATUSES)[number]

// `pending` is only where new comments wait: a decision can be replaced by another decision,
// never undone into the queue (a moderator who wants a comment gone from the page rejects it).
const TRANSITIONS: Record<CommentStatus, readonly CommentStatus[]> = {
  pending: ['approved', 'rejected', 'spam'],
  approved: ['rejected', 'spam'],
  rejected: ['approved', 'spam'],
  spam: ['approved', 'rejected'],
}

/** Whether a moderator may move a comment from `from` to `to` (the same status is no change, and allowed). */
export function canTransition(from: CommentStatus, to: CommentStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to)
}

/** The statuses a comment in `from` may be moved to. */
export function allowedTransitions(from: CommentStatus): readonly CommentStatus[] {
  return TRANSITIONS[from]
}

/**
 * Where a new comment starts: spam is spam; anything flagged waits for a moderator even under
 * post-moderation; a clean comment waits under pre-moderation and appears at once under post.
 */
export function initialStatus(verdict: SpamVerdictKind, mode: CommentModeration): CommentStatus {
  if (verdict === 'spam') return 'spam'
  if (verdict === 'suspect') return 'pending'
  return mode === 'post' ? 'approved' : 'pending'
}

/** How a change of status moves the article's `commentCount` (which counts approved comments). */
export function countDelta(from: CommentStatus | null, to: CommentStatus | null): -1 | 0 | 1 {
  const before = from === 'approved' ? 1 : 0
  const after = to === 'approved' ? 1 : 0
  return (after - before) as -1 | 0 | 1
}
