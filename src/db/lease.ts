// Leases in the database: which process runs the background jobs. Every worker of WORKERS (and
// any second service wrongly started on the same file) tries to take the one named lease; the
// one that holds it runs the jobs and renews it well before it expires, the others try again
// now and then and take over once it is released (a graceful stop) or has expired (a crash).
// Each job also stays safe on its own should two ever overlap (a delivery is claimed row by row,
// a scheduled article is published in a transaction that checks it is still due): the lease
// makes them run once, not merely correctly.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { and, eq, lte, or, sql } from 'drizzle-orm'
import { type Db, transactional } from './client.js'
import { leases } from './schema-background.js'

export interface LeaseTimes {
  /** How long a taken or renewed lease lasts unless renewed again. */
  ttlMs: number
  /** How often the holder renews it, and the others try to take it. */
  renewMs: number
}

/**
 * Renewed every 2 s, so a holder misses four renewals (a database busy for seconds) before
 * losing it; a released lease is taken within 2 s, an expired one within 12 s. Each renewal
 * is one small write, negligible beside the service's own.
 */
export const LEASE_TIMES: Readonly<LeaseTimes> = Object.freeze({ ttlMs: 10_000, renewMs: 2_000 })

/**
 * A name for this process as a holder, unique to this start of it: the host and pid first, so
 * that the cluster's primary can free the leases of a worker it saw die (`releaseHeldBy`).
 */
export function holderName(pid: number = process.pid): string {
  return `${holderPrefix(pid)}${randomBytes(6).toString('hex')}`
}

/** What every holder name of process `pid` on this host starts with. */
export function holderPrefix(pid: number): string {
  return `${hostname()}:${pid}:`
}

export type Leases = ReturnType<typeof createLeases>

export function createLeases(db: Db) {
  const p = sql.placeholder
  // Taken when nobody has it, renewed by its holder, taken over once expired; otherwise untouched.
  const take = db
    .insert(leases)
    .values({ name: p('name'), holder: p('holder'), expiresAt: p('expiresAt') })
    .onConflictDoUpdate({
      target: leases.name,
      // Raw: `excluded` (the row that failed to insert) has no name in Drizzle.
      set: { holder: sql`excluded.holder`, expiresAt: sql`excluded.expires_at` },
      setWhere: or(eq(leases.holder, sql`excluded.holder`), lte(leases.expiresAt, p('now'))),
    })
    .prepare()
  const give = db
    .delete(leases)
    .where(and(eq(leases.name, p('name')), eq(leases.holder, p('holder'))))
    .prepare()
  const held = db.select({ name: leases.name, holder: leases.holder }).from(leases).prepare()

  return {
    /**
     * Takes or renews lease `name` for `holder` until `ttlMs` from now; true when `holder` holds
     * it. One statement, which takes the write lock before it reads: two processes can never
     * both see the lease free.
     */
    acquire: transactional(db, (name: string, holder: string, ttlMs: number): boolean => {
      const now = Date.now()
      const expiresAt = new Date(now + ttlMs).toISOString()
      return take.run({ name, holder, expiresAt, now: new Date(now).toISOString() }).changes === 1
    }),

    /** Lets lease `name` go, if `holder` still holds it. */
    release(name: string, holder: string): void {
      give.run({ name, holder })
    },

    /** Who holds lease `name` (expired or not); null when nobody does. */
    holderOf(name: string): string | null {
      return held.all().find((lease) => lease.name === name)?.holder ?? null
    },

    /** Lets go every lease whose holder's name starts with `prefix` (a process known to be gone). */
    releaseHeldBy(prefix: string): number {
      let released = 0
      for (const lease of held.all()) if (lease.holder.startsWith(prefix)) released += give.run(lease).changes
      return released
    },
  }
}

/** A background job: `start` begins it and returns how to stop it. */
export interface BackgroundJob {
  name: string
  start(): () => void | Promise<void>
}

export interface LeasedJobs {
  /** Whether this process holds the lease (and so runs the jobs) right now. */
  holding(): boolean
  /** Stops the jobs if they run, then releases the lease so that another process takes over at once. */
  stop(): Promise<void>
}

interface Log {
  debug(object: object, message: string): void
  info(object: object, message: string): void
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

export interface LeasedJobsOptions {
  leases: Leases
  /** The lease's name: the jobs of one name run in one process at a time. */
  name: string
  times?: LeaseTimes
  log: Log
}

/**
 * Runs `jobs` while this process holds lease `name`: tries to take it now (so that a lone
 * process starts its jobs at once, as it always did) and every `renewMs` after; starts the
 * jobs when it is taken, stops them should it be lost (this process stalled past its expiry
 * and another took over).
 */
export function runUnderLease(jobs: readonly BackgroundJob[], options: LeasedJobsOptions): LeasedJobs {
  const { leases: store, name, log } = options
  const holder = holderName()
  const times = options.times ?? LEASE_TIMES
  let stops: (() => void | Promise<void>)[] | null = null
  // Until when the lease is surely ours, by the last renewal that succeeded.
  let heldUntil = 0
  let stopping: Promise<void> | null = null
  let winding: Promise<void> | null = null

  function startJobs() {
    stops = []
    for (const job of jobs) {
      try {
        stops.push(job.start())
      } catch (error) {
        log.error({ err: error, job: job.name }, 'a background job failed to start')
      }
    }
  }

  async function stopJobs() {
    const running = stops ?? []
    stops = null
    for (const stop of running) {
      try {
        await stop()
      } catch (error) {
        log.error({ err: error }, 'a background job failed to stop')
      }
    }
  }

  function tick(first = false) {
    // Closing, or still stopping the jobs after a loss: nothing to decide until that is done.
    if (stopping !== null || winding !== null) return
    const at = Date.now()
    let taken: boolean
    try {
      taken = store.acquire(name, holder, times.ttlMs)
      if (taken) heldUntil = at + times.ttlMs
    } catch (error) {
      // A busy or failing database: the lease is still ours while the last renewal lasts (and
      // will still last at the next try), since nobody can take it before it expires.
      log.warn({ err: error, lease: name }, 'renewing the background lease failed')
      taken = stops !== null && at + times.renewMs < heldUntil
    }
    if (taken && stops === null) {
      // Taken at start, as a lone service always does: nothing worth a line at info.
      if (first) log.debug({ lease: name, holder }, 'took the background lease: the background jobs run in this process')
      else log.info({ lease: name, holder }, 'took over the background lease: the background jobs run in this process now')
      startJobs()
    } else if (!taken && stops !== null) {
      log.warn({ lease: name, holder }, 'lost the background lease: stopping the background jobs here')
      winding = stopJobs().finally(() => (winding = null))
    }
  }

  tick(true)
  const timer = setInterval(tick, times.renewMs)
  timer.unref()

  return {
    holding: () => stops !== null,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer)
        await winding
        const held = stops !== null
        await stopJobs()
        if (!held) return
        try {
          store.release(name, holder)
        } catch (error) {
          // It expires by itself then.
          log.warn({ err: error, lease: name }, 'releasing the background lease failed')
        }
      })()
      return stopping
    },
  }
}
