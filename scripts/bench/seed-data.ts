// A benchmark dataset written straight into SQLite: the same rows the repositories would write
// for published articles (with their tag, author, media-use and search rows), lead media,
// related links and approved comments, in bulk transactions instead of through HTTP.
import { createHash } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { closeDatabase, openDatabase } from '../../src/db/client.js'
import { newId } from '../../src/db/ids.js'
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
  /** The article halfway down the list: a deep page starts after it. */
  deep: { sortAt: string; seq: number }
}

// A small vocabulary of our own; sentences are drawn from it with a cheap deterministic PRNG.
const WORDS = (
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
const PLACES = Array.from({ length: 2_000 }, (_, i) => {
  const a = SYLLABLES[i % 18]!
  const b = SYLLABLES[Math.floor(i / 18) % 18]!
  const c = SYLLABLES[Math.floor(i / 324) % 18]!
  return `${a}${b}${c}ville`
})
const SECTIONS = ['news', 'politics', 'business', 'sport', 'culture', 'science', 'travel', 'opinion']
const TAGS = Array.from({ length: 200 }, (_, i) => `${WORDS[i % 80]} ${WORDS[(i * 7 + 3) % 80]}`.trim())
const AUTHORS = Array.from({ length: 60 }, (_, i) => `Reporter ${WORDS[i]} ${WORDS[(i * 11 + 5) % WORDS.length]}`)

function prng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

export async function seedDatabase(path: string, options: SeedOptions): Promise<SeedResult> {
  const total = options.articles
  const batch = options.batch ?? 2_000
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) rmSync(path + suffix)
  const db = openDatabase(path)
  const sqlite = db.$client
  // Nothing else is using the file and a failed seed is simply run again.
  sqlite.pragma('journal_mode = OFF')
  sqlite.pragma('synchronous = OFF')
  sqlite.pragma('cache_size = -262144')
  sqlite.pragma('temp_store = MEMORY')
  sqlite.pragma('foreign_keys = OFF')

  const rand = prng(42)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const sentence = (min: number, max: number): string => {
    const n = min + Math.floor(rand() * (max - min + 1))
    const words: string[] = []
    for (let i = 0; i < n; i++) words.push(pick(WORDS))
    const text = words.join(' ')
    return text.charAt(0).toUpperCase() + text.slice(1) + '.'
  }
  const paragraph = (sentences: number) => Array.from({ length: sentences }, () => sentence(8, 18)).join(' ')

  const insertMedia = sqlite.prepare(`INSERT INTO media (id, kind, mime_type, filename, size, width, height, sha256, caption,
      credit, creator, copyright, usage_terms, alt_text, created_at, updated_at, version)
    VALUES (?, 'image', 'image/jpeg', ?, ?, 1600, 900, ?, ?, ?, ?, '', '', ?, ?, ?, 1)`)
  const insertArticle = sqlite.prepare(`INSERT INTO articles (seq, id, slug, title, subtitle, summary, body, status, authors,
      section, tags, sources, locale, lead_media_id, comments_enabled, comment_count, published_at, scheduled_at, sort_at,
      created_at, updated_at, version)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'published', ?, ?, ?, '[]', 'en', ?, 1, ?, ?, NULL, ?, ?, ?, 2)`)
  const insertTag = sqlite.prepare("INSERT OR IGNORE INTO article_tags (article_seq, tag, status, sort_at) VALUES (?, ?, 'published', ?)")
  const insertAuthor = sqlite.prepare("INSERT OR IGNORE INTO article_authors (article_seq, author, status, sort_at) VALUES (?, ?, 'published', ?)")
  const insertMediaUse = sqlite.prepare('INSERT OR IGNORE INTO article_media (article_id, media_id) VALUES (?, ?)')
  const insertFts = sqlite.prepare('INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags) VALUES (?, ?, ?, ?, ?, ?)')
  const insertLink = sqlite.prepare(`INSERT INTO related_links (id, article_id, position, target_article_id, url, title, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`)
  const insertList = sqlite.prepare('INSERT INTO related_link_lists (article_id, version) VALUES (?, ?)')
  const insertComment = sqlite.prepare(`INSERT INTO comments (id, article_id, parent_id, depth, author_name, author_email, body,
      status, ip, user_agent, spam_verdict, spam_score, spam_reasons, fingerprint, created_at, updated_at, version)
    VALUES (?, ?, NULL, 0, ?, NULL, ?, 'approved', ?, 'bench-seed', 'ok', 0, '[]', ?, ?, ?, 1)`)
  const insertAudit = sqlite.prepare(`INSERT INTO comment_moderations (id, comment_id, article_id, from_status, to_status, key_id, created_at)
    VALUES (?, ?, ?, NULL, 'approved', NULL, ?)`)

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
      insertMedia.run(id, `photo-${i}.jpg`, 180_000 + (i % 5000), sha, sentence(6, 12), 'Staff photographer', pick(AUTHORS), sentence(5, 9), time, time)
    }
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
      const blocks: { type: string; text: string; level?: number; attribution?: string }[] = []
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
      const leadMediaId = mediaIds[seq % mediaIds.length]!
      const commentCount = seq % 4 === 0 ? 1 + (seq % 5) : 0

      insertArticle.run(
        seq, id, slug, titleText, subtitle, summary, JSON.stringify(blocks), JSON.stringify(uniqueAuthors), pick(SECTIONS),
        JSON.stringify(tags), leadMediaId, commentCount, time, time, time, time,
      )
      for (const tag of tags) insertTag.run(seq, filterKey(tag), time)
      for (const author of uniqueAuthors) insertAuthor.run(seq, filterKey(author), time)
      insertMediaUse.run(id, leadMediaId)
      insertFts.run(seq, titleText, subtitle, summary, paragraphs.join('\n'), tags.join(' '))

      // Two links to earlier stories and one to the web; the list was written three times.
      if (seq > 2) {
        const targets = [ids[seq - 2]!, ids[Math.floor(rand() * (seq - 2))]!]
        if (targets[1] === targets[0]) targets.pop()
        targets.forEach((target, position) => insertLink.run(newId(), id, position, target, null, '', time))
        insertLink.run(newId(), id, targets.length, null, `https://example.org/background/${seq}`, sentence(3, 6), time)
        insertList.run(id, targets.length + 2)
        links += targets.length + 1
      }
      for (let c = 0; c < commentCount; c++) {
        const commentId = newId()
        const body = sentence(6, 20)
        const at = new Date(firstTime + seq * step + (c + 1) * 60_000).toISOString()
        insertComment.run(commentId, id, `Reader ${WORDS[(seq + c) % WORDS.length]}`, body, `10.0.${c}.${seq % 250}`, fingerprint(body), at, at)
        insertAudit.run(newId(), commentId, id, at)
        comments++
      }
    }
  })

  for (let from = 1; from <= total; from += batch) {
    const to = Math.min(total, from + batch - 1)
    insertBatch(from, to)
    options.onProgress?.(to)
  }
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
    deep: { sortAt: timeOf(half), seq: half },
  }
}
