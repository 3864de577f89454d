// The benchmark's seeder: its database has the migrations' schema, passes SQLite's checks, and
// holds the rows the repositories would write (a repository rewriting them changes nothing).
// Slow tier: it checks the benchmark's tooling, not the service, on a 1,300-article seed (the
// search probe sits in story 1,234), so it runs with the benchmark smoke in `npm run test:slow`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createArticlesRepository } from '../../src/articles/repository.js'
import { openDatabase } from '../../src/db/client.js'
import { newId } from '../../src/db/ids.js'
import { createRelatedLinksRepository } from '../../src/related-links/repository.js'
import { seedDatabase } from '../../scripts/bench/seed-data.js'

const ID = /^[0-9a-hjkmnp-tv-z]{26}$/

t.test('the seeded database is the one the service would have written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'seed.sqlite')
  // 1,300 articles: the search word is in story 1,234 of every 2,000.
  const seed = await seedDatabase(path, { articles: 1_300, batch: 500 })
  const db = openDatabase(path)
  t.teardown(() => db.$client.close())
  const sqlite = db.$client
  const all = (sql: string, ...args: unknown[]) => sqlite.prepare(sql).all(...args) as Record<string, unknown>[]
  const one = (sql: string, ...args: unknown[]) => sqlite.prepare(sql).pluck().get(...args)

  t.test('schema, search settings and integrity', async (t) => {
    const fresh = openDatabase(':memory:')
    t.teardown(() => fresh.$client.close())
    const schema = (s: typeof sqlite) => s.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all()
    t.same(schema(sqlite), schema(fresh.$client), 'every table, index and trigger as the migrations made them')
    const config = 'SELECT k, v FROM articles_fts_config ORDER BY k'
    t.same(sqlite.prepare(config).all(), fresh.$client.prepare(config).all(), 'search index settings as the migration left them')
    t.equal(one('PRAGMA integrity_check'), 'ok')
    t.doesNotThrow(() => sqlite.exec("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')"), 'search index matches its rows')
    t.equal(one('PRAGMA journal_mode'), 'wal')
  })

  t.test('counts and probes', async (t) => {
    t.equal(one('SELECT count(*) FROM articles'), seed.articles)
    t.equal(one("SELECT count(*) FROM articles WHERE status = 'published'"), seed.articles)
    t.equal(one('SELECT count(*) FROM articles_fts'), seed.articles)
    t.equal(one('SELECT count(*) FROM articles_fts_tags'), seed.articles, 'a row in the tags index for each')
    t.equal(
      one('SELECT count(*) FROM articles_fts_tags WHERE articles_fts_tags MATCH ?', `"${seed.popularTag.split(' ')[0]}"`),
      one(`SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '{tags} : ' || ?`, `"${seed.popularTag.split(' ')[0]}"`),
      'holding what the search index holds in its tags column',
    )
    t.equal(one('SELECT count(*) FROM media'), seed.media)
    t.equal(one("SELECT count(*) FROM comments WHERE status = 'approved'"), seed.comments)
    t.equal(one('SELECT count(*) FROM related_links'), seed.relatedLinks)
    t.equal(one('SELECT sum(comment_count) FROM articles'), seed.comments, 'comment counts match the approved comments')
    t.equal(one('SELECT count(*) FROM comment_moderations'), seed.comments, 'one audit row per comment')
    t.equal(one('SELECT count(*) FROM articles WHERE slug = ?', seed.sampleSlug), 1)
    t.equal(one('SELECT id FROM articles ORDER BY seq DESC LIMIT 1'), seed.newestId)
    t.equal(one('SELECT sort_at FROM articles WHERE seq = ?', seed.deep.seq), seed.deep.sortAt)
    t.ok((one('SELECT count(*) FROM article_tags WHERE tag = ?', seed.popularTag) as number) >= seed.articles / 5)
    t.equal(one('SELECT count(*) FROM article_sections WHERE section = ?', seed.parentSection), one("SELECT count(*) FROM articles WHERE section IN ('news', 'politics', 'business')"), 'a section row for each section above')
    t.equal(one('SELECT count(*) FROM article_author_profiles'), one('SELECT sum(json_array_length(author_ids)) FROM articles'), 'a row for each profile named')
    t.equal(one('SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?', seed.searchWord), 1)
  })

  t.test('ids have the format of newId and grow in the order rows were written', async (t) => {
    t.match(newId(), ID)
    for (const table of ['articles', 'media', 'comments', 'comment_moderations', 'related_links', 'authors']) {
      const ids = sqlite.prepare(`SELECT id FROM ${table} ORDER BY rowid`).pluck().all() as string[]
      t.ok(ids.every((id) => ID.test(id)), `${table}: every id is 26 characters of the alphabet`)
      t.ok(ids.every((id, i) => i === 0 || ids[i - 1]! < id), `${table}: ids grow`)
    }
  })

  t.test('the repositories rewrite an article and its links to the same rows', async (t) => {
    const articles = createArticlesRepository(db, () => {})
    const related = createRelatedLinksRepository(db)
    const article = articles.getBySlug(seed.sampleSlug)!
    const seq = one('SELECT seq FROM articles WHERE id = ?', article.id)
    const derived = () => ({
      row: all(`SELECT id, slug, title, subtitle, summary, body, status, authors, author_ids, section, tags, sources, locale, lead_media_id,
        comments_enabled, comment_count, published_at, scheduled_at, sort_at, created_at FROM articles WHERE seq = ?`, seq),
      tags: all('SELECT * FROM article_tags WHERE article_seq = ? ORDER BY tag', seq),
      authors: all('SELECT * FROM article_authors WHERE article_seq = ? ORDER BY author', seq),
      profiles: all('SELECT * FROM article_author_profiles WHERE article_seq = ? ORDER BY author_id', seq),
      sections: all('SELECT * FROM article_sections WHERE article_seq = ? ORDER BY section', seq),
      media: all('SELECT * FROM article_media WHERE article_id = ? ORDER BY media_id', article.id),
      search: all('SELECT rowid, * FROM articles_fts WHERE rowid = ?', seq),
      links: all('SELECT * FROM related_links WHERE article_id = ? ORDER BY position', article.id),
    })
    const before = derived()
    t.equal(before.tags.length, article.tags.length)
    t.equal(before.profiles.length, article.authorIds.length)
    t.ok(before.sections.length >= 1, 'its section, and those above it')
    t.equal(before.links.length, 3)
    articles.update(article.id, {}, { keyId: null })
    const links = related.listForArticle(article.id)
    related.replace(article.id, links.map((link) => (link.url === null ? { articleId: link.articleId! } : { url: link.url, title: link.title })))
    t.same(derived(), before)
  })
})
