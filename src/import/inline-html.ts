// One text field of a block (a paragraph, a list item, a caption) built from parsed HTML: only
// the inline markup the block model allows is written, every piece of text escaped, so the
// repository's sanitizer finds nothing to remove and no field ends up without text.
import { isBlank } from '../text/plain.js'
import { stripTags } from '../text/sanitize.js'

/** Inline elements a block's text may hold, as the articles' schema says; others keep only their text. */
export const KEPT_INLINE = new Set(['em', 'strong', 'i', 'b', 'sub', 'sup'])

export const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
export const escapeAttribute = (text: string) => escapeText(text).replace(/"/g, '&quot;')

/** A field of inline HTML with its plain text beside it (for splitting, and for fields that drop markup). */
export interface Field {
  html: string
  plain: string
  tags: number
}

export class InlineHtml {
  private html = ''
  private plain = ''
  private tags = 0
  private open: string[] = []
  // Whether the last thing written was white space (or nothing): runs of spaces collapse to one.
  private spaced = true

  constructor(private readonly preformatted = false) {}

  /** Text as the source has it; white space collapses as a browser would show it (but in <pre>). */
  text(value: string): void {
    let text = value
    if (!this.preformatted) {
      text = text.replace(/[ \t\n\r\f]+/g, ' ')
      if (this.spaced) text = text.replace(/^ /, '')
      if (text === '') return
      this.spaced = text.endsWith(' ')
    }
    if (this.preformatted && text.includes('\n')) {
      text.split('\n').forEach((line, i) => {
        if (i > 0) this.br()
        this.html += escapeText(line)
        this.plain += line
      })
      return
    }
    this.html += escapeText(text)
    this.plain += text
  }

  br(): void {
    if (this.plain === '') return
    this.html += '<br>'
    this.plain += '\n'
    this.tags += 1
    this.spaced = true
  }

  /** Opens an allowed inline element; `href` only for links, already checked. */
  openTag(name: string, href?: string): void {
    this.html += href === undefined ? `<${name}>` : `<${name} href="${escapeAttribute(href)}">`
    this.open.push(name)
    this.tags += 1
  }

  closeTag(): void {
    const name = this.open.pop()
    if (name === undefined) return
    this.html += `</${name}>`
    this.tags += 1
  }

  hasText(): boolean {
    return !isBlank(this.plain)
  }

  /**
   * The field so far, with what is open closed, or null when it has no text to show; the
   * builder starts over with the same elements open (a paragraph split around a picture).
   */
  take(): Field | null {
    const open = [...this.open]
    const closing = open.map((name) => `</${name}>`).reverse().join('')
    const field = this.hasText() ? finish(this.html + closing, this.plain, this.tags + open.length) : null
    this.html = ''
    this.plain = ''
    this.tags = 0
    this.open = []
    this.spaced = true
    for (const name of open) this.openTag(name)
    return field
  }
}

// Empty elements ("<em></em>", "<a href=…></a>") show nothing: gone, a few levels deep.
const EMPTY_ELEMENT = /<(em|strong|i|b|sub|sup|a)(?: [^>]*)?>(?:\s|<br>)*<\/\1>/g
const OUTER_SPACE = /^(?:\s|<br>)+|(?:\s|<br>)+$/g

function finish(html: string, plain: string, tags: number): Field {
  let out = html
  for (let i = 0; i < 4 && EMPTY_ELEMENT.test(out); i++) out = out.replace(EMPTY_ELEMENT, '')
  out = out.replace(OUTER_SPACE, '')
  const counted = (out.match(/</g) ?? []).length
  return { html: out, plain: plain.replace(/\s+/g, ' ').trim(), tags: Math.min(tags, counted) }
}

/** A field from plain text (a caption attribute, a shortcode's text). */
export function plainField(text: string): Field | null {
  const builder = new InlineHtml()
  builder.text(text)
  return builder.take()
}

/** The field's text with no markup at all, escaped. */
export const asPlain = (field: Field): Field => ({ html: escapeText(field.plain), plain: field.plain, tags: 0 })

/**
 * Plain text cut into pieces of at most `max` characters once escaped, between words where
 * there are any, so that a text too long for one block goes into several.
 */
export function splitPlain(plain: string, max: number): string[] {
  const pieces: string[] = []
  let current = ''
  for (const word of plain.split(/(?<=\s)/)) {
    const candidate = current + word
    if (escapeText(candidate).length <= max) {
      current = candidate
      continue
    }
    if (current.trim() !== '') pieces.push(escapeText(current.trim()))
    current = word
    // A single "word" longer than the limit (a pasted blob): cut it by characters.
    while (escapeText(current).length > max) {
      let cut = max
      while (escapeText(current.slice(0, cut)).length > max) cut -= 1
      // Never between the two halves of a character outside the BMP.
      if (/[\uD800-\uDBFF]/.test(current[cut - 1] ?? '')) cut -= 1
      pieces.push(escapeText(current.slice(0, cut)))
      current = current.slice(cut)
    }
  }
  if (current.trim() !== '') pieces.push(escapeText(current.trim()))
  return pieces
}

/** The plain text, escaped, cut to `max` characters with an ellipsis. */
export function shortenPlain(plain: string, max: number): string {
  const [first = ''] = splitPlain(plain, max - 1)
  return first.length < escapeText(plain).length ? `${first}…` : first
}

/**
 * One line of plain text from a source's text that may hold markup or entities (a WordPress
 * title, a ninjs headline): parsed only when there is markup or an entity to remove.
 */
export function textOf(html: string): string {
  return (/[<&]/.test(html) ? stripTags(html) : html).replace(/\s+/g, ' ').trim()
}
