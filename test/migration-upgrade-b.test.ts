// Upgrading a database made before corrections, preview links and translations (issue 19, second
// half): the migrations that came before ours make a file, rows go in as the code of that time
// wrote them, then the service opens it and must find every row, serve it, and apply the new
// rules (slugs unique within a locale, groups, corrections) to it.
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

/** Our migration, found by name: the lead may renumber it when branches merge. */
const OURS = /corrections-previews-translations$/

interface Journal {
  entries: { tag: string }[]
}

/** A copy of migrations/ whose journal stops before ours: the schema of main before this work. */
function migrationsBefore(dir: string): number {
  const folder = join(dir, 'migrations')
  cpSync(projectPath('migrations'), folder, { recursive: true })
  const path = join(folder, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(path, 'utf8')) as Journal
  const index = journal.entries.findIndex((entry) => OURS.test(entry.tag))
  if (index < 0) throw new Error('our migration is not in the journal')
  journal.entries = journal.entries.slice(0, index)
  writeFileSync(path, JSON.stringify(journal))
  return index
}

const TIME = '2026-01-05T08:00:00.000Z'

/** A revision as main recorded it: no translationOf, no corrections. */
const OLD_SNAPSHOT = {
  slug: 'harbour-reopens',
  title: 'Harbour reopens',
  subtitle: '',
  summary: '',
  body: [{ type: 'paragraph', text: 'Ferries run again from Monday.' }],
  status: 'published',
  authors: ['Marta Quiroga'],
  section: 'local',
  tags: ['harbour'],
  sources: [],
  locale: 'en',
  leadMediaId: null,
  commentsEnabled: true,
  publishedAt: TIME,
  scheduledAt: null,
}

t.test('a database made before this work upgrades with nothing lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-upgrade-b-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'old.sqlite')
  const before = migrationsBefore(dir)

  // The old schema, and rows as the code of that time wrote them: slugs unique across locales.
  const old = new Database(file)
  old.pragma('foreign_keys = ON')
  migrate(drizzle({ client: old }), { migrationsFolder: join(dir, 'migrations') })
  t.notOk(
    (old.prepare("SELECT name FROM pragma_table_info('articles')").all() as { name: string }[]).some((c) => c.name === 'translation_of'),
    'the old schema has no translations',
  )
  const insert = old.prepare(
    `INSERT INTO articles (id, slug, title, subtitle, summary, body, status, authors, section, tags, sources, locale, lead_media_id,
       comments_enabled, comment_count, published_at, scheduled_at, sort_at, created_at, updated_at, version)
     VALUES (?, ?, ?, '', '', ?, ?, '["Marta Quiroga"]', 'local', '["harbour"]', '[]', ?, NULL, 1, 0, ?, NULL, ?, ?, ?, ?)`,
  )
  const body = JSON.stringify([{ type: 'paragraph', text: 'Ferries run again from Monday.' }])
  insert.run('oldarticle0000000000000001', 'harbour-reopens', 'Harbour reopens', body, 'published', 'en', TIME, TIME, TIME, TIME, 3)
  insert.run('oldarticle0000000000000002', 'el-puerto-reabre', 'El puerto reabre', body, 'published', 'es', TIME, TIME, TIME, TIME, 1)
  insert.run('oldarticle0000000000000003', 'harbour-fees', 'Harbour fees (draft)', body, 'draft', 'en', null, TIME, TIME, TIME, 1)
  old
    .prepare("INSERT INTO article_revisions (article_id, revision, snapshot, key_id, created_at) VALUES (?, ?, ?, NULL, ?)")
    .run('oldarticle0000000000000001', 3, JSON.stringify(OLD_SNAPSHOT), TIME)
  old.close()

  // The new code opens it: the pending migrations run at open.
  const db = openDatabase(file)
  const applied = (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
  t.ok(applied > before, `the pending migrations ran (${before} before, ${applied} now)`)
  t.same(db.$client.pragma('foreign_key_check'), [], 'no foreign key is broken')
  t.equal(db.$client.pragma('integrity_check', { simple: true }), 'ok')
  const editor = createKeysRepository(db).create('upgrade test', 'editor').token
  const app = await buildApp(testConfig({ DATABASE_PATH: file }), { db })
  t.teardown(() => app.close())
  await app.ready()

  const read = await app.inject({ url: '/v1/articles/slug/harbour-reopens' })
  t.equal(read.statusCode, 200, 'an old article by slug, in the default locale')
  t.match(read.json(), {
    id: 'oldarticle0000000000000001',
    title: 'Harbour reopens',
    locale: 'en',
    translationOf: null,
    corrections: [],
    retracted: false,
    version: 3,
    publishedAt: TIME,
  })
  t.equal((await app.inject({ url: '/v1/articles/slug/el-puerto-reabre?locale=es' })).statusCode, 200, 'one in another locale by its locale')
  t.equal((await app.inject({ url: '/v1/articles?locale=es' })).json().data.length, 1, 'the locale filter finds old rows')
  const revisions = await app.inject({ url: '/v1/articles/oldarticle0000000000000001/revisions', headers: auth(editor) })
  t.same(revisions.json().data, [{ revision: 3, createdAt: TIME, keyId: null, snapshot: OLD_SNAPSHOT }], 'its revision is kept and still served')
  t.equal((await app.inject({ url: '/v1/articles/oldarticle0000000000000003', headers: auth(editor) })).json().status, 'draft', 'so is the draft')

  // The new rules apply to old rows.
  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload })
  t.equal((await post({ title: 'Harbour reopens', slug: 'harbour-reopens' })).statusCode, 409, 'an old slug is still taken in its locale')
  const translation = await post({ title: 'Reabre el puerto', slug: 'harbour-reopens', locale: 'es', translationOf: 'oldarticle0000000000000001' })
  t.equal(translation.statusCode, 201, 'but free in another, for a translation of the old article')
  const group = await app.inject({ url: '/v1/articles/oldarticle0000000000000001/translations', headers: auth(editor) })
  t.same(group.json().data.map((s: { locale: string }) => s.locale), ['en', 'es'])
  const corrected = await app.inject({
    method: 'POST',
    url: '/v1/articles/oldarticle0000000000000001/corrections',
    headers: auth(editor),
    payload: { type: 'correction', text: 'Ferries run from Tuesday, not Monday.' },
  })
  t.equal(corrected.statusCode, 201, 'an old article takes corrections')
  const after = (await app.inject({ url: '/v1/articles/oldarticle0000000000000001' })).json()
  t.equal(after.version, 4, 'as a new version after its old ones')
  t.equal(after.corrections.length, 1)
  t.equal((db.$client.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n, 4, 'every old row is there, and the new one')
})
