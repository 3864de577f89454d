// Group commit (src/db/group-commit.ts): writes that arrive together share one transaction, a
// failing one is rolled back alone, and no promise settles before its COMMIT.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { groupCommit } from '../src/db/group-commit.js'
import { createArticle, makeApp } from './helpers.js'

function files(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'cms-group-'))
  const path = join(dir, 'db.sqlite')
  const writer = new Database(path)
  writer.pragma('journal_mode = WAL')
  writer.exec('CREATE TABLE rows (n INTEGER PRIMARY KEY)')
  const reader = new Database(path, { readonly: true })
  t.teardown(() => {
    writer.close()
    reader.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { writer, reader }
}

t.test('writes of one moment share a transaction; each settles after the commit', async (t) => {
  const { writer, reader } = files(t)
  const enqueue = groupCommit({ $client: writer })
  const insert = writer.prepare('INSERT INTO rows (n) VALUES (?)')
  const countOutside = reader.prepare<[], number>('SELECT count(*) FROM rows').pluck()
  const seenOutside: number[] = []
  const writes = Array.from({ length: 300 }, (_, n) =>
    enqueue(
      writer.transaction(() => {
        insert.run(n)
        seenOutside.push(countOutside.get()!)
        return n
      }),
    ),
  )
  t.equal(countOutside.get(), 0, 'nothing runs before the end of the event-loop turn')
  const results = await Promise.all(writes)
  t.same(results, Array.from({ length: 300 }, (_, n) => n), 'each write gets its own result, in order')
  t.equal(countOutside.get(), 300, 'all committed')
  t.equal(seenOutside[200], 0, 'a write of the first batch sees nothing committed by the others: one transaction')
  t.equal(seenOutside[299], 256, 'at most 256 writes share a commit: the rest went in a second one')
})

t.test('a failing write rolls back alone', async (t) => {
  const { writer, reader } = files(t)
  const enqueue = groupCommit({ $client: writer })
  const insert = writer.prepare('INSERT INTO rows (n) VALUES (?)')
  const failing = writer.transaction(() => {
    insert.run(1000)
    throw new Error('the spam check changed its mind')
  })
  const outcomes = await Promise.allSettled([
    enqueue(writer.transaction(() => insert.run(1))),
    enqueue(failing),
    enqueue(writer.transaction(() => insert.run(1))),
    enqueue(writer.transaction(() => insert.run(2))),
  ])
  t.same(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    'the thrown error and the constraint violation reject their own writes only',
  )
  t.same(reader.prepare('SELECT n FROM rows ORDER BY n').pluck().all(), [1, 2], 'and leave no row behind')
})

t.test('plain writes: one transaction when all succeed; when one throws, the batch runs again with each set apart', async (t) => {
  const { writer, reader } = files(t)
  const enqueue = groupCommit({ $client: writer })
  const insert = writer.prepare('INSERT INTO rows (n) VALUES (?)')
  const runs = new Map<number, number>()
  const write = (n: number) => () => {
    runs.set(n, (runs.get(n) ?? 0) + 1)
    insert.run(n) // a second row numbered n violates the primary key
    return n
  }

  t.same(await Promise.all([enqueue(write(1)), enqueue(write(2)), enqueue(write(3))]), [1, 2, 3])
  t.same([...runs.values()], [1, 1, 1], 'with no failure each write runs once')

  runs.clear()
  const outcomes = await Promise.allSettled([enqueue(write(4)), enqueue(write(2)), enqueue(write(5)), enqueue(write(4))])
  t.same(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
    'the writes that fail reject, and only they',
  )
  // Together: 4, then 2 throws and the rest never runs. Apart: 4, 2 (fails), 5, 4 (fails).
  t.same(Object.fromEntries(runs), { 4: 3, 2: 2, 5: 1 }, 'the batch ran again, each write apart')
  t.same(reader.prepare('SELECT n FROM rows ORDER BY n').pluck().all(), [1, 2, 3, 4, 5], 'each row once: the first run left nothing')

  const alone = await Promise.allSettled([enqueue(write(5))])
  t.equal(alone[0]!.status, 'rejected', 'a write alone that fails is rejected without a second run')
  t.equal(runs.get(5), 2)
})

t.test('batch hooks: what the writes put off is settled once per commit, and forgotten with a rollback', async (t) => {
  const { writer, reader } = files(t)
  writer.exec('CREATE TABLE totals (id INTEGER PRIMARY KEY, sum INTEGER NOT NULL, settles INTEGER NOT NULL); INSERT INTO totals VALUES (1, 0, 0)')
  let putOff = 0
  const calls: string[] = []
  const enqueue = groupCommit({ $client: writer }, {
    settle() {
      calls.push(`settle ${putOff}`)
      writer.prepare('UPDATE totals SET sum = sum + ?, settles = settles + 1').run(putOff)
      putOff = 0
    },
    discard() {
      calls.push(`discard ${putOff}`)
      putOff = 0
    },
  })
  const insert = writer.prepare('INSERT INTO rows (n) VALUES (?)')
  const write = (n: number) => () => {
    insert.run(n)
    putOff += n
    return n
  }
  const totals = () => reader.prepare('SELECT sum, settles FROM totals').get()

  await Promise.all([1, 2, 3].map((n) => enqueue(write(n))))
  t.same(calls, ['settle 6'], 'one settle for the batch, after all its writes')
  t.same(totals(), { sum: 6, settles: 1 })

  calls.length = 0
  const outcomes = await Promise.allSettled([enqueue(write(10)), enqueue(write(20)), enqueue(write(2)), enqueue(write(30))])
  t.same(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
  // Together: 10 and 20 put off 30, then 2 throws: discarded. Apart: one settle per write that
  // stands; the failing one's share is discarded with its savepoint.
  t.same(calls, ['discard 30', 'settle 10', 'settle 20', 'discard 0', 'settle 30'])
  t.same(totals(), { sum: 66, settles: 4 }, 'the rows that stand are counted once each, the failed one not at all')
  t.same(reader.prepare('SELECT n FROM rows ORDER BY n').pluck().all(), [1, 2, 3, 10, 20, 30])
})

t.test('when the commit itself fails, every write of the batch is rejected and nothing is kept', async (t) => {
  const { writer, reader } = files(t)
  const enqueue = groupCommit({ $client: writer })
  const insert = writer.prepare('INSERT INTO rows (n) VALUES (?)')
  // A second connection holding the write lock makes BEGIN IMMEDIATE give up at once.
  writer.pragma('busy_timeout = 0')
  const blocker = new Database(writer.name)
  t.teardown(() => blocker.close())
  blocker.exec('BEGIN IMMEDIATE')
  const outcomes = await Promise.allSettled([enqueue(writer.transaction(() => insert.run(1))), enqueue(writer.transaction(() => insert.run(2)))])
  blocker.exec('ROLLBACK')
  t.same(outcomes.map((o) => o.status), ['rejected', 'rejected'])
  t.equal(reader.prepare('SELECT count(*) FROM rows').pluck().get(), 0)
})

t.test('fifty readers commenting at once: every comment answered 201 is stored and counted', async (t) => {
  const ta = await makeApp(t, { COMMENT_MODERATION: 'post', COMMENT_RATE_LIMIT: '0' })
  const article = await createArticle(ta, { title: 'Reservoir levels back to normal' }, { published: true })
  const sqlite = ta.app.db.$client
  // Each write of an article's row logs its surrogate key once (a trigger).
  const logged = sqlite.prepare<[string], number>('SELECT count(*) FROM invalidations WHERE key = ?').pluck()
  const articleWrites = () => logged.get(`article-${article.id}`)!
  const before = articleWrites()
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      ta.app.inject({
        method: 'POST',
        url: `/v1/articles/${article.id}/comments`,
        payload: { authorName: `Reader ${i}`, body: `Comment number ${i} on the reservoir.` },
      }),
    ),
  )
  t.same(new Set(answers.map((a) => a.statusCode)), new Set([201]))
  const ids = new Set(answers.map((a) => a.json().id))
  t.equal(ids.size, 50, 'fifty distinct comments')
  t.equal(articleWrites() - before, 1, "the article's count moved once for the batch, not once per comment")
  t.equal(sqlite.prepare('SELECT count(*) FROM comments WHERE article_id = ?').pluck().get(article.id), 50)
  t.equal(sqlite.prepare('SELECT count(*) FROM comment_moderations WHERE article_id = ?').pluck().get(article.id), 50, 'each with its audit row')
  const read = await ta.app.inject({ url: `/v1/articles/${article.id}` })
  t.equal(read.json().commentCount, 50, 'and counted')
})
