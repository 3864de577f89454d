// Searches' surrogate keys: a search carries a key per term it looks up, and a save of a published
// article logs the keys of the terms it adds to or removes from a column of the search index, so
// that an edit evicts only the searches it can change (not every search, as `articles-content`).
//
// What a search answer depends on, and the key that covers each:
// - which articles hold each term, and in which columns (the ranking scores columns): the term
//   keys below, logged by the edits that change them;
// - for the last word, a prefix, also the articles holding any term that starts with it: its
//   prefix key (the first SEARCH_PREFIX_LENGTH characters), which every changed term logs too;
// - which articles are published and their order: `articles`, logged by the triggers when one
//   appears, goes or moves (a draft published or unpublished, a new date);
// - the summaries shown: their own keys (listKeys).
// Drafts log nothing: readers never see them, and their publication logs `articles`. (Left as it
// was: a search with more than SEARCH_WINDOW hits ranks only the newest rows of the index, drafts'
// among them, so a new draft holding a common term moves that window without logging a key.)
import type { Db } from '../db/client.js'
import { invalidationLog } from '../db/invalidations.js'
import { ARTICLE_SEARCHES, SEARCH_PREFIX_LENGTH, searchPrefixKey, searchTermKey } from '../http/surrogate-keys.js'
import { ftsTerms } from '../text/fts-terms.js'
import { stripTags } from '../text/sanitize.js'
import { bodyText } from './normalize.js'
import type { StoredArticle } from './schemas.js'
import { searchWords } from './search.js'

/**
 * An edit that changes more terms than this (a story rewritten) logs `articles-search` instead:
 * one row rather than hundreds in the log, for the response cache and the CDN purger to read.
 */
export const MAX_LOGGED_SEARCH_KEYS = 200

/**
 * The longest run of term keys a search carries (the header also holds up to 100 summaries'
 * keys, MAX_SURROGATE_KEY_BYTES); a longer query carries `articles-content` instead.
 */
export const MAX_SEARCH_KEY_BYTES = 600

type SearchText = Pick<StoredArticle, 'title' | 'subtitle' | 'summary' | 'body' | 'tags'>

/** Each column of the article's search row (title, subtitle, summary, body, tags), as derived-rows.ts writes it. */
export function searchColumns(a: SearchText): string[] {
  return [stripTags(a.title), stripTags(a.subtitle), stripTags(a.summary), bodyText(a.body), a.tags.join(' ')]
}

/**
 * The keys that saving `after` over `before` logs for searches: both published (a change of
 * status logs `articles`), each term added to or removed from a column. An untouched body is the
 * same array (writes copy the article), so an edit of the title alone tokenizes only titles.
 */
export function searchEditKeys(before: StoredArticle, after: StoredArticle): string[] {
  if (before.status !== 'published' || after.status !== 'published') return []
  const changed = [before.title !== after.title, before.subtitle !== after.subtitle, before.summary !== after.summary, before.body !== after.body]
  changed.push(before.tags.length !== after.tags.length || before.tags.some((tag, i) => tag !== after.tags[i]))
  if (!changed.includes(true)) return []
  const old = searchColumns(before)
  const now = searchColumns(after)
  const keys = new Set<string>()
  for (let column = 0; column < changed.length; column++) {
    if (!changed[column] || old[column] === now[column]) continue
    const was = new Set(ftsTerms(old[column]!))
    const is = new Set(ftsTerms(now[column]!))
    for (const term of was) if (!is.has(term)) termChanged(term, keys)
    for (const term of is) if (!was.has(term)) termChanged(term, keys)
    if (keys.size > MAX_LOGGED_SEARCH_KEYS) return [ARTICLE_SEARCHES]
  }
  return [...keys]
}

/**
 * Logs the search keys of a save (the article before and after) in its transaction, where other
 * processes and the CDN purger read them. From JS, not a trigger: SQL cannot call the tokenizer.
 */
export function createSearchKeyLog(db: Db): (before: StoredArticle, after: StoredArticle) => void {
  const log = invalidationLog(db)
  return (before, after) => log(searchEditKeys(before, after))
}

function termChanged(term: string, keys: Set<string>): void {
  keys.add(searchTermKey(term))
  if (Array.from(term).length >= SEARCH_PREFIX_LENGTH) keys.add(searchPrefixKey(term))
}

/**
 * The keys of a search for `q` (besides `articles` and its summaries'), or null when it must carry
 * `articles-content`: a word that FTS5 reads as other than one term (the query quotes each word as
 * a phrase, whose terms must also be adjacent), a last word shorter than SEARCH_PREFIX_LENGTH, or
 * too many bytes of keys.
 */
export function searchQueryKeys(q: string): string[] | null {
  const words = searchWords(q)
  const keys = [ARTICLE_SEARCHES]
  for (let i = 0; i < words.length; i++) {
    const terms = ftsTerms(words[i]!)
    if (terms.length !== 1) return null
    const term = terms[0]!
    // The last word is a prefix: its own term starts with it, so the prefix key covers it too.
    if (i < words.length - 1) keys.push(searchTermKey(term))
    else if (Array.from(term).length >= SEARCH_PREFIX_LENGTH) keys.push(searchPrefixKey(term))
    else return null
  }
  return keys.join(' ').length > MAX_SEARCH_KEY_BYTES ? null : keys
}
