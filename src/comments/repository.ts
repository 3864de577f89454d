// Comments in SQLite: readers' submissions, written through group commit, with the reads
// (queries.ts) and the moderators' decisions (moderator-decisions.ts). Every change of status
// writes its audit row, moves the article's `comment_count` (approved comments) and records
// the webhook event in its own transaction, so the count is never recounted on read and never
// drifts from the rows.
import { desc, eq, lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { type BatchHooks, groupCommit, unitOfCommit } from '../db/group-commit.js'
import { newId, now } from '../db/ids.js'
import { articles, commentModerations, comments } from '../db/schema.js'
import { notFound, Problem } from '../http/problems.js'
import type { RecordEvent } from '../webhooks/outbox.js'
import type { CommentModeration } from '../config.js'
import { type CommentStatus, countDelta, initialStatus } from './moderation.js'
import { createModeratorDecisions } from './moderator-decisions.js'
import { createCommentQueries } from './queries.js'
import { RecentCopies } from './recent-copies.js'
import { type StoredComment, toPublic } from './schemas.js'
import { REMEMBERED_COPIES, REPEAT_WINDOW_MS, withRepeats } from './spam.js'
import { bound, plus } from '../db/sql-values.js'
import { boundLimit } from '../db/bound-limit.js'

export type { ModerationOptions } from './moderator-decisions.js'
export type { PageOptions, QueueOptions } from './queries.js'

export type CommentsRepository = ReturnType<typeof createCommentsRepository>

/** A comment ready to store: text already plain, status already decided. */
export type NewComment = Omit<StoredComment, 'id' | 'moderatedBy' | 'moderatedAt' | 'createdAt' | 'updatedAt' | 'version'> & {
  /** Normalized text, for spotting repeats from one client. */
  fingerprint: string
  /** When it was written, for a comment brought from another system (imports); now otherwise. */
  createdAt?: string
}

/** A submission as the route has it: text checked, spam checked, not yet placed or decided. */
export type Submission = Omit<NewComment, 'parentId' | 'depth' | 'status'> & {
  moderation: CommentModeration
}

/** Where a comment goes: the thread it answers, if any. */
export interface Placement {
  articleId: string
  parentId: string | null
  depth: number
}

/** Checks a submission against the database, in the transaction that stores it; throws a Problem to refuse it. */
export type Admit = () => Placement

export type SubmitOutcome = { comment: StoredComment } | { refused: Problem }

const p = sql.placeholder

/** Rows read at a time when the repeat rule's memory is filled at start. */
const COPIES_READ = 1_000

export function createCommentsRepository(db: Db, recordEvent: RecordEvent) {
  const articleExists = db.select({ id: articles.id }).from(articles).where(eq(articles.id, p('id'))).prepare()
  const insertComment = db
    .insert(comments)
    .values({
      id: bound('id'),
      articleId: bound('articleId'),
      parentId: bound('parentId'),
      depth: bound('depth'),
      authorName: bound('authorName'),
      authorEmail: bound('authorEmail'),
      body: bound('body'),
      status: bound('status'),
      ip: bound('ip'),
      userAgent: bound('userAgent'),
      spamVerdict: bound('spamVerdict'),
      spamScore: bound('spamScore'),
      spamReasons: bound('spamReasons'),
      fingerprint: bound('fingerprint'),
      createdAt: bound('createdAt'),
      updatedAt: bound('updatedAt'),
    })
    .prepare()
  const insertAudit = db
    .insert(commentModerations)
    .values({
      id: bound('id'),
      commentId: bound('commentId'),
      articleId: bound('articleId'),
      fromStatus: bound('from'),
      toStatus: bound('to'),
      keyId: bound('keyId'),
      createdAt: bound('time'),
    })
    .prepare()
  // The count is a derived figure, not editorial content: it moves without touching the
  // article's version or updatedAt, so an editor's If-Match is not broken by a reader.
  const moveCountBy = db
    .update(articles)
    .set({ commentCount: plus(articles.commentCount, p('delta')) })
    .where(eq(articles.id, p('articleId')))
    .prepare()
  const newestBefore = db
    .select({ seq: comments.seq, ip: comments.ip, fingerprint: comments.fingerprint, createdAt: comments.createdAt })
    .from(comments)
    .where(lt(comments.seq, p('before')))
    .orderBy(desc(comments.seq))
    .limit(boundLimit())
    .prepare()

  const queries = createCommentQueries(db)

  function audit(comment: { id: string; articleId: string }, from: CommentStatus | null, to: string, keyId: string | null, time: string) {
    insertAudit.run({ id: newId(), commentId: comment.id, articleId: comment.articleId, from, to, keyId, time })
  }

  const moveCount = (articleId: string, delta: number) => moveCountBy.run({ articleId, delta })

  /** The copies sent within the repeat window, as the table has them when the service starts. */
  function rememberedCopies(): RecentCopies {
    const copies = new RecentCopies(REPEAT_WINDOW_MS, REMEMBERED_COPIES)
    const since = Date.now() - REPEAT_WINDOW_MS
    const recent: { ip: string; fingerprint: string; at: number }[] = []
    // Newest first, a few rows at a time, until one is older than the window.
    let before = Number.MAX_SAFE_INTEGER
    reading: for (let read = 0; read < REMEMBERED_COPIES; ) {
      const limit = Math.min(COPIES_READ, REMEMBERED_COPIES - read)
      const rows = newestBefore.all({ before, limit })
      for (const row of rows) {
        const at = Date.parse(row.createdAt)
        if (at < since) break reading
        if (row.ip !== null) recent.push({ ip: row.ip, fingerprint: row.fingerprint, at })
      }
      if (rows.length < limit) break
      read += rows.length
      before = rows[rows.length - 1]!.seq
    }
    for (const copy of recent.reverse()) copies.add(copy.ip, copy.fingerprint, copy.at)
    copies.settle()
    return copies
  }
  const copies = rememberedCopies()

  // What a new comment leaves for the end of its transaction: its article's count move, applied
  // once per article (fifty comments on one story rewrite its row once, not fifty times), and
  // its copy for the repeat rule, kept or taken back with the write.
  const countMoves = new Map<string, number>()
  const atCommit: BatchHooks = {
    settle() {
      for (const [articleId, delta] of countMoves) if (delta !== 0) moveCount(articleId, delta)
      countMoves.clear()
      copies.settle()
    },
    discard() {
      countMoves.clear()
      copies.discard()
    },
  }
  function moveArticleCountLater(articleId: string, to: CommentStatus) {
    countMoves.set(articleId, (countMoves.get(articleId) ?? 0) + countDelta(null, to))
  }

  function insertNew(input: NewComment): StoredComment {
    if (!articleExists.get({ id: input.articleId })) throw notFound('article', input.articleId)
    return insertRow(input, input, input.spam, input.status)
  }

  /** Writes a new comment, its audit row and its event; its count move waits for the commit. */
  function insertRow(input: Submission | NewComment, placement: Placement, spam: StoredComment['spam'], status: CommentStatus): StoredComment {
    const time = input.createdAt ?? now()
    const comment: StoredComment = {
      id: newId(),
      articleId: placement.articleId,
      parentId: placement.parentId,
      depth: placement.depth,
      authorName: input.authorName,
      authorEmail: input.authorEmail,
      body: input.body,
      status,
      ip: input.ip,
      userAgent: input.userAgent,
      spam,
      moderatedBy: null,
      moderatedAt: null,
      createdAt: time,
      updatedAt: time,
      version: 1,
    }
    // Spelled out: spreading the comment into these values cost more than the insert's binding (measured).
    insertComment.run({
      id: comment.id,
      articleId: comment.articleId,
      parentId: comment.parentId,
      depth: comment.depth,
      authorName: comment.authorName,
      authorEmail: comment.authorEmail,
      body: comment.body,
      status: comment.status,
      ip: comment.ip,
      userAgent: comment.userAgent,
      spamVerdict: spam.verdict,
      spamScore: spam.score,
      // JSON text: a bound value skips the column's encoder.
      spamReasons: JSON.stringify(spam.reasons),
      fingerprint: input.fingerprint,
      createdAt: time,
      updatedAt: time,
    })
    audit(comment, null, comment.status, null, time)
    recordEvent('comment.created', toPublic(comment))
    moveArticleCountLater(comment.articleId, comment.status)
    return comment
  }
  const alone = unitOfCommit(db, atCommit)
  const create = (input: NewComment): StoredComment => alone(() => insertNew(input))

  /**
   * One submission, inside the batch's transaction: `admit` checks it against the database (the
   * article, the parent) and throws the Problem to answer when it must be refused; then the
   * repeats are counted, the verdict and status settled, and the row written. A refusal is a
   * result, not an exception, so that it does not make the batch run again apart.
   */
  function admitAndInsert(submission: Submission, admit: Admit): SubmitOutcome {
    let placement: Placement
    try {
      placement = admit()
    } catch (error) {
      if (error instanceof Problem) return { refused: error }
      throw error
    }
    const at = Date.now()
    const { ip, fingerprint } = submission
    const spam = withRepeats(submission.spam, ip === null ? 0 : copies.count(ip, fingerprint, at))
    const comment = insertRow(submission, placement, spam, initialStatus(spam.verdict, submission.moderation))
    if (ip !== null) copies.add(ip, fingerprint, at)
    return { comment }
  }

  const enqueue = groupCommit(db, atCommit)

  return {
    create,
    /**
     * A reader's submission, sharing one commit with those sent at the same moment
     * (src/db/group-commit.ts). Its checks against the database run in that transaction too:
     * there a read costs a few microseconds, while a read transaction of its own (taking the
     * file's locks) cost ~20 µs under load.
     */
    submit: (submission: Submission, admit: Admit): Promise<SubmitOutcome> => enqueue(() => admitAndInsert(submission, admit)),
    ...createModeratorDecisions(db, { getById: queries.getById, audit, moveCount, recordEvent }),
    ...queries,
  }
}
