// How long a client may take and how much it may send: the server's limits, kept apart from
// app.ts (which passes them to Fastify) so that file stays short.

/**
 * How long a client may take, so that slow or idle clients (slowloris) cannot hold sockets:
 * headers must arrive within `headersTimeoutMs`, the whole request (a 25 MiB upload included)
 * within `requestTimeoutMs`, and a socket idle for `idleTimeoutMs` is closed. Keep-alive
 * outlasts the 60 s idle timeout of common load balancers, so they never reuse a closed socket.
 */
export interface ServerLimits {
  headersTimeoutMs: number
  requestTimeoutMs: number
  idleTimeoutMs: number
  keepAliveTimeoutMs: number
  maxRequestsPerSocket: number
  maxHeaderBytes: number
  /** How often Node checks the headers and request timeouts (its default is 30 s). */
  timeoutCheckMs: number
}

export const SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 300_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 72_000,
  maxRequestsPerSocket: 1000,
  maxHeaderBytes: 16 * 1024,
  timeoutCheckMs: 5_000,
})

/** The limits as Fastify's server options. */
export function serverOptions(limits: ServerLimits) {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      connectionsCheckingInterval: limits.timeoutCheckMs,
    },
  }
}
