// What an article write needs of the section tree: its section made on first use, its lineage
// (for the article_sections rows), and the lineage listed once a published article is in it.
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { now } from '../db/ids.js'
import { sections } from '../db/schema-authors-sections.js'
import { sectionSlug } from './slug.js'

/** The slugs from the root down to the section, from its path. */
export const lineageOf = (path: string): string[] => path.split('/')

export type SectionTree = ReturnType<typeof createSectionTree>

export function createSectionTree(db: Db) {
  const ph = sql.placeholder
  const pathOf = db.select({ path: sections.path }).from(sections).where(eq(sections.slug, ph('slug'))).prepare()
  const insertRoot = db
    .insert(sections)
    .values({ slug: ph('slug'), name: ph('name'), path: ph('slug'), listed: false, createdAt: ph('time'), updatedAt: ph('time') })
    .prepare()
  // Only a row not yet listed is written: a story published in a listed section changes nothing.
  const list = db
    .update(sections)
    .set({ listed: true })
    .where(and(eq(sections.slug, ph('slug')), eq(sections.listed, false)))
    .prepare()

  return {
    /**
     * The slug of the section an article names (`text` cleaned and trimmed: a slug, or a name
     * such as "Local News"), made on first use as a top-level section named `text`, not yet
     * listed. Existing clients that send names keep working; the article then holds the slug.
     */
    ensure(text: string): string {
      const slug = sectionSlug(text)
      if (pathOf.get({ slug }) === undefined) insertRoot.run({ slug, name: text, time: now() })
      return slug
    },

    /** The section and its ancestors, root first; empty for a section that does not exist. */
    lineage(slug: string): string[] {
      const row = pathOf.get({ slug })
      return row === undefined ? [] : lineageOf(row.path)
    },

    /** Readers may now see these sections (a published article is in the last of them). */
    markListed(lineage: readonly string[]): void {
      for (const slug of lineage) list.run({ slug })
    },
  }
}
