// Sending stored bytes over HTTP: a strong ETag and 304, single byte ranges (206, 416), and
// caching for a year, since the bytes behind a file URL never change.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { notFound, Problem } from '../http/problems.js'
import { contentDisposition } from './filename.js'

export const IMMUTABLE = 'public, max-age=31536000, immutable'

export interface FileToSend {
  path: string
  /** Quoted strong ETag. */
  etag: string
  mimeType: string
  filename: string
}

export type ByteRange = { start: number; end: number }

/**
 * One `bytes=` range of a file of `size` bytes. null means "send it all": no header, one that
 * does not parse, or several ranges (which a server may ignore, and which no player needs).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined) return null
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (!match) return null
  const [, first, last] = match as unknown as [string, string, string]
  if (first === '' && last === '') return null
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last)
    if (length === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - length), end: size - 1 }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start) return null
  if (start >= size) return 'unsatisfiable'
  const end = last === '' ? size - 1 : Number(last)
  return { start, end: Math.min(end, size - 1) }
}

/** Whether If-None-Match names this ETag (weak comparison, as RFC 9110 says for it). */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => opaque(tag) === opaque(etag))
}

export async function sendFile(request: FastifyRequest, reply: FastifyReply, file: FileToSend): Promise<FastifyReply> {
  const info = await stat(file.path).catch(() => null)
  if (!info) {
    // The row is there but the bytes are not: someone removed them from MEDIA_DIR by hand.
    request.log.error({ path: file.path }, 'media bytes missing on disk')
    throw notFound('media file')
  }
  const size = info.size
  const cacheHeaders = { etag: file.etag, 'cache-control': IMMUTABLE, 'accept-ranges': 'bytes' }
  if (noneMatchHits(request.headers['if-none-match'], file.etag)) return reply.code(304).headers(cacheHeaders).send()

  // If-Range with another ETag: the client's partial copy is stale, so it gets everything.
  const ifRange = request.headers['if-range']
  const range = ifRange === undefined || ifRange === file.etag ? parseRange(request.headers.range, size) : null
  if (range === 'unsatisfiable') {
    throw new Problem(416, 'range-not-satisfiable', 'Range Not Satisfiable', `The file has ${size} bytes; the range asks for none of them.`, undefined, {
      'content-range': `bytes */${size}`,
    })
  }
  reply.headers(cacheHeaders)
  reply.header('content-type', file.mimeType)
  reply.header('content-disposition', contentDisposition(file.filename))
  // The type was read from the bytes; browsers must not guess another one.
  reply.header('x-content-type-options', 'nosniff')
  const { start, end } = range ?? { start: 0, end: size - 1 }
  reply.header('content-length', end - start + 1)
  if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`)
  // Fastify's HEAD route keeps Content-Length for a stream, which it drains: give it an empty one.
  if (request.method === 'HEAD' || size === 0) return reply.send(Readable.from([]))
  return reply.send(createReadStream(file.path, { start, end }))
}
