// The delivery worker: drains each endpoint's queue on its own, one delivery at a time and in
// order, so a slow or failing endpoint holds up only itself. Every due delivery is a row, so
// nothing is lost across restarts; a poll of an indexed query finds them.
import type { FastifyBaseLogger } from 'fastify'
import { now } from '../db/ids.js'
import type { DeliveryQueue, DueDelivery } from './delivery-queue.js'
import { addSeconds } from './repository.js'
import { send } from './send.js'
import { signatureHeader } from './signature.js'

export interface WorkerOptions {
  /** Seconds before each retry; after the last, a delivery is failed. */
  retrySchedule: readonly number[]
  timeoutMs: number
  /** Loopback and private receivers may be reached (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean
  pollMs: number
  /** Finished deliveries older than this are pruned; 0 keeps them. */
  retentionDays: number
  userAgent: string
  log: FastifyBaseLogger
}

export interface DeliveryWorker {
  /** Looks for due deliveries now rather than at the next poll. */
  wake(): void
  /** Stops taking work; attempts in flight get a moment to finish, then are aborted and given back. */
  stop(): Promise<void>
}

// A claim outlives the attempt's timeout, so only a crash (never a slow receiver) lets it lapse.
const LEASE_MARGIN_SECONDS = 30
// A retry delay past a year is a typo in WEBHOOK_RETRY_SCHEDULE, not a plan: it would also
// overflow the date arithmetic.
const MAX_DELAY_SECONDS = 366 * 24 * 3600
const PRUNE_EVERY_MS = 3_600_000

/** The delivery body: the stored event data is embedded as it was written, byte for byte on every attempt. */
export function deliveryBody(delivery: Pick<DueDelivery, 'eventId' | 'eventType' | 'eventCreatedAt' | 'eventData'>): string {
  const head = JSON.stringify({ id: delivery.eventId, type: delivery.eventType, createdAt: delivery.eventCreatedAt })
  return `${head.slice(0, -1)},"data":${delivery.eventData}}`
}

export function startDeliveryWorker(queue: DeliveryQueue, options: WorkerOptions): DeliveryWorker {
  const { log, timeoutMs } = options
  const schedule = options.retrySchedule.map((seconds) => Math.min(seconds, MAX_DELAY_SECONDS))
  const shutdown = new AbortController()
  // One attempt in flight per endpoint, by webhook id: the rest of its queue waits behind it.
  const inFlight = new Map<string, Promise<void>>()
  let stopped = false

  async function attempt(delivery: DueDelivery, leaseUntil: string): Promise<void> {
    const body = deliveryBody(delivery)
    // A fresh timestamp per attempt (receivers reject stale ones); the id stays the event's.
    const timestamp = Math.floor(Date.now() / 1000)
    const attemptedAt = now()
    const result = await send({
      url: delivery.url,
      body,
      timeoutMs,
      allowPrivate: options.allowPrivate,
      stop: shutdown.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': options.userAgent,
        'webhook-id': delivery.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(delivery.secrets, delivery.eventId, timestamp, body),
      },
    })
    const about = { webhookId: delivery.webhookId, eventId: delivery.eventId, eventType: delivery.eventType, attempt: delivery.attempts + 1 }
    if (result.stopped) {
      queue.release(delivery, leaseUntil)
      log.info(about, 'webhook attempt aborted by shutdown; it is sent again at the next start')
      return
    }
    queue.recordAttempt(delivery, { attemptedAt, statusCode: result.statusCode, durationMs: result.durationMs, error: result.error }, schedule)
    const outcome = { ...about, statusCode: result.statusCode, durationMs: result.durationMs }
    // The operator's log gets the cause (an errno code, a refused address) that the delivery log keeps from admins.
    const failure = { ...outcome, error: result.error, cause: result.cause }
    if (result.error === null) log.debug(outcome, 'webhook delivered')
    else if (delivery.attempts < schedule.length) log.warn(failure, 'webhook attempt failed; it will be retried')
    else log.error(failure, 'webhook delivery failed: no retries left')
  }

  function pump(): void {
    if (stopped) return
    let due: DueDelivery[]
    try {
      due = queue.dueDeliveries(now())
    } catch (error) {
      // Whatever failed (a busy database, a full disk) is tried again at the next poll: an
      // exception thrown from a timer would end the process.
      log.error({ err: error }, 'looking for due webhook deliveries failed')
      return
    }
    for (const delivery of due) {
      if (inFlight.has(delivery.webhookId)) continue
      const leaseUntil = addSeconds(now(), Math.ceil(timeoutMs / 1000) + LEASE_MARGIN_SECONDS)
      try {
        if (!queue.claim(delivery, leaseUntil)) continue
      } catch (error) {
        log.error({ err: error }, 'claiming a webhook delivery failed')
        return
      }
      const run = attempt(delivery, leaseUntil)
        .catch((error: unknown) => log.error({ err: error, webhookId: delivery.webhookId }, 'recording a webhook attempt failed'))
        .finally(() => {
          inFlight.delete(delivery.webhookId)
          // The endpoint's next delivery may be due already: do not wait for the poll.
          if (!stopped) setImmediate(pump)
        })
      inFlight.set(delivery.webhookId, run)
    }
  }

  function prune(): void {
    if (options.retentionDays === 0) return
    try {
      const pruned = queue.prune(new Date(Date.now() - options.retentionDays * 86_400_000).toISOString())
      if (pruned > 0) log.info({ events: pruned }, 'pruned old webhook events and their delivery log')
    } catch (error) {
      log.error({ err: error }, 'pruning the webhook delivery log failed')
    }
  }

  pump()
  prune()
  const pollTimer = setInterval(pump, options.pollMs)
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS)
  pollTimer.unref()
  pruneTimer.unref()

  return {
    wake: () => setImmediate(pump),
    async stop() {
      stopped = true
      clearInterval(pollTimer)
      clearInterval(pruneTimer)
      if (inFlight.size === 0) return
      const all = Promise.allSettled([...inFlight.values()])
      let grace: NodeJS.Timeout | undefined
      const graceOver = new Promise<void>((resolve) => {
        grace = setTimeout(resolve, Math.min(timeoutMs, 1000))
      })
      await Promise.race([all, graceOver])
      clearTimeout(grace)
      shutdown.abort(new Error('the service is stopping'))
      await all
    },
  }
}
