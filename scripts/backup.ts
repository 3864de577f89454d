// Makes a consistent copy of the database while the service runs and writes:
//   npm run backup -- /backups/cms-2024-05-01.sqlite
// SQLite's online backup API copies page by page and restarts when a writer changes a page it
// has copied, so the copy is one consistent moment; writers are not blocked meanwhile.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { loadConfig } from '../src/config.js'

const target = process.argv[2]
if (!target || process.argv.length > 3) {
  process.stderr.write('usage: npm run backup -- <backup file>\n')
  process.exit(2)
}

const config = loadConfig()
if (config.databasePath === ':memory:') {
  process.stderr.write('DATABASE_PATH is :memory:; there is nothing on disk to back up.\n')
  process.exit(2)
}
if (!existsSync(config.databasePath)) {
  process.stderr.write(`No database at ${config.databasePath} (DATABASE_PATH).\n`)
  process.exit(1)
}
const file = resolve(target)
if (resolve(config.databasePath) === file) {
  process.stderr.write('The backup file must not be the database itself.\n')
  process.exit(2)
}
mkdirSync(dirname(file), { recursive: true })

// Opened without migrating: a backup copies what is there, whatever version it is.
const source = new Database(config.databasePath, { fileMustExist: true })
source.pragma('busy_timeout = 5000')
// Written beside the target and renamed at the end, so a failed run never leaves a partial file
// under the name an operator would restore from.
const partial = `${file}.partial`
try {
  const started = Date.now()
  await source.backup(partial)
  const copy = new Database(partial)
  try {
    // One self-contained file: no -wal to carry around with it.
    copy.pragma('journal_mode = DELETE')
    const check = copy.pragma('integrity_check', { simple: true })
    if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`)
  } finally {
    copy.close()
  }
  renameSync(partial, file)
  process.stdout.write(`Backed up ${config.databasePath} to ${file} in ${Date.now() - started} ms.\n`)
} catch (error) {
  rmSync(partial, { force: true })
  process.stderr.write(`Backup failed: ${(error as Error).message}\n`)
  process.exitCode = 1
} finally {
  source.close()
}
