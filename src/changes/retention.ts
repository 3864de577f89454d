// The change feed's retention: changes older than CHANGES_RETENTION_DAYS go, once at start and
// then hourly, in batches that never hold the write lock for long.
import type { FastifyBaseLogger } from 'fastify'
import type { ChangesRepository } from './repository.js'

const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

/** Starts pruning; returns the function that stops it. */
export function startChangesRetention(changes: ChangesRepository, days: number, log: FastifyBaseLogger): () => void {
  const prune = () => {
    try {
      const removed = changes.prune(new Date(Date.now() - days * DAY_MS).toISOString())
      if (removed > 0) log.info({ removed }, 'change feed pruned')
    } catch (error) {
      // A busy database: the next hour's prune takes these too.
      log.warn({ err: error }, 'change feed prune failed')
    }
  }
  prune()
  const timer = setInterval(prune, HOUR_MS).unref()
  return () => clearInterval(timer)
}
