// The bytes of anonymous answers to the hottest reads (an article, a page of the list), kept in
// memory so that a story everyone opens costs a map lookup instead of a dozen queries plus
// serialization (src/http/cache-front.ts answers them before Fastify's routing).
//
// Correctness rests on the content version (src/db/content-version.ts): triggers raise it on
// any change to an article, a media item or a related link, from this process or another. The
// cache remembers the version its answers were made at and empties itself as soon as the version
// moves, so it never serves what the database no longer says. Only anonymous GETs of routes
// marked `config.responseCache` are kept: staff see drafts, and their answers are never shared.
// The cache is bounded in bytes, least recently used first out.
import type { FastifyRequest } from 'fastify'
import { baseUrl, type BaseUrlPolicy } from './base-url.js'

export interface CachedResponse {
  etag: string
  contentType: string
  payload: Buffer
  /**
   * The other headers the answer was sent with, as name, value, name, value: what the hooks
   * added (security headers, CORS, Cache-Control, Vary, ETag), for the cache front to send
   * again. Without Content-Type and Content-Length (a 304 has neither) or the request's own id.
   */
  headers: readonly string[]
  /** The headers of a 304 for it: those of `headers` that a 304 carries (see `keptOnNotModified`). */
  notModifiedHeaders: readonly string[]
}

/** What a miss hands to the end of the request, to remember its answer. */
export interface CacheTicket {
  key: string
  /** The content version read before the answer was made: it is stored only if still current. */
  version: number
}

export interface ResponseCacheOptions {
  maxBytes: number
  /** The database's content version (src/db/content-version.ts: read from the file at most once per turn). */
  contentVersion: () => number
}

/** Answers bigger than this share of the cache are not kept: one page must not evict a thousand stories. */
const MAX_ENTRY_SHARE = 16

export class ResponseCache {
  readonly #entries = new Map<string, CachedResponse>()
  readonly #maxBytes: number
  readonly #contentVersion: () => number
  #bytes = 0
  #version = -1

  constructor(options: ResponseCacheOptions) {
    this.#maxBytes = options.maxBytes
    this.#contentVersion = options.contentVersion
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#bytes
  }

  /** The cached answer for `key`, or a ticket to store the answer about to be made. */
  lookup(key: string): CachedResponse | CacheTicket {
    const version = this.#contentVersion()
    if (version !== this.#version) {
      this.#empty(version)
      return { key, version }
    }
    const hit = this.#entries.get(key)
    if (hit === undefined) return { key, version }
    // Most recently used last: Map keeps insertion order, so eviction takes the first.
    this.#entries.delete(key)
    this.#entries.set(key, hit)
    return hit
  }

  /**
   * Empties the cache if the content moved on since its answers were made. A lookup does that
   * too, but after a run of writes with no read the stale answers would hold their memory (up to
   * RESPONSE_CACHE_MB) until the next one: the app calls this every second.
   */
  sweep(): void {
    if (this.#entries.size === 0) return
    const version = this.#contentVersion()
    if (version !== this.#version) this.#empty(version)
  }

  #empty(version: number): void {
    this.#entries.clear()
    this.#bytes = 0
    this.#version = version
  }

  store(ticket: CacheTicket, response: CachedResponse): void {
    // Something changed while the answer was made (another process wrote): it may be stale.
    if (ticket.version !== this.#version || ticket.version !== this.#contentVersion()) return
    const size = response.payload.length + ticket.key.length
    if (size > this.#maxBytes / MAX_ENTRY_SHARE) return
    const previous = this.#entries.get(ticket.key)
    if (previous !== undefined) {
      this.#entries.delete(ticket.key)
      this.#bytes -= previous.payload.length + ticket.key.length
    }
    this.#entries.set(ticket.key, response)
    this.#bytes += size
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break
      this.#entries.delete(key)
      this.#bytes -= entry.payload.length + key.length
    }
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Anonymous answers of this GET route may be served from the response cache. */
    responseCache?: boolean
  }
}

/**
 * The cache key of a request whose answer may be shared, or null. The base URL is part of it
 * because answers hold absolute links built from the request's host when PUBLIC_URL is unset;
 * it is worked out only for a request that may be shared.
 */
export function sharedCacheKey(request: FastifyRequest, policy: BaseUrlPolicy): string | null {
  if (request.method !== 'GET' || request.caller.role !== 'anonymous' || request.routeOptions.config?.responseCache !== true) return null
  return `${baseUrl(request, policy)} ${request.url}`
}

export function isTicket(found: CachedResponse | CacheTicket): found is CacheTicket {
  return 'version' in found
}
