// Leases (src/db/lease.ts): two connections to one database file stand for two worker
// processes. Only one holds a lease at a time; it passes on when released or expired; the jobs
// under a lease run in one holder at a time and move with it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { type BackgroundJob, createLeases, holderName, holderPrefix, type LeasedJobs, runUnderLease } from '../src/db/lease.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

/** Two connections to one fresh database file, closed on teardown. */
function twoConnections(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'cms-lease-'))
  const first = openDatabase(join(dir, 'cms.sqlite'))
  const second = openDatabase(join(dir, 'cms.sqlite'))
  t.teardown(() => {
    closeDatabase(first)
    closeDatabase(second)
    rmSync(dir, { recursive: true, force: true })
  })
  return { first, second }
}

/** Resolves once `check` holds; fails the wait after two seconds. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 2 s: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

t.test('one holder at a time; a release or an expiry hands the lease over', async (t) => {
  const { first, second } = twoConnections(t)
  const a = createLeases(first)
  const b = createLeases(second)
  const holderA = holderName()
  const holderB = holderName()
  t.not(holderA, holderB, 'each start of a process has a name of its own')
  t.ok(holderA.startsWith(holderPrefix(process.pid)), 'beginning with the host and pid')

  t.equal(a.acquire('background', holderA, 60_000), true, 'the first to ask takes it')
  t.equal(b.acquire('background', holderB, 60_000), false, 'the other cannot while it lasts')
  t.equal(a.acquire('background', holderA, 60_000), true, 'its holder renews it')
  t.equal(b.holderOf('background'), holderA, 'both connections see the one holder')
  t.equal(b.acquire('other', holderB, 60_000), true, 'another name is another lease')

  b.release('background', holderB)
  t.equal(a.holderOf('background'), holderA, 'only the holder can release it')
  a.release('background', holderA)
  t.equal(a.holderOf('background'), null, 'released')
  t.equal(b.acquire('background', holderB, 60_000), true, 'the other takes it at once after a release')

  t.equal(b.acquire('background', holderB, 1), true, 'renewed for a millisecond only')
  const expired = Date.now() + 2
  await until(() => Date.now() > expired, 'the clock moves on')
  t.equal(a.acquire('background', holderA, 60_000), true, 'an expired lease is taken over')
  t.equal(b.acquire('background', holderB, 60_000), false, 'and its former holder cannot renew it')

  t.equal(b.releaseHeldBy(holderPrefix(process.pid)), 2, 'the leases of a process known to be gone are freed by its pid')
  t.same([a.holderOf('background'), a.holderOf('other')], [null, null])
})

/** A job that counts how often it runs at once, in whichever runner. */
function countingJob(state: { running: number; most: number; starts: number }): BackgroundJob {
  return {
    name: 'counting',
    start() {
      state.starts += 1
      state.running += 1
      state.most = Math.max(state.most, state.running)
      return async () => {
        state.running -= 1
      }
    },
  }
}

t.test('jobs under a lease run in one process, and move when it stops or loses the lease', async (t) => {
  const { first, second } = twoConnections(t)
  const state = { running: 0, most: 0, starts: 0 }
  const times = { ttlMs: 300, renewMs: 20 }
  const runners: LeasedJobs[] = []
  const run = (db: typeof first) => {
    const runner = runUnderLease([countingJob(state)], { leases: createLeases(db), name: 'background', times, log: silent })
    runners.push(runner)
    t.teardown(() => runner.stop())
    return runner
  }
  const a = run(first)
  const b = run(second)
  t.equal(a.holding(), true, 'the first runner takes the lease at once and starts the jobs')
  t.equal(b.holding(), false, 'the second does not')
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(state.running, 1, 'after several renewals, the jobs still run once')

  await a.stop()
  t.equal(a.holding(), false, 'stopped: its jobs stopped')
  await until(() => b.holding(), 'the second runner takes over after the release')
  t.equal(state.running, 1, 'the jobs run in the second runner now')

  // The second runner stalls past its lease (its renewals are lost), and a third takes it over.
  const leases = createLeases(first)
  first.$client.prepare("UPDATE leases SET expires_at = '2000-01-01T00:00:00.000Z'").run()
  t.equal(leases.acquire('background', holderName(), 60_000), true, 'another process takes the expired lease')
  await until(() => !b.holding(), 'the second runner notices at its next renewal')
  await until(() => state.running === 0, 'and stops its jobs')
  t.equal(state.most, 1, 'never were the jobs running in two runners at once')
  t.equal(state.starts, 2)
})

t.test('a job that fails to start is logged, and the others run', async (t) => {
  const { first } = twoConnections(t)
  const errors: string[] = []
  const state = { running: 0, most: 0, starts: 0 }
  const broken: BackgroundJob = {
    name: 'broken',
    start() {
      throw new Error('cannot start')
    },
  }
  const runner = runUnderLease([broken, countingJob(state)], {
    leases: createLeases(first),
    name: 'background',
    log: { ...silent, error: (fields: object, message: string) => errors.push(`${(fields as { job?: string }).job}: ${message}`) },
  })
  t.equal(state.running, 1)
  await runner.stop()
  t.same(errors, ['broken: a background job failed to start'])
  t.equal(state.running, 0, 'stopped')
  t.equal(createLeases(first).holderOf('background'), null, 'and the lease released')
})
