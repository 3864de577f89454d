// A page of the list read with its stored renders in one statement (src/renders/store.ts): its
// row taken apart into the page's articles and their bytes, and the document made of them, whole
// when every render was found in order and part by part otherwise. The statement itself is
// checked by the plan test (query-plans) and, end to end, by the stored-renders property test.
import t from 'tap'
import { framed, type MadePart, storedPage, storedPageParts } from '../src/renders/store.js'

/** The row the page statement gives for these articles (render null: none stored), joined by `separator`. */
function rowOf(articles: { id: string; sortAt: string; seq: number; updatedAt?: string; body: string | null }[], separator: string) {
  const found = articles.filter((article) => article.body !== null)
  return {
    bodies: found.length === 0 ? null : Buffer.from(found.map((article) => article.body).join(separator)),
    index: articles
      .map(({ id, sortAt, seq, updatedAt, body }) =>
        [id, sortAt, seq, updatedAt ?? '', body === null ? '' : Buffer.byteLength(body), body === null ? '' : `etag-${id}`, body === null ? '' : `media-${id}`].join('\t'),
      )
      .join('\n'),
  }
}

const FRAME = { open: '{"data":[', separator: ',', close: ']}' }
const page = { kind: 'summary', base: 'https://news.example', since: 0 }
const made = (missing: string[]): MadePart[] => missing.map((id) => ({ articleId: id, body: `{"made":"${id}"}`, keys: [`article-${id}`] }))
const never = (): MadePart[] => {
  throw new Error('nothing was missing')
}

t.test('a page whose renders were all found is sent as the bytes read, cut to its length', async (t) => {
  const articles = [
    { id: 'c', sortAt: '2026-03-03', seq: 3, updatedAt: '2026-04-01', body: '{"title":"Ñandú sighted near the dam"}' },
    { id: 'b', sortAt: '2026-03-02', seq: 2, body: '{"title":"Tram line opens"}' },
    { id: 'a', sortAt: '2026-03-02', seq: 1, body: '{"title":"Vote on the budget"}' },
  ]
  const stored = storedPage(rowOf(articles, ','), ',')
  t.same(
    stored.entries.map(({ id, seq, updatedAt, render }) => ({ id, seq, updatedAt, body: render?.body.toString() })),
    articles.map(({ id, seq, updatedAt, body }) => ({ id, seq, updatedAt: updatedAt ?? null, body })),
    'each article with its own bytes (multi-byte text counted in bytes)',
  )
  // The list reads one more than it shows (to know whether a next page exists).
  const parts = storedPageParts(null, page, stored, 2, never)
  t.equal(parts.joined?.bytes.toString(), `${articles[0]!.body},${articles[1]!.body}`, 'the third and its separator are cut off')
  t.same(parts.digests, ['etag-c', 'etag-b'])
  t.same(parts.keys, [['media-c'], ['media-b']])
  const whole = framed(FRAME, parts)
  t.equal(whole.toString(), framed(FRAME, { ...parts, joined: null }).toString(), 'the same document as one made part by part')
  t.same(JSON.parse(whole.toString()).data.map((item: { title: string }) => item.title), ['Ñandú sighted near the dam', 'Tram line opens'])
})

t.test('a page with a render missing is made part by part, the missing one made in its place', async (t) => {
  const articles = [
    { id: 'c', sortAt: '2026-03-03', seq: 3, body: '{"n":3}' },
    { id: 'b', sortAt: '2026-03-02', seq: 2, body: null },
    { id: 'a', sortAt: '2026-03-01', seq: 1, body: '{"n":1}' },
  ]
  const asked: string[][] = []
  const parts = storedPageParts(null, page, storedPage(rowOf(articles, ','), ','), 3, (missing) => {
    asked.push(missing)
    return made(missing)
  })
  t.same(asked, [['b']], 'only the missing one is made')
  t.equal(parts.joined, null)
  t.equal(framed(FRAME, parts).toString(), '{"data":[{"n":3},{"made":"b"},{"n":1}]}')
})

t.test('rows that come out of the list order are put back in it, and the document is made part by part', async (t) => {
  const articles = [
    { id: 'a', sortAt: '2026-03-01', seq: 1, body: '<item>a</item>' },
    { id: 'c', sortAt: '2026-03-03', seq: 3, body: '<item>c</item>' },
    { id: 'b', sortAt: '2026-03-01', seq: 2, body: '<item>b</item>' },
  ]
  const stored = storedPage(rowOf(articles, ''), '')
  t.same(stored.entries.map((entry) => entry.id), ['c', 'b', 'a'], 'newest first, then the higher number')
  t.equal(stored.joined, null, 'the bytes as read are not the page')
  const parts = storedPageParts(null, { ...page, kind: 'rss-item' }, stored, 3, never)
  t.equal(framed({ open: '<channel>', separator: '', close: '</channel>' }, parts).toString(), '<channel><item>c</item><item>b</item><item>a</item></channel>')
})

t.test('bytes joined with another separator than the document wants are not used whole', async (t) => {
  const articles = [
    { id: 'b', sortAt: '2026-03-02', seq: 2, body: '{"n":2}' },
    { id: 'a', sortAt: '2026-03-01', seq: 1, body: '{"n":1}' },
  ]
  const parts = storedPageParts(null, page, storedPage(rowOf(articles, ''), ''), 2, never)
  t.equal(parts.joined?.bytes.toString(), '{"n":2}{"n":1}')
  t.equal(framed(FRAME, parts).toString(), '{"data":[{"n":2},{"n":1}]}')
})

t.test('lengths that do not add up to the bytes read are not trusted: every part is made again', async (t) => {
  const articles = [
    { id: 'b', sortAt: '2026-03-02', seq: 2, body: '{"n":2}' },
    { id: 'a', sortAt: '2026-03-01', seq: 1, body: '{"n":1}' },
  ]
  const row = rowOf(articles, ',')
  const stored = storedPage({ ...row, bodies: Buffer.from('{"n":2}{"n":1}') }, ',')
  t.same(stored.entries.map((entry) => entry.render), [null, null])
  const parts = storedPageParts(null, page, stored, 2, made)
  t.equal(framed(FRAME, parts).toString(), '{"data":[{"made":"b"},{"made":"a"}]}')
})

t.test('an empty page', async (t) => {
  const stored = storedPage({ bodies: null, index: null }, ',')
  t.same(stored.entries, [])
  const parts = storedPageParts(null, page, stored, 20, never)
  t.equal(framed(FRAME, parts).toString(), '{"data":[]}')
  t.same(storedPage(undefined, ',').entries, [])
})
