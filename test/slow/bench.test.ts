// The benchmark's quick version run end to end (its scenarios apart), as CI runs it: it only has to work (every row
// measured, no failed request, no comment lost). No timing is asserted: CI machines vary.
// Slow tier: a minute or more of load on both cores (three servers and autocannon), and no
// behaviour of the service that the fast tier does not already check.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Report } from '../../scripts/bench/run.js'
import { orderProblem } from '../../scripts/bench/search.js'
import { build, runScript } from '../server-process.js'

// The bench runs the compiled service and scripts: `npm run test:slow` builds them once before
// any file runs; run alone, this builds them first.
t.before(build)

t.test('npm run bench --quick measures every target and loses no comment', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'BENCHMARKS.md')
  const json = join(dir, 'report.json')
  const { stdout } = await runScript('bench/run', ['--quick', '--scenario', 'standard', '--out', out, '--json', json, '--db', join(dir, 'bench.sqlite')])
  t.match(stdout, /Seeded in/)

  const report = JSON.parse(readFileSync(json, 'utf8')) as Report
  t.equal(report.articles, 200)
  const names = report.rows.map((row) => row.name)
  t.same(names, [
    'Bare Fastify hello-world',
    '304 revalidation (If-None-Match)',
    'Article by slug: bare',
    'Article by slug: service',
    'Article by slug: service, cache off',
    'Article by slug, 200 stories in turn: bare',
    'Article by slug, 200 stories in turn: service',
    'Article by slug, 200 stories in turn: service, cache off',
    'List, first page: bare',
    'List, first page: service',
    'List, first page: service, cache off',
    'List, deep page (cursor): bare',
    'List, deep page (cursor): service',
    'List, deep page (cursor): service, cache off',
    'Tag filter: bare',
    'Tag filter: service',
    'Tag filter: service, cache off',
    'Full-text search: bare',
    'Full-text search: service',
    'Full-text search: service, cache off',
    'Comment submission (POST)',
  ])
  for (const row of report.rows) {
    t.ok(row.rps > 0, `${row.name}: requests were answered`)
    t.equal(row.bad, 0, `${row.name}: no request failed or got an unexpected status`)
    if (row.name.includes(': service') || row.name.startsWith('304')) t.type(row.ratio, 'number', `${row.name}: has a ratio`)
  }
  const comments = report.comments!
  t.ok(comments.responses > 0, 'comments were submitted')
  t.equal(comments.lost, 0, 'every 201 left a row')
  t.ok(comments.rowsAdded >= comments.responses)
  t.ok(report.coldStartMs! > 0)
  t.ok(report.rssMb! > 0)

  const markdown = readFileSync(out, 'utf8')
  for (const name of names) t.ok(markdown.includes(`| ${name} |`), `BENCHMARKS.md has ${name}`)
  t.match(markdown, /Node v\d+/)
  t.match(markdown, /Cold start/)
})

t.test('the newsroom, search and distribution scenarios report throughput, latencies, the hit rate, the order and what feeds cost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'BENCHMARKS.md')
  const json = join(dir, 'report.json')
  const args = ['--quick', '--articles', '400', '--scenario', 'newsroom', '--scenario', 'search', '--scenario', 'distribution', '--out', out, '--json', json]
  await runScript('bench/run', [...args, '--db', join(dir, 'bench.sqlite')])

  const report = JSON.parse(readFileSync(json, 'utf8')) as Report
  t.same(report.scenarios, ['newsroom', 'search', 'distribution'])
  t.same(report.rows, [], 'the standard rows did not run')

  const newsroom = report.newsroom!
  t.equal(newsroom.stories, 400, 'every story of a small archive is read')
  t.ok(newsroom.distinctPaths > 500, 'many different URLs')
  t.ok(Math.abs(newsroom.shares.articles - 0.7) < 0.02 && Math.abs(newsroom.shares.lists - 0.2) < 0.02, 'the mix has its shares')
  for (const [name, mix] of [['reads only', newsroom.noWrites], ['reads + writes', newsroom.withWrites]] as const) {
    t.ok(mix.rps > 0 && mix.p50 > 0 && mix.p99 >= mix.p50, `${name}: throughput and latencies`)
    t.equal(mix.bad, 0, `${name}: every read answered 2xx`)
    // Counted by the service: a few hundred stories read again and again, some of them hit.
    t.ok(mix.hits + mix.misses > 0, `${name}: the service counted its cacheable reads`)
    t.ok(mix.hitRate !== null && mix.hitRate > 0.2 && mix.hitRate <= 1, `${name}: hit rate ${mix.hitRate}`)
    t.equal(mix.hitRate, mix.hits / (mix.hits + mix.misses))
  }
  const writes = newsroom.withWrites.writes
  t.ok(writes.saves >= 2 && writes.comments >= 5, `writes landed: ${writes.saves} saves, ${writes.comments} comments`)
  t.equal(writes.failed, 0, 'no write failed')
  t.equal(writes.held, 0, 'post-moderation approved every comment')
  t.type(newsroom.throughputRatio, 'number')

  const search = report.search!
  t.ok(search.queries >= 100, `${search.queries} different queries`)
  t.same(search.kinds.map((k) => k.kind), ['common word', 'rare word', 'two words', 'three words', 'prefix'])
  for (const kind of search.kinds) t.ok(kind.requests > 0 && kind.p50 > 0 && kind.p99 >= kind.p50, `${kind.kind}: timed`)
  t.ok(search.rps > 0 && search.overall.p99 >= search.overall.p50)
  t.equal(search.failed, 0, 'every search answered 200')
  t.equal(search.order.checked, search.queries)
  t.equal(search.order.violations, 0, `best match first: ${search.order.examples.join('; ')}`)

  const markdown = readFileSync(out, 'utf8')
  t.match(markdown, /## Newsroom mix/)
  t.match(markdown, /\| reads \+ writes \| \d+ \|/)
  t.match(markdown, /## Search, cache off/)
  t.match(markdown, /\| all \| \d+ \|/)

  const distribution = report.distribution!
  const names = distribution.rows.map((row) => row.name)
  for (const name of ['list page of 50 (the yardstick)', 'RSS, 50 entries', 'Atom, 50 entries', 'JSON Feed, 50 entries', 'sitemap index', 'news sitemap', 'JSON-LD', 'ninjs']) {
    t.ok(names.includes(name), `${name}: measured`)
  }
  t.ok(names.some((name) => /^sitemap page 1 \(400 URLs\)$/.test(name)), 'the sitemap page of the whole small archive')
  for (const row of distribution.rows) t.ok(row.medianMs > 0 && row.slowestMs >= row.medianMs && row.bytes > 0, `${row.name}: timed`)
  t.match(markdown, /## Distribution/)
  // Feeds beside lists over HTTP: the server's CPU for each, and each feed over its list.
  const cost = distribution.cost!
  t.same(
    cost.rows.map((row) => row.name),
    [50, 100].flatMap((n) => [`list page of ${n}`, `RSS, ${n} entries`, `Atom, ${n} entries`, `JSON Feed, ${n} entries`]),
  )
  for (const row of cost.rows) {
    t.ok(row.cpuUs > 0 && row.bytes > 0, `${row.name}: the server's CPU counted`)
    t.equal(row.ratio === null, row.name.startsWith('list'), `${row.name}: weighed against its list`)
  }
  t.match(markdown, /### Feeds beside list pages, over HTTP\n[^]*\| RSS, 100 entries \| \d+ µs \| \d+% \|/)
})

t.test('the search order check tells best match first from anything else', async (t) => {
  const hit = (title: string, subtitle = '', tags: string[] = []) => ({ title, subtitle, summary: null, tags })
  const query = { kind: 'two words' as const, q: 'harbour ferr' }
  const inTitle = hit('Harbour ferry returns')
  const inSubtitle = hit('Council news', 'The harbour ferry is late')
  const inTags = hit('Weekend plans', '', ['harbour ferries'])
  t.equal(orderProblem(query, [inTitle, inSubtitle, inTags, hit('Harbour news')]), null, 'title, subtitle, tags, then the body')
  t.match(orderProblem(query, [inSubtitle, inTitle]), /result 2 scores 16 after 8/)
  t.match(orderProblem(query, [hit('Ferry harbour works'), inTags, hit('Other'), inSubtitle]), /result 4/)
  const rare = { kind: 'rare word' as const, q: 'kalomerville' }
  t.equal(orderProblem(rare, [hit('Flood in Kalomerville')]), null)
  t.match(orderProblem(rare, [hit('Flood in the valley')]), /lacks it/)
})
