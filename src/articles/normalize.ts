// Cleaning editors' input (titles, sections, lists, block markup) and a body's words for search.
import { badRequest, type FieldError } from '../http/problems.js'
import { cleanText, sanitizeInline, stripTags } from '../text/sanitize.js'
import type { Block } from './schemas.js'

/** The key tags and authors are filtered by: case and spacing do not matter. */
export function filterKey(value: string): string {
  return cleanText(value).trim().replace(/\s+/g, ' ').toLowerCase()
}

/** A title as stored; one of only spaces or control characters would show as nothing. */
export function cleanTitle(raw: string): string {
  const title = cleanText(raw).trim()
  if (title === '') throw badRequest('body.title must not be blank', [{ path: 'body.title', message: 'must not be blank' }])
  return title
}

/** A section as stored: a blank one is no section. */
export function cleanSection(raw: string | null | undefined): string | null {
  const section = raw == null ? '' : cleanText(raw).trim()
  return section === '' ? null : section
}

/** Trims, drops empties and case-insensitive duplicates, keeping the first spelling. */
export function cleanList(values: string[]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const value of values) {
    const text = cleanText(value).trim().replace(/\s+/g, ' ')
    const key = text.toLowerCase()
    if (text !== '' && !seen.has(key)) {
      seen.add(key)
      out.push(text)
    }
  }
  return out
}

/**
 * The bylines when a write sets the profiles but not the bylines: the profiles' names, then the
 * free-text bylines the article had (a wire credit such as "EFE"), less the names of the
 * profiles it named before, which were bylines made from them.
 */
export function bylines(names: readonly string[], previous: readonly string[], previousNames: readonly string[]): string[] {
  const generated = new Set(previousNames.map((name) => name.toLowerCase()))
  return cleanList([...names, ...previous.filter((byline) => !generated.has(byline.toLowerCase()))])
}

// Markup is parsed on the request's thread, so its amount is bounded: a real story has a few
// links and emphases a paragraph, not thousands of tags.
export const MAX_TAGS_PER_FIELD = 500
export const MAX_TAGS_PER_BODY = 10_000

const tagCount = (text: string): number => {
  let count = 0
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) count += 1
  return count
}

/**
 * Sanitizes the inline markup of every text field of every block. A field that holds too much
 * markup, or that has no text left once the markup that is not allowed is removed
 * (`<script>q</script>`, `<img onerror=…>`), is a 400 naming it: stored, it would be an empty
 * block the published schema says cannot exist.
 */
export function sanitizeBlocks(blocks: Block[], prefix = 'body.body'): Block[] {
  const errors: FieldError[] = []
  let tags = 0
  const clean = (text: string, path: string): string => {
    const count = tagCount(text)
    tags += count
    if (count > MAX_TAGS_PER_FIELD) errors.push({ path, message: `holds ${count} tags: at most ${MAX_TAGS_PER_FIELD} are allowed in one field` })
    // Past either bound the request is refused anyway: nothing more is parsed.
    if (count > MAX_TAGS_PER_FIELD || tags > MAX_TAGS_PER_BODY) return text
    const sanitized = sanitizeInline(text)
    if (stripTags(sanitized).trim() === '') errors.push({ path, message: 'has no text left once the markup that is not allowed is removed' })
    return sanitized
  }
  const sanitized = blocks.map((block, i): Block => {
    const at = `${prefix}[${i}]`
    switch (block.type) {
      case 'paragraph':
        return { type: 'paragraph', text: clean(block.text, `${at}.text`) }
      case 'heading':
        return { type: 'heading', text: clean(block.text, `${at}.text`), level: block.level }
      case 'quote':
        return block.attribution === undefined
          ? { type: 'quote', text: clean(block.text, `${at}.text`) }
          : { type: 'quote', text: clean(block.text, `${at}.text`), attribution: clean(block.attribution, `${at}.attribution`) }
      case 'list':
        return { type: 'list', style: block.style, items: block.items.map((item, j) => clean(item, `${at}.items[${j}]`)) }
      case 'media':
        return {
          type: 'media',
          mediaId: block.mediaId,
          ...(block.caption !== undefined && { caption: clean(block.caption, `${at}.caption`) }),
          ...(block.credit !== undefined && { credit: clean(block.credit, `${at}.credit`) }),
        }
      case 'related':
        return {
          type: 'related',
          ...(block.articleId !== undefined && { articleId: block.articleId }),
          ...(block.url !== undefined && { url: block.url }),
          ...(block.title !== undefined && { title: clean(block.title, `${at}.title`) }),
        }
      case 'embed':
        return { type: 'embed', url: block.url, ...(block.provider !== undefined && { provider: cleanText(block.provider) }) }
    }
  })
  if (tags > MAX_TAGS_PER_BODY) errors.unshift({ path: prefix, message: `holds ${tags} tags: at most ${MAX_TAGS_PER_BODY} are allowed in one body` })
  if (errors.length > 0) throw badRequest(`${errors[0]!.path} ${errors[0]!.message}`, errors.slice(0, 20))
  return sanitized
}

/** The words of a body, for the search index. */
export function bodyText(blocks: Block[]): string {
  const parts: string[] = []
  for (const block of blocks) {
    if ('text' in block) parts.push(block.text)
    if (block.type === 'quote' && block.attribution) parts.push(block.attribution)
    if (block.type === 'list') parts.push(...block.items)
    if (block.type === 'media' && block.caption) parts.push(block.caption)
  }
  return stripTags(parts.join('\n'))
}
