// The bytes of anonymous answers to the hottest reads (an article, a page of the list), kept in
// memory so that a story everyone opens costs a map lookup instead of a dozen queries plus
// serialization (src/http/cache-front.ts answers them before Fastify's routing).
//
// Correctness rests on surrogate keys (src/http/surrogate-keys.ts). Each answer is kept with the
// keys of what it shows (the article, its media, the articles it embeds, the list it is), and
// database triggers log the keys of every change to an article, a media item or a related link,
// from this process or another (src/db/invalidations.ts). The cache reads the log as it moves and
// evicts exactly the answers whose keys a change logged, so it never serves what the database no
// longer says, and a change to one story leaves every other story cached. Only anonymous GETs of
// routes marked `config.responseCache` are kept: staff see drafts, and their answers are never
// shared. The cache is bounded in bytes, least recently used first out.
import type { FastifyRequest } from 'fastify'
import type { InvalidationFeed } from '../db/invalidations.js'
import { baseUrl, type BaseUrlPolicy } from './base-url.js'

export interface CachedResponse {
  etag: string
  contentType: string
  payload: Buffer
  /**
   * The other headers the answer was sent with, as name, value, name, value: what the hooks
   * added (security headers, CORS, Cache-Control, Vary, ETag, Surrogate-Key), for the cache
   * front to send again. Without Content-Type and Content-Length (a 304 has neither) or the
   * request's own id.
   */
  headers: readonly string[]
  /** The headers of a 304 for it: those of `headers` that a 304 carries (see `keptOnNotModified`). */
  notModifiedHeaders: readonly string[]
  /** The surrogate keys of what it shows: a change that logs any of them evicts it. */
  keys: readonly string[]
}

/** What a miss hands to the end of the request, to remember its answer. */
export interface CacheTicket {
  key: string
  /** The log position the cache had reached before the answer was made: a change to its keys after that keeps it out. */
  seq: number
}

export interface ResponseCacheOptions {
  maxBytes: number
  /** The invalidation log (read from the file at most once per turn). */
  invalidations: Pick<InvalidationFeed, 'head' | 'after'>
}

/** Answers bigger than this share of the cache are not kept: one page must not evict a thousand stories. */
const MAX_ENTRY_SHARE = 16

/** Further behind the log than this (a bulk import), emptying the cache is cheaper than evicting key by key. */
const MAX_KEYS_AT_ONCE = 10_000

/** Keys remembered as recently changed, to refuse answers made meanwhile; past this the memory restarts. */
const REMEMBERED_KEYS = 10_000

export class ResponseCache {
  readonly #entries = new Map<string, CachedResponse>()
  /** Surrogate key -> the cache keys of the answers that carry it. */
  readonly #byKey = new Map<string, Set<string>>()
  readonly #maxBytes: number
  readonly #log: ResponseCacheOptions['invalidations']
  #bytes = 0
  /** The log position applied: every change up to it has evicted what it touched. */
  #seen: number
  /** Surrogate key -> the position at which a change last touched it, since `#remembersFrom`. */
  readonly #changedAt = new Map<string, number>()
  #remembersFrom: number
  /** Counted for the benchmark's hit rate (BENCH_CACHE_STATS): two additions a request. */
  #hits = 0
  #misses = 0

  constructor(options: ResponseCacheOptions) {
    this.#maxBytes = options.maxBytes
    this.#log = options.invalidations
    this.#seen = this.#remembersFrom = this.#log.head()
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Answers served from the cache, and cacheable reads that had to be made, since start. */
  get stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses }
  }

  /**
   * The cached answer for `key`, or a ticket to store the answer about to be made. The cache
   * front passes `countMiss` false: it looks up every GET, and the reads that may be cached count
   * their miss when Fastify, which knows the route, looks them up again.
   */
  lookup(key: string, countMiss = true): CachedResponse | CacheTicket {
    const head = this.#log.head()
    if (head !== this.#seen) this.#apply(head)
    const hit = this.#entries.get(key)
    if (hit === undefined) {
      if (countMiss) this.#misses++
      return { key, seq: this.#seen }
    }
    this.#hits++
    // Most recently used last: Map keeps insertion order, so eviction takes the first.
    this.#entries.delete(key)
    this.#entries.set(key, hit)
    return hit
  }

  /**
   * Applies the changes logged since the last look. A lookup does that too, but after a run of
   * writes with no read the stale answers would hold their memory until the next one: the app
   * calls this every second.
   */
  sweep(): void {
    this.#catchUp()
  }

  store(ticket: CacheTicket, response: CachedResponse): void {
    // Nothing could evict an answer without keys.
    if (response.keys.length === 0) return
    this.#catchUp()
    // Something it shows changed while it was made (this process or another wrote): it may be stale.
    if (ticket.seq < this.#remembersFrom) return
    for (const key of response.keys) if ((this.#changedAt.get(key) ?? -1) > ticket.seq) return
    if (sizeOf(ticket.key, response) > this.#maxBytes / MAX_ENTRY_SHARE) return
    this.#remove(ticket.key)
    this.#entries.set(ticket.key, response)
    this.#bytes += sizeOf(ticket.key, response)
    for (const key of response.keys) {
      const answers = this.#byKey.get(key)
      if (answers === undefined) this.#byKey.set(key, new Set([ticket.key]))
      else answers.add(ticket.key)
    }
    for (const key of this.#entries.keys()) {
      if (this.#bytes <= this.#maxBytes) break
      this.#remove(key)
    }
  }

  #catchUp(): void {
    const head = this.#log.head()
    if (head !== this.#seen) this.#apply(head)
  }

  /** Evicts what the changes logged up to `head` (or further) touched. */
  #apply(head: number): void {
    const next = head - this.#seen > MAX_KEYS_AT_ONCE ? null : this.#log.after(this.#seen)
    if (next === null) return this.#forgetAll(head)
    if (this.#changedAt.size + next.keys.length > REMEMBERED_KEYS) {
      this.#changedAt.clear()
      this.#remembersFrom = this.#seen
    }
    for (const key of next.keys) {
      this.#changedAt.set(key, next.seq)
      const answers = this.#byKey.get(key)
      if (answers !== undefined) for (const answer of answers) this.#remove(answer)
    }
    this.#seen = next.seq
  }

  #forgetAll(head: number): void {
    this.#entries.clear()
    this.#byKey.clear()
    this.#bytes = 0
    this.#changedAt.clear()
    this.#seen = this.#remembersFrom = head
  }

  #remove(cacheKey: string): void {
    const entry = this.#entries.get(cacheKey)
    if (entry === undefined) return
    this.#entries.delete(cacheKey)
    this.#bytes -= sizeOf(cacheKey, entry)
    for (const key of entry.keys) {
      const answers = this.#byKey.get(key)
      answers?.delete(cacheKey)
      if (answers?.size === 0) this.#byKey.delete(key)
    }
  }
}

/** What an entry costs: its bytes, its cache key and its surrogate keys (each in two maps). */
function sizeOf(cacheKey: string, response: CachedResponse): number {
  let size = response.payload.length + cacheKey.length
  for (const key of response.keys) size += key.length
  return size
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
  return 'seq' in found
}
