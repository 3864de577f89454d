// A micro-benchmark of the repositories' hot calls, without HTTP: media by ids, related links
// of an article, comment lists, moderation writes and comment submissions through group commit,
// on a seeded file database. `node --import tsx scripts/bench/repositories.ts [rounds] [root]` (tsx comes with drizzle-kit):
// `root` is another checkout to time the same calls against (before and after a change).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const rounds = Number(process.argv[2] ?? 5)
const root = resolve(process.argv[3] ?? '.')
const load = (path: string) => import(pathToFileURL(join(root, path)).href)

const { seedDatabase } = await load('scripts/bench/seed-data.ts')
const { openDatabase, closeDatabase } = await load('src/db/client.ts')
const { createMediaRepository } = await load('src/media/repository.ts')
const { createRelatedLinksRepository } = await load('src/related-links/repository.ts')
const { createCommentsRepository } = await load('src/comments/repository.ts')
const { createArticlesRepository } = await load('src/articles/repository.ts')

const dir = mkdtempSync(join(tmpdir(), 'bench-repos-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const path = join(dir, 'bench.sqlite')
await seedDatabase(path, { articles: 2_000 })
const db = openDatabase(path)
const noEvents = () => {}
const articles = createArticlesRepository(db, noEvents)
const media = createMediaRepository(db, noEvents)
const related = createRelatedLinksRepository(db)
const comments = createCommentsRepository(db, noEvents)

// Probes picked with plain SQL, so that they are the same whichever code is timed.
const sqlite = db.$client
const mediaIds = (sqlite.prepare('SELECT id FROM media ORDER BY id LIMIT 3 OFFSET 50').all() as { id: string }[]).map((r) => r.id)
const linked = (sqlite.prepare('SELECT article_id AS id FROM related_links GROUP BY article_id ORDER BY article_id LIMIT 1 OFFSET 500').get() as { id: string }).id
const busy = (sqlite.prepare('SELECT id FROM articles ORDER BY seq DESC LIMIT 1').get() as { id: string }).id
const other = (sqlite.prepare('SELECT id FROM articles ORDER BY seq DESC LIMIT 1 OFFSET 1').get() as { id: string }).id
const [long, replaced] = (sqlite.prepare('SELECT id FROM articles ORDER BY seq LIMIT 2 OFFSET 700').all() as { id: string }[]).map((r) => r.id)
const targets = (sqlite.prepare('SELECT id FROM articles ORDER BY seq LIMIT 20 OFFSET 800').all() as { id: string }[]).map((r) => r.id)
// Thirty links, two pages of twenty: the second page starts from a cursor.
related.replace(long!, [...targets.map((articleId) => ({ articleId })), ...Array.from({ length: 10 }, (_, i) => ({ url: `https://example.org/${i}`, title: `Link ${i}` }))])
const secondPage = related.page(long!, { limit: 20, includeUnpublished: false }).nextCursor!
const someLink = related.listForArticle(long!)[25]!.id
const mediaCursor = media.list({ limit: 20 }).nextCursor!
const tenMedia = (sqlite.prepare('SELECT id FROM media ORDER BY id LIMIT 10 OFFSET 100').all() as { id: string }[]).map((r) => r.id)

const comment = (articleId: string, i: number) => ({
  articleId,
  parentId: null,
  depth: 0,
  authorName: 'Bench reader',
  authorEmail: 'reader@example.org',
  body: `A considered remark, number ${i}, about the story.`,
  status: 'approved',
  ip: `10.1.${i % 250}.${(i >> 8) % 250}`,
  userAgent: 'bench',
  spam: { verdict: 'ok', score: 0, reasons: [] },
  fingerprint: `fp${i}`,
})
// Forty approved comments on one article: a full page of twenty and a second one.
for (let i = 0; i < 40; i++) comments.create(comment(busy, i))
for (let i = 0; i < 40; i++) comments.create({ ...comment(other, i), status: 'pending' })
const someComment = comments.list({ limit: 1, articleId: busy }).data[0]!.id
const queueCursor = comments.list({ limit: 20, status: 'pending' }).nextCursor!

const sink: unknown[] = []
/**
 * CPU time per call, the best of chunks of 1,000 calls: on a machine shared with other work,
 * wall time mostly measures the others, while the process's own CPU time is what the code costs.
 */
function time(name: string, calls: number, fn: (i: number) => unknown): [string, number] {
  for (let i = 0; i < Math.min(calls, 10_000); i++) sink[i & 7] = fn(i)
  const chunk = Math.min(calls, 1_000)
  let best = Infinity
  for (let done = 0; done < calls; done += chunk) {
    const start = process.cpuUsage()
    for (let i = done; i < done + chunk; i++) sink[i & 7] = fn(i)
    const used = process.cpuUsage(start)
    best = Math.min(best, ((used.user + used.system) * 1000) / chunk)
  }
  return [name, best]
}

let seq = 1_000_000
async function submitBatch(size: number): Promise<number> {
  const start = process.cpuUsage()
  const pending: Promise<unknown>[] = []
  for (let i = 0; i < size; i++) {
    const n = seq++
    const { status: _status, parentId: _parent, depth: _depth, ...fields } = comment(other, n)
    pending.push(
      comments.submit({ ...fields, moderation: 'post' }, () => {
        const gate = articles.gate(other)
        if (!gate) throw new Error('no article')
        return { articleId: gate.id, parentId: null, depth: 0 }
      }),
    )
  }
  await Promise.all(pending)
  const used = process.cpuUsage(start)
  return ((used.user + used.system) * 1000) / size
}

const results = new Map<string, number[]>()
const keep = ([name, ns]: [string, number]) => results.set(name, [...(results.get(name) ?? []), ns])
for (let round = 0; round < rounds; round++) {
  keep(time('media.findByIds(3 ids)', 100_000, () => media.findByIds(mediaIds)))
  keep(time('media.findByIds(10 ids)', 50_000, () => media.findByIds(tenMedia)))
  keep(time('media.getById', 100_000, () => media.getById(mediaIds[0]!)))
  keep(time('media.list(20)', 20_000, () => media.list({ limit: 20 })))
  keep(time('media.list(20, cursor)', 20_000, () => media.list({ limit: 20, cursor: mediaCursor })))
  keep(time('related.listForArticle(3)', 100_000, () => related.listForArticle(linked)))
  keep(time('related.listForArticle(30)', 50_000, () => related.listForArticle(long!)))
  keep(time('related.page(3, reader)', 100_000, () => related.page(linked, { limit: 20, includeUnpublished: false })))
  keep(time('related.page(30, reader)', 50_000, () => related.page(long!, { limit: 20, includeUnpublished: false })))
  keep(time('related.page(30, reader, page 2)', 50_000, () => related.page(long!, { limit: 20, cursor: secondPage, includeUnpublished: false })))
  keep(time('related.page(30, editor)', 50_000, () => related.page(long!, { limit: 20, includeUnpublished: true })))
  keep(time('related.get(reader)', 50_000, () => related.get(long!, someLink, false)))
  keep(time('related.versionOf', 100_000, () => related.versionOf(long!)))
  keep(time('comments.listApproved(20)', 20_000, () => comments.listApproved(busy, { limit: 20 })))
  keep(time('comments.list(pending, 20)', 20_000, () => comments.list({ limit: 20, status: 'pending' })))
  keep(time('comments.list(pending, 20, cursor)', 20_000, () => comments.list({ limit: 20, status: 'pending', cursor: queueCursor })))
  keep(time('comments.list(article, 20)', 20_000, () => comments.list({ limit: 20, articleId: busy })))
  keep(time('comments.getById', 100_000, () => comments.getById(someComment)))
  keep(time('related.suggest', 100, () => related.suggest(linked, { limit: 10 })))
  keep(time('comments.moderate', 10_000, (i) => comments.moderate(someComment, i % 2 === 0 ? 'rejected' : 'approved', { keyId: 'k' })))
  keep(time('media.update', 10_000, (i) => media.update(mediaIds[1]!, { caption: `Caption ${i}` }, { base: 'http://x' })))
  keep(time('related.replace(3)', 5_000, (i) => related.replace(replaced!, [{ url: `https://example.org/a/${i}`, title: 'A' }, { url: 'https://example.org/b', title: 'B' }, { url: 'https://example.org/c', title: 'C' }])))
  keep(time('comments.create (alone)', 5_000, (i) => comments.create(comment(other, 2_000_000 + round * 10_000 + i))))
  const batches: number[] = []
  for (let b = 0; b < 10; b++) batches.push(await submitBatch(1_000))
  keep(['comments.submit (batches of 1,000)', Math.min(...batches)])
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
console.log(`root ${root}, ${rounds} rounds: CPU ns per call, best and median of the rounds`)
for (const [name, values] of results) {
  const extra = name.startsWith('comments.submit') ? `  (${Math.round(1e9 / Math.min(...values))} comments/s at best)` : ''
  console.log(`${name.padEnd(36)} ${Math.min(...values).toFixed(0).padStart(9)} ${median(values).toFixed(0).padStart(9)}${extra}`)
}
closeDatabase(db)
