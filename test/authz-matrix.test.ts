// The authorization matrix, read from the OpenAPI document itself: every operation called
// anonymously, with an unknown key, a revoked key and each role, against what its `security`
// and its resource's role allow. Then a crawl of every GET route as an anonymous caller that
// must never find a draft, a pending comment, an e-mail address or a client IP.
import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { auth, createArticle, makeApp, type TestApp } from './helpers.js'
import { multipart, tinyPng } from './reliability-support.js'

type Role = 'admin' | 'editor' | 'moderator'
/** Which role a key-only operation needs, by its OpenAPI tag (admins may do everything). */
const ROLE_BY_TAG: Record<string, Role> = {
  keys: 'admin',
  webhooks: 'admin',
  articles: 'editor',
  media: 'editor',
  'related-links': 'editor',
  comments: 'moderator',
  distribution: 'editor',
  changes: 'editor',
  corrections: 'editor',
  translations: 'editor',
  previews: 'editor',
  import: 'editor',
  authors: 'editor',
  sections: 'editor',
  tags: 'editor',
}
/** Operations that need another role than the rest of their tag. */
const ROLE_BY_OPERATION: Record<string, Role> = { importWordpress: 'admin' }

interface Operation {
  method: string
  path: string
  operationId: string
  tag: string
  keyOnly: boolean
  jsonBody: boolean
}

function operations(doc: any): Operation[] {
  const out: Operation[] = []
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      const security: Record<string, string[]>[] = op.security ?? doc.security ?? []
      // Key-only: every alternative names a scheme; an empty alternative `{}` makes it optional.
      const keyOnly = security.length > 0 && security.every((alt) => Object.keys(alt).length > 0)
      out.push({ method: method.toUpperCase(), path, operationId: op.operationId, tag: op.tags?.[0], keyOnly, jsonBody: Boolean(op.requestBody?.content?.['application/json']) })
    }
  }
  return out
}

interface Fixtures {
  articleId: string
  slug: string
  mediaId: string
  linkId: string
  commentId: string
  webhookId: string
  keyId: string
  eventId: string
  correctionId: string
  token: string
  authorId: string
  authorSlug: string
  sectionSlug: string
}

let seed = 0
const UNUSED = 'not-made-for-this-path'
/**
 * Fresh resources for a call that may change or delete what it touches. Given a path, only what
 * urlFor puts in that path is made (an upload, say, only for /v1/media paths); with none, all.
 */
async function makeFixtures(testApp: TestApp, path?: string): Promise<Fixtures> {
  const { app, admin, editor } = testApp
  seed += 1
  const wants = (prefix: string) => path === undefined || path.startsWith(prefix)
  const needsEvent = path === undefined || path.includes('{eventId}')
  const needsLink = path === undefined || path.includes('{linkId}')
  const needsCorrection = path === undefined || path.includes('{correctionId}')
  const needsToken = path === undefined || path.includes('{token}')
  const needsArticle = wants('/v1/articles') || wants('/v1/comments') || needsEvent || needsToken
  const check = (res: LightMyRequestResponse) => {
    if (res.statusCode !== 201) throw new Error(`fixture: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const f: Fixtures = {
    articleId: UNUSED,
    slug: UNUSED,
    mediaId: UNUSED,
    linkId: UNUSED,
    commentId: UNUSED,
    webhookId: UNUSED,
    keyId: UNUSED,
    eventId: UNUSED,
    correctionId: UNUSED,
    token: UNUSED,
    authorId: UNUSED,
    authorSlug: UNUSED,
    sectionSlug: UNUSED,
  }
  if (needsArticle) {
    const article = await createArticle(testApp, { title: `Matrix story ${seed}` }, { published: true })
    f.articleId = article.id
    f.slug = article.slug
  }
  if (needsLink) {
    const target = await createArticle(testApp, { title: `Matrix target ${seed}` }, { published: true })
    f.linkId = check(await app.inject({ method: 'POST', url: `/v1/articles/${f.articleId}/related`, headers: auth(editor), payload: { articleId: target.id } })).id
  }
  if (needsCorrection) {
    f.correctionId = check(await app.inject({ method: 'POST', url: `/v1/articles/${f.articleId}/corrections`, headers: auth(editor), payload: { type: 'correction', text: `Fixed ${seed}.` } })).id
  }
  if (needsToken) {
    f.token = check(await app.inject({ method: 'POST', url: `/v1/articles/${f.articleId}/preview-links`, headers: auth(editor) })).token
  }
  if (wants('/v1/media')) {
    const upload = multipart([{ name: 'file', filename: 'm.png', data: await tinyPng(seed) }])
    f.mediaId = check(await app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...upload.headers }, payload: upload.payload })).id
  }
  if (wants('/v1/comments')) {
    f.commentId = check(await app.inject({ method: 'POST', url: `/v1/articles/${f.articleId}/comments`, payload: { authorName: 'Matrix reader', body: `Comment ${seed}` } })).id
  }
  if (wants('/v1/webhooks')) {
    f.webhookId = check(await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url: 'https://hooks.example.com/m', events: ['article.updated'] } })).id
  }
  if (wants('/v1/keys')) {
    f.keyId = check(await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(admin), payload: { name: `spare ${seed}`, role: 'editor' } })).id
  }
  if (wants('/v1/authors')) {
    const author = check(await app.inject({ method: 'POST', url: '/v1/authors', headers: auth(editor), payload: { name: `Matrix Writer ${seed}`, email: `writer${seed}@newsroom.example` } }))
    f.authorId = author.id
    f.authorSlug = author.slug
  }
  if (wants('/v1/sections')) {
    f.sectionSlug = check(await app.inject({ method: 'POST', url: '/v1/sections', headers: auth(editor), payload: { name: `Matrix desk ${seed}` } })).slug
  }
  if (needsEvent) {
    await app.inject({ method: 'PATCH', url: `/v1/articles/${f.articleId}`, headers: auth(editor), payload: { summary: 'Changed so an event is due.' } })
    const deliveries = await app.inject({ method: 'GET', url: `/v1/webhooks/${f.webhookId}/deliveries`, headers: auth(admin) })
    f.eventId = deliveries.json().data?.[0]?.eventId ?? 'no-event-yet'
  }
  return f
}

function urlFor(path: string, f: Fixtures): string {
  const slugFor = path.startsWith('/v1/authors') ? f.authorSlug : path.startsWith('/v1/sections') ? f.sectionSlug : f.slug
  const idFor = path.startsWith('/v1/authors')
    ? f.authorId
    : path.startsWith('/v1/keys')
    ? f.keyId
    : path.startsWith('/v1/media')
      ? f.mediaId
      : path.startsWith('/v1/comments')
        ? f.commentId
        : path.startsWith('/v1/webhooks')
          ? f.webhookId
          : f.articleId
  return path
    .replace('{id}', idFor)
    .replace('{slug}', slugFor)
    .replace('{linkId}', f.linkId)
    .replace('{revision}', '1')
    .replace('{eventId}', f.eventId)
    .replace('{correctionId}', f.correctionId)
    .replace('{token}', f.token)
}

t.test('every operation against every kind of caller', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '0', WEBHOOK_POLL_MS: '60000' })
  const { app, admin, editor, moderator } = testApp
  const ops = operations(app.swagger())
  t.ok(ops.length >= 40, `${ops.length} operations in the document`)

  const revoked = (await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(admin), payload: { name: 'to revoke', role: 'admin' } })).json()
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${revoked.id}`, headers: auth(admin) })).statusCode, 204, 'a key revoked')
  const tokens: Record<Role, string> = { admin, editor, moderator }
  const shared = await makeFixtures(testApp)

  const call = (op: Operation, f: Fixtures, headers: Record<string, string>) =>
    app.inject({
      method: op.method as 'GET',
      url: urlFor(op.path, f),
      headers: { ...headers, ...(op.jsonBody && { 'content-type': 'application/json' }) },
      ...(op.jsonBody && { payload: '{}' }),
    })

  for (const op of ops) {
    if (op.path === '/health') continue
    const name = `${op.method} ${op.path}`
    t.ok(op.tag in ROLE_BY_TAG, `${name}: its tag "${op.tag}" has a role in this matrix`)
    const needed = ROLE_BY_OPERATION[op.operationId] ?? ROLE_BY_TAG[op.tag]!

    // Refusals change nothing, so they share one set of fixtures.
    const anonymous = await call(op, shared, {})
    if (op.keyOnly) t.equal(anonymous.statusCode, 401, `${name}: anonymous → 401`)
    else t.notOk([401, 403].includes(anonymous.statusCode), `${name}: anonymous allowed (${anonymous.statusCode})`)
    if (anonymous.statusCode === 401) t.equal(anonymous.headers['www-authenticate'], 'Bearer', `${name}: 401 says Bearer`)
    t.equal((await call(op, shared, auth('cms_unknown_0123456789abcdef'))).statusCode, 401, `${name}: unknown key → 401`)
    t.equal((await call(op, shared, auth(revoked.token))).statusCode, 401, `${name}: revoked key → 401`)
    t.equal((await call(op, shared, { authorization: 'Basic YWRtaW46YWRtaW4=' })).statusCode, 401, `${name}: not a Bearer header → 401`)

    for (const role of ['editor', 'moderator', 'admin'] as const) {
      const allowed = !op.keyOnly || role === 'admin' || role === needed
      // An allowed call may change or delete what it touches: it gets fixtures of its own.
      const res = await call(op, allowed && op.method !== 'GET' ? await makeFixtures(testApp, op.path) : shared, auth(tokens[role]))
      if (allowed) t.notOk([401, 403].includes(res.statusCode) || res.statusCode >= 500, `${name}: ${role} allowed (${res.statusCode})`)
      else t.equal(res.statusCode, 403, `${name}: ${role} → 403`)
    }
  }
})

t.test('no draft, pending comment, e-mail or IP reaches an anonymous caller through any GET route', async (t) => {
  const testApp = await makeApp(t, { COMMENT_RATE_LIMIT: '0', TRUST_PROXY: 'true', COMMENT_MODERATION: 'pre' })
  const { app, editor, moderator } = testApp
  const SECRET_TITLE = 'Quokkagate embargoed exclusive'
  const SECRET_EMAIL = 'whistle.blower@zz-secret.example'
  const SECRET_IP = '203.0.113.177'
  const SECRET_COMMENT = 'Platypusnote pending remark'
  const writer = await app.inject({ method: 'POST', url: '/v1/authors', headers: auth(editor), payload: { name: 'Ines Ortega', email: SECRET_EMAIL } })
  t.equal(writer.statusCode, 201, 'an author profile with a private e-mail')
  const draft = await createArticle(testApp, {
    title: SECRET_TITLE,
    summary: 'Quokkagate summary',
    tags: ['quokkagate'],
    section: 'Quokkagate desk',
    authorIds: [writer.json().id],
  })
  const review = await createArticle(testApp, { title: 'Quokkagate in review' })
  await app.inject({ method: 'PATCH', url: `/v1/articles/${review.id}`, headers: auth(editor), payload: { status: 'review' } })
  const scheduled = await createArticle(testApp, { title: 'Quokkagate scheduled' })
  await app.inject({ method: 'POST', url: `/v1/articles/${scheduled.id}/publish`, headers: auth(editor), payload: { at: new Date(Date.now() + 86_400_000).toISOString() } })
  const upload = multipart([{ name: 'file', filename: 'quokkagate-photo.png', data: await tinyPng(99) }])
  const media = (await app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...upload.headers }, payload: upload.payload })).json()
  const published = await createArticle(
    testApp,
    { title: 'Harbour reopens', body: [{ type: 'related', articleId: draft.id }], authorIds: [writer.json().id], section: 'harbour' },
    { published: true },
  )
  const unpublished = await createArticle(testApp, { title: 'Quokkagate once live' }, { published: true })
  await app.inject({ method: 'POST', url: `/v1/articles/${unpublished.id}/unpublish`, headers: auth(editor) })
  const link = await app.inject({ method: 'POST', url: `/v1/articles/${published.id}/related`, headers: auth(editor), payload: { articleId: draft.id } })
  t.equal(link.statusCode, 201, 'a related link to the draft')
  // Corrections: a published story's are public, a draft's are not.
  const correct = (id: string, text: string) =>
    app.inject({ method: 'POST', url: `/v1/articles/${id}/corrections`, headers: auth(editor), payload: { type: 'correction', text } })
  const draftCorrection = (await correct(draft.id, 'Quokkagate correction of a draft')).json()
  const publicCorrection = (await correct(published.id, 'A public correction')).json()
  // Translations: a published translation of the draft, and a draft translation of a published story.
  const translation = (await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload: { title: 'Traducción publicada', locale: 'es', translationOf: draft.id } })).json()
  await app.inject({ method: 'POST', url: `/v1/articles/${translation.id}/publish`, headers: auth(editor) })
  const draftTranslation = (await app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload: { title: 'Quokkagate traduction', locale: 'fr', translationOf: published.id } })).json()
  t.ok(translation.id && draftTranslation.id, 'translations in both directions')
  // A preview link shows its draft to anyone who has it: the crawl holds only revoked and unknown ones.
  const revokedToken = (await app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview-links`, headers: auth(editor) })).json().token
  await app.inject({ method: 'DELETE', url: `/v1/articles/${draft.id}/preview-links`, headers: auth(editor) })
  const pending = await app.inject({
    method: 'POST',
    url: `/v1/articles/${published.id}/comments`,
    headers: { 'x-forwarded-for': SECRET_IP },
    payload: { authorName: 'Reader', authorEmail: SECRET_EMAIL, body: SECRET_COMMENT },
  })
  t.equal(pending.statusCode, 201)
  t.equal(pending.json().status, 'pending', 'the comment waits for a moderator')
  const approved = await app.inject({
    method: 'POST',
    url: `/v1/articles/${published.id}/comments`,
    headers: { 'x-forwarded-for': SECRET_IP },
    payload: { authorName: 'Second reader', authorEmail: SECRET_EMAIL, body: 'An approved remark' },
  })
  await app.inject({ method: 'PATCH', url: `/v1/comments/${approved.json().id}`, headers: auth(moderator), payload: { status: 'approved' } })
  const seen = await app.inject({ method: 'GET', url: `/v1/comments/${pending.json().id}`, headers: auth(moderator) })
  t.match(seen.body, SECRET_IP, 'the IP was recorded (so its absence below means something)')
  t.match(seen.body, SECRET_EMAIL, 'and the e-mail')
  const profile = await app.inject({ method: 'GET', url: `/v1/authors/${writer.json().id}`, headers: auth(editor) })
  t.equal(profile.json().email, SECRET_EMAIL, "editors see the author's e-mail (so its absence below means something)")
  const sections = await app.inject({ method: 'GET', url: '/v1/sections', headers: auth(editor) })
  t.ok(sections.json().data.some((s: { slug: string }) => s.slug === 'quokkagate-desk'), "the draft's new section exists for editors")

  const secrets = [SECRET_TITLE, 'Quokkagate', 'quokkagate', SECRET_EMAIL, SECRET_IP, SECRET_COMMENT]
  const hiddenIds = [draft.id, review.id, scheduled.id, unpublished.id, pending.json().id, draftCorrection.id, draftTranslation.id]
  const ids: Record<string, string[]> = {
    '{id}': [published.id, draft.id, review.id, scheduled.id, unpublished.id, media.id, pending.json().id, approved.json().id, translation.id, draftTranslation.id, writer.json().id],
    '{slug}': [draft.slug, published.slug, unpublished.slug, writer.json().slug, 'quokkagate-desk', 'harbour'],
    '{linkId}': [link.json().id],
    '{revision}': ['1', '2'],
    '{eventId}': ['none'],
    '{correctionId}': [draftCorrection.id, publicCorrection.id],
    '{token}': [revokedToken, 'A'.repeat(43)],
  }
  const queries = [
    '',
    '?q=quokkagate',
    '?q=Quokkagate%20embargoed',
    '?q=quok',
    '?tag=quokkagate',
    '?section=Quokkagate%20desk',
    '?section=quokkagate-desk',
    `?authorId=${writer.json().id}`,
    '?status=draft',
    '?status=pending',
    '?limit=100',
    '?locale=es',
    '?locale=fr',
  ]
  const gets = operations(app.swagger()).filter((op) => op.method === 'GET')
  let crawled = 0
  for (const op of [...gets, { path: '/openapi.json' } as Operation]) {
    let urls = [op.path]
    for (const [param, values] of Object.entries(ids)) {
      if (op.path.includes(param)) urls = urls.flatMap((url) => values.map((value) => url.replace(param, value)))
    }
    for (const url of urls.flatMap((u) => queries.map((q) => u + q))) {
      const res = await app.inject({ method: 'GET', url })
      crawled += 1
      if (res.statusCode >= 500) t.fail(`${url}: ${res.statusCode}`)
      // A 404 may echo what the caller sent; only what the caller did not send is a leak.
      const asked = decodeURIComponent(url)
      const leaks = secrets.filter((secret) => res.body.includes(secret) && !asked.includes(secret))
      // The change feed names a story readers once saw when it goes: its tombstone is the contract.
      const named = url.startsWith('/v1/changes') ? hiddenIds.filter((id) => id !== unpublished.id) : hiddenIds
      if (res.statusCode < 300) leaks.push(...named.filter((id) => res.body.includes(id) && !url.includes(id)))
      if (leaks.length > 0) t.fail(`${url} (${res.statusCode}) shows ${leaks.join(', ')}`)
    }
  }
  t.ok(crawled > 200, `${crawled} anonymous GETs across ${gets.length} routes found no hidden content`)
  const list = await app.inject({ method: 'GET', url: '/v1/articles?limit=100' })
  t.ok(list.json().data.some((a: { id: string }) => a.id === published.id), 'the crawl does see published content')
  const comments = await app.inject({ method: 'GET', url: `/v1/articles/${published.id}/comments` })
  t.match(comments.body, 'An approved remark', 'and approved comments')
  const group = await app.inject({ method: 'GET', url: `/v1/articles/${published.id}/translations` })
  t.same(group.json().data.map((s: { id: string }) => s.id), [published.id], "and a published story's group, without its draft translation")
  t.match((await app.inject({ method: 'GET', url: `/v1/articles/${published.id}` })).body, 'A public correction', 'and public corrections')
  const byline = await app.inject({ method: 'GET', url: `/v1/articles/${published.id}` })
  t.match(byline.json().authorProfiles, [{ name: 'Ines Ortega' }], 'and the public profile of its author')
  const author = await app.inject({ method: 'GET', url: `/v1/authors/${writer.json().id}` })
  t.notOk('email' in author.json(), 'whose e-mail field readers do not get at all')
})
