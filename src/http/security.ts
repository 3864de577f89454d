// Browser-facing protections: CORS (reads from any origin, writes only from the configured
// editorial origins) with @fastify/cors, and security headers with @fastify/helmet. The API
// answers JSON, so its CSP forbids everything; /docs sets its own, looser one.
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { FastifyInstance, FastifyRequest } from 'fastify'

const READS = new Set(['GET', 'HEAD'])

const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key']
const EXPOSED_HEADERS = ['ETag', 'Location', 'Retry-After', 'Idempotent-Replayed', 'WWW-Authenticate', 'X-Request-Id']

/** The method a request is about: for a preflight, the one it asks permission for. */
function intendedMethod(request: FastifyRequest): string {
  const asked = request.headers['access-control-request-method']
  return request.method === 'OPTIONS' && typeof asked === 'string' ? asked.toUpperCase() : request.method
}

export async function registerSecurity(app: FastifyInstance, writeOrigins: readonly string[]): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    // Media files are embedded by news sites on other origins.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  })
  await app.register(cors, {
    delegator: (request, callback) => {
      const origin = request.headers.origin
      const writeAllowed = writeOrigins.includes('*') || (origin !== undefined && writeOrigins.includes(origin))
      const read = READS.has(intendedMethod(request))
      callback(null, {
        origin: read ? '*' : writeAllowed ? (origin ?? false) : false,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      })
    },
  })
}
