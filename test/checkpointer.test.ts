// WAL checkpoints on a worker thread (src/db/checkpointer.ts): committed pages reach the database
// file without the main connection ever checkpointing, and stopping waits for the worker.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { FALLBACK_CHECKPOINT_PAGES, startCheckpointer } from '../src/db/checkpointer.js'
import { openDatabase } from '../src/db/client.js'

t.test('the worker copies committed pages into the database file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-checkpoint-'))
  const path = join(dir, 'cms.sqlite')
  const db = openDatabase(path)
  const sqlite = db.$client
  t.teardown(() => {
    if (sqlite.open) sqlite.close()
    rmSync(dir, { recursive: true, force: true })
  })
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  const before = statSync(path).size
  const errors: string[] = []
  const checkpointer = startCheckpointer(sqlite, 20, (message) => errors.push(message))
  t.equal(sqlite.pragma('wal_autocheckpoint', { simple: true }), FALLBACK_CHECKPOINT_PAGES, 'the main connection only checkpoints as a fallback')

  sqlite.exec('CREATE TABLE filler (text TEXT)')
  const insert = sqlite.prepare('INSERT INTO filler (text) VALUES (?)')
  // About 4 MB, well under the fallback threshold (64 MB): only the worker can move it.
  sqlite.transaction(() => {
    for (let i = 0; i < 1000; i++) insert.run('x'.repeat(4000))
  })()
  const deadline = Date.now() + 10_000
  while (statSync(path).size < before + 4_000_000 && Date.now() < deadline) await sleep(20)
  t.ok(statSync(path).size >= before + 4_000_000, `the database file grew by the rows (${statSync(path).size} bytes)`)
  await checkpointer.stop()
  t.same(errors, [], 'no error reported')
})

t.test('an in-memory database needs no worker', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const checkpointer = startCheckpointer(db.$client, 20, () => {})
  await checkpointer.stop()
  t.pass('stops at once')
})
