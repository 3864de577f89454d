// Group commit: small writes that arrive together (readers' comments on a busy story) share one
// transaction. A commit costs far more than the rows in it (measured on a comment: ~220 µs
// alone, ~50 µs in a batch of 50), because each commit writes every page it touched to the WAL.
//
// A batch first runs as one plain transaction. Should any write in it throw, nothing of the
// batch is kept and it runs again with each write in its own nested transaction (a SAVEPOINT),
// so that the failing one is rolled back alone and rejects alone while the others commit.
// Savepoints are not the first try because they are not free: each one copies the pages the
// write touches aside, in case it must be undone, and that is half the cost of a batch of
// comments. Every promise settles only after the COMMIT, so a caller that answers
// "201 Created" has its row committed (durable as db/client.ts says: across a crash of the
// process, not always across a power loss).
//
// Writes may leave work for the end of their batch (BatchHooks): fifty comments on one story
// move its comment count once, by fifty, instead of rewriting the article's row fifty times.
import { type Db, transactional } from './client.js'

interface Pending {
  write: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/**
 * Work the writes put off to the end of their unit of commit: the whole batch when it runs as
 * one transaction, each write when they run apart.
 */
export interface BatchHooks {
  /** Runs inside the transaction, after the unit's writes: apply what they put off. */
  settle(): void
  /** The unit was rolled back: forget what its writes put off. */
  discard(): void
}

const NO_HOOKS: BatchHooks = { settle: () => {}, discard: () => {} }

/** Writes gathered during one turn of the event loop, at most this many per transaction. */
const MAX_BATCH = 256

export type GroupCommit = <T>(write: () => T) => Promise<T>

/**
 * Returns `run(write)`: `write` in a transaction of its own (a savepoint inside another), with
 * the hooks settled at its end, or discarded when it throws. One write alone, or one of a batch
 * set apart.
 */
export function unitOfCommit(db: Pick<Db, '$client'>, hooks: BatchHooks): <T>(write: () => T) => T {
  const inTransaction = transactional(db, (write: () => unknown) => {
    const value = write()
    hooks.settle()
    return value
  })
  return <T>(write: () => T): T => {
    try {
      return inTransaction(write) as T
    } catch (error) {
      hooks.discard()
      throw error
    }
  }
}

/**
 * Returns `enqueue(write)`: `write` runs inside a transaction at the end of the current
 * event-loop turn. It may run twice (when another write of its batch fails), so it must change
 * nothing but the database.
 */
export function groupCommit(db: Pick<Db, '$client'>, hooks: BatchHooks = NO_HOOKS): GroupCommit {
  let queue: Pending[] = []

  const together = transactional(db, (batch: Pending[]): Outcome[] => {
    const outcomes: Outcome[] = batch.map((item) => ({ ok: true, value: item.write() }))
    hooks.settle()
    return outcomes
  })
  const isolated = unitOfCommit(db, hooks)
  const apart = transactional(db, (batch: Pending[]): Outcome[] =>
    batch.map((item) => {
      try {
        return { ok: true, value: isolated(item.write) }
      } catch (error) {
        return { ok: false, error }
      }
    }),
  )

  function run(batch: Pending[]): Outcome[] {
    try {
      return together(batch)
    } catch (error) {
      hooks.discard()
      // A write of one alone has nothing to be set apart from.
      if (batch.length === 1) return [{ ok: false, error }]
      return apart(batch)
    }
  }

  function flush(): void {
    const batch = queue.splice(0, MAX_BATCH)
    if (queue.length > 0) setImmediate(flush)
    let outcomes
    try {
      outcomes = run(batch)
    } catch (error) {
      // The COMMIT itself failed (the disk is full, the lock never came): nothing was written.
      for (const item of batch) item.reject(error)
      return
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.value) : batch[i]!.reject(outcome.error)))
  }

  return <T>(write: () => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush)
      queue.push({ write, resolve: resolve as (value: unknown) => void, reject })
    })
}
