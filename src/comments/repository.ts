// Comments in SQLite. Every change of status is one transaction that also writes the audit
// row, moves the article's `comment_count` (approved comments) and records the webhook event,
// so the count is never recounted on read and never drifts from the rows.
import { type Db, transactional } from '../db/client.js'
import { type BatchHooks, groupCommit, unitOfCommit } from '../db/group-commit.js'
import { statementCache } from '../db/statements.js'
import { newId, now } from '../db/ids.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { badRequest, conflict, notFound, preconditionFailed, Problem } from '../http/problems.js'
import type { RecordEvent } from '../webhooks/outbox.js'
import type { CommentModeration } from '../config.js'
import { allowedTransitions, canTransition, type CommentStatus, countDelta, initialStatus } from './moderation.js'
import { type StoredComment, toPublic } from './schemas.js'
import { RecentCopies } from './recent-copies.js'
import { REMEMBERED_COPIES, REPEAT_WINDOW_MS, type SpamVerdictKind, withRepeats } from './spam.js'

export type CommentsRepository = ReturnType<typeof createCommentsRepository>

/** A comment ready to store: text already plain, status already decided. */
export type NewComment = Omit<StoredComment, 'id' | 'moderatedBy' | 'moderatedAt' | 'createdAt' | 'updatedAt' | 'version'> & {
  /** Normalized text, for spotting repeats from one client. */
  fingerprint: string
}

/** Who decides, and (for If-Match) the version the decision was made on. */
export interface ModerationOptions {
  keyId: string | null
  ifVersion?: number | undefined
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

export interface PageOptions {
  limit: number
  cursor?: string | undefined
}

export interface QueueOptions extends PageOptions {
  status?: CommentStatus | undefined
  articleId?: string | undefined
}

/** A row as selected: the stored comment with its spam verdict in three columns. */
type CommentRow = Omit<StoredComment, 'spam'> & {
  seq: number
  spamVerdict: SpamVerdictKind
  spamScore: number
  spamReasons: string
}

const COLUMNS = `c.seq, c.id, c.article_id AS articleId, c.parent_id AS parentId, c.depth, c.author_name AS authorName,
  c.author_email AS authorEmail, c.body, c.status, c.ip, c.user_agent AS userAgent,
  c.spam_verdict AS spamVerdict, c.spam_score AS spamScore, c.spam_reasons AS spamReasons,
  c.moderated_by AS moderatedBy, c.moderated_at AS moderatedAt, c.created_at AS createdAt,
  c.updated_at AS updatedAt, c.version`

function toStored(row: CommentRow): StoredComment {
  return {
    id: row.id,
    articleId: row.articleId,
    parentId: row.parentId,
    depth: row.depth,
    authorName: row.authorName,
    authorEmail: row.authorEmail,
    body: row.body,
    status: row.status,
    ip: row.ip,
    userAgent: row.userAgent,
    spam: { verdict: row.spamVerdict, score: row.spamScore, reasons: JSON.parse(row.spamReasons) as string[] },
    moderatedBy: row.moderatedBy,
    moderatedAt: row.moderatedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

export function createCommentsRepository(db: Db, recordEvent: RecordEvent) {
  const sqlite = db.$client

  const byId = sqlite.prepare<[string], CommentRow>(`SELECT ${COLUMNS} FROM comments c WHERE c.id = ?`)
  const articleExists = sqlite.prepare<[string], { one: number }>('SELECT 1 AS one FROM articles WHERE id = ?')
  // Positional parameters: binding sixteen named ones from an object cost twice as much.
  const insertComment = sqlite.prepare(`INSERT INTO comments (id, article_id, parent_id, depth, author_name, author_email,
      body, status, ip, user_agent, spam_verdict, spam_score, spam_reasons, fingerprint, created_at, updated_at, version)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
  const updateStatus = sqlite.prepare(`UPDATE comments SET status = @status, moderated_by = @keyId, moderated_at = @time,
      updated_at = @time, version = version + 1
    WHERE id = @id AND version = @version`)
  // The count is a derived figure, not editorial content: it moves without touching the
  // article's version or updatedAt, so an editor's If-Match is not broken by a reader.
  const moveCount = sqlite.prepare('UPDATE articles SET comment_count = comment_count + ? WHERE id = ?')
  const insertAudit = sqlite.prepare(`INSERT INTO comment_moderations (id, comment_id, article_id, from_status, to_status, key_id, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`)
  // Replies outlive an erased parent: the whole subtree moves up one level...
  const liftSubtree = sqlite.prepare(`WITH RECURSIVE subtree(id) AS (
      SELECT id FROM comments WHERE parent_id = ?
      UNION ALL SELECT c.id FROM comments c JOIN subtree s ON c.parent_id = s.id)
    UPDATE comments SET depth = depth - 1 WHERE id IN (SELECT id FROM subtree)`)
  // ...and the direct replies now answer the erased comment's own parent.
  const reparentReplies = sqlite.prepare(`UPDATE comments SET parent_id = ?, updated_at = ?, version = version + 1 WHERE parent_id = ?`)
  const deleteComment = sqlite.prepare('DELETE FROM comments WHERE id = ?')
  const newestFirst = sqlite.prepare<[number], { ip: string | null; fingerprint: string; createdAt: string }>(
    'SELECT ip, fingerprint, created_at AS createdAt FROM comments ORDER BY seq DESC LIMIT ?',
  )

  const prepared = statementCache(sqlite)

  function audit(comment: { id: string; articleId: string }, from: CommentStatus | null, to: string, keyId: string | null, time: string) {
    insertAudit.run(newId(), comment.id, comment.articleId, from, to, keyId, time)
  }

  function moveArticleCount(articleId: string, from: CommentStatus | null, to: CommentStatus | null) {
    const delta = countDelta(from, to)
    if (delta !== 0) moveCount.run(delta, articleId)
  }

  /** The copies sent within the repeat window, as the table has them when the service starts. */
  function rememberedCopies(): RecentCopies {
    const copies = new RecentCopies(REPEAT_WINDOW_MS, REMEMBERED_COPIES)
    const since = Date.now() - REPEAT_WINDOW_MS
    const recent: { ip: string; fingerprint: string; at: number }[] = []
    for (const row of newestFirst.iterate(REMEMBERED_COPIES)) {
      const at = Date.parse(row.createdAt)
      if (at < since) break
      if (row.ip !== null) recent.push({ ip: row.ip, fingerprint: row.fingerprint, at })
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
      for (const [articleId, delta] of countMoves) if (delta !== 0) moveCount.run(delta, articleId)
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

  function current(id: string, ifVersion: number | undefined): StoredComment {
    const row = byId.get(id)
    if (!row) throw notFound('comment', id)
    if (ifVersion !== undefined && row.version !== ifVersion) {
      throw preconditionFailed(`The comment is at version ${row.version}, not ${ifVersion}; fetch it again before moderating it.`)
    }
    return toStored(row)
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

  function insertNew(input: NewComment): StoredComment {
    if (!articleExists.get(input.articleId)) throw notFound('article', input.articleId)
    return insertRow(input)
  }

  function insertRow(input: NewComment): StoredComment {
    const time = now()
    const comment: StoredComment = {
      id: newId(),
      articleId: input.articleId,
      parentId: input.parentId,
      depth: input.depth,
      authorName: input.authorName,
      authorEmail: input.authorEmail,
      body: input.body,
      status: input.status,
      ip: input.ip,
      userAgent: input.userAgent,
      spam: input.spam,
      moderatedBy: null,
      moderatedAt: null,
      createdAt: time,
      updatedAt: time,
      version: 1,
    }
    const { spam } = input
    insertComment.run(comment.id, comment.articleId, comment.parentId, comment.depth, comment.authorName, comment.authorEmail,
      comment.body, comment.status, comment.ip, comment.userAgent, spam.verdict, spam.score, JSON.stringify(spam.reasons),
      input.fingerprint, time, time)
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
    const { moderation, ...fields } = submission
    const comment = insertRow({ ...fields, ...placement, spam, status: initialStatus(spam.verdict, moderation) })
    if (ip !== null) copies.add(ip, fingerprint, at)
    return { comment }
  }

  const moderate = transactional(db, (id: string, to: CommentStatus, options: ModerationOptions): StoredComment => {
    const before = current(id, options.ifVersion)
    if (!canTransition(before.status, to)) throw conflict(refusal(before, to))
    return apply(before, to, options.keyId, now())
  })

  /** All or nothing: every id must exist and every change be allowed, or nothing changes. */
  const moderateMany = transactional(db, (ids: readonly string[], to: CommentStatus, keyId: string | null): StoredComment[] => {
    const found = ids.map((id) => byId.get(id))
    const missing = ids.flatMap((id, i) => (found[i] ? [] : [{ path: `body.ids[${i}]`, message: `no comment with id "${id}"` }]))
    if (missing.length > 0) throw badRequest(missing.map((e) => `${e.path} ${e.message}`).join('; '), missing)
    const comments = found.map((row) => toStored(row!))
    const refused = comments.filter((comment) => !canTransition(comment.status, to))
    if (refused.length > 0) throw conflict(`Nothing was changed. ${refused.map((comment) => refusal(comment, to)).join(' ')}`)
    const time = now()
    return comments.map((comment) => apply(comment, to, keyId, time))
  })

  const remove = transactional(db, (id: string, options: ModerationOptions): void => {
    const before = current(id, options.ifVersion)
    const time = now()
    liftSubtree.run(before.id)
    reparentReplies.run(before.parentId, time, before.id)
    deleteComment.run(before.id)
    audit(before, before.status, 'deleted', options.keyId, time)
    moveArticleCount(before.articleId, before.status, null)
  })

  function page(where: string[], args: unknown[], options: PageOptions) {
    if (options.cursor !== undefined) {
      const [seq] = decodeCursor(options.cursor, ['number'])
      where.push('c.seq > ?')
      args.push(seq)
    }
    // Oldest first is submission order: `seq` grows with each comment and is never reused.
    const sql = `SELECT ${COLUMNS} FROM comments c ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.seq LIMIT ?`
    const rows = prepared(sql).all(...args, options.limit + 1) as CommentRow[]
    const { data, nextCursor } = toPage(rows, options.limit, (last) => [last.seq])
    return { data: data.map(toStored), nextCursor }
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
    moderate,
    moderateMany,
    remove,

    getById(id: string): StoredComment | null {
      const row = byId.get(id)
      return row ? toStored(row) : null
    },

    /** An article's approved comments, oldest first: what readers see. */
    listApproved(articleId: string, options: PageOptions) {
      return page(['c.article_id = ?', "c.status = 'approved'"], [articleId], options)
    },

    /** Every comment, oldest first, optionally of one status or article: the moderation queue. */
    list(options: QueueOptions) {
      const where: string[] = []
      const args: unknown[] = []
      if (options.articleId !== undefined) {
        where.push('c.article_id = ?')
        args.push(options.articleId)
      }
      if (options.status !== undefined) {
        where.push('c.status = ?')
        args.push(options.status)
      }
      return page(where, args, options)
    },

  }
}
