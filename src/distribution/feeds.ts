// RSS 2.0 and Atom 1.0 from the same stories: full HTML content, bylines, categories, and the
// lead picture both as an enclosure and as Media RSS (`media:content` with the caption as
// `media:description` and the credit as `media:credit`), which feed readers and aggregators show.
import type { Media } from '../media/schemas.js'
import { descriptionOf, type Story } from './stories.js'
import type { Frame } from '../renders/store.js'
import { NS, XML_DECLARATION, xmlAttributes, xmlElement } from './xml.js'

export interface FeedMeta {
  /** SITE_NAME: the publisher. */
  siteName: string
  /** SITE_NAME, with what the filters chose. */
  title: string
  description: string
  /** The website's home page. */
  home: string
  /** This feed's own URL. */
  self: string
  /** The feed's language, when it is one (a `locale` filter); each entry names its own anyway. */
  language: string | null
  /** The newest change among the entries, so that the feed's bytes change only with them. */
  updated: string
}

/** Every format names an entry by the same stable id, an IRI (Atom requires one) made of the article id. */
export const entryId = (articleId: string): string => `urn:cms:article:${articleId}`

/** What comes between two entries of an RSS or Atom document: nothing. */
export const XML_SEPARATOR = ''

/** The time an empty feed gives as its last change: fixed, so its ETag stays put too. */
export const NEVER = '1970-01-01T00:00:00.000Z'

export const newestChange = (articles: readonly { updatedAt: string | null }[]): string =>
  articles.reduce((newest, article) => (article.updatedAt !== null && article.updatedAt > newest ? article.updatedAt : newest), NEVER)

const rfc822 = (iso: string): string => new Date(iso).toUTCString()

const mediumOf = (kind: Media['kind']): string => (kind === 'document' ? 'document' : kind)

/** Media RSS for the lead picture (in RSS items and Atom entries alike). */
function mediaContent(lead: Media): string {
  const attributes = xmlAttributes({
    url: lead.url,
    type: lead.mimeType,
    medium: mediumOf(lead.kind),
    fileSize: lead.size,
    width: lead.width,
    height: lead.height,
  })
  let inner = ''
  if (lead.caption !== '') inner += xmlElement('media:description', lead.caption, { type: 'plain' })
  if (lead.credit !== '') inner += xmlElement('media:credit', lead.credit)
  if (lead.altText !== '') inner += xmlElement('media:text', lead.altText, { type: 'plain' })
  return inner === '' ? `<media:content${attributes}/>` : `<media:content${attributes}>${inner}</media:content>`
}

/** One story as an RSS item: a fragment that depends on the story alone, so it can be stored (src/renders/). */
export function rssItem(story: Story): string {
  const { article, lead } = story
  let item = '<item>'
  item += xmlElement('title', article.title)
  item += xmlElement('link', story.canonicalUrl)
  // RSS has no place for translations: Atom's link, as RSS feeds commonly borrow it.
  for (const link of story.translations) item += xmlElement('atom:link', null, { rel: 'alternate', hreflang: link.locale, href: link.url, type: 'text/html' })
  item += xmlElement('guid', entryId(article.id), { isPermaLink: 'false' })
  item += xmlElement('pubDate', rfc822(article.publishedAt ?? article.updatedAt))
  item += xmlElement('atom:updated', article.updatedAt)
  for (const byline of story.bylines) item += xmlElement('dc:creator', byline.name)
  if (article.section !== null) item += xmlElement('category', article.section, { domain: 'section' })
  for (const tag of article.tags) item += xmlElement('category', tag)
  const description = descriptionOf(article)
  if (description !== '') item += xmlElement('description', description)
  item += xmlElement('content:encoded', story.html)
  if (lead !== null) {
    item += xmlElement('enclosure', null, { url: lead.url, length: lead.size, type: lead.mimeType })
    item += mediaContent(lead)
  }
  return `${item}</item>`
}

/** An RSS document, around items made by `rssItem`. */
export function rss(meta: FeedMeta): Frame {
  const namespaces = xmlAttributes({ version: '2.0', 'xmlns:atom': NS.atom, 'xmlns:content': NS.content, 'xmlns:dc': NS.dc, 'xmlns:media': NS.media })
  let channel = xmlElement('title', meta.title) + xmlElement('link', meta.home) + xmlElement('description', meta.description)
  if (meta.language !== null) channel += xmlElement('language', meta.language)
  channel += xmlElement('lastBuildDate', rfc822(meta.updated))
  channel += xmlElement('generator', 'newsroom-cms')
  channel += xmlElement('atom:link', null, { href: meta.self, rel: 'self', type: 'application/rss+xml' })
  return { open: `${XML_DECLARATION}<rss${namespaces}><channel>${channel}`, separator: XML_SEPARATOR, close: '</channel></rss>\n' }
}

/** One story as an Atom entry, a fragment like `rssItem`'s. */
export function atomEntry(story: Story): string {
  const { article, lead } = story
  let entry = `<entry${xmlAttributes({ 'xml:lang': article.locale })}>`
  entry += xmlElement('id', entryId(article.id))
  entry += xmlElement('title', article.title, { type: 'text' })
  entry += xmlElement('link', null, { rel: 'alternate', type: 'text/html', href: story.canonicalUrl })
  for (const link of story.translations) entry += xmlElement('link', null, { rel: 'alternate', type: 'text/html', hreflang: link.locale, href: link.url })
  entry += xmlElement('published', article.publishedAt ?? article.updatedAt)
  entry += xmlElement('updated', article.updatedAt)
  for (const byline of story.bylines) {
    entry += `<author>${xmlElement('name', byline.name)}${byline.url === null ? '' : xmlElement('uri', byline.url)}</author>`
  }
  if (article.section !== null) entry += xmlElement('category', null, { term: article.section, label: article.section, scheme: 'section' })
  for (const tag of article.tags) entry += xmlElement('category', null, { term: tag })
  const description = descriptionOf(article)
  if (description !== '') entry += xmlElement('summary', description, { type: 'text' })
  entry += xmlElement('content', story.html, { type: 'html' })
  if (lead !== null) {
    entry += xmlElement('link', null, { rel: 'enclosure', href: lead.url, type: lead.mimeType, length: lead.size })
    entry += mediaContent(lead)
  }
  return `${entry}</entry>`
}

/** An Atom document, around entries made by `atomEntry`. */
export function atom(meta: FeedMeta): Frame {
  const namespaces = xmlAttributes({ xmlns: NS.atom, 'xmlns:media': NS.media, 'xml:lang': meta.language })
  let feed = xmlElement('id', meta.self) + xmlElement('title', meta.title, { type: 'text' })
  feed += xmlElement('subtitle', meta.description, { type: 'text' })
  feed += xmlElement('updated', meta.updated)
  feed += xmlElement('link', null, { rel: 'self', type: 'application/atom+xml', href: meta.self })
  feed += xmlElement('link', null, { rel: 'alternate', type: 'text/html', href: meta.home })
  // Atom wants an author for every entry: the publication stands in for a story without a byline.
  feed += `<author>${xmlElement('name', meta.siteName)}</author>`
  feed += xmlElement('generator', 'newsroom-cms')
  return { open: `${XML_DECLARATION}<feed${namespaces}>${feed}`, separator: XML_SEPARATOR, close: '</feed>\n' }
}
