// Preview links in SQLite, by the hash of their token. Expired links are kept a while so that
// they answer "expired" (410) rather than "unknown" (404), then purged.
import { eq, lt, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { now } from '../db/ids.js'
import { previewLinks } from '../db/schema-article-extras.js'
import { isForeignKeyViolation } from '../db/statements.js'
import { notFound } from '../http/problems.js'
import { hashPreviewToken, newPreviewToken } from './tokens.js'

export type PreviewLinksRepository = ReturnType<typeof createPreviewLinksRepository>

/** How long an expired link still answers 410 before it is forgotten (and answers 404). */
const KEPT_AFTER_EXPIRY_MS = 30 * 24 * 60 * 60 * 1000

const ph = sql.placeholder

export function createPreviewLinksRepository(db: Db) {
  const insert = db
    .insert(previewLinks)
    .values({ tokenHash: ph('tokenHash'), articleId: ph('articleId'), keyId: ph('keyId'), createdAt: ph('createdAt'), expiresAt: ph('expiresAt') })
    .prepare()
  const byHash = db
    .select({ articleId: previewLinks.articleId, expiresAt: previewLinks.expiresAt })
    .from(previewLinks)
    .where(eq(previewLinks.tokenHash, ph('tokenHash')))
    .prepare()
  const revoke = db.delete(previewLinks).where(eq(previewLinks.articleId, ph('articleId'))).prepare()
  const purge = db.delete(previewLinks).where(lt(previewLinks.expiresAt, ph('before'))).prepare()

  return {
    /** A new link to the article; the token is in the answer and nowhere else. */
    create: transactional(db, (articleId: string, seconds: number, keyId: string | null): { token: string; expiresAt: string } => {
      const createdAt = now()
      const expiresAt = new Date(Date.parse(createdAt) + seconds * 1000).toISOString()
      const token = newPreviewToken()
      // Each new link clears the long-expired ones, so the table holds what is worth answering.
      purge.run({ before: new Date(Date.parse(createdAt) - KEPT_AFTER_EXPIRY_MS).toISOString() })
      try {
        insert.run({ tokenHash: hashPreviewToken(token), articleId, keyId, createdAt, expiresAt })
      } catch (error) {
        if (isForeignKeyViolation(error)) throw notFound('article', articleId)
        throw error
      }
      return { token, expiresAt }
    }),

    /** The link a token opens, expired or not, or null when there is none (never made, revoked, purged). */
    find(token: string): { articleId: string; expiresAt: string } | null {
      return byHash.get({ tokenHash: hashPreviewToken(token) }) ?? null
    },

    /** Revokes every link of the article; returns how many there were. */
    revokeAll(articleId: string): number {
      return revoke.run({ articleId }).changes
    },
  }
}
