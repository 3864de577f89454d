// A WordPress post's content made plain HTML before it is converted to blocks: shortcodes
// ([caption], [gallery], [embed], [video], [audio]) become the figures, pictures and embeds
// they stand for, or are dropped with a warning; <!--more--> gives the teaser, <!--nextpage-->
// joins the pages; block-editor comments are read for blocks with no markup of their own.
// Shortcodes are WordPress's own bracket syntax, not HTML, so they are found here by their
// grammar; everything that is HTML is left to the HTML parser.
import { escapeAttribute } from './inline-html.js'
import { quoted, type Warning, warning } from './warnings.js'

export interface PreparedContent {
  /** The HTML, with <!--more--> kept (the converter ends the teaser there) and <!--nextpage--> a paragraph break. */
  html: string
  /** Classic-editor content: blank lines are paragraph breaks (the block editor writes <p>). */
  lineBreaks: boolean
  warnings: Warning[]
}

export function prepareContent(content: string): PreparedContent {
  const warnings: Warning[] = []
  const blockEditor = content.includes('<!-- wp:')
  const pages = (content.match(/<!--nextpage-->/g) ?? []).length
  if (pages > 0) warnings.push(warning('pages-joined', `the post's ${pages + 1} pages (<!--nextpage-->) were joined into one body`))
  const dynamic = new Set<string>()
  for (const match of content.matchAll(/<!--\s+wp:([a-z0-9/_-]+)(?:\s+\{[^>]{0,20000}?\})?\s+\/-->/g)) dynamic.add(match[1]!)
  for (const name of dynamic) {
    warnings.push(warning('block-dropped', `the block "wp:${name}" is made by WordPress when a page is shown and has no content of its own to import`))
  }
  // Both markers stand between paragraphs: blank lines around them, so that in classic text the
  // paragraph before ends there, which a comment between two lines of text would hide.
  const marked = content.replace(/<!--nextpage-->/g, '\n\n').replace(/<!--more(?:[^>]*?)?-->/g, '\n\n<!--more-->\n\n')
  return { html: shortcodes(marked, warnings, 0), lineBreaks: !blockEditor, warnings }
}

interface Shortcode {
  name: string
  attributes: Record<string, string>
  /** The enclosed text of [name]…[/name]; null for a self-closing or unclosed one. */
  content: string | null
}

// A shortcode's opening: "[name attributes]" or "[name attributes /]"; "[[name]]" is how a
// post shows the brackets themselves. Names start with a letter, so "[1]" is left alone.
// Quoted values stop at brackets and are bounded, so that a stray quote costs a short scan.
const OPENING = /\[(\[?)([A-Za-z][\w-]*)(?![\w-])((?:[^[\]"'/]|"[^"[\]]{0,1000}"|'[^'[\]]{0,1000}'|\/(?!\]))*)(\/?)\](\]?)/
const HANDLED = new Set(['caption', 'wp_caption', 'gallery', 'embed', 'video', 'audio', 'playlist'])
const MAX_NESTING = 4

function shortcodes(text: string, warnings: Warning[], nesting: number): string {
  if (!text.includes('[') || nesting > MAX_NESTING) return text
  const dropped = new Map<string, number>()
  let out = ''
  let position = 0
  // A regular expression of its own: the calls for enclosed text run inside this loop.
  const opening = new RegExp(OPENING.source, 'g')
  // Where each name's next closing tag is, remembered: many openings of one name scan the text once.
  const closings = new Map<string, number>()
  const closingOf = (name: string, from: number): number => {
    const known = closings.get(name)
    if (known !== undefined && (known === -1 || known >= from)) return known
    const found = text.indexOf(`[/${name}]`, from)
    closings.set(name, found)
    return found
  }
  for (let match = opening.exec(text); match !== null; match = opening.exec(text)) {
    const [whole, escapeOpen, name, rawAttributes = '', selfClosing, escapeClose] = match as unknown as string[]
    const lower = name!.toLowerCase()
    const attributes = parseAttributes(rawAttributes)
    const after = match.index + whole!.length
    const closing = selfClosing ? -1 : closingOf(name!, after)
    // An unknown name is a shortcode only when it looks like one (attributes, a closing tag, "/]");
    // otherwise it is text in brackets ("[citation needed]"), as WordPress itself shows it.
    const looksLike = HANDLED.has(lower) || selfClosing !== '' || closing !== -1 || /=/.test(rawAttributes)
    if (!looksLike) continue
    if (escapeOpen && escapeClose) {
      out += text.slice(position, match.index) + whole!.slice(1, -1)
      position = after
      continue
    }
    const content = closing === -1 ? null : text.slice(after, closing)
    out += text.slice(position, match.index)
    position = closing === -1 ? after : closing + name!.length + 3
    opening.lastIndex = position
    const replaced = replace({ name: lower, attributes, content }, warnings, nesting)
    if (replaced === null) dropped.set(lower, (dropped.get(lower) ?? 0) + 1)
    out += replaced ?? (content === null ? '' : shortcodes(content, warnings, nesting + 1))
  }
  for (const [name, count] of dropped) {
    warnings.push(warning('shortcode', `${count === 1 ? 'a' : count} [${name}] shortcode${count === 1 ? '' : 's'} left out (enclosed text kept): only WordPress can run ${count === 1 ? 'it' : 'them'}`))
  }
  return out + text.slice(position)
}

function parseAttributes(raw: string): Record<string, string> {
  // No prototype: an attribute named "__proto__" or "constructor" is just a name.
  const attributes: Record<string, string> = Object.create(null)
  for (const match of raw.matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|"([^"]*)"|(\S+)/g)) {
    if (match[1] !== undefined) attributes[match[1].toLowerCase()] = match[2] ?? match[3] ?? match[4] ?? ''
    else attributes[String(Object.keys(attributes).length)] = match[5] ?? match[6] ?? ''
  }
  return attributes
}

/** The HTML a handled shortcode stands for; '' when it is dropped with its own warning; null for one not handled. */
function replace(code: Shortcode, warnings: Warning[], nesting: number): string | null {
  const { name, attributes, content } = code
  switch (name) {
    case 'caption':
    case 'wp_caption':
      return caption(attributes, content ?? '', warnings, nesting)
    case 'gallery': {
      const ids = (attributes.ids ?? attributes.include ?? '').split(',').map((id) => id.trim()).filter((id) => /^\d+$/.test(id))
      if (ids.length === 0) {
        warnings.push(warning('shortcode', 'a [gallery] without ids (the post\'s attached pictures) left out: name the pictures with ids="…"'))
        return ''
      }
      return `<figure class="wp-block-gallery">${ids.map((id) => `<figure><img data-wp-attachment="${id}"></figure>`).join('')}</figure>`
    }
    case 'embed': {
      const url = (content ?? attributes.src ?? '').trim()
      if (!/^https?:\/\/\S+$/i.test(url)) {
        warnings.push(warning('shortcode', `an [embed] without a web address left out: ${quoted(url)}`))
        return ''
      }
      return `<figure class="wp-block-embed"><div>${escapeAttribute(url)}</div></figure>`
    }
    case 'video':
    case 'audio': {
      const keys = name === 'video' ? ['src', 'mp4', 'm4v', 'webm', 'ogv', 'mov'] : ['src', 'mp3', 'm4a', 'ogg', 'wav']
      const src = keys.map((key) => attributes[key]).find((value) => value !== undefined && value.trim() !== '')
      if (src === undefined) {
        warnings.push(warning('shortcode', `a [${name}] without a file left out`))
        return ''
      }
      return `<${name} src="${escapeAttribute(src.trim())}"></${name}>`
    }
    case 'playlist':
      warnings.push(warning('shortcode', 'a [playlist] left out: the block model has no playlists'))
      return ''
    default:
      return null
  }
}

/**
 * [caption id="attachment_12"]<a><img …></a> What it shows[/caption]: the picture (its link
 * dropped by the converter) and the text after it, or the `caption` attribute, as a figure.
 */
function caption(attributes: Record<string, string>, content: string, warnings: Warning[], nesting: number): string {
  const inner = shortcodes(content, warnings, nesting + 1)
  const match = /^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*<\/a>)?)([^]*)$/i.exec(inner)
  const picture = match?.[1] ?? ''
  const text = (attributes.caption ?? match?.[2] ?? inner).trim()
  const id = /^attachment_(\d+)$/.exec(attributes.id ?? '')?.[1]
  const img = id !== undefined && !/\bwp-image-\d+/.test(picture) ? picture.replace(/<img\b/i, `<img data-wp-attachment="${id}"`) : picture
  if (img === '') return text === '' ? '' : `<p>${text}</p>`
  return `<figure>${img}${text === '' ? '' : `<figcaption>${text}</figcaption>`}</figure>`
}
