// The rules a related link must follow before it is stored: one target (an article or an
// http(s) URL), a plain-text title, no link to itself, no target twice in one list.
import { HTTP_URL_PATTERN } from '../http/schemas.js'
import { cleanText, stripTags } from '../text/sanitize.js'
import type { FieldError } from '../http/problems.js'

/** An article holds at most this many related links: a teaser list, not an index. */
export const MAX_LINKS = 100
export const MAX_TITLE = 500
export const MAX_URL = 2048

/** A link as a client writes it: `{articleId, title?}` or `{url, title}`. */
export interface LinkInput {
  articleId?: string | undefined
  url?: string | undefined
  title?: string | undefined
}

/** A link ready to store; `key` is the same for two links to the same target. */
export interface CheckedLink {
  articleId: string | null
  url: string | null
  /** For an internal link, '' means "show the target's title". */
  title: string
  key: string
}

const HOST_AFTER_SCHEME = new RegExp(HTTP_URL_PATTERN)

/**
 * The URL as it is stored and compared: parsed and serialized again, so that
 * "HTTPS://Example.com" and "https://example.com/" are one target. Null when it is not an
 * absolute http(s) URL with a host, or when it carries credentials.
 */
export function normalizeUrl(raw: string): string | null {
  if (!HOST_AFTER_SCHEME.test(raw.trim())) return null
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (url.hostname === '' || url.username !== '' || url.password !== '') return null
  return url.href.length > MAX_URL ? null : url.href
}

function plainTitle(title: string): string {
  return stripTags(cleanText(title)).replace(/\s+/g, ' ').trim()
}

/** The same for two links to one target, so that a list can hold each target once. */
export function linkKey(articleId: string | null, url: string | null): string {
  return articleId !== null ? `article:${articleId}` : `url:${url}`
}

/** Checks one link; `path` names it in errors (`body` or `body[3]`). */
export function checkLink(parentId: string, input: LinkInput, path: string): { link: CheckedLink } | { errors: FieldError[] } {
  const errors: FieldError[] = []
  const hasArticle = input.articleId !== undefined
  const hasUrl = input.url !== undefined
  if (hasArticle === hasUrl) {
    errors.push({ path, message: 'needs either articleId or url (with a title), not both' })
    return { errors }
  }
  const title = input.title === undefined ? '' : plainTitle(input.title)
  if (input.title !== undefined && title === '') errors.push({ path: `${path}.title`, message: 'has no text once markup is removed' })

  if (hasArticle) {
    if (input.articleId === parentId) errors.push({ path: `${path}.articleId`, message: 'an article cannot link to itself' })
    return errors.length > 0 ? { errors } : { link: { articleId: input.articleId!, url: null, title, key: linkKey(input.articleId!, null) } }
  }

  const url = normalizeUrl(input.url!)
  if (url === null) {
    errors.push({ path: `${path}.url`, message: `must be an absolute http or https URL with a host and no credentials, at most ${MAX_URL} characters` })
  }
  if (input.title === undefined) errors.push({ path: `${path}.title`, message: 'is required for a link to a URL' })
  return errors.length > 0 || url === null ? { errors } : { link: { articleId: null, url, title, key: linkKey(null, url) } }
}

export interface CheckedList {
  /** One entry per input, in order: the checked link, or null where the input was refused. */
  items: (CheckedLink | null)[]
  /** The distinct valid links, in order. */
  links: CheckedLink[]
  /** Bad input: answered with 400. */
  errors: FieldError[]
  /** A target named twice: answered with 409 once the input is otherwise valid. */
  duplicates: FieldError[]
}

/** Checks a whole list as PUT replaces it; every item is checked before anything is written. */
export function checkList(parentId: string, inputs: readonly LinkInput[], prefix = 'body'): CheckedList {
  const items: (CheckedLink | null)[] = []
  const errors: FieldError[] = []
  const duplicates: FieldError[] = []
  const seen = new Map<string, number>()
  inputs.forEach((input, i) => {
    const path = `${prefix}[${i}]`
    const checked = checkLink(parentId, input, path)
    if ('errors' in checked) {
      errors.push(...checked.errors)
      items.push(null)
      return
    }
    const first = seen.get(checked.link.key)
    if (first !== undefined) {
      duplicates.push({ path, message: `names the same target as ${prefix}[${first}]` })
      items.push(null)
      return
    }
    seen.set(checked.link.key, i)
    items.push(checked.link)
  })
  return { items, links: items.filter((link): link is CheckedLink => link !== null), errors, duplicates }
}
