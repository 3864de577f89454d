// Translation groups: an original and its translations, one article per locale. Every member
// names the original in `translationOf` (a translation of a translation is stored as one of the
// original), so a group is one seek in articles_translation_group_uq, never a walk of a chain.
import { asc, eq, isNotNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articles } from '../db/schema.js'
import { conflict, invalidField } from '../http/problems.js'

export type TranslationGroups = ReturnType<typeof createTranslationGroups>

/** What the group rules read and write of an article. */
export interface GroupMember {
  id: string
  locale: string
  translationOf: string | null
}

const ph = sql.placeholder
// Raw: Drizzle has no coalesce. The same expression as the group index, so SQLite seeks in it.
const groupKey = sql`coalesce(${articles.translationOf}, ${articles.id})`
const memberColumns = { id: articles.id, locale: articles.locale, translationOf: articles.translationOf }

export function createTranslationGroups(db: Db) {
  const byId = db.select(memberColumns).from(articles).where(eq(articles.id, ph('id'))).prepare()
  // The original first (its translationOf is null), then by locale.
  const group = db
    .select(memberColumns)
    .from(articles)
    .where(sql`${groupKey} = ${ph('original')}`)
    .orderBy(isNotNull(articles.translationOf), asc(articles.locale))
    .prepare()
  const translations = db
    .select({ id: articles.id })
    .from(articles)
    .where(eq(articles.translationOf, ph('id')))
    .orderBy(asc(articles.seq))
    .prepare()

  return {
    /**
     * The `translationOf` to store for an article about to be written (`before` is null for a new
     * one): the group's original, checked only when the link or the locale changes. A target that
     * does not exist, or is this article or one of its own translations, is a 400; a locale the
     * group already has, or an original with translations joining another group, a 409.
     */
    check(article: GroupMember, before: Omit<GroupMember, 'id'> | null): string | null {
      const linkChanged = article.translationOf !== (before?.translationOf ?? null)
      if (!linkChanged && before?.locale === article.locale) return article.translationOf
      let original = article.translationOf
      if (original !== null && linkChanged) {
        const target = byId.get({ id: original })
        if (target === undefined) throw invalidField('body.translationOf', `names no article: "${original}"`)
        original = target.translationOf ?? target.id
        if (original === article.id) throw invalidField('body.translationOf', 'names this article or one of its own translations')
        const own = before === null || before.translationOf !== null ? [] : translations.all({ id: article.id })
        if (own.length > 0) {
          throw conflict(`This article is the original of ${own.length} translation(s); an article joins another group only without translations of its own.`)
        }
      }
      const clash = group.all({ original: original ?? article.id }).find((m) => m.id !== article.id && m.locale === article.locale)
      if (clash !== undefined) {
        throw conflict(`The translation group already has an article in locale "${article.locale}" (${clash.id}); a group holds one per locale.`)
      }
      return original
    },

    /** The members of the article's group, original first, then by locale: just the article when it has no translations, none when it does not exist. */
    groupOf(id: string): GroupMember[] {
      const article = byId.get({ id })
      return article === undefined ? [] : group.all({ original: article.translationOf ?? article.id })
    },

    /** The ids of the article's translations, oldest first (the first inherits the group when it is deleted). */
    translationsOf(id: string): string[] {
      return translations.all({ id }).map((row) => row.id)
    },
  }
}
