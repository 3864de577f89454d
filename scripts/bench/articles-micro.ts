// A micro-benchmark of the articles repository's hot calls on 10,000 seeded articles, without
// HTTP: `npx tsx scripts/bench/articles-micro.ts [module]` prints the CPU time per call of each.
// With `module` (a file exporting another createArticlesRepository, e.g. an older version) both
// run on the same database in alternating rounds, so that a busy machine slows both alike; each
// figure is the best round's, since other processes only ever add to it.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { closeDatabase, openDatabase } from '../../src/db/client.js'
import { createArticlesRepository } from '../../src/articles/repository.js'
import { createOutbox } from '../../src/webhooks/outbox.js'
import { seedDatabase } from './seed-data.js'

type Repository = ReturnType<typeof createArticlesRepository>

const ARTICLES = 10_000
const ROUNDS = 20
const dir = join(tmpdir(), 'articles-micro')
const template = join(dir, `template-${ARTICLES}.sqlite`)
mkdirSync(dir, { recursive: true })
if (!existsSync(template)) await seedDatabase(template, { articles: ARTICLES })

const path = join(dir, `run-${process.pid}.sqlite`)
copyFileSync(template, path)
const db = openDatabase(path)
const recordEvent = createOutbox(db)
const repositories: [name: string, repository: Repository][] = [['current', createArticlesRepository(db, recordEvent)]]
if (process.argv[2] !== undefined) {
  const other = (await import(pathToFileURL(resolve(process.argv[2])).href)) as { createArticlesRepository: typeof createArticlesRepository }
  repositories.unshift(['other', other.createArticlesRepository(db, recordEvent)])
  // OTHER_SECOND=1 runs the current version first in each round.
  if (process.env.OTHER_SECOND === '1') repositories.reverse()
}

const rows = db.$client.prepare<[], { id: string; slug: string }>('SELECT id, slug FROM articles ORDER BY random()').all()
const ids = rows.map((row) => row.id)
const slugs = rows.map((row) => row.slug)
const tag = db.$client.prepare<[], string>('SELECT tag FROM article_tags GROUP BY tag ORDER BY count(*) DESC LIMIT 1').pluck().get()!
const author = db.$client.prepare<[], string>('SELECT author FROM article_authors GROUP BY author ORDER BY count(*) DESC LIMIT 1').pluck().get()!
const published = { includeUnpublished: false }
const deepCursor = repositories[0]![1].list({ limit: 20 }, published).nextCursor!
const at = <T>(list: T[], i: number): T => list[i % list.length]!

// ONLY=name,name runs only those measures.
const only = process.env.ONLY?.split(',')

const cpuMicros = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** `total` calls per repository in ROUNDS alternating rounds; prints each one's best µs per call. */
function time(name: string, total: number, call: (articles: Repository, i: number) => unknown): void {
  if (only !== undefined && !only.includes(name)) return
  const perRound = Math.max(1, Math.floor(total / ROUNDS))
  const best = repositories.map(() => Infinity)
  let i = 0
  for (const [, articles] of repositories) for (let k = 0; k < Math.min(perRound, 500); k++) call(articles, i++)
  for (let round = 0; round < ROUNDS; round++) {
    repositories.forEach(([, articles], r) => {
      const start = cpuMicros()
      for (let k = 0; k < perRound; k++) call(articles, i++)
      best[r] = Math.min(best[r]!, (cpuMicros() - start) / perRound)
    })
  }
  const cells = repositories.map(([label], r) => `${label} ${best[r]!.toFixed(2).padStart(8)}`)
  const ratio = best.length === 2 ? `  ${((best[1]! / best[0]! - 1) * 100).toFixed(1).padStart(6)}%` : ''
  console.log(`${name.padEnd(28)} ${cells.join('  ')} µs/call${ratio}  (${perRound * ROUNDS} calls each)`)
}

time('getById', 100_000, (a, i) => a.getById(at(ids, i)))
time('getBySlug', 100_000, (a, i) => a.getBySlug(at(slugs, i)))
time('gate', 100_000, (a, i) => a.gate(at(ids, i)))
time('getById, absent', 100_000, (a) => a.getById('nope'))
time('summariesByIds (10)', 20_000, (a, i) => a.summariesByIds(ids.slice(i % 9_000, (i % 9_000) + 10)))
time('list, first page', 20_000, (a) => a.list({ limit: 20 }, published))
time('list, deep page', 20_000, (a) => a.list({ limit: 20, cursor: deepCursor }, published))
time('list, tag', 20_000, (a) => a.list({ limit: 20, tag }, published))
time('list, author', 20_000, (a) => a.list({ limit: 20, author }, published))
time('list, section', 20_000, (a) => a.list({ limit: 20, section: 'sport' }, published))
time('list, editor, all statuses', 20_000, (a) => a.list({ limit: 20 }, { includeUnpublished: true }))
time('search', 200, (a) => a.list({ limit: 20, q: 'harbour council' }, published))
time('update (title)', 2_000, (a, i) => a.update(at(ids, i), { title: `A new title ${i}` }, { keyId: null }))
time('create', 2_000, (a, i) => a.create({ title: `Created ${i} ${Math.random()}`, tags: ['one', 'two'], authors: ['Ana'] }, null))
time('unpublish + publish', 1_000, (a, i) => {
  a.unpublish(at(ids, i), { keyId: null })
  a.publish(at(ids, i), undefined, { keyId: null })
})
// After the writes, which gave the first ids revisions to list.
time('listRevisions', 20_000, (a, i) => a.listRevisions(at(ids, i % 1_000), 20))

closeDatabase(db)
for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
