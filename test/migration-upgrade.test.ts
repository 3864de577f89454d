// Upgrading a database made before author profiles and section rows: every section an article
// named becomes a section, the articles name its slug and nothing else in them changes, and
// the service then works on it as on a new one.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { projectPath } from '../src/paths.js'
import { auth, testConfig } from './helpers.js'

/** The last migration of the service before sections were rows (main's newest when they came). */
const LAST_BEFORE = 'corrections-previews-translations'

/** A copy of the migrations folder that stops at LAST_BEFORE: what the older service applied. */
function olderMigrations(dir: string): string {
  const folder = join(dir, 'migrations')
  cpSync(projectPath('migrations'), folder, { recursive: true })
  const journalPath = join(folder, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] }
  const last = journal.entries.findIndex((entry) => entry.tag.endsWith(`_${LAST_BEFORE}`))
  if (last < 0) throw new Error(`no migration ${LAST_BEFORE}`)
  journal.entries = journal.entries.slice(0, last + 1)
  writeFileSync(journalPath, JSON.stringify(journal))
  return folder
}

// Sections as older clients wrote them: slugs, names, a name in two cases, accents, a script
// with no Latin letters, none at all.
const OLD_ARTICLES: [slug: string, section: string | null, status: 'published' | 'draft'][] = [
  ['summit-ends', 'world', 'published'],
  ['rail-strike', 'World', 'draft'],
  ['mill-layoffs', 'Local News', 'draft'],
  ['budget-vote', 'Économie', 'published'],
  ['trade-talks', '国际', 'published'],
  ['no-section', null, 'published'],
]

t.test('a database of the older service is upgraded in place, and nothing in its articles is lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-upgrade-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'cms.sqlite')

  const old = new Database(path)
  migrate(drizzle({ client: old }), { migrationsFolder: olderMigrations(dir) })
  t.equal(old.prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE name = 'sections'").pluck().get(), 0, 'the older schema has no sections')
  const insert = old.prepare(
    `INSERT INTO articles (id, slug, title, body, status, authors, section, tags, sources, published_at, sort_at, created_at, updated_at, version)
     VALUES (?, ?, ?, '[{"type":"paragraph","text":"Words."}]', ?, '["Ada Byline","EFE"]', ?, '["Politics"]', '[]', ?, ?, ?, ?, 3)`,
  )
  const authorRow = old.prepare("INSERT INTO article_authors (article_seq, author, status, sort_at) VALUES (?, 'ada byline', ?, ?)")
  OLD_ARTICLES.forEach(([slug, section, status], i) => {
    const time = `2025-03-0${i + 1}T10:00:00.000Z`
    const seq = Number(insert.run(`old${i}`, slug, `Story ${slug}`, status, section, status === 'published' ? time : null, time, time, time).lastInsertRowid)
    authorRow.run(seq, status, time)
  })
  old.prepare(`INSERT INTO article_revisions (article_id, revision, snapshot, created_at) VALUES ('old1', 3, ?, '2025-03-02T10:00:00.000Z')`).run(
    JSON.stringify({ slug: 'rail-strike', title: 'Rail strike, first take', subtitle: '', summary: '', body: [], status: 'draft', authors: ['Ada Byline'], section: 'World', tags: [], sources: [], locale: 'en', leadMediaId: null, commentsEnabled: true, publishedAt: null, scheduledAt: null }),
  )
  const before = old.prepare('SELECT * FROM articles ORDER BY seq').all() as Record<string, unknown>[]
  old.close()

  // The service opens it: the newer migrations run.
  const db = openDatabase(path)
  const sqlite = db.$client
  const after = sqlite.prepare('SELECT * FROM articles ORDER BY seq').all() as Record<string, unknown>[]
  t.equal(after.length, before.length, 'every article is still there')
  const slugOf: Record<string, string | null> = { world: 'world', World: 'world', 'Local News': 'local-news', Économie: 'economie', 国际: 'section-e59bbde99985' }
  before.forEach((row, i) => {
    const { section, author_ids, ...rest } = after[i]!
    const { section: oldSection, ...oldRest } = row
    t.same(rest, oldRest, `${row.slug}: every other column as it was, the version too`)
    t.equal(section, oldSection === null ? null : slugOf[oldSection as string], `${row.slug}: names the slug of its section`)
    t.equal(author_ids, '[]', `${row.slug}: names no profile yet; its bylines stay`)
  })
  const sections = sqlite.prepare('SELECT slug, name, parent_slug AS parent, path, listed FROM sections ORDER BY slug').all()
  t.same(sections, [
    { slug: 'economie', name: 'Économie', parent: null, path: 'economie', listed: 1 },
    { slug: 'local-news', name: 'Local News', parent: null, path: 'local-news', listed: 0 },
    { slug: 'section-e59bbde99985', name: '国际', parent: null, path: 'section-e59bbde99985', listed: 1 },
    { slug: 'world', name: 'World', parent: null, path: 'world', listed: 1 },
  ], 'each section text became a section named by it; listed when a published story is in it')
  const rows = sqlite.prepare('SELECT a.slug, s.section, s.status, s.sort_at = a.sort_at AS same FROM article_sections s JOIN articles a ON a.seq = s.article_seq ORDER BY a.seq').all()
  t.same(rows, [
    { slug: 'summit-ends', section: 'world', status: 'published', same: 1 },
    { slug: 'rail-strike', section: 'world', status: 'draft', same: 1 },
    { slug: 'mill-layoffs', section: 'local-news', status: 'draft', same: 1 },
    { slug: 'budget-vote', section: 'economie', status: 'published', same: 1 },
    { slug: 'trade-talks', section: 'section-e59bbde99985', status: 'published', same: 1 },
  ], 'each article has its section row')
  t.equal(sqlite.prepare<[], number>('SELECT count(*) FROM article_revisions').pluck().get(), 1, 'revisions are kept')

  // The service on the upgraded file behaves as on a new one.
  const editor = createKeysRepository(db).create('upgrade editor', 'editor').token
  const app = await buildApp(testConfig({ DATABASE_PATH: path }), { db })
  t.teardown(() => app.close())
  await app.ready()
  const list = async (query: string, token?: string) =>
    (await app.inject({ url: `/v1/articles?${query}`, headers: token ? auth(token) : {} })).json().data.map((a: { slug: string }) => a.slug)
  t.same(await list('section=world&status=draft', editor), ['rail-strike'], 'the filter finds the articles named "World" before')
  t.same(await list('section=World'), ['summit-ends'])
  t.same(await list('section=%E5%9B%BD%E9%99%85'), ['trade-talks'], 'and a section with no Latin letter, by its old name')
  t.same((await app.inject({ url: '/v1/sections' })).json().data.map((s: { slug: string }) => s.slug), ['economie', 'section-e59bbde99985', 'world'])
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload: { title: 'New in local', section: 'Local News' } })
  t.equal(created.json().section, 'local-news', 'a client that still sends the name joins the same section')
  const restored = await app.inject({ method: 'POST', url: '/v1/articles/old1/revisions/3/restore', headers: auth(editor) })
  t.equal(restored.statusCode, 200, 'an old revision can be restored')
  t.match(restored.json(), { title: 'Rail strike, first take', section: 'world', authorIds: [], authors: ['Ada Byline'], version: 4 })
  const article = await app.inject({ url: '/v1/articles/old0' })
  t.match(article.json(), { authors: ['Ada Byline', 'EFE'], authorIds: [], authorProfiles: [], section: 'world', tags: ['Politics'], version: 3 })
})
