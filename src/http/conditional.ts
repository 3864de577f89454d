// HTTP caching and preconditions for every route at once: strong ETags, 304 on If-None-Match,
// If-Match turned into a version the repositories check atomically, and Cache-Control.
//
// An ETag is `"<version>-<digest>"` for a single resource (its JSON has a `version`) and
// `"<digest>"` for anything else, the digest being a hash of the exact bytes sent (for a page
// made of stored parts, of their digests and the rest: composedEtag). The digest
// makes it strong: any change to what a reader gets (an embedded photo's new caption, a new
// approved comment) changes it. If-Match compares the whole tag with the one a GET of the same
// URL by the same caller answers now (RFC 9110 13.1.1), so a tag with the right version and a
// made-up digest never passes; the version of the tag that matched then goes to the repository,
// which checks it in the same statement as the write, so that of two writers holding one tag
// only the first wins.
import { hash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { BaseUrlPolicy } from './base-url.js'
import { preconditionFailed } from './problems.js'
import { type CacheTicket, isTicket, type ResponseCache, sharedCacheKey } from './response-cache.js'
import { setSurrogateKeys, surrogateKeyHeader, surrogateKeysOf } from './surrogate-keys.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The version named by If-Match, for the repository's atomic check; undefined when absent or `*`. */
    ifVersion: number | undefined
    /** Set when the response cache missed: the answer is stored on its way out. */
    cacheTicket: CacheTicket | null
  }
  interface FastifyContextConfig {
    /** `no-store` for routes whose answers must never be cached, even for anonymous callers. */
    cache?: 'public' | 'no-store'
  }
}

export interface CachingOptions {
  /** Seconds a shared cache may serve an anonymous read without asking again. */
  maxAge: number
  /** Seconds it may then serve it stale while it revalidates in the background. */
  staleWhileRevalidate: number
  /** Anonymous answers of routes marked `config.responseCache` are served from it when current. */
  responseCache?: ResponseCache | undefined
  /** PUBLIC_URL and ALLOWED_HOSTS: the base URL is part of the cache key, as answers hold absolute links. */
  baseUrls: BaseUrlPolicy
}

const kVersion = Symbol('resourceVersion')
type WithVersion = FastifyReply & { [kVersion]?: number }

const WRITES = new Set(['PATCH', 'PUT', 'DELETE'])

/** For answers that are a resource without a top-level `version` (a list with its own version). */
export function setEtagVersion(reply: FastifyReply, version: number): void {
  ;(reply as WithVersion)[kVersion] = version
}

export function digest(payload: string | Buffer): string {
  return hash('sha256', payload, 'base64url').slice(0, 27)
}

export function makeEtag(payload: string | Buffer, version?: number): string {
  return version === undefined ? `"${digest(payload)}"` : `"${version}-${digest(payload)}"`
}

/**
 * The ETag of an answer made of stored parts (src/renders/) and the text around them (`frame`):
 * a digest of the parts' digests and the frame, so that a page of a hundred feed entries is not
 * hashed whole on every read (sha256 of 230 KB: 0.35 ms). Strong all the same: the parts'
 * digests are their bytes' (fixed length, so the encoding is one-to-one), and any change to
 * the bytes sent changes a part or the frame.
 */
export function composedEtag(frame: string, digests: readonly string[]): string {
  return `"${digest(`${digests.length}\u0000${digests.join('')}\u0000${frame}`)}"`
}

/** The entity tags of an If-None-Match or If-Match header; `*` stays `*`. */
export function parseEtags(header: string): string[] {
  if (header.trim() === '*') return ['*']
  return header.match(/(?:W\/)?"[^"]*"/g) ?? []
}

/** If-None-Match uses the weak comparison: W/"x" matches "x". */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header === etag) return true // what a client sends back nearly always: the tag as it came
  const tags = parseEtags(header)
  const opaque = etag.replace(/^W\//, '')
  return tags.some((tag) => tag === '*' || tag.replace(/^W\//, '') === opaque)
}

const VERSIONED_TAG = /^"(\d{1,15})-[A-Za-z0-9_-]+"$/

/** The version a strong `"<version>-<digest>"` tag names, or undefined for any other tag. */
export function versionOfEtag(tag: string): number | undefined {
  const match = VERSIONED_TAG.exec(tag)
  return match ? Number(match[1]) : undefined
}

/**
 * The strong, versioned tags an If-Match header names, or `*` (any current representation).
 * If-Match uses the strong comparison, so weak and malformed tags never match and are skipped;
 * a header with no usable tag is a 412 rather than a blind write.
 */
export function ifMatchTags(header: string): string[] | '*' {
  const tags = parseEtags(header)
  if (tags.includes('*')) return '*'
  const usable = tags.filter((tag) => versionOfEtag(tag) !== undefined)
  if (usable.length === 0) throw preconditionFailed('If-Match names no current version of this resource: fetch it again and send its ETag.')
  return usable
}

/**
 * The version to write at, given the tags of If-Match and the ETag the resource has now: the
 * whole tag must be one of them. With no current ETag to compare (the resource is absent, and
 * the write answers 404, or has no GET), only the version can be checked, and it must be one.
 */
export function versionToWrite(tags: string[], currentEtag: string | undefined): number {
  if (currentEtag !== undefined) {
    if (!tags.includes(currentEtag)) throw preconditionFailed('If-Match does not name the current ETag of this resource: fetch it again and send its ETag.')
    return versionOfEtag(currentEtag)!
  }
  const versions = new Set(tags.map((tag) => versionOfEtag(tag)!))
  if (versions.size > 1) throw preconditionFailed('If-Match names several versions: send the one ETag you read.')
  return [...versions][0]!
}

/** Request headers that would change the GET into another request than a plain read of the target. */
const NOT_FOR_THE_READ = /^(?:if-|content-|transfer-encoding$|idempotency-key$)/

/**
 * What a 304 carries: the fields RFC 9110 (15.4.5) asks of it (ETag, Cache-Control, Vary,
 * Expires, Content-Location; Node adds Date), the CORS headers without which a browser would not
 * hand a 304 to a script of another origin, and the request id. The 200's other headers (its
 * type, the security headers) the client already holds with the body it is told to keep using;
 * a cache merges the 304's fields into them. Sending them again would only fill the wire.
 */
const ON_NOT_MODIFIED = new Set(['etag', 'cache-control', 'vary', 'expires', 'content-location', 'x-request-id'])

export function keptOnNotModified(name: string): boolean {
  return ON_NOT_MODIFIED.has(name) || name.startsWith('access-control-')
}

function toNotModified(reply: FastifyReply): void {
  reply.code(304)
  for (const name of Object.keys(reply.getHeaders())) if (!keptOnNotModified(name)) reply.removeHeader(name)
}

/** Headers that belong to the request or to the body's framing, not to the stored answer. */
const NOT_REPLAYED = new Set(['content-type', 'content-length', 'x-request-id'])

/** The headers of an answer about to be stored, flat (name, value, ...), for the 200 and the 304 the cache front sends. */
function replayableHeaders(reply: FastifyReply): { ok: string[]; notModified: string[] } {
  const ok: string[] = []
  const notModified: string[] = []
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || NOT_REPLAYED.has(name)) continue
    const text = Array.isArray(value) ? value.join(', ') : String(value)
    ok.push(name, text)
    if (keptOnNotModified(name)) notModified.push(name, text)
  }
  return { ok, notModified }
}

export const conditionalPlugin = fp<CachingOptions>(
  async function conditional(app: FastifyInstance, options) {
    const publicCache = `public, max-age=${options.maxAge}, stale-while-revalidate=${options.staleWhileRevalidate}`
    // For an answer that shows more than a Surrogate-Key header can name: a shared cache could not
    // be told when it changes, so only the reader's own browser keeps it.
    const browserOnly = `private, max-age=${options.maxAge}`

    app.decorateRequest('ifVersion', undefined)
    app.decorateRequest('cacheTicket', null)

    const cache = options.responseCache
    if (cache !== undefined) {
      // Registered after auth, CORS and the security headers, so a cached answer carries them all;
      // the onSend hook below adds Cache-Control and Vary, and answers 304 when the ETag matches.
      // The hooks here are callback style: they never wait, and an async hook costs every
      // request a promise and a turn of the microtask queue.
      app.addHook('onRequest', (request, reply, done) => {
        const key = sharedCacheKey(request, options.baseUrls)
        if (key === null) return done()
        const found = cache.lookup(key)
        if (isTicket(found)) {
          request.cacheTicket = found
          return done()
        }
        // Answered here: the rest of the hooks and the route do not run; onSend below gives the
        // answer its Cache-Control and Surrogate-Key from its keys, as when it was made.
        setSurrogateKeys(reply, () => found.keys)
        reply.header('etag', found.etag).type(found.contentType).send(found.payload)
      })
    }
    /**
     * The ETag a GET of the write's URL would answer this caller now, or undefined when that GET
     * is not a 200. The same route, hooks and serializer make it, so it is the very tag the
     * client was given, whatever the resource embeds; only a conditional write pays for it.
     */
    async function currentEtag(request: FastifyRequest): Promise<string | undefined> {
      const headers: Record<string, string | string[]> = {}
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined && !NOT_FOR_THE_READ.test(name)) headers[name] = value
      }
      const remoteAddress = request.raw.socket?.remoteAddress
      const read = await app.inject({ method: 'GET', url: request.url, headers, ...(remoteAddress !== undefined && { remoteAddress }) })
      return read.statusCode === 200 ? (read.headers.etag as string | undefined) : undefined
    }

    // After the route's own checks (credentials, role, input), as RFC 9110 13.2.1 orders them:
    // an anonymous caller with a stale If-Match learns it needs a key, not that it is stale.
    // Callback style: only a conditional write waits (see the onRequest hook above).
    app.addHook('preHandler', (request: FastifyRequest, _reply, done) => {
      const header = request.headers['if-match']
      if (!WRITES.has(request.method) || header === undefined) return done()
      let tags: string[] | '*'
      try {
        tags = ifMatchTags(header)
      } catch (error) {
        return done(error as Error)
      }
      if (tags === '*') return done()
      const named = tags
      currentEtag(request)
        .then((etag) => {
          request.ifVersion = versionToWrite(named, etag)
        })
        .then(() => done(), done)
    })

    // Remember a single resource's version before the object becomes bytes.
    app.addHook('preSerialization', (_request, reply: WithVersion, payload: unknown, done) => {
      if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
        const version = (payload as { version?: unknown }).version
        if (typeof version === 'number' && Number.isInteger(version)) reply[kVersion] = version
      }
      done(null, payload)
    })

    app.addHook('onSend', (request, reply: WithVersion, payload: unknown, done) => done(null, finish(request, reply, payload)))

    /** Cache-Control, Surrogate-Key, Vary, the ETag, the response cache and the 304: what leaves with every answer. */
    function finish(request: FastifyRequest, reply: WithVersion, payload: unknown): unknown {
      const isRead = request.method === 'GET' || request.method === 'HEAD'
      const anonymous = request.caller === undefined || request.caller === null || request.caller.role === 'anonymous'
      if (!reply.hasHeader('cache-control')) {
        // A route's own 304 (a media file's, a streamed sitemap page's) carries the caching rule of
        // its 200, as RFC 9110 (15.4.5) asks.
        const fresh = reply.statusCode === 200 || reply.statusCode === 304
        const cacheable = isRead && anonymous && fresh && request.routeOptions.config?.cache !== 'no-store'
        reply.header('cache-control', cacheable ? publicCache : 'private, no-store')
      }
      // What a shared cache may keep is sent with the keys of what it shows, for purging.
      const shared = isRead && anonymous && (reply.statusCode === 200 || reply.statusCode === 206) && String(reply.getHeader('cache-control')).startsWith('public')
      const keys = shared ? surrogateKeysOf(reply) : null
      if (keys !== null) {
        const header = surrogateKeyHeader(keys)
        if (header !== null) reply.header('surrogate-key', header)
        else reply.header('cache-control', browserOnly)
      }
      if (isRead) {
        const vary = reply.getHeader('vary')
        reply.header('vary', vary ? `${String(vary)}, Authorization` : 'Authorization')
      }
      if (reply.statusCode === 304) {
        toNotModified(reply)
        return payload
      }
      if (!isRead || reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload
      let etag = reply.getHeader('etag') as string | undefined
      if (etag === undefined) {
        etag = makeEtag(payload, reply[kVersion])
        reply.header('etag', etag)
      }
      // Routes registered before this plugin (the /docs pages) never had the decoration: undefined.
      if (request.cacheTicket && cache !== undefined && keys !== null) {
        const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8')
        const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
        const headers = replayableHeaders(reply)
        cache.store(request.cacheTicket, { etag, contentType, payload: body, headers: headers.ok, notModifiedHeaders: headers.notModified, keys })
      }
      if (noneMatch(request.headers['if-none-match'], etag)) {
        toNotModified(reply)
        return null
      }
      return payload
    }
  },
  { name: 'conditional', dependencies: ['auth'] },
)
