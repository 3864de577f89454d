// The change feed: each caller's view (readers: upserts of published articles and tombstones
// when one stops being visible, never a draft; editors: everything, media included), commit
// order with cursors that neither skip nor repeat while writes go on, and retention with 410.
import t from 'tap'
import { buildApp } from '../src/app.js'
import { createChangesRepository } from '../src/changes/repository.js'
import { openDatabase } from '../src/db/client.js'
import { auth, createArticle, makeApp, testConfig, type TestApp } from './helpers.js'
import { insertMedia, patch, unpublish } from './distribution-fixtures.js'

interface Change {
  seq: number
  type: string
  id: string
  action: string
  at: string
}

/** Every change the caller sees from `cursor` on, page after page, and the cursor to poll with next. */
async function readAll(ta: TestApp, headers: Record<string, string> = {}, cursor?: string, limit = 100): Promise<{ changes: Change[]; cursor: string }> {
  const changes: Change[] = []
  for (;;) {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor === undefined ? {} : { cursor }) })
    const res = await ta.app.inject({ url: `/v1/changes?${query}`, headers })
    if (res.statusCode !== 200) throw new Error(`changes: ${res.statusCode} ${res.body}`)
    const page = res.json() as { data: Change[]; nextCursor: string }
    changes.push(...page.data)
    if (typeof page.nextCursor !== 'string') throw new Error('nextCursor must always be set')
    cursor = page.nextCursor
    if (page.data.length < limit) return { changes, cursor }
  }
}

const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.id} ${c.action}`)

t.test('readers see published articles come and go; editors see every change, media too', async (t) => {
  const ta = await makeApp(t)
  const editor = auth(ta.editor)
  const never = await createArticle(ta, { title: 'A draft that is never published' })
  await patch(ta, never.id, { summary: 'Still a draft' })
  const story = await createArticle(ta, { title: 'The story' })
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${story.id}/publish`, headers: editor })
  await patch(ta, story.id, { summary: 'Changed while published' })
  await unpublish(ta, story.id)
  await patch(ta, story.id, { summary: 'Edited as a draft' })
  await ta.app.inject({ method: 'POST', url: `/v1/articles/${story.id}/publish`, headers: editor })
  await patch(ta, story.id, { status: 'archived' })
  await ta.app.inject({ method: 'DELETE', url: `/v1/articles/${story.id}`, headers: editor })
  await ta.app.inject({ method: 'DELETE', url: `/v1/articles/${never.id}`, headers: editor })
  const live = await createArticle(ta, { title: 'Live and deleted' }, { published: true })
  await ta.app.inject({ method: 'DELETE', url: `/v1/articles/${live.id}`, headers: editor })

  const reader = await readAll(ta)
  t.same(brief(reader.changes), [
    `article ${story.id} upsert`, // published
    `article ${story.id} upsert`, // changed while published
    `article ${story.id} delete`, // unpublished: a tombstone
    `article ${story.id} upsert`, // published again
    `article ${story.id} delete`, // archived: a tombstone
    `article ${live.id} upsert`,
    `article ${live.id} delete`, // deleted while published
  ], 'no draft ever; tombstones when a story stops being visible; nothing when an archived story is deleted')
  t.notOk(reader.changes.some((c) => c.id === never.id), 'the draft that was never published never appears')

  const staff = await readAll(ta, editor)
  t.same(brief(staff.changes), [
    `article ${never.id} upsert`,
    `article ${never.id} upsert`,
    `article ${story.id} upsert`,
    `article ${story.id} upsert`,
    `article ${story.id} upsert`,
    `article ${story.id} upsert`,
    `article ${story.id} upsert`,
    `article ${story.id} upsert`,
    `article ${story.id} upsert`,
    `article ${story.id} delete`,
    `article ${never.id} delete`,
    `article ${live.id} upsert`,
    `article ${live.id} upsert`,
    `article ${live.id} delete`,
  ])
  const seqs = staff.changes.map((c) => c.seq)
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'in commit order')
  t.equal(new Set(seqs).size, seqs.length)
  for (const change of staff.changes) t.match(change.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  const moderator = await readAll(ta, auth(ta.moderator))
  t.same(moderator.changes, reader.changes, 'moderators see what readers see')
})

t.test('media: entries for editors; a new caption is an upsert of each published story that shows it', async (t) => {
  const ta = await makeApp(t)
  const start = (await readAll(ta, auth(ta.editor))).cursor
  const picture = insertMedia(ta)
  const shown = await createArticle(ta, { title: 'Shows the picture', leadMediaId: picture }, { published: true })
  const draft = await createArticle(ta, { title: 'Draft with the picture', body: [{ type: 'media', mediaId: picture }] })
  const readerStart = (await readAll(ta)).cursor
  const editorStart = (await readAll(ta, auth(ta.editor))).cursor
  const res = await ta.app.inject({ method: 'PATCH', url: `/v1/media/${picture}`, headers: auth(ta.editor), payload: { caption: 'A corrected caption' } })
  t.equal(res.statusCode, 200)

  t.same(brief((await readAll(ta, {}, readerStart)).changes), [`article ${shown.id} upsert`], 'readers: the published story only')
  t.same(brief((await readAll(ta, auth(ta.editor), editorStart)).changes), [`media ${picture} upsert`, `article ${shown.id} upsert`])
  const all = brief((await readAll(ta, auth(ta.editor), start)).changes)
  t.equal(all[0], `media ${picture} upsert`, 'the upload')
  t.notOk(all.includes(`article ${draft.id} delete`))
  t.notOk((await readAll(ta)).changes.some((c) => c.type === 'media'), 'no media entry for readers')
})

t.test('cursors: always set, resume where they left off, page after page', async (t) => {
  const ta = await makeApp(t)
  const empty = await ta.app.inject('/v1/changes')
  t.same(empty.json().data, [])
  t.type(empty.json().nextCursor, 'string', 'set even when there is nothing')
  for (let i = 0; i < 5; i++) await createArticle(ta, { title: `Story ${i}` }, { published: true })
  const paged = await readAll(ta, {}, empty.json().nextCursor, 2)
  t.equal(paged.changes.length, 5, 'five publications, two a page')
  const again = await ta.app.inject(`/v1/changes?cursor=${paged.cursor}`)
  t.same(again.json().data, [], 'nothing new')
  t.equal(again.json().nextCursor, paged.cursor, 'and the cursor stays')
  // A reader's cursor moves past changes hidden from it, so it stays close to the head. (A page
  // kept in a cache may still hand out the older cursor: the draft logs nothing readers see,
  // and the older cursor loses nothing either. Another URL, so that this read is made afresh.)
  await createArticle(ta, { title: 'A draft' })
  const past = await ta.app.inject(`/v1/changes?cursor=${paged.cursor}&limit=50`)
  t.same(past.json().data, [])
  t.not(past.json().nextCursor, paged.cursor, 'moved past the draft')
  for (const bad of ['nonsense', 'WyJ4Il0', Buffer.from('[1,2]').toString('base64url')]) {
    const res = await ta.app.inject(`/v1/changes?cursor=${bad}`)
    t.equal(res.statusCode, 400, bad)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  t.equal((await ta.app.inject('/v1/changes?limit=101')).statusCode, 400)
  const anonymous = await ta.app.inject('/v1/changes')
  t.match(anonymous.headers['cache-control'], /^public, max-age=/)
  t.equal(anonymous.headers['surrogate-key'], 'changes', 'keyed by what a change readers see logs')
  t.equal((await ta.app.inject({ url: '/v1/changes', headers: auth(ta.editor) })).headers['cache-control'], 'private, no-store')
})

t.test('writes between pages: no change skipped, none repeated', async (t) => {
  const ta = await makeApp(t)
  const ids: string[] = []
  for (let i = 0; i < 4; i++) ids.push((await createArticle(ta, { title: `Seed ${i}` }, { published: true })).id)
  const seen: Change[] = []
  let cursor: string | undefined
  for (let round = 0; round < 12; round++) {
    const res = await ta.app.inject({ url: `/v1/changes?limit=3${cursor ? `&cursor=${cursor}` : ''}`, headers: auth(ta.editor) })
    seen.push(...res.json().data)
    cursor = res.json().nextCursor
    // Between pages: a new story, an edit and, now and then, a deletion.
    const made = await createArticle(ta, { title: `Round ${round}` }, { published: round % 2 === 0 })
    ids.push(made.id)
    await patch(ta, ids[round]!, { summary: `Edit ${round}` })
    if (round % 4 === 3) await ta.app.inject({ method: 'DELETE', url: `/v1/articles/${ids.shift()}`, headers: auth(ta.editor) })
  }
  seen.push(...(await readAll(ta, auth(ta.editor), cursor)).changes)
  const logged = ta.app.db.$client.prepare('SELECT seq FROM changes ORDER BY seq').pluck().all()
  t.same(seen.map((c) => c.seq), logged, 'every change once, in commit order')
})

t.test('retention: old changes go, the newest stays, a cursor from before them answers 410', async (t) => {
  const ta = await makeApp(t)
  for (let i = 0; i < 6; i++) await createArticle(ta, { title: `Story ${i}` }, { published: true })
  const early = (await ta.app.inject('/v1/changes?limit=1')).json().nextCursor
  // The first eight changes (four stories made and published) were made 100 days ago.
  ta.app.db.$client.prepare("UPDATE changes SET at = '2000-01-01T00:00:00.000Z' WHERE seq <= 8").run()
  const changes = createChangesRepository(ta.app.db)
  t.equal(changes.prune(new Date(Date.now() - 90 * 86_400_000).toISOString()), 8)
  t.equal(changes.prune(new Date(Date.now() - 90 * 86_400_000).toISOString()), 0, 'a second prune finds nothing')

  const gone = await ta.app.inject(`/v1/changes?cursor=${early}`)
  t.equal(gone.statusCode, 410)
  t.equal(gone.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(gone.json(), { type: 'urn:cms:problem:gone', status: 410, detail: /kept 90 days/ })
  const fromStart = await readAll(ta)
  t.same(fromStart.changes.map((c) => c.seq), [10, 12], 'without a cursor: from the oldest kept (the publications of the last two)')
  const edge = Buffer.from('[8]').toString('base64url')
  t.equal((await ta.app.inject(`/v1/changes?cursor=${edge}`)).statusCode, 200, 'a cursor right before the oldest kept loses nothing')

  ta.app.db.$client.prepare("UPDATE changes SET at = '2000-01-01T00:00:00.000Z'").run()
  t.equal(changes.prune(new Date().toISOString()), 3)
  t.same(ta.app.db.$client.prepare('SELECT seq FROM changes').pluck().all(), [12], 'the newest change always stays')
  const after = await createArticle(ta, { title: 'After the prune' }, { published: true })
  const next = (await readAll(ta, {}, Buffer.from('[12]').toString('base64url'))).changes
  t.same(brief(next), [`article ${after.id} upsert`], 'numbers go on from where they were')
  t.ok(next[0]!.seq > 12)
})

t.test('retention runs when the service starts', async (t) => {
  const db = openDatabase(':memory:')
  db.$client
    .prepare("INSERT INTO changes (type, id, action, public_action, at) VALUES ('article', 'x', 'upsert', 'upsert', ?)")
    .run('2000-01-01T00:00:00.000Z')
  db.$client.prepare("INSERT INTO changes (type, id, action, public_action, at) VALUES ('article', 'y', 'upsert', 'upsert', ?)").run('2000-01-02T00:00:00.000Z')
  const app = await buildApp(testConfig(), { db })
  t.teardown(() => app.close())
  await app.ready()
  t.same(db.$client.prepare('SELECT id FROM changes').pluck().all(), ['y'])
})
