// Who is calling: the Bearer key is resolved once per request, and each route states the
// roles it allows through `requireRole`, registered with the route rather than matched by URL.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { forbidden, unauthorized } from './problems.js'

export const ROLES = ['admin', 'editor', 'moderator'] as const
export type Role = (typeof ROLES)[number]

export type Caller = { role: 'anonymous' } | { role: Role; keyId: string; keyName: string }

export type ResolveToken = (token: string) => { id: string; name: string; role: Role } | null

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller
  }
}

const ANONYMOUS: Caller = Object.freeze({ role: 'anonymous' })

export function isStaff(caller: Caller): caller is Extract<Caller, { keyId: string }> {
  return caller.role !== 'anonymous'
}

/** The key behind a change, for revisions and audit trails; null for anonymous callers. */
export function keyIdOf(caller: Caller): string | null {
  return caller.role === 'anonymous' ? null : caller.keyId
}

/** Admins may do everything; every other role only what it is named for. */
export function hasRole(caller: Caller, roles: readonly Role[]): boolean {
  return caller.role === 'admin' || (caller.role !== 'anonymous' && roles.includes(caller.role))
}

/** An onRequest hook that lets through only callers with one of `roles` (admins always). */
export function requireRole(...roles: Role[]): onRequestHookHandler {
  return async function checkRole(request: FastifyRequest, _reply: FastifyReply) {
    if (request.caller.role === 'anonymous') throw unauthorized()
    if (!hasRole(request.caller, roles)) {
      throw forbidden(`This needs the ${roles.join(' or ')} role; the key has the ${request.caller.role} role.`)
    }
  }
}

/** OpenAPI security requirement for routes that need a key, and for those where one is optional. */
type SecurityRequirement = { [scheme: string]: string[] }
export const bearer: SecurityRequirement[] = [{ bearerAuth: [] }]
export const optionalBearer: SecurityRequirement[] = [{}, { bearerAuth: [] }]

export const authPlugin = fp<{ resolveToken: ResolveToken }>(
  async function auth(app: FastifyInstance, { resolveToken }) {
    // Decorated as null (Fastify refuses shared object defaults) and always set before routes run.
    app.decorateRequest('caller', null as never)
    // Callback style, like the other global hooks that never wait: an async hook costs every
    // request a promise and a turn of the microtask queue. A throw is still answered as a problem.
    app.addHook('onRequest', (request, _reply, done) => {
      request.caller = ANONYMOUS
      const header = request.headers.authorization
      if (header === undefined) return done()
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (!match) throw unauthorized('The Authorization header must be "Bearer <API key>".')
      const key = resolveToken(match[1]!)
      // An unknown key is refused even on public routes: a client with a broken key
      // should learn of it, not silently get anonymous answers.
      if (!key) throw unauthorized('The API key is unknown or has been revoked.')
      request.caller = { role: key.role, keyId: key.id, keyName: key.name }
      done()
    })
  },
  { name: 'auth' },
)
