// One WordPress post (or page) into an article with its comments: status and dates, slug,
// content, excerpt, categories and tags, author, featured image, and the comment threads.
import type { Block } from '../articles/schemas.js'
import { withMedia } from './block-limits.js'
import { type ArticleFields, type Placement, writeArticle } from './article-writer.js'
import type { ImportContext, ItemOutcome } from './context.js'
import { importComments } from './wordpress-comments.js'
import { type CommentCounts, type SiteKeys, siteKeys, uploadPath, wordpressTime } from './wordpress-fields.js'
import { prepareContent } from './wordpress-content.js'
import { type ConvertedBlock, htmlToBlocks, type MediaRef } from './html-to-blocks.js'
import { textOf } from './inline-html.js'
import { slugify } from '../text/slug.js'
import { type Warning, warning } from './warnings.js'
import type { WxrChannel, WxrItem } from './wxr.js'

/** The printed byline of a post's author (`dc:creator` names the author's login). */
export function authorsOf(login: string, channel: WxrChannel): string[] {
  const author = channel.authors.get(login.trim())
  const full = [author?.firstName, author?.lastName].filter((part) => part && part.trim() !== '').join(' ')
  const name = (author?.displayName || full || login).trim()
  return name === '' ? [] : [name]
}

/**
 * The profile of a post's author: the one an earlier import of this site made for the login, else
 * a profile with the same slug (a newsroom may have made its staff's profiles first: the same
 * name is taken to be the same person, with a warning), else a new one named as the byline.
 * E-mails in the export are not copied: the profile's e-mail is for the newsroom to set.
 */
export function authorIdsOf(login: string, channel: WxrChannel, keys: SiteKeys, ctx: ImportContext, warnings: Warning[]): string[] {
  const [name] = authorsOf(login, channel)
  if (name === undefined) return []
  const key = keys.author(login.trim())
  const known = ctx.records.get(key)
  if (known !== null && ctx.authors.getById(known.resourceId) !== null) return [known.resourceId]
  const same = ctx.authors.getBySlug(slugify(name))
  const profile = same ?? ctx.authors.create({ name })
  if (same !== null) warnings.push(warning('author-matched', `the author ${JSON.stringify(name)} is the existing profile "${same.slug}"`))
  ctx.records.put({ key, kind: 'author', resourceId: profile.id, version: null, digest: '' })
  return [profile.id]
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

function placement(item: WxrItem, warnings: Warning[]): Placement {
  const at = wordpressTime(item.postDateGmt) ?? wordpressTime(item.postDate) ?? undefined
  if (item.postPassword !== '') {
    warnings.push(warning('status-changed', 'the post was password-protected: it is imported as a draft (the service has no passwords)'))
    return { kind: 'draft' }
  }
  if (item.status === 'private') warnings.push(warning('status-changed', 'the post was private: it is imported as a draft'))
  if (item.status === 'publish' || item.status === 'future') return { kind: 'publish', at, backdate: true }
  return { kind: 'draft' }
}

/** The post's title; an untitled one (an aside, a status) gets the start of its text. */
function title(item: WxrItem, body: Block[], warnings: Warning[]): string {
  const given = textOf(item.title)
  if (given !== '') return given
  const first = body.find((block) => block.type === 'paragraph' || block.type === 'heading')
  const text = first && 'text' in first ? textOf(first.text) : ''
  const made = text === '' ? `Untitled post ${item.postId.trim()}` : text.length > 100 ? `${text.slice(0, 99).trimEnd()}…` : text
  warnings.push(warning('title-made', `the post has no title: it is titled "${made}"`))
  return made
}

/** The paragraphs before <!--more-->, as plain text: the summary of a post without an excerpt. */
function teaserText(blocks: ConvertedBlock[]): string {
  return textOf(blocks.flatMap((block) => (block.type === 'paragraph' ? [block.text.replace(/<br>/g, ' ')] : [])).join(' '))
}


export function importPost(item: WxrItem, channel: WxrChannel, ctx: ImportContext): ItemOutcome & { comments: CommentCounts } {
  const keys = siteKeys(channel)
  const warnings: Warning[] = []
  const prepared = prepareContent(item.content)
  warnings.push(...prepared.warnings)
  const conversion = htmlToBlocks(prepared.html, { lineBreaks: prepared.lineBreaks, autoEmbeds: true, baseUrl: `${keys.site}/` })
  warnings.push(...conversion.warnings)
  const mediaFor = (key: string): string | null => {
    const record = ctx.records.get(key)
    return record?.kind === 'media' && ctx.media.getById(record.resourceId) !== null ? record.resourceId : null
  }
  const resolve = (ref: MediaRef): string | null => {
    const byId = ref.attachmentId === null ? null : mediaFor(keys.attachment(ref.attachmentId))
    const path = byId === null && ref.src !== '' ? uploadPath(ref.src, true) : null
    return byId ?? (path === null ? null : mediaFor(keys.file(path)))
  }
  const body = withMedia(conversion.blocks, resolve, warnings)
  const thumbnail = item.meta._thumbnail_id?.trim()
  const leadMediaId = thumbnail ? mediaFor(keys.attachment(thumbnail)) : null
  if (thumbnail && leadMediaId === null) warnings.push(warning('media-unresolved', `the featured image (attachment ${thumbnail}) is not in the export`))

  const categories = item.terms.filter((term) => term.domain === 'category' && term.nicename !== 'uncategorized')
  const tags = item.terms.filter((term) => term.domain === 'post_tag').map((term) => term.name)
  const teaser = conversion.teaserEnd === null ? '' : teaserText(conversion.blocks.slice(0, conversion.teaserEnd))
  const fields: ArticleFields = {
    title: title(item, body, warnings),
    subtitle: '',
    summary: textOf(item.excerpt) || teaser,
    body,
    authors: authorsOf(item.creator, channel),
    authorIds: authorIdsOf(item.creator, channel, keys, ctx, warnings),
    // The first category is the section (by its slug); the others join the tags.
    section: categories[0] ? decoded(categories[0].nicename) || categories[0].name : null,
    tags: [...categories.slice(1).map((term) => term.name), ...tags],
    sources: [],
    locale: channel.language === '' ? null : channel.language,
    leadMediaId,
    commentsEnabled: item.commentStatus !== 'closed',
  }
  return ctx.records.atomically(() => {
    const outcome = writeArticle({ externalId: keys.post(item.postId), version: null, slug: decoded(item.postName), fields, placement: placement(item, warnings) }, ctx)
    const comments = outcome.article === null ? { created: 0, unchanged: 0, skipped: item.comments.length } : importComments(item, outcome.article.id, keys, ctx, warnings)
    return { action: outcome.action, articleId: outcome.articleId, mediaId: null, warnings: [...warnings, ...outcome.warnings], comments }
  })
}
