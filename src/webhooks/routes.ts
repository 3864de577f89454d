// /v1/webhooks: subscriptions, the delivery log, and the delivery worker.
import type { FastifyInstance } from 'fastify'
import type { ResourceDeps } from '../http/resource.js'

export async function webhookRoutes(app: FastifyInstance, deps: ResourceDeps) {
  void app
  void deps
}
