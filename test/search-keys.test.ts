// Search answers carry a key per term they look up, and a save logs the keys of the terms it
// changes (src/articles/search-keys.ts). The terms are FTS5's own: the JS tokenizer
// (src/text/fts-terms.ts) is checked here against the search index on random text.
import fc from 'fast-check'
import t from 'tap'
import { openDatabase } from '../src/db/client.js'
import { ftsTerms } from '../src/text/fts-terms.js'
import { FUZZ_RUNS } from './reliability-support.js'

/** Characters where tokenizers disagree: accents precomposed and combining, scripts, emoji old and new, marks, spaces. */
const tricky = [
  ...'aZ09_-.\'"*:()^+ \t\n\0',
  ...'éÉèçÇñÑøØåÅßẞæÆœŒłŁđĐıİǅǄǆſﬁﬀ',
  '\u0301', '\u0300', '\u0308', '\u0327', '\u0332', '\u0345', '\u0483', '\u05B0', '\u093F', '\u200D', '\uFE0F', '\u200B', '\u00AD',
  ...'ΑαΣσςΩώΆЁёЙйЖжѢѣԱաႠⴀ',
  ...'東京都한국어ひらがなカタカナｶﾀｶﾅＡＢｃ１２３٣۴߁०१',
  ...'😀🧡👍🏽🇫🇷☃★™©½²ⅫⅻⓐⒶ€$£¥',
  '\uE000', '\u{F0000}', '\u0378', '\u{E0001}', '\u{1D400}', '\u{10400}', '\u{10428}', '\u{20000}', '\u{30000}', '\uFFFD', '\uFFFF',
  '\uD800', '\uDC00',
]

const text = fc
  .array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...tricky) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) }, { weight: 2, arbitrary: fc.constantFrom(' ', 'ab', 'Über') }), {
    maxLength: 40,
  })
  .map((chars) => chars.join(''))

t.test('the JS tokenizer makes the terms the search index makes, in order', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  // Each column the way the index tokenizes it: the real table (migrations/0001_search.sql).
  const insert = db.$client.prepare("INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags) VALUES (?, ?, '', '', '', '')")
  const termsOf = db.$client.prepare<[number], string>('SELECT term FROM articles_fts_instances WHERE doc = ? ORDER BY "offset"').pluck()
  let rowid = 0
  const agree = (value: string) => {
    insert.run(++rowid, value)
    t.same(ftsTerms(value), termsOf.all(rowid), JSON.stringify(value))
  }
  for (const value of ['Médellín 2024', 'naïve CAFÉ', 'e\u0301te\u0301', '\u0301e', 'ﬁre', '🧡love😀', 'Straße İstanbul', 'x\u0378y', '東京 都', '']) agree(value)
  let disagreements = 0
  fc.assert(
    fc.property(text, (value) => {
      insert.run(++rowid, value)
      const expected = termsOf.all(rowid)
      const actual = ftsTerms(value)
      if (JSON.stringify(actual) !== JSON.stringify(expected)) disagreements++
      return JSON.stringify(actual) === JSON.stringify(expected)
    }),
    { numRuns: FUZZ_RUNS * 50 },
  )
  t.equal(disagreements, 0, 'no random text is tokenized differently')
})
