// Turns what a reader typed into a safe FTS5 query: every word quoted, so that FTS syntax
// ("NEAR", "*", quotes, column filters) is searched for as text and can never fail the query.

const MAX_TERMS = 12

export function toFtsQuery(q: string): string | null {
  const words = q
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, MAX_TERMS)
  if (words.length === 0) return null
  // The last word is a prefix, so that search-as-you-type finds "ukrain" → "ukraine".
  return words.map((word, i) => (i === words.length - 1 ? `"${word}"*` : `"${word}"`)).join(' ')
}
