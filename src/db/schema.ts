// The tables, in Drizzle: the one place where snake_case SQL names meet camelCase TypeScript.
// Times are ISO 8601 UTC text written by the service in one fixed format, so that they sort
// as strings and reach JSON without conversion.
import { sql } from 'drizzle-orm'
import { type AnySQLiteColumn, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'editor', 'moderator'] }).notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: text('created_at').notNull(),
  revokedAt: text('revoked_at'),
})

export const media = sqliteTable(
  'media',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['image', 'video', 'audio', 'document'] }).notNull(),
    mimeType: text('mime_type').notNull(),
    filename: text('filename').notNull(),
    size: integer('size').notNull(),
    width: integer('width'),
    height: integer('height'),
    sha256: text('sha256').notNull(),
    caption: text('caption').notNull().default(''),
    credit: text('credit').notNull().default(''),
    creator: text('creator').notNull().default(''),
    copyright: text('copyright').notNull().default(''),
    usageTerms: text('usage_terms').notNull().default(''),
    altText: text('alt_text').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('media_sha256_idx').on(t.sha256), index('media_created_idx').on(t.createdAt, t.id)],
)

export const articles = sqliteTable(
  'articles',
  {
    // An integer key gives FTS5 a stable rowid and keyset paging a cheap tie-breaker;
    // `id` is the opaque public identifier.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    // Unique within a locale (articles_locale_slug_uq): a story and its translation may share a slug.
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    subtitle: text('subtitle').notNull().default(''),
    summary: text('summary').notNull().default(''),
    body: text('body', { mode: 'json' }).notNull().$type<unknown[]>(),
    status: text('status', { enum: ['draft', 'review', 'scheduled', 'published', 'archived'] }).notNull(),
    authors: text('authors', { mode: 'json' }).notNull().$type<string[]>(),
    // The author profiles the article names, in byline order (article_author_profiles holds them as rows).
    authorIds: text('author_ids', { mode: 'json' }).notNull().$type<string[]>().default(sql`'[]'`),
    // A section's slug (sections.slug); article_sections holds it and its ancestors as rows.
    section: text('section'),
    tags: text('tags', { mode: 'json' }).notNull().$type<string[]>(),
    sources: text('sources', { mode: 'json' }).notNull().$type<string[]>(),
    locale: text('locale').notNull().default('en'),
    // The original of the article's translation group (never a translation itself: writes
    // normalise to it), or null for an original or an article with no translations.
    translationOf: text('translation_of').references((): AnySQLiteColumn => articles.id, { onDelete: 'set null' }),
    leadMediaId: text('lead_media_id').references(() => media.id, { onDelete: 'restrict' }),
    commentsEnabled: integer('comments_enabled', { mode: 'boolean' }).notNull().default(true),
    commentCount: integer('comment_count').notNull().default(0),
    publishedAt: text('published_at'),
    scheduledAt: text('scheduled_at'),
    // publishedAt for published articles, updatedAt for the rest: the list's one sort key.
    sortAt: text('sort_at').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull().default(1),
    // The item this article was imported from (a ninjs uri, a WordPress post): importing it
    // again finds this article. Null for articles written here.
    externalId: text('external_id'),
  },
  (t) => [
    uniqueIndex('articles_external_id_uq').on(t.externalId),
    uniqueIndex('articles_locale_slug_uq').on(t.locale, t.slug),
    // One article per locale in a translation group, keyed by the group's original; the same
    // index finds a group's members in one seek.
    uniqueIndex('articles_translation_group_uq').on(sql`coalesce(${t.translationOf}, ${t.id})`, t.locale),
    // Foreign-key checks on deleting an article look its translations up here.
    index('articles_translation_of_idx').on(t.translationOf),
    index('articles_locale_sort_idx').on(t.locale, t.status, t.sortAt, t.seq),
    index('articles_status_sort_idx').on(t.status, t.sortAt, t.seq),
    index('articles_sort_idx').on(t.sortAt, t.seq),
    // NOCASE, as the list's section filter compares (ASCII case folding): `section=world` finds "World".
    index('articles_section_nocase_idx').on(sql`${t.section} COLLATE NOCASE`, t.status, t.sortAt, t.seq),
    index('articles_scheduled_idx').on(t.status, t.scheduledAt),
    index('articles_lead_media_idx').on(t.leadMediaId),
    // Covers what a comment submission checks of its article: status and settings are stored
    // after the body, so reading them from the row would walk the body's overflow pages.
    index('articles_gate_idx').on(t.id, t.status, t.publishedAt, t.commentsEnabled),
    // Articles in the order they were made, with what a sitemap URL needs: a sitemap page is a
    // range of it, its published ones read from it, never from the rows (status and dates sit
    // after the body). translation_of names each entry's group, whose other members are its
    // hreflang alternates. Not a partial index (WHERE status = 'published'): SQLite re-prepares,
    // on every run, each statement that compares the status of `articles` with a bound value, in
    // case the value lets it use such an index; the stored read of an article by slug took 16 µs
    // instead of 4.5 (test/statement-replans.test.ts keeps partial indexes off hot tables).
    index('articles_sitemap_idx').on(t.seq, t.status, t.updatedAt, t.id, t.slug, t.section, t.locale, t.publishedAt, t.translationOf),
  ],
)

// Tags and authors are also kept as rows, with a copy of the article's status and sort key,
// so that a filtered list is one index range scan however large the archive grows.
export const articleTags = sqliteTable(
  'article_tags',
  {
    articleSeq: integer('article_seq')
      .notNull()
      .references(() => articles.seq, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    status: text('status').notNull(),
    sortAt: text('sort_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.articleSeq, t.tag] }),
    index('article_tags_tag_idx').on(t.tag, t.status, t.sortAt, t.articleSeq),
  ],
)

export const articleAuthors = sqliteTable(
  'article_authors',
  {
    articleSeq: integer('article_seq')
      .notNull()
      .references(() => articles.seq, { onDelete: 'cascade' }),
    author: text('author').notNull(),
    status: text('status').notNull(),
    sortAt: text('sort_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.articleSeq, t.author] }),
    index('article_authors_author_idx').on(t.author, t.status, t.sortAt, t.articleSeq),
  ],
)

// Which media an article uses (lead or body block): the foreign key makes deleting media in
// use fail inside SQLite, so no race can slip a delete between a check and a write.
export const articleMedia = sqliteTable(
  'article_media',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    mediaId: text('media_id')
      .notNull()
      .references(() => media.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.mediaId] }), index('article_media_media_idx').on(t.mediaId)],
)

export const articleRevisions = sqliteTable(
  'article_revisions',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    snapshot: text('snapshot', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    keyId: text('key_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.revision] })],
)

// An article's related links: `position` is the editor's order, kept dense (0..n-1) by the
// writes and, when a target's deletion removes a link, by the `related_links_repack` trigger
// (migration related-positions). A link names either a target article or an external url.
export const relatedLinks = sqliteTable(
  'related_links',
  {
    id: text('id').primaryKey(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    targetArticleId: text('target_article_id').references(() => articles.id, { onDelete: 'cascade' }),
    url: text('url'),
    title: text('title').notNull().default(''),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    index('related_links_article_idx').on(t.articleId, t.position),
    uniqueIndex('related_links_target_uq').on(t.articleId, t.targetArticleId),
    uniqueIndex('related_links_url_uq').on(t.articleId, t.url),
    index('related_links_target_idx').on(t.targetArticleId),
  ],
)

// The version of each article's list of related links, for If-Match on the list's writes. The
// links are their own resource: changing them leaves the article's version and updatedAt alone.
// A list that was never written has no row and is at version 1.
export const relatedLinkLists = sqliteTable('related_link_lists', {
  articleId: text('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  version: integer('version').notNull().default(1),
})

export const comments = sqliteTable(
  'comments',
  {
    // Submission order: lists run oldest first by it and page by it, so two comments sent in
    // the same millisecond still come in the order they arrived, and a cursor never skips one.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    parentId: text('parent_id').references((): any => comments.id, { onDelete: 'cascade' }),
    depth: integer('depth').notNull().default(0),
    authorName: text('author_name').notNull(),
    authorEmail: text('author_email'),
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'spam'] }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    spamVerdict: text('spam_verdict', { enum: ['ok', 'suspect', 'spam'] }).notNull().default('ok'),
    spamScore: integer('spam_score').notNull().default(0),
    spamReasons: text('spam_reasons', { mode: 'json' }).notNull().$type<string[]>().default(sql`'[]'`),
    // The normalized text's hash: the repeat rule's memory (comments/recent-copies.ts) is filled
    // from it when the service starts. Not indexed: a hash puts each comment on a random page.
    fingerprint: text('fingerprint').notNull().default(''),
    moderatedBy: text('moderated_by'),
    moderatedAt: text('moderated_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    // One index per list: the public list, the queue by status, and the moderators' list by
    // article (the list across everything runs on the primary key).
    index('comments_article_idx').on(t.articleId, t.status, t.seq),
    index('comments_queue_idx').on(t.status, t.seq),
    index('comments_article_seq_idx').on(t.articleId, t.seq),
    index('comments_parent_idx').on(t.parentId),
  ],
)

// The audit trail of moderation: kept when a comment is erased, so it holds no comment text.
// One row per change of status: the automatic one at submission (from_status null, key_id
// null), each moderator's decision, and the erasure (to_status 'deleted').
export const commentModerations = sqliteTable(
  'comment_moderations',
  {
    id: text('id').primaryKey(),
    commentId: text('comment_id').notNull(),
    articleId: text('article_id').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    keyId: text('key_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('comment_moderations_comment_idx').on(t.commentId, t.createdAt)],
)

// A subscription: where to POST which events, signed with its secret. The secret is stored as
// given because signing needs it; only admins can reach this table through the API, and no
// answer but the one that creates or rotates it shows it.
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    url: text('url').notNull(),
    events: text('events', { mode: 'json' }).notNull().$type<string[]>(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    secret: text('secret').notNull(),
    // After a rotation deliveries carry a signature with the old secret too, until this time.
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: text('previous_secret_expires_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('webhooks_created_idx').on(t.createdAt, t.id)],
)

// The transactional outbox: an event row is written in the same transaction as the change
// that causes it, with one delivery row for each webhook subscribed to its type.
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    data: text('data', { mode: 'json' }).notNull().$type<unknown>(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('webhook_events_created_idx').on(t.createdAt)],
)

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    // Increasing, so that one endpoint receives its events in the order they happened.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    // While an attempt is in flight this is pushed past its timeout (a lease), so a crash
    // mid-attempt only delays the retry and two processes never send the same attempt.
    nextAttemptAt: text('next_attempt_at').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    // The head of each endpoint's queue is one seek: its earliest pending delivery.
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.status, t.seq),
    index('webhook_deliveries_event_idx').on(t.eventId, t.webhookId),
  ],
)

export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    deliverySeq: integer('delivery_seq')
      .notNull()
      .references(() => webhookDeliveries.seq, { onDelete: 'cascade' }),
    webhookId: text('webhook_id').notNull(),
    eventId: text('event_id').notNull(),
    attempt: integer('attempt').notNull(),
    attemptedAt: text('attempted_at').notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
    // When this attempt failed and another was scheduled: the time it was scheduled for.
    retryAt: text('retry_at'),
  },
  (t) => [
    index('webhook_attempts_webhook_idx').on(t.webhookId, t.attemptedAt, t.id),
    index('webhook_attempts_delivery_idx').on(t.deliverySeq),
  ],
)

// What imports brought in (src/import/), by the source's key for an item (a ninjs uri, a
// WordPress post, attachment, file or comment): what it became, the source's version and a
// digest of what was written, so that importing the same item again changes nothing.
export const importRecords = sqliteTable('import_records', {
  key: text('key').primaryKey(),
  kind: text('kind', { enum: ['article', 'media', 'comment', 'author'] }).notNull(),
  resourceId: text('resource_id').notNull(),
  version: text('version'),
  digest: text('digest').notNull(),
  importedAt: text('imported_at').notNull(),
})

// Responses kept for Idempotency-Key replays (src/http/idempotency.ts), 24 hours each.
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    caller: text('caller').notNull(),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    statusCode: integer('status_code'),
    headers: text('headers'),
    body: text('body'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caller, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
)
