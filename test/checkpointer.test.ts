// WAL checkpoints on a worker thread (src/db/checkpointer.ts): committed pages reach the database
// file without the main connection ever checkpointing, and stopping waits for the worker. The
// worker file is found in both forms the code runs in: TypeScript under tap's loader, and tsc's
// output (what `npm start` runs).
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { CHECKPOINT_WORKER, type Checkpointer, FALLBACK_CHECKPOINT_PAGES, startCheckpointer } from '../src/db/checkpointer.js'
import { type Db, openDatabase } from '../src/db/client.js'
import { projectPath } from '../src/paths.js'
import { build } from './server-process.js'

type Start = (db: Db, errors: string[]) => Checkpointer

/** Writes ~4 MB (well under the fallback threshold of 64 MB) and waits for it to reach the file. */
async function checkpointsInto(t: Test, start: Start) {
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
  const checkpointer = start(db, errors)

  sqlite.exec('CREATE TABLE filler (text TEXT)')
  const insert = sqlite.prepare('INSERT INTO filler (text) VALUES (?)')
  sqlite.transaction(() => {
    for (let i = 0; i < 1000; i++) insert.run('x'.repeat(4000))
  })()
  const deadline = Date.now() + 20_000
  while (statSync(path).size < before + 4_000_000 && Date.now() < deadline) await sleep(20)
  t.ok(statSync(path).size >= before + 4_000_000, `the database file grew by the rows (${statSync(path).size} bytes)`)
  await checkpointer.stop()
  t.same(errors, [], 'no error reported')
}

t.test('from source: the worker copies committed pages into the database file', async (t) => {
  const probe = openDatabase(join(mkdtempSync(join(tmpdir(), 'cms-sync-')), 'cms.sqlite'))
  t.teardown(() => rmSync(dirname(probe.$client.name), { recursive: true, force: true }))
  // What the comment in src/db/client.ts promises rests on these two, and on this thread.
  t.equal(probe.$client.pragma('journal_mode', { simple: true }), 'wal', 'a file database runs in WAL mode')
  t.equal(probe.$client.pragma('synchronous', { simple: true }), 1, 'with synchronous = NORMAL: the WAL is synced by checkpoints')
  probe.$client.close()
  t.equal(fileURLToPath(CHECKPOINT_WORKER), projectPath('src', 'db', 'checkpoint-worker.ts'), 'the TypeScript file, under the loader')
  await checkpointsInto(t, (db, errors) => {
    const checkpointer = startCheckpointer(db, 20, (message) => errors.push(message))
    t.equal(db.$client.pragma('wal_autocheckpoint', { simple: true }), FALLBACK_CHECKPOINT_PAGES, 'the main connection only checkpoints as a fallback')
    return checkpointer
  })
})

t.test('compiled by tsc: the worker beside dist/src/db/checkpointer.js', async (t) => {
  await build()
  const compiled = (await import(projectPath('dist', 'src', 'db', 'checkpointer.js'))) as typeof import('../src/db/checkpointer.js')
  t.equal(fileURLToPath(compiled.CHECKPOINT_WORKER), projectPath('dist', 'src', 'db', 'checkpoint-worker.js'), 'the compiled file')
  await checkpointsInto(t, (db, errors) => compiled.startCheckpointer(db, 20, (message) => errors.push(message)))
})

t.test('an in-memory database needs no worker', async (t) => {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const checkpointer = startCheckpointer(db, 20, () => {})
  await checkpointer.stop()
  t.pass('stops at once')
})
