// Browser-facing protections: CORS (reads from any origin, writes only from the configured
// editorial origins) with @fastify/cors, and security headers from helmet. The API answers
// JSON, so its CSP forbids everything; /docs sets its own, looser one.
import type { IncomingMessage, ServerResponse } from 'node:http'
import cors from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'

const READS = new Set(['GET', 'HEAD'])

const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key']
const EXPOSED_HEADERS = ['ETag', 'Location', 'Retry-After', 'Idempotent-Replayed', 'WWW-Authenticate', 'X-Request-Id']

/** The method a request is about: for a preflight, the one it asks permission for. */
function intendedMethod(request: FastifyRequest): string {
  const asked = request.headers['access-control-request-method']
  return request.method === 'OPTIONS' && typeof asked === 'string' ? asked.toUpperCase() : request.method
}

const HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
  // Media files are embedded by news sites on other origins.
  crossOriginResourcePolicy: { policy: 'cross-origin' },
}

/**
 * The headers helmet sets, worked out once. With these options they depend on nothing in the
 * request, and building helmet's middleware on every request (as @fastify/helmet does, parsing
 * the CSP each time) was a tenth of the cost of a 304.
 */
export function securityHeaders(options: HelmetOptions = HELMET): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()]
    },
  }
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error
  })
  return Object.freeze(headers)
}

export async function registerSecurity(app: FastifyInstance, writeOrigins: readonly string[]): Promise<void> {
  const headers = securityHeaders()
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
  // The options are made once, one set per answer the delegator can give (it runs on every
  // request; building and joining them each time was a few percent of a comment's cost).
  const common = {
    methods: 'GET, HEAD, POST, PUT, PATCH, DELETE',
    allowedHeaders: ALLOWED_HEADERS.join(', '),
    exposedHeaders: EXPOSED_HEADERS.join(', '),
    maxAge: 600,
  }
  const anyOrigin = { ...common, origin: '*' }
  const noOrigin = { ...common, origin: false }
  const writeFrom = new Map(writeOrigins.map((origin) => [origin, { ...common, origin }]))
  await app.register(cors, {
    delegator: (request, callback) => {
      if (READS.has(intendedMethod(request))) return callback(null, anyOrigin)
      const origin = request.headers.origin
      if (origin === undefined) return callback(null, noOrigin)
      callback(null, writeFrom.get(origin) ?? (writeOrigins.includes('*') ? { ...common, origin } : noOrigin))
    },
  })
}
