// Webhooks in SQLite, the admin's side: subscriptions, their attempt log, and redeliveries (the
// worker's side of the queue is delivery-queue.ts).
import { and, desc, eq, gt, lt, or, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { webhookAttempts, webhookDeliveries, webhookEvents, webhooks } from '../db/schema.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { notFound, preconditionFailed } from '../http/problems.js'
import type { EventType } from './outbox.js'
import type { Webhook, WebhookAttempt, WebhookCreate, WebhookDelivery, WebhookPatch, WebhookWithSecret } from './schemas.js'
import { newSecret } from './signature.js'
import { fixedLimit } from '../db/bound-limit.js'

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>

/** Guards a write: it happens only while the webhook is still at this version (If-Match). */
export interface WriteOptions {
  ifVersion?: number | undefined
}

type WebhookRow = typeof webhooks.$inferSelect

/** A rotated-out secret is honoured until its expiry, so receivers can switch without a gap. */
export function honouredPrevious(row: Pick<WebhookRow, 'previousSecret' | 'previousSecretExpiresAt'>, time: string): string | null {
  return row.previousSecret !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > time
    ? row.previousSecret
    : null
}

function toWebhook(row: WebhookRow, time: string): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events as EventType[],
    active: row.active,
    previousSecretExpiresAt: honouredPrevious(row, time) === null ? null : row.previousSecretExpiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString()
}

export function createWebhooksRepository(db: Db) {
  const byId = db
    .select()
    .from(webhooks)
    .where(eq(webhooks.id, sql.placeholder('id')))
    .prepare()

  const deliveryBySeq = db
    .select({
      eventId: webhookEvents.id,
      eventType: webhookEvents.type,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      createdAt: webhookDeliveries.createdAt,
    })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.seq, sql.placeholder('seq')))
    .prepare()

  /** Loads a webhook for a write, checking existence and the caller's If-Match version. */
  function current(id: string, ifVersion: number | undefined): WebhookRow {
    const row = byId.get({ id })
    if (!row) throw notFound('webhook', id)
    if (ifVersion !== undefined && row.version !== ifVersion) {
      throw preconditionFailed(`The webhook is at version ${row.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return row
  }

  // The writes run in the IMMEDIATE transaction that read the row, so no one can write in between;
  // the version guard stays so that, should that ever change, a write is refused, never lost.
  const atVersion = (row: WebhookRow) => and(eq(webhooks.id, row.id), eq(webhooks.version, row.version))
  const changed = () => preconditionFailed('The webhook changed while this request was being handled; fetch it again.')

  /** Writes `changes` to a webhook read at `before` and moves its version on. */
  function write(before: WebhookRow, changes: Partial<WebhookRow>): void {
    const result = db
      .update(webhooks)
      .set({ ...changes, version: before.version + 1 })
      .where(atVersion(before))
      .run()
    if (result.changes === 0) throw changed()
  }

  return {
    create(input: WebhookCreate): WebhookWithSecret {
      const time = now()
      const row: WebhookRow = {
        id: newId(),
        url: input.url,
        events: input.events,
        active: input.active !== false,
        secret: newSecret(),
        previousSecret: null,
        previousSecretExpiresAt: null,
        createdAt: time,
        updatedAt: time,
        version: 1,
      }
      db.insert(webhooks).values(row).run()
      return { ...toWebhook(row, time), secret: row.secret }
    },

    get(id: string): Webhook | null {
      const row = byId.get({ id })
      return row ? toWebhook(row, now()) : null
    },

    list(limit: number, cursor?: string): { data: Webhook[]; nextCursor: string | null } {
      const after = cursor === undefined ? undefined : (decodeCursor(cursor, ['string', 'string']) as [string, string])
      const rows = db
        .select()
        .from(webhooks)
        .where(after && or(lt(webhooks.createdAt, after[0]), and(eq(webhooks.createdAt, after[0]), lt(webhooks.id, after[1]))))
        .orderBy(desc(webhooks.createdAt), desc(webhooks.id))
        .limit(fixedLimit(limit + 1))
        .all()
      const time = now()
      const page = toPage(rows, limit, (last) => [last.createdAt, last.id])
      return { data: page.data.map((row) => toWebhook(row, time)), nextCursor: page.nextCursor }
    },

    update: transactional(db, (id: string, patch: WebhookPatch, options: WriteOptions = {}): Webhook => {
      const before = current(id, options.ifVersion)
      const time = now()
      const after = { url: patch.url ?? before.url, events: patch.events ?? before.events, active: patch.active ?? before.active }
      // Nothing to change is not a change: no new version, no new updatedAt.
      const same = after.url === before.url && JSON.stringify(after.events) === JSON.stringify(before.events) && after.active === before.active
      if (same) return toWebhook(before, time)
      write(before, { ...after, updatedAt: time })
      return toWebhook({ ...before, ...after, updatedAt: time, version: before.version + 1 }, time)
    }),

    /** A new secret at once; the old one keeps signing too for `graceSeconds` (0: retired now). */
    rotateSecret: transactional(db, (id: string, graceSeconds: number, options: WriteOptions = {}): WebhookWithSecret => {
      const before = current(id, options.ifVersion)
      const time = now()
      const changes = {
        secret: newSecret(),
        previousSecret: graceSeconds > 0 ? before.secret : null,
        previousSecretExpiresAt: graceSeconds > 0 ? addSeconds(time, graceSeconds) : null,
        updatedAt: time,
      }
      write(before, changes)
      return { ...toWebhook({ ...before, ...changes, version: before.version + 1 }, time), secret: changes.secret }
    }),

    /** Deletes a webhook with its pending deliveries and its log. */
    remove: transactional(db, (id: string, options: WriteOptions = {}): void => {
      const before = current(id, options.ifVersion)
      if (db.delete(webhooks).where(atVersion(before)).run().changes === 0) throw changed()
    }),

    /** The attempt log, newest first; null when there is no such webhook. */
    listAttempts(
      webhookId: string,
      query: { limit: number; cursor?: string | undefined; eventId?: string | undefined },
    ): { data: WebhookAttempt[]; nextCursor: string | null } | null {
      if (!byId.get({ id: webhookId })) return null
      const after = query.cursor === undefined ? undefined : (decodeCursor(query.cursor, ['string', 'string']) as [string, string])
      const a = webhookAttempts
      const rows = db
        .select({
          id: a.id,
          eventId: a.eventId,
          eventType: webhookEvents.type,
          attempt: a.attempt,
          attemptedAt: a.attemptedAt,
          statusCode: a.statusCode,
          durationMs: a.durationMs,
          error: a.error,
          retryAt: a.retryAt,
        })
        .from(a)
        .innerJoin(webhookEvents, eq(webhookEvents.id, a.eventId))
        .where(
          and(
            eq(a.webhookId, webhookId),
            query.eventId === undefined ? undefined : eq(a.eventId, query.eventId),
            after && or(lt(a.attemptedAt, after[0]), and(eq(a.attemptedAt, after[0]), lt(a.id, after[1]))),
          ),
        )
        .orderBy(desc(a.attemptedAt), desc(a.id))
        .limit(fixedLimit(query.limit + 1))
        .all()
      const page = toPage(rows, query.limit, (last) => [last.attemptedAt, last.id])
      const data = page.data.map((row) => ({ ...row, eventType: row.eventType as EventType, succeeded: row.error === null }))
      return { data, nextCursor: page.nextCursor }
    },

    /**
     * Sends an event to a webhook again: a pending delivery of it is made due now; otherwise a new
     * delivery joins the end of the endpoint's queue, signed with the same webhook-id.
     */
    redeliver: transactional(db, (webhookId: string, eventId: string): WebhookDelivery => {
      if (!byId.get({ id: webhookId })) throw notFound('webhook', webhookId)
      const existing = db
        .select({ seq: webhookDeliveries.seq, status: webhookDeliveries.status })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.eventId, eventId), eq(webhookDeliveries.webhookId, webhookId)))
        .orderBy(desc(webhookDeliveries.seq))
        .all()
      if (existing.length === 0) throw notFound('event delivered to this webhook', eventId)
      const time = now()
      let seq = existing.find((delivery) => delivery.status === 'pending')?.seq
      if (seq !== undefined) {
        db.update(webhookDeliveries)
          .set({ nextAttemptAt: time })
          .where(and(eq(webhookDeliveries.seq, seq), eq(webhookDeliveries.status, 'pending'), gt(webhookDeliveries.nextAttemptAt, time)))
          .run()
      } else {
        seq = db
          .insert(webhookDeliveries)
          .values({ webhookId, eventId, status: 'pending', attempts: 0, nextAttemptAt: time, createdAt: time })
          .returning({ seq: webhookDeliveries.seq })
          .get().seq
      }
      const delivery = deliveryBySeq.get({ seq })!
      return { ...delivery, eventType: delivery.eventType as EventType }
    }),
  }
}
