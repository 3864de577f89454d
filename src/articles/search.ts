// Turns what a reader typed into a safe FTS5 query: every word quoted, so that FTS syntax
// ("NEAR", "*", quotes, column filters) is searched for as text and can never fail the query.

const MAX_TERMS = 12

/**
 * `expand`, when given, lists the index's terms that start with the last word (or null when it
 * will not say): FTS5 answers a prefix query by merging the whole doclist of every such term
 * before it returns a row (30 ms for "council"* at a million articles, 95 ms for "coun"*, and
 * again for each column scored), while an OR of whole terms is read lazily, newest first.
 * The two find the same articles.
 */
export function toFtsQuery(q: string, expand?: (prefix: string) => string[] | null): string | null {
  const words = searchWords(q)
  if (words.length === 0) return null
  const phrases = words.map((word) => `"${word}"`)
  // The last word is a prefix, so that search-as-you-type finds "ukrain" → "ukraine".
  const terms = expand?.(words[words.length - 1]!) ?? null
  if (terms === null || terms.length === 0) {
    phrases[phrases.length - 1] += '*'
    return phrases.join(' ')
  }
  // FTS5 takes a parenthesised OR only between explicit ANDs.
  phrases[phrases.length - 1] = `(${terms.map((term) => `"${term}"`).join(' OR ')})`
  return phrases.join(' AND ')
}

/** The words of a query that the search looks up, the last one as a prefix (surrogate keys name the same). */
export function searchWords(q: string): string[] {
  return q
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, MAX_TERMS)
}
