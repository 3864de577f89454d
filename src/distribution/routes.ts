// /v1/feeds and /v1/sitemaps: the newest published stories as RSS, Atom and JSON Feed, and the
// sitemaps search engines crawl. Published articles only, whoever asks: a draft never leaves
// through here, not even to an editor.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { ArticlesRepository, ListQuery } from '../articles/repository.js'
import type { AuthorsRepository } from '../authors/repository.js'
import type { Config } from '../config.js'
import { optionalBearer } from '../http/auth.js'
import { canonicalLocale } from '../text/locale.js'
import { baseUrl } from '../http/base-url.js'
import { composedEtag, noneMatch } from '../http/conditional.js'
import { notFound } from '../http/problems.js'
import { type Frame, framed } from '../renders/store.js'
import { problems } from '../http/schemas.js'
import { type CanonicalUrl, siteHome } from './canonical-url.js'
import type { EntryFormat, FeedPage, FeedPages } from './feed-pages.js'
import { atom, atomEntry, type FeedMeta, rss, rssItem, XML_SEPARATOR } from './feeds.js'
import { JSON_SEPARATOR, jsonFeed, jsonFeedItem } from './json-feed.js'
import type { DistributionRepository } from './repository.js'
import { FeedQuery, JsonFeed, SitemapPageParams } from './schemas.js'
import type { Sitemaps } from './sitemaps.js'
import { listKeys, tagAnswer } from './surrogate-keys.js'

export interface DistributionRouteDeps {
  config: Config
  articles: ArticlesRepository
  distribution: DistributionRepository
  feeds: FeedPages
  sitemaps: Sitemaps
  canonicalUrl: CanonicalUrl
  /** For the title of a feed filtered by `authorId`: the profile's name. */
  authors: Pick<AuthorsRepository, 'getById'>
}

export const MEDIA_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
} as const

/** Each feed format's entries, stored as renders of their own kind. */
const FORMATS = {
  rss: { kind: 'rss-item', entry: rssItem, separator: XML_SEPARATOR },
  atom: { kind: 'atom-entry', entry: atomEntry, separator: XML_SEPARATOR },
  json: { kind: 'json-feed-item', entry: jsonFeedItem, separator: JSON_SEPARATOR },
} as const satisfies Record<string, EntryFormat>

/** The article list's query for a feed's filters: the one place where feed filters meet the list's (authorId joins here). */
function listQueryOf(query: FeedQuery): ListQuery {
  return { limit: query.limit ?? 50, section: query.section, tag: query.tag, author: query.author, authorId: query.authorId, locale: query.locale }
}

const text = (description: string, mediaType: string, example: string) => ({
  description,
  content: { [mediaType]: { schema: Type.String({ examples: [example] }) } },
})

const FEED_FILTERS =
  'The newest published articles, newest first (`limit`, default 50), with the filters of the article list (`section`, ' +
  '`tag`, `author`, `authorId`, `locale`). Each entry: ' +
  'the title, `canonicalUrl` as its link, `urn:cms:article:{id}` as its id (the same in all three formats), published and ' +
  'updated times, bylines (in Atom and JSON Feed with the author profile\'s page, AUTHOR_URL_TEMPLATE, when the byline ' +
  'names one; RSS has no place for it), section and tags, the subtitle (else the summary), the whole body as HTML, the lead ' +
  'picture as an enclosure and as Media RSS (`media:content` with the caption as `media:description` and the credit as ' +
  '`media:credit`), and the other published members of its translation group (Atom: `link rel="alternate" hreflang`; ' +
  'RSS: the same as `atom:link` in the item; JSON Feed: the `_translations` extension). Drafts, scheduled and archived ' +
  'articles never appear, as entries or as translations.'

export async function distributionRoutes(app: FastifyInstance, deps: DistributionRouteDeps) {
  const { config, feeds, sitemaps, canonicalUrl, authors } = deps
  const r = app.withTypeProvider<TypeBoxTypeProvider>()

  /** A feed's page in `format`, and what the feed says about itself, with the answer's keys named. */
  function feedOf(request: FastifyRequest<{ Querystring: FeedQuery }>, reply: FastifyReply, format: EntryFormat): { meta: FeedMeta; page: FeedPage } {
    const base = baseUrl(request, config)
    const page = feeds.page(listQueryOf(request.query), base, format)
    const { section, tag, author, authorId, locale } = request.query
    const profile = authorId === undefined ? undefined : (authors.getById(authorId)?.name ?? authorId)
    const chosen = [section, tag === undefined ? undefined : `#${tag}`, author, profile, locale].filter((part) => part !== undefined)
    const title = chosen.length === 0 ? config.siteName : `${config.siteName}: ${chosen.join(', ')}`
    const meta: FeedMeta = {
      siteName: config.siteName,
      title,
      description: `The latest stories from ${title}`,
      home: siteHome(canonicalUrl, base),
      self: `${base}${request.url}`,
      language: locale === undefined ? null : (canonicalLocale(locale) ?? locale),
      updated: page.updated,
    }
    return { meta, page }
  }

  /** A feed document made of stored entries; its ETag from theirs and the rest (composedEtag). */
  function sendFeed(reply: FastifyReply, type: string, page: FeedPage, document: Frame) {
    tagAnswer(reply, () => page.keys)
    return reply.header('etag', composedEtag(document.open + document.close, page.entries.digests)).type(type).send(framed(document, page.entries))
  }

  const tags = ['distribution']

  r.get(
    '/feeds/rss',
    {
      config: { responseCache: true },
      schema: {
        summary: 'RSS 2.0 feed of the newest published articles',
        description: FEED_FILTERS,
        operationId: 'getRssFeed',
        tags,
        security: optionalBearer,
        querystring: FeedQuery,
        response: { 200: text('An RSS 2.0 document.', 'application/rss+xml', '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">…</rss>'), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { meta, page } = feedOf(request, reply, FORMATS.rss)
      return sendFeed(reply, MEDIA_TYPES.rss, page, rss(meta))
    },
  )

  r.get(
    '/feeds/atom',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Atom 1.0 feed of the newest published articles',
        description: FEED_FILTERS,
        operationId: 'getAtomFeed',
        tags,
        security: optionalBearer,
        querystring: FeedQuery,
        response: { 200: text('An Atom 1.0 document.', 'application/atom+xml', '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">…</feed>'), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { meta, page } = feedOf(request, reply, FORMATS.atom)
      return sendFeed(reply, MEDIA_TYPES.atom, page, atom(meta))
    },
  )

  r.get(
    '/feeds/json',
    {
      config: { responseCache: true },
      schema: {
        summary: 'JSON Feed 1.1 of the newest published articles',
        description: `${FEED_FILTERS} Here the caption and credit are in the item's \`_media\` extension, and the picture is also \`image\` and an attachment.`,
        operationId: 'getJsonFeed',
        tags,
        security: optionalBearer,
        querystring: FeedQuery,
        response: { 200: { description: 'A JSON Feed 1.1 document.', content: { 'application/feed+json': { schema: JsonFeed } } }, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { meta, page } = feedOf(request, reply, FORMATS.json)
      // Written as bytes (its items are stored renders): a Buffer goes out as it is, unserialized.
      return sendFeed(reply, MEDIA_TYPES.json, page, jsonFeed(meta))
    },
  )

  const sitemapAnswer = (reply: FastifyReply) => {
    tagAnswer(reply, listKeys)
    return reply.type(MEDIA_TYPES.xml)
  }

  r.get(
    '/sitemaps/index.xml',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Sitemap index of the article sitemap pages',
        description:
          'Lists `/v1/sitemaps/articles/{page}.xml` for every page that holds a published article, each with the time of ' +
          'its newest change: of its articles, or of the translations it lists as their alternates. Sitemaps may only list URLs of their own host: serve these under the website\'s host, or ' +
          'name this index in the website\'s robots.txt (`Sitemap: …`), which allows it.',
        operationId: 'getSitemapIndex',
        tags,
        security: optionalBearer,
        response: { 200: text('A sitemap index.', 'application/xml', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">…</sitemapindex>'), ...problems(401) },
      },
    },
    async (request, reply) => sitemapAnswer(reply).send(sitemaps.index(baseUrl(request, config))),
  )

  r.get(
    '/sitemaps/articles/:page.xml',
    {
      config: { responseCache: true },
      schema: {
        summary: 'A page of the article sitemap',
        description:
          `Up to ${config.sitemapPageSize.toLocaleString('en')} published articles (SITEMAP_PAGE_SIZE, at most 50,000): \`loc\` is the ` +
          '`canonicalUrl`, `lastmod` the `updatedAt` (W3C date-time); an article with published translations lists every ' +
          'published member of its group, itself included, as `xhtml:link rel="alternate" hreflang` (its locale) with its ' +
          '`canonicalUrl`. Page n holds the published ones among the n-th block of ' +
          'that many articles in the order they were made, so an article keeps its page for life and a new one lands on the ' +
          'last page. Written as it is read, a thousand URLs at a time. The ETag changes with the page\'s articles and with ' +
          'the translations it lists. A page past the last answers 404.',
        operationId: 'getArticleSitemap',
        tags,
        security: optionalBearer,
        params: SitemapPageParams,
        response: {
          200: text('A sitemap (urlset).', 'application/xml', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">…</urlset>'),
          304: { description: 'Not modified: the ETag in If-None-Match is still current.' },
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const { page } = request.params
      if (!sitemaps.exists(page)) throw notFound('sitemap page', String(page), 'number')
      const base = baseUrl(request, config)
      // Streamed, so its ETag cannot be a digest of its bytes: it is one of the page's state instead.
      const etag = sitemaps.pageEtag(page, base)
      sitemapAnswer(reply).header('etag', etag)
      if (noneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send()
      // The schema says what the bytes are (XML text); the type provider cannot know a stream writes them.
      return reply.send(sitemaps.page(page, base) as unknown as string)
    },
  )

  r.get(
    '/sitemaps/news.xml',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Google News sitemap of the last 48 hours',
        description:
          'The articles published in the last 48 hours, newest first, at most 1,000, each with `news:publication` (SITE_NAME ' +
          'and the language of its locale), `news:publication_date`, `news:title`, its lead picture as `image:image`, and its ' +
          'published translations as `xhtml:link` alternates (as on the article pages).',
        operationId: 'getNewsSitemap',
        tags,
        security: optionalBearer,
        response: { 200: text('A sitemap with Google News entries.', 'application/xml', '<urlset xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">…</urlset>'), ...problems(401) },
      },
    },
    async (request, reply) => sitemapAnswer(reply).send(sitemaps.news(baseUrl(request, config))),
  )
}
