// The front door of the HTTP server: an anonymous GET whose answer is in the response cache is
// answered here, before Fastify builds its request and reply and runs a dozen hooks, because
// that answer is already complete: the stored bytes, and the headers Fastify's hooks gave it
// when it was made (security headers, CORS, Cache-Control, Vary, ETag). Everything else, and
// every request this cannot answer with certainty, goes on to Fastify unchanged.
//
// The stored answer fits any request for the same URL that carries no Authorization header:
// the answers of cached routes vary by nothing else (their Vary header says so, and a shared
// cache in front of the service keeps them on the same terms). The key is the one the Fastify
// path uses, the base URL included; when that base comes from X-Forwarded-* headers (no
// PUBLIC_URL behind a proxy) the request goes to Fastify, which knows whether to trust them.
import { baseFor, type BaseUrlPolicy } from './base-url.js'
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyServerFactory, FastifyServerOptions } from 'fastify'
import { noneMatch } from './conditional.js'
import { isTicket, type ResponseCache } from './response-cache.js'

/** The log levels at which Fastify logs every request. */
const LOGS_REQUESTS = new Set(['info', 'debug', 'trace'])

export interface CacheFrontOptions {
  /** undefined when RESPONSE_CACHE_MB is 0: every request then goes to Fastify. */
  cache: ResponseCache | undefined
  baseUrls: BaseUrlPolicy
  /** The app's logger, once the app exists: requests answered here are logged like Fastify's own. */
  log: () => FastifyBaseLogger
}

export class CacheFront {
  readonly #cache: ResponseCache | undefined
  readonly #baseUrls: BaseUrlPolicy
  readonly #log: () => FastifyBaseLogger
  #open = true

  constructor(options: CacheFrontOptions) {
    this.#cache = options.cache
    this.#baseUrls = options.baseUrls
    this.#log = options.log
  }

  /** Once the app is closing, Fastify answers everything (a 503 to new requests). */
  close(): void {
    this.#open = false
  }

  /** Answers the request from the cache and returns true, or returns false and leaves it alone. */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.#cache === undefined || !this.#open || request.method !== 'GET' || request.headers.authorization !== undefined) return false
    const base = directBase(request, this.#baseUrls)
    if (base === null) return false
    const found = this.#cache.lookup(`${base} ${request.url}`, false)
    if (isTicket(found)) return false

    const id = randomUUID()
    const log = this.#log()
    const logged = LOGS_REQUESTS.has(log.level) ? log.child({ reqId: id }) : null
    logged?.info({ req: request }, 'incoming request')
    const started = logged ? performance.now() : 0
    if (noneMatch(request.headers['if-none-match'], found.etag)) {
      response.writeHead(304, [...found.notModifiedHeaders, 'x-request-id', id])
      response.end()
    } else {
      response.writeHead(200, [...found.headers, 'content-type', found.contentType, 'content-length', String(found.payload.length), 'x-request-id', id])
      response.end(found.payload)
    }
    logged?.info({ res: response, responseTime: performance.now() - started }, 'request completed')
    return true
  }

  /** For Fastify's `serverFactory`: the HTTP/1 server Fastify would make, with this in front. */
  readonly serverFactory: FastifyServerFactory = (handler, options) => {
    const fastify = options as FastifyServerOptions & { http?: ServerOptions }
    const server: Server = createServer(fastify.http ?? {}, (request, response) => {
      if (!this.serve(request, response)) handler(request, response)
    })
    // As Fastify sets them on a server it makes itself (lib/server.js).
    if (fastify.keepAliveTimeout !== undefined) server.keepAliveTimeout = fastify.keepAliveTimeout
    if (fastify.requestTimeout !== undefined) server.requestTimeout = fastify.requestTimeout
    if (fastify.connectionTimeout !== undefined) server.setTimeout(fastify.connectionTimeout)
    if (fastify.maxRequestsPerSocket !== undefined && fastify.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = fastify.maxRequestsPerSocket
    return server
  }
}

/**
 * The base URL Fastify would work out for a request that reached the service directly, or null
 * when a proxy's X-Forwarded-* headers could change it (Fastify decides whether to trust them).
 */
function directBase(request: IncomingMessage, policy: BaseUrlPolicy): string | null {
  if (policy.publicUrl !== null) return policy.publicUrl
  const headers = request.headers
  if (headers.host === undefined || headers['x-forwarded-host'] !== undefined || headers['x-forwarded-proto'] !== undefined) return null
  const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true
  return baseFor(encrypted ? 'https' : 'http', headers.host, policy)
}
