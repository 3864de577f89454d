// A benchmark dataset written straight into SQLite: the same rows the repositories would write
// for published articles (with their tag, author, profile, section, media-use and search rows),
// author profiles, a section tree, lead media,
// related links and approved comments, in large transactions with the indexes built at the end,
// instead of through HTTP.
import { createHash } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import type Database from 'better-sqlite3'
import { closeDatabase, openDatabase } from '../../src/db/client.js'
import { ID_ALPHABET, timePrefix } from '../../src/db/ids.js'
import { filterKey } from '../../src/articles/repository.js'
import { fingerprint } from '../../src/comments/spam.js'

export interface SeedOptions {
  articles: number
  /** Rows per transaction. */
  batch?: number
  onProgress?: (done: number) => void
}

export interface SeedResult {
  articles: number
  media: number
  comments: number
  relatedLinks: number
  /** Handy probes for the benchmark: a slug, a popular tag, a searchable word (in 1 story of 2,000). */
  sampleSlug: string
  newestId: string
  popularTag: string
  searchWord: string
  /** A section with sections below it: its list holds their articles too. */
  parentSection: string
  /** The article halfway down the list: a deep page starts after it. */
  deep: { sortAt: string; seq: number }
}

// A small vocabulary of our own; sentences are drawn from it with a cheap deterministic PRNG.
export const WORDS = (
  'council harbour budget river election mayor bridge school hospital market festival weather storm ' +
  'railway station library museum farmer village city county minister report survey court judge ' +
  'police fire rescue volunteer teacher student nurse doctor clinic vaccine water energy solar wind ' +
  'housing rent price inflation wage worker union strike factory port ship cargo airport flight ' +
  'tourism hotel restaurant chef harvest drought flood coast island mountain forest park garden ' +
  'museum artist concert theatre film book author poet science research lab climate ocean glacier ' +
  'football league match coach player season final record medal runner cyclist marathon stadium ' +
  'startup investor bank loan tax reform plan vote debate parliament committee inquiry audit ' +
  'road traffic bus tram cycle lane safety pupil exam result grant fund charity community neighbour ' +
  'today yesterday morning evening week month year early late quickly slowly again still always ' +
  'said announced warned agreed promised rejected opened closed built repaired delayed approved ' +
  'the a of and to in on for with by from at after before over under about new old local national'
).split(' ')

// Place names made of syllables: 2,000 rarer words, one per story, so that a search (for one of
// them) matches a small share of the archive as a reader's search does, not half of it.
const SYLLABLES = ['ka', 'lo', 'mer', 'ta', 'vin', 'do', 'sel', 'ra', 'bu', 'nek', 'ori', 'zan', 'pe', 'lum', 'gar', 'ste', 'wy', 'tho']
export const PLACES = Array.from({ length: 2_000 }, (_, i) => {
  const a = SYLLABLES[i % 18]!
  const b = SYLLABLES[Math.floor(i / 18) % 18]!
  const c = SYLLABLES[Math.floor(i / 324) % 18]!
  return `${a}${b}${c}ville`
})
export const SECTIONS = ['news', 'politics', 'business', 'sport', 'culture', 'science', 'travel', 'opinion']
/** The tree: politics and business are sections of news. */
const SECTION_PATHS = new Map(SECTIONS.map((slug) => [slug, ['politics', 'business'].includes(slug) ? `news/${slug}` : slug]))
export const TAGS = Array.from({ length: 200 }, (_, i) => `${WORDS[i % 80]} ${WORDS[(i * 7 + 3) % 80]}`.trim())
export const AUTHORS = Array.from({ length: 60 }, (_, i) => `Reporter ${WORDS[i]} ${WORDS[(i * 11 + 5) % WORDS.length]}`)

export function prng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

/**
 * Ids in newId's format (ten characters of milliseconds, sixteen random) that grow in the order
 * they are made: the clock part ticks once per id, starting far enough back (the ids of a
 * million articles and their rows take a few hours of it) to stay in the past. Random keys
 * would land all over the unique indexes and primary keys of a million-row table, each insert a
 * page read and a page split; growing ones append.
 */
function orderedIds(rand: () => number): () => string {
  let next = Date.now() - 100_000_000
  return () => {
    let id = timePrefix(next++)
    for (let part = 0; part < 2; part++) {
      // 40 random bits a part: eight characters.
      let bits = Math.floor(rand() * 1048576) * 1048576 + Math.floor(rand() * 1048576)
      for (let i = 0; i < 8; i++) {
        id += ID_ALPHABET[bits % 32]!
        bits = Math.floor(bits / 32)
      }
    }
    return id
  }
}

/** Rows for one table, written `chunk` at a time by one multi-row INSERT: a call into SQLite costs more than the row. */
function bulkInsert(sqlite: Database.Database, head: string, tuple: string, chunk = 64) {
  const width = tuple.split('?').length - 1
  const statements = new Map<number, Database.Statement>()
  let args: unknown[] = []
  const flush = () => {
    if (args.length === 0) return
    const rows = args.length / width
    let statement = statements.get(rows)
    if (statement === undefined) {
      statement = sqlite.prepare(`${head} VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`)
      statements.set(rows, statement)
    }
    statement.run(args)
    args = []
  }
  return {
    add(...values: unknown[]): void {
      for (const value of values) args.push(value)
      if (args.length === width * chunk) flush()
    },
    flush,
  }
}

// Every table the seed writes: their secondary indexes are built after the rows are in.
const SEEDED_TABLES = [
  'media', 'articles', 'article_tags', 'article_authors', 'article_author_profiles', 'article_sections', 'article_media',
  'related_links', 'related_link_lists', 'comments', 'comment_moderations',
]

/** Indexes the triggers of seeded tables look rows up by: kept while the rows go in. */
const KEPT_INDEXES = new Set(['articles_id_unique'])

const FTS_BUFFER_BYTES = 1024 * 1024 * 1024

export async function seedDatabase(path: string, options: SeedOptions): Promise<SeedResult> {
  const total = options.articles
  const batch = options.batch ?? 100_000
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) rmSync(path + suffix)
  const db = openDatabase(path)
  const sqlite = db.$client
  // Nothing else is using the file and a failed seed is simply run again.
  sqlite.pragma('journal_mode = OFF')
  sqlite.pragma('synchronous = OFF')
  sqlite.pragma('cache_size = -1048576')
  sqlite.pragma('temp_store = MEMORY')
  sqlite.pragma('foreign_keys = OFF')
  // CREATE INDEX sorts with a helper thread.
  sqlite.pragma('threads = 2')

  // Secondary indexes are dropped and made again at the end from their own CREATE statements:
  // a sort per index writes full pages in order, and costs less than keeping every index up to
  // date row by row (measured: the seed took half as long again with the indexes in place). The
  // end state is the same schema with the same entries, and recreating a unique index checks
  // that the seed kept it unique.
  // Kept: the articles' id index, by which the related links' triggers (surrogate keys) find
  // their article. Without it each link read the whole archive: 20,000 articles took 160 s,
  // a million never ended.
  const placeholders = SEEDED_TABLES.map(() => '?').join(', ')
  const indexes = sqlite
    .prepare<string[], { name: string; sql: string }>(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${placeholders}) ORDER BY rowid`,
    )
    .all(...SEEDED_TABLES)
    .filter((index) => !KEPT_INDEXES.has(index.name))
  for (const index of indexes) sqlite.exec(`DROP INDEX "${index.name}"`)
  // The search index keeps new terms in memory (1 MB by default) and writes a segment whenever
  // that fills or a transaction ends; merging many small segments was 40% of its cost. A buffer
  // that holds a whole batch writes one segment per batch. The setting is dropped at the end,
  // so the table is configured as the migration made it.
  sqlite.exec(`INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', ${FTS_BUFFER_BYTES})`)

  const rand = prng(42)
  const newId = orderedIds(prng(7))
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const sentence = (min: number, max: number): string => {
    const n = min + Math.floor(rand() * (max - min + 1))
    let text = pick(WORDS)
    for (let i = 1; i < n; i++) text += ' ' + pick(WORDS)
    return text.charAt(0).toUpperCase() + text.slice(1) + '.'
  }
  const paragraph = (sentences: number) => {
    let text = sentence(8, 18)
    for (let i = 1; i < sentences; i++) text += ' ' + sentence(8, 18)
    return text
  }
  const tagKeys = new Map(TAGS.map((tag) => [tag, filterKey(tag)]))
  const authorKeys = new Map(AUTHORS.map((author) => [author, filterKey(author)]))

  // OR FAIL (or OR IGNORE): a plain INSERT that fires a trigger (surrogate keys) or writes
  // several rows keeps a statement journal of every page it touches, to undo itself if a later
  // row fails; OR FAIL keeps the rows written before a failure, and a failure ends the seed.
  const media = bulkInsert(
    sqlite,
    `INSERT OR FAIL INTO media (id, kind, mime_type, filename, size, width, height, sha256, caption, credit, creator,
      copyright, usage_terms, alt_text, created_at, updated_at, version)`,
    "(?, 'image', 'image/jpeg', ?, ?, 1600, 900, ?, ?, ?, ?, '', '', ?, ?, ?, 1)",
  )
  const articles = bulkInsert(
    sqlite,
    `INSERT OR FAIL INTO articles (seq, id, slug, title, subtitle, summary, body, status, authors, author_ids, section, tags,
      sources, locale, lead_media_id, comments_enabled, comment_count, published_at, scheduled_at, sort_at, created_at, updated_at, version)`,
    "(?, ?, ?, ?, ?, ?, ?, 'published', ?, ?, ?, ?, '[]', 'en', ?, 1, ?, ?, NULL, ?, ?, ?, 2)",
    16,
  )
  const articleTags = bulkInsert(sqlite, 'INSERT OR IGNORE INTO article_tags (article_seq, tag, status, sort_at)', "(?, ?, 'published', ?)")
  const articleAuthors = bulkInsert(sqlite, 'INSERT OR IGNORE INTO article_authors (article_seq, author, status, sort_at)', "(?, ?, 'published', ?)")
  const articleProfiles = bulkInsert(sqlite, 'INSERT OR IGNORE INTO article_author_profiles (article_seq, author_id, status, sort_at)', "(?, ?, 'published', ?)")
  const articleSections = bulkInsert(sqlite, 'INSERT OR IGNORE INTO article_sections (article_seq, section, status, sort_at)', "(?, ?, 'published', ?)")
  const mediaUses = bulkInsert(sqlite, 'INSERT OR IGNORE INTO article_media (article_id, media_id)', '(?, ?)')
  // One row a statement: FTS5 takes a multi-row INSERT at half the speed (measured).
  const searchRows = bulkInsert(sqlite, 'INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags)', '(?, ?, ?, ?, ?, ?)', 1)
  const tagsSearchRows = bulkInsert(sqlite, 'INSERT INTO articles_fts_tags (rowid, tags)', '(?, ?)', 1)
  const relatedLinks = bulkInsert(
    sqlite,
    'INSERT OR FAIL INTO related_links (id, article_id, position, target_article_id, url, title, created_at)',
    '(?, ?, ?, ?, ?, ?, ?)',
  )
  const linkLists = bulkInsert(sqlite, 'INSERT OR FAIL INTO related_link_lists (article_id, version)', '(?, ?)')
  const commentRows = bulkInsert(
    sqlite,
    `INSERT OR FAIL INTO comments (id, article_id, parent_id, depth, author_name, author_email, body, status, ip, user_agent,
      spam_verdict, spam_score, spam_reasons, fingerprint, created_at, updated_at, version)`,
    "(?, ?, NULL, 0, ?, NULL, ?, 'approved', ?, 'bench-seed', 'ok', 0, '[]', ?, ?, ?, 1)",
  )
  const moderations = bulkInsert(
    sqlite,
    'INSERT OR FAIL INTO comment_moderations (id, comment_id, article_id, from_status, to_status, key_id, created_at)',
    "(?, ?, ?, NULL, 'approved', NULL, ?)",
  )
  const writers = [media, articles, articleTags, articleAuthors, articleProfiles, articleSections, mediaUses, searchRows, tagsSearchRows, relatedLinks, linkLists, commentRows, moderations]
  const flushAll = () => {
    for (const writer of writers) writer.flush()
  }

  // Every byline has a profile, and the sections form a small tree; few rows, written as the API would.
  const profileIds = new Map(AUTHORS.map((author) => [author, newId()]))
  const seededAt = new Date().toISOString()
  const insertProfile = sqlite.prepare('INSERT INTO authors (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
  for (const [author, id] of profileIds) insertProfile.run(id, author.toLowerCase().replace(/[^a-z0-9]+/g, '-'), author, seededAt, seededAt)
  const insertSection = sqlite.prepare('INSERT INTO sections (slug, name, parent_slug, path, listed, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)')
  for (const [slug, path] of SECTION_PATHS) insertSection.run(slug, slug, path.includes('/') ? path.split('/')[0] : null, path, seededAt, seededAt)

  // One lead photo for every ten articles, shared as newsrooms reuse stock pictures.
  const mediaCount = Math.max(1, Math.ceil(total / 10))
  const mediaIds: string[] = []
  const start = Date.parse('2024-01-01T00:00:00.000Z')
  const insertAllMedia = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = newId()
      mediaIds.push(id)
      const time = new Date(start + i * 1000).toISOString()
      const sha = createHash('sha256').update(id).digest('hex')
      media.add(id, `photo-${i}.jpg`, 180_000 + (i % 5000), sha, sentence(6, 12), 'Staff photographer', pick(AUTHORS), sentence(5, 9), time, time)
    }
    flushAll()
  })
  for (let from = 0; from < mediaCount; from += batch * 5) insertAllMedia(from, Math.min(mediaCount, from + batch * 5))

  // Oldest first, an hour and a bit apart, ending about now: seq and sort_at grow together.
  const step = 37 * 60 * 1000
  const firstTime = Date.now() - total * step
  const ids: string[] = []
  const timeOf = (seq: number) => new Date(firstTime + seq * step).toISOString()
  let comments = 0
  let links = 0
  let sampleSlug = ''

  const insertBatch = sqlite.transaction((from: number, to: number) => {
    for (let seq = from; seq <= to; seq++) {
      const id = newId()
      ids.push(id)
      const time = timeOf(seq)
      const place = PLACES[seq % PLACES.length]!
      const titleText = `${sentence(4, 9).slice(0, -1)} in ${place.charAt(0).toUpperCase()}${place.slice(1)}`
      const slug = `${titleText.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60)}-${seq}`
      if (seq === Math.ceil(total / 2)) sampleSlug = slug
      const subtitle = sentence(8, 14)
      const summary = sentence(12, 20)
      const blocks: { type: string; text: string; level?: number }[] = []
      const paragraphs: string[] = []
      // About 150 words: short for news, but a million of them still fit the disk and the time.
      for (let p = 0; p < 4; p++) {
        const text = p === 0 ? `${paragraph(2)} Residents of ${place} ${pick(WORDS)} ${pick(WORDS)}.` : paragraph(2 + (p % 2))
        paragraphs.push(text)
        blocks.push({ type: 'paragraph', text })
        if (p === 1) {
          const heading = sentence(3, 6).slice(0, -1)
          paragraphs.push(heading)
          blocks.push({ type: 'heading', text: heading, level: 2 })
        }
      }
      const authors = [pick(AUTHORS)]
      if (rand() < 0.3) authors.push(pick(AUTHORS))
      const tagCount = 2 + Math.floor(rand() * 3)
      // Tag 0 is on every fifth article: a popular tag whose list is long.
      const tags = seq % 5 === 0 ? [TAGS[0]!] : []
      while (tags.length < tagCount) {
        const tag = pick(TAGS)
        if (!tags.includes(tag)) tags.push(tag)
      }
      const uniqueAuthors = [...new Set(authors)]
      const authorIds = uniqueAuthors.map((author) => profileIds.get(author)!)
      const section = pick(SECTIONS)
      const leadMediaId = mediaIds[seq % mediaIds.length]!
      const commentCount = seq % 4 === 0 ? 1 + (seq % 5) : 0

      articles.add(
        seq, id, slug, titleText, subtitle, summary, JSON.stringify(blocks), JSON.stringify(uniqueAuthors), JSON.stringify(authorIds),
        section, JSON.stringify(tags), leadMediaId, commentCount, time, time, time, time,
      )
      for (const tag of tags) articleTags.add(seq, tagKeys.get(tag)!, time)
      for (const author of uniqueAuthors) articleAuthors.add(seq, authorKeys.get(author)!, time)
      for (const authorId of authorIds) articleProfiles.add(seq, authorId, time)
      for (const ancestor of SECTION_PATHS.get(section)!.split('/')) articleSections.add(seq, ancestor, time)
      mediaUses.add(id, leadMediaId)
      searchRows.add(seq, titleText, subtitle, summary, paragraphs.join('\n'), tags.join(' '))
      tagsSearchRows.add(seq, tags.join(' '))

      // Two links to earlier stories and one to the web; the list was written three times.
      if (seq > 2) {
        const targets = [ids[seq - 2]!, ids[Math.floor(rand() * (seq - 2))]!]
        if (targets[1] === targets[0]) targets.pop()
        for (let position = 0; position < targets.length; position++) relatedLinks.add(newId(), id, position, targets[position]!, null, '', time)
        relatedLinks.add(newId(), id, targets.length, null, `https://example.org/background/${seq}`, sentence(3, 6), time)
        linkLists.add(id, targets.length + 2)
        links += targets.length + 1
      }
      for (let c = 0; c < commentCount; c++) {
        const commentId = newId()
        const body = sentence(6, 20)
        const at = new Date(firstTime + seq * step + (c + 1) * 60_000).toISOString()
        commentRows.add(commentId, id, `Reader ${WORDS[(seq + c) % WORDS.length]}`, body, `10.0.${c}.${seq % 250}`, fingerprint(body), at, at)
        moderations.add(newId(), commentId, id, at)
        comments++
      }
    }
    flushAll()
  })

  for (let from = 1; from <= total; from += batch) {
    const to = Math.min(total, from + batch - 1)
    insertBatch(from, to)
    options.onProgress?.(to)
  }
  // A setting has no command to unset it; SQLite guards the search index's own tables unless told.
  sqlite.unsafeMode(true)
  sqlite.exec("DELETE FROM articles_fts_config WHERE k = 'hashsize'")
  sqlite.unsafeMode(false)
  for (const index of indexes) sqlite.exec(index.sql)
  // The triggers logged every row's surrogate keys for caches to evict; no cache has read this
  // file yet, and a reader that finds positions missing simply starts empty.
  sqlite.exec('DELETE FROM invalidations')
  sqlite.pragma('journal_mode = WAL')
  closeDatabase(db)

  const half = Math.max(1, Math.ceil(total / 2))
  return {
    articles: total,
    media: mediaCount,
    comments,
    relatedLinks: links,
    sampleSlug,
    newestId: ids[ids.length - 1]!,
    popularTag: TAGS[0]!,
    searchWord: PLACES[1234]!,
    parentSection: 'news',
    deep: { sortAt: timeOf(half), seq: half },
  }
}
