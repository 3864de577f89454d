// An article's most telling terms, for related-link suggestions: words weighted by where
// they stand (title and tags count most) and by how rare they are across the archive, so that
// a query of a dozen terms finds the stories that share the article's subject.

/** The article's indexed text, as the search index holds it. */
export interface IndexedText {
  title: string
  subtitle: string
  summary: string
  body: string
  tags: string
}

export interface WeightedTerm {
  term: string
  weight: number
}

/** A word in the title says more about the story than one in the body. */
const FIELD_WEIGHTS: Record<keyof IndexedText, number> = { title: 3, tags: 3, subtitle: 2, summary: 2, body: 1 }

/**
 * The most candidate terms looked up in the vocabulary (each lookup seeks every segment of the
 * index, about 0.1 ms on 20,000 articles): the title, tags and standfirst words, then the words
 * the body repeats, then its longest.
 */
export const MAX_CANDIDATES = 100
/** Terms in the suggestion query. */
export const MAX_QUERY_TERMS = 12
/**
 * Upper bound on the index entries (articles per term, summed) the query may touch: BM25
 * scores every article that matches any term, so this bounds the work on a large archive.
 * Terms too common to fit say little about the story anyway.
 */
export const POSTING_BUDGET = 10_000

// Words that say nothing about a story's subject. Rare words are found by document frequency
// anyway; this list keeps common ones out while an archive is still small.
const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each few for from further had has have having he her here hers herself
  him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or
  other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there
  these they this those through to too under until up very was we were what when where which while who whom why will with
  would you your yours yourself yourselves said says say one two three new year years last first told since still many
  much may might must per via according around among across another back made make like even well way get got us who's
  it's don't been being upon whether yet week weeks day days today yesterday tomorrow`
    .split(/\s+/)
    .filter((word) => word !== ''),
)

/**
 * Splits text into terms the way the index's unicode61 tokenizer (with remove_diacritics 2)
 * does, closely enough: lower case, Latin accents folded, letters, digits and marks kept.
 * A term that comes out differently is simply not found in the vocabulary and dropped.
 */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}\p{M}]+/u)
    .filter((word) => word !== '')
}

function isTelling(term: string): boolean {
  return term.length >= 3 && !/^\p{N}+$/u.test(term) && !STOP_WORDS.has(term)
}

/** The article's candidate terms, the heaviest first, at most `max`. */
export function candidateTerms(text: IndexedText, max = MAX_CANDIDATES): WeightedTerm[] {
  const weights = new Map<string, number>()
  for (const field of Object.keys(FIELD_WEIGHTS) as (keyof IndexedText)[]) {
    for (const term of tokenize(text[field])) {
      if (isTelling(term)) weights.set(term, (weights.get(term) ?? 0) + FIELD_WEIGHTS[field])
    }
  }
  // Ties go to the longer word, which is more often the rarer one, then alphabetically.
  return [...weights]
    .map(([term, weight]) => ({ term, weight }))
    .sort((a, b) => b.weight - a.weight || b.term.length - a.term.length || (a.term < b.term ? -1 : 1))
    .slice(0, max)
}

/**
 * How much a term of the article counts, dampened (1 to 3): the words of the article's title
 * and tags then outweigh a word its body mentions once.
 */
export function repeatsFor(weight: number): number {
  return Math.min(3, Math.max(1, Math.round(1 + Math.log(weight))))
}

/** BM25's inverse document frequency of a term held by `df` of `n` articles. */
export function inverseDocumentFrequency(df: number, n: number): number {
  return Math.log(1 + (Math.max(n, 1) - df + 0.5) / (df + 0.5))
}

/** The index is read twice per term: for a match anywhere, and for one in the title or tags. */
const READS_PER_TERM = 2

/**
 * Picks the query terms: weight (dampened) times BM25's inverse document frequency. A term
 * no other article holds finds nothing; the rest are taken best first while they fit the
 * posting budget.
 */
export function pickQueryTerms(
  candidates: readonly WeightedTerm[],
  documentFrequency: ReadonlyMap<string, number>,
  totalDocuments: number,
  { maxTerms = MAX_QUERY_TERMS, postingBudget = POSTING_BUDGET } = {},
): WeightedTerm[] {
  const scored: { term: string; weight: number; score: number; df: number }[] = []
  for (const { term, weight } of candidates) {
    const df = documentFrequency.get(term) ?? 0
    if (df < 2) continue
    const idf = inverseDocumentFrequency(df, totalDocuments)
    scored.push({ term, weight, score: (1 + Math.log(weight)) * idf, df })
  }
  scored.sort((a, b) => b.score - a.score || a.df - b.df || (a.term < b.term ? -1 : 1))
  const picked: WeightedTerm[] = []
  let postings = 0
  for (const { term, weight, df } of scored) {
    if (picked.length === maxTerms) break
    const cost = df * READS_PER_TERM
    if (postings + cost > postingBudget) continue
    postings += cost
    picked.push({ term, weight })
  }
  return picked
}

/** A query term with the points an article scores for holding it: an integer, so sums compare exactly. */
export interface ScoredTerm {
  term: string
  points: number
}

/**
 * Each term's points: its weight in the article (dampened) times its BM25 inverse document
 * frequency, as the archive is when the first page is asked for. The next pages reuse them.
 */
export function scoreTerms(terms: readonly WeightedTerm[], documentFrequency: ReadonlyMap<string, number>, totalDocuments: number): ScoredTerm[] {
  return terms.map(({ term, weight }) => {
    const idf = inverseDocumentFrequency(documentFrequency.get(term) ?? 0, totalDocuments)
    return { term, points: Math.max(1, Math.round(100 * repeatsFor(weight) * idf)) }
  })
}

/**
 * The FTS5 queries of the suggestion search with the points each match is worth: a term
 * anywhere in an article, and the same term again in its title or tags, which say most about
 * a story (so a match there counts double). Terms are quoted, so none is read as syntax.
 */
export function toMatchEntries(terms: readonly ScoredTerm[]): [match: string, points: number][] {
  return terms.flatMap(({ term, points }): [string, number][] => {
    const phrase = `"${term.replaceAll('"', '""')}"`
    return [
      [phrase, points],
      [`{title tags} : ${phrase}`, points],
    ]
  })
}
