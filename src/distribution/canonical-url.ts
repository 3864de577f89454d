// An article's page on the website (its `canonicalUrl`), from SITE_URL_TEMPLATE: the link of
// feed entries, the `loc` of sitemaps, `mainEntityOfPage` in structured data.
import { SITE_URL_PLACEHOLDERS } from '../config.js'

/** What the template can name. Dates are UTC, from publication (else the schedule, else creation). */
export interface UrlFields {
  id: string
  slug: string
  section: string | null
  /** Summaries carry none yet: the caller passes the one that applies (the embedding article's). */
  locale: string
  publishedAt: string | null
  scheduledAt?: string | null | undefined
  createdAt?: string | undefined
}

/** The article fields a template reads (the dates all come from publishedAt for a published article). */
export type UrlField = 'id' | 'slug' | 'section' | 'locale' | 'publishedAt'

export type CanonicalUrl = ((article: UrlFields, base: string) => string) & {
  /** What this template reads of an article: a sitemap page fetches only these. */
  readonly fields: readonly UrlField[]
}

type Placeholder = (typeof SITE_URL_PLACEHOLDERS)[number]

/**
 * Compiles the template once into literal text and placeholders, so that a 50,000-URL sitemap
 * page fills it 50,000 times without parsing it again. Values are percent-encoded; an article
 * without a section drops the `{section}` path segment rather than leaving `//` in the URL.
 */
export function createCanonicalUrl(template: string): CanonicalUrl {
  const parts: (string | { name: Placeholder })[] = []
  let from = 0
  for (const match of template.matchAll(/\{([a-zA-Z]+)\}/g)) {
    if (match.index > from) parts.push(template.slice(from, match.index))
    parts.push({ name: match[1] as Placeholder })
    from = match.index + match[0].length
  }
  if (from < template.length) parts.push(template.slice(from))
  const names = new Set(parts.flatMap((part) => (typeof part === 'string' ? [] : [part.name])))
  const usesDate = names.has('yyyy') || names.has('mm') || names.has('dd')
  const fields = (['id', 'slug', 'section', 'locale'] as const).filter((name) => names.has(name))

  const build = (article: UrlFields, base: string): string => {
    const date = usesDate ? (article.publishedAt ?? article.scheduledAt ?? article.createdAt ?? new Date().toISOString()) : ''
    let url = ''
    let gap = false
    for (const part of parts) {
      if (typeof part === 'string') {
        url += part
        continue
      }
      const value = valueOf(part.name, article, base, date)
      if (value === '') gap = true
      url += value
    }
    // An empty value leaves "//" behind in the path (not the one after the scheme): close it up.
    return gap ? url.replace(/([^:/])\/{2,}/g, '$1/') : url
  }
  return Object.assign(build, { fields: usesDate ? [...fields, 'publishedAt' as const] : fields })
}

function valueOf(name: Placeholder, article: UrlFields, base: string, date: string): string {
  switch (name) {
    case 'publicUrl':
      return base
    case 'slug':
      return encodeURIComponent(article.slug)
    case 'id':
      return encodeURIComponent(article.id)
    case 'section':
      return article.section === null ? '' : encodeURIComponent(article.section)
    case 'locale':
      return encodeURIComponent(article.locale)
    case 'yyyy':
      return date.slice(0, 4)
    case 'mm':
      return date.slice(5, 7)
    case 'dd':
      return date.slice(8, 10)
  }
}

/** The website's home page: the origin of the articles' pages. */
export function siteHome(canonicalUrl: CanonicalUrl, base: string): string {
  return `${new URL(canonicalUrl({ id: 'a', slug: 'a', section: null, locale: 'en', publishedAt: null }, base)).origin}/`
}

/** What an author page's URL is made of. */
export interface AuthorUrlFields {
  id: string
  slug: string
}

export type AuthorUrl = (author: AuthorUrlFields, base: string) => string

/** An author profile's page on the website, from AUTHOR_URL_TEMPLATE (a subset of the article's placeholders). */
export function createAuthorUrl(template: string): AuthorUrl {
  const build = createCanonicalUrl(template)
  return (author, base) => build({ id: author.id, slug: author.slug, section: null, locale: '', publishedAt: null }, base)
}
