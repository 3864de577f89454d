// Which URLs a webhook may target: absolute http(s), and, when the host is an IP address, one that
// src/webhooks/address-policy.ts allows. A host name is checked again, after DNS, at every
// delivery (src/webhooks/send.ts): what it resolves to today says nothing about tomorrow.
import { ipLiteral, isLoopbackName, refusingRule } from './address-policy.js'

const ALLOW_HINT = ' unless WEBHOOK_ALLOW_PRIVATE=true'

/** Why a target URL is refused, or null when it is fine. */
export function targetUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'must be an absolute http or https URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https'
  if (url.hostname === '') return 'must name a host'
  // A receiver that wants a secret can check the signature instead; credentials in a URL leak into logs.
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password'
  // The URL parser has already turned 127.1, 2130706433 and 0x7f000001 into 127.0.0.1.
  const host = url.hostname
  const ip = ipLiteral(host)
  if (ip !== null) {
    const rule = refusingRule(ip, allowPrivate)
    if (rule !== null) return `must not target ${rule.name} (${host})${rule.private ? ALLOW_HINT : ''}`
  } else if (!allowPrivate && isLoopbackName(host)) {
    return `must not target a loopback address (${host})${ALLOW_HINT}`
  }
  return null
}
