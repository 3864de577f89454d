// The cluster's primary, when WORKERS > 1: it prepares the database once (migrations, the
// bootstrap key), forks the workers, which share the port and each run the whole service over
// the one SQLite file, restarts a worker that dies, and drains them all on SIGTERM or SIGINT.
// It answers no request and runs no background job itself: the holder of the background lease
// among the workers does (db/lease.ts).
import cluster, { type Worker } from 'node:cluster'
import { hostname } from 'node:os'
import { type Config, ConfigError, unusablePath } from './config.js'
import { closeDatabase, type Db, openDatabase } from './db/client.js'
import { createLeases, holderPrefix } from './db/lease.js'
import { createKeysRepository } from './keys/repository.js'

/** What a worker sends the primary when a setting stops its start (server.ts prints it once). */
export interface ConfigErrorMessage {
  configError: string
}

/** A worker that dies unexpectedly is started again after 0.25, 0.5, 1, 2, 4 s... */
const RESTART_DELAYS_MS = [250, 500, 1000, 2000, 4000]
/** ...as long as no more than that many died within this window; past it, the service stops. */
const CRASH_WINDOW_MS = 60_000
/** Past the workers' own 10 s of grace: survivors are killed, and the primary exits with 1. */
const SHUTDOWN_DEADLINE_MS = 15_000

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity }

/** JSON lines in the shape of the workers' (pino's), so one log reader takes both. */
function logger(level: string) {
  const threshold = LEVELS[level] ?? 30
  const write = (at: number, fields: object, msg: string) => {
    if (at < threshold) return
    process.stdout.write(`${JSON.stringify({ level: at, time: Date.now(), pid: process.pid, hostname: hostname(), role: 'primary', ...fields, msg })}\n`)
  }
  return {
    info: (fields: object, msg: string) => write(30, fields, msg),
    warn: (fields: object, msg: string) => write(40, fields, msg),
    error: (fields: object, msg: string) => write(50, fields, msg),
  }
}

/** Runs `fn` on a connection of its own to the database file, closed afterwards. */
function withDatabase<T>(config: Config, fn: (db: Db) => T): T {
  let db: Db
  try {
    db = openDatabase(config.databasePath)
  } catch (error) {
    throw unusablePath('DATABASE_PATH', config.databasePath, error) ?? error
  }
  try {
    return fn(db)
  } finally {
    closeDatabase(db)
  }
}

export async function runPrimary(config: Config, fail: (error: ConfigError) => Promise<never>): Promise<void> {
  const log = logger(config.logLevel)
  // Migrations here, once, before any worker opens the file: never two at once. The bootstrap
  // key too, which two workers starting together could otherwise both insert.
  try {
    withDatabase(config, (db) => {
      if (config.adminToken !== null) createKeysRepository(db).ensureAdmin(config.adminToken)
    })
  } catch (error) {
    if (error instanceof ConfigError) return fail(error)
    throw error
  }

  // Workers until their exit (cluster.workers may keep one a moment longer, until its channel closes).
  const live = new Set<Worker>()
  const listening = new Set<Worker>()
  const crashes: number[] = []
  const restarts = new Set<NodeJS.Timeout>()
  let started = false
  let stopping = false
  let failed = false
  // A bad setting: its one line is all the service says.
  let quiet = false

  function fork(): Worker {
    const worker = cluster.fork()
    live.add(worker)
    return worker
  }

  /** Stops every worker (a signal forwarded, graceful), then exits once all have. */
  function stopAll(signal: NodeJS.Signals, exitCode: number): void {
    if (stopping) return
    stopping = true
    if (exitCode !== 0) failed = true
    for (const timer of restarts) clearTimeout(timer)
    for (const worker of live) worker.process.kill(signal)
    setTimeout(() => {
      log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'workers still running at the deadline: killing them')
      killAll()
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS).unref()
    exitWhenEmpty()
  }

  function killAll(): void {
    for (const worker of live) worker.process.kill('SIGKILL')
  }

  function exitWhenEmpty(): void {
    if (live.size > 0) return
    if (!quiet) log.info({ exitCode: failed ? 1 : 0 }, 'all workers have exited')
    process.exit(failed ? 1 : 0)
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (!stopping) {
        log.info({ signal }, 'closing: draining every worker')
        stopAll(signal, 0)
        return
      }
      // A second signal: as for a lone process, exit at once with 1.
      log.error({ signal }, `second ${signal}: killing the workers`)
      killAll()
      process.exit(1)
    })
  }

  cluster.on('message', (_worker, message: Partial<ConfigErrorMessage>) => {
    if (typeof message?.configError !== 'string' || failed) return
    // Every worker would report the same line: the first is printed, the service stops.
    process.stderr.write(`Configuration error: ${message.configError}\n`)
    quiet = true
    stopAll('SIGTERM', 1)
  })

  cluster.on('listening', (worker, address) => {
    listening.add(worker)
    if (started || listening.size < config.workers) return
    started = true
    const pids = [...listening].map((w) => w.process.pid)
    log.info({ workers: config.workers, pids, port: address.port }, 'all workers listening')
  })

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker)
    listening.delete(worker)
    if (stopping) {
      // One that could not close cleanly (its own 10 s passed, or it was killed) fails the stop.
      if (code !== 0) failed = true
      return exitWhenEmpty()
    }
    const about = { worker: worker.id, workerPid: worker.process.pid, code, signal }
    // A start that fails before every worker listens would fail again: give up at once.
    if (!started) {
      log.error(about, 'a worker failed to start: stopping the service')
      return stopAll('SIGTERM', 1)
    }
    log.error(about, 'a worker exited unexpectedly')
    // Its background lease, if it held it, is free at once rather than when it expires.
    try {
      const pid = worker.process.pid
      if (pid !== undefined) withDatabase(config, (db) => createLeases(db).releaseHeldBy(holderPrefix(pid)))
    } catch (error) {
      log.warn({ err: String(error) }, 'could not release the dead worker\'s lease: it expires by itself')
    }
    const now = Date.now()
    crashes.push(now)
    while (crashes[0]! < now - CRASH_WINDOW_MS) crashes.shift()
    if (crashes.length > RESTART_DELAYS_MS.length) {
      log.error({ crashes: crashes.length, windowMs: CRASH_WINDOW_MS }, 'workers keep dying: stopping the service')
      return stopAll('SIGTERM', 1)
    }
    const delay = RESTART_DELAYS_MS[crashes.length - 1]!
    const timer = setTimeout(() => {
      restarts.delete(timer)
      if (stopping) return
      const next = fork()
      log.info({ worker: next.id, workerPid: next.process.pid, afterMs: delay }, 'worker started again')
    }, delay)
    restarts.add(timer)
  })

  for (let i = 0; i < config.workers; i++) fork()
}
