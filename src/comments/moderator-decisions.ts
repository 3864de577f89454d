// A moderator's decisions: a new status for one comment, or for many all or nothing, and
// erasure. Each is one transaction that also writes the audit row, moves the article's count of
// approved comments and records the webhook event.
import { and, eq, inArray, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { now } from '../db/ids.js'
import { comments } from '../db/schema.js'
import { badRequest, conflict, notFound, preconditionFailed } from '../http/problems.js'
import type { RecordEvent } from '../webhooks/outbox.js'
import { allowedTransitions, canTransition, type CommentStatus, countDelta } from './moderation.js'
import { type StoredComment, toPublic } from './schemas.js'
import { bound, plus } from '../db/sql-values.js'

/** Who decides, and (for If-Match) the version the decision was made on. */
export interface ModerationOptions {
  keyId: string | null
  ifVersion?: number | undefined
}

/** What the decisions share with the rest of the repository. */
export interface DecisionParts {
  getById(id: string): StoredComment | null
  /** Writes the audit row of a change of status ('deleted' for an erasure). */
  audit(comment: StoredComment, from: CommentStatus | null, to: string, keyId: string | null, time: string): void
  moveCount(articleId: string, delta: number): void
  recordEvent: RecordEvent
}

const p = sql.placeholder

export function createModeratorDecisions(db: Db, { getById, audit, moveCount, recordEvent }: DecisionParts) {
  const updateStatus = db
    .update(comments)
    .set({ status: bound('status'), moderatedBy: bound('keyId'), moderatedAt: bound('time'), updatedAt: bound('time'), version: plus(comments.version, 1) })
    .where(and(eq(comments.id, p('id')), eq(comments.version, p('version'))))
    .prepare()
  // Replies outlive an erased parent: the whole subtree moves up one level (Drizzle's builder
  // has no recursive CTE, so the subtree is walked in SQL)...
  const subtree = sql`(WITH RECURSIVE subtree(id) AS (
      SELECT id FROM comments WHERE parent_id = ${p('id')}
      UNION ALL SELECT c.id FROM comments c JOIN subtree s ON c.parent_id = s.id)
    SELECT id FROM subtree)`
  const liftSubtree = db
    .update(comments)
    .set({ depth: plus(comments.depth, -1) })
    .where(inArray(comments.id, subtree))
    .prepare()
  // ...and the direct replies now answer the erased comment's own parent.
  const reparentReplies = db
    .update(comments)
    .set({ parentId: bound('parentId'), updatedAt: bound('time'), version: plus(comments.version, 1) })
    .where(eq(comments.parentId, p('id')))
    .prepare()
  const deleteComment = db.delete(comments).where(eq(comments.id, p('id'))).prepare()

  function moveArticleCount(articleId: string, from: CommentStatus | null, to: CommentStatus | null) {
    const delta = countDelta(from, to)
    if (delta !== 0) moveCount(articleId, delta)
  }

  function current(id: string, ifVersion: number | undefined): StoredComment {
    const comment = getById(id)
    if (!comment) throw notFound('comment', id)
    if (ifVersion !== undefined && comment.version !== ifVersion) {
      throw preconditionFailed(`The comment is at version ${comment.version}, not ${ifVersion}; fetch it again before moderating it.`)
    }
    return comment
  }

  function refusal(comment: StoredComment, to: CommentStatus): string {
    const allowed = allowedTransitions(comment.status)
    return `Comment "${comment.id}" is ${comment.status} and cannot become ${to}; it can become ${allowed.join(', ')}.`
  }

  /** Applies one decision that the state machine allows; the same status changes nothing. */
  function apply(before: StoredComment, to: CommentStatus, keyId: string | null, time: string): StoredComment {
    if (before.status === to) return before
    const result = updateStatus.run({ id: before.id, status: to, keyId, time, version: before.version })
    if (result.changes === 0) throw preconditionFailed('The comment changed while this request was being handled; fetch it again.')
    audit(before, before.status, to, keyId, time)
    moveArticleCount(before.articleId, before.status, to)
    const after: StoredComment = { ...before, status: to, moderatedBy: keyId, moderatedAt: time, updatedAt: time, version: before.version + 1 }
    recordEvent('comment.moderated', { ...toPublic(after), previousStatus: before.status })
    return after
  }

  const moderate = transactional(db, (id: string, to: CommentStatus, options: ModerationOptions): StoredComment => {
    const before = current(id, options.ifVersion)
    if (!canTransition(before.status, to)) throw conflict(refusal(before, to))
    return apply(before, to, options.keyId, now())
  })

  /** All or nothing: every id must exist and every change be allowed, or nothing changes. */
  const moderateMany = transactional(db, (ids: readonly string[], to: CommentStatus, keyId: string | null): StoredComment[] => {
    const found = ids.map((id) => getById(id))
    const missing = ids.flatMap((id, i) => (found[i] ? [] : [{ path: `body.ids[${i}]`, message: `no comment with id "${id}"` }]))
    if (missing.length > 0) throw badRequest(missing.map((e) => `${e.path} ${e.message}`).join('; '), missing)
    const befores = found.filter((comment) => comment !== null)
    const refused = befores.filter((comment) => !canTransition(comment.status, to))
    if (refused.length > 0) throw conflict(`Nothing was changed. ${refused.map((comment) => refusal(comment, to)).join(' ')}`)
    const time = now()
    return befores.map((comment) => apply(comment, to, keyId, time))
  })

  const remove = transactional(db, (id: string, options: ModerationOptions): void => {
    const before = current(id, options.ifVersion)
    const time = now()
    liftSubtree.run({ id: before.id })
    reparentReplies.run({ id: before.id, parentId: before.parentId, time })
    deleteComment.run({ id: before.id })
    audit(before, before.status, 'deleted', options.keyId, time)
    moveArticleCount(before.articleId, before.status, null)
  })

  return { moderate, moderateMany, remove }
}
