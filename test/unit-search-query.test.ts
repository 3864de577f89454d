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
