// The read queries on the hot paths, checked with EXPLAIN QUERY PLAN on a seeded database: each
// one is an index seek or an ordered index range, never a scan of a table nor a sort of every
// matching row, so its cost does not grow with the archive.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { seedDatabase } from '../scripts/bench/seed-data.js'
import { testConfig } from './helpers.js'

interface Executed {
  sql: string
  args: unknown[]
}

t.test('hot read paths use indexes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plans-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'plans.sqlite')
  const seed = await seedDatabase(path, { articles: 400 })

  const db = openDatabase(path)
  const sqlite = db.$client
  const executed: Executed[] = []
  const prepare = sqlite.prepare.bind(sqlite)
  // Records every statement the app runs, with its arguments, to explain it afterwards.
  sqlite.prepare = ((sql: string) => {
    const statement = prepare(sql)
    for (const method of ['get', 'all', 'iterate'] as const) {
      const original = (statement[method] as (...args: unknown[]) => unknown).bind(statement)
      ;(statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        executed.push({ sql, args })
        return original(...args)
      }
    }
    return statement
  }) as typeof sqlite.prepare
  // The response cache off, so that every path runs its queries each time it is read; a fixed
  // base URL, so that readers' pages are read with their stored renders, as in production.
  const app = await buildApp(testConfig({ DATABASE_PATH: path, RESPONSE_CACHE_MB: '0', PUBLIC_URL: 'https://news.example' }), { db })
  t.teardown(() => app.close())
  await app.ready()

  const first = await app.inject({ url: '/v1/articles?limit=20' })
  t.equal(first.statusCode, 200)
  const cursor = (first.json() as { nextCursor: string }).nextCursor
  const article = await app.inject({ url: `/v1/articles/slug/${seed.sampleSlug}` })
  t.equal(article.statusCode, 200)
  const { id, authors, authorIds, authorProfiles, section } = article.json() as {
    id: string
    authors: string[]
    authorIds: string[]
    authorProfiles: { slug: string }[]
    section: string
  }
  t.ok(authorIds.length > 0 && authorProfiles.length === authorIds.length, 'the seeded article names author profiles')
  // A translation of it, so that sitemaps, feeds and structured data look its group up.
  sqlite.prepare("UPDATE articles SET translation_of = ?, locale = 'es-419' WHERE id = (SELECT id FROM articles WHERE status = 'published' AND id <> ? ORDER BY seq LIMIT 1)").run(id, id)

  const paths: [name: string, url: string, list: boolean][] = [
    ['list, first page', '/v1/articles', true],
    ['list, deep page', `/v1/articles?cursor=${cursor}`, true],
    ['tag filter', `/v1/articles?tag=${encodeURIComponent(seed.popularTag)}`, true],
    ['tag filter, deep page', `/v1/articles?tag=${encodeURIComponent(seed.popularTag)}&cursor=${cursor}`, true],
    ['author filter', `/v1/articles?author=${encodeURIComponent(authors[0]!)}`, true],
    ['section filter', `/v1/articles?section=${encodeURIComponent(section)}`, true],
    ['section filter, another case', `/v1/articles?section=${encodeURIComponent(section.toUpperCase())}`, true],
    ['locale filter', '/v1/articles?locale=en', true],
    ['locale filter, deep page', `/v1/articles?locale=en&cursor=${cursor}`, true],
    // The articles of news and of the sections below it, in one index range.
    ['section tree filter', `/v1/articles?section=${seed.parentSection}`, true],
    ['section tree filter, deep page', `/v1/articles?section=${seed.parentSection}&cursor=${cursor}`, true],
    ['author profile filter', `/v1/articles?authorId=${authorIds[0]}`, true],
    ['section and author profile', `/v1/articles?section=${seed.parentSection}&authorId=${authorIds[0]}`, true],
    ['author page', `/v1/authors/slug/${authorProfiles[0]!.slug}`, false],
    ['authors', '/v1/authors?limit=50', true],
    ['sections', '/v1/sections', true],
    ['sections below one', `/v1/sections?parent=${seed.parentSection}`, true],
    ['tags', '/v1/tags?limit=50', true],
    ['tags by prefix', `/v1/tags?q=${encodeURIComponent(seed.popularTag.slice(0, 3))}`, true],
    ['article by slug', `/v1/articles/slug/${seed.sampleSlug}`, false],
    ['translation group', `/v1/articles/${id}/translations`, false],
    ['corrections list', `/v1/articles/${id}/corrections`, true],
    ['article by id', `/v1/articles/${id}`, false],
    ['comments list', `/v1/articles/${seed.newestId}/comments`, true],
    ['related links', `/v1/articles/${id}/related`, false],
    // Its sort is of the search window (at most SEARCH_WINDOW hits), never of the archive.
    ['search', `/v1/articles?q=${encodeURIComponent(seed.searchWord)}`, false],
    ['search for a common word', '/v1/articles?q=the', false],
    // Distribution: a feed costs a list page and a lookup by ids; sitemaps read one index.
    ['RSS feed', '/v1/feeds/rss', true],
    ['Atom feed, tag filter', `/v1/feeds/atom?tag=${encodeURIComponent(seed.popularTag)}`, true],
    ['JSON Feed, section filter', `/v1/feeds/json?section=${encodeURIComponent(section)}`, true],
    ['sitemap index', '/v1/sitemaps/index.xml', false],
    ['sitemap page', '/v1/sitemaps/articles/1.xml', true],
    ['news sitemap', '/v1/sitemaps/news.xml', true],
    ['structured data', `/v1/articles/${id}/jsonld`, false],
    ['ninjs', `/v1/articles/${id}/ninjs`, false],
    ['change feed', '/v1/changes', true],
  ]
  let pageStatements = 0
  for (const [name, url, list] of paths) {
    executed.length = 0
    const response = await app.inject({ url })
    t.equal(response.statusCode, 200, `${name}: ${url}`)
    const selects = executed.filter((e) => /^\s*(SELECT|WITH)/i.test(e.sql))
    t.ok(selects.length > 0, `${name}: ran at least one query`)
    for (const { sql, args } of selects) {
      // A bare bound LIMIT makes SQLite prepare the statement again on every run (statement-replans.test.ts).
      t.notMatch(sql, /\blimit \?(?!\s*\+)/i, `${name}: no LIMIT from a bare placeholder\n${sql.slice(0, 160)}`)
      const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((row) => row.detail)
      const shown = `${name}\n${sql.replace(/\s+/g, ' ').slice(0, 160)}\n  ${plan.join('\n  ')}`
      // A scan is fine through an index (ordered, stopped by LIMIT), of a CTE or of a table-valued
      // function, and of the sitemap summary (a row per 1,000 articles: reading it whole is its use).
      // The search vocabulary is read by a term or a range of terms (its index number is then
      // not 0), never whole; the tags' search index by a MATCH (its index string has an M).
      const fullScans = plan.filter(
        (line) =>
          /^SCAN (?!.*USING)/.test(line) &&
          !/^SCAN (hits|recent|w\b|page$|articles_fts VIRTUAL TABLE|articles_fts_tags VIRTUAL TABLE INDEX \d+:M|articles_fts_(vocab|instances) VIRTUAL TABLE INDEX [1-9]|json_each|\(subquery|CONSTANT|sitemap_blocks$)/.test(line),
      )
      t.same(fullScans, [], `${name}: no table scan\n${shown}`)
      if (sql.includes('articles_sitemap_idx')) {
        t.ok(plan.some((line) => line.includes('COVERING INDEX articles_sitemap_idx')), `${name}: a sitemap never reads the rows\n${shown}`)
      }
      // Case-insensitive (COLLATE NOCASE), and still a seek in the index declared the same way.
      // (The list's statement: the summaries it has no stored render of are then read by id.)
      const listed = /from "articles"/i.test(sql) && /order by/i.test(sql)
      if (name.startsWith('section') && listed) {
        t.ok(plan.some((line) => line.includes('USING INDEX articles_section_nocase_idx (section=? AND status=?)')), `${name}: the NOCASE index serves it\n${shown}`)
      }
      if (name.startsWith('locale') && listed) {
        t.ok(plan.some((line) => line.includes('USING INDEX articles_locale_sort_idx (locale=? AND status=?')), `${name}: the locale index serves it\n${shown}`)
      }
      // A readers' page and its stored renders in one statement: the list's ordered range walked
      // once, as the outer loop, and each article's render one seek in the renders' key.
      if (/left join "renders"/i.test(sql)) {
        t.equal(plan[0], 'CO-ROUTINE page', `${name}: the page is read in its order, not gathered first\n${shown}`)
        t.ok(plan.includes('SEARCH renders USING INDEX sqlite_autoindex_renders_1 (article_id=? AND kind=? AND base=? AND generation=?) LEFT-JOIN'), `${name}: a render is a seek\n${shown}`)
        pageStatements++
      }
      if (name === 'translation group' && /coalesce/i.test(sql)) {
        t.ok(plan.some((line) => line.includes('USING INDEX articles_translation_group_uq')), `${name}: one seek in the group index\n${shown}`)
      }
      // What distribution prints of a group (hreflang alternates, translation links) is in the two indexes.
      if (name !== 'translation group' && /coalesce\("?\w*"?\.?"?translation_of/i.test(sql)) {
        t.ok(plan.some((line) => line.includes('COVERING INDEX articles_translation_group_uq')), `${name}: a translation group is a seek in the group index, never a row\n${shown}`)
      }
      if (sql.includes('articles_gate_idx')) {
        t.ok(plan.some((line) => line.includes('COVERING INDEX articles_gate_idx')), `${name}: the article check never reads the row\n${shown}`)
      }
      // A search starts from its hits: walking the published articles to probe them is a scan in disguise.
      if (name.startsWith('search')) {
        t.notOk(plan.some((line) => /^SEARCH (a|articles) USING INDEX \w+ \(status=\?\)$/.test(line)), `${name}: starts from the hits\n${shown}`)
      }
      if (list && /ORDER BY/i.test(sql) && /LIMIT/i.test(sql)) {
        t.notOk(plan.some((line) => line.includes('TEMP B-TREE FOR ORDER BY')), `${name}: no sort of every matching row\n${shown}`)
      }
    }
  }
  t.ok(pageStatements >= 15, `list pages and feeds were read with their renders in one statement (${pageStatements})`)
})

// Every write runs the triggers of the rows it touches, and a scan inside a trigger body shows in
// no profile: it only makes each write slower as the archive grows (issue 21: publishing walked
// every published article to find the links to the one published, and a 10,000-post import took
// three times as long). Each statement of each trigger is explained with its NEW and OLD values
// as parameters; without statistics (none are gathered) the plan is the same for an empty
// database as for a full one.
t.test('trigger statements use indexes', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const triggers = db.$client.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all() as { name: string; sql: string }[]
  t.ok(triggers.length > 40, `${triggers.length} triggers`)
  for (const { name, sql } of triggers) {
    const body = sql.slice(sql.search(/\bBEGIN\b/) + 'BEGIN'.length, sql.lastIndexOf('END'))
    for (const statement of body.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter((s) => s !== '')) {
      const names = new Set<string>()
      const text = statement.replace(/\b(new|old)\.`?(\w+)`?/gi, (_, row: string, column: string) => {
        names.add(`${row.toLowerCase()}_${column}`)
        return `:${row.toLowerCase()}_${column}`
      })
      const args = Object.fromEntries([...names].map((n) => [n, null]))
      const plan = (db.$client.prepare(`EXPLAIN QUERY PLAN ${text}`).all(args) as { detail: string }[]).map((row) => row.detail)
      const shown = `${name}\n${text.replace(/\s+/g, ' ').slice(0, 200)}\n  ${plan.join('\n  ')}`
      // A scan of the statement's own constants is fine; of a table, or of the articles by status
      // alone (every published one), it is not.
      const scans = plan.filter((line) => (/^SCAN (?!.*USING)/.test(line) && !/^SCAN (CONSTANT ROW|\d+-ROW VALUES CLAUSE|\(subquery)/.test(line)) || /\(status=\?\)$/.test(line))
      t.same(scans, [], `${name}: no scan\n${shown}`)
    }
  }
})
