// ETags, 304 on If-None-Match and Cache-Control on every kind of resource: articles, media,
// related links, comments and webhooks (src/http/conditional.ts).
import t, { type Test } from 'tap'
import {
  articleWithLink,
  auth,
  createArticle,
  createComment,
  createMedia,
  createWebhook,
  etagOf,
  httpApp,
  moderate,
  PRIVATE_CACHE,
  PUBLIC_CACHE,
  STRONG_ETAG,
  VERSIONED_ETAG,
} from './http-fixtures.js'
import type { TestApp } from './helpers.js'


/**
 * The shared rules for one readable URL: a strong ETag, stable while nothing changes, a 304
 * for it (also weak and in a list), a 200 for another one. Returns the first answer.
 */
async function checkRevalidation(t: Test, ta: TestApp, url: string, headers: Record<string, string> = {}) {
  const first = await ta.app.inject({ url, headers })
  t.equal(first.statusCode, 200, `${url} reads`)
  const etag = etagOf(first)
  t.match(etag, STRONG_ETAG, 'strong ETag')
  const again = await ta.app.inject({ url, headers })
  t.equal(etagOf(again), etag, 'the same ETag while nothing changed')
  t.equal(again.body, first.body)

  const notModified = await ta.app.inject({ url, headers: { ...headers, 'if-none-match': etag } })
  t.equal(notModified.statusCode, 304, '304 for the current ETag')
  t.equal(notModified.body, '', 'a 304 has no body')
  t.equal(etagOf(notModified), etag, 'a 304 repeats the ETag')
  t.equal(notModified.headers['cache-control'], first.headers['cache-control'], 'and the caching rule')

  const weakInList = await ta.app.inject({ url, headers: { ...headers, 'if-none-match': `"other", W/${etag}` } })
  t.equal(weakInList.statusCode, 304, 'If-None-Match compares weakly and takes a list')
  const star = await ta.app.inject({ url, headers: { ...headers, 'if-none-match': '*' } })
  t.equal(star.statusCode, 304, '* matches any current representation')
  const other = await ta.app.inject({ url, headers: { ...headers, 'if-none-match': '"1-somethingelse"' } })
  t.equal(other.statusCode, 200, 'another ETag gets the body')
  t.equal(other.body, first.body)
  return first
}

t.test('articles: ETag carries the version, changes with content, including embedded content', async (t) => {
  const ta = await httpApp(t)
  const article = await createArticle(ta, { summary: 'First summary' }, { published: true })
  const url = `/v1/articles/${article.id}`
  const first = await checkRevalidation(t, ta, url)
  t.equal(first.headers['cache-control'], PUBLIC_CACHE, 'an anonymous read of a published article is public')
  t.match(first.headers.vary, /Authorization/, 'the answer depends on the Authorization header')
  t.equal(VERSIONED_ETAG.exec(etagOf(first))?.[1], String(article.version), 'ETag is "<version>-<digest>"')
  await checkRevalidation(t, ta, `/v1/articles/slug/${article.slug}`)

  const patched = await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.editor), payload: { summary: 'Second summary' } })
  t.equal(patched.statusCode, 200)
  const afterPatch = await ta.app.inject({ url, headers: { 'if-none-match': etagOf(first) } })
  t.equal(afterPatch.statusCode, 200, 'the old ETag no longer matches once the article changed')
  t.not(etagOf(afterPatch), etagOf(first))
  t.equal(VERSIONED_ETAG.exec(etagOf(afterPatch))?.[1], String(patched.json().version))

  // Approving a comment changes commentCount, not the article's version: the ETag still changes.
  const comment = await createComment(ta, article.id)
  const beforeApproval = await ta.app.inject({ url })
  t.equal((await moderate(ta, comment.id, 'approved')).statusCode, 200)
  const afterApproval = await ta.app.inject({ url, headers: { 'if-none-match': etagOf(beforeApproval) } })
  t.equal(afterApproval.statusCode, 200, 'an embedded change makes the old ETag stale')
  t.equal(afterApproval.json().commentCount, 1)
  t.equal(afterApproval.json().version, beforeApproval.json().version, 'the version did not change')
  t.not(etagOf(afterApproval), etagOf(beforeApproval))

  // An embedded media item's new caption changes the article's ETag too.
  const media = await createMedia(ta, { caption: 'Boats at dawn' })
  const withLead = await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.editor), payload: { leadMediaId: media.id } })
  t.equal(withLead.statusCode, 200)
  const beforeCaption = await ta.app.inject({ url })
  const caption = await ta.app.inject({ method: 'PATCH', url: `/v1/media/${media.id}`, headers: auth(ta.editor), payload: { caption: 'Boats at dusk' } })
  t.equal(caption.statusCode, 200)
  const afterCaption = await ta.app.inject({ url, headers: { 'if-none-match': etagOf(beforeCaption) } })
  t.equal(afterCaption.statusCode, 200)
  t.equal(afterCaption.json().leadMedia.caption, 'Boats at dusk')
})

t.test('articles: Cache-Control per caller and per answer', async (t) => {
  const ta = await httpApp(t)
  const published = await createArticle(ta, {}, { published: true })
  const draft = await createArticle(ta)

  const anonymous = await ta.app.inject({ url: `/v1/articles/${published.id}` })
  t.equal(anonymous.headers['cache-control'], PUBLIC_CACHE)
  const withKey = await ta.app.inject({ url: `/v1/articles/${published.id}`, headers: auth(ta.editor) })
  t.equal(withKey.headers['cache-control'], PRIVATE_CACHE, 'the same read with a key is private')
  t.equal(etagOf(withKey), etagOf(anonymous), 'same bytes, same ETag')
  const draftRead = await ta.app.inject({ url: `/v1/articles/${draft.id}`, headers: auth(ta.editor) })
  t.equal(draftRead.statusCode, 200)
  t.equal(draftRead.headers['cache-control'], PRIVATE_CACHE, 'a draft read by an editor is private')
  const hidden = await ta.app.inject({ url: `/v1/articles/${draft.id}` })
  t.equal(hidden.statusCode, 404)
  t.equal(hidden.headers['cache-control'], 'no-store', 'a problem is never stored')
  t.equal(hidden.headers.etag, undefined, 'a problem has no ETag')
  t.equal(hidden.headers['content-type'], 'application/problem+json; charset=utf-8')

  const list = await ta.app.inject({ url: '/v1/articles' })
  t.equal(list.headers['cache-control'], PUBLIC_CACHE, 'an anonymous list is public')
  t.match(etagOf(list), /^"[A-Za-z0-9_-]+"$/, 'a list has a digest ETag without a version')
  const editorList = await ta.app.inject({ url: '/v1/articles', headers: auth(ta.editor) })
  t.equal(editorList.headers['cache-control'], PRIVATE_CACHE)
  t.not(etagOf(editorList), etagOf(list), 'editors see drafts too: another list, another ETag')

  const badQuery = await ta.app.inject({ url: '/v1/articles?limit=0' })
  t.equal(badQuery.statusCode, 400)
  t.equal(badQuery.headers['cache-control'], 'no-store')

  const write = await ta.app.inject({ method: 'PATCH', url: `/v1/articles/${draft.id}`, headers: auth(ta.editor), payload: { title: 'Renamed' } })
  t.equal(write.statusCode, 200)
  t.equal(write.headers['cache-control'], PRIVATE_CACHE, 'answers to writes are private')
  t.equal(write.headers.vary?.includes('Authorization') ?? false, false, 'Vary: Authorization is for reads')

  const health = await ta.app.inject({ url: '/health' })
  t.equal(health.headers['cache-control'], PRIVATE_CACHE, 'a route can opt out of public caching')

  await checkRevalidation(t, ta, '/v1/articles')
  const before = await ta.app.inject({ url: '/v1/articles' })
  await createArticle(ta, {}, { published: true })
  const after = await ta.app.inject({ url: '/v1/articles', headers: { 'if-none-match': etagOf(before) } })
  t.equal(after.statusCode, 200, 'a list ETag changes with what it contains')
  t.equal(after.json().data.length, before.json().data.length + 1)
})

t.test('media: ETag with version, 304, private caching (editors only)', async (t) => {
  const ta = await httpApp(t)
  const media = await createMedia(ta, { caption: 'Nets drying on the quay' })
  const url = `/v1/media/${media.id}`
  const first = await checkRevalidation(t, ta, url, auth(ta.editor))
  t.equal(VERSIONED_ETAG.exec(etagOf(first))?.[1], '1')
  t.equal(first.headers['cache-control'], PRIVATE_CACHE)
  await checkRevalidation(t, ta, '/v1/media', auth(ta.editor))

  const patched = await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.editor), payload: { credit: 'Harbour Desk' } })
  t.equal(patched.statusCode, 200)
  const after = await ta.app.inject({ url, headers: { ...auth(ta.editor), 'if-none-match': etagOf(first) } })
  t.equal(after.statusCode, 200)
  t.equal(VERSIONED_ETAG.exec(etagOf(after))?.[1], '2')

  // The file keeps its own validator and long-lived caching (src/media/serve-file.ts).
  const file = await ta.app.inject({ url: new URL(media.url).pathname })
  t.equal(file.statusCode, 200)
  t.match(file.headers.etag, STRONG_ETAG)
  t.match(file.headers['cache-control'], /public/)
  const fileAgain = await ta.app.inject({ url: new URL(media.url).pathname, headers: { 'if-none-match': etagOf(file) } })
  t.equal(fileAgain.statusCode, 304)
})

t.test('related links: the list ETag carries the list version; links change it', async (t) => {
  const ta = await httpApp(t)
  const { article, link } = await articleWithLink(ta)
  const url = `/v1/articles/${article.id}/related`
  const first = await checkRevalidation(t, ta, url)
  t.equal(first.headers['cache-control'], PUBLIC_CACHE)
  const listVersion = Number(VERSIONED_ETAG.exec(etagOf(first))?.[1])
  t.ok(listVersion >= 1, 'the list ETag names its version')
  await checkRevalidation(t, ta, `${url}/${link.id}`)

  const added = await ta.app.inject({
    method: 'POST',
    url,
    headers: auth(ta.editor),
    payload: { url: 'https://example.com/fishing-quotas', title: 'Quotas explained' },
  })
  t.equal(added.statusCode, 201)
  const after = await ta.app.inject({ url, headers: { 'if-none-match': etagOf(first) } })
  t.equal(after.statusCode, 200)
  t.equal(Number(VERSIONED_ETAG.exec(etagOf(after))?.[1]), listVersion + 1, 'adding a link grows the list version')

  // A linked article's new title changes the list (it embeds the target's summary).
  const target = await createArticle(ta, { title: 'The old pier' }, { published: true })
  t.equal((await ta.app.inject({ method: 'POST', url, headers: auth(ta.editor), payload: { articleId: target.id } })).statusCode, 201)
  const beforeRename = await ta.app.inject({ url })
  const rename = await ta.app.inject({ method: 'PATCH', url: `/v1/articles/${target.id}`, headers: auth(ta.editor), payload: { title: 'The new pier' } })
  t.equal(rename.statusCode, 200)
  const afterRename = await ta.app.inject({ url, headers: { 'if-none-match': etagOf(beforeRename) } })
  t.equal(afterRename.statusCode, 200, 'an embedded change makes the list ETag stale')
  t.equal(etagOf(afterRename).split('-')[0], etagOf(beforeRename).split('-')[0], 'though the list version did not change')

  const withKey = await ta.app.inject({ url, headers: auth(ta.editor) })
  t.equal(withKey.headers['cache-control'], PRIVATE_CACHE)
})

t.test('comments: approving one changes the public list; moderator reads are private', async (t) => {
  const ta = await httpApp(t)
  const article = await createArticle(ta, {}, { published: true })
  const url = `/v1/articles/${article.id}/comments`
  const empty = await checkRevalidation(t, ta, url)
  t.equal(empty.headers['cache-control'], PUBLIC_CACHE)
  const comment = await createComment(ta, article.id)
  const stillEmpty = await ta.app.inject({ url, headers: { 'if-none-match': etagOf(empty) } })
  t.equal(stillEmpty.statusCode, 304, 'a pending comment is not shown, so the list did not change')

  const one = await checkRevalidation(t, ta, `/v1/comments/${comment.id}`, auth(ta.moderator))
  t.equal(VERSIONED_ETAG.exec(etagOf(one))?.[1], String(comment.version))
  t.equal(one.headers['cache-control'], PRIVATE_CACHE)
  await checkRevalidation(t, ta, '/v1/comments?status=pending', auth(ta.moderator))

  t.equal((await moderate(ta, comment.id, 'approved')).statusCode, 200)
  const shown = await ta.app.inject({ url, headers: { 'if-none-match': etagOf(empty) } })
  t.equal(shown.statusCode, 200)
  t.equal(shown.json().data.length, 1)
  const moderated = await ta.app.inject({ url: `/v1/comments/${comment.id}`, headers: { ...auth(ta.moderator), 'if-none-match': etagOf(one) } })
  t.equal(moderated.statusCode, 200)
  t.equal(VERSIONED_ETAG.exec(etagOf(moderated))?.[1], String(comment.version + 1))
})

t.test('webhooks: ETag with version, private', async (t) => {
  const ta = await httpApp(t)
  const hook = await createWebhook(ta)
  const url = `/v1/webhooks/${hook.id}`
  const first = await checkRevalidation(t, ta, url, auth(ta.admin))
  t.equal(first.headers['cache-control'], PRIVATE_CACHE)
  t.equal(VERSIONED_ETAG.exec(etagOf(first))?.[1], String(first.json().version))
  await checkRevalidation(t, ta, '/v1/webhooks', auth(ta.admin))
  const patched = await ta.app.inject({ method: 'PATCH', url, headers: auth(ta.admin), payload: { active: false } })
  t.equal(patched.statusCode, 200)
  const after = await ta.app.inject({ url, headers: { ...auth(ta.admin), 'if-none-match': etagOf(first) } })
  t.equal(after.statusCode, 200)
  t.not(etagOf(after), etagOf(first))
})
