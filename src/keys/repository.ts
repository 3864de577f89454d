// API keys in SQLite: created with a fresh secret, found by the secret's hash, revoked at once.
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { apiKeys } from '../db/schema.js'
import type { Role } from '../http/auth.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import type { ApiKey, ApiKeyWithToken } from './schemas.js'
import { hashToken, newToken } from './tokens.js'
import { fixedLimit } from '../db/bound-limit.js'

export type KeysRepository = ReturnType<typeof createKeysRepository>

/** What a request's caller is known by: the key without its creation time. */
export type KeyIdentity = Omit<ApiKey, 'createdAt'>

const p = sql.placeholder

export function createKeysRepository(db: Db) {
  // Every authenticated request looks its key up: prepared once.
  const byHash = db
    .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role })
    .from(apiKeys)
    .where(and(eq(apiKeys.tokenHash, p('hash')), isNull(apiKeys.revokedAt)))
    .prepare()

  return {
    create(name: string, role: Role, token: string = newToken()): ApiKeyWithToken {
      const key = { id: newId(), name, role, createdAt: now() }
      db.insert(apiKeys).values({ ...key, tokenHash: hashToken(token) }).run()
      return { ...key, token }
    },

    /** Makes sure an active admin key with exactly this secret exists (CMS_ADMIN_TOKEN). */
    /**
     * Makes sure an admin key with exactly this secret exists (CMS_ADMIN_TOKEN). A key with this
     * secret that was revoked stays revoked: a revocation must outlive a restart with the same
     * environment, so the caller is told, and says so in the log.
     */
    ensureAdmin(token: string): { id: string; outcome: 'created' | 'kept' | 'revoked' } {
      const tokenHash = hashToken(token)
      const existing = db.select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.tokenHash, tokenHash)).get()
      if (existing?.revokedAt != null) return { id: existing.id, outcome: 'revoked' }
      if (existing) {
        db.update(apiKeys).set({ role: 'admin' }).where(eq(apiKeys.id, existing.id)).run()
        return { id: existing.id, outcome: 'kept' }
      }
      const id = newId()
      db.insert(apiKeys).values({ id, name: 'CMS_ADMIN_TOKEN', role: 'admin', tokenHash, createdAt: now() }).run()
      return { id, outcome: 'created' }
    },

    findByToken(token: string): KeyIdentity | null {
      return byHash.get({ hash: hashToken(token) }) ?? null
    },

    list(limit: number, cursor?: string): { data: ApiKey[]; nextCursor: string | null } {
      const after = cursor === undefined ? undefined : (decodeCursor(cursor, ['string', 'string']) as [string, string])
      const rows = db
        .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, createdAt: apiKeys.createdAt })
        .from(apiKeys)
        .where(
          and(
            isNull(apiKeys.revokedAt),
            after && or(lt(apiKeys.createdAt, after[0]), and(eq(apiKeys.createdAt, after[0]), lt(apiKeys.id, after[1]))),
          ),
        )
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
        .limit(fixedLimit(limit + 1))
        .all()
      return toPage(rows, limit, (last) => [last.createdAt, last.id])
    },

    /** An active key by id, without its secret; null when absent or revoked. */
    getActive(id: string): ApiKey | null {
      return (
        db
          .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, createdAt: apiKeys.createdAt })
          .from(apiKeys)
          .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
          .get() ?? null
      )
    },

    /** Revokes a key; false when there is no active key with that id. */
    revoke(id: string): boolean {
      const result = db
        .update(apiKeys)
        .set({ revokedAt: now() })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .run()
      return result.changes > 0
    },
  }
}
