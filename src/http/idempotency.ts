// Idempotency-Key on POST, for every route at once: the first response to a (caller, key) pair
// is kept for 24 hours and replayed to a repeat, so that an editorial tool retrying after a
// network failure creates nothing twice. The same key with a different request is a 422.
//
// The service is one process, so requests that race with one key meet in memory: the second
// waits for the first and replays its answer. A row left "in progress" by a crash has no
// waiter in memory and is simply taken over by the next attempt.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/client.js'
import { badRequest, unprocessable } from './problems.js'

const TTL_MS = 24 * 60 * 60 * 1000
const REPLAYED_HEADERS = ['location', 'content-type', 'etag', 'retry-after', 'www-authenticate']
const KEY_PATTERN = /^[\x21-\x7E]{1,255}$/

interface StoredResponse {
  fingerprint: string
  statusCode: number | null
  headers: string | null
  body: string | null
  createdAt: string
}

interface Pending {
  caller: string
  key: string
  done: Promise<void>
  finish: () => void
  settled: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: Pending | null
  }
}

function callerOf(request: FastifyRequest): string {
  // Anonymous callers (comment submissions) are told apart by address.
  return request.caller.role === 'anonymous' ? `ip:${request.ip}` : `key:${request.caller.keyId}`
}

function fingerprintOf(request: FastifyRequest): string {
  const hash = createHash('sha256').update(`${request.method} ${request.url}\n`)
  // A multipart upload is read by its handler, after this check: its key covers the URL only.
  if (request.body !== undefined) hash.update(JSON.stringify(request.body))
  return hash.digest('base64url')
}

export const idempotencyPlugin = fp<{ db: Db }>(
  async function idempotency(app: FastifyInstance, { db }) {
    const sqlite = db.$client
    const find = sqlite.prepare<[string, string], StoredResponse>(
      `SELECT fingerprint, status_code AS statusCode, headers, body, created_at AS createdAt
       FROM idempotency_keys WHERE caller = ? AND key = ?`,
    )
    const claim = sqlite.prepare(
      `INSERT INTO idempotency_keys (caller, key, fingerprint, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (caller, key) DO UPDATE SET fingerprint = excluded.fingerprint, status_code = NULL,
         headers = NULL, body = NULL, created_at = excluded.created_at`,
    )
    const complete = sqlite.prepare('UPDATE idempotency_keys SET status_code = ?, headers = ?, body = ? WHERE caller = ? AND key = ?')
    const release = sqlite.prepare('DELETE FROM idempotency_keys WHERE caller = ? AND key = ?')
    const purge = sqlite.prepare('DELETE FROM idempotency_keys WHERE created_at < ?')
    const inflight = new Map<string, Pending>()

    const purgeTimer = setInterval(() => purge.run(new Date(Date.now() - TTL_MS).toISOString()), 60 * 60 * 1000)
    purgeTimer.unref()
    app.addHook('onClose', async () => clearInterval(purgeTimer))

    app.decorateRequest('idempotency', null)

    function replay(reply: FastifyReply, stored: StoredResponse) {
      const headers = JSON.parse(stored.headers ?? '{}') as Record<string, string>
      reply.headers(headers).header('idempotent-replayed', 'true')
      return reply.code(stored.statusCode!).send(stored.body ?? undefined)
    }

    function settle(pending: Pending) {
      if (pending.settled) return
      pending.settled = true
      inflight.delete(`${pending.caller}\n${pending.key}`)
      pending.finish()
    }

    app.addHook('preHandler', async (request, reply) => {
      const key = request.headers['idempotency-key']
      if (request.method !== 'POST' || key === undefined) return
      if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
        throw badRequest('Idempotency-Key must be 1 to 255 printable ASCII characters.', [
          { path: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters' },
        ])
      }
      const caller = callerOf(request)
      const fingerprint = fingerprintOf(request)
      const slot = `${caller}\n${key}`

      let stored = find.get(caller, key)
      if (stored && Date.parse(stored.createdAt) < Date.now() - TTL_MS) stored = undefined
      if (stored && stored.fingerprint !== fingerprint) {
        throw unprocessable('This Idempotency-Key was used with a different request; use a new key for a new request.')
      }
      const running = inflight.get(slot)
      if (stored && stored.statusCode === null && running) {
        await running.done
        stored = find.get(caller, key)
        if (stored && stored.statusCode !== null) return replay(reply, stored)
      } else if (stored && stored.statusCode !== null) {
        return replay(reply, stored)
      }

      let finish!: () => void
      const done = new Promise<void>((resolve) => (finish = resolve))
      const pending: Pending = { caller, key, done, finish, settled: false }
      claim.run(caller, key, fingerprint, new Date().toISOString())
      inflight.set(slot, pending)
      request.idempotency = pending
    })

    app.addHook('onSend', (request, reply, payload, done) => done(null, record(request, reply, payload)))

    /** Keeps the answer of a request with a key (or lets the key go after a failure on our side). */
    function record(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
      const pending = request.idempotency
      if (!pending || pending.settled) return payload
      if (reply.statusCode >= 500 || (payload !== null && payload !== undefined && typeof payload !== 'string')) {
        // A failure on our side, or a body we cannot keep: let the client try again for real.
        release.run(pending.caller, pending.key)
      } else {
        const headers: Record<string, string> = {}
        for (const name of REPLAYED_HEADERS) {
          const value = reply.getHeader(name)
          if (value !== undefined) headers[name] = String(value)
        }
        complete.run(reply.statusCode, JSON.stringify(headers), (payload as string | null) ?? null, pending.caller, pending.key)
      }
      settle(pending)
      return payload
    }

    // A request that ends without a response (the client went away) must not block its key.
    app.addHook('onResponse', (request, _reply, done) => {
      const pending = request.idempotency
      if (pending && !pending.settled) {
        release.run(pending.caller, pending.key)
        settle(pending)
      }
      done()
    })
    app.addHook('onRequestAbort', async (request) => {
      const pending = request.idempotency
      if (pending && !pending.settled) {
        release.run(pending.caller, pending.key)
        settle(pending)
      }
    })
  },
  { name: 'idempotency', dependencies: ['auth'] },
)
