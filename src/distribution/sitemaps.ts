// Sitemaps: an index of article pages, the pages themselves (streamed from one index range, a
// thousand URLs at a time), and a Google News sitemap of the last 48 hours.
//
// Page n holds the published articles among articles n·size−size+1 to n·size in the order they
// were made (SITEMAP_PAGE_SIZE, at most the protocol's 50,000). An article therefore stays on its
// page for life: publishing one touches the last page only, and a page's lastmod moves only when
// one of its own articles, or a translation it lists, changes, so crawlers refetch what changed.
import { Readable } from 'node:stream'
import { hash } from 'node:crypto'
import { type MediaRepository, mediaUrl, type StoredMedia } from '../media/repository.js'
import type { CanonicalUrl } from './canonical-url.js'
import { type DistributionRepository, groupOf, type NewsRow, SITEMAP_BLOCK, type SitemapRow } from './repository.js'
import { NS, XML_DECLARATION, xmlAttributes, xmlElement, xmlEscape } from './xml.js'

/** URLs read and written at a time while a page streams. */
const CHUNK = 1_000
/** Google News takes the articles of the last two days, at most a thousand. */
export const NEWS_WINDOW_MS = 48 * 60 * 60 * 1000
export const NEWS_MAX = 1_000

/** A translation of an entry, as an `xhtml:link` alternate. */
export interface Alternate {
  hreflang: string
  href: string
}

/**
 * Each entry's translations, by its number: every published member of its group, itself included,
 * as Google asks of hreflang alternates. One batched lookup per chunk of entries, never one per URL.
 */
export function alternatesOf(rows: readonly SitemapRow[], base: string, repository: Pick<DistributionRepository, 'translationGroups'>, canonicalUrl: CanonicalUrl): Map<number, Alternate[]> {
  const alternates = new Map<number, Alternate[]>()
  const groups = repository.translationGroups(rows.map(groupOf))
  if (groups.size === 0) return alternates
  const shown = new Map<string, Alternate[]>()
  for (const row of rows) {
    const members = groups.get(groupOf(row))
    if (members === undefined) continue
    let links = shown.get(groupOf(row))
    if (links === undefined) shown.set(groupOf(row), (links = members.map((member) => ({ hreflang: member.locale, href: canonicalUrl(member, base) }))))
    alternates.set(row.seq, links)
  }
  return alternates
}

/** Google News names languages by ISO 639 code, with zh-cn and zh-tw for the two Chinese scripts. */
export function newsLanguage(locale: string): string {
  const [language = 'en', ...rest] = locale.toLowerCase().split('-')
  if (language !== 'zh') return language
  return rest.some((part) => ['tw', 'hk', 'mo', 'hant'].includes(part)) ? 'zh-tw' : 'zh-cn'
}

export interface SitemapDeps {
  repository: DistributionRepository
  media: MediaRepository
  canonicalUrl: CanonicalUrl
  pageSize: number
  siteName: string
}

export function createSitemaps({ repository, media, canonicalUrl, pageSize, siteName }: SitemapDeps) {
  const bounds = (page: number) => ({ after: (page - 1) * pageSize, until: page * pageSize })
  const pageUrl = (base: string, page: number) => `${base}/v1/sitemaps/articles/${page}.xml`
  const pageCount = () => Math.max(1, Math.ceil(repository.lastSeq() / pageSize))

  /**
   * The pages with a published article, and when each last changed: its own articles or the
   * translations it lists as their alternates. With pages made of whole
   * blocks (SITEMAP_PAGE_SIZE a multiple of 1,000, as the default is) that is a sum over the
   * summary the triggers keep: a thousand rows at a million articles. Other sizes (small sites,
   * tests) read each page's range of the index instead.
   */
  function listedPages(): Map<number, string> {
    const pages = new Map<number, string>()
    if (pageSize % SITEMAP_BLOCK === 0) {
      const perPage = pageSize / SITEMAP_BLOCK
      for (const { block, changedAt } of repository.sitemapBlocks()) {
        const page = Math.floor(block / perPage) + 1
        const known = pages.get(page)
        if (known === undefined || changedAt > known) pages.set(page, changedAt)
      }
      return pages
    }
    for (let page = 1; page <= pageCount(); page++) {
      const { after, until } = bounds(page)
      const state = repository.sitemapState(after, until)
      if (state.count === 0) continue
      // The translations it lists elsewhere are part of the page (as the migration's triggers keep them for blocks).
      const others = repository.sitemapAlternatesState(after, until).lastmod
      pages.set(page, others !== null && others > state.lastmod! ? others : state.lastmod!)
    }
    return pages
  }

  // Written out by hand: this runs 50,000 times a page.
  function urlEntry(row: SitemapRow, base: string, alternates: Alternate[] | undefined): string {
    let links = ''
    if (alternates !== undefined) {
      for (const alternate of alternates) links += xmlElement('xhtml:link', null, { rel: 'alternate', hreflang: alternate.hreflang, href: alternate.href })
    }
    return `<url><loc>${xmlEscape(canonicalUrl(row, base))}</loc><lastmod>${xmlEscape(row.updatedAt)}</lastmod>${links}</url>`
  }

  function* pageChunks(page: number, base: string): Generator<string> {
    yield `${XML_DECLARATION}<urlset${xmlAttributes({ xmlns: NS.sitemap, 'xmlns:xhtml': NS.xhtml })}>`
    const { until } = bounds(page)
    let after = bounds(page).after
    for (;;) {
      // A query per thousand URLs, resuming after the last one: between chunks the service
      // answers other requests, and no chunk repeats or skips an article if one is written meanwhile.
      const rows = repository.sitemapChunk(after, until, CHUNK, canonicalUrl.fields)
      if (rows.length === 0) break
      const alternates = alternatesOf(rows, base, repository, canonicalUrl)
      let text = ''
      for (const row of rows) text += urlEntry(row, base, alternates.get(row.seq))
      yield text
      if (rows.length < CHUNK) break
      after = rows[rows.length - 1]!.seq
    }
    yield '</urlset>\n'
  }

  return {
    /** The sitemap index: every page that holds a published article, with the time of its last change. */
    index(base: string): string {
      let entries = ''
      for (const [page, lastmod] of listedPages()) {
        entries += `<sitemap>${xmlElement('loc', pageUrl(base, page))}${xmlElement('lastmod', lastmod)}</sitemap>`
      }
      // The protocol wants at least one sitemap: a site with nothing published lists its empty first page.
      if (entries === '') entries = `<sitemap>${xmlElement('loc', pageUrl(base, 1))}</sitemap>`
      return `${XML_DECLARATION}<sitemapindex${xmlAttributes({ xmlns: NS.sitemap })}>${entries}</sitemapindex>\n`
    },

    /** Whether a page number is one the index can list (page 1 always is). */
    exists(page: number): boolean {
      return page <= pageCount()
    },

    /**
     * A validator of a page as it is now, without writing it: the count, newest change and
     * article numbers of its range, and of the translations its entries list, change whenever its
     * bytes would (an edit moves updatedAt past every other, a removal the count and the numbers),
     * and the base URL and the settings that shape each URL are part of it.
     */
    pageEtag(page: number, base: string): string {
      const { after, until } = bounds(page)
      const state = repository.sitemapState(after, until)
      // Its entries' translations are on it too, wherever they sit in the archive.
      const others = repository.sitemapAlternatesState(after, until)
      const key = [base, pageSize, page, state.count, state.lastmod, state.seqs, others.count, others.lastmod, others.seqs, canonicalUrl({ id: 'i', slug: 's', section: 'x', locale: 'l', publishedAt: '2001-02-03T04:05:06.000Z' }, base)].join('\n')
      return `"${hash('sha256', key, 'base64url').slice(0, 27)}"`
    },

    /** A page of article URLs, written as it is read. */
    page(page: number, base: string): Readable {
      return Readable.from(pageChunks(page, base), { objectMode: false })
    },

    /** The Google News sitemap: published in the last 48 hours, newest first, at most 1,000, with their translations. */
    news(base: string, now = Date.now()): string {
      const rows = repository.publishedSince(new Date(now - NEWS_WINDOW_MS).toISOString(), NEWS_MAX)
      const leads = media.findByIds(rows.flatMap((row) => (row.leadMediaId === null ? [] : [row.leadMediaId])))
      const alternates = alternatesOf(rows, base, repository, canonicalUrl)
      let entries = ''
      for (const row of rows) entries += newsEntry(row, base, leads.get(row.leadMediaId ?? ''), alternates.get(row.seq))
      const namespaces = xmlAttributes({ xmlns: NS.sitemap, 'xmlns:news': NS.news, 'xmlns:image': NS.image, 'xmlns:xhtml': NS.xhtml })
      return `${XML_DECLARATION}<urlset${namespaces}>${entries}</urlset>\n`
    },
  }

  function newsEntry(row: NewsRow, base: string, lead: StoredMedia | undefined, alternates: Alternate[] | undefined): string {
    const publication = `<news:publication>${xmlElement('news:name', siteName)}${xmlElement('news:language', newsLanguage(row.locale))}</news:publication>`
    const news = `<news:news>${publication}${xmlElement('news:publication_date', row.publishedAt ?? row.updatedAt)}${xmlElement('news:title', row.title)}</news:news>`
    const image = lead !== undefined && lead.kind === 'image' ? `<image:image>${xmlElement('image:loc', mediaUrl(base, lead))}</image:image>` : ''
    let links = ''
    for (const alternate of alternates ?? []) links += xmlElement('xhtml:link', null, { rel: 'alternate', hreflang: alternate.hreflang, href: alternate.href })
    return `<url>${xmlElement('loc', canonicalUrl(row, base))}${news}${image}${links}</url>`
  }
}

export type Sitemaps = ReturnType<typeof createSitemaps>
