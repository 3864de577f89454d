// The reads of comments: one comment by id, and pages of an article's approved comments or of
// the moderation queue, oldest first.
import { and, asc, eq, getTableColumns, gt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { comments } from '../db/schema.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import type { CommentStatus } from './moderation.js'
import type { StoredComment } from './schemas.js'
import { boundLimit } from '../db/bound-limit.js'

export interface PageOptions {
  limit: number
  cursor?: string | undefined
}

export interface QueueOptions extends PageOptions {
  status?: CommentStatus | undefined
  articleId?: string | undefined
}

const p = sql.placeholder

// What a read selects: every column but the fingerprint, with the spam verdict's three columns
// gathered as StoredComment has them (Drizzle decodes the JSON reasons).
const { seq, fingerprint: _fingerprint, spamVerdict, spamScore, spamReasons, ...commentColumns } = getTableColumns(comments)
const storedComment = { ...commentColumns, spam: { verdict: spamVerdict, score: spamScore, reasons: spamReasons } }

export type CommentQueries = ReturnType<typeof createCommentQueries>

export function createCommentQueries(db: Db) {
  const byId = db.select(storedComment).from(comments).where(eq(comments.id, p('id'))).prepare()

  // Oldest first is submission order: `seq` grows with each comment and is never reused, and
  // a first page starts after 0.
  function pageStatement(byArticle: boolean, byStatus: boolean) {
    return db
      .select({ seq, ...storedComment })
      .from(comments)
      .where(
        and(
          byArticle ? eq(comments.articleId, p('articleId')) : undefined,
          byStatus ? eq(comments.status, p('status')) : undefined,
          gt(seq, p('after')),
        ),
      )
      .orderBy(asc(seq))
      .limit(boundLimit())
      .prepare()
  }
  // One statement per combination of filters, prepared up front: four.
  const shape = (byArticle: boolean, byStatus: boolean) => `${byArticle} ${byStatus}`
  const pageStatements = new Map<string, ReturnType<typeof pageStatement>>()
  for (const byArticle of [false, true]) {
    for (const byStatus of [false, true]) pageStatements.set(shape(byArticle, byStatus), pageStatement(byArticle, byStatus))
  }

  function page(filters: { articleId?: string | undefined; status?: CommentStatus | undefined }, options: PageOptions) {
    const [after] = options.cursor === undefined ? [0] : decodeCursor(options.cursor, ['number'])
    const statement = pageStatements.get(shape(filters.articleId !== undefined, filters.status !== undefined))!
    const rows = statement.all({ ...filters, after, limit: options.limit + 1 })
    // The rows keep their `seq` (the cursor): the routes show only the fields they name.
    return toPage<StoredComment & { seq: number }>(rows, options.limit, (last) => [last.seq])
  }

  return {
    getById(id: string): StoredComment | null {
      return byId.get({ id }) ?? null
    },

    /** An article's approved comments, oldest first: what readers see. */
    listApproved(articleId: string, options: PageOptions) {
      return page({ articleId, status: 'approved' }, options)
    },

    /** Every comment, oldest first, optionally of one status or article: the moderation queue. */
    list(options: QueueOptions) {
      return page({ articleId: options.articleId, status: options.status }, options)
    },
  }
}
