// The change feed's log in SQLite: read in commit order, per caller, and pruned by age. The
// rows are written by triggers (migrations/0006_distribution.sql), never here.
import { and, asc, gt, gte, isNotNull, lt, lte, max, min, sql } from 'drizzle-orm'
import { type Db, transactional } from '../db/client.js'
import { changes } from '../db/schema-distribution.js'
import type { Visibility } from '../http/visibility.js'
import { boundLimit, fixedLimit } from '../db/bound-limit.js'

export type ChangesRepository = ReturnType<typeof createChangesRepository>

export interface ChangeRow {
  seq: number
  type: 'article' | 'media'
  id: string
  action: 'upsert' | 'delete'
  at: string
}

export interface ChangesPage {
  data: ChangeRow[]
  /** The last change this caller has now seen, or looked past: where the next poll starts. */
  after: number
}

/** A cursor older than what is kept: some of the changes after it are gone. */
export class ChangesExpired extends Error {
  constructor(readonly oldestKept: number) {
    super('changes expired')
  }
}

/** Rows a prune deletes in one transaction, so that a first prune of a long log never holds the write lock for long. */
const PRUNE_BATCH = 5_000

const p = sql.placeholder

export function createChangesRepository(db: Db) {
  const head = db.select({ seq: max(changes.seq) }).from(changes).prepare()
  const tail = db.select({ seq: min(changes.seq) }).from(changes).prepare()
  const staff = db
    .select({ seq: changes.seq, type: changes.type, id: changes.id, action: changes.action, at: changes.at })
    .from(changes)
    .where(and(gt(changes.seq, p('after')), lte(changes.seq, p('until'))))
    .orderBy(asc(changes.seq))
    .limit(boundLimit())
    .prepare()
  // Readers see articles only, as their published state says; the partial index holds just those
  // rows. The action is the public one, never null here (the sql template only says so to the types).
  const readers = db
    .select({ seq: changes.seq, type: changes.type, id: changes.id, action: sql<'upsert' | 'delete'>`${changes.publicAction}`, at: changes.at })
    .from(changes)
    .where(and(gt(changes.seq, p('after')), lte(changes.seq, p('until')), isNotNull(changes.publicAction)))
    .orderBy(asc(changes.seq))
    .limit(boundLimit())
    .prepare()
  const firstKept = db.select({ seq: changes.seq }).from(changes).where(gte(changes.at, p('cutoff'))).orderBy(asc(changes.seq)).limit(fixedLimit(1)).prepare()
  const deleteBefore = db.delete(changes).where(lt(changes.seq, p('seq'))).prepare()

  const pruneBatch = transactional(db, (keepFrom: number): number => {
    const oldest = tail.get()?.seq
    if (oldest == null) return 0
    return deleteBefore.run({ seq: Math.min(keepFrom, oldest + PRUNE_BATCH) }).changes
  })

  return {
    /**
     * The changes after the cursor's this caller may see, oldest first; without a cursor, from the
     * oldest kept. The head is read first: every change numbered up to it was committed by then
     * (numbers are handed out inside the one write transaction SQLite allows at a time), so a page
     * never skips a change that commits later with a smaller number, and a page that is not full
     * moves the cursor up to the head. The oldest change kept is read after the rows: had
     * retention removed any after the cursor before they were read, it shows.
     */
    page(cursor: number | null, limit: number, visibility: Visibility): ChangesPage {
      const until = head.get()?.seq ?? 0
      const after = cursor ?? (tail.get()?.seq ?? until + 1) - 1
      const statement = visibility.includeUnpublished ? staff : readers
      const rows = statement.all({ after, until, limit: limit + 1 })
      const oldest = tail.get()?.seq ?? until + 1
      if (after < oldest - 1) throw new ChangesExpired(oldest)
      if (rows.length > limit) {
        const data = rows.slice(0, limit)
        return { data, after: data[data.length - 1]!.seq }
      }
      return { data: rows, after: Math.max(after, until) }
    },

    /** Deletes changes recorded before `cutoff` (ISO time), in batches; the newest change stays. Returns how many went. */
    prune(cutoff: string): number {
      const newest = head.get()?.seq
      if (newest == null) return 0
      // The newest change always stays, so that the oldest one kept tells how far the log was pruned.
      const keepFrom = Math.min(firstKept.get({ cutoff })?.seq ?? newest, newest)
      let total = 0
      for (let removed = pruneBatch(keepFrom); removed > 0; removed = pruneBatch(keepFrom)) total += removed
      return total
    },
  }
}
