// Cleaning editors' input (titles, sections, lists, block markup) and a body's words for search.
import { badRequest } from '../http/problems.js'
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

/** Sanitizes the inline markup of every text field of every block. */
export function sanitizeBlocks(blocks: Block[]): Block[] {
  return blocks.map((block): Block => {
    switch (block.type) {
      case 'paragraph':
        return { type: 'paragraph', text: sanitizeInline(block.text) }
      case 'heading':
        return { type: 'heading', text: sanitizeInline(block.text), level: block.level }
      case 'quote':
        return block.attribution === undefined
          ? { type: 'quote', text: sanitizeInline(block.text) }
          : { type: 'quote', text: sanitizeInline(block.text), attribution: sanitizeInline(block.attribution) }
      case 'list':
        return { type: 'list', style: block.style, items: block.items.map(sanitizeInline) }
      case 'media':
        return {
          type: 'media',
          mediaId: block.mediaId,
          ...(block.caption !== undefined && { caption: sanitizeInline(block.caption) }),
          ...(block.credit !== undefined && { credit: sanitizeInline(block.credit) }),
        }
      case 'related':
        return {
          type: 'related',
          ...(block.articleId !== undefined && { articleId: block.articleId }),
          ...(block.url !== undefined && { url: block.url }),
          ...(block.title !== undefined && { title: sanitizeInline(block.title) }),
        }
      case 'embed':
        return { type: 'embed', url: block.url, ...(block.provider !== undefined && { provider: cleanText(block.provider) }) }
    }
  })
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
