// One delivery attempt over HTTP: a POST with node:http(s) that connects only to addresses the
// policy allows (src/webhooks/address-policy.ts), checked after DNS and right before connecting,
// so a name that resolved to a public address at subscription and to 127.0.0.1 now (DNS
// rebinding) is refused. It follows no redirect, gives up after a timeout, and reads at most a
// few KiB of the answer, which it then throws away. Not global fetch: it offers no hook between
// resolving a name and connecting to it.
import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { type ClientRequest, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ipLiteral, isBadPort, refusingRule } from './address-policy.js'

/** Answers are read only this far: enough to let the receiver finish, never a receiver's whole page. */
export const MAX_RESPONSE_BYTES = 4096

/**
 * Why an attempt failed, as the delivery log shows it to admins: fixed words, never an errno text
 * with an address and a port, so the log cannot be used to map which ports answer behind the
 * service. The detail goes to the operator's log only (`cause`).
 */
export const FAILURE = {
  refused: 'refused: address not allowed',
  badPort: 'refused: port not allowed',
  notFound: 'host not found',
  connection: 'connection failed',
} as const

/** Resolves a host name to every address it has; the system resolver unless a test plays DNS. */
export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    systemLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  )

export interface SendRequest {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
  /** Loopback and private addresses may be reached (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean
  resolve?: Resolve
  /** Aborts the attempt because the service is stopping; the result is then `stopped`. */
  stop?: AbortSignal
}

export type SendResult =
  | {
      stopped: false
      statusCode: number | null
      durationMs: number
      /** For the delivery log: null on success, else one of FAILURE, a timeout or a status. */
      error: string | null
      /** For the operator's log only: the error code or the refused address. */
      cause?: string
    }
  | { stopped: true }

class TimeoutError extends Error {}
class StoppedError extends Error {}

class RefusedError extends Error {
  constructor(readonly reason: string, readonly detail: string) {
    super(reason)
  }
}

const DNS_FAILURES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME'])

function failure(error: unknown): { error: string; cause: string } {
  if (error instanceof RefusedError) return { error: error.reason, cause: error.detail }
  const code = (error as { code?: unknown } | null)?.code
  const cause = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown'
  return { error: DNS_FAILURES.has(cause) ? FAILURE.notFound : FAILURE.connection, cause }
}

function statusError(status: number): string | null {
  if (status >= 200 && status < 300) return null
  if (status >= 300 && status < 400) return `answered ${status}: redirects are not followed`
  return `answered ${status}`
}

function refusedAddress(address: string, allowPrivate: boolean): RefusedError | null {
  const rule = refusingRule(address, allowPrivate)
  return rule === null ? null : new RefusedError(FAILURE.refused, `${rule.name}: ${address}`)
}

/** A `lookup` for the socket that resolves, then refuses before connecting unless every address is allowed. */
function guardedLookup(resolve: Resolve, allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0)
    resolve(hostname).then(
      (all) => {
        const addresses = family === 0 ? [...all] : all.filter((entry) => entry.family === family)
        // Every address, not only the first: the socket may try any of them (happy eyeballs).
        for (const { address } of addresses) {
          const refused = refusedAddress(address, allowPrivate)
          if (refused !== null) return callback(refused, '')
        }
        const first = addresses[0]
        if (first === undefined) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '')
        if (options.all) callback(null, addresses)
        else callback(null, first.address, first.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    )
  }
}

/** Why `url` may not be connected to at all, whatever DNS says: a scheme, a port or an IP literal. */
function refusedTarget(url: URL, allowPrivate: boolean): RefusedError | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return new RefusedError(FAILURE.refused, `scheme ${url.protocol}`)
  if (url.port !== '' && isBadPort(Number(url.port))) return new RefusedError(FAILURE.badPort, `port ${url.port}`)
  // A socket given an IP address never calls `lookup`, so literals are checked here.
  const ip = ipLiteral(url.hostname)
  return ip === null ? null : refusedAddress(ip, allowPrivate)
}

export function send(request: SendRequest): Promise<SendResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const failed = (error: unknown): SendResult => ({ stopped: false, statusCode: null, durationMs: elapsed(), ...failure(error) })
  if (request.stop?.aborted) return Promise.resolve({ stopped: true })
  let url: URL
  try {
    url = new URL(request.url)
  } catch (error) {
    return Promise.resolve(failed(error))
  }
  const refused = refusedTarget(url, request.allowPrivate)
  if (refused !== null) return Promise.resolve(failed(refused))

  return new Promise<SendResult>((settle) => {
    let settled = false
    // Set once the status line arrived: from then on the status decides the outcome, whatever
    // happens to the body (a stall, a reset, the timeout, a shutdown).
    let answered: { statusCode: number; error: string | null } | null = null
    let req: ClientRequest | undefined
    const timer = setTimeout(() => req?.destroy(new TimeoutError()), request.timeoutMs)
    const onStop = () => req?.destroy(new StoppedError())
    request.stop?.addEventListener('abort', onStop, { once: true })
    const conclude = (error: unknown) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.stop?.removeEventListener('abort', onStop)
      req?.destroy()
      if (answered !== null) settle({ stopped: false, ...answered, durationMs: elapsed() })
      else if (error instanceof StoppedError) settle({ stopped: true })
      else if (error instanceof TimeoutError) {
        settle({ stopped: false, statusCode: null, durationMs: elapsed(), error: `timed out after ${request.timeoutMs} ms`, cause: 'timeout' })
      } else settle(failed(error))
    }
    try {
      const call = url.protocol === 'https:' ? httpsRequest : httpRequest
      // A connection of its own each time (agent: false): the address it reaches is the one
      // just checked, and no socket idles between deliveries.
      req = call(url, {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup: guardedLookup(request.resolve ?? systemResolve, request.allowPrivate),
        agent: false,
      })
    } catch (error) {
      return conclude(error)
    }
    req.on('error', conclude)
    req.on('response', (response) => {
      const status = response.statusCode ?? 0
      answered = { statusCode: status, error: statusError(status) }
      // The body is read only so the receiver can finish its answer, within the same timeout.
      let read = 0
      const done = () => conclude(null)
      response.on('data', (chunk: Buffer) => {
        read += chunk.byteLength
        if (read >= MAX_RESPONSE_BYTES) done()
      })
      response.on('end', done)
      response.on('error', done)
      response.on('close', done)
    })
    req.end(request.body)
  })
}
