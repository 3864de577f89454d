// A WordPress export (WXR 1.1, 1.2) into articles, media and comments. The file is read three
// times as it streams, never held whole: first to check it (well-formed, a WordPress export, no
// DOCTYPE) and count its items before anything is written, then its attachments (so that every
// post finds its pictures, wherever they stand in the file), then its posts and pages.
import { basename, isAbsolute, relative, resolve } from 'node:path'
import { setImmediate as turn } from 'node:timers/promises'
import type { Readable } from 'node:stream'
import { textOf } from './inline-html.js'
import { addToTally, type ImportAction, type ImportContext, type ItemOutcome, newTally, safely, safelyNow, type Tally } from './context.js'
import { ensureMedia } from './media-items.js'
import { type CommentCounts, siteKeys, uploadPath } from './wordpress-fields.js'
import { importPost } from './wordpress-post.js'
import { type Warning, warning, warningText } from './warnings.js'
import { readWxr, type WxrChannel, type WxrItem } from './wxr.js'

export interface WordpressOptions {
  /** `?pages=true` / `--pages`: pages become articles too. */
  pages: boolean
  /** The command line's --uploads folder (a copy of wp-content/uploads): attachments' bytes are read from it. */
  uploads: string | null
  /** Longest content of one post, in characters: a longer post is skipped. */
  maxItemHtml: number
  onProgress?: ((done: number, total: number) => void) | undefined
}

export interface WordpressItemResult {
  type: string
  wordpressId: string
  title: string
  articleId: string | null
  mediaId: string | null
  action: ImportAction
  warnings: string[]
}

export interface WordpressReport extends Tally {
  comments: CommentCounts
  data: WordpressItemResult[]
}

/** Statuses of items that are not content: WordPress's own leftovers. */
const NOT_CONTENT = new Set(['trash', 'auto-draft', 'inherit'])
/** How many items go by between two turns of the event loop, so that other requests are answered. */
const ITEMS_PER_TURN = 16
/** Posts whose transactions commit together. */
const POSTS_PER_COMMIT = 16

export async function importWordpress(open: () => Readable, options: WordpressOptions, ctx: ImportContext): Promise<WordpressReport> {
  const limits = { maxItemHtml: options.maxItemHtml }
  // Pass 1: nothing is written until the whole file has been read once without a fault.
  let total = 0
  let attachments = 0
  await readWxr(open(), limits, (item) => {
    total += 1
    if (item.postType === 'attachment') attachments += 1
  })

  const report: WordpressReport = { ...newTally(), comments: { created: 0, unchanged: 0, skipped: 0 }, data: [] }
  let done = 0
  const record = async (item: WxrItem, outcome: ItemOutcome) => {
    addToTally(report, outcome)
    report.data.push({
      type: item.postType || 'post',
      wordpressId: item.postId.trim(),
      title: textOf(item.title).slice(0, 200),
      articleId: outcome.articleId,
      mediaId: outcome.mediaId,
      action: outcome.action,
      warnings: outcome.warnings.map(warningText),
    })
    done += 1
    options.onProgress?.(done, total)
    if (done % ITEMS_PER_TURN === 0) await turn()
  }
  const label = (item: WxrItem) => `WordPress ${item.postType || 'item'} ${item.postId.trim()}`
  const skipped = (...warnings: Warning[]): ItemOutcome => ({ action: 'skipped', articleId: null, mediaId: null, warnings })

  // Pass 2: attachments, as media items.
  if (attachments > 0) {
    await readWxr(open(), limits, async (item, channel) => {
      if (item.postType !== 'attachment') return
      await record(item, await safely(label(item), ctx, () => importAttachment(item, channel, options, ctx), {}))
    })
  }

  // Pass 3: posts (and pages), with their comments. Each post is a transaction of its own (a
  // savepoint), and a few posts in a row commit together: a commit costs more than a post's rows.
  const post = (item: WxrItem, channel: WxrChannel): ItemOutcome => {
    const type = item.postType || 'post'
    if (type !== 'post' && !(type === 'page' && options.pages)) {
      return skipped(warning('item-skipped', type === 'page' ? 'pages are imported only when asked (?pages=true, --pages)' : `items of type "${type}" are not imported`))
    }
    if (NOT_CONTENT.has(item.status)) return skipped(warning('item-skipped', `its status is "${item.status}"`))
    if (item.oversized.length > 0) {
      return skipped(warning('item-skipped', `its ${item.oversized.join(' and ')} is longer than the ${options.maxItemHtml} characters a post may have`))
    }
    const outcome = safelyNow(label(item), ctx, () => importPost(item, channel, ctx), { comments: { created: 0, unchanged: 0, skipped: item.comments.length } })
    report.comments.created += outcome.comments.created
    report.comments.unchanged += outcome.comments.unchanged
    report.comments.skipped += outcome.comments.skipped
    return outcome
  }
  const waiting: WxrItem[] = []
  const importWaiting = async (channel: WxrChannel) => {
    const items = waiting.splice(0)
    const outcomes = ctx.records.atomically(() => items.map((item) => post(item, channel)))
    for (const [i, item] of items.entries()) await record(item, outcomes[i]!)
  }
  const channel = await readWxr(open(), limits, async (item, channel) => {
    if (item.postType === 'attachment') return
    waiting.push(item)
    if (waiting.length >= POSTS_PER_COMMIT) await importWaiting(channel)
  })
  await importWaiting(channel)
  return report
}

async function importAttachment(item: WxrItem, channel: WxrChannel, options: WordpressOptions, ctx: ImportContext): Promise<ItemOutcome> {
  const keys = siteKeys(channel)
  const path = item.meta._wp_attached_file?.trim() || uploadPath(item.attachmentUrl) || ''
  const outcome = await ensureMedia(
    {
      key: keys.attachment(item.postId.trim()),
      version: null,
      label: textOf(item.title) || path || `attachment ${item.postId.trim()}`,
      // The caption; the description or the title where there is none.
      text: { caption: textOf(item.excerpt) || textOf(item.content) || textOf(item.title), altText: item.meta._wp_attachment_image_alt ?? '' },
      filename: basename(path || item.attachmentUrl.split(/[?#]/)[0] || '') || 'attachment',
      declaredType: null,
      width: null,
      height: null,
      ...localFile(options.uploads, path),
    },
    ctx,
  )
  // Pictures in the text name the file (or a resized copy of it), not the attachment.
  if (outcome.mediaId !== null && path !== '') {
    for (const file of new Set([path, path.replace(/-scaled(\.[A-Za-z0-9]+)$/, '$1')])) {
      const key = keys.file(file)
      if (ctx.records.get(key)?.resourceId !== outcome.mediaId) ctx.records.put({ key, kind: 'media', resourceId: outcome.mediaId, version: null, digest: '' })
    }
  }
  return outcome
}

/** The attachment's file under the uploads folder; a path that climbs out of it (../, absolute) is refused. */
function localFile(uploads: string | null, path: string): { file: string | null; fileRefused?: string } {
  if (uploads === null || path === '') return { file: null }
  const full = resolve(uploads, path)
  const within = relative(resolve(uploads), full)
  if (within === '' || within.startsWith('..') || isAbsolute(within)) return { file: null, fileRefused: `its path "${path}" leads out of the uploads folder` }
  return { file: full }
}
