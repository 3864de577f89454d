// WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside whichever commit
// crosses the threshold, copying pages back into the database file and syncing it: on the
// server's one thread that stalled every few dozen comments for milliseconds (measured: a
// comment's transaction cost 550 µs with automatic checkpoints, 210 µs without). The worker
// (checkpoint-worker.ts) has its own connection and checkpoints PASSIVE-ly, never waiting on,
// nor blocking, the writer. The main connection keeps a high automatic threshold as a safety net
// should the worker fail.
import { Worker } from 'node:worker_threads'
import type { Db } from './client.js'
import type { CheckpointFailure, CheckpointWorkerData } from './checkpoint-worker.js'

/** Pages of WAL after which the main connection checkpoints by itself (the worker normally has). */
export const FALLBACK_CHECKPOINT_PAGES = 16_000

// The worker is this module's sibling, whichever form this module runs in: compiled
// (dist/src/db/checkpointer.js beside checkpoint-worker.js), or TypeScript under a loader
// (tap), where the worker needs the .ts file and that same loader.
const fromSource = import.meta.url.endsWith('.ts')
export const CHECKPOINT_WORKER = new URL(fromSource ? './checkpoint-worker.ts' : './checkpoint-worker.js', import.meta.url)

export interface Checkpointer {
  stop(): Promise<void>
}

/**
 * Leaves checkpoints of the file behind `db` to a checkpoint thread: its connection checkpoints
 * by itself only past the fallback. Every connection of the service needs this, the thread runs
 * in one process only (the holder of the background lease); false for `:memory:` and non-WAL.
 */
export function deferCheckpoints(db: Pick<Db, '$client'>): boolean {
  const sqlite = db.$client
  if (sqlite.memory || sqlite.pragma('journal_mode', { simple: true }) !== 'wal') return false
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`)
  return true
}

/** Starts checkpointing the file behind `db` every `intervalMs`; nothing to do for `:memory:`. */
export function startCheckpointer(db: Pick<Db, '$client'>, intervalMs: number, onError: (message: string) => void): Checkpointer {
  const sqlite = db.$client
  if (!deferCheckpoints(db)) return { stop: async () => {} }
  const workerData: CheckpointWorkerData = { path: sqlite.name, intervalMs }
  // Compiled, the worker gets no inherited flags (a test runner's coverage hooks): it needs none.
  // From source it inherits them, the TypeScript loader among them.
  const worker = new Worker(CHECKPOINT_WORKER, { workerData, ...(fromSource ? {} : { execArgv: [] }) })
  // A worker must never keep the process alive on its own.
  worker.unref()
  worker.on('message', (message: CheckpointFailure) => onError(message.error))
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
