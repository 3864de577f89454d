// HTML to body blocks, shared by every import (ninjs bodies, WordPress posts). The HTML is
// parsed by htmlparser2 (the parser sanitize-html runs on) into a tree, never picked apart with
// regular expressions, and walked: paragraphs, headings, quotes, lists, figures with captions
// and the inline markup the block model allows are kept; what it cannot hold is left out with
// a warning; no block is ever made without text.
import { DomUtils, parseDOM } from 'htmlparser2'
import { badRequest } from '../http/problems.js'
import { cleanText } from '../text/sanitize.js'
import { type ConvertedBlock, type DraftBlock, finishBlocks, type MediaRef } from './block-limits.js'
import { embedProvider, embedUrl, isAutoEmbed } from './embeds.js'
import { type Field, InlineHtml, KEPT_INLINE } from './inline-html.js'
import { type Warning, warning } from './warnings.js'

type Node = ReturnType<typeof parseDOM>[number]
type Element = Parameters<typeof DomUtils.getAttributeValue>[0]

export type { ConvertedBlock, MediaDraft, MediaRef } from './block-limits.js'

export interface ConvertOptions {
  /** Classic WordPress text: a blank line ends a paragraph, a line break is a <br> (what wpautop does). */
  lineBreaks?: boolean
  /** A paragraph that is only a link to a known video or social site becomes an embed (WordPress's auto-embeds). */
  autoEmbeds?: boolean
  /** Where relative links and picture URLs are resolved from. */
  baseUrl?: string | undefined
}

export interface Conversion {
  blocks: ConvertedBlock[]
  warnings: Warning[]
  /** How many blocks come before a <!--more--> between blocks (WordPress's teaser); null without one. */
  teaserEnd: number | null
}

/** Deeper than this, markup is someone's accident or attack, not a story: it is left out. */
const MAX_DEPTH = 64
/**
 * Tags (and comments) an item's HTML may hold. The parser's work grows with the square of how
 * deeply tags nest (100,000 nested <div>s took 8 s), so their number is bounded before parsing;
 * a long story with block-editor comments has a few thousand.
 */
export const MAX_ITEM_TAGS = 20_000

const HEADING_LEVEL = new Map<string, 2 | 3 | 4>([['h1', 2], ['h2', 2], ['h3', 3], ['h4', 4], ['h5', 4], ['h6', 4]])
const PARAGRAPHS = new Set(['p', 'address', 'dt', 'dd', 'caption'])
const CONTAINERS = new Set(['div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'nav', 'center', 'body', 'html', 'details', 'summary', 'hgroup', 'dl', 'figcaption', 'li'])
const BLOCK_LEVEL = new Set([...PARAGRAPHS, ...CONTAINERS, ...HEADING_LEVEL.keys(), 'blockquote', 'ul', 'ol', 'figure', 'pre', 'hr'])
/** Left out, with their content and a warning saying why. */
const DROPPED = new Map<string, string>(Object.entries({
  table: 'the block model has no tables',
  form: 'forms are not part of a story',
  input: 'forms are not part of a story',
  button: 'forms are not part of a story',
  select: 'forms are not part of a story',
  textarea: 'forms are not part of a story',
  script: 'scripts do not run in stories',
  noscript: 'scripts do not run in stories',
  style: 'styles belong to the front end',
  template: 'templates hold no content',
  object: 'plug-in content has no block',
  embed: 'plug-in content has no block',
  applet: 'plug-in content has no block',
  svg: 'drawings have no block',
  math: 'formulas have no block',
  canvas: 'drawings have no block',
  map: 'image maps have no block',
}))
/** Left out silently: document metadata, never part of the text. */
const SILENT = new Set(['head', 'title', 'meta', 'link', 'base', 'wbr', 'col', 'colgroup', 'source', 'track', 'param'])

/** Converts `html`; markup of more than MAX_ITEM_TAGS tags is refused (a 400 Problem: the item is skipped). */
export function htmlToBlocks(html: string, options: ConvertOptions = {}): Conversion {
  let tags = 0
  for (let i = html.indexOf('<'); i !== -1; i = html.indexOf('<', i + 1)) {
    if (++tags > MAX_ITEM_TAGS) throw badRequest(`its HTML holds more than ${MAX_ITEM_TAGS} tags, more than any story`)
  }
  return new Converter(options).convert(html)
}

class Converter {
  private drafts: DraftBlock[] = []
  private readonly warnings: Warning[] = []
  private readonly dropped = new Map<string, number>()
  /** Media met inside a block that cannot be split (a list item, a quote): they follow it. */
  private deferred: DraftBlock[] = []
  private paragraph = new InlineHtml()

  constructor(private readonly options: ConvertOptions) {}

  convert(html: string): Conversion {
    this.blocks(parseDOM(cleanText(html), { decodeEntities: true }), 0)
    this.flushParagraph()
    for (const [name, count] of this.dropped) {
      const what = name === '' ? `markup nested more than ${MAX_DEPTH} levels deep` : `${count === 1 ? 'a' : count} <${name}>`
      this.warnings.push(warning('element-dropped', `${what} left out: ${DROPPED.get(name) ?? (name === '' ? 'no story is built like that' : 'it has no block')}`))
    }
    return { ...finishBlocks(this.drafts, this.warnings), warnings: this.warnings }
  }

  private drop(name: string): void {
    this.dropped.set(name, (this.dropped.get(name) ?? 0) + 1)
  }

  private push(block: DraftBlock): void {
    this.drafts.push(block, ...this.deferred.splice(0))
  }

  private flushParagraph(): void {
    const text = this.paragraph.take()
    if (text === null) return
    const url = this.options.autoEmbeds ? isAutoEmbed(text) : null
    this.push(url ? { type: 'embed', url, provider: embedProvider(url) } : { type: 'paragraph', text })
  }

  /** Nodes at the level of blocks: loose text and inline elements gather into paragraphs. */
  private blocks(nodes: readonly Node[], depth: number): void {
    for (const node of nodes) {
      if (DomUtils.isText(node)) this.text(this.paragraph, node.data, true)
      else if (DomUtils.isTag(node)) this.block(node, depth + 1)
      else if (DomUtils.isComment(node) && /^more\b/.test(node.data)) {
        this.flushParagraph()
        this.drafts.push({ type: 'more' })
      }
    }
  }

  private block(el: Element, depth: number): void {
    const name = el.name
    if (depth > MAX_DEPTH) return this.drop('')
    if (PARAGRAPHS.has(name)) {
      this.flushParagraph()
      this.inline(this.paragraph, el.children, depth, true)
      return this.flushParagraph()
    }
    if (HEADING_LEVEL.has(name)) {
      this.flushParagraph()
      const text = this.field(el, depth)
      if (text) this.push({ type: 'heading', level: HEADING_LEVEL.get(name)!, text })
      return
    }
    if (name === 'blockquote') return this.quote(el, depth)
    if (name === 'ul' || name === 'ol') return this.list(el, depth)
    if (name === 'figure') return this.figure(el, depth)
    if (name === 'pre') {
      this.flushParagraph()
      const text = this.field(el, depth, new InlineHtml(true))
      if (text) this.push({ type: 'paragraph', text })
      return
    }
    if (name === 'hr' || DROPPED.has(name) || SILENT.has(name) || CONTAINERS.has(name)) this.flushParagraph()
    if (CONTAINERS.has(name)) {
      this.blocks(el.children, depth)
      return this.flushParagraph()
    }
    if (name !== 'hr') this.inlineElement(this.paragraph, el, depth, true)
  }

  /** One text field from an element's content; media inside it follow the block it ends up in. */
  private field(el: Element, depth: number, into = new InlineHtml()): Field | null {
    this.inline(into, el.children, depth, false)
    const text = into.take()
    if (text === null && this.deferred.length > 0) this.drafts.push(...this.deferred.splice(0))
    return text
  }

  private text(into: InlineHtml, data: string, paragraphs: boolean): void {
    if (!this.options.lineBreaks) return into.text(data)
    data.split(/\n[ \t]*\n\s*/).forEach((part, i) => {
      if (i > 0 && paragraphs) this.flushParagraph()
      if (i > 0 && !paragraphs) {
        into.br()
        into.br()
      }
      part.split('\n').forEach((line, j) => {
        if (j > 0) into.br()
        into.text(line)
      })
    })
  }

  /** Inline content; `top` when it is the loose paragraph at the level of blocks, which media may split. */
  private inline(into: InlineHtml, nodes: readonly Node[], depth: number, top: boolean): void {
    for (const node of nodes) {
      if (DomUtils.isText(node)) this.text(into, node.data, top)
      else if (DomUtils.isTag(node)) this.inlineElement(into, node, depth + 1, top)
    }
  }

  private inlineElement(into: InlineHtml, el: Element, depth: number, top: boolean): void {
    const name = el.name
    if (depth > MAX_DEPTH) return this.drop('')
    if (KEPT_INLINE.has(name)) {
      into.openTag(name)
      this.inline(into, el.children, depth, top)
      return into.closeTag()
    }
    if (name === 'a') {
      const href = this.link(el.attribs.href)
      if (href) into.openTag('a', href)
      this.inline(into, el.children, depth, top)
      if (href) into.closeTag()
      return
    }
    if (name === 'br') return into.br()
    if (name === 'img' || name === 'picture' || name === 'video' || name === 'audio') {
      const ref = this.mediaRef(el)
      return ref ? this.media({ type: 'media', ref }, top) : this.drop(name)
    }
    if (name === 'iframe') {
      const url = embedUrl(el.attribs.src ?? '', this.options.baseUrl)
      return url ? this.media({ type: 'embed', url, provider: embedProvider(url) }, top) : this.drop(name)
    }
    if (DROPPED.has(name)) return this.drop(name)
    if (SILENT.has(name)) return
    if (BLOCK_LEVEL.has(name)) {
      // A block inside inline content: at the level of blocks it is a block; inside a list item,
      // a quote or a caption, it is a new line of the same text.
      if (top) return this.block(el, depth)
      into.br()
      this.inline(into, el.children, depth, false)
      return into.br()
    }
    // Any other element (span, u, code, mark, abbr, time, q, cite, …) keeps its text.
    this.inline(into, el.children, depth, top)
  }

  private media(block: DraftBlock, top: boolean): void {
    if (!top) return void this.deferred.push(block)
    this.flushParagraph()
    this.push(block)
  }

  private list(el: Element, depth: number): void {
    this.flushParagraph()
    const items: Field[] = []
    let flattened = false
    const collect = (list: Element, level: number) => {
      for (const child of list.children) {
        if (level > MAX_DEPTH) return this.drop('')
        if (DomUtils.isText(child)) {
          const loose = new InlineHtml()
          this.text(loose, child.data, false)
          const text = loose.take()
          if (text) items.push(text)
          continue
        }
        if (!DomUtils.isTag(child)) continue
        const item = new InlineHtml()
        const nodes = child.name === 'li' ? child.children : [child]
        for (const node of nodes) {
          if (DomUtils.isTag(node) && (node.name === 'ul' || node.name === 'ol')) {
            const text = item.take()
            if (text) items.push(text)
            flattened = true
            collect(node, level + 1)
          } else {
            this.inline(item, [node], level, false)
          }
        }
        const text = item.take()
        if (text) items.push(text)
      }
    }
    collect(el, depth)
    if (flattened) this.warnings.push(warning('list-flattened', 'the items of a nested list became items of the list around it'))
    if (items.length > 0) this.push({ type: 'list', style: el.name === 'ol' ? 'numbered' : 'bulleted', items })
    else this.drafts.push(...this.deferred.splice(0))
  }

  private quote(el: Element, depth: number): void {
    this.flushParagraph()
    const social = socialEmbed(el)
    if (social) return this.push({ type: 'embed', url: social, provider: embedProvider(social) })
    const text = new InlineHtml()
    let attribution: Field | null = null
    for (const child of el.children) {
      if (DomUtils.isTag(child) && (child.name === 'cite' || child.name === 'footer')) {
        attribution ??= this.field(child, depth + 1)
      } else if (DomUtils.isTag(child) && BLOCK_LEVEL.has(child.name)) {
        text.br()
        text.br()
        this.inline(text, child.children, depth + 1, false)
      } else {
        this.inline(text, [child], depth, false)
      }
    }
    const quoted = text.take()
    if (quoted) this.push({ type: 'quote', text: quoted, attribution: attribution ?? undefined })
    else if (attribution) this.push({ type: 'paragraph', text: attribution })
    else this.drafts.push(...this.deferred.splice(0))
  }

  /**
   * A figure: its pictures (each a media block), its caption (on the one picture it describes,
   * else a paragraph after them), or an embed (the block editor's embeds are figures too).
   */
  private figure(el: Element, depth: number): void {
    this.flushParagraph()
    const classes = el.attribs.class ?? ''
    const caption = el.children.find((child): child is Element => DomUtils.isTag(child) && child.name === 'figcaption')
    const captionText = caption ? this.field(caption, depth + 1) : null
    if (/\bwp-block-embed\b/.test(classes)) {
      const url = embedUrl(textIn(el.children.filter((c) => c !== caption)).trim(), this.options.baseUrl)
      if (url) {
        this.push({ type: 'embed', url, provider: embedProvider(url) })
        if (captionText) this.push({ type: 'paragraph', text: captionText })
        return
      }
    }
    // What the figure holds, in its order, gathered apart so the caption can join its picture.
    const outer = this.drafts
    this.drafts = []
    this.blocks(
      el.children.filter((child) => child !== caption),
      depth,
    )
    this.flushParagraph()
    const inside = this.drafts
    this.drafts = outer
    const pictures = inside.filter((block) => block.type === 'media')
    if (captionText && pictures.length === 1 && pictures[0]!.type === 'media') pictures[0]!.caption = captionText
    else if (captionText) inside.push({ type: 'paragraph', text: captionText })
    this.drafts.push(...inside)
  }

  /** A link the block model keeps: absolute http, https or mailto (relative ones resolved against the base). */
  private link(href: string | undefined): string | null {
    if (href === undefined || href.trim() === '') return null
    if (/^\s*mailto:/i.test(href)) return href.trim()
    return embedUrl(href, this.options.baseUrl)
  }

  private mediaRef(el: Element): MediaRef | null {
    // Children only: a <picture> holds its <img>, a <video> its <source>s, directly.
    const img = el.name === 'picture' ? DomUtils.findOne((n) => n.name === 'img', el.children, false) : el
    if (!img) return null
    const source = DomUtils.findOne((n) => n.name === 'source' && Boolean(n.attribs.src), img.children, false)
    const a = img.attribs
    const raw = a.src || a['data-src'] || a['data-lazy-src'] || source?.attribs.src || (a.srcset ?? '').trim().split(/\s+/)[0] || ''
    const classId = /\bwp-(?:image|video|audio)-(\d+)\b/.exec(a.class ?? '')?.[1]
    const attachmentId = a['data-wp-attachment'] ?? classId ?? (/^\d+$/.test(a['data-id'] ?? '') ? a['data-id']! : null)
    const src = raw === '' ? '' : (embedUrl(raw, this.options.baseUrl) ?? raw.trim())
    if (src === '' && attachmentId === null) return null
    return { kind: img.name === 'video' ? 'video' : img.name === 'audio' ? 'audio' : 'image', src, alt: (a.alt ?? '').trim(), attachmentId }
  }
}

/** The text of a subtree, read with a stack of its own: markup nested however deep cannot overflow the call stack. */
function textIn(nodes: readonly Node[]): string {
  let text = ''
  const stack = [...nodes].reverse()
  while (stack.length > 0) {
    const node = stack.pop()!
    if (DomUtils.isText(node)) text += node.data
    else if (DomUtils.isTag(node)) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!)
  }
  return text
}

/** The post a tweet, Instagram or TikTok quote stands for (the embed code's fallback markup). */
function socialEmbed(el: Element): string | null {
  const classes = el.attribs.class ?? ''
  if (/\binstagram-media\b/.test(classes)) return embedUrl(el.attribs['data-instgrm-permalink'] ?? '')
  if (/\btiktok-embed\b/.test(classes)) return embedUrl(el.attribs.cite ?? '')
  if (!/\btwitter-tweet\b/.test(classes)) return null
  const links = DomUtils.findAll((n) => n.name === 'a' && /\/status\/\d+/.test(n.attribs.href ?? ''), el.children)
  return embedUrl(links.at(-1)?.attribs.href ?? '')
}
