// Corrections in SQLite. Each write is one transaction with the change of its article that it
// causes (articles.touch: a new version and revision, a new updatedAt, `article.updated` when the
// article is published), so a correction is never public without its article showing it.
import { and, count, desc, eq, sql } from 'drizzle-orm'
import type { ArticlesRepository } from '../articles/repository.js'
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { articleCorrections } from '../db/schema-article-extras.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { conflict, invalidField, notFound, preconditionFailed } from '../http/problems.js'
import { sanitizeInline, stripTags } from '../text/sanitize.js'
import { correctionColumns } from './reader.js'
import type { Correction, CorrectionCreate, CorrectionPatch } from './schemas.js'
import { boundLimit } from '../db/bound-limit.js'

export type CorrectionsRepository = ReturnType<typeof createCorrectionsRepository>

/** Every correction is embedded in its article, so their number is bounded. */
export const MAX_CORRECTIONS = 100

/** How far ahead of this server's clock `at` may be: a client's clock runs a little fast, not a day. */
const FUTURE_SLACK_MS = 5 * 60 * 1000

export interface CorrectionWriteOptions {
  keyId: string | null
  /** The correction's version named by If-Match. */
  ifVersion?: number | undefined
}

const ph = sql.placeholder

function correctionText(raw: string): string {
  const text = sanitizeInline(raw).trim()
  if (stripTags(text).trim() === '') throw invalidField('body.text', 'has no text left once the markup that is not allowed is removed')
  return text
}

function atOf(raw: string | undefined, time: string): string {
  if (raw === undefined) return time
  const ms = Date.parse(raw)
  if (ms > Date.parse(time) + FUTURE_SLACK_MS) throw invalidField('body.at', 'must not be in the future')
  return new Date(ms).toISOString()
}

export function createCorrectionsRepository(db: Db, articles: ArticlesRepository) {
  const one = db
    .select(correctionColumns)
    .from(articleCorrections)
    .where(and(eq(articleCorrections.id, ph('id')), eq(articleCorrections.articleId, ph('articleId'))))
    .prepare()
  const countOf = db.select({ n: count() }).from(articleCorrections).where(eq(articleCorrections.articleId, ph('articleId'))).prepare()
  const pageOf = (after: boolean) =>
    db
      .select({ correction: correctionColumns, seq: articleCorrections.seq })
      .from(articleCorrections)
      .where(
        and(
          eq(articleCorrections.articleId, ph('articleId')),
          // A row-value comparison has no Drizzle operator; SQLite reads it as one index range bound.
          after ? sql`(${articleCorrections.at}, ${articleCorrections.seq}) < (${ph('at')}, ${ph('seq')})` : undefined,
        ),
      )
      .orderBy(desc(articleCorrections.at), desc(articleCorrections.seq))
      .limit(boundLimit())
      .prepare()
  const firstPage = pageOf(false)
  const nextPage = pageOf(true)
  const insert = db
    .insert(articleCorrections)
    .values({
      id: ph('id'),
      articleId: ph('articleId'),
      type: ph('type'),
      text: ph('text'),
      at: ph('at'),
      createdAt: ph('createdAt'),
      updatedAt: ph('updatedAt'),
      version: ph('version'),
    })
    .prepare()
  const update = db
    .update(articleCorrections)
    .set({ type: sql`${ph('type')}`, text: sql`${ph('text')}`, at: sql`${ph('at')}`, updatedAt: sql`${ph('updatedAt')}`, version: sql`${ph('version')}` })
    .where(and(eq(articleCorrections.id, ph('id')), eq(articleCorrections.version, ph('previousVersion'))))
    .prepare()
  const remove = db.delete(articleCorrections).where(eq(articleCorrections.id, ph('id'))).prepare()

  /** Loads a correction for a write, checking its article, existence and the caller's If-Match version. */
  function current(articleId: string, id: string, ifVersion: number | undefined): Correction {
    if (articles.gate(articleId) === null) throw notFound('article', articleId)
    const found = one.get({ id, articleId })
    if (found === undefined) throw notFound('correction', id)
    if (ifVersion !== undefined && found.version !== ifVersion) {
      throw preconditionFailed(`The correction is at version ${found.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return found
  }

  return {
    add: transactional(db, (articleId: string, input: CorrectionCreate, keyId: string | null): Correction => {
      if (articles.gate(articleId) === null) throw notFound('article', articleId)
      if (countOf.get({ articleId })!.n >= MAX_CORRECTIONS) {
        throw conflict(`The article has ${MAX_CORRECTIONS} corrections, the most it may carry; edit one instead.`)
      }
      const time = now()
      const correction: Correction = { id: newId(), type: input.type, text: correctionText(input.text), at: atOf(input.at, time), createdAt: time, updatedAt: time, version: 1 }
      insert.run({ ...correction, articleId })
      articles.touch(articleId, keyId)
      return correction
    }),

    change: transactional(db, (articleId: string, id: string, patch: CorrectionPatch, options: CorrectionWriteOptions): Correction => {
      const before = current(articleId, id, options.ifVersion)
      const time = now()
      const after: Correction = {
        ...before,
        type: patch.type ?? before.type,
        text: patch.text === undefined ? before.text : correctionText(patch.text),
        at: patch.at === undefined ? before.at : atOf(patch.at, time),
        updatedAt: time,
        version: before.version + 1,
      }
      if (update.run({ ...after, previousVersion: before.version }).changes === 0) {
        throw preconditionFailed('The correction changed while this request was being handled; fetch it again.')
      }
      articles.touch(articleId, options.keyId)
      return after
    }),

    remove: transactional(db, (articleId: string, id: string, options: CorrectionWriteOptions): void => {
      current(articleId, id, options.ifVersion)
      remove.run({ id })
      articles.touch(articleId, options.keyId)
    }),

    get(articleId: string, id: string): Correction | null {
      return one.get({ id, articleId }) ?? null
    },

    /** A page of the article's corrections, newest first. */
    page(articleId: string, limit: number, cursor?: string): { data: Correction[]; nextCursor: string | null } {
      const rows =
        cursor === undefined
          ? firstPage.all({ articleId, limit: limit + 1 })
          : (([at, seq]) => nextPage.all({ articleId, limit: limit + 1, at, seq }))(decodeCursor(cursor, ['string', 'number']))
      const page = toPage(rows, limit, (last) => [last.correction.at, last.seq])
      return { data: page.data.map((row) => row.correction), nextCursor: page.nextCursor }
    },
  }
}
