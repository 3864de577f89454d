// Standard Webhooks signing: `whsec_` secrets and the `webhook-signature` header, an HMAC-SHA256
// over "{id}.{timestamp}.{body}" keyed with the secret's bytes (https://www.standardwebhooks.com).
import { createHmac, randomBytes } from 'node:crypto'

const PREFIX = 'whsec_'

/** A fresh signing secret: 32 random bytes, inside the 24-to-64-byte range the standard asks for. */
export function newSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`
}

/** The base64 HMAC-SHA256 of one message, keyed with the bytes after `whsec_`. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64')
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')
}

/**
 * The `webhook-signature` value: one space-separated `v1,<signature>` per secret, so that while
 * a rotated-out secret is still honoured, receivers holding either one can verify.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${sign(secret, id, timestamp, body)}`).join(' ')
}
