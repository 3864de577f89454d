// The one HTML rendering of an article body: feeds, ninjs and `?include=html` all print this.
//
// Block text is sanitized when it is written (sanitize.ts), but the renderer trusts nothing it
// is handed (a row written by another tool, an import, a restored revision): text fields go
// through `inlineHtml`, which copies only exact tokens of the allowed inline markup and escapes
// every other `<`, `>` and `&`; plain fields (titles, media captions, alt text) are escaped whole.
// That is output encoding with an allow-list of literal tokens, not a parser deciding what to
// drop, so text that is not one of those tokens can only ever come out as text.

/** A media item as the renderer needs it (an embedded `Media`). */
export interface HtmlMedia {
  kind: string
  url: string
  filename: string
  width: number | null
  height: number | null
  caption: string
  credit: string
  altText: string
}

/** A body block as read, with its media and its internal teaser's target embedded. */
export type HtmlBlock<Target> =
  | { type: 'paragraph'; text: string }
  | { type: 'heading'; text: string; level: number }
  | { type: 'quote'; text: string; attribution?: string | undefined }
  | { type: 'list'; style: string; items: readonly string[] }
  | { type: 'media'; caption?: string | undefined; credit?: string | undefined; media: HtmlMedia | null }
  | { type: 'related'; url?: string | undefined; title?: string | undefined; article?: Target | null | undefined }
  | { type: 'embed'; url: string; provider?: string | undefined }

export interface RenderOptions<Target> {
  /** The page a `related` block's internal target is read at (its canonical URL). */
  teaserUrl(target: Target): string
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text as HTML text or attribute value: nothing in it can be read as markup. */
export function escapeHtml(text: string): string {
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : text
}

const INLINE_TAGS = new Set(['a', 'em', 'strong', 'i', 'b', 'sub', 'sup'])
// At a `<`: one tag of the allowed markup, whole. Anything else starting with `<` is text.
const TAG = /<(\/?)([a-zA-Z]+)(?:\s+href="((?:https?|mailto):[^"<>]*)")?\s*(\/?)>/y
// At a `&`: a character reference, kept as it is; a lone `&` is escaped.
const REFERENCE = /&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/y
const REFERENCE_IN_VALUE = /&(?!(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});)/g
const SPECIAL = /[<>&]/g

/**
 * A text field as HTML: the allowed inline markup (a with an http, https or mailto href, em,
 * strong, i, b, br, sub, sup) kept and balanced, everything else escaped. With `links: false`
 * anchors are dropped and their text kept (for text that is itself inside a link).
 */
export function inlineHtml(text: string, { links = true }: { links?: boolean } = {}): string {
  if (!/[<>&]/.test(text)) return text
  let out = ''
  let from = 0
  const open: string[] = []
  SPECIAL.lastIndex = 0
  for (let match = SPECIAL.exec(text); match !== null; match = SPECIAL.exec(text)) {
    const at = match.index
    out += text.slice(from, at)
    from = at + 1
    const char = match[0]
    if (char === '&') {
      REFERENCE.lastIndex = at
      const reference = REFERENCE.exec(text)
      if (reference) {
        out += reference[0]
        from = SPECIAL.lastIndex = REFERENCE.lastIndex
      } else {
        out += '&amp;'
      }
      continue
    }
    if (char === '>') {
      out += '&gt;'
      continue
    }
    TAG.lastIndex = at
    const tag = TAG.exec(text)
    const token = tag ? inlineToken(tag, open, links) : undefined
    if (token === undefined) {
      out += '&lt;'
      continue
    }
    out += token
    from = SPECIAL.lastIndex = TAG.lastIndex
  }
  out += text.slice(from)
  for (let i = open.length - 1; i >= 0; i--) out += `</${open[i]}>`
  return out
}

/** The HTML to write for one allowed tag ('' to drop it), or undefined when it is not allowed. */
function inlineToken(tag: RegExpExecArray, open: string[], links: boolean): string | undefined {
  const [, slash, rawName, href, selfClosing] = tag
  const name = rawName!.toLowerCase()
  if (name === 'br') return slash === '' && href === undefined ? '<br>' : undefined
  if (!INLINE_TAGS.has(name) || selfClosing !== '' || (href !== undefined && (name !== 'a' || slash !== ''))) return undefined
  if (name === 'a' && slash === '' && href === undefined) return undefined
  if (slash === '/') {
    const at = open.lastIndexOf(name)
    // A closer with no opener is dropped; one that skips open tags closes them too.
    if (at === -1) return ''
    const closing = open.splice(at).reverse()
    return closing.map((n) => `</${n}>`).join('')
  }
  // A link inside a link is not HTML: the inner one keeps its text only.
  if (name === 'a' && (!links || open.includes('a'))) return ''
  open.push(name)
  return name === 'a' ? `<a href="${href!.replace(REFERENCE_IN_VALUE, '&amp;').replace(/'/g, '&#39;')}">` : `<${name}>`
}

const isLink = (url: string | undefined): url is string => url !== undefined && /^(https?|mailto):/i.test(url)

/** An href, or nothing when the URL is not one a reader may be sent to. */
const link = (url: string | undefined, content: string): string => (isLink(url) ? `<a href="${escapeHtml(url)}">${content}</a>` : content)

function figure(block: Extract<HtmlBlock<unknown>, { type: 'media' }>, media: HtmlMedia): string {
  // The block's own caption and credit (inline markup) override the media item's (plain text).
  const caption = block.caption !== undefined ? inlineHtml(block.caption) : escapeHtml(media.caption)
  const credit = block.credit !== undefined ? inlineHtml(block.credit) : escapeHtml(media.credit)
  const size = media.width !== null && media.height !== null ? ` width="${media.width}" height="${media.height}"` : ''
  const src = escapeHtml(media.url)
  let shown: string
  if (media.kind === 'image') shown = `<img src="${src}" alt="${escapeHtml(media.altText)}"${size}>`
  else if (media.kind === 'video') shown = `<video src="${src}" controls${size}></video>`
  else if (media.kind === 'audio') shown = `<audio src="${src}" controls></audio>`
  else shown = `<a href="${src}">${escapeHtml(media.filename)}</a>`
  const lines = [caption, credit === '' ? '' : `<small>${credit}</small>`].filter((part) => part !== '').join(' ')
  return `<figure>${shown}${lines === '' ? '' : `<figcaption>${lines}</figcaption>`}</figure>`
}

/** One block as HTML; '' for a block that shows nothing (its media or target is gone or hidden). */
export function renderBlock<Target extends { title: string }>(block: HtmlBlock<Target>, options: RenderOptions<Target>): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${inlineHtml(block.text)}</p>`
    case 'heading': {
      const level = Math.min(6, Math.max(2, Math.trunc(block.level) || 2))
      return `<h${level}>${inlineHtml(block.text)}</h${level}>`
    }
    case 'quote': {
      const by = block.attribution === undefined ? '' : `<footer>${inlineHtml(block.attribution)}</footer>`
      return `<blockquote><p>${inlineHtml(block.text)}</p>${by}</blockquote>`
    }
    case 'list': {
      const tag = block.style === 'numbered' ? 'ol' : 'ul'
      return `<${tag}>${block.items.map((item) => `<li>${inlineHtml(item)}</li>`).join('')}</${tag}>`
    }
    case 'media':
      return block.media === null ? '' : figure(block, block.media)
    case 'related': {
      const target = block.article ?? null
      const title = block.title !== undefined ? inlineHtml(block.title, { links: false }) : null
      if (target !== null) return `<aside>${link(options.teaserUrl(target), title ?? escapeHtml(target.title))}</aside>`
      if (!isLink(block.url)) return ''
      return `<aside>${link(block.url, title ?? escapeHtml(block.url))}</aside>`
    }
    case 'embed':
      return isLink(block.url) ? `<p>${link(block.url, escapeHtml(block.provider ?? block.url))}</p>` : ''
  }
}

/** A whole body as HTML, block after block. */
export function renderBlocks<Target extends { title: string }>(blocks: readonly HtmlBlock<Target>[], options: RenderOptions<Target>): string {
  let html = ''
  for (const block of blocks) html += renderBlock(block, options)
  return html
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' }

/** Inline markup made plain: tags dropped, character references decoded. */
export function inlineText(text: string): string {
  if (!/[<&]/.test(text)) return text
  return text.replace(/<[^<>]*>/g, '').replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (whole, name: string) => {
    if (name[0] !== '#') return NAMED[name] ?? whole
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : ''
  })
}

/** What the reading text is taken from: any block, as stored or as read. */
export interface TextSource {
  type: string
  text?: string | undefined
  attribution?: string | undefined
  items?: readonly string[] | undefined
}

/** The reading text of a body (paragraphs, subheads, quotes, lists), without captions, one block a line. */
export function bodyPlainText(blocks: readonly TextSource[]): string {
  const lines: string[] = []
  for (const block of blocks) {
    if (!['paragraph', 'heading', 'quote', 'list'].includes(block.type)) continue
    if (block.text !== undefined) lines.push(inlineText(block.text))
    if (block.attribution !== undefined) lines.push(inlineText(block.attribution))
    for (const item of block.items ?? []) lines.push(inlineText(item))
  }
  return lines.join('\n')
}

/** Words as a reader counts them: runs of letters and digits, joined by an apostrophe, a hyphen or (6:10, 1,900, 3.5) a point. */
export function wordCount(text: string): number {
  return text.match(/[\p{L}\p{N}]+(?:['’\-.,:][\p{L}\p{N}]+)*/gu)?.length ?? 0
}
