// The tables of author profiles and sections, and the rows that tie articles to them: apart from
// schema.ts only to keep each file short. Same conventions: snake_case in SQL, camelCase here.
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { articles, media } from './schema.js'

// Author profiles: a byline with a page of its own. `email` is for the newsroom only (the API
// shows it to editors); the photo is a media item, which cannot be deleted while it is one.
export const authors = sqliteTable(
  'authors',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    jobTitle: text('job_title').notNull().default(''),
    bio: text('bio').notNull().default(''),
    photoMediaId: text('photo_media_id').references(() => media.id, { onDelete: 'restrict' }),
    links: text('links', { mode: 'json' }).notNull().$type<string[]>().default(sql`'[]'`),
    email: text('email'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('authors_photo_idx').on(t.photoMediaId)],
)

// The profiles each article names, as rows with the article's status and sort key (like tags),
// so that ?authorId= is one index range; the foreign key refuses to delete a profile in use.
export const articleAuthorProfiles = sqliteTable(
  'article_author_profiles',
  {
    articleSeq: integer('article_seq')
      .notNull()
      .references(() => articles.seq, { onDelete: 'cascade' }),
    authorId: text('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'restrict' }),
    status: text('status').notNull(),
    sortAt: text('sort_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.articleSeq, t.authorId] }),
    index('article_author_profiles_author_idx').on(t.authorId, t.status, t.sortAt, t.articleSeq),
  ],
)

// Sections form a tree. `path` is the slugs from the root down to this one, joined by "/"
// ("world/europe"): the lineage without a recursive query, and the subtree as one index range.
// `listed`: readers see the section (made through the API, or holding a published article), so
// that a draft's new section does not reveal the story before it runs.
export const sections = sqliteTable(
  'sections',
  {
    slug: text('slug').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    parentSlug: text('parent_slug').references((): any => sections.slug, { onDelete: 'restrict' }),
    path: text('path').notNull().unique(),
    listed: integer('listed', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('sections_parent_idx').on(t.parentSlug, t.path)],
)

// An article's section and each of its ancestors, as rows with the article's status and sort key:
// ?section=world (with every section under it) is one index range, like a tag. The foreign key
// refuses to delete a section an article is in.
export const articleSections = sqliteTable(
  'article_sections',
  {
    articleSeq: integer('article_seq')
      .notNull()
      .references(() => articles.seq, { onDelete: 'cascade' }),
    section: text('section')
      .notNull()
      .references(() => sections.slug, { onDelete: 'restrict' }),
    status: text('status').notNull(),
    sortAt: text('sort_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.articleSeq, t.section] }),
    index('article_sections_section_idx').on(t.section, t.status, t.sortAt, t.articleSeq),
  ],
)
