// Which URLs a webhook may target: absolute http(s) only, the kind global fetch can POST to.
// Loopback and private addresses stay allowed: only admins add webhooks, and receivers on the
// same host or network (a cache purger, a build hook) are a common setup.

/** Why a target URL is refused, or null when it is fine. */
export function targetUrlProblem(raw: string): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'must be an absolute http or https URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https'
  if (url.hostname === '') return 'must name a host'
  // fetch refuses URLs with credentials; a receiver that wants them can check the signature instead.
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password'
  return null
}
