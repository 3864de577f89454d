// Opaque keyset cursors: the sort values of the last item of a page, base64url-encoded JSON.
// A cursor that does not decode to the expected shape is a 400, never a 500.
import { invalidField } from './problems.js'

type CursorValue = string | number | null

export function encodeCursor(values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url')
}

/** Decodes a cursor into values whose JavaScript types match `shape` ('string' | 'number' | 'string?' for nullable). */
export function decodeCursor(cursor: string, shape: readonly ('string' | 'number' | 'string?')[]): CursorValue[] {
  let values: unknown
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalidField('querystring.cursor', 'is not a cursor this list made')
  }
  const fits =
    Array.isArray(values) &&
    values.length === shape.length &&
    values.every((value, i) => {
      const kind = shape[i]
      if (kind === 'string?') return value === null || typeof value === 'string'
      return kind === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === kind
    })
  if (!fits) throw invalidField('querystring.cursor', 'is not a cursor this list made')
  return values as CursorValue[]
}

/** Takes `limit + 1` rows and returns the page and the cursor to the next one. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (last: T) => readonly CursorValue[]) {
  const hasMore = rows.length > limit
  const data = hasMore ? rows.slice(0, limit) : rows
  const last = data[data.length - 1]
  return { data, nextCursor: hasMore && last !== undefined ? encodeCursor(cursorOf(last)) : null }
}
