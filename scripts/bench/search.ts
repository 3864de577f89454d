// The "search" scenario: what readers' searches cost with the response cache off, over 110
// different queries of five kinds built from the seed's vocabulary, and whether each answers
// best match first as the contract says (docs/api.md#search).
import { PLACES, prng, WORDS } from './seed-data.js'

export const QUERY_KINDS = ['common word', 'rare word', 'two words', 'three words', 'prefix'] as const
export type QueryKind = (typeof QUERY_KINDS)[number]

export interface SearchQuery {
  kind: QueryKind
  q: string
}

export interface Latencies {
  requests: number
  p50: number
  p99: number
}

export interface SearchReport {
  queries: number
  connections: number
  seconds: number
  rps: number
  /** Answers other than 200, and requests that failed: must be 0. */
  failed: number
  overall: Latencies
  kinds: (Latencies & { kind: QueryKind; queries: number })[]
  order: {
    /** Queries whose first page was checked (every query is). */
    checked: number
    /** Queries that found nothing: every word is in the archive, but three of them together may not be. */
    empty: number
    /** First pages not in best-match-first order, and rare-word queries whose first hit lacks the word in its title. */
    violations: number
    /** A few of the violations, to read. */
    examples: string[]
  }
}

/**
 * At least 110 queries, the same on every run: common words (in most stories), place names
 * (in one story of 2,000, and in its title), two and three words together, and prefixes of both
 * (the last word of any query is a prefix, as a reader types). Only places the archive holds.
 */
export function searchQueries(articles: number): SearchQuery[] {
  const rand = prng(1717)
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!
  const common = [...new Set(WORDS.filter((word) => word.length > 3))]
  const places = PLACES.slice(1, Math.min(PLACES.length, articles + 1))
  const queries: SearchQuery[] = []
  const add = (kind: QueryKind, make: () => string, n: number) => {
    const seen = new Set(queries.map((query) => query.q))
    let wanted = n
    for (let tries = 0; tries < n * 50 && wanted > 0; tries++) {
      const q = make()
      if (seen.has(q)) continue
      seen.add(q)
      queries.push({ kind, q })
      wanted--
    }
  }
  add('common word', () => pick(common), 30)
  add('rare word', () => pick(places), 25)
  add('two words', () => (rand() < 0.5 ? `${pick(common)} ${pick(common)}` : `${pick(common)} ${pick(places)}`), 20)
  add('three words', () => `${pick(common)} ${pick(common)} ${pick(common)}`, 15)
  add('prefix', () => {
    const word = rand() < 0.6 ? pick(common) : pick(places)
    return word.slice(0, 3 + Math.floor(rand() * Math.max(1, word.length - 4)))
  }, 20)
  return queries
}

const tokens = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0)

interface Hit {
  title: string
  subtitle: string | null
  summary: string | null
  tags: string[]
}

/**
 * What the visible fields add to an article's score (title 16, subtitle 8, tags 4, summary 2 for
 * each that holds every word, the last as a prefix). The body adds 1 and is not in a summary,
 * but these parts are even: scores in order imply these in order too.
 */
function visibleScore(words: string[], hit: Hit): number {
  const holds = (text: string | null) => {
    if (text === null) return false
    const have = tokens(text)
    return words.every((word, i) => (i === words.length - 1 ? have.some((t) => t.startsWith(word)) : have.includes(word)))
  }
  return (holds(hit.title) ? 16 : 0) + (holds(hit.subtitle) ? 8 : 0) + (holds(hit.tags.join(' ')) ? 4 : 0) + (holds(hit.summary) ? 2 : 0)
}

/** The order problem of a first page, or null when it is best match first. */
export function orderProblem(query: SearchQuery, hits: Hit[]): string | null {
  const words = tokens(query.q)
  const scores = hits.map((hit) => visibleScore(words, hit))
  for (let i = 1; i < scores.length; i++) {
    if (scores[i]! > scores[i - 1]!) return `"${query.q}": result ${i + 1} scores ${scores[i]} after ${scores[i - 1]}`
  }
  if (query.kind === 'rare word' && hits.length > 0 && !tokens(hits[0]!.title).includes(words[0]!)) {
    return `"${query.q}": the first result's title "${hits[0]!.title}" lacks it`
  }
  return null
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

const latencies = (values: number[]): Latencies => {
  const sorted = [...values].sort((a, b) => a - b)
  return { requests: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
}

/**
 * Checks every query's first page, then sends them in turn from `connections` loops for
 * `seconds`, timing each answer to its last byte: exact percentiles for each kind and overall.
 */
export async function runSearch(base: string, articles: number, seconds: number, connections: number): Promise<SearchReport> {
  const queries = searchQueries(articles)
  const url = (query: SearchQuery) => `${base}/v1/articles?q=${encodeURIComponent(query.q)}`
  const order: SearchReport['order'] = { checked: 0, empty: 0, violations: 0, examples: [] }
  let failed = 0
  for (const query of queries) {
    const response = await fetch(url(query))
    if (response.status !== 200) {
      failed++
      await response.arrayBuffer()
      continue
    }
    const { data } = (await response.json()) as { data: Hit[] }
    order.checked++
    if (data.length === 0) order.empty++
    const problem = orderProblem(query, data)
    if (problem !== null) {
      order.violations++
      if (order.examples.length < 5) order.examples.push(problem)
    }
  }

  const times = new Map<QueryKind, number[]>(QUERY_KINDS.map((kind) => [kind, []]))
  // A shuffled order, so that the kinds are interleaved through the run.
  const rand = prng(99)
  const sequence = queries.map((query) => ({ query, key: rand() })).sort((a, b) => a.key - b.key).map((entry) => entry.query)
  let next = 0
  const deadline = performance.now() + seconds * 1000
  const loop = async () => {
    while (performance.now() < deadline) {
      const query = sequence[next++ % sequence.length]!
      const t0 = performance.now()
      try {
        const response = await fetch(url(query))
        await response.arrayBuffer()
        if (response.status !== 200) failed++
        else times.get(query.kind)!.push(performance.now() - t0)
      } catch {
        failed++
      }
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: connections }, loop))
  const elapsed = (performance.now() - t0) / 1000
  const all = [...times.values()].flat()
  return {
    queries: queries.length,
    connections,
    seconds,
    rps: all.length / elapsed,
    failed,
    overall: latencies(all),
    kinds: QUERY_KINDS.map((kind) => ({ kind, queries: queries.filter((q) => q.kind === kind).length, ...latencies(times.get(kind)!) })),
    order,
  }
}

export function searchMarkdown(r: SearchReport): string {
  const f = (n: number) => n.toFixed(1)
  return `## Search, cache off

${r.queries} different queries (RESPONSE_CACHE_MB=0), sent in turn from ${r.connections} connections for ${r.seconds} s, each timed to its last byte.
Target at 1,000,000 articles: p50 < 25 ms, p99 < 150 ms, best match first.

| Kind | queries | requests | p50 ms | p99 ms |
|---|---:|---:|---:|---:|
${r.kinds.map((k) => `| ${k.kind} | ${k.queries} | ${k.requests} | ${f(k.p50)} | ${f(k.p99)} |`).join('\n')}
| all | ${r.queries} | ${r.overall.requests} | ${f(r.overall.p50)} | ${f(r.overall.p99)} |

- ${r.rps.toFixed(0)} searches/s, ${r.failed} failed
- Order: ${r.order.checked} first pages checked, ${r.order.violations} not best match first, ${r.order.empty} empty${r.order.examples.map((e) => `\n  - ${e}`).join('')}
`
}
