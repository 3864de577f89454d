// WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside whichever commit
// crosses the threshold, copying pages back into the database file and syncing it: on the
// server's one thread that stalled every few dozen comments for milliseconds (measured: a
// comment's transaction cost 550 µs with automatic checkpoints, 210 µs without). The worker has
// its own connection and checkpoints PASSIVE-ly (never waiting on, nor blocking, the writer).
// The main connection keeps a high automatic threshold as a safety net should the worker fail.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Database } from 'better-sqlite3'

/** Pages of WAL after which the main connection checkpoints by itself (the worker normally has). */
export const FALLBACK_CHECKPOINT_PAGES = 16_000

// Plain JavaScript run by the worker (as a module or a script, whichever Node picks for eval
// code): no loader or TypeScript involved, whatever runs the app.
const WORKER = `
;(async () => {
  const { parentPort, workerData } = await import('node:worker_threads')
  const { createRequire } = await import('node:module')
  const Database = createRequire(workerData.driver)(workerData.driver)
  const db = new Database(workerData.path, { fileMustExist: true })
  let failed = false
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)')
    } catch (error) {
      if (!failed) parentPort.postMessage({ error: String(error && error.message) })
      failed = true
    }
  }, workerData.intervalMs)
  parentPort.on('message', () => {
    clearInterval(timer)
    try {
      db.close()
    } catch {
      // The file may be gone already (a test's folder removed first): nothing is left to do.
    }
    parentPort.close()
  })
})()
`

export interface Checkpointer {
  stop(): Promise<void>
}

/** Starts checkpointing the file behind `sqlite` every `intervalMs`; nothing to do for `:memory:`. */
export function startCheckpointer(sqlite: Database, intervalMs: number, onError: (message: string) => void): Checkpointer {
  if (sqlite.memory || sqlite.pragma('journal_mode', { simple: true }) !== 'wal') return { stop: async () => {} }
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`)
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  // No inherited loaders or flags (a test runner's TypeScript and coverage hooks): the code is plain.
  const worker = new Worker(WORKER, { eval: true, execArgv: [], workerData: { driver, path: sqlite.name, intervalMs } })
  // A worker must never keep the process alive on its own.
  worker.unref()
  worker.on('message', (message: { error?: string }) => onError(message.error ?? 'unknown error'))
  worker.on('error', (error) => onError(error.message))
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  return {
    stop: async () => {
      // Referenced again while it finishes: otherwise a process with nothing else left to do
      // would end before the worker has closed its connection (and before this promise settles).
      worker.ref()
      worker.postMessage('stop')
      await exited
    },
  }
}
