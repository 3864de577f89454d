// A search scores at most SEARCH_WINDOW hits, the most recently written: a word found in most
// of the archive costs what a rarer one does, and paging through it still yields each story once.
// Slow tier: proving the window needs more hits than SEARCH_WINDOW (5,000, a constant in
// src/articles/repository.ts), so a 6,500-article seed and 50 pages of search. A fast version
// would need the window to be a setting a test can make small.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { SEARCH_WINDOW } from '../../src/articles/repository.js'
import { buildApp } from '../../src/app.js'
import { openDatabase } from '../../src/db/client.js'
import { seedDatabase } from '../../scripts/bench/seed-data.js'
import { testConfig } from '../helpers.js'

t.test('a common word ranks the newest hits only; a rare one all of them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'search-window-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'search.sqlite')
  const seed = await seedDatabase(path, { articles: SEARCH_WINDOW + 1_500 })
  const db = openDatabase(path)
  const app = await buildApp(testConfig({ DATABASE_PATH: path, RESPONSE_CACHE_MB: '0' }), { db })
  t.teardown(() => app.close())

  const common = db.$client.prepare<[], number>(`SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '"the"*'`).pluck().get()!
  t.ok(common > SEARCH_WINDOW, `"the" is in ${common} of ${seed.articles} stories`)

  const seen = new Set<string>()
  let cursor: string | null = null
  let pages = 0
  do {
    const page: { data: { id: string }[]; nextCursor: string | null } = (
      await app.inject({ url: `/v1/articles?q=the&limit=100${cursor === null ? '' : `&cursor=${cursor}`}` })
    ).json()
    for (const item of page.data) {
      if (seen.has(item.id)) t.fail(`${item.id} came twice`)
      seen.add(item.id)
    }
    cursor = page.nextCursor
    pages++
  } while (cursor !== null && pages < 100)
  t.equal(seen.size, SEARCH_WINDOW, 'paging yields the whole window, each story once')
  const seqOf = db.$client.prepare<[string], number>('SELECT seq FROM articles WHERE id = ?').pluck()
  const ranked = [...seen].map((id) => seqOf.get(id)!).sort((x, y) => x - y)
  const newest = db.$client
    .prepare<[number], number>(`SELECT rowid FROM articles_fts WHERE articles_fts MATCH '"the"*' ORDER BY rowid DESC LIMIT ?`)
    .pluck()
    .all(SEARCH_WINDOW)
    .sort((x, y) => x - y)
  t.same(ranked, newest, 'exactly the newest hits are ranked')
  t.ok(ranked[0]! > 1, `and not the oldest (the oldest ranked is #${ranked[0]})`)

  const rare = (await app.inject({ url: `/v1/articles?q=${seed.searchWord}&limit=100` })).json() as { data: unknown[] }
  const rareHits = db.$client.prepare<[string], number>('SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?').pluck().get(`"${seed.searchWord}"*`)!
  t.equal(rare.data.length, rareHits, 'a rare word finds every story that holds it')
})
