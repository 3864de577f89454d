// Absolute links (`url` fields, Location, webhook events) start from PUBLIC_URL, or from the
// request's own host when that host is one the operator allows (ALLOWED_HOSTS). With neither
// set, any Host header a client sends would end up in links that others are served, so the
// service says so at start (see server.ts) and takes the request's host as it is.

export interface BaseUrlPolicy {
  publicUrl: string | null
  /** Lower-case `host` or `host:port` names this service answers to; empty: any. */
  allowedHosts: readonly string[]
}

/** The base URL for a request that came in over `protocol` with this Host header. */
export function baseFor(protocol: string, host: string | undefined, policy: BaseUrlPolicy): string {
  if (policy.publicUrl !== null) return policy.publicUrl
  const { allowedHosts } = policy
  if (allowedHosts.length === 0) return `${protocol}://${host ?? 'localhost'}`
  // A host that is not allowed gets the first allowed one: a link never names a stranger's host.
  const named = host?.toLowerCase()
  return `${protocol}://${named !== undefined && allowedHosts.includes(named) ? named : allowedHosts[0]}`
}

export function baseUrl(request: { protocol: string; host: string }, policy: BaseUrlPolicy): string {
  return baseFor(request.protocol, request.host, policy)
}
