// The checkpoint thread (started by checkpointer.ts): its own connection to the database file,
// which copies committed pages from the WAL back into the file every `intervalMs`.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

export interface CheckpointWorkerData {
  path: string
  intervalMs: number
}

/** What the thread posts: the first failure only, so a broken file does not flood the log. */
export interface CheckpointFailure {
  error: string
}

const port = parentPort
if (port === null) throw new Error('checkpoint-worker.ts runs as a worker thread (see checkpointer.ts)')
const { path, intervalMs } = workerData as CheckpointWorkerData

const db = new Database(path, { fileMustExist: true })
let failed = false
const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can without waiting on the writer or making it wait.
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch (error) {
    if (!failed) port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies CheckpointFailure)
    failed = true
  }
}, intervalMs)

// Any message means stop.
port.once('message', () => {
  clearInterval(timer)
  db.close()
  port.close()
})
