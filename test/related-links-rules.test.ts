// The pure rules of related links (URL checks, one target per list) and of suggestion terms
// (tokens, weights, the rarest-terms pick and the FTS query).
import t from 'tap'
import { checkLink, checkList, normalizeUrl } from '../src/related-links/rules.js'
import { candidateTerms, pickQueryTerms, repeatsFor, scoreTerms, tokenize, toMatchEntries } from '../src/related-links/terms.js'

t.test('normalizeUrl keeps http(s) URLs with a host, in one spelling', async (t) => {
  t.equal(normalizeUrl('HTTPS://Example.COM'), 'https://example.com/')
  t.equal(normalizeUrl('http://example.com:80/a/../b?q=1#f'), 'http://example.com/b?q=1#f')
  t.equal(normalizeUrl(' https://example.com/x '), 'https://example.com/x')
  for (const bad of ['javascript:alert(1)', 'ftp://example.com/', 'mailto:a@example.com', 'data:,x', 'file:///etc/passwd', 'https://u:p@example.com/', 'http://', '/relative', '']) {
    t.equal(normalizeUrl(bad), null, bad)
  }
  t.equal(normalizeUrl(`https://example.com/${'a'.repeat(2100)}`), null, 'too long')
})

t.test('checkLink: one target, a title for URLs, no self link', async (t) => {
  t.same(checkLink('p', { articleId: 'x' }, 'body'), { link: { articleId: 'x', url: null, title: '', key: 'article:x' } })
  t.same(checkLink('p', { url: 'https://Example.com', title: ' A  <b>title</b> ' }, 'body'), {
    link: { articleId: null, url: 'https://example.com/', title: 'A title', key: 'url:https://example.com/' },
  })
  t.match(checkLink('p', { articleId: 'p' }, 'body'), { errors: [{ path: 'body.articleId' }] })
  t.match(checkLink('p', {}, 'body'), { errors: [{ path: 'body' }] })
  t.match(checkLink('p', { articleId: 'x', url: 'https://example.com' }, 'body'), { errors: [{ path: 'body' }] })
  t.match(checkLink('p', { url: 'https://example.com' }, 'body'), { errors: [{ path: 'body.title' }] })
  t.match(checkLink('p', { url: 'ftp://example.com', title: 'x' }, 'body'), { errors: [{ path: 'body.url' }] })
  t.match(checkLink('p', { articleId: 'x', title: '<i></i>' }, 'body'), { errors: [{ path: 'body.title' }] })
})

t.test('checkList reports every bad item and every repeated target', async (t) => {
  const checked = checkList('p', [
    { articleId: 'a' },
    { url: 'https://example.com/', title: 'x' },
    { articleId: 'p' },
    { url: 'HTTPS://EXAMPLE.COM', title: 'y' },
    { articleId: 'a' },
  ])
  t.same(
    checked.errors.map((e) => e.path),
    ['body[2].articleId'],
  )
  t.same(
    checked.duplicates.map((e) => e.path),
    ['body[3]', 'body[4]'],
  )
  t.equal(checked.items.length, 5, 'one entry per input, so errors can name items')
  t.same(
    checked.links.map((l) => l.key),
    ['article:a', 'url:https://example.com/'],
  )
})

t.test('tokenize follows the index: lower case, accents folded, punctuation splits', async (t) => {
  t.same(tokenize('Flood in Medellín: the río Cauca’s banks'), ['flood', 'in', 'medellin', 'the', 'rio', 'cauca', 's', 'banks'])
  t.same(tokenize('COVID-19 2024'), ['covid', '19', '2024'])
  t.same(tokenize(''), [])
})

t.test('candidateTerms weighs title and tags above body and drops stop words', async (t) => {
  const terms = candidateTerms({
    title: 'Flood hits river town',
    subtitle: '',
    summary: '',
    body: 'The town said the water rose. The water rose again and the flood stayed.',
    tags: 'weather',
  })
  const weight = Object.fromEntries(terms.map((x) => [x.term, x.weight]))
  t.equal(weight.flood, 4, 'title 3 + body 1')
  t.equal(weight.weather, 3)
  t.equal(weight.water, 2)
  t.notOk('the' in weight || 'said' in weight || 'and' in weight, 'stop words are dropped')
  t.equal(terms[0]!.term, 'flood')
  t.equal(candidateTerms({ title: 'a b c', subtitle: '', summary: '', body: '12 345', tags: '' }).length, 0, 'short words and numbers are dropped')
  t.equal(candidateTerms({ title: 'x', subtitle: '', summary: '', body: Array.from({ length: 500 }, (_, i) => `word${i}`).join(' '), tags: '' }, 50).length, 50)
})

t.test('pickQueryTerms prefers rare shared terms within the budgets', async (t) => {
  const candidates = [
    { term: 'flood', weight: 6 },
    { term: 'city', weight: 6 },
    { term: 'levee', weight: 1 },
    { term: 'mine', weight: 3 },
    { term: 'huge', weight: 1 },
  ]
  const df = new Map([
    ['flood', 40],
    ['city', 900],
    ['levee', 5],
    ['mine', 1],
    ['huge', 1200],
  ])
  const picked = pickQueryTerms(candidates, df, 2000).map((x) => x.term)
  t.same(picked.slice(0, 2), ['flood', 'levee'], 'the rarer telling terms first')
  t.notOk(picked.includes('mine'), 'a term only this article holds finds nothing')
  t.ok(picked.indexOf('city') > picked.indexOf('levee'))
  t.same(pickQueryTerms(candidates, df, 2000, { maxTerms: 1 }), [{ term: 'flood', weight: 6 }])
  t.same(
    pickQueryTerms(candidates, df, 2000, { postingBudget: 200 }).map((x) => x.term),
    ['flood', 'levee'],
    'common terms are skipped once the budget is spent (each is read twice: 80 + 10)',
  )
  t.same(pickQueryTerms(candidates, new Map(), 2000), [])
})

t.test('each term scores whole points, by weight and rarity; a match in the title or tags counts twice', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 50].map(repeatsFor), [1, 2, 2, 2, 3, 3, 3])
  const df = new Map([
    ['flood', 40],
    ['near', 900],
    ['a"b', 40],
  ])
  const scored = scoreTerms(
    [
      { term: 'flood', weight: 6 },
      { term: 'near', weight: 1 },
      { term: 'a"b', weight: 2 },
    ],
    df,
    2000,
  )
  t.ok(scored.every((s) => Number.isInteger(s.points) && s.points >= 1), 'integers, so that sums compare exactly')
  const [flood, near, quoted] = scored.map((s) => s.points)
  t.ok(flood! > quoted! && quoted! > near!, 'heavier and rarer terms score more')
  t.same(toMatchEntries(scored.slice(1)), [
    ['"near"', near],
    ['{title tags} : "near"', near],
    ['"a""b"', quoted],
    ['{title tags} : "a""b"', quoted],
  ])
})
