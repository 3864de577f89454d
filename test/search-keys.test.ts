// Search answers carry a key per term they look up, and a save logs the keys of the terms it
// changes (src/articles/search-keys.ts). The terms are FTS5's own: the JS tokenizer
// (src/text/fts-terms.ts) is checked here against the search index on random text.
import fc from 'fast-check'
import t from 'tap'
import type { StoredArticle } from '../src/articles/schemas.js'
import { searchColumns, searchEditKeys, searchQueryKeys } from '../src/articles/search-keys.js'
import { keyPart } from '../src/http/surrogate-keys.js'
import { openDatabase } from '../src/db/client.js'
import { ftsTerms } from '../src/text/fts-terms.js'
import { auth, createArticle, makeApp } from './helpers.js'
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
    t.same(ftsTerms(value), termsOf.all(rowid), value.length > 40 ? `${value.slice(0, 3)}… (${value.length} characters)` : JSON.stringify(value))
  }
  for (const value of ['Médellín 2024', 'naïve CAFÉ', 'e\u0301te\u0301', '\u0301e', 'ﬁre', '🧡love😀', 'Straße İstanbul', 'x\u0378y', '東京 都', '']) agree(value)
  // FTS5 keeps a term's first 32,768 bytes, here inside a character.
  for (const value of ['a'.repeat(33_000), '東'.repeat(11_000)]) agree(value)
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

t.test('a search names each word as the index folds it, the last by its first three characters', async (t) => {
  t.same(searchQueryKeys('Médellín budget'), ['articles-search', 'search-medellin', 'search-prefix-bud'])
  t.same(searchQueryKeys('"NEAR(council" vote*'), ['articles-search', 'search-near', 'search-council', 'search-prefix-vot'], 'FTS syntax is only text')
  t.same(searchQueryKeys('東京都'), ['articles-search', `search-prefix-${keyPart('東京都')}`], 'other scripts in hex')
  t.equal(searchQueryKeys('東京'), null, 'a prefix shorter than three characters has no key of its own')
  t.equal(searchQueryKeys('budget ab'), null)
  t.same(searchQueryKeys('!!!'), ['articles-search'], 'no word: an answer nothing changes')
})

t.test('a save names the terms it adds or removes in any column, and only for published stories', async (t) => {
  const story: StoredArticle = {
    ...({} as StoredArticle),
    status: 'published',
    title: 'Harbour <em>cranes</em>',
    subtitle: '',
    summary: '',
    body: [{ type: 'paragraph', text: 'The quay was rebuilt.' }],
    tags: ['Port'],
  }
  const keys = (after: Partial<StoredArticle>, before = story) => searchEditKeys(before, { ...before, ...after }).sort()
  t.same(keys({ title: 'Harbour cranes replaced' }), ['search-prefix-rep', 'search-replaced'], 'a word added; markup is not text')
  t.same(keys({ title: 'HARBOUR cranes' }), [], 'case is not a change')
  t.same(keys({ tags: ['port', 'Ports'] }), ['search-ports', 'search-prefix-por'], 'tags are searched')
  t.same(
    keys({ title: 'Harbour cranes on the quay', body: [{ type: 'paragraph', text: 'Rebuilt.' }] }),
    ['search-on', 'search-prefix-qua', 'search-prefix-the', 'search-prefix-was', 'search-quay', 'search-the', 'search-was'],
    'quay and the moved from body to title, on added, was gone; rebuilt stays (a two-letter term has no prefix key)',
  )
  t.same(keys({ title: 'New' }, { ...story, status: 'draft' }), [], 'a draft logs nothing')
  t.same(keys({ title: 'New', status: 'draft' }), [], 'nor does unpublishing (it logs `articles`)')
  t.same(keys({ body: [{ type: 'paragraph', text: Array.from({ length: 250 }, (_, i) => `w${i}`).join(' ') }] }), ['articles-search'], 'a rewrite: every search')
})

t.test('the keys are computed from the text the search row holds', async (t) => {
  const ta = await makeApp(t)
  const article = await createArticle(ta, {
    title: 'Tide <em>tables</em>',
    subtitle: 'For the <b>summer</b>',
    summary: 'Low & high',
    body: [
      { type: 'paragraph', text: 'The <a href="https://example.com">harbour</a> office.' },
      { type: 'quote', text: 'Plan ahead', attribution: 'The harbourmaster' },
      { type: 'list', style: 'bulleted', items: ['Neap', 'Spring'] },
    ],
    tags: ['Tides', 'Coast path'],
  })
  const row = ta.app.db.$client
    .prepare('SELECT title, subtitle, summary, body, tags FROM articles_fts WHERE rowid = (SELECT seq FROM articles WHERE id = ?)')
    .raw()
    .get(article.id)
  const stored = ta.app.db.$client.prepare('SELECT title, subtitle, summary, body, tags FROM articles WHERE id = ?').get(article.id) as Record<string, string>
  t.same(searchColumns({ ...stored, body: JSON.parse(stored.body!), tags: JSON.parse(stored.tags!) } as never), row, 'as derived-rows.ts writes it')
})

// Words that share prefixes, fold together (case, accents) or not, and scripts without spaces.
const WORDS = ['ferry', 'ferries', 'Ferryman', 'harbour', 'harbor', 'quay', 'Quays', 'Médellín', 'medellin', 'crane', 'cranes', 'naïve', '東京', '東京都', 'über', '2024', 'ha']
const QUERIES = ['ferry', 'fer', 'harbour quay', 'quay harbour', 'medel', 'crane', 'naive', '東京都', 'ha', '2024 crane', 'uber ferryman']
const phrase = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }).map((words) => words.join(' '))
const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ story: fc.nat(2), field: fc.constantFrom('title', 'subtitle', 'summary', 'body', 'tags'), text: phrase }) },
  { weight: 1, arbitrary: fc.record({ story: fc.nat(2), field: fc.constantFrom('publish', 'unpublish'), text: fc.constant('') }) },
)

t.test('no cached search is stale after any edit (random edits, random words)', async (t) => {
  const ta = await makeApp(t)
  const stories: string[] = []
  for (const title of ['Ferry harbour', 'Quay crane', 'Médellín 2024']) stories.push((await createArticle(ta, { title }, { published: true })).id)
  const urls = QUERIES.flatMap((q) => [`/v1/articles?q=${encodeURIComponent(q)}`, `/v1/articles?limit=1&q=${encodeURIComponent(q)}`])
  const page = (res: { json(): unknown }) => {
    const { data, nextCursor } = res.json() as { data: { id: string; title: string; subtitle: string }[]; nextCursor: string | null }
    return { shown: data.map((a) => [a.id, a.title, a.subtitle]), more: nextCursor !== null }
  }
  let checked = 0
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 3 }), async (ops) => {
      for (const url of urls) await ta.app.inject({ url }) // cached now
      for (const { story, field, text } of ops) {
        const id = stories[story]!
        if (field === 'publish' || field === 'unpublish') {
          await ta.app.inject({ method: 'POST', url: `/v1/articles/${id}/${field}`, headers: auth(ta.editor) })
        } else {
          const value = field === 'body' ? [{ type: 'paragraph', text }] : field === 'tags' ? text.split(' ') : text
          const res = await ta.app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: auth(ta.editor), payload: { [field]: value } })
          if (res.statusCode !== 200) throw new Error(`${field}: ${res.statusCode} ${res.body}`)
        }
        for (const url of urls) {
          // Staff answers are never cached: what a reader should see now.
          const fresh = page(await ta.app.inject({ url: `${url}&status=published`, headers: auth(ta.editor) }))
          const served = page(await ta.app.inject({ url }))
          if (JSON.stringify(served) !== JSON.stringify(fresh)) throw new Error(`${url} is stale after ${field} of story ${story} to ${JSON.stringify(text)}`)
          checked++
        }
      }
    }),
    { numRuns: FUZZ_RUNS },
  )
  t.ok(checked > 0, `${checked} reads matched what readers should see`)
})
