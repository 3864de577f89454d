// Idempotency-Key on POST, for every route at once: the first response to a (caller, key) pair
// is kept for 24 hours and replayed to a repeat, so that an editorial tool retrying after a
// network failure creates nothing twice. The same key with a different request is a 422.
//
// Requests that race with one key in one process meet in memory: the second waits for the
// first and replays its answer. With one process (WORKERS=1) a row left "in progress" with no
// waiter in memory was left by a crash and is simply taken over by the next attempt. With
// several, it may be running in another worker: the second request watches the row until that
// worker answers (or lets the key go), and takes a row over only once no request could still
// be running it.
//
// A body Fastify parses is part of the fingerprint from the start. A multipart upload is read
// by its handler as a stream, so its key is checked only once the handler has read it and hands
// over a digest of its parts (idempotentAfterBody): a different file or caption is then a 422,
// not a replay of the first upload.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { badRequest, unprocessable } from './problems.js'

const TTL_MS = 24 * 60 * 60 * 1000
/** How often expired keys are purged, by `purgeExpired` (a background job: app.ts runs it in one process). */
export const IDEMPOTENCY_PURGE_MS = 60 * 60 * 1000
const REPLAYED_HEADERS = ['location', 'content-type', 'etag', 'retry-after', 'www-authenticate']
const KEY_PATTERN = /^[\x21-\x7E]{1,255}$/

/** What is kept of a request with a key: its fingerprint, then the answer once there is one. */
export interface StoredResponse {
  fingerprint: string
  /** Null while the first request is still being handled. */
  statusCode: number | null
  headers: Record<string, string> | null
  body: string | null
  createdAt: string
}

/**
 * Where the plugin keeps requests and their answers, per (caller, key). Implemented by
 * src/idempotency/repository.ts, whose folder may import this one while http/ imports no other.
 */
export interface IdempotencyRecords {
  find(caller: string, key: string): StoredResponse | undefined
  /** Takes the key for a request with this fingerprint, forgetting any answer kept under it. */
  claim(caller: string, key: string, fingerprint: string): void
  complete(caller: string, key: string, answer: { statusCode: number; headers: Record<string, string>; body: string | null }): void
  /** Lets the key go, so that a retry runs for real. */
  release(caller: string, key: string): void
  /** Forgets what was kept before `before`; returns how many keys. */
  purge(before: string): number
}

export interface IdempotencyOptions {
  records: IdempotencyRecords
  /** Other processes answer requests on the same database (WORKERS > 1). */
  otherProcesses?: boolean
}

/** How often a request watches a key that another process is answering. */
const WATCH_MS = 25
/**
 * A key in progress for longer than this was left by a worker that died: no request runs that
 * long (uploads, the slowest, must arrive within the 5 minutes of SERVER_LIMITS.requestTimeoutMs).
 */
const ABANDONED_AFTER_MS = 6 * 60 * 1000

interface Pending {
  caller: string
  key: string
  done: Promise<void>
  finish: () => void
  settled: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false for a POST whose answer holds a secret the service keeps only hashed (a preview
     * link's token): its answer is never stored, so the key is not honoured and a repeat makes
     * another one.
     */
    idempotency?: false
  }
  interface FastifyRequest {
    idempotency: Pending | null
    /** Set for a request with a key whose body its handler reads: see idempotentAfterBody. */
    idempotencyAfterBody: ((bodyDigest: string) => Promise<boolean>) | null
  }
}

function callerOf(request: FastifyRequest): string {
  // Anonymous callers (comment submissions) are told apart by address.
  return request.caller.role === 'anonymous' ? `ip:${request.ip}` : `key:${request.caller.keyId}`
}

function fingerprintOf(request: FastifyRequest, bodyDigest?: string): string {
  const hash = createHash('sha256').update(`${request.method} ${request.url}\n`)
  if (bodyDigest !== undefined) hash.update(`streamed ${bodyDigest}`)
  else if (request.body !== undefined) hash.update(JSON.stringify(request.body))
  return hash.digest('base64url')
}

/** A body Fastify left unparsed for the handler to stream (a multipart upload). */
const readByHandler = (request: FastifyRequest): boolean =>
  request.body === undefined && /^multipart\//i.test(request.headers['content-type'] ?? '')

/**
 * For a handler that reads its own body: once it has, checks the Idempotency-Key against a
 * digest of what it read (every field and the file's bytes). Answers true when the reply is
 * already sent (a replay of the first answer): the handler then stores nothing and returns the
 * reply. Throws the 422 for a different request with the same key. Without a key, false.
 */
export async function idempotentAfterBody(request: FastifyRequest, reply: FastifyReply, bodyDigest: string): Promise<boolean> {
  const check = request.idempotencyAfterBody
  if (check === null) return false
  request.idempotencyAfterBody = null
  return check(bodyDigest)
}

/** Forgets the keys kept longer than their 24 hours; returns how many. */
export function purgeExpired(records: IdempotencyRecords): number {
  return records.purge(new Date(Date.now() - TTL_MS).toISOString())
}

export const idempotencyPlugin = fp<IdempotencyOptions>(
  async function idempotency(app: FastifyInstance, { records, otherProcesses = false }) {
    const inflight = new Map<string, Pending>()

    app.decorateRequest('idempotency', null)
    app.decorateRequest('idempotencyAfterBody', null)

    function replay(reply: FastifyReply, stored: StoredResponse): true {
      reply.headers(stored.headers ?? {}).header('idempotent-replayed', 'true')
      reply.code(stored.statusCode!).send(stored.body ?? undefined)
      return true
    }

    /** The key's row once the process answering it is done (answered, or let go), or once it is abandoned. */
    async function answeredElsewhere(caller: string, key: string): Promise<StoredResponse | undefined> {
      for (;;) {
        const stored = records.find(caller, key)
        if (!stored || stored.statusCode !== null || Date.parse(stored.createdAt) < Date.now() - ABANDONED_AFTER_MS) return stored
        await new Promise((resolve) => setTimeout(resolve, WATCH_MS))
      }
    }

    function settle(pending: Pending) {
      if (pending.settled) return
      pending.settled = true
      inflight.delete(`${pending.caller}\n${pending.key}`)
      pending.finish()
    }

    /** Replays the kept answer, refuses a different request (422), or takes the key; true for a replay. */
    async function begin(request: FastifyRequest, reply: FastifyReply, caller: string, key: string, fingerprint: string): Promise<boolean> {
      const slot = `${caller}\n${key}`
      let stored = records.find(caller, key)
      if (stored && Date.parse(stored.createdAt) < Date.now() - TTL_MS) stored = undefined
      if (stored && stored.fingerprint !== fingerprint) {
        throw unprocessable('This Idempotency-Key was used with a different request; use a new key for a new request.')
      }
      const running = inflight.get(slot)
      if (stored && stored.statusCode === null && running) {
        await running.done
        stored = records.find(caller, key)
        if (stored && stored.statusCode !== null) return replay(reply, stored)
      } else if (stored && stored.statusCode === null && otherProcesses) {
        stored = await answeredElsewhere(caller, key)
        if (stored && stored.statusCode !== null) return replay(reply, stored)
      } else if (stored && stored.statusCode !== null) {
        return replay(reply, stored)
      }

      let finish!: () => void
      const done = new Promise<void>((resolve) => (finish = resolve))
      const pending: Pending = { caller, key, done, finish, settled: false }
      records.claim(caller, key, fingerprint)
      inflight.set(slot, pending)
      request.idempotency = pending
      return false
    }

    app.addHook('preHandler', async (request, reply) => {
      const key = request.headers['idempotency-key']
      if (request.method !== 'POST' || key === undefined || request.routeOptions.config?.idempotency === false) return
      if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
        throw badRequest('Idempotency-Key must be 1 to 255 printable ASCII characters.', [
          { path: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters' },
        ])
      }
      const caller = callerOf(request)
      if (readByHandler(request)) {
        request.idempotencyAfterBody = (bodyDigest) => begin(request, reply, caller, key, fingerprintOf(request, bodyDigest))
        return
      }
      if (await begin(request, reply, caller, key, fingerprintOf(request))) return reply
    })

    app.addHook('onSend', (request, reply, payload, done) => done(null, record(request, reply, payload)))

    /** Keeps the answer of a request with a key (or lets the key go after a failure on our side). */
    function record(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
      if (request.idempotencyAfterBody !== null && reply.statusCode < 400) {
        // A route that streams its body must call idempotentAfterBody; this one ran unguarded.
        request.log.error('a request with an Idempotency-Key was handled without checking the key against its body')
      }
      const pending = request.idempotency
      if (!pending || pending.settled) return payload
      // A 429 says "later", so a retry after Retry-After must run for real, not replay it (the
      // comment limit is counted after this plugin takes the key: see comments/routes.ts).
      const retryable = reply.statusCode >= 500 || reply.statusCode === 429
      if (retryable || (payload !== null && payload !== undefined && typeof payload !== 'string')) {
        // A failure on our side, a refusal for now, or a body we cannot keep: let the client try again for real.
        records.release(pending.caller, pending.key)
      } else {
        const headers: Record<string, string> = {}
        for (const name of REPLAYED_HEADERS) {
          const value = reply.getHeader(name)
          if (value !== undefined) headers[name] = String(value)
        }
        records.complete(pending.caller, pending.key, { statusCode: reply.statusCode, headers, body: (payload as string | null) ?? null })
      }
      settle(pending)
      return payload
    }

    // A request that ends without a response (the client went away) must not block its key.
    app.addHook('onResponse', (request, _reply, done) => {
      const pending = request.idempotency
      if (pending && !pending.settled) {
        records.release(pending.caller, pending.key)
        settle(pending)
      }
      done()
    })
    app.addHook('onRequestAbort', async (request) => {
      const pending = request.idempotency
      if (pending && !pending.settled) {
        records.release(pending.caller, pending.key)
        settle(pending)
      }
    })
  },
  { name: 'idempotency', dependencies: ['auth'] },
)
