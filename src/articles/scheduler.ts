// Publishes scheduled articles when their time comes. A one-second poll of an indexed range is
// cheap, survives clock changes, and needs no timer bookkeeping when schedules change; the
// first run, at start, publishes whatever fell due while the service was down.
import type { FastifyBaseLogger } from 'fastify'
import type { ArticlesRepository } from './repository.js'

export function startScheduler(articles: ArticlesRepository, intervalMs: number, log: FastifyBaseLogger): () => void {
  const run = () => {
    try {
      const published = articles.publishDue()
      for (const article of published) log.info({ articleId: article.id }, 'scheduled article published')
    } catch (error) {
      // A busy database or a failed write is retried on the next tick.
      log.error({ err: error }, 'scheduled publishing failed')
    }
  }
  run()
  const timer = setInterval(run, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
