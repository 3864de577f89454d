// Shared by the reliability tests (fuzz, authorization, hostile uploads): hostile inputs for
// fast-check, the problem-document check, a checksum of every stored row, and a tiny PNG.
import { createHash } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import fc from 'fast-check'
import sharp from 'sharp'
import type { Db } from '../src/db/client.js'

/**
 * Runs per property. 20 in `npm test`: enough to reach every endpoint's checks and to catch a
 * 5xx that common junk triggers, in a few seconds. `npm run test:slow` runs the same files with
 * 300 (scripts/run-tests.mjs), `npm run stress` with 1000; FUZZ_RUNS=n overrides either.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS || 20)

/** Hand-picked strings that break naive code: encodings, injection syntax, markup, sizes. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\uDBFF\uDFFF',
  '\u202Eevil\u202C',
  '\u200B\u200C\u200D\uFEFF',
  'e\u0301\u0301\u0301\u0301',
  'שלום עולם',
  '💥🧨'.repeat(50),
  "' OR 1=1 --",
  '"; DROP TABLE articles; --',
  "Robert'); DELETE FROM comments; --",
  'title:x AND NOT y*',
  'NEAR(a b, 2)',
  '"unterminated',
  '*',
  '^start',
  '(((',
  'a OR',
  '-',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '{{constructor.constructor("return process")()}}',
  '${7*7}',
  '../../../etc/passwd',
  '%00',
  '%',
  '%zz',
  'javascript:alert(1)',
  'http://',
  'https://example.com/a b',
  'file:///etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  '1e309',
  '-0',
  'NaN',
  '2022-13-45T99:99:99Z',
  'x'.repeat(10_001),
  'y'.repeat(200_000),
]

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
)

export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '$where', 'a.b', '\u0000']

/** Arbitrary JSON-ish values, nested a few levels, with hostile keys and strings. */
export const junkValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 4096, 4097, 101, -0),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })), tie('value')), { maxLength: 4 }).map(
      (entries) => new RawObject(entries),
    ),
  ),
})).value

/** An object written as raw JSON, so `__proto__` and repeated keys reach the server as sent. */
export class RawObject {
  constructor(readonly entries: [string, unknown][]) {}
}

export function toJson(value: unknown): string {
  if (value instanceof RawObject) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`
  return JSON.stringify(value) ?? 'null'
}

/**
 * A body for an endpoint whose fields are `fields`: sometimes a valid-looking base with one
 * field swapped for junk (to get past the first checks), sometimes only junk fields, sometimes
 * not an object at all, sometimes not even JSON.
 */
export function bodyFor(fields: string[], base: Record<string, unknown> = {}): fc.Arbitrary<string> {
  const fieldName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fields) }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_KEYS, 'typo') })
  const swapOne = fc.tuple(fieldName, junkValue).map(([name, value]) => toJson(new RawObject([...Object.entries(base).filter(([k]) => k !== name), [name, value]])))
  const allJunk = fc.array(fc.tuple(fieldName, junkValue), { maxLength: 6 }).map((entries) => toJson(new RawObject(entries)))
  const notJson = fc.constantFrom('', '{', '{"title":', 'null', '[]', '"x"', '1', '{"a":1}{"b":2}', '\uFEFF{}', `{"title":"${'a'.repeat(10)}"`)
  return fc.oneof({ weight: 4, arbitrary: swapOne }, { weight: 3, arbitrary: allJunk }, { weight: 1, arbitrary: junkValue.map(toJson) }, { weight: 1, arbitrary: notJson })
}

export interface ProblemCheck {
  fail: (message: string) => unknown
}

/** Never a 5xx; every 4xx a problem document. Answers whether the response was a refusal. */
export function checkResponse(t: ProblemCheck, res: LightMyRequestResponse | { statusCode: number; headers: Record<string, unknown>; body: string }, label: string): boolean {
  if (res.statusCode >= 500) {
    t.fail(`${label}: answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
    return false
  }
  if (res.statusCode < 400) return false
  const type = String(res.headers['content-type'] ?? '')
  if (!type.startsWith('application/problem+json')) {
    t.fail(`${label}: ${res.statusCode} with content-type ${type}`)
    return true
  }
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(res.body) as Record<string, unknown>
  } catch {
    t.fail(`${label}: ${res.statusCode} body is not JSON`)
    return true
  }
  const shaped =
    typeof doc.type === 'string' && typeof doc.title === 'string' && doc.status === res.statusCode && typeof doc.detail === 'string'
  if (!shaped) t.fail(`${label}: problem document lacks type/title/status/detail: ${res.body.slice(0, 300)}`)
  if (/\bat .+\.(ts|js):\d+|SqliteError|SQLITE_|SELECT |INSERT /.test(res.body)) t.fail(`${label}: internals in the problem: ${res.body.slice(0, 300)}`)
  return true
}

/** A checksum of every row of every table: equal before and after means nothing was stored. */
/** Tables that change with the clock, not with requests: the background lease is renewed every 2 s. */
const CLOCK_TABLES = new Set(['leases'])

export function dataChecksum(db: Db): string {
  const sqlite = db.$client
  const tables = (
    sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[]
  ).filter((name) => !CLOCK_TABLES.has(name))
  const hash = createHash('sha256')
  for (const table of tables) {
    hash.update(table)
    for (const row of sqlite.prepare(`SELECT * FROM "${table}"`).raw().iterate()) {
      hash.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('hex') : v)))
    }
  }
  return hash.digest('hex')
}

/** A small real PNG; `seed` changes its colour so each one has different bytes. */
export async function tinyPng(seed = 0, size = 8): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: seed % 256, g: (seed >> 8) % 256, b: 77 } } })
    .png()
    .toBuffer()
}

/** A multipart/form-data body by hand, so tests control every byte (file names included). */
export function multipart(parts: { name: string; filename?: string; contentType?: string; data: Buffer | string }[]) {
  const boundary = `----cmsboundary${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`
    if (part.filename !== undefined) head += `; filename="${part.filename}"`
    head += '\r\n'
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data, 'utf8'), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** Percent-encodes every UTF-8 byte (unlike encodeURIComponent, never throws on a lone surrogate). */
export function pct(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')
}
