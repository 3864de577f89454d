// Surrogate keys: the names of what an answer shows, so that a change evicts exactly the answers
// that show what it touched, in the response cache and in caches in front of the service (the
// `Surrogate-Key` header; CDN_PURGE_URLS). The same names are written by the database triggers
// of migrations surrogate-keys and list-keys, which log the keys of every change; keep the two in
// step. Search-term keys are logged by the articles repository instead (articles/search-keys.ts).
import type { FastifyReply } from 'fastify'

/**
 * Every article list that no narrower key covers: unfiltered, searched, or filtered in a way
 * without its own key, and feeds and sitemaps. Logged when a published article appears, goes or
 * moves in the order: what decides which articles an unfiltered page holds.
 */
export const ARTICLE_LISTS = 'articles'
/**
 * Logged on every editorial change to a published article (migration list-keys): carried besides
 * `articles` by the answers an edit can change without touching a key they hold, such as a
 * sitemap's `lastmod`, a list by locale, or a search whose terms cannot all have keys.
 */
export const ARTICLE_CONTENT = 'articles-content'

export const articleKey = (id: string): string => `article-${id}`
export const mediaKey = (id: string): string => `media-${id}`
/** An author profile: its own answers, and the articles that embed it. */
export const authorKey = (id: string): string => `author-${id}`

/**
 * Every search (src/articles/search-keys.ts): logged by an edit of a published article that
 * changes more search terms than are worth naming one by one.
 */
export const ARTICLE_SEARCHES = 'articles-search'
/** The searches that look up `term` (a term of the search index, src/text/fts-terms.ts). */
export const searchTermKey = (term: string): string => `search-${keyPart(firstCodePoints(term, MAX_KEYED_TERM))}`
/**
 * The prefix searches whose last word starts with the term's first SEARCH_PREFIX_LENGTH
 * characters: a term that an article gains or loses logs it, so that a search for `ukr` is
 * evicted by `ukraine`. Terms hold no `-` (a separator to the tokenizer), so no term key reads
 * like one.
 */
export const searchPrefixKey = (term: string): string => `search-prefix-${keyPart(firstCodePoints(term, SEARCH_PREFIX_LENGTH))}`
/** A prefix search whose last term is shorter carries `articles-content` instead. */
export const SEARCH_PREFIX_LENGTH = 3
/** Terms that share this many first characters share a key: an eviction too many, never a stale answer. */
const MAX_KEYED_TERM = 32

function firstCodePoints(text: string, count: number): string {
  // Code points, not UTF-16 units: the key of a term cut in a surrogate pair would not be UTF-8.
  return text.length <= count ? text : Array.from(text).slice(0, count).join('')
}

/** The list of author profiles, every section answer, and the tag list (migration authors-sections-keys). */
export const AUTHOR_LIST = 'authors'
export const SECTIONS = 'sections'
export const TAG_LIST = 'tags'

/** The list filters that have keys of their own, from rows the triggers watch. */
export type ListFilter = 'section' | 'tag' | 'author' | 'authorId'

/**
 * The lists filtered by `value` (a tag or author as `filterKey` folds it, a section as its slug,
 * an author profile as its id).
 * Lists compare filters ignoring ASCII case (SQLite's NOCASE), so the key folds it too, as
 * the triggers' `lower()` does: only ASCII, or the two would disagree on `É`.
 */
export const listFilterKey = (filter: ListFilter, value: string): string => `articles-${filter}-${keyPart(value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()))}`

const PLAIN = /^[-a-z0-9._]+$/

/**
 * A value as part of a key, which must hold no space (keys are space-separated) and only ASCII
 * (a header): itself when plain, else `x` and its UTF-8 bytes in hex, as the triggers write it
 * (`CASE WHEN v GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(v)) ELSE v END`). Two values may
 * share a part (`x61` is also how `a` would look if it were not plain): that costs an eviction
 * too many, never a stale answer.
 */
export function keyPart(value: string): string {
  return PLAIN.test(value) ? value : `x${Buffer.from(value, 'utf8').toString('hex')}`
}

/**
 * The longest `Surrogate-Key` header sent. Varnish refuses a backend header longer than its
 * `http_resp_hdr_len` (8 KiB by default) and the VCL copies this one into `xkey`; Fastly and
 * Cloudflare take 16 KiB. A page of 100 summaries with their lead pictures needs about 6.8 KB.
 */
export const MAX_SURROGATE_KEY_BYTES = 8000

const kKeys = Symbol('surrogateKeys')
type WithKeys = FastifyReply & { [kKeys]?: () => Iterable<string> }

/**
 * Names what the answer shows. A function, called only when the answer may be shared (an
 * anonymous, publicly cacheable 200): staff answers never pay for it. An answer without keys is
 * never kept in the response cache, as nothing could evict it.
 */
export function setSurrogateKeys(reply: FastifyReply, keys: () => Iterable<string>): void {
  ;(reply as WithKeys)[kKeys] = keys
}

/** The answer's keys, each once, in the order first named; null when its route named none. */
export function surrogateKeysOf(reply: FastifyReply): string[] | null {
  const keys = (reply as WithKeys)[kKeys]
  return keys === undefined ? null : [...new Set(keys())]
}

/** The header for `keys`, or null when it would be longer than MAX_SURROGATE_KEY_BYTES. */
export function surrogateKeyHeader(keys: readonly string[]): string | null {
  const header = keys.join(' ')
  return header.length <= MAX_SURROGATE_KEY_BYTES ? header : null
}
