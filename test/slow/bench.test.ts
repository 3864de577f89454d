// The benchmark's quick version run end to end, as CI runs it: it only has to work (every row
// measured, no failed request, no comment lost). No timing is asserted: CI machines vary.
// Slow tier: a minute or more of load on both cores (three servers and autocannon), and no
// behaviour of the service that the fast tier does not already check.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Report } from '../../scripts/bench/run.js'
import { build, runScript } from '../server-process.js'

// The bench runs the compiled service and scripts: `npm run test:slow` builds them once before
// any file runs; run alone, this builds them first.
t.before(build)

t.test('npm run bench --quick measures every target and loses no comment', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'BENCHMARKS.md')
  const json = join(dir, 'report.json')
  const { stdout } = await runScript('bench/run', ['--quick', '--out', out, '--json', json, '--db', join(dir, 'bench.sqlite')])
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
  t.ok(report.comments.responses > 0, 'comments were submitted')
  t.equal(report.comments.lost, 0, 'every 201 left a row')
  t.ok(report.comments.rowsAdded >= report.comments.responses)
  t.ok(report.coldStartMs > 0)
  t.ok(report.rssMb > 0)

  const markdown = readFileSync(out, 'utf8')
  for (const name of names) t.ok(markdown.includes(`| ${name} |`), `BENCHMARKS.md has ${name}`)
  t.match(markdown, /Node v\d+/)
  t.match(markdown, /Cold start/)
})
