// Browser-facing protections: CORS (reads from any origin, writes only from the configured
// editorial origins; preflights answered by @fastify/cors), and security headers from helmet.
// The API answers JSON, so its CSP forbids everything; /docs gets DOCS_CSP, no looser than the page needs.
import type { IncomingMessage, ServerResponse } from 'node:http'
import cors from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'
import { forbidden } from './problems.js'

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
 * The Content Security Policy of the /docs page (@fastify/swagger-ui sets it on its routes):
 * swagger-ui's own files; the same-origin requests of the page and of "Try it out"; `data:`
 * pictures in its stylesheet and `blob:` ones for image answers; and the one inline style it
 * renders, the `<style>` inside its logo (swagger-ui-standalone-preset.js), allowed by its hash
 * rather than by 'unsafe-inline'. Without `upgrade-insecure-requests`, so that the page also
 * works on http://127.0.0.1. test/http-security.test.ts hashes every inline style in the files
 * the page loads, and fails when an upgrade of @fastify/swagger-ui brings one this list lacks.
 */
const DOCS_CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'"],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
}
export const DOCS_CSP = Object.entries(DOCS_CSP_DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
  .join('; ')

/**
 * The headers helmet sets, worked out once. With these options they depend on nothing in the
 * request, and building helmet's middleware on every request (as @fastify/helmet does, parsing
 * the CSP each time) would be a tenth of the cost of a 304.
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
  await registerCors(app, writeOrigins)
}

/**
 * CORS in two parts. Preflights are @fastify/cors's (the methods and headers a browser asks
 * for, Max-Age, strict checks), with a delegator deciding by the method asked for. The answers
 * themselves get one of two fixed sets of headers from the hook here: the library's delegator
 * runs, and rebuilds its options, on every request it sees, 6% of a comment's cost (profiled),
 * so it is registered in a scope of its own, where its only route is the preflight's OPTIONS.
 */
async function registerCors(app: FastifyInstance, writeOrigins: readonly string[]): Promise<void> {
  const exposed = EXPOSED_HEADERS.join(', ')
  const anyOrigin = writeOrigins.includes('*')
  const mayWrite = (origin: string | undefined): origin is string => origin !== undefined && (anyOrigin || writeOrigins.includes(origin))
  const toEveryone = { 'access-control-allow-origin': '*', 'access-control-expose-headers': exposed }

  app.addHook('onRequest', (request, reply, done) => {
    const { method } = request
    if (READS.has(method)) {
      // The same answer for every origin: nothing to Vary on, so shared caches keep one copy.
      reply.headers(toEveryone)
    } else if (method !== 'OPTIONS') {
      reply.header('vary', 'Origin')
      const { origin } = request.headers
      if (mayWrite(origin)) reply.headers({ 'access-control-allow-origin': origin, 'access-control-expose-headers': exposed })
    }
    done()
  })

  const common = {
    methods: 'GET, HEAD, POST, PUT, PATCH, DELETE',
    allowedHeaders: ALLOWED_HEADERS.join(', '),
    exposedHeaders: exposed,
    maxAge: 600,
  }
  const forReads = { ...common, origin: '*' }
  const refused = { ...common, origin: false }
  await app.register(async (preflights) => {
    await preflights.register(cors, {
      delegator: (request, callback) => {
        if (READS.has(intendedMethod(request))) return callback(null, forReads)
        const { origin } = request.headers
        if (mayWrite(origin)) return callback(null, { ...common, origin })
        const isPreflight = request.method === 'OPTIONS' && origin !== undefined && request.headers['access-control-request-method'] !== undefined
        if (!isPreflight) return callback(null, refused)
        // Said plainly, rather than the 404 of a route-less OPTIONS: a developer wiring a form
        // learns which setting lets a browser on their origin write.
        callback(
          forbidden(
            `Writes from a browser on ${origin} are not allowed: ` +
              'the service lists the origins that may write in CORS_WRITE_ORIGINS.',
          ),
        )
      },
    })
  })
}
