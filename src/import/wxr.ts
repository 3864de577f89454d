// Reading a WordPress export (WXR 1.x) as it streams: saxes parses the XML piece by piece, and
// only the fields the import uses are kept, each bounded, one item at a time, so memory stays
// flat however large the export. A DOCTYPE is refused outright (WordPress never writes one, and
// it is how entity-expansion bombs come in), and so is any text node larger than a story can be.
import type { Readable } from 'node:stream'
import { SaxesParser, type SaxesTagPlain } from 'saxes'

export interface WxrAuthor {
  login: string
  displayName: string
  firstName: string
  lastName: string
}

export interface WxrChannel {
  title: string
  link: string
  language: string
  wxrVersion: string
  baseSiteUrl: string
  baseBlogUrl: string
  authors: Map<string, WxrAuthor>
}

export interface WxrTerm {
  domain: string
  nicename: string
  name: string
}

export interface WxrComment {
  id: string
  author: string
  authorEmail: string
  authorUrl: string
  date: string
  dateGmt: string
  content: string
  approved: string
  type: string
  parent: string
}

export interface WxrItem {
  title: string
  link: string
  guid: string
  creator: string
  content: string
  excerpt: string
  postId: string
  postDate: string
  postDateGmt: string
  commentStatus: string
  postName: string
  status: string
  postParent: string
  postType: string
  postPassword: string
  attachmentUrl: string
  terms: WxrTerm[]
  /** The post meta the import reads (featured image, attached file, alt text); the rest is not kept. */
  meta: Record<string, string>
  comments: WxrComment[]
  /** Fields longer than they may be, cut: the item is not imported. */
  oversized: string[]
  /** Comments beyond the most one item keeps. */
  droppedComments: number
}

/** The export is not one the import can read: answered as a 400 naming why. */
export class WxrError extends Error {}

export interface WxrLimits {
  /** Longest content (HTML) of one post, in characters. */
  maxItemHtml: number
}

const META_KEYS = new Set(['_thumbnail_id', '_wp_attached_file', '_wp_attachment_image_alt'])
const SUPPORTED_VERSIONS = /^1\.[012]$/
const MAX_FIELD = 64 * 1024
const MAX_COMMENTS = 10_000
const MAX_TERMS = 1_000
const MAX_AUTHORS = 10_000
/** Characters the parser may read without reaching the end of a node: beyond, the export is refused. */
export const MAX_NODE_CHARS = 16 * 1024 * 1024

type ItemField = Exclude<keyof WxrItem, 'terms' | 'meta' | 'comments' | 'oversized' | 'droppedComments'>
const ITEM_FIELDS = new Map<string, ItemField>(Object.entries({
  title: 'title',
  link: 'link',
  guid: 'guid',
  'dc:creator': 'creator',
  'content:encoded': 'content',
  'excerpt:encoded': 'excerpt',
  'wp:post_id': 'postId',
  'wp:post_date': 'postDate',
  'wp:post_date_gmt': 'postDateGmt',
  'wp:comment_status': 'commentStatus',
  'wp:post_name': 'postName',
  'wp:status': 'status',
  'wp:post_parent': 'postParent',
  'wp:post_type': 'postType',
  'wp:post_password': 'postPassword',
  'wp:attachment_url': 'attachmentUrl',
} satisfies Record<string, ItemField>))
const COMMENT_FIELDS = new Map<string, keyof WxrComment>(Object.entries({
  'wp:comment_id': 'id',
  'wp:comment_author': 'author',
  'wp:comment_author_email': 'authorEmail',
  'wp:comment_author_url': 'authorUrl',
  'wp:comment_date': 'date',
  'wp:comment_date_gmt': 'dateGmt',
  'wp:comment_content': 'content',
  'wp:comment_approved': 'approved',
  'wp:comment_type': 'type',
  'wp:comment_parent': 'parent',
} satisfies Record<string, keyof WxrComment>))
const AUTHOR_FIELDS = new Map<string, keyof WxrAuthor>(Object.entries({
  'wp:author_login': 'login',
  'wp:author_display_name': 'displayName',
  'wp:author_first_name': 'firstName',
  'wp:author_last_name': 'lastName',
} satisfies Record<string, keyof WxrAuthor>))
const CHANNEL_FIELDS = new Map<string, Exclude<keyof WxrChannel, 'authors'>>(Object.entries({
  title: 'title',
  link: 'link',
  language: 'language',
  'wp:wxr_version': 'wxrVersion',
  'wp:base_site_url': 'baseSiteUrl',
  'wp:base_blog_url': 'baseBlogUrl',
} satisfies Record<string, Exclude<keyof WxrChannel, 'authors'>>))

const newItem = (): WxrItem => ({
  ...(Object.fromEntries([...ITEM_FIELDS.values()].map((field) => [field, ''])) as Record<ItemField, string>),
  terms: [],
  meta: {},
  comments: [],
  oversized: [],
  droppedComments: 0,
})

/**
 * Reads the export from `source` (UTF-8 text), calling `onItem` for each <item> in order and
 * waiting for it before reading on. Answers the channel; throws WxrError for what is not a
 * well-formed WordPress export.
 */
export async function readWxr(source: Readable, limits: WxrLimits, onItem: (item: WxrItem, channel: WxrChannel) => void | Promise<void>): Promise<WxrChannel> {
  const parser = new SaxesParser<{}>({ position: true })
  const channel: WxrChannel = { title: '', link: '', language: '', wxrVersion: '', baseSiteUrl: '', baseBlogUrl: '', authors: new Map() }
  const stack: string[] = []
  const ready: WxrItem[] = []
  let failure: WxrError | null = null
  let item: WxrItem | null = null
  let comment: WxrComment | null = null
  let author: WxrAuthor | null = null
  let meta: { key: string; value: string } | null = null
  let term: WxrTerm | null = null
  let text: string[] | null = null
  let length = 0
  let max = MAX_FIELD
  let cut = false
  let seenItem = false
  let lastEvent = 0

  const fail = (message: string) => {
    failure ??= new WxrError(`${message} (line ${parser.line}, column ${parser.column})`)
  }
  const capture = (limit = MAX_FIELD) => {
    text = []
    length = 0
    max = limit
    cut = false
  }
  const take = (text_: string) => {
    lastEvent = parser.position
    if (text === null || failure) return
    if (length + text_.length > max) {
      text.push(text_.slice(0, Math.max(0, max - length)))
      length = max
      cut = true
      return
    }
    text.push(text_)
    length += text_.length
  }

  parser.on('error', (error) => fail(`the file is not well-formed XML: ${error.message.replace(/^.*?:\d+:\d+: /, '')}`))
  parser.on('doctype', () => fail('a DOCTYPE is not allowed in a WordPress export'))
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) fail(`the export is in ${decl.encoding}; only UTF-8 is read`)
  })
  parser.on('text', take)
  parser.on('cdata', take)
  parser.on('opentag', (tag: SaxesTagPlain) => {
    lastEvent = parser.position
    if (failure) return
    const name = tag.name
    const depth = stack.push(name)
    if (depth === 1 && name !== 'rss') return fail(`not a WordPress export: the document is <${name}>, not <rss>`)
    if (depth === 3 && stack[1] === 'channel') {
      if (name === 'item') {
        if (!seenItem) checkVersion()
        seenItem = true
        item = newItem()
      } else if (name === 'wp:author' && channel.authors.size < MAX_AUTHORS) {
        author = { login: '', displayName: '', firstName: '', lastName: '' }
      } else if (CHANNEL_FIELDS.has(name)) {
        capture()
      }
    } else if (depth === 4 && item !== null) {
      if (name === 'content:encoded' || name === 'excerpt:encoded') capture(limits.maxItemHtml)
      else if (ITEM_FIELDS.has(name)) capture()
      else if (name === 'category' && item.terms.length < MAX_TERMS) {
        const attributes = tag.attributes as Record<string, string>
        term = { domain: attributes.domain ?? '', nicename: attributes.nicename ?? '', name: '' }
        capture()
      } else if (name === 'wp:postmeta') meta = { key: '', value: '' }
      else if (name === 'wp:comment') {
        if (item.comments.length < MAX_COMMENTS) comment = { id: '', author: '', authorEmail: '', authorUrl: '', date: '', dateGmt: '', content: '', approved: '', type: '', parent: '' }
        else item.droppedComments += 1
      }
    } else if (depth === 4 && author !== null && AUTHOR_FIELDS.has(name)) {
      capture()
    } else if (depth === 5 && (meta !== null || comment !== null)) {
      capture()
    }
  })
  parser.on('closetag', (tag: SaxesTagPlain) => {
    lastEvent = parser.position
    const depth = stack.length
    stack.pop()
    if (failure) return
    const name = tag.name
    const value = text === null ? '' : (text as string[]).join('')
    const wasCut = cut
    text = null
    if (depth === 3 && name === 'item' && item !== null) {
      ready.push(item)
      item = null
    } else if (depth === 3 && name === 'wp:author' && author !== null) {
      if (author.login !== '') channel.authors.set(author.login, author)
      author = null
    } else if (depth === 3 && CHANNEL_FIELDS.has(name)) {
      channel[CHANNEL_FIELDS.get(name)!] = value.trim()
    } else if (depth === 4 && item !== null) {
      if (ITEM_FIELDS.has(name)) {
        const field = ITEM_FIELDS.get(name)!
        // Ids, dates, statuses and names are read without the white space around them; HTML as it is.
        item[field] = field === 'content' || field === 'excerpt' ? value : value.trim()
        if (wasCut && (name === 'content:encoded' || name === 'excerpt:encoded' || name === 'title')) item.oversized.push(name)
      } else if (name === 'category' && term !== null) {
        item.terms.push({ ...term, name: value.trim() })
        term = null
      } else if (name === 'wp:postmeta' && meta !== null) {
        if (META_KEYS.has(meta.key)) item.meta[meta.key] = meta.value
        meta = null
      } else if (name === 'wp:comment' && comment !== null) {
        item.comments.push(comment)
        comment = null
      }
    } else if (depth === 4 && author !== null && AUTHOR_FIELDS.has(name)) {
      author[AUTHOR_FIELDS.get(name)!] = value.trim()
    } else if (depth === 5 && meta !== null) {
      if (name === 'wp:meta_key') meta.key = value.trim()
      if (name === 'wp:meta_value') meta.value = value
    } else if (depth === 5 && comment !== null && COMMENT_FIELDS.has(name)) {
      const field = COMMENT_FIELDS.get(name)!
      comment[field] = field === 'content' ? value : value.trim()
    }
  })

  function checkVersion() {
    if (channel.wxrVersion === '') fail('not a WordPress export: no <wp:wxr_version> before the first item')
    else if (!SUPPORTED_VERSIONS.test(channel.wxrVersion)) fail(`WXR version ${channel.wxrVersion} is not supported (1.0 to 1.2 are)`)
  }

  for await (const chunk of source) {
    parser.write(chunk as string)
    if (!failure && parser.position - lastEvent > MAX_NODE_CHARS) fail(`a text node is larger than ${MAX_NODE_CHARS / 1024 / 1024} Mi characters`)
    if (failure) break
    while (ready.length > 0) await onItem(ready.shift()!, channel)
  }
  if (!failure) parser.close()
  if (!failure && !seenItem) checkVersion()
  if (failure) {
    source.destroy()
    throw failure
  }
  while (ready.length > 0) await onItem(ready.shift()!, channel)
  return channel
}
