// Slugs from titles and names: lower-case ASCII words joined by "-", accents folded ("Kyiv’s Élite" → "kyivs-elite").
// Articles, authors and sections make theirs here, and so does SQL (db/client.ts registers it as cms_slugify).

// Letters that Unicode does not decompose into a base letter and an accent.
const FOLDS: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ħ: 'h', ŋ: 'n', ſ: 's', ŧ: 't',
}

export const SLUG_PATTERN = '^[a-z0-9]+(?:-[a-z0-9]+)*$'
export const SLUG_MAX = 120

export function slugify(title: string): string {
  const folded = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđðþłıħŋſŧ]/g, (c) => FOLDS[c] ?? c)
    // Apostrophes join rather than split: "Kyiv's" → "kyivs", not "kyiv-s".
    .replace(/['’‘`]/g, '')
  const words = folded.split(/[^a-z0-9]+/).filter(Boolean)
  let slug = ''
  for (const word of words) {
    // A first word longer than the limit is cut rather than leaving no slug at all.
    const next = slug === '' ? word.slice(0, SLUG_MAX) : `${slug}-${word}`
    if (next.length > SLUG_MAX) break
    slug = next
  }
  return slug
}
