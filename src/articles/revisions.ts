// Article revisions: a snapshot written with every change, listed, and read back to restore.
import { and, desc, eq, lt, sql } from 'drizzle-orm'
import { createCorrectionsReader } from '../corrections/reader.js'
import type { Correction } from '../corrections/schemas.js'
import type { Db } from '../db/client.js'
import { articleRevisions } from '../db/schema.js'
import { decodeCursor, toPage } from '../http/cursor.js'
import type { ArticleRevision, StoredArticle } from './schemas.js'
import { boundLimit } from '../db/bound-limit.js'

// db/schema.ts types a snapshot as a plain record (db/ knows nothing of articles); every one was
// written by record() below, so reads take it as a Snapshot.
type Snapshot = ArticleRevision['snapshot']

function snapshotOf(a: StoredArticle, corrections: Correction[]): Snapshot {
  return {
    slug: a.slug,
    title: a.title,
    subtitle: a.subtitle,
    summary: a.summary,
    body: a.body,
    status: a.status,
    authors: a.authors,
    authorIds: a.authorIds,
    section: a.section,
    tags: a.tags,
    sources: a.sources,
    locale: a.locale,
    translationOf: a.translationOf,
    leadMediaId: a.leadMediaId,
    commentsEnabled: a.commentsEnabled,
    publishedAt: a.publishedAt,
    scheduledAt: a.scheduledAt,
    // A correction's change is a change of its article: the revision shows it.
    corrections: corrections.map(({ id, type, text, at }) => ({ id, type, text, at })),
  }
}

export type Revisions = ReturnType<typeof createRevisions>

export function createRevisions(db: Db) {
  const corrections = createCorrectionsReader(db)
  const { articleId, revision, snapshot, keyId, createdAt } = articleRevisions
  const insert = db
    .insert(articleRevisions)
    .values({
      articleId: sql.placeholder('articleId'),
      revision: sql.placeholder('revision'),
      snapshot: sql.placeholder('snapshot'),
      keyId: sql.placeholder('keyId'),
      createdAt: sql.placeholder('createdAt'),
    })
    .prepare()
  const one = db
    .select({ snapshot })
    .from(articleRevisions)
    .where(and(eq(articleId, sql.placeholder('id')), eq(revision, sql.placeholder('revision'))))
    .prepare()
  const page = db
    .select({ revision, createdAt, keyId, snapshot })
    .from(articleRevisions)
    .where(and(eq(articleId, sql.placeholder('id')), lt(revision, sql.placeholder('before'))))
    .orderBy(desc(revision))
    .limit(boundLimit())
    .prepare()

  return {
    /** Records the article as it is now, as the revision of its current version. */
    record(article: StoredArticle, key: string | null): void {
      insert.run({ articleId: article.id, revision: article.version, snapshot: snapshotOf(article, corrections.forArticle(article.id)), keyId: key, createdAt: article.updatedAt })
    },

    /** The snapshot of one revision, or null when the article has no such revision. */
    snapshot(id: string, number: number): Snapshot | null {
      return (one.get({ id, revision: number })?.snapshot as Snapshot | undefined) ?? null
    },

    list(id: string, limit: number, cursor?: string): { data: ArticleRevision[]; nextCursor: string | null } {
      const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : (decodeCursor(cursor, ['number']) as [number])[0]
      const rows = page.all({ id, before, limit: limit + 1 }) as ArticleRevision[]
      return toPage(rows, limit, (last) => [last.revision])
    },
  }
}
