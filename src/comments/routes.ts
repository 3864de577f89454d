// /v1/articles/{id}/comments and /v1/comments: reader comments and moderation.
import type { FastifyInstance } from 'fastify'
import type { ResourceDeps } from '../http/resource.js'

export async function commentRoutes(app: FastifyInstance, deps: ResourceDeps) {
  void app
  void deps
}
