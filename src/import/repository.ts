// What imports wrote, by the source's key for each item: the article, media item or comment it
// became, the source's version and a digest of what was written. Importing the same item again
// reads its record and changes nothing; a newer version updates what the record names.
import { eq, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { now } from '../db/ids.js'
import { importRecords } from '../db/schema.js'

export type ImportRecord = typeof importRecords.$inferSelect
export type ImportKind = ImportRecord['kind']

export type ImportRecords = ReturnType<typeof createImportRecords>

const p = sql.placeholder

export function createImportRecords(db: Db) {
  const byKey = db.select().from(importRecords).where(eq(importRecords.key, p('key'))).prepare()
  const values = {
    kind: sql`${p('kind')}`,
    resourceId: sql`${p('resourceId')}`,
    version: sql`${p('version')}`,
    digest: sql`${p('digest')}`,
    importedAt: sql`${p('importedAt')}`,
  }
  const update = db.update(importRecords).set(values).where(eq(importRecords.key, p('key'))).prepare()
  const insert = db
    .insert(importRecords)
    .values({ key: p('key'), kind: p('kind'), resourceId: p('resourceId'), version: p('version'), digest: p('digest'), importedAt: p('importedAt') })
    .prepare()
  const inTransaction = transactional(db, (fn: () => unknown) => fn())

  return {
    get(key: string): ImportRecord | null {
      return byKey.get({ key }) ?? null
    },

    /** Records (or replaces) what the item with this key became. */
    put(record: Omit<ImportRecord, 'importedAt'>): void {
      const row = { ...record, importedAt: now() }
      if (update.run(row).changes === 0) insert.run(row)
    },

    /** Runs `fn` in one transaction (a savepoint inside another): an item's writes land together or not at all. */
    atomically<T>(fn: () => T): T {
      return inTransaction(fn) as T
    },
  }
}
