// /v1/media: media upload, metadata and files.
import type { FastifyInstance } from 'fastify'
import type { ResourceDeps } from '../http/resource.js'

export async function mediaRoutes(app: FastifyInstance, deps: ResourceDeps) {
  void app
  void deps
}
