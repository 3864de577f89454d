// XML written as text. Escaping is all there is to it, and it is done here once: every value
// that reaches a feed or a sitemap passes through `xmlEscape`. An XML builder (xmlbuilder2)
// spends ~50 µs an element: 2.5 s to build a 50,000-URL sitemap page and 20-40 ms a feed of 50,
// where writing the same text this way took 35 ms for the sitemap (docs/architecture.md,
// Libraries). Tests read what is written with independent parsers.

// Characters XML 1.0 cannot hold at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are
// dropped: a single one would make the whole document unreadable to a strict parser.
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu
const NEEDS_WORK = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Text for an element or a (double- or single-quoted) attribute value. */
export function xmlEscape(text: string): string {
  if (!NEEDS_WORK.test(text)) return text
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

export type Attributes = Record<string, string | number | null | undefined>

/** ` name="value"` for each attribute that has a value. */
export function xmlAttributes(attributes: Attributes): string {
  let out = ''
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue
    out += ` ${name}="${xmlEscape(String(value))}"`
  }
  return out
}

/** `<name attributes>text</name>`; `<name attributes/>` without text. */
export function xmlElement(name: string, text: string | null, attributes?: Attributes): string {
  const attrs = attributes === undefined ? '' : xmlAttributes(attributes)
  return text === null ? `<${name}${attrs}/>` : `<${name}${attrs}>${xmlEscape(text)}</${name}>`
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

/** Namespaces of the formats written here. */
export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  media: 'http://search.yahoo.com/mrss/',
  sitemap: 'http://www.sitemaps.org/schemas/sitemap/0.9',
  news: 'http://www.google.com/schemas/sitemap-news/0.9',
  image: 'http://www.google.com/schemas/sitemap-image/1.1',
  xhtml: 'http://www.w3.org/1999/xhtml',
} as const
