// Ids: lower-case ULIDs. Ten characters of time (milliseconds since 1970) and sixteen of
// randomness (80 bits, never guessable), in Crockford's base32. New ids sort after older ones,
// so a new row lands at the end of its primary key and of every index that holds an id instead
// of on a random page: with random ids each comment dirtied four index pages of its own (its
// key, the repeat index, its audit row's key and comment index) and a batch of comments wrote
// a hundred pages to the WAL; now a batch shares a few.
import { randomFillSync } from 'node:crypto'

/** Crockford's base32, lower case. */
export const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

/** Random bytes are drawn 4 KiB at a time: one call to the generator per 400 ids, not per id. */
const POOL_BYTES = 4096
const RANDOM_BYTES = 10
const pool = Buffer.alloc(POOL_BYTES)
let used = POOL_BYTES

/** An id's first ten characters: `ms` in base32, so that ids sort by the time they were made. */
export function timePrefix(ms: number): string {
  let id = ''
  for (let i = 0; i < 10; i++) {
    id = ID_ALPHABET[ms % 32]! + id
    ms = Math.floor(ms / 32)
  }
  return id
}

export function newId(): string {
  let id = timePrefix(Date.now())
  if (used + RANDOM_BYTES > POOL_BYTES) {
    randomFillSync(pool)
    used = 0
  }
  let bits = 0
  let value = 0
  for (let i = used; i < used + RANDOM_BYTES; i++) {
    value = ((value << 8) | pool[i]!) & 0xfff
    bits += 8
    while (bits >= 5) {
      id += ID_ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  used += RANDOM_BYTES
  return id
}

export function now(): string {
  return new Date().toISOString()
}
