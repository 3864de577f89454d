// Renaming or merging a tag across every article: each article changes through the articles
// repository's own update, so each gets a revision, its search row and tag rows, its webhook
// event and its cache eviction, as if an editor had changed it by hand.
import type { ArticlesRepository } from '../articles/repository.js'
import { cleanList, filterKey } from '../articles/normalize.js'
import { invalidField } from '../http/problems.js'
import { cleanText } from '../text/sanitize.js'
import type { TagsRepository } from './repository.js'

/** Articles handled between two turns of the event loop: a rename of a tag on thousands of stories must not stall every reader. */
export const RENAME_BATCH = 100

/**
 * Replaces the tag `from` (in any case) with `to` on every article holding it, and answers how
 * many changed. An article that holds both keeps one; one that already spells it `to` is left
 * alone. Each article is its own transaction, so a rename cut short by a crash is completed by
 * asking for it again, as is one that missed a story tagged `from` while it ran.
 */
export async function renameTag(
  deps: { articles: ArticlesRepository; tags: TagsRepository },
  input: { from: string; to: string },
  keyId: string | null,
): Promise<number> {
  const fromKey = filterKey(input.from)
  if (fromKey === '') throw invalidField('body.from', 'must not be blank')
  const to = cleanText(input.to).trim().replace(/\s+/g, ' ')
  if (to === '') throw invalidField('body.to', 'must not be blank')
  // Read once: a story tagged `from` while the rename runs is left for the next one to find.
  const ids = deps.tags.holders(fromKey)
  let changed = 0
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && i % RENAME_BATCH === 0) await new Promise((resolve) => setImmediate(resolve))
    const article = deps.articles.getById(ids[i]!)
    if (article === null) continue
    const tags = cleanList(article.tags.map((tag) => (filterKey(tag) === fromKey ? to : tag)))
    if (tags.length === article.tags.length && tags.every((tag, j) => tag === article.tags[j])) continue
    deps.articles.update(article.id, { tags }, { keyId })
    changed += 1
  }
  return changed
}
