// One imported article written through the articles repository: created the first time, updated
// (a new revision) when the source changed, left alone when it did not, and placed (published,
// scheduled, unpublished) as the source says. Its fields are first fitted to what the API itself
// accepts, so an imported article is one an editor can save back unchanged.
import type { ArticleCreate, Block, StoredArticle } from '../articles/schemas.js'
import { SLUG_MAX, slugify } from '../articles/slug.js'
import { cleanText } from '../text/sanitize.js'
import { digestOf, type ImportContext, isNewer, type ItemOutcome } from './context.js'
import { quoted, type Warning, warning } from './warnings.js'

/** Where the article should stand once imported. */
export type Placement =
  | { kind: 'keep' } // new: a draft; existing: as the editors left it
  | { kind: 'draft' }
  | { kind: 'publish'; at?: string | undefined; backdate?: boolean } // a future `at` schedules
  | { kind: 'unpublish' }

export interface ArticleFields {
  title: string
  subtitle: string
  summary: string
  body: Block[]
  authors: string[]
  /** Author profiles, in byline order (WordPress authors); absent for wire items. */
  authorIds?: string[] | undefined
  section: string | null
  tags: string[]
  sources: string[]
  locale: string | null
  leadMediaId: string | null
  /** Left as it is on an update when absent (an editor may have closed the comments). */
  commentsEnabled?: boolean | undefined
}

export interface ArticleSource {
  externalId: string
  /** The source's version (a ninjs `version`); null when only a changed digest tells a new version. */
  version: string | null
  /** The slug the source asks for (WordPress's post_name); null makes one from the title. */
  slug: string | null
  fields: ArticleFields
  placement: Placement
}

// The longest values the articles' schema takes (src/articles/schemas.ts).
const MAX = { title: 500, subtitle: 1_000, summary: 5_000, name: 200, names: 50, tag: 100, tags: 100, section: 100 }
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/

export function writeArticle(source: ArticleSource, ctx: ImportContext): ItemOutcome & { article: StoredArticle | null } {
  const warnings: Warning[] = []
  const fields = fit(source.fields, warnings)
  const digest = digestOf({ fields, placement: source.placement })
  const outcome = (action: ItemOutcome['action'], article: StoredArticle | null) => ({ action, articleId: article?.id ?? null, mediaId: null, warnings, article })
  if (fields.title === '') {
    warnings.push(warning('item-skipped', 'it has no headline'))
    return outcome('skipped', null)
  }
  return ctx.records.atomically(() => {
    const record = ctx.records.get(source.externalId)
    const existing = ctx.articles.getByExternalId(source.externalId)
    const version = source.version ?? record?.version ?? null
    const put = (article: StoredArticle) =>
      ctx.records.put({ key: source.externalId, kind: 'article', resourceId: article.id, version, digest })

    if (existing !== null) {
      const known = record !== null && record.resourceId === existing.id
      if (known && source.version !== null && record.version !== null && !isNewer(source.version, record.version)) return outcome('unchanged', existing)
      if (known && record.digest === digest) {
        put(existing)
        return outcome('unchanged', existing)
      }
      const { locale, ...rest } = fields
      ctx.articles.update(existing.id, { ...rest, ...(locale === null ? {} : { locale }) }, { keyId: ctx.keyId })
      const placed = place(existing.id, source.placement, ctx)
      put(placed)
      return outcome('updated', placed)
    }
    if (source.placement.kind === 'unpublish') {
      warnings.push(warning('item-skipped', 'it withdraws a story that was never imported'))
      return outcome('skipped', null)
    }
    const { locale, ...rest } = fields
    const input: ArticleCreate = { ...rest, ...(locale === null ? {} : { locale }), slug: freeSlug(source, fields.title, locale, ctx, warnings) }
    const created = ctx.articles.create({ ...input, externalId: source.externalId }, ctx.keyId)
    const placed = place(created.id, source.placement, ctx)
    put(placed)
    return outcome('created', placed)
  })
}

function place(id: string, placement: Placement, ctx: ImportContext): StoredArticle {
  const options = { keyId: ctx.keyId }
  const article = ctx.articles.getById(id)!
  switch (placement.kind) {
    case 'publish':
      return ctx.articles.publish(id, placement.at, { ...options, backdate: placement.backdate ?? false })
    case 'draft':
    case 'unpublish':
      return article.status === 'published' || article.status === 'scheduled' ? ctx.articles.unpublish(id, options) : article
    case 'keep':
      return article
  }
}

/** The source's slug, or one made from the title, made unique within its locale with a suffix when taken. */
function freeSlug(source: ArticleSource, title: string, locale: string | null, ctx: ImportContext, warnings: Warning[]): string {
  // Slugs are unique per locale; no locale is the repository's default one.
  const taken = (slug: string) => ctx.articles.getBySlug(slug, locale ?? undefined) !== null
  const wanted = slugify(source.slug ?? '') || slugify(title) || `story-${digestOf(source.externalId).slice(0, 8).toLowerCase().replace(/[^a-z0-9]/g, '0')}`
  if (!taken(wanted)) return wanted
  const suffixes = [2, 3, 4, 5, 6, 7, 8, 9].map(String)
  suffixes.push(digestOf(source.externalId).toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8))
  for (const suffix of suffixes) {
    const slug = `${wanted.slice(0, SLUG_MAX - suffix.length - 1).replace(/-+$/, '')}-${suffix}`
    if (!taken(slug)) {
      warnings.push(warning('slug-changed', `the slug ${quoted(wanted)} is taken: the article is ${quoted(slug)}`))
      return slug
    }
  }
  // Every candidate taken: the repository answers the conflict, and the item is skipped with it.
  return wanted
}

const tidy = (text: string) => cleanText(text).replace(/\s+/g, ' ').trim()

function cut(text: string, max: number, what: string, warnings: Warning[]): string {
  const value = tidy(text)
  if (value.length <= max) return value
  warnings.push(warning('text-shortened', `the ${what} was cut to ${max} characters`))
  return `${Array.from(value.slice(0, max - 1)).join('').trimEnd()}…`
}

function list(values: string[], maxEach: number, maxCount: number, what: string, warnings: Warning[]): string[] {
  const kept = values.map(tidy).filter((value) => value !== '' && value.length <= maxEach)
  if (kept.length < values.filter((value) => tidy(value) !== '').length) warnings.push(warning('text-shortened', `${what} longer than ${maxEach} characters were left out`))
  if (kept.length > maxCount) warnings.push(warning('text-shortened', `only the first ${maxCount} ${what} were kept`))
  return kept.slice(0, maxCount)
}

/** The fields cut to the schema's limits (with a warning for each cut); a malformed locale is left to the default. */
function fit(fields: ArticleFields, warnings: Warning[]): ArticleFields {
  let locale = fields.locale === null ? null : tidy(fields.locale).replace(/_/g, '-')
  locale = locale === null || locale === '' ? null : locale.replace(/^[A-Za-z]+/, (primary) => primary.toLowerCase())
  if (locale !== null && (!LOCALE.test(locale) || locale.length > 35)) {
    warnings.push(warning('field-ignored', `the language ${quoted(locale)} is not a BCP 47 tag: the default is used`))
    locale = null
  }
  const section = fields.section === null ? null : cut(fields.section, MAX.section, 'section', warnings)
  return {
    title: cut(fields.title, MAX.title, 'headline', warnings),
    subtitle: cut(fields.subtitle, MAX.subtitle, 'subtitle', warnings),
    summary: cut(fields.summary, MAX.summary, 'summary', warnings),
    body: fields.body,
    authors: list(fields.authors, MAX.name, MAX.names, 'bylines', warnings),
    ...(fields.authorIds !== undefined && { authorIds: fields.authorIds }),
    section: section === '' ? null : section,
    tags: list(fields.tags, MAX.tag, MAX.tags, 'tags', warnings),
    sources: list(fields.sources, MAX.name, MAX.names, 'sources', warnings),
    locale,
    leadMediaId: fields.leadMediaId,
    commentsEnabled: fields.commentsEnabled,
  }
}
