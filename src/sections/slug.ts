// A section's slug from whatever an article names it by: "Local News" is the section `local-news`.
import { SLUG_MAX, slugify } from '../text/slug.js'

/**
 * The slug of a section named `text` (already cleaned and trimmed): its slug, or for text with
 * no Latin letter or digit (国际), `section-` and its UTF-8 bytes in hex, so that any section an
 * article was ever given has one. Migration sections-from-articles makes the same in SQL.
 */
export function sectionSlug(text: string): string {
  const slug = slugify(text)
  return slug !== '' ? slug : `section-${Buffer.from(text, 'utf8').toString('hex')}`.slice(0, SLUG_MAX)
}
