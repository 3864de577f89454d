// Idempotency-Key records in SQLite: the request each (caller, key) was first used with, and the
// answer to replay (the plugin that uses them is src/http/idempotency.ts).
import { and, eq, lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { now } from '../db/ids.js'
import { bound } from '../db/sql-values.js'
import { idempotencyKeys } from '../db/schema.js'
import type { IdempotencyRecords, StoredResponse } from '../http/idempotency.js'

export function createIdempotencyRepository(db: Db): IdempotencyRecords {
  const ofKey = and(eq(idempotencyKeys.caller, sql.placeholder('caller')), eq(idempotencyKeys.key, sql.placeholder('key')))
  const find = db
    .select({
      fingerprint: idempotencyKeys.fingerprint,
      statusCode: idempotencyKeys.statusCode,
      headers: idempotencyKeys.headers,
      body: idempotencyKeys.body,
      createdAt: idempotencyKeys.createdAt,
    })
    .from(idempotencyKeys)
    .where(ofKey)
    .prepare()
  // A key taken over (its answer expired, or its request was cut off by a crash) starts afresh.
  const claim = db
    .insert(idempotencyKeys)
    .values({ caller: sql.placeholder('caller'), key: sql.placeholder('key'), fingerprint: sql.placeholder('fingerprint'), createdAt: sql.placeholder('createdAt') })
    .onConflictDoUpdate({
      target: [idempotencyKeys.caller, idempotencyKeys.key],
      // Raw: `excluded` (the row that failed to insert) has no name in Drizzle.
      set: { fingerprint: sql`excluded.fingerprint`, statusCode: null, headers: null, body: null, createdAt: sql`excluded.created_at` },
    })
    .prepare()
  const complete = db
    .update(idempotencyKeys)
    .set({
      statusCode: bound('statusCode'),
      headers: bound('headers'),
      body: bound('body'),
    })
    .where(ofKey)
    .prepare()
  const release = db.delete(idempotencyKeys).where(ofKey).prepare()

  return {
    find(caller, key) {
      const row = find.get({ caller, key })
      if (row === undefined) return undefined
      const stored: StoredResponse = { ...row, headers: row.headers === null ? null : (JSON.parse(row.headers) as Record<string, string>) }
      return stored
    },

    claim(caller, key, fingerprint) {
      claim.run({ caller, key, fingerprint, createdAt: now() })
    },

    complete(caller, key, answer) {
      complete.run({ caller, key, statusCode: answer.statusCode, headers: JSON.stringify(answer.headers), body: answer.body })
    },

    release(caller, key) {
      release.run({ caller, key })
    },

    purge(before) {
      return db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run().changes
    },
  }
}
