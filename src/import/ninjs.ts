// ninjs items (1.x, 2.x, 3.x) into articles and media items: a text item becomes an article
// (its HTML body blocks, its picture associations media items, the first its lead), a picture
// item a media item. The item's `uri` is the article's externalId: the same uri again updates
// that article when its version is newer, and changes nothing otherwise.
import { basename } from 'node:path'
import { withMedia } from './block-limits.js'
import type { ImportContext, ItemOutcome } from './context.js'
import { isoTime } from './context.js'
import { type Placement, writeArticle } from './article-writer.js'
import { htmlToBlocks } from './html-to-blocks.js'
import { escapeText, textOf } from './inline-html.js'
import { ensureMedia, type MediaSource } from './media-items.js'
import { type NinjsItem, type NinjsRendition, readNinjs } from './ninjs-read.js'
import { quoted, type Warning, warning } from './warnings.js'

export interface NinjsOptions {
  /** `?publish=true`: a usable item is published (or scheduled for the end of its embargo). */
  publish: boolean
  /** The local file a rendition's href names (the command line: relative to the item's file), or null. */
  localFile?: ((href: string) => string | null) | undefined
}

export interface NinjsResult extends ItemOutcome {
  uri: string
}

const MEDIA_TYPES = new Set(['picture', 'graphic', 'video', 'audio'])
// Association names that mark the lead picture, in the spellings agencies and Superdesk use.
const LEAD_NAMES = ['featureimage', 'featuremedia', 'feature', 'main', 'mainpicture', 'lead', 'leadimage', 'picture']
// Rendition names of the full-size file, preferred over previews.
const ORIGINAL_NAMES = ['original', 'baseimage', 'highres', 'master', 'full', 'viewimage']

export async function importNinjsItem(raw: Record<string, unknown>, options: NinjsOptions, ctx: ImportContext): Promise<NinjsResult> {
  const item = readNinjs(raw)
  if (MEDIA_TYPES.has(item.type)) {
    const outcome = await ensureMedia(mediaSource(item, options), ctx)
    return { uri: item.uri, ...outcome }
  }
  if (item.type !== 'text' && item.type !== 'composite') {
    return { uri: item.uri, action: 'skipped', articleId: null, mediaId: null, warnings: [warning('item-skipped', `items of type "${item.type}" are not imported`)] }
  }
  const warnings: Warning[] = []
  // Each associated picture first, so that the body and the lead can point to it.
  const byHref = new Map<string, string>()
  let lead: { name: string; mediaId: string } | null = null
  for (const { name, item: associated } of item.associations) {
    if (!MEDIA_TYPES.has(associated.type)) {
      warnings.push(warning('field-ignored', `the association ${quoted(name || associated.uri)} of type "${associated.type}" is not imported`))
      continue
    }
    const outcome = await ensureMedia(mediaSource(associated, options), ctx)
    warnings.push(...outcome.warnings)
    if (outcome.mediaId === null) continue
    for (const rendition of associated.renditions) byHref.set(rendition.href, outcome.mediaId)
    const better = lead === null || (leadRank(name) < leadRank(lead.name) && associated.type !== 'video')
    if (better) lead = { name, mediaId: outcome.mediaId }
  }

  const conversion =
    item.bodyHtml !== null
      ? htmlToBlocks(item.bodyHtml)
      : htmlToBlocks(escapeText(item.bodyText ?? ''), { lineBreaks: true })
  warnings.push(...conversion.warnings)
  const body = withMedia(conversion.blocks, (ref) => byHref.get(ref.src) ?? null, warnings)

  const outcome = writeArticle(
    {
      externalId: item.uri,
      version: item.version ?? item.versionCreated,
      slug: null,
      fields: {
        title: textOf(item.headline),
        subtitle: textOf(item.subHeadline),
        summary: item.description,
        body,
        authors: bylines(item.byline),
        section: null,
        tags: item.subjects,
        sources: item.copyrightHolder.trim() === '' ? [] : [item.copyrightHolder],
        locale: item.language,
        leadMediaId: lead?.mediaId ?? null,
      },
      placement: placement(item, options),
    },
    ctx,
  )
  return { uri: item.uri, action: outcome.action, articleId: outcome.articleId, mediaId: null, warnings: [...warnings, ...outcome.warnings] }
}

function placement(item: NinjsItem, options: NinjsOptions): Placement {
  if (item.pubStatus !== 'usable') return { kind: 'unpublish' }
  if (!options.publish) return { kind: 'keep' }
  // An embargo still running schedules the story for its end.
  const embargo = isoTime(item.embargoed)
  return embargo !== null && Date.parse(embargo) > Date.now() ? { kind: 'publish', at: embargo } : { kind: 'publish' }
}

/** The rank of an association name as the lead picture: lower is better. */
function leadRank(name: string): number {
  const index = LEAD_NAMES.indexOf(name.toLowerCase().replace(/[^a-z]/g, ''))
  return index === -1 ? LEAD_NAMES.length : index
}

/** The full-size rendition: one named so, else the widest. */
function original(renditions: NinjsRendition[]): NinjsRendition | undefined {
  const named = renditions.find((r) => ORIGINAL_NAMES.includes(r.name.toLowerCase()))
  return named ?? [...renditions].sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0]
}

function mediaSource(item: NinjsItem, options: NinjsOptions): MediaSource {
  const rendition = original(item.renditions)
  let path = ''
  try {
    path = rendition ? decodeURIComponent(new URL(rendition.href, 'file:///').pathname) : ''
  } catch {
    // An href that is no URL names no file; the item keeps a generic name.
  }
  return {
    key: item.uri,
    version: item.version ?? item.versionCreated,
    label: item.uri,
    text: {
      caption: item.caption || item.description || textOf(item.headline),
      credit: item.creditLine || item.copyrightHolder,
      creator: item.byline,
      copyright: item.copyrightNotice,
      usageTerms: item.usageTerms,
      altText: item.altText,
    },
    filename: basename(path) || 'picture',
    declaredType: rendition?.mimeType ?? null,
    width: rendition?.width ?? null,
    height: rendition?.height ?? null,
    file: rendition && options.localFile ? options.localFile(rendition.href) : null,
  }
}

/** "By Ana Ruiz and Tom Lee" → ["Ana Ruiz", "Tom Lee"]. */
export function bylines(byline: string): string[] {
  return textOf(byline)
    .replace(/^by\s+/i, '')
    .split(/\s*(?:,|;|&|\band\b)\s*/i)
    .map((name) => name.trim())
    .filter((name) => name !== '')
}

