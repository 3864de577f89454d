// /v1/articles/{id}/related: an article's curated related links.
import type { FastifyInstance } from 'fastify'
import type { ResourceDeps } from '../http/resource.js'

export async function relatedLinkRoutes(app: FastifyInstance, deps: ResourceDeps) {
  void app
  void deps
}
