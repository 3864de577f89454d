// Absolute links (`url` fields, Location) start from PUBLIC_URL, or from the request itself.
import type { FastifyRequest } from 'fastify'

export function baseUrl(request: FastifyRequest, publicUrl: string | null): string {
  return publicUrl ?? `${request.protocol}://${request.host}`
}
