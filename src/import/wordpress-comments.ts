// A post's WordPress comments into comments on its article: status (1 approved, 0 pending,
// spam), date, author name and e-mail (kept private, as for any comment), and the threads, each
// reply under its parent. Pingbacks, trackbacks and trashed comments are not comments here.
import { BODY_MAX_CHARS, NAME_MAX_CHARS } from '../comments/schemas.js'
import { fingerprint } from '../comments/spam.js'
import type { CommentStatus } from '../comments/moderation.js'
import { charCount, plainLine, plainText } from '../text/plain.js'
import type { ImportContext } from './context.js'
import { type CommentCounts, type SiteKeys, wordpressTime } from './wordpress-fields.js'
import { type Warning, warning } from './warnings.js'
import type { WxrComment, WxrItem } from './wxr.js'

const STATUSES = new Map<string, CommentStatus>([['1', 'approved'], ['0', 'pending'], ['spam', 'spam']])
const SPAM_REASONS = ['imported from WordPress']

/** Where a comment sits: its id here, how deep, and its WordPress parent (to climb a thread that is too deep). */
interface Placed {
  id: string
  depth: number
  wordpressParent: string
}

/** Parents before their replies: a walk from the comments whose parent is not among them. */
function threadOrder(comments: WxrComment[]): WxrComment[] {
  const ids = new Set(comments.map((c) => c.id))
  const children = new Map<string, WxrComment[]>()
  const roots: WxrComment[] = []
  for (const comment of comments) {
    const parent = comment.parent.trim()
    if (parent === '' || parent === '0' || !ids.has(parent) || parent === comment.id) roots.push(comment)
    else children.set(parent, [...(children.get(parent) ?? []), comment])
  }
  const ordered: WxrComment[] = []
  const stack = [...roots].reverse()
  const seen = new Set<string>()
  while (stack.length > 0) {
    const comment = stack.pop()!
    if (seen.has(comment.id)) continue
    seen.add(comment.id)
    ordered.push(comment)
    stack.push(...(children.get(comment.id) ?? []).reverse())
  }
  // A loop of parents (a broken export) reaches no root: its comments stand at the top level.
  return [...ordered, ...comments.filter((c) => !seen.has(c.id))]
}

export function importComments(item: WxrItem, articleId: string, keys: SiteKeys, ctx: ImportContext, warnings: Warning[]): CommentCounts {
  const counts: CommentCounts = { created: 0, unchanged: 0, skipped: item.droppedComments }
  const skipped = new Map<string, number>()
  const skip = (why: string) => {
    counts.skipped += 1
    skipped.set(why, (skipped.get(why) ?? 0) + 1)
  }
  const placed = new Map<string, Placed>()
  let moved = 0
  for (const comment of threadOrder(item.comments)) {
    const key = keys.comment(comment.id.trim())
    const record = ctx.records.get(key)
    const existing = record?.kind === 'comment' ? ctx.comments.getById(record.resourceId) : null
    if (existing !== null && existing.articleId === articleId) {
      placed.set(comment.id, { id: existing.id, depth: existing.depth, wordpressParent: comment.parent })
      counts.unchanged += 1
      continue
    }
    if (comment.type === 'pingback' || comment.type === 'trackback') {
      skip('pingbacks and trackbacks')
      continue
    }
    const status = STATUSES.get(comment.approved.trim())
    if (status === undefined && /trash/.test(comment.approved)) {
      skip('trashed comments')
      continue
    }
    let body = plainText(comment.content)
    if (body === '') {
      skip('empty comments')
      continue
    }
    if (charCount(body) > BODY_MAX_CHARS) {
      body = Array.from(body).slice(0, BODY_MAX_CHARS - 1).join('').trimEnd() + '…'
      warnings.push(warning('text-shortened', `comment ${comment.id} was cut to ${BODY_MAX_CHARS} characters`))
    }
    // A reply deeper than the threads may go is attached to the nearest ancestor where it fits.
    let parent = placed.get(comment.parent) ?? null
    while (parent !== null && parent.depth + 1 >= ctx.commentMaxDepth) {
      parent = placed.get(parent.wordpressParent) ?? null
      moved += 1
    }
    const email = comment.authorEmail.trim()
    const created = ctx.comments.create({
      articleId,
      parentId: parent?.id ?? null,
      depth: parent === null ? 0 : parent.depth + 1,
      authorName: Array.from(plainLine(comment.author)).slice(0, NAME_MAX_CHARS).join('').trim() || 'Anonymous',
      authorEmail: email === '' ? null : email.slice(0, 320),
      body,
      status: status ?? 'pending',
      ip: null,
      userAgent: null,
      spam: { verdict: status === 'spam' ? 'spam' : 'ok', score: 0, reasons: SPAM_REASONS },
      fingerprint: fingerprint(body),
      createdAt: wordpressTime(comment.dateGmt) ?? wordpressTime(comment.date) ?? undefined,
    })
    ctx.records.put({ key, kind: 'comment', resourceId: created.id, version: null, digest: '' })
    placed.set(comment.id, { id: created.id, depth: created.depth, wordpressParent: comment.parent })
    counts.created += 1
  }
  for (const [why, count] of skipped) warnings.push(warning('comment-skipped', `${count} ${why} not imported`))
  if (moved > 0) warnings.push(warning('comment-moved', `replies nested deeper than COMMENT_MAX_DEPTH (${ctx.commentMaxDepth}) were attached higher up the thread`))
  if (item.droppedComments > 0) warnings.push(warning('comment-skipped', `${item.droppedComments} comments past the first 10,000 of the post not imported`))
  return counts
}
