// GET /v1/articles/{id}/related/suggestions: relevant (a flood story gets flood stories
// first), never the article itself, a draft or an article already linked, and fast on an
// archive of 2,000 articles because the query touches the search index, not every article.
import { fillPlaceholders } from 'drizzle-orm'
import t from 'tap'
import { createArticlesRepository } from '../src/articles/repository.js'
import type { Db } from '../src/db/client.js'
import { suggestionQueries } from '../src/related-links/suggestions.js'
import { createOutbox } from '../src/webhooks/outbox.js'
import { auth, makeApp } from './helpers.js'

const paragraphs = (...texts: string[]) => texts.map((text) => ({ type: 'paragraph' as const, text }))

/** Writes articles straight through the repository: faster than HTTP, and the same rows. */
function seeder(db: Db) {
  const articles = createArticlesRepository(db, createOutbox(db))
  return (title: string, tags: string[], body: string[], published = true): string => {
    const { id } = articles.create({ title, tags, body: paragraphs(...body) }, null)
    if (published) articles.publish(id, undefined, { keyId: null })
    return id
  }
}

t.test('a flood story is offered other flood stories first, and nothing it may not link', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor, moderator } = testApp
  const seed = seeder(app.db)

  const levee = seed('Levee repairs begin after the Ashbury flood', ['flood'], ['Engineers inspected the breached levee along the river and ordered new pumps before the next storm.'])
  const sandbags = seed('Sandbag volunteers keep the river out of Kelby', ['flood'], [
    'In Kelby, volunteers filled sandbags through the night while the swollen river crept toward the square.',
    'Boats stood ready in case of an evacuation.',
  ])
  const insurers = seed('Insurers count the cost of spring floodwater', ['flood', 'business'], [
    'Claims from flooded homes along the river valley are expected to reach record levels after weeks of heavy rain.',
  ])
  const draft = seed('Flood barrier plans for Ashbury', ['flood'], ['Plans for a flood barrier on the river at Ashbury go to a vote.'], false)
  const linked = seed('Evacuation centre closes as the flood recedes', ['flood'], ['The evacuation centre closed once the river fell and homes dried out.'])
  const inBody = seed('Ashbury bridge shut by floodwater', ['flood'], ['The stone bridge over the swollen river stayed shut while floodwater rose.'])
  const election = seed('Ashbury elects a new mayor', ['politics'], ['Turnout was high and the count ended after midnight.'])
  const cruise = seed('River cruise season opens with electric boats', ['travel'], ['Tour operators launched two electric boats for summer trips.'])
  const bakery = seed('Bakery wins the regional bread prize', ['food'], ['The family bakery won gold for its sourdough and rye.'])
  // The rest of the day's news, so that "flood" is a telling word here, as in a real archive.
  for (const [title, tag, text] of [
    ['Striker signs a three-year contract', 'sport', 'The striker passed a medical and signed on Tuesday.'],
    ['Goalkeeper saves two penalties in the cup tie', 'sport', 'A late save sent the home side through to the quarter finals.'],
    ['Cyclists finish the coastal stage in heat', 'sport', 'The peloton rode the coastal road under a hot sun.'],
    ['Chip maker opens a research lab', 'technology', 'Engineers will design low-power processors for phones.'],
    ['Phone update fixes a battery bug', 'technology', 'The update stops apps from draining the battery overnight.'],
    ['Museum shows a century of posters', 'arts', 'The exhibition gathers posters from theatres and cinemas.'],
    ['Orchestra plays a new violin concerto', 'arts', 'The soloist premiered the concerto to a full concert hall.'],
    ['Tram line extension gets its funding', 'transport', 'Trams will reach the airport within four years.'],
    ['Night buses return to the suburbs', 'transport', 'Operators restore late services on six routes.'],
    ['Clinic trial cuts waiting times', 'health', 'Patients booked online saw a doctor within two days.'],
    ['Pupils win a national robotics contest', 'education', 'Their robot sorted recycling faster than any other entry.'],
    ['University opens a language centre', 'education', 'Students can learn eight languages in evening classes.'],
    ['Chef opens a dumpling bar', 'food', 'The menu changes weekly with the seasons.'],
    ['Cheese makers meet at the autumn fair', 'food', 'Forty dairies brought their best cheeses to taste.'],
  ]) {
    seed(title!, [tag!], [text!])
  }

  const parent = (
    await app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: auth(editor),
      payload: {
        title: 'Flood swamps Ashbury as the river bursts its banks',
        tags: ['flood', 'weather'],
        body: [
          ...paragraphs(
            'Residents of Ashbury stacked sandbags through the night as the swollen river rose past the stone bridge.',
            'Firefighters used boats to reach flooded homes, and an evacuation centre opened at dawn.',
            'Forecasters expect more heavy rain before the floodwater recedes.',
          ),
          { type: 'related', articleId: inBody },
        ],
      },
    })
  ).json()
  await app.inject({ method: 'POST', url: `/v1/articles/${parent.id}/related`, headers: auth(editor), payload: { articleId: linked } })

  const res = await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}/related/suggestions`, headers: auth(editor) })
  t.equal(res.statusCode, 200)
  const page = res.json()
  const ids: string[] = page.data.map((s: { id: string }) => s.id)
  t.comment(`suggested: ${page.data.map((s: { title: string }) => s.title).join(' | ')}; terms: ${page.terms.join(', ')}`)
  t.same(new Set(ids.slice(0, 3)), new Set([levee, sandbags, insurers]), 'the flood stories come first')
  t.ok(ids.indexOf(cruise) === -1 || ids.indexOf(cruise) > 2, 'a story that only shares the river comes after them')
  t.notOk(ids.includes(bakery), 'an unrelated story is not suggested')
  for (const [name, id] of Object.entries({ itself: parent.id, draft, linked, inBody })) t.notOk(ids.includes(id), `not the ${name}`)
  t.ok(ids.includes(election) ? ids.indexOf(election) > 2 : true)
  t.ok(page.terms.length > 0 && page.terms.length <= 12, 'a bounded number of query terms')
  t.ok(page.terms.includes('flood') || page.terms.includes('floodwater'))
  t.match(page.data[0], { id: String, slug: String, title: String, status: 'published', leadMedia: null })

  // Paging: two at a time yields the same order.
  const paged: string[] = []
  let cursor: string | null = null
  do {
    const next: any = (
      await app.inject({
        method: 'GET',
        url: `/v1/articles/${parent.id}/related/suggestions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: auth(editor),
      })
    ).json()
    paged.push(...next.data.map((s: { id: string }) => s.id))
    cursor = next.nextCursor
  } while (cursor !== null && paged.length < 50)
  t.same(paged, ids)

  // Linking a suggestion removes it from the suggestions.
  await app.inject({ method: 'POST', url: `/v1/articles/${parent.id}/related`, headers: auth(editor), payload: { articleId: ids[0] } })
  const after = (await app.inject({ method: 'GET', url: `/v1/articles/${parent.id}/related/suggestions`, headers: auth(editor) })).json()
  t.notOk(after.data.some((s: { id: string }) => s.id === ids[0]))

  // Who may ask, and about what.
  const url = `/v1/articles/${parent.id}/related/suggestions`
  t.equal((await app.inject({ method: 'GET', url })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url, headers: auth(moderator) })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/v1/articles/nosuch/related/suggestions', headers: auth(editor) })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `${url}?limit=0`, headers: auth(editor) })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: `${url}?cursor=nonsense`, headers: auth(editor) })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: `${url}?q=flood`, headers: auth(editor) })).statusCode, 400)
})

// Issue 16, item 14: the cursor pins the query (terms and their points) and the newest article
// of the first page, so that stories published while an editor pages change nothing: before,
// every page re-ranked the whole index with bm25 and thirty new stories emptied page two.
t.test('paging suggestions while stories are published yields the first page\'s result set, once each', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const seed = seeder(app.db)
  const matching = [
    seed('Wildfire crews hold the ridge above Dunmore', ['wildfire'], ['Crews cut firebreaks along the ridge as the wildfire spread.']),
    seed('Dunmore evacuees return as the wildfire dies down', ['wildfire'], ['Evacuees found ash on every roof in Dunmore.']),
    seed('Water bombers refuel at the valley airstrip', ['wildfire'], ['Pilots made forty drops on the ridge before dusk.']),
    seed('Firebreaks saved the vineyard, owners say', ['farming'], ['The firebreaks held and the vines survived the wildfire.']),
    seed('Ash falls on Dunmore school playground', ['education'], ['Classes moved indoors while ash fell over Dunmore.']),
    seed('Insurers brace for wildfire claims', ['business'], ['Claims from the valley are expected to rise after the wildfire.']),
    seed('Volunteers feed firefighters on the ridge', ['community'], ['Bakers sent sandwiches up the ridge to the crews.']),
    seed('Smoke warning for the valley towns', ['health'], ['Residents were told to keep windows shut as smoke from the wildfire drifted.']),
  ]
  const unrelated = (n: number) => seed(`Chess club meets in the library, round ${n}`, ['hobbies'], ['Players brought boards and clocks to the reading room.'])
  for (let n = 0; n < 6; n += 1) unrelated(n)
  const parent = seed('Wildfire threatens Dunmore as crews fight on the ridge', ['wildfire'], [
    'Firebreaks, water bombers and evacuees: the valley braces as ash falls on Dunmore.',
  ])
  const url = `/v1/articles/${parent}/related/suggestions`
  const read = async (query: string) => {
    const res = await app.inject({ url: `${url}?${query}`, headers: auth(editor) })
    t.equal(res.statusCode, 200, res.body)
    return res.json() as { data: { id: string }[]; nextCursor: string | null; terms: string[] }
  }
  const whole = await read('limit=100')
  const expected = whole.data.map((s) => s.id)
  t.same(new Set(expected), new Set(matching), 'the eight stories that share its terms, and only those')

  const first = await read('limit=3')
  t.same(first.data.map((s) => s.id), expected.slice(0, 3), 'page one is the head of the whole list')
  app.db.$client.transaction(() => {
    for (let n = 6; n < 36; n += 1) unrelated(n)
  })()
  const latecomer = seed('Wildfire reaches the ridge road at Dunmore', ['wildfire'], ['Crews and water bombers fought the wildfire through the night.'])

  const paged = first.data.map((s) => s.id)
  let cursor = first.nextCursor
  while (cursor !== null && paged.length < 50) {
    const page = await read(`limit=3&cursor=${cursor}`)
    t.same(page.terms, first.terms, 'every page searches with the terms of the first')
    paged.push(...page.data.map((s) => s.id))
    cursor = page.nextCursor
  }
  t.same(paged, expected, 'the pages, in order, are the whole list as of page one: none lost, none twice')
  t.notOk(paged.includes(latecomer), 'a story published meanwhile does not appear mid-paging')
  const fresh = await read('limit=100')
  t.ok(fresh.data.some((s) => s.id === latecomer), 'a new first page finds it')

  t.equal((await app.inject({ url: `${url}?cursor=${Buffer.from(JSON.stringify([1, 1, 1, 'flood:x'])).toString('base64url')}`, headers: auth(editor) })).statusCode, 400, 'a forged cursor is a 400')
})

t.test('the cursor of an article of very long words still fits in a cursor', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const seed = seeder(app.db)
  // Twelve long words, with accents (two bytes each in UTF-8), that three articles share.
  const words = Array.from({ length: 14 }, (_, i) => `${'é'.repeat(20)}${String.fromCharCode(97 + i).repeat(25)}`)
  const text = words.join(' ')
  for (let n = 0; n < 3; n += 1) seed(`Lexicon ${n}`, [], [text])
  for (let n = 0; n < 5; n += 1) seed(`Weather note ${n}`, [], ['Light winds and sunny spells.'])
  const parent = seed('Lexicon', [], [text])
  const url = `/v1/articles/${parent}/related/suggestions`
  const first = await app.inject({ url: `${url}?limit=1`, headers: auth(editor) })
  t.equal(first.statusCode, 200)
  const cursor = first.json().nextCursor as string
  t.ok(cursor.length <= 512, `${cursor.length} characters`)
  const second = await app.inject({ url: `${url}?limit=1&cursor=${cursor}`, headers: auth(editor) })
  t.equal(second.statusCode, 200, second.body)
  t.equal(second.json().data.length, 1)
})

t.test('an article with no telling words gets no suggestions, not an error', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const seed = seeder(app.db)
  seed('The and of', [], ['It is what it is.'])
  const lonely = seed('Zyxwv', [], ['Qwzx vbnm.'])
  const res = await app.inject({ method: 'GET', url: `/v1/articles/${lonely}/related/suggestions`, headers: auth(editor) })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { data: [], nextCursor: null, terms: [] })
})

// A small, deterministic word generator: six beats with their own words over shared filler.
const BEATS: Record<string, string[]> = {
  flood: 'flood floodwater levee sandbags evacuation rainfall downpour inundated torrent swollen waterlogged submerged pumps basements dyke deluge overflow riverbank drainage rescue'.split(' '),
  election: 'ballot candidates voters polling campaign mayor referendum turnout constituency manifesto debate incumbent coalition recount precinct runoff electorate seats canvass landslide'.split(' '),
  football: 'striker goalkeeper penalty league midfield transfer stadium referee halftime tackle derby champions fixture equaliser relegation squad offside dribble trophy kickoff'.split(' '),
  technology: 'software startup smartphone processor encryption algorithm cloud developers semiconductor battery browser platform privacy silicon engineers chatbot servers robotics firmware laptop'.split(' '),
  food: 'bakery recipe chef restaurant sourdough harvest orchard vineyard menu flavours dessert cheese organic kitchen pastry tasting ingredients spices dumplings cuisine'.split(' '),
  theatre: 'playwright premiere rehearsal audience curtain musical opera ballet costume script ovation matinee understudy scenery choreographer encore soprano orchestra comedy drama'.split(' '),
}
const FILLER =
  'city people local officials residents morning region government plans public report centre north south street community national hours group office area county river town weekend evening'.split(
    ' ',
  )

function random(seed: number) {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
}

t.test('suggestions stay fast and relevant on an archive of 2,000 articles', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const seed = seeder(app.db)
  const next = random(42)
  const pick = (words: string[]) => words[Math.floor(next() * words.length)]!
  const beats = Object.keys(BEATS)
  const beatOf = new Map<string, string>()

  const started = performance.now()
  app.db.$client.transaction(() => {
    for (let i = 0; i < 2000; i += 1) {
      const beat = beats[i % beats.length]!
      const words = BEATS[beat]!
      const sentence = () => Array.from({ length: 24 }, () => (next() < 0.35 ? pick(words) : pick(FILLER))).join(' ')
      const title = `${pick(words)} ${pick(FILLER)} ${pick(words)} ${pick(FILLER)} ${i}`
      beatOf.set(seed(title, [beat], [sentence(), sentence(), sentence()]), beat)
    }
  })()
  t.comment(`seeded 2,000 articles in ${Math.round(performance.now() - started)} ms`)

  const parent = seed(
    'Floodwater swamps the river town as the levee fails',
    ['flood'],
    [
      'Residents stacked sandbags along the riverbank through the night while the swollen river rose.',
      'Rescue crews pumped flooded basements and opened an evacuation centre.',
    ],
  )
  const url = `/v1/articles/${parent}/related/suggestions?limit=10`
  const first = await app.inject({ method: 'GET', url, headers: auth(editor) })
  t.equal(first.statusCode, 200)
  const page = first.json()
  t.equal(page.data.length, 10)
  const topBeats = page.data.map((s: { id: string }) => beatOf.get(s.id))
  t.same(topBeats, Array(10).fill('flood'), 'the ten best suggestions are all flood stories')
  t.ok(page.terms.length <= 12)

  const times: number[] = []
  for (let i = 0; i < 7; i += 1) {
    const start = performance.now()
    const res = await app.inject({ method: 'GET', url, headers: auth(editor) })
    times.push(performance.now() - start)
    t.equal(res.statusCode, 200)
  }
  times.sort((a, b) => a - b)
  const median = times[3]!
  t.comment(`suggestions over 2,000 articles: median ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[6]!.toFixed(1)})`)
  // The fastest run is the least disturbed by a busy machine; the bound is generous for CI.
  t.ok(times[0]! < 100, `fastest ${times[0]!.toFixed(1)} ms`)

  // The plan: the full-text index picks the matches; articles and links are read by key only.
  const plan = (query: { toSQL(): { sql: string; params: unknown[] } }, values: Record<string, unknown>) => {
    const { sql, params } = query.toSQL()
    return (app.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...fillPlaceholders(params, values)) as { detail: string }[]).map((row) => row.detail)
  }
  const queries = suggestionQueries(app.db)
  const suggestionPlan = plan(queries.suggestions, {
    entries: JSON.stringify([['"flood"', 100], ['{title tags} : "flood"', 100]]),
    until: 1e9,
    exclude: '[]',
    articleId: parent,
    afterScore: 1e9,
    afterSeq: 1e9,
    limit: 10,
  })
  t.comment(suggestionPlan.join('\n'))
  t.ok(
    suggestionPlan.some((line) => /^SCAN articles_fts VIRTUAL TABLE INDEX \d+:M/.test(line)),
    'matches come from the FTS index',
  )
  t.ok(suggestionPlan.some((line) => line.startsWith('SEARCH articles USING INTEGER PRIMARY KEY')), 'articles are read by key')
  t.notOk(
    suggestionPlan.some((line) => /^SCAN (a|articles|l|related_links|t)\b/.test(line)),
    'no table is scanned',
  )
  const vocabPlan = plan(queries.termFrequencies, { terms: '["flood"]' })
  t.notOk(
    vocabPlan.some((line) => /articles_fts_vocab VIRTUAL TABLE INDEX 0:/.test(line)),
    'term frequencies are looked up by term, not by reading the whole vocabulary',
  )
})
