// The CDN purger: tells each URL of CDN_PURGE_URLS the surrogate keys of every committed change,
// in order, from the invalidation log (the outbox; see repository.ts). Each URL drains on its
// own, so a dead cache holds up only itself; a failed purge is retried with backoff, also after
// a restart, since the cursor moves only once a purge went. Writes never wait for any of it.
import type { FastifyBaseLogger } from 'fastify'
import { now } from '../db/ids.js'
import type { Cursor, PurgeOutbox } from './repository.js'
import { MAX_PURGE_HEADER_BYTES, purgeBatches, sendPurge } from './send.js'

export interface PurgerOptions {
  urls: readonly string[]
  /** How often to look for changes that no purge has been sent for. */
  pollMs: number
  /** How long one purge request may take. */
  timeoutMs: number
  userAgent: string
  log: FastifyBaseLogger
}

export interface Purger {
  /** Stops taking work; purges in flight are aborted and sent again at the next start. */
  stop(): Promise<void>
}

/** Rows read at a time; a round sends at most REQUESTS_PER_ROUND requests of their keys. */
const ROWS_PER_ROUND = 1000
const REQUESTS_PER_ROUND = 4
const FIRST_RETRY_MS = 1000
const MAX_RETRY_MS = 60_000
/** A claim outlives a round's requests, so only a crash (never a slow cache) lets it lapse. */
const LEASE_MARGIN_MS = 30_000

/** A URL as logged: without its query, which could hold a token. */
export const urlLabel = (url: string) => {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

/** The keys of the first rows that fit a round, each once, and the last position they cover. */
export function nextRound(rows: readonly { seq: number; key: string }[], after: number): { keys: string[]; through: number } {
  const keys = new Set<string>()
  let bytes = 0
  let through = after
  for (const row of rows) {
    if (!keys.has(row.key)) {
      if (keys.size > 0 && bytes + row.key.length + 1 > REQUESTS_PER_ROUND * MAX_PURGE_HEADER_BYTES) break
      keys.add(row.key)
      bytes += row.key.length + 1
    }
    through = row.seq
  }
  return { keys: [...keys], through }
}

export function startPurger(outbox: PurgeOutbox, options: PurgerOptions): Purger {
  const { log, timeoutMs } = options
  const shutdown = new AbortController()
  const inFlight = new Map<string, Promise<void>>()
  let stopped = false
  outbox.track(options.urls, now())

  async function drain(url: string, cursor: Cursor): Promise<void> {
    const rows = outbox.rowsAfter(cursor.seq, ROWS_PER_ROUND)
    if (rows.length > 0 && rows[0]!.seq !== cursor.seq + 1) {
      // The log is kept a day at most, whatever the cursors: a cache unreachable that long has
      // let go of what it held (max-age) save media files, which a change never alters.
      log.warn({ url: urlLabel(url), missed: rows[0]!.seq - cursor.seq - 1 }, 'CDN purges older than the invalidation log keeps were never sent')
    }
    const round = nextRound(rows, cursor.seq)
    for (const keys of purgeBatches(round.keys)) {
      const error = await sendPurge({ url, keys, timeoutMs, userAgent: options.userAgent, stop: shutdown.signal })
      if (shutdown.signal.aborted) {
        outbox.fail(url, cursor.attempts, now(), 'the service stopped', now())
        return
      }
      if (error !== null) {
        const attempts = cursor.attempts + 1
        const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempts - 1, 16))
        outbox.fail(url, attempts, new Date(Date.now() + delay).toISOString(), error, now())
        log.warn({ url: urlLabel(url), attempts, error, retryInMs: delay }, 'CDN purge failed; it will be retried')
        return
      }
    }
    outbox.advance(url, round.through, now())
    if (cursor.attempts > 0) log.info({ url: urlLabel(url), failedAttempts: cursor.attempts }, 'CDN purges go through again')
    log.debug({ url: urlLabel(url), keys: round.keys.length, through: round.through }, 'CDN purged')
  }

  function pump(): void {
    if (stopped) return
    try {
      const head = outbox.head()
      for (const url of options.urls) {
        if (inFlight.has(url)) continue
        const cursor = outbox.cursor(url)
        // Gone: a process with another CDN_PURGE_URLS forgot it. Start it again from now.
        if (cursor === null) outbox.track(options.urls, now())
        if (cursor === null || cursor.seq >= head || cursor.nextAttemptAt > now()) continue
        const leaseUntil = new Date(Date.now() + (REQUESTS_PER_ROUND + 1) * timeoutMs + LEASE_MARGIN_MS).toISOString()
        if (!outbox.claim(url, cursor, now(), leaseUntil)) continue
        const run = drain(url, cursor)
          .catch((error: unknown) => log.error({ err: error, url: urlLabel(url) }, 'recording a CDN purge failed'))
          .finally(() => {
            inFlight.delete(url)
            // More may be waiting (a long backlog): do not wait for the poll.
            if (!stopped) setImmediate(pump)
          })
        inFlight.set(url, run)
      }
    } catch (error) {
      // A busy database or a full disk: tried again at the next poll (a throw from a timer
      // would end the process).
      log.error({ err: error }, 'looking for changes to purge failed')
    }
  }

  pump()
  const timer = setInterval(pump, options.pollMs).unref()

  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      shutdown.abort(new Error('the service is stopping'))
      await Promise.allSettled([...inFlight.values()])
    },
  }
}
