// Inline markup in block text: only a, em, strong, i, b, br, sub and sup survive, links only
// to http, https and mailto. sanitize-html does the parsing, because hand-rolled regexes
// are how markup filters get bypassed.
import { createRequire } from 'node:module'
import type SanitizeHtml from 'sanitize-html'

// Loaded at the first write rather than at start: sanitize-html and its parsers (htmlparser2,
// postcss) take ~75 ms to load, which a server that is only read never needs. It is CommonJS,
// so `require` keeps every function here synchronous.
const require = createRequire(import.meta.url)
let sanitizer: typeof SanitizeHtml | undefined

function sanitizeHtml(html: string, options: SanitizeHtml.IOptions): string {
  sanitizer ??= require('sanitize-html') as typeof SanitizeHtml
  return sanitizer(html, options)
}

const INLINE: SanitizeHtml.IOptions = {
  allowedTags: ['a', 'em', 'strong', 'i', 'b', 'br', 'sub', 'sup'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  // Removed tags keep their text ("<span>x</span>" → "x"); script, style and the like lose it too.
  disallowedTagsMode: 'discard',
  // sanitize-html checks the scheme only of URLs that have one, so relative and
  // protocol-relative hrefs would pass; a stored story has no page to be relative to.
  transformTags: {
    a: (tagName, attribs) => {
      const { href, ...rest } = attribs
      return { tagName, attribs: href !== undefined && /^\s*(https?|mailto):/i.test(href) ? { ...rest, href } : rest }
    },
  },
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'template', 'title', 'head'],
}

const PLAIN: SanitizeHtml.IOptions = { ...INLINE, allowedTags: [], allowedAttributes: {} }

// C0 and C1 controls other than tab and newline have no place in stored text.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g

/** Normalizes stored text: NFC, no control characters, CRLF as LF. */
export function cleanText(text: string): string {
  return text.normalize('NFC').replace(/\r\n?/g, '\n').replace(CONTROLS, '')
}

export function sanitizeInline(html: string): string {
  const clean = sanitizeHtml(cleanText(html), INLINE)
  // A link whose href was refused (javascript:, relative) is left as plain text. The output
  // of sanitize-html is well-formed, so a bare "<a>" here is exactly such a link.
  return clean.includes('<a>') ? clean.replace(/<a>([\s\S]*?)<\/a>/g, '$1') : clean
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: '\u00A0' }

/** Text without any markup (for search, and for fields that are plain text). */
export function stripTags(html: string): string {
  return sanitizeHtml(cleanText(html), PLAIN).replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, name: string) => ENTITIES[name] ?? '')
}
