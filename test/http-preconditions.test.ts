// If-Match on PATCH, PUT and DELETE for every resource: a stale or weak tag is a 412 that
// changes nothing, the current one (or `*`) passes, and of many concurrent writers with one
// ETag exactly one wins.
import t, { type Test } from 'tap'
import type { TestApp } from './helpers.js'
import { articleWithLink, auth, createArticle, createComment, createMedia, createWebhook, etagOf, httpApp, moderate, VERSIONED_ETAG } from './http-fixtures.js'


interface Writable {
  /** The URL read for the ETag and written to. */
  url: string
  token: string
  method: 'PATCH' | 'PUT'
  /** Distinct bodies, one per write, so every accepted write is a real change. */
  payload: (n: number) => unknown
  /** What the resource's version is, read from a GET of `url`. */
  version?: (body: any) => number
}

const versionOf = (res: { headers: Record<string, unknown> }) => Number(VERSIONED_ETAG.exec(String(res.headers.etag))?.[1])

/** The If-Match rules for one resource, checked by reading it back after each write. */
async function checkIfMatch(t: Test, ta: TestApp, w: Writable) {
  const read = () => ta.app.inject({ url: w.url, headers: auth(w.token) })
  const write = (n: number, ifMatch?: string) =>
    ta.app.inject({ method: w.method, url: w.url, headers: { ...auth(w.token), ...(ifMatch ? { 'if-match': ifMatch } : {}) }, payload: w.payload(n) as any })

  const first = await read()
  t.equal(first.statusCode, 200)
  const etag = etagOf(first)
  t.match(etag, VERSIONED_ETAG, 'the ETag names a version')

  const current = await write(1, etag)
  t.equal(current.statusCode, 200, 'the current ETag passes')
  const afterCurrent = await read()
  t.ok(versionOf(afterCurrent) > versionOf(first), 'and the version grows')

  const stale = await write(2, etag)
  t.equal(stale.statusCode, 412, 'the old ETag is stale')
  t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(stale.json().type, 'urn:cms:problem:precondition-failed')
  const afterStale = await read()
  t.equal(afterStale.body, afterCurrent.body, 'a stale write changes nothing')
  t.equal(etagOf(afterStale), etagOf(afterCurrent))

  const weak = await write(3, `W/${etagOf(afterCurrent)}`)
  t.equal(weak.statusCode, 412, 'If-Match compares strongly: a weak tag never matches')
  const garbage = await write(4, 'not-an-etag')
  t.equal(garbage.statusCode, 412, 'a malformed If-Match is a 412, not a blind write')
  const digestOnly = await write(5, '"abcdef"')
  t.equal(digestOnly.statusCode, 412, 'a tag without a version is a 412')
  // The whole tag is compared, not only its version (issue 16, item 7).
  const version = versionOf(afterCurrent)
  for (const forged of [`"${version}-forgeddigest"`, `"${version}-AAAA"`, `"${version}-${etagOf(first).slice(1, -1).split('-')[1]}"`]) {
    const res = await write(5, forged)
    t.equal(res.statusCode, 412, `the current version with another digest is a 412: ${forged}`)
  }
  t.equal((await read()).body, afterCurrent.body, 'none of those changed anything')

  const list = await write(6, `W/"999-x", "junk", ${etagOf(afterCurrent)}`)
  t.equal(list.statusCode, 200, 'a list passes when it holds the current ETag (weak and malformed tags never match)')
  const several = await write(7, `"999-x", ${etagOf(await read())}`)
  t.equal(several.statusCode, 200, 'a list passes when one of its tags is the current one, whatever versions the others name')
  const star = await write(8, '*')
  t.equal(star.statusCode, 200, '* passes for an existing resource')
  const none = await write(9)
  t.equal(none.statusCode, 200, 'no If-Match: an unconditional write')
  t.ok(versionOf(await read()) > versionOf(afterCurrent))
}

/** DELETE with a stale ETag is a 412 and the resource stays; with the current one it goes. */
async function checkDelete(t: Test, ta: TestApp, url: string, token: string, staleEtag: string, readUrl = url) {
  const stale = await ta.app.inject({ method: 'DELETE', url, headers: { ...auth(token), 'if-match': staleEtag } })
  t.equal(stale.statusCode, 412, 'DELETE with a stale ETag')
  const still = await ta.app.inject({ url: readUrl, headers: auth(token) })
  t.equal(still.statusCode, 200, 'is refused and the resource stays')
  const weak = await ta.app.inject({ method: 'DELETE', url, headers: { ...auth(token), 'if-match': `W/${etagOf(still)}` } })
  t.equal(weak.statusCode, 412)
  const gone = await ta.app.inject({ method: 'DELETE', url, headers: { ...auth(token), 'if-match': etagOf(still) } })
  t.equal(gone.statusCode, 204, 'DELETE with the current ETag')
}

/** Fires `count` writes with one If-Match at once: exactly one may win. */
async function race(t: Test, ta: TestApp, count: number, send: (n: number) => Promise<{ statusCode: number }>) {
  const answers = await Promise.all(Array.from({ length: count }, (_, n) => send(n)))
  const codes = answers.map((a) => a.statusCode).sort()
  t.equal(codes.filter((c) => c === 200).length, 1, 'exactly one concurrent writer wins')
  t.equal(codes.filter((c) => c === 412).length, count - 1, 'every other one gets 412')
}

t.test('articles: If-Match on PATCH and DELETE', async (t) => {
  const ta = await httpApp(t)
  const article = await createArticle(ta, {}, { published: true })
  const url = `/v1/articles/${article.id}`
  await checkIfMatch(t, ta, { url, token: ta.editor, method: 'PATCH', payload: (n) => ({ summary: `Summary draft ${n}` }) })
  const before = await ta.app.inject({ url })
  t.equal((await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.editor), payload: { title: 'Moved on' } })).statusCode, 200)
  await checkDelete(t, ta, url, ta.editor, etagOf(before))

  // If-Match compares the whole strong tag (RFC 9110 13.1.1): what the editor read is stale once
  // anything it showed changed, an approved comment included.
  const other = await createArticle(ta, {}, { published: true })
  const otherUrl = `/v1/articles/${other.id}`
  const read = await ta.app.inject({ url: otherUrl, headers: auth(ta.editor) })
  const comment = await createComment(ta, other.id)
  t.equal((await moderate(ta, comment.id, 'approved')).statusCode, 200)
  const patchWith = (etag: string) =>
    ta.app.inject({ method: 'PATCH', url: otherUrl, headers: { ...auth(ta.editor), 'if-match': etag }, payload: { subtitle: 'Still current' } })
  t.equal((await patchWith(etagOf(read))).statusCode, 412, 'the ETag read before the comment was approved is stale')
  const again = await ta.app.inject({ url: otherUrl, headers: auth(ta.editor) })
  t.equal(again.json().version, read.json().version, 'though the article itself did not change')
  t.equal((await patchWith(etagOf(again))).statusCode, 200, 'the ETag read since passes')
})

t.test('If-Match with the right version and a forged digest is a 412 that changes nothing', async (t) => {
  const ta = await httpApp(t)
  const article = await createArticle(ta, { title: 'Harbour toll rises' })
  const url = `/v1/articles/${article.id}`
  for (const forged of ['"1-AAAA"', '"1-forgeddigest"', 'W/"1-AAAA"']) {
    const res = await ta.app.inject({ method: 'PATCH', url, headers: { ...auth(ta.editor), 'if-match': forged }, payload: { title: 'Forged' } })
    t.equal(res.statusCode, 412, forged)
    t.equal(res.json().type, 'urn:cms:problem:precondition-failed')
  }
  const removed = await ta.app.inject({ method: 'DELETE', url, headers: { ...auth(ta.editor), 'if-match': '"1-AAAA"' } })
  t.equal(removed.statusCode, 412, 'DELETE too')
  const after = await ta.app.inject({ url, headers: auth(ta.editor) })
  t.match(after.json(), { title: 'Harbour toll rises', version: 1 }, 'nothing changed')
  const real = await ta.app.inject({ method: 'PATCH', url, headers: { ...auth(ta.editor), 'if-match': etagOf(after) }, payload: { title: 'Harbour toll rises again' } })
  t.equal(real.statusCode, 200, 'the ETag as served passes')
})

t.test('articles: ten concurrent PATCHes with one ETag, one wins', async (t) => {
  const ta = await httpApp(t)
  const article = await createArticle(ta)
  const url = `/v1/articles/${article.id}`
  const etag = etagOf(await ta.app.inject({ url, headers: auth(ta.editor) }))
  await race(t, ta, 10, (n) =>
    ta.app.inject({ method: 'PATCH', url, headers: { ...auth(ta.editor), 'if-match': etag }, payload: { title: `Racing headline ${n}` } }),
  )
  const after = (await ta.app.inject({ url, headers: auth(ta.editor) })).json()
  t.equal(after.version, article.version + 1, 'one change was applied')
  const revisions = await ta.app.inject({ url: `${url}/revisions`, headers: auth(ta.editor) })
  t.equal(revisions.json().data.length, 2, 'and one revision was kept for it')
})

t.test('media: If-Match on PATCH and DELETE', async (t) => {
  const ta = await httpApp(t)
  const media = await createMedia(ta)
  const url = `/v1/media/${media.id}`
  await checkIfMatch(t, ta, { url, token: ta.editor, method: 'PATCH', payload: (n) => ({ altText: `Gulls over the quay, take ${n}` }) })
  const before = await ta.app.inject({ url, headers: auth(ta.editor) })
  t.equal((await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.editor), payload: { credit: 'Desk' } })).statusCode, 200)
  await checkDelete(t, ta, url, ta.editor, etagOf(before))

  const another = await createMedia(ta)
  const etag = etagOf(await ta.app.inject({ url: `/v1/media/${another.id}`, headers: auth(ta.editor) }))
  await race(t, ta, 8, (n) =>
    ta.app.inject({ method: 'PATCH', url: `/v1/media/${another.id}`, headers: { ...auth(ta.editor), 'if-match': etag }, payload: { caption: `Caption ${n}` } }),
  )
})

t.test('related links: the list ETag guards PUT and DELETE', async (t) => {
  const ta = await httpApp(t)
  const { article, link } = await articleWithLink(ta)
  const url = `/v1/articles/${article.id}/related`
  await checkIfMatch(t, ta, {
    url,
    token: ta.editor,
    method: 'PUT',
    payload: (n) => [{ url: `https://example.com/background-${n}`, title: `Background ${n}` }],
  })

  const current = await ta.app.inject({ url, headers: auth(ta.editor) })
  const [only] = current.json().data
  const stale = `"${versionOf(current) - 1}-x"`
  await checkDelete(t, ta, `${url}/${only.id}`, ta.editor, stale, `${url}/${only.id}`)
  t.not(only.id, link.id, 'PUT replaced the first link')

  // A single link's ETag names the list's version too, so it can be sent back on DELETE.
  const added = await ta.app.inject({ method: 'POST', url, headers: auth(ta.editor), payload: { url: 'https://example.com/tides', title: 'Tides' } })
  const one = await ta.app.inject({ url: `${url}/${added.json().id}`, headers: auth(ta.editor) })
  t.match(etagOf(one), VERSIONED_ETAG)
  t.equal(versionOf(one), versionOf(await ta.app.inject({ url, headers: auth(ta.editor) })), 'the same version as the list')
  const del = await ta.app.inject({ method: 'DELETE', url: `${url}/${added.json().id}`, headers: { ...auth(ta.editor), 'if-match': etagOf(one) } })
  t.equal(del.statusCode, 204)

  const etag = etagOf(await ta.app.inject({ url, headers: auth(ta.editor) }))
  await race(t, ta, 8, (n) =>
    ta.app.inject({ method: 'PUT', url, headers: { ...auth(ta.editor), 'if-match': etag }, payload: [{ url: `https://example.com/race-${n}`, title: 'Race' }] }),
  )
})

t.test('comments: If-Match on moderation and DELETE; concurrent moderators', async (t) => {
  const ta = await httpApp(t)
  const article = await createArticle(ta, {}, { published: true })
  const comment = await createComment(ta, article.id)
  const url = `/v1/comments/${comment.id}`
  const statuses = ['approved', 'rejected']
  await checkIfMatch(t, ta, { url, token: ta.moderator, method: 'PATCH', payload: (n) => ({ status: statuses[n % 2] }) })
  const before = await ta.app.inject({ url, headers: auth(ta.moderator) })
  t.equal((await moderate(ta, comment.id, before.json().status === 'approved' ? 'rejected' : 'approved')).statusCode, 200)
  await checkDelete(t, ta, url, ta.moderator, etagOf(before))

  const contested = await createComment(ta, article.id)
  const etag = etagOf(await ta.app.inject({ url: `/v1/comments/${contested.id}`, headers: auth(ta.moderator) }))
  await race(t, ta, 10, (n) => moderate(ta, contested.id, n % 2 === 0 ? 'approved' : 'spam', { 'if-match': etag }))
  const after = await ta.app.inject({ url: `/v1/comments/${contested.id}`, headers: auth(ta.moderator) })
  t.equal(after.json().version, contested.version + 1, 'one decision was recorded')
})

t.test('webhooks: If-Match on PATCH and DELETE', async (t) => {
  const ta = await httpApp(t)
  const hook = await createWebhook(ta)
  const url = `/v1/webhooks/${hook.id}`
  await checkIfMatch(t, ta, { url, token: ta.admin, method: 'PATCH', payload: (n) => ({ url: `https://hooks.example.com/hook-${n}` }) })
  const before = await ta.app.inject({ url, headers: auth(ta.admin) })
  t.equal((await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.admin), payload: { active: false } })).statusCode, 200)
  await checkDelete(t, ta, url, ta.admin, etagOf(before))
})

t.test('If-Match on an absent resource, and on a route without one', async (t) => {
  const ta = await httpApp(t)
  const missing = await ta.app.inject({ method: 'PATCH', url: '/v1/articles/nope', headers: { ...auth(ta.editor), 'if-match': '"1-abc"' }, payload: { title: 'x' } })
  t.equal(missing.statusCode, 404, 'an unknown id is a 404 whatever If-Match says')
  const anonymous = await ta.app.inject({ method: 'PATCH', url: '/v1/articles/nope', headers: { 'if-match': 'W/"1-abc"' }, payload: { title: 'x' } })
  t.equal(anonymous.statusCode, 401, 'credentials are checked before preconditions')
})
