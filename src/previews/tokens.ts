// Preview tokens: 256 random bits, base64url (43 characters), shown once; only their SHA-256 is
// stored. At that size guessing is hopeless whatever the rate, so the lookup needs no rate limit,
// and comparing hashes needs no constant-time compare (a guess's hash reveals nothing stored).
import { createHash, randomBytes } from 'node:crypto'

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function newPreviewToken(): string {
  return randomBytes(32).toString('base64url')
}

export function hashPreviewToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** A URL path with any preview token in it replaced, for logs: the token opens a draft. */
export function redactPreviewToken(url: string): string {
  return url.replace(/(\/v1\/preview\/)[^/?#]+/g, '$1[redacted]')
}
