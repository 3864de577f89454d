// API key secrets: random, shown once, stored only as a SHA-256 hash. A lookup by hash needs
// no constant-time compare: the hash of a guess reveals nothing about a stored secret.
import { createHash, randomBytes } from 'node:crypto'

export function newToken(): string {
  return `cms_${randomBytes(32).toString('base64url')}`
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}
