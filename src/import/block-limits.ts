// The limits of the articles' block schema, applied to converted blocks: a text too long for
// its block is split over several (or shortened where it cannot be), markup beyond what a field
// or a body may hold is kept as plain text, and a body stops at its largest size. Whatever an
// import writes is then a body that the API itself would accept.
import type { Block } from '../articles/schemas.js'
import { MAX_TAGS_PER_BODY, MAX_TAGS_PER_FIELD } from '../articles/normalize.js'
import { isBlank } from '../text/plain.js'
import { asPlain, type Field, shortenPlain, splitPlain } from './inline-html.js'
import { type Warning, warning } from './warnings.js'

/** Longest text of each field and most items, as src/articles/schemas.ts has them (a test checks). */
export const BLOCK_LIMITS = {
  paragraph: 20_000,
  heading: 500,
  quote: 20_000,
  attribution: 500,
  item: 5_000,
  items: 500,
  caption: 2_000,
  provider: 100,
  blocks: 2_000,
} as const

/** A picture, video or sound in the text, before the import knows which media item it is. */
export interface MediaRef {
  kind: 'image' | 'video' | 'audio'
  /** Its URL, made absolute where the source gave a base; '' when only an attachment id names it. */
  src: string
  alt: string
  /** A WordPress attachment's post id (class wp-image-N, data-id, [gallery ids]). */
  attachmentId: string | null
}

/** A block as the converter makes it: text fields still carry their plain text, media their reference. */
export type DraftBlock =
  | { type: 'paragraph'; text: Field }
  | { type: 'heading'; level: 2 | 3 | 4; text: Field }
  | { type: 'quote'; text: Field; attribution?: Field | undefined }
  | { type: 'list'; style: 'bulleted' | 'numbered'; items: Field[] }
  | { type: 'embed'; url: string; provider?: string | undefined }
  | { type: 'media'; ref: MediaRef; caption?: Field | undefined }
  | { type: 'more' } // WordPress's <!--more-->: the teaser ends here

/** A media block whose item is not known yet. */
export type MediaDraft = { type: 'media'; ref: MediaRef; caption?: string }

/** A body block, or a media block still to be resolved to a media item. */
export type ConvertedBlock = Exclude<Block, { type: 'media' }> | MediaDraft

export function finishBlocks(drafts: DraftBlock[], warnings: Warning[]): { blocks: ConvertedBlock[]; teaserEnd: number | null } {
  let bodyTags = 0
  let overBudget = false

  const budget = (text: Field, what: string): Field => {
    if (text.tags > MAX_TAGS_PER_FIELD) {
      warnings.push(warning('markup-dropped', `${what} held ${text.tags} tags (at most ${MAX_TAGS_PER_FIELD}): kept as plain text`))
      return asPlain(text)
    }
    if (bodyTags + text.tags > MAX_TAGS_PER_BODY) {
      if (!overBudget) warnings.push(warning('markup-dropped', `the body holds more than ${MAX_TAGS_PER_BODY} tags: the text after that is plain`))
      overBudget = true
      return asPlain(text)
    }
    bodyTags += text.tags
    return text
  }
  const pieces = (text: Field, max: number, what: string): string[] => {
    const kept = budget(text, what)
    if (kept.html.length <= max) return [kept.html]
    bodyTags -= kept.tags
    const split = splitPlain(kept.plain, max).filter((piece) => !isBlank(piece))
    warnings.push(warning('text-split', `${what} of ${kept.plain.length} characters was split into ${split.length} (at most ${max} each), without its markup`))
    return split
  }
  const shortened = (text: Field, max: number, what: string): string => {
    const kept = budget(text, what)
    if (kept.html.length <= max) return kept.html
    bodyTags -= kept.tags
    warnings.push(warning('text-shortened', `${what} was cut to ${max} characters`))
    return shortenPlain(kept.plain, max)
  }

  const out: ConvertedBlock[] = []
  let teaserEnd: number | null = null
  const paragraphs = (texts: string[]) => out.push(...texts.map((text): ConvertedBlock => ({ type: 'paragraph', text })))
  for (const draft of drafts) {
    switch (draft.type) {
      case 'paragraph':
        paragraphs(pieces(draft.text, BLOCK_LIMITS.paragraph, 'a paragraph'))
        break
      case 'heading':
        if (draft.text.html.length <= BLOCK_LIMITS.heading) {
          out.push({ type: 'heading', level: draft.level, text: budget(draft.text, 'a heading').html })
        } else {
          warnings.push(warning('text-split', `a heading of ${draft.text.plain.length} characters (at most ${BLOCK_LIMITS.heading}) became a paragraph`))
          paragraphs(pieces(draft.text, BLOCK_LIMITS.paragraph, 'a paragraph'))
        }
        break
      case 'quote': {
        const [first, ...rest] = pieces(draft.text, BLOCK_LIMITS.quote, 'a quotation')
        if (first === undefined) break
        const attribution = draft.attribution && shortened(draft.attribution, BLOCK_LIMITS.attribution, "a quotation's attribution")
        out.push({ type: 'quote', text: first, ...(attribution ? { attribution } : {}) })
        paragraphs(rest)
        break
      }
      case 'list': {
        const items = draft.items.flatMap((item) => pieces(item, BLOCK_LIMITS.item, 'a list item'))
        for (let i = 0; i < items.length; i += BLOCK_LIMITS.items) {
          out.push({ type: 'list', style: draft.style, items: items.slice(i, i + BLOCK_LIMITS.items) })
        }
        break
      }
      case 'media': {
        const caption = draft.caption && shortened(draft.caption, BLOCK_LIMITS.caption, 'a caption')
        out.push({ type: 'media', ref: draft.ref, ...(caption ? { caption } : {}) })
        break
      }
      case 'embed':
        out.push({ type: 'embed', url: draft.url, ...(draft.provider ? { provider: draft.provider.slice(0, BLOCK_LIMITS.provider) } : {}) })
        break
      case 'more':
        teaserEnd ??= out.length
        break
    }
  }
  if (out.length > BLOCK_LIMITS.blocks) {
    warnings.push(warning('body-truncated', `the body made ${out.length} blocks: the ${out.length - BLOCK_LIMITS.blocks} after the first ${BLOCK_LIMITS.blocks} were left out`))
    out.length = BLOCK_LIMITS.blocks
  }
  return { blocks: out, teaserEnd }
}

/**
 * The body with each media draft made a media block of the item `resolve` finds for it. One it
 * finds none for is left out with a warning; its caption stays, as a paragraph.
 */
export function withMedia(blocks: ConvertedBlock[], resolve: (ref: MediaRef) => string | null, warnings: Warning[]): Block[] {
  const out: Block[] = []
  for (const block of blocks) {
    if (block.type !== 'media') {
      out.push(block)
      continue
    }
    const mediaId = resolve(block.ref)
    if (mediaId !== null) {
      out.push({ type: 'media', mediaId, ...(block.caption ? { caption: block.caption } : {}) })
      continue
    }
    const name = block.ref.src !== '' ? block.ref.src : `attachment ${block.ref.attachmentId}`
    warnings.push(warning('media-unresolved', `the ${block.ref.kind} "${name.length > 120 ? `${name.slice(0, 119)}…` : name}" is not among what was imported: left out`))
    if (block.caption) out.push({ type: 'paragraph', text: block.caption })
  }
  return out
}
