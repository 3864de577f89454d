// Backup and restore: `npm run backup` (dist/scripts/backup.js) copies the database with
// SQLite's online backup API while the real server runs and writes; the copy passes the
// integrity and foreign-key checks, holds every article acknowledged before it began, and a
// server restored onto it (the steps in docs/operations.md) serves them.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { build, call, kill, runScript, startServer } from './server-process.js'

const ADMIN = 'backup-test-admin-token-0123456789'

t.before(build)

t.test('a backup taken under write load is consistent and restores', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-backup-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env = { DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media'), CMS_ADMIN_TOKEN: ADMIN, COMMENT_RATE_LIMIT: '0', COMMENT_MODERATION: 'post' }
  const server = await startServer(env)
  t.teardown(() => kill(server))

  let acked = 0
  let stop = false
  let enough!: () => void
  const sixtyAcked = new Promise<void>((resolve) => (enough = resolve))
  const story = await call(server.base, 'POST', '/v1/articles', ADMIN, { title: 'Commented story' })
  await call(server.base, 'POST', `/v1/articles/${story.json.id}/publish`, ADMIN)
  acked += 1
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const res = await call(server.base, 'POST', '/v1/articles', ADMIN, { title: `Backed up ${w}-${i}`, tags: ['backup'], body: [{ type: 'paragraph', text: 'x'.repeat(2000) }] })
      if (res.status === 201) {
        acked += 1
        if (acked === 60) enough()
      } else t.fail(`write: ${res.status}`)
      await call(server.base, 'POST', `/v1/articles/${story.json.id}/comments`, null, { authorName: 'Reader', body: `Remark ${w}-${i}` })
    }
  }
  const writers = [1, 2, 3, 4].map(writer)
  await sixtyAcked

  const file = join(dir, 'backups', 'cms-backup.sqlite')
  const ackedBefore = acked
  const result = await runScript('backup', [file], { env: { DATABASE_PATH: env.DATABASE_PATH } })
  const ackedAfter = acked
  stop = true
  await Promise.all(writers)
  t.match(result.stdout, /Backed up .* to .*cms-backup\.sqlite/, 'the script reports the copy')
  t.ok(ackedAfter > ackedBefore, `writes went on during the backup (${ackedAfter - ackedBefore} acknowledged meanwhile)`)
  t.notOk(existsSync(`${file}.partial`), 'no partial file left')
  t.notOk(existsSync(`${file}-wal`), 'one self-contained file')

  const copy = new Database(file, { readonly: true })
  t.same(copy.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check: ok')
  t.same(copy.pragma('foreign_key_check'), [], 'foreign_key_check: nothing')
  const count = copy.prepare('SELECT count(*) FROM articles').pluck().get() as number
  t.ok(count >= ackedBefore, `the copy holds every article acknowledged before it began (${count} ≥ ${ackedBefore})`)
  t.equal(copy.prepare('SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM articles_fts f WHERE f.rowid = a.seq)').pluck().get(), 0, 'with their search rows')
  copy.close()

  // Restore as docs/operations.md says: service stopped, copy in place, no stale -wal/-shm, start.
  const restored = join(dir, 'restored.sqlite')
  copyFileSync(file, restored)
  for (const suffix of ['-wal', '-shm']) rmSync(restored + suffix, { force: true })
  const again = await startServer({ ...env, DATABASE_PATH: restored })
  t.teardown(() => kill(again))
  const list = await call(again.base, 'GET', '/v1/articles?status=draft&tag=backup&limit=100', ADMIN)
  t.equal(list.status, 200, 'the restored service answers')
  t.ok(list.json.data.length >= Math.min(100, ackedBefore - 1), 'with the backed-up articles')
  const comment = await call(again.base, 'POST', `/v1/articles/${story.json.id}/comments`, null, { authorName: 'Reader', body: 'After the restore' })
  t.equal(comment.status, 201, 'and takes writes')

  const bad = await runScript('backup', [], { env: { DATABASE_PATH: env.DATABASE_PATH } }).catch((error: { code: number; stderr: string }) => error)
  t.equal((bad as { code: number }).code, 2, 'no file given: usage, status 2')
})
