// Keyset cursors: opaque, round-trip exactly, and anything else is a 400 problem.
import t from 'tap'
import { decodeCursor, encodeCursor, toPage } from '../src/http/cursor.js'
import { Problem } from '../src/http/problems.js'

t.test('a cursor round-trips its values', async (t) => {
  const values = ['2026-01-09T10:00:00.000Z', 42]
  const cursor = encodeCursor(values)
  t.match(cursor, /^[A-Za-z0-9_-]+$/, 'URL-safe')
  t.same(decodeCursor(cursor, ['string', 'number']), values)
  t.same(decodeCursor(encodeCursor([-1.2345678901234567, 3]), ['number', 'number']), [-1.2345678901234567, 3], 'floats exactly')
  t.same(decodeCursor(encodeCursor([null, 'x']), ['string?', 'string']), [null, 'x'])
})

t.test('anything but a cursor of the expected shape is a 400', async (t) => {
  const bad = [
    'not a cursor',
    '!!!',
    '',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["x"]').toString('base64url'),
    Buffer.from('["x",1,2]').toString('base64url'),
    Buffer.from('["x","1"]').toString('base64url'),
    Buffer.from('[null,1]').toString('base64url'),
    Buffer.from('["x",1e999]').toString('base64url'),
    Buffer.from('null').toString('base64url'),
  ]
  for (const cursor of bad) {
    let error: unknown
    try {
      decodeCursor(cursor, ['string', 'number'])
    } catch (caught) {
      error = caught
    }
    t.type(error, Problem, JSON.stringify(cursor))
    t.equal((error as Problem).status, 400)
    t.same((error as Problem).errors?.map((e) => e.path), ['querystring.cursor'])
  }
})

t.test('toPage takes limit + 1 rows and points past the last one kept', async (t) => {
  const rows = [1, 2, 3, 4].map((n) => ({ n }))
  const full = toPage(rows, 3, (last) => [last.n])
  t.same(full.data, rows.slice(0, 3))
  t.same(decodeCursor(full.nextCursor!, ['number']), [3])
  const last = toPage(rows.slice(0, 3), 3, (row) => [row.n])
  t.equal(last.nextCursor, null, 'no further page')
  t.same(toPage([], 3, () => []), { data: [], nextCursor: null })
})
