// The delivery queue in SQLite, the worker's side of webhooks: the head of each endpoint's queue
// when it is due, the lease on it while an attempt is in flight, and the attempt log it writes.
import { and, asc, eq, inArray, lt, lte, notExists, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { type Db, transactional } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { bound } from '../db/sql-values.js'
import { webhookAttempts, webhookDeliveries, webhookEvents, webhooks } from '../db/schema.js'
import type { EventType } from './outbox.js'
import { addSeconds, honouredPrevious } from './repository.js'
import { fixedLimit } from '../db/bound-limit.js'

export type DeliveryQueue = ReturnType<typeof createDeliveryQueue>

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

/** Old events are pruned this many at a time, so no one statement holds the write lock for long. */
const PRUNE_BATCH = 500

export function createDeliveryQueue(db: Db) {
  // The head of each active endpoint's queue (its earliest pending delivery) when it is due:
  // one index seek per webhook, and a later delivery can never overtake an earlier one.
  const head = alias(webhookDeliveries, 'head')
  const headSeq = db
    .select({ seq: head.seq })
    .from(head)
    .where(and(eq(head.webhookId, webhooks.id), eq(head.status, 'pending')))
    .orderBy(asc(head.seq))
    .limit(fixedLimit(1))
  const dueHeads = db
    .select({
      seq: webhookDeliveries.seq,
      webhookId: webhooks.id,
      url: webhooks.url,
      secret: webhooks.secret,
      previousSecret: webhooks.previousSecret,
      previousSecretExpiresAt: webhooks.previousSecretExpiresAt,
      eventId: webhookEvents.id,
      eventType: webhookEvents.type,
      // Raw: the column's json mode would parse the text, and the body embeds it as stored.
      eventData: sql<string>`${webhookEvents.data}`,
      eventCreatedAt: webhookEvents.createdAt,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
    })
    .from(webhooks)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.seq, headSeq))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhooks.active, true), lte(webhookDeliveries.nextAttemptAt, sql.placeholder('time'))))
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.seq))
    .prepare()

  /** A pending delivery still due at the time in placeholder `at`: nobody else moved it since. */
  const untouched = (at: string) =>
    and(
      eq(webhookDeliveries.seq, sql.placeholder('seq')),
      eq(webhookDeliveries.status, 'pending'),
      eq(webhookDeliveries.nextAttemptAt, sql.placeholder(at)),
    )
  const claimDelivery = db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: bound('leaseUntil') })
    .where(untouched('expected'))
    .prepare()
  const releaseDelivery = db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: bound('time') })
    .where(untouched('leaseUntil'))
    .prepare()
  const finishAttempt = db
    .update(webhookDeliveries)
    .set({ attempts: bound('attempt'), status: bound('status'), nextAttemptAt: bound('nextAttemptAt') })
    .where(and(eq(webhookDeliveries.seq, sql.placeholder('seq')), eq(webhookDeliveries.status, 'pending')))
    .prepare()
  const insertAttempt = db
    .insert(webhookAttempts)
    .values({
      id: sql.placeholder('id'),
      deliverySeq: sql.placeholder('seq'),
      webhookId: sql.placeholder('webhookId'),
      eventId: sql.placeholder('eventId'),
      attempt: sql.placeholder('attempt'),
      attemptedAt: sql.placeholder('attemptedAt'),
      statusCode: sql.placeholder('statusCode'),
      durationMs: sql.placeholder('durationMs'),
      error: sql.placeholder('error'),
      retryAt: sql.placeholder('retryAt'),
    })
    .prepare()

  // Cascades to the event's deliveries and their attempts; events still owed to someone stay.
  const old = alias(webhookEvents, 'old')
  const owed = db
    .select({ seq: webhookDeliveries.seq })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, old.id), eq(webhookDeliveries.status, 'pending')))
  const pruneEvents = db
    .delete(webhookEvents)
    .where(
      inArray(
        webhookEvents.id,
        db
          .select({ id: old.id })
          .from(old)
          .where(and(lt(old.createdAt, sql.placeholder('before')), notExists(owed)))
          .limit(fixedLimit(PRUNE_BATCH)),
      ),
    )
    .prepare()

  return {
    /** Every active endpoint's next delivery that is due at `time`, earliest first. */
    dueDeliveries(time: string): DueDelivery[] {
      return dueHeads.all({ time }).map(({ secret, previousSecret, previousSecretExpiresAt, ...delivery }) => {
        const previous = honouredPrevious({ previousSecret, previousSecretExpiresAt }, time)
        return { ...delivery, eventType: delivery.eventType as EventType, secrets: previous === null ? [secret] : [secret, previous] }
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
      insertAttempt.run({ id: newId(), seq: delivery.seq, webhookId: delivery.webhookId, eventId: delivery.eventId, attempt, ...result, retryAt })
    }),

    /** Deletes events older than `before` that nobody is owed, with their deliveries and log. */
    prune(before: string): number {
      let total = 0
      for (;;) {
        const { changes } = pruneEvents.run({ before })
        total += changes
        if (changes < PRUNE_BATCH) return total
      }
    },
  }
}
