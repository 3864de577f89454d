// Slugs from titles: lower-case ASCII words joined by "-", accents folded.
import fc from 'fast-check'
import t from 'tap'
import { SLUG_MAX, SLUG_PATTERN, slugify } from '../src/articles/slug.js'

t.test('titles become slugs', async (t) => {
  const cases: [string, string][] = [
    ['Crónica de Medellín: ¿qué pasó?', 'cronica-de-medellin-que-paso'],
    ['Kyiv’s Élite Units Regroup', 'kyivs-elite-units-regroup'],
    ["Don't Panic", 'dont-panic'],
    ['Straße, Œuvre and Ørsted', 'strasse-oeuvre-and-orsted'],
    ['Łódź łapie oddech', 'lodz-lapie-oddech'],
    ['  --Budget--Vote--  ', 'budget-vote'],
    ['ÇA VA? São Paulo 2026!', 'ca-va-sao-paulo-2026'],
    ['Ｆｕｌｌｗｉｄｔｈ ﬁnance', 'fullwidth-finance'],
    ['İstanbul', 'istanbul'],
  ]
  for (const [title, slug] of cases) t.equal(slugify(title), slug, title)
})

t.test('a title with no Latin letters or digits makes no slug', async (t) => {
  t.equal(slugify('東京'), '')
  t.equal(slugify('¿?!…'), '')
  t.equal(slugify(''), '')
})

t.test('long titles are cut at a word, within the limit', async (t) => {
  const title = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')
  const slug = slugify(title)
  t.ok(slug.length <= SLUG_MAX)
  t.ok(slug.length > SLUG_MAX - 10, 'as much as fits')
  t.notMatch(slug, /-$/)
  t.ok(title.replace(/ /g, '-').startsWith(slug), 'whole words only')
})

t.test('a single word longer than the limit is cut, not lost', async (t) => {
  const slug = slugify('Supercalifragilistic'.repeat(10))
  t.equal(slug.length, SLUG_MAX)
  t.match(slug, /^supercalifragilistic/)
})

t.test('any title gives a slug that fits the pattern, or none', async () => {
  const pattern = new RegExp(SLUG_PATTERN)
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (title) => {
      const slug = slugify(title)
      if (slug !== '' && (!pattern.test(slug) || slug.length > SLUG_MAX)) throw new Error(`bad slug ${slug}`)
      // A title with an ASCII letter or digit always has something to make a slug from.
      if (/[a-z0-9]/i.test(title) && slug === '') throw new Error(`no slug for ${JSON.stringify(title)}`)
    }),
    { numRuns: 500 },
  )
})
