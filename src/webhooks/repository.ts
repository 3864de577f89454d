// Webhooks in SQLite: subscriptions, the delivery queue the worker drains, and the attempt log.
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import { notFound, preconditionFailed } from '../http/problems.js'
import type { EventType } from './outbox.js'
import type { Webhook, WebhookAttempt, WebhookCreate, WebhookDelivery, WebhookPatch, WebhookWithSecret } from './schemas.js'
import { newSecret } from './signature.js'

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>

/** Guards a write: it happens only while the webhook is still at this version (If-Match). */
export interface WriteOptions {
  ifVersion?: number | undefined
}

/** The head of one endpoint's queue, with all the worker needs to send it. */
export interface DueDelivery {
  seq: number
  webhookId: string
  url: string
  /** The secrets to sign with: the current one, then a rotated-out one still honoured. */
  secrets: string[]
  eventId: string
  eventType: EventType
  /** The event's data as stored JSON text, embedded in the body without parsing it again. */
  eventData: string
  eventCreatedAt: string
  attempts: number
  nextAttemptAt: string
}

/** The outcome of one attempt, as the worker measured it. */
export interface AttemptResult {
  attemptedAt: string
  statusCode: number | null
  durationMs: number
  /** Null exactly when the attempt succeeded (a 2xx answer). */
  error: string | null
}

interface WebhookRow {
  id: string
  url: string
  events: string
  active: number
  secret: string
  previousSecret: string | null
  previousSecretExpiresAt: string | null
  createdAt: string
  updatedAt: string
  version: number
}

type DueRow = Omit<DueDelivery, 'secrets'> & Pick<WebhookRow, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>

type DeliveryRow = WebhookDelivery & { seq: number }

const COLUMNS = `id, url, events, active, secret, previous_secret AS previousSecret,
  previous_secret_expires_at AS previousSecretExpiresAt, created_at AS createdAt, updated_at AS updatedAt, version`

const DELIVERY_COLUMNS = `d.seq, e.id AS eventId, e.type AS eventType, d.status, d.attempts,
  d.next_attempt_at AS nextAttemptAt, d.created_at AS createdAt`

/** A rotated-out secret is honoured until its expiry, so receivers can switch without a gap. */
function honouredPrevious(row: Pick<WebhookRow, 'previousSecret' | 'previousSecretExpiresAt'>, time: string): string | null {
  return row.previousSecret !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > time
    ? row.previousSecret
    : null
}

function toWebhook(row: WebhookRow, time: string): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as EventType[],
    active: row.active === 1,
    previousSecretExpiresAt: honouredPrevious(row, time) === null ? null : row.previousSecretExpiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  }
}

function toDelivery({ seq: _seq, ...delivery }: DeliveryRow): WebhookDelivery {
  return delivery
}

export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString()
}

export function createWebhooksRepository(db: Db) {
  const sqlite = db.$client

  const byId = sqlite.prepare<[string], WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE id = ?`)
  const insertWebhook = sqlite.prepare(`INSERT INTO webhooks (id, url, events, active, secret, created_at, updated_at, version)
    VALUES (@id, @url, @events, @active, @secret, @createdAt, @updatedAt, 1)`)
  const updateWebhook = sqlite.prepare(`UPDATE webhooks SET url = @url, events = @events, active = @active,
      updated_at = @updatedAt, version = version + 1
    WHERE id = @id AND version = @version`)
  const updateSecret = sqlite.prepare(`UPDATE webhooks SET secret = @secret, previous_secret = @previousSecret,
      previous_secret_expires_at = @previousSecretExpiresAt, updated_at = @updatedAt, version = version + 1
    WHERE id = @id AND version = @version`)
  const deleteWebhook = sqlite.prepare('DELETE FROM webhooks WHERE id = ? AND version = ?')
  const webhooksPage = sqlite.prepare<{ afterAt: string | null; afterId: string | null; limit: number }, WebhookRow>(
    `SELECT ${COLUMNS} FROM webhooks
     WHERE @afterAt IS NULL OR created_at < @afterAt OR (created_at = @afterAt AND id < @afterId)
     ORDER BY created_at DESC, id DESC LIMIT @limit`,
  )

  const attemptsPage = sqlite.prepare<
    { webhookId: string; eventId: string | null; afterAt: string | null; afterId: string | null; limit: number },
    Omit<WebhookAttempt, 'succeeded'> & { succeeded: number }
  >(`SELECT a.id, a.event_id AS eventId, e.type AS eventType, a.attempt, a.attempted_at AS attemptedAt,
      a.status_code AS statusCode, a.duration_ms AS durationMs, a.error IS NULL AS succeeded, a.error, a.retry_at AS retryAt
    FROM webhook_attempts a JOIN webhook_events e ON e.id = a.event_id
    WHERE a.webhook_id = @webhookId
      AND (@eventId IS NULL OR a.event_id = @eventId)
      AND (@afterAt IS NULL OR a.attempted_at < @afterAt OR (a.attempted_at = @afterAt AND a.id < @afterId))
    ORDER BY a.attempted_at DESC, a.id DESC LIMIT @limit`)

  const deliveriesOf = sqlite.prepare<[string, string], DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
     WHERE d.event_id = ? AND d.webhook_id = ? ORDER BY d.seq DESC`,
  )
  const deliveryBySeq = sqlite.prepare<[number], DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.seq = ?`,
  )
  const insertDelivery = sqlite.prepare(`INSERT INTO webhook_deliveries (webhook_id, event_id, status, attempts, next_attempt_at, created_at)
    VALUES (?, ?, 'pending', 0, ?, ?)`)
  const hurryDelivery = sqlite.prepare(
    "UPDATE webhook_deliveries SET next_attempt_at = @time WHERE seq = @seq AND status = 'pending' AND next_attempt_at > @time",
  )

  // The head of each active endpoint's queue (its earliest pending delivery) when it is due:
  // one index seek per webhook, and a later delivery can never overtake an earlier one.
  const dueHeads = sqlite.prepare<[string], DueRow>(
    `SELECT d.seq, w.id AS webhookId, w.url, w.secret, w.previous_secret AS previousSecret,
       w.previous_secret_expires_at AS previousSecretExpiresAt, e.id AS eventId, e.type AS eventType,
       e.data AS eventData, e.created_at AS eventCreatedAt, d.attempts, d.next_attempt_at AS nextAttemptAt
     FROM webhooks w
     JOIN webhook_deliveries d ON d.seq = (
       SELECT seq FROM webhook_deliveries WHERE webhook_id = w.id AND status = 'pending' ORDER BY seq LIMIT 1)
     JOIN webhook_events e ON e.id = d.event_id
     WHERE w.active = 1 AND d.next_attempt_at <= ?
     ORDER BY d.next_attempt_at, d.seq`,
  )
  const claimDelivery = sqlite.prepare(
    "UPDATE webhook_deliveries SET next_attempt_at = @leaseUntil WHERE seq = @seq AND status = 'pending' AND next_attempt_at = @expected",
  )
  const finishAttempt = sqlite.prepare(
    "UPDATE webhook_deliveries SET attempts = @attempt, status = @status, next_attempt_at = @nextAttemptAt WHERE seq = @seq AND status = 'pending'",
  )
  const insertAttempt = sqlite.prepare(`INSERT INTO webhook_attempts
      (id, delivery_seq, webhook_id, event_id, attempt, attempted_at, status_code, duration_ms, error, retry_at)
    VALUES (@id, @seq, @webhookId, @eventId, @attempt, @attemptedAt, @statusCode, @durationMs, @error, @retryAt)`)
  const releaseDelivery = sqlite.prepare(
    "UPDATE webhook_deliveries SET next_attempt_at = @time WHERE seq = @seq AND status = 'pending' AND next_attempt_at = @leaseUntil",
  )
  // Cascades to the event's deliveries and their attempts; events still owed to someone stay.
  const pruneEvents = sqlite.prepare(`DELETE FROM webhook_events WHERE id IN (
      SELECT e.id FROM webhook_events e
      WHERE e.created_at < ?
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
      LIMIT 500)`)

  /** Loads a webhook for a write, checking existence and the caller's If-Match version. */
  function current(id: string, ifVersion: number | undefined): WebhookRow {
    const row = byId.get(id)
    if (!row) throw notFound('webhook', id)
    if (ifVersion !== undefined && row.version !== ifVersion) {
      throw preconditionFailed(`The webhook is at version ${row.version}, not ${ifVersion}; fetch it again before changing it.`)
    }
    return row
  }

  const changed = () => preconditionFailed('The webhook changed while this request was being handled; fetch it again.')

  return {
    create(input: WebhookCreate): WebhookWithSecret {
      const time = now()
      const row: WebhookRow = {
        id: newId(),
        url: input.url,
        events: JSON.stringify(input.events),
        active: input.active === false ? 0 : 1,
        secret: newSecret(),
        previousSecret: null,
        previousSecretExpiresAt: null,
        createdAt: time,
        updatedAt: time,
        version: 1,
      }
      insertWebhook.run(row)
      return { ...toWebhook(row, time), secret: row.secret }
    },

    get(id: string): Webhook | null {
      const row = byId.get(id)
      return row ? toWebhook(row, now()) : null
    },

    list(limit: number, cursor?: string): { data: Webhook[]; nextCursor: string | null } {
      const [afterAt, afterId] = cursor === undefined ? [null, null] : (decodeCursor(cursor, ['string', 'string']) as [string, string])
      const time = now()
      const page = toPage(webhooksPage.all({ afterAt, afterId, limit: limit + 1 }), limit, (last) => [last.createdAt, last.id])
      return { data: page.data.map((row) => toWebhook(row, time)), nextCursor: page.nextCursor }
    },

    update: transactional(db, (id: string, patch: WebhookPatch, options: WriteOptions = {}): Webhook => {
      const before = current(id, options.ifVersion)
      const time = now()
      const after = {
        url: patch.url ?? before.url,
        events: patch.events === undefined ? before.events : JSON.stringify(patch.events),
        active: patch.active === undefined ? before.active : patch.active ? 1 : 0,
      }
      // Nothing to change is not a change: no new version, no new updatedAt.
      if (after.url === before.url && after.events === before.events && after.active === before.active) return toWebhook(before, time)
      const result = updateWebhook.run({ ...after, id, updatedAt: time, version: before.version })
      if (result.changes === 0) throw changed()
      return toWebhook({ ...before, ...after, updatedAt: time, version: before.version + 1 }, time)
    }),

    /** A new secret at once; the old one keeps signing too for `graceSeconds` (0: retired now). */
    rotateSecret: transactional(db, (id: string, graceSeconds: number, options: WriteOptions = {}): WebhookWithSecret => {
      const before = current(id, options.ifVersion)
      const time = now()
      const next: WebhookRow = {
        ...before,
        secret: newSecret(),
        previousSecret: graceSeconds > 0 ? before.secret : null,
        previousSecretExpiresAt: graceSeconds > 0 ? addSeconds(time, graceSeconds) : null,
        updatedAt: time,
        version: before.version + 1,
      }
      const result = updateSecret.run({
        id,
        secret: next.secret,
        previousSecret: next.previousSecret,
        previousSecretExpiresAt: next.previousSecretExpiresAt,
        updatedAt: time,
        version: before.version,
      })
      if (result.changes === 0) throw changed()
      return { ...toWebhook(next, time), secret: next.secret }
    }),

    /** Deletes a webhook with its pending deliveries and its log. */
    remove: transactional(db, (id: string, options: WriteOptions = {}): void => {
      const before = current(id, options.ifVersion)
      if (deleteWebhook.run(id, before.version).changes === 0) throw changed()
    }),

    /** The attempt log, newest first; null when there is no such webhook. */
    listAttempts(
      webhookId: string,
      query: { limit: number; cursor?: string | undefined; eventId?: string | undefined },
    ): { data: WebhookAttempt[]; nextCursor: string | null } | null {
      if (!byId.get(webhookId)) return null
      const [afterAt, afterId] =
        query.cursor === undefined ? [null, null] : (decodeCursor(query.cursor, ['string', 'string']) as [string, string])
      const rows = attemptsPage.all({ webhookId, eventId: query.eventId ?? null, afterAt, afterId, limit: query.limit + 1 })
      const page = toPage(rows, query.limit, (last) => [last.attemptedAt, last.id])
      return { data: page.data.map((row) => ({ ...row, succeeded: row.succeeded === 1 })), nextCursor: page.nextCursor }
    },

    /**
     * Sends an event to a webhook again: a pending delivery of it is made due now; otherwise a new
     * delivery joins the end of the endpoint's queue, signed with the same webhook-id.
     */
    redeliver: transactional(db, (webhookId: string, eventId: string): WebhookDelivery => {
      if (!byId.get(webhookId)) throw notFound('webhook', webhookId)
      const deliveries = deliveriesOf.all(eventId, webhookId)
      if (deliveries.length === 0) throw notFound('event delivered to this webhook', eventId)
      const time = now()
      const pending = deliveries.find((delivery) => delivery.status === 'pending')
      if (pending) {
        hurryDelivery.run({ seq: pending.seq, time })
        return toDelivery(deliveryBySeq.get(pending.seq)!)
      }
      const { lastInsertRowid } = insertDelivery.run(webhookId, eventId, time, time)
      return toDelivery(deliveryBySeq.get(Number(lastInsertRowid))!)
    }),

    // The worker's side.

    /** Every active endpoint's next delivery that is due at `time`, earliest first. */
    dueDeliveries(time: string): DueDelivery[] {
      return dueHeads.all(time).map(({ secret, previousSecret, previousSecretExpiresAt, ...delivery }) => {
        const previous = honouredPrevious({ previousSecret, previousSecretExpiresAt }, time)
        return { ...delivery, secrets: previous === null ? [secret] : [secret, previous] }
      })
    },

    /** Takes a delivery for one attempt until `leaseUntil`; false when someone else has it. */
    claim(delivery: DueDelivery, leaseUntil: string): boolean {
      return claimDelivery.run({ seq: delivery.seq, expected: delivery.nextAttemptAt, leaseUntil }).changes === 1
    },

    /** Gives a claimed delivery back untried (the service is stopping), due at once. */
    release(delivery: DueDelivery, leaseUntil: string): void {
      releaseDelivery.run({ seq: delivery.seq, leaseUntil, time: now() })
    },

    /**
     * Logs an attempt and moves the delivery on: succeeded, pending until the next retry of
     * `retrySchedule` (seconds), or failed when the schedule is spent.
     */
    recordAttempt: transactional(db, (delivery: DueDelivery, result: AttemptResult, retrySchedule: readonly number[]) => {
      const attempt = delivery.attempts + 1
      const delay = retrySchedule[attempt - 1]
      const retryAt = result.error === null || delay === undefined ? null : addSeconds(now(), delay)
      const status = result.error === null ? 'succeeded' : retryAt === null ? 'failed' : 'pending'
      const finished = finishAttempt.run({ seq: delivery.seq, attempt, status, nextAttemptAt: retryAt ?? now() })
      // A webhook deleted while its attempt was in flight took its deliveries with it.
      if (finished.changes === 0) return
      insertAttempt.run({
        id: newId(),
        seq: delivery.seq,
        webhookId: delivery.webhookId,
        eventId: delivery.eventId,
        attempt,
        ...result,
        retryAt,
      })
    }),

    /** Deletes events older than `before` that nobody is owed, with their deliveries and log. */
    prune(before: string): number {
      let total = 0
      for (;;) {
        const { changes } = pruneEvents.run(before)
        total += changes
        if (changes < 500) return total
      }
    },
  }
}
