// The "newsroom" scenario: a day's traffic rather than one URL hammered. Reads spread over the
// newest 3,000 stories (80% of them to the hottest tenth), list pages with varied filters and
// deep cursors, and searches with varied words, measured twice: alone, and while editors save
// 4 articles a second and readers post 10 comments a second (post-moderation: each is approved
// at once and changes its article's comment count, so it evicts that story and the lists
// showing it). The response cache's hit rate comes from the service itself (BENCH_CACHE_STATS).
import Database from 'better-sqlite3'
import { encodeCursor } from '../../src/http/cursor.js'
import { median, type Sample, shoot } from './harness.js'
import { AUTHORS, PLACES, prng, SECTIONS, TAGS, WORDS } from './seed-data.js'

/** The stories read: the newest this many (all of them in a smaller archive). */
export const NEWSROOM_STORIES = 3_000
/** Paths autocannon takes in turn: enough that most of the long tail is read before the cycle repeats. */
const MIX_LENGTH = 100_000
export const SAVES_PER_SECOND = 4
export const COMMENTS_PER_SECOND = 10

export interface NewsroomOptions {
  /** The service, started with BENCH_CACHE_STATS=true and CMS_ADMIN_TOKEN=`token`. */
  base: string
  token: string
  db: string
  warmup: number
  duration: number
  rounds: number
  connections: number
  /** WORKERS of the service: above 1, each worker has a cache of its own and no hit rate is reported. */
  workers: number
}

export interface MixResult {
  rps: number
  p50: number
  p99: number
  /** Non-2xx answers, errors and timeouts of the reads. */
  bad: number
  hits: number
  misses: number
  /** hits / (hits + misses) over the measured windows: the cacheable reads served from memory (null with WORKERS > 1). */
  hitRate: number | null
}

export interface WriteCounts {
  saves: number
  comments: number
  /** Saves not answered 200 and comments not answered 201 (or failed to send): must be 0. */
  failed: number
  /** Comments answered 201 but not approved at once (held by the spam check). */
  held: number
}

export interface NewsroomReport {
  stories: number
  distinctPaths: number
  shares: { articles: number; lists: number; searches: number }
  noWrites: MixResult
  withWrites: MixResult & { writes: WriteCounts; savesPerSecond: number; commentsPerSecond: number }
  /** Requests/s with writes over requests/s without: the target is at least 0.7. */
  throughputRatio: number
}

interface Story {
  id: string
  slug: string
}

/** One of `list`, 80% of the time from its first tenth (the hottest), else from the rest. */
function skewed<T>(list: readonly T[], rand: () => number): T {
  const hot = Math.max(1, Math.ceil(list.length / 10))
  if (rand() < 0.8 || list.length === hot) return list[Math.floor(rand() * hot)]!
  return list[hot + Math.floor(rand() * (list.length - hot))]!
}

/** The paths of the read mix (70% articles, 20% lists, 10% searches), the same on every run. */
export function newsroomPaths(db: string): { paths: string[]; stories: Story[]; counts: { articles: number; lists: number; searches: number } } {
  const sqlite = new Database(db, { readonly: true })
  const stories = sqlite
    .prepare<[number], Story>("SELECT id, slug FROM articles WHERE status = 'published' ORDER BY seq DESC LIMIT ?")
    .all(NEWSROOM_STORIES)
  const maxSeq = sqlite.prepare<[], number>('SELECT max(seq) FROM articles').pluck().get() ?? 0
  const rand = prng(2026)
  // Deep pages: positions anywhere in the archive, newest first, so the hot ones are recent.
  const bySeq = sqlite.prepare<[number], { sortAt: string; seq: number }>('SELECT sort_at AS sortAt, seq FROM articles WHERE seq <= ? ORDER BY seq DESC LIMIT 1')
  const positions = Array.from({ length: 200 }, () => Math.floor(rand() * maxSeq) + 1)
    .sort((a, b) => b - a)
    .map((seq) => bySeq.get(seq))
    .filter((row) => row !== undefined)
    .map((row) => encodeCursor([row.sortAt, row.seq]))
  sqlite.close()
  if (stories.length === 0) throw new Error('newsroom: no published article to read')

  // Search words the archive holds: places of the stories there are, and the common vocabulary.
  const places = PLACES.slice(1, Math.min(PLACES.length, maxSeq + 1))
  const words = WORDS.filter((word) => word.length > 3)
  const searches = Array.from({ length: 300 }, (_, i) => {
    if (i % 3 === 0) return skewed(places, rand)
    if (i % 3 === 1) return skewed(words, rand)
    return `${skewed(words, rand)} ${skewed(words, rand)}`
  })
  const e = encodeURIComponent
  const lists: (() => string)[] = [
    () => '/v1/articles',
    () => `/v1/articles?section=${e(skewed(SECTIONS, rand))}`,
    () => `/v1/articles?tag=${e(skewed(TAGS, rand))}`,
    () => `/v1/articles?author=${e(skewed(AUTHORS, rand))}`,
    () => `/v1/articles?cursor=${skewed(positions, rand)}`,
    () => `/v1/articles?section=${e(skewed(SECTIONS, rand))}&cursor=${skewed(positions, rand)}`,
  ]
  const counts = { articles: 0, lists: 0, searches: 0 }
  const paths = Array.from({ length: MIX_LENGTH }, () => {
    const roll = rand()
    if (roll < 0.7) {
      counts.articles++
      return `/v1/articles/slug/${e(skewed(stories, rand).slug)}`
    }
    if (roll < 0.9 || positions.length === 0) {
      counts.lists++
      return lists[Math.floor(rand() * (positions.length === 0 ? 4 : lists.length))]!()
    }
    counts.searches++
    return `/v1/articles?q=${e(skewed(searches, rand))}`
  })
  return { paths, stories, counts }
}

async function cacheStats(base: string): Promise<{ hits: number; misses: number }> {
  const response = await fetch(`${base}/internal/cache-stats`)
  if (!response.ok) throw new Error(`GET /internal/cache-stats: ${response.status} (is BENCH_CACHE_STATS=true set?)`)
  return (await response.json()) as { hits: number; misses: number }
}

/**
 * Saves and comments at fixed rates until stopped, each sent on time whether or not the last
 * one has been answered (as editors and readers do), over fetch's keep-alive connections.
 */
function writeLoop(base: string, token: string, stories: Story[], seed: number): { stop: () => Promise<WriteCounts> } {
  const rand = prng(seed)
  // The texts follow the seed, so a run minutes after another would send the same comments from
  // the same client again, and the spam check's repeat rule would rightly hold them (a held
  // comment evicts nothing): each run's texts are its own.
  const run = Math.random().toString(36).slice(2, 8)
  const counts: WriteCounts = { saves: 0, comments: 0, failed: 0, held: 0 }
  const pending = new Set<Promise<void>>()
  const started = performance.now()
  let saves = 0
  let comments = 0
  const send = (path: string, method: string, body: unknown, expect: number, then?: (answer: unknown) => void) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (method === 'PATCH') headers.authorization = `Bearer ${token}`
    const request = fetch(base + path, { method, headers, body: JSON.stringify(body) })
      .then(async (response) => {
        const answer: unknown = await response.json().catch(() => null)
        if (response.status !== expect) counts.failed++
        else then?.(answer)
      })
      .catch(() => {
        counts.failed++
      })
      .finally(() => pending.delete(request))
    pending.add(request)
  }
  const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')
  const tick = () => {
    const seconds = (performance.now() - started) / 1000
    while (saves < Math.floor(seconds * SAVES_PER_SECOND)) {
      saves++
      const story = skewed(stories, rand)
      send(`/v1/articles/${story.id}`, 'PATCH', { subtitle: `Updated: ${words(8)} (save ${saves}).` }, 200, () => counts.saves++)
    }
    while (comments < Math.floor(seconds * COMMENTS_PER_SECOND)) {
      comments++
      const story = skewed(stories, rand)
      const body = { authorName: `Reader ${comments}`, body: `On the ${words(3)}: ${words(10)}, says reader ${comments} of run ${run}.` }
      send(`/v1/articles/${story.id}/comments`, 'POST', body, 201, (answer) => {
        counts.comments++
        if ((answer as { status?: string } | null)?.status !== 'approved') counts.held++
      })
    }
  }
  const timer = setInterval(tick, 20)
  return {
    stop: async () => {
      clearInterval(timer)
      while (pending.size > 0) await Promise.all([...pending])
      return counts
    },
  }
}

function summarize(samples: Sample[], stats: { hits: number; misses: number }[]): MixResult {
  const hits = stats.reduce((n, s) => n + s.hits, 0)
  const misses = stats.reduce((n, s) => n + s.misses, 0)
  return {
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    bad: samples.reduce((n, s) => n + s.bad, 0),
    hits,
    misses,
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
  }
}

export async function runNewsroom(options: NewsroomOptions): Promise<NewsroomReport> {
  const { paths, stories, counts } = newsroomPaths(options.db)
  const target = { url: options.base + paths[0]!, paths, expect: '2xx' as const }
  // Each window's share of the counters: the difference of two reads around it.
  // With workers, each answer would come from whichever worker took the connection.
  const counted = options.workers === 1
  const none = { hits: 0, misses: 0 }
  const measure = async (writing: boolean, round: number) => {
    const before = counted ? await cacheStats(options.base) : none
    const writes = writing ? writeLoop(options.base, options.token, stories, 100 + round) : null
    const sample = await shoot(target, options.duration, options.connections)
    const written = await writes?.stop()
    const after = counted ? await cacheStats(options.base) : none
    return { sample, stats: { hits: after.hits - before.hits, misses: after.misses - before.misses }, written }
  }
  if (options.warmup > 0) await shoot(target, options.warmup, options.connections)
  const quiet: Awaited<ReturnType<typeof measure>>[] = []
  const busy: Awaited<ReturnType<typeof measure>>[] = []
  // Interleaved, as the other rows are, so that a change of load on the machine hits both alike.
  for (let round = 0; round < options.rounds; round++) {
    quiet.push(await measure(false, round))
    busy.push(await measure(true, round))
  }
  const noWrites = summarize(quiet.map((m) => m.sample), quiet.map((m) => m.stats))
  const withWrites = summarize(busy.map((m) => m.sample), busy.map((m) => m.stats))
  const writes: WriteCounts = { saves: 0, comments: 0, failed: 0, held: 0 }
  for (const m of busy) for (const key of Object.keys(writes) as (keyof WriteCounts)[]) writes[key] += m.written![key]
  const seconds = options.duration * options.rounds
  const total = paths.length
  return {
    stories: stories.length,
    distinctPaths: new Set(paths).size,
    shares: { articles: counts.articles / total, lists: counts.lists / total, searches: counts.searches / total },
    noWrites,
    withWrites: { ...withWrites, writes, savesPerSecond: writes.saves / seconds, commentsPerSecond: writes.comments / seconds },
    throughputRatio: noWrites.rps === 0 ? 0 : withWrites.rps / noWrites.rps,
  }
}

export function newsroomMarkdown(r: NewsroomReport): string {
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`
  const row = (name: string, m: MixResult) =>
    `| ${name} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.hitRate === null ? 'not counted' : `${pct(m.hitRate)} (${m.hits} / ${m.hits + m.misses})`} | ${m.bad} |`
  const w = r.withWrites
  return `## Newsroom mix

Reads over the newest ${r.stories.toLocaleString('en')} stories (80% to the hottest tenth), ${pct(r.shares.articles)} articles by slug,
${pct(r.shares.lists)} list pages (section, tag, author, deep cursors), ${pct(r.shares.searches)} searches; ${r.distinctPaths.toLocaleString('en')} different URLs.
With writes: ${SAVES_PER_SECOND} article saves and ${COMMENTS_PER_SECOND} comments (COMMENT_MODERATION=post) a second during each window.
Target: hit rate ≥ 90%, throughput with writes ≥ 70% of without.

| Mix | req/s | p50 ms | p99 ms | cache hit rate | failed |
|---|---:|---:|---:|---:|---:|
${row('reads only', r.noWrites)}
${row('reads + writes', w)}

- Throughput with writes: ${pct(r.throughputRatio)} of without
- Writes: ${w.writes.saves} saves (${w.savesPerSecond.toFixed(1)}/s), ${w.writes.comments} comments (${w.commentsPerSecond.toFixed(1)}/s), ${w.writes.failed} failed, ${w.writes.held} held for moderation
`
}
