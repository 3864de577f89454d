// What a reader types becomes a safe FTS5 query: every word quoted, the last one a prefix.
import Database from 'better-sqlite3'
import fc from 'fast-check'
import t from 'tap'
import { toFtsQuery } from '../src/articles/search.js'

t.test('words are quoted and the last one is a prefix', async (t) => {
  t.equal(toFtsQuery('flood'), '"flood"*')
  t.equal(toFtsQuery('river flood warning'), '"river" "flood" "warning"*')
  t.equal(toFtsQuery('  Medellín  '), '"Medellín"*')
})

t.test('FTS syntax is searched for as text', async (t) => {
  t.equal(toFtsQuery('NEAR(river flood)'), '"NEAR" "river" "flood"*')
  t.equal(toFtsQuery('title:budget'), '"title" "budget"*')
  t.equal(toFtsQuery('budget OR tax NOT vote'), '"budget" "OR" "tax" "NOT" "vote"*')
  t.equal(toFtsQuery('"unclosed quote'), '"unclosed" "quote"*')
  t.equal(toFtsQuery('tax*'), '"tax"*')
  t.equal(toFtsQuery('^start +plus -minus {col}'), '"start" "plus" "minus" "col"*')
})

t.test('nothing to search for is null', async (t) => {
  for (const q of ['"', '*', '   ', '()', '-', ':', '""']) t.equal(toFtsQuery(q), null, JSON.stringify(q))
})

t.test('long queries keep a bounded number of words', async (t) => {
  const query = toFtsQuery(Array.from({ length: 50 }, (_, i) => `w${i}`).join(' '))!
  t.ok(query.split(' ').length <= 12)
})

t.test('whatever is typed, SQLite accepts the query', async (t) => {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  sqlite.exec("CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')")
  sqlite.prepare('INSERT INTO f (title, body) VALUES (?, ?)').run('Crónica de Medellín', 'the river rose')
  const search = sqlite.prepare('SELECT rowid FROM f WHERE f MATCH ?')
  t.equal(search.all(toFtsQuery('medellin')!).length, 1, 'diacritics are folded')
  t.equal(search.all(toFtsQuery('MEDELLÍN')!).length, 1, 'case and accents in the query too')
  t.equal(search.all(toFtsQuery('riv')!).length, 1, 'the last word is a prefix')
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (q) => {
      const query = toFtsQuery(q)
      if (query !== null) search.all(query)
    }),
    { numRuns: 1000 },
  )
  for (const q of ['"', '*', 'NEAR(', 'title:', 'a AND', 'OR', '(x', 'x)', "'; DROP TABLE f; --", '\u0000']) {
    const query = toFtsQuery(q)
    if (query !== null) t.doesNotThrow(() => search.all(query), JSON.stringify(q))
  }
})

t.test('a last word given as the terms that start with it is an OR of those terms', async (t) => {
  t.equal(toFtsQuery('river flo', () => ['flood', 'flow']), '"river" AND ("flood" OR "flow")')
  t.equal(toFtsQuery('flo', () => ['flood']), '("flood")')
  // No terms, or none said: FTS5's own prefix query.
  t.equal(toFtsQuery('river flo', () => []), '"river" "flo"*')
  t.equal(toFtsQuery('river flo', () => null), '"river" "flo"*')
})

t.test('the OR of the terms a prefix starts finds what the prefix finds', async (t) => {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  sqlite.exec("CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')")
  sqlite.exec("CREATE VIRTUAL TABLE v USING fts5vocab('f', 'row')")
  const words = ['flood', 'flow', 'floor', 'river', 'rivet', 'rive', 'council', 'county', 'court', 'cou2', 'x']
  const insert = sqlite.prepare('INSERT INTO f (title, body) VALUES (?, ?)')
  const text = fc.array(fc.constantFrom(...words), { maxLength: 6 }).map((list) => list.join(' '))
  for (const [title, body] of fc.sample(fc.tuple(text, text), { numRuns: 300, seed: 17 })) insert.run(title, body)
  const terms = sqlite.prepare<[string, string], string>('SELECT term FROM v WHERE term >= ? AND term < ?').pluck()
  const expand = (word: string) => terms.all(word.toLowerCase(), `${word.toLowerCase()}\u{10FFFF}`)
  const search = sqlite.prepare<[string], number>('SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid').pluck()
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...words, 'fl', 'FLO', 'riv', 'co', 'cou', 'z'), { minLength: 1, maxLength: 3 }), (list) => {
      const q = list.join(' ')
      const expanded = toFtsQuery(q, expand)!
      t.strictSame(search.all(expanded), search.all(toFtsQuery(q)!), `${q} → ${expanded}`)
    }),
    { numRuns: 200 },
  )
})
