// The tags' own search index (migration search-tags-index), which search reads to score a match
// in the tags: it must hold what articles_fts holds in its tags column after every kind of
// write, and a database made before it must be filled when the service opens it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { type Db, openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { projectPath } from '../src/paths.js'
import { slugify } from '../src/text/slug.js'
import { auth, type TestContext, testConfig } from './helpers.js'

/** Our migration, found by name: the lead may renumber it when branches merge. */
const OURS = /search-tags-index$/

const WORDS = ['harbour', 'ferry', 'storm', 'council', 'zinc', 'harb']

/** Per word, the articles whose tags hold it: from articles_fts's tags column and from the tags' index. */
function tagHits(db: Database.Database) {
  const column = db.prepare<[string], number>(`SELECT rowid FROM articles_fts WHERE articles_fts MATCH '{tags} : ' || ? ORDER BY rowid`).pluck()
  const own = db.prepare<[string], number>('SELECT rowid FROM articles_fts_tags WHERE articles_fts_tags MATCH ? ORDER BY rowid').pluck()
  const query = (word: string) => `"${word}"${word === 'harb' ? '*' : ''}`
  return {
    column: Object.fromEntries(WORDS.map((word) => [word, column.all(query(word))])),
    own: Object.fromEntries(WORDS.map((word) => [word, own.all(query(word))])),
  }
}

async function appOn(t: TestContext, db: Db, file = ':memory:') {
  const editor = createKeysRepository(db).create('tags index test', 'editor').token
  const app = await buildApp(testConfig({ DATABASE_PATH: file }), { db })
  t.teardown(() => app.close())
  await app.ready()
  const send = async (method: 'POST' | 'PATCH' | 'DELETE' | 'GET', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers: auth(editor), ...(payload && { payload }) })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.statusCode === 204 ? null : res.json()
  }
  const search = async (q: string) => (await send('GET', `/v1/articles?q=${encodeURIComponent(q)}`)).data.map((a: { id: string }) => a.id)
  return { send, search }
}

t.test('the tags index keeps step with creates, edits, publishes and deletes', async (t) => {
  const db = openDatabase(':memory:')
  const { send, search } = await appOn(t, db)
  const create = async (fields: object) => {
    const a = await send('POST', '/v1/articles', fields)
    return send('POST', `/v1/articles/${a.id}/publish`)
  }
  const tagged = await create({ title: 'Quay works begin', tags: ['Harbour', 'storm damage'] })
  const inBody = await create({ title: 'Night crossing', body: [{ type: 'paragraph', text: 'The harbour ferry ran late.' }] })
  const gone = await create({ title: 'Zinc prices', tags: ['zinc', 'harbour'] })
  t.same(await search('harbour'), [gone.id, tagged.id, inBody.id], 'a match in the tags (4) ranks above one in the body (1), newest first')

  await send('PATCH', `/v1/articles/${tagged.id}`, { tags: ['ferry'] })
  t.same(await search('harbour'), [gone.id, inBody.id], 'a tag taken away is no longer found')
  t.same(await search('ferry'), [tagged.id, inBody.id], 'a tag added is found and ranked as a tag')
  await send('PATCH', `/v1/articles/${tagged.id}`, { title: 'Quay works begin at last' })
  t.same(await search('ferry'), [tagged.id, inBody.id], 'an edit that leaves the tags alone keeps them indexed')
  await send('DELETE', `/v1/articles/${gone.id}`)
  t.same(await search('zinc'), [], 'a deleted article is gone from the tags index')
  t.same(await search('harb'), [inBody.id], 'and from prefix matches')

  const hits = tagHits(db.$client)
  t.same(hits.own, hits.column, 'each word finds the same articles in both indexes')
  t.same(hits.own.ferry, [1], 'the rowid is the article seq')
  t.equal(db.$client.prepare('SELECT count(*) FROM articles_fts_tags').pluck().get(), 2, 'one row per article')
})

interface Journal {
  entries: { tag: string }[]
}

t.test('a database made before the tags index is filled at open and searches as before', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-tags-index-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const folder = join(dir, 'migrations')
  cpSync(projectPath('migrations'), folder, { recursive: true })
  const journalPath = join(folder, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal
  const index = journal.entries.findIndex((entry) => OURS.test(entry.tag))
  t.ok(index > 0, 'our migration is in the journal')
  journal.entries = journal.entries.slice(0, index)
  writeFileSync(journalPath, JSON.stringify(journal))

  // The old schema, and articles and search rows as the code of that time wrote them.
  const file = join(dir, 'old.sqlite')
  const old = new Database(file)
  // The old migrations call the service's slug function, as openDatabase registers it.
  old.function('cms_slugify', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? slugify(text) : null))
  migrate(drizzle({ client: old }), { migrationsFolder: folder })
  const T = '2026-02-01T09:00:00.000Z'
  const article = old.prepare(
    `INSERT INTO articles (seq, id, slug, title, body, status, authors, tags, sources, published_at, sort_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'published', '[]', ?, '[]', ?, ?, ?, ?)`,
  )
  const searchRow = old.prepare("INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags) VALUES (?, ?, '', '', ?, ?)")
  const rows = [
    [1, 'Storm closes the harbour', 'Boats stayed in.', ['weather']],
    [2, 'Council budget', 'A storm of questions.', ['storm', 'Council']],
    [3, 'Ferry timetable', 'Crossings resume.', ['harbour', 'ferry']],
    [4, 'Zinc roofing', 'The harbour shed is new.', ['zinc']],
  ] as const
  for (const [seq, title, text, tags] of rows) {
    const time = `2026-02-0${seq}T09:00:00.000Z`
    const body = JSON.stringify([{ type: 'paragraph', text }])
    article.run(seq, `oldarticle000000000000000${seq}`, `old-${seq}`, title, body, JSON.stringify(tags), time, time, T, time)
    searchRow.run(seq, title, text, tags.join(' '))
  }
  old.close()

  const db = openDatabase(file)
  const hits = tagHits(db.$client)
  t.same(hits.own, hits.column, 'the migration indexed every article’s tags as articles_fts holds them')
  t.same(hits.own.harbour, [3])
  const { search } = await appOn(t, db, file)
  const id = (seq: number) => `oldarticle000000000000000${seq}`
  t.same(await search('harbour'), [id(1), id(3), id(4)], 'title (16), then tags (4), then body (1)')
  t.same(await search('storm'), [id(1), id(2)], 'a title match beats tags and body together')
  t.same(await search('council storm'), [id(2)], 'every word in the tags')
})
