// Comments through the API: submission, privacy of e-mails and IPs, roles, spam, closing,
// threads and hostile text.
import type { LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { returnLocation, returnTarget } from '../src/comments/form-submission.js'
import { auth, createArticle, makeApp, type TestApp, type TestContext } from './helpers.js'

const EMAIL = 'reader.private@example.org'
const IP = '203.0.113.77'
const AGENT = 'CommentTestBrowser/1.0 (unique-agent-marker)'

// Most tests send more comments than the default limit allows from one address; the rate
// limit has its own test file.
function setup(t: TestContext, env: Record<string, string> = {}) {
  return makeApp(t, { COMMENT_RATE_LIMIT: '0', ...env })
}

let sent = 0

function submit(testApp: TestApp, articleId: string, payload: Record<string, unknown>, options: { token?: string; ip?: string } = {}) {
  // Each default body differs: the spam check holds back the same text sent twice.
  sent++
  return testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${articleId}/comments`,
    headers: { 'user-agent': AGENT, ...(options.token ? auth(options.token) : {}) },
    remoteAddress: options.ip ?? IP,
    payload: { authorName: 'Rosa', body: `A fair account of council meeting number ${sent}.`, ...payload },
  })
}

async function submitted(testApp: TestApp, articleId: string, payload: Record<string, unknown> = {}) {
  const res = await submit(testApp, articleId, payload)
  if (res.statusCode !== 201) throw new Error(`submit: ${res.statusCode} ${res.body}`)
  return res.json()
}

function moderate(testApp: TestApp, id: string, status: string, token = testApp.moderator) {
  return testApp.app.inject({ method: 'PATCH', url: `/v1/comments/${id}`, headers: auth(token), payload: { status } })
}

async function publicList(testApp: TestApp, articleId: string, token?: string) {
  const res = await testApp.app.inject({ url: `/v1/articles/${articleId}/comments`, headers: token ? auth(token) : {} })
  return res
}

function assertPrivate(t: Tap, res: LightMyRequestResponse, what: string) {
  t.notMatch(res.body, EMAIL, `${what}: no e-mail`)
  t.notMatch(res.body, IP, `${what}: no IP`)
  t.notMatch(res.body, 'unique-agent-marker', `${what}: no user agent`)
  t.notMatch(res.body, /authorEmail|"ip"|userAgent|"spam":|moderatedBy/, `${what}: no private field names`)
}
type Tap = Test

function isProblem(t: Tap, res: LightMyRequestResponse, status: number) {
  t.equal(res.statusCode, status, `answers ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
}

// Building an app costs about a second (schema compilation), so this file builds one per
// configuration; each test works on articles of its own, which keeps the tests independent.
const PRE = await setup(t)
const POST = await setup(t, {
  COMMENT_MODERATION: 'post',
  COMMENT_BLOCKED_WORDS: 'scam coin',
  COMMENT_BLOCKED_HOSTS: 'pills.example',
  COMMENT_MAX_DEPTH: '3',
  COMMENTS_CLOSE_AFTER_DAYS: '2',
  CORS_WRITE_ORIGINS: 'https://news.example.com',
})

t.test('pre-moderation: a new comment waits, plain text, and appears once approved', async (t) => {
  const testApp = PRE
  const article = await createArticle(testApp, {}, { published: true })
  const res = await submit(testApp, article.id, { authorName: '<b>Rosa</b> M.', authorEmail: EMAIL, body: 'Good <em>reporting</em>.' })
  t.equal(res.statusCode, 201)
  const comment = res.json()
  t.match(comment, { articleId: article.id, parentId: null, authorName: 'Rosa M.', body: 'Good reporting.', status: 'pending', version: 1 })
  t.same(Object.keys(comment).sort(), ['articleId', 'authorName', 'body', 'createdAt', 'id', 'parentId', 'status', 'updatedAt', 'version'])

  t.same((await publicList(testApp, article.id)).json(), { data: [], nextCursor: null }, 'pending is not shown')
  const approved = await moderate(testApp, comment.id, 'approved')
  t.equal(approved.statusCode, 200)
  t.match(approved.json(), { status: 'approved', version: 2 })
  t.match((await publicList(testApp, article.id)).json(), { data: [{ id: comment.id, status: 'approved' }], nextCursor: null })
  const read = await testApp.app.inject(`/v1/articles/${article.id}`)
  t.equal(read.json().commentCount, 1)
})

t.test('post-moderation: clean comments appear at once, flagged ones wait', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  t.equal((await submitted(testApp, article.id)).status, 'approved')
  t.equal((await submitted(testApp, article.id, { body: 'THIS ARTICLE IS A DISGRACE TO JOURNALISM' })).status, 'pending', 'shouting waits')
  t.equal((await submitted(testApp, article.id, { body: 'Buy some Scam Coin today' })).status, 'pending', 'a blocked word waits')
  t.equal((await submitted(testApp, article.id, { body: 'Two sources: https://a.example/1 and https://b.example/2' })).status, 'pending')
  const list = (await publicList(testApp, article.id)).json()
  t.equal(list.data.length, 1)
  t.equal((await testApp.app.inject(`/v1/articles/${article.id}`)).json().commentCount, 1)
})

t.test('the same text twice from one client waits for a moderator, even under post-moderation', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  t.equal((await submitted(testApp, article.id, { body: 'First!' })).status, 'approved')
  t.equal((await submitted(testApp, article.id, { body: 'first' })).status, 'pending')
  const other = await submit(testApp, article.id, { body: 'First!' }, { ip: '198.51.100.9' })
  t.equal(other.json().status, 'approved', 'another client may say the same thing')
})

t.test('spam: the honeypot, link floods and blocked hosts are spam and never shown; moderators see why', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const honeypot = await submitted(testApp, article.id, { website: 'http://cheap.example' })
  t.equal(honeypot.status, 'spam')
  const links = await submitted(testApp, article.id, { body: 'http://a.example http://b.example http://c.example' })
  t.equal(links.status, 'spam')
  t.equal((await submitted(testApp, article.id, { body: 'Cheap at https://www.pills.example/now' })).status, 'spam')
  t.equal((await submitted(testApp, article.id, { website: '' })).status, 'approved', 'an empty honeypot is what people send')

  t.equal((await publicList(testApp, article.id)).json().data.length, 1)
  t.equal((await testApp.app.inject(`/v1/articles/${article.id}`)).json().commentCount, 1)
  const queue = await testApp.app.inject({ url: `/v1/comments?status=spam&articleId=${article.id}`, headers: auth(testApp.moderator) })
  const byId = new Map(queue.json().data.map((c: any) => [c.id, c]))
  t.match(byId.get(honeypot.id), { spam: { verdict: 'spam', reasons: ['honeypot field filled'] } })
  t.match(byId.get(links.id), { spam: { verdict: 'spam', reasons: [/3 links/] } })
})

t.test('privacy: no e-mail, IP or user agent in any response a non-moderator can get', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const res = await submit(testApp, article.id, { authorEmail: EMAIL })
  t.equal(res.statusCode, 201)
  assertPrivate(t, res, 'submission response')
  const comment = res.json()
  const reply = await submit(testApp, article.id, { authorEmail: EMAIL, parentId: comment.id })
  assertPrivate(t, reply, 'reply response')
  const spam = await submit(testApp, article.id, { authorEmail: EMAIL, website: 'x' })
  assertPrivate(t, spam, 'spam response')

  for (const [who, headers] of [
    ['anonymous', {}],
    ['editor', auth(testApp.editor)],
  ] as const) {
    const list = await testApp.app.inject({ url: `/v1/articles/${article.id}/comments`, headers })
    t.equal(list.json().data.length, 2, `${who} sees the approved comments`)
    assertPrivate(t, list, `${who} list`)
    assertPrivate(t, await testApp.app.inject({ url: `/v1/articles/${article.id}`, headers }), `${who} article`)
    assertPrivate(t, await testApp.app.inject({ url: '/v1/articles', headers }), `${who} article list`)
    assertPrivate(t, await testApp.app.inject({ url: '/v1/comments', headers }), `${who} queue`)
    assertPrivate(t, await testApp.app.inject({ url: `/v1/comments/${comment.id}`, headers }), `${who} comment`)
    assertPrivate(t, await testApp.app.inject({ method: 'PATCH', url: `/v1/comments/${comment.id}`, headers, payload: { status: 'rejected' } }), `${who} patch`)
    assertPrivate(
      t,
      await testApp.app.inject({ method: 'POST', url: '/v1/comments/moderate', headers, payload: { ids: [comment.id], status: 'rejected' } }),
      `${who} bulk`,
    )
    assertPrivate(t, await testApp.app.inject({ method: 'DELETE', url: `/v1/comments/${comment.id}`, headers }), `${who} delete`)
  }

  const queue = await testApp.app.inject({ url: `/v1/comments?articleId=${article.id}`, headers: auth(testApp.moderator) })
  t.match(queue.body, EMAIL, 'moderators see the e-mail')
  t.match(queue.json().data[0], { authorEmail: EMAIL, ip: IP, userAgent: AGENT })
})

t.test('roles: anonymous callers get 401 and editors 403 on every moderator route; admins pass', async (t) => {
  const testApp = PRE
  const article = await createArticle(testApp, {}, { published: true })
  const comment = await submitted(testApp, article.id)
  const routes = [
    { method: 'GET', url: '/v1/comments' },
    { method: 'GET', url: `/v1/comments/${comment.id}` },
    { method: 'PATCH', url: `/v1/comments/${comment.id}`, payload: { status: 'approved' } },
    { method: 'POST', url: '/v1/comments/moderate', payload: { ids: [comment.id], status: 'approved' } },
    { method: 'DELETE', url: `/v1/comments/${comment.id}` },
  ] as const
  for (const route of routes) {
    const anonymous = await testApp.app.inject(route)
    isProblem(t, anonymous, 401)
    t.equal(anonymous.headers['www-authenticate'], 'Bearer')
    isProblem(t, await testApp.app.inject({ ...route, headers: auth(testApp.editor) }), 403)
  }
  t.equal((await testApp.app.inject({ url: `/v1/comments/${comment.id}`, headers: auth(testApp.moderator) })).statusCode, 200)
  t.equal((await moderate(testApp, comment.id, 'approved', testApp.admin)).statusCode, 200, 'admins moderate too')
  const bad = await testApp.app.inject({ url: '/v1/comments', headers: auth('not-a-real-key') })
  isProblem(t, bad, 401)
})

t.test('closing: commentsEnabled false and the age limit answer 403; reading still works', async (t) => {
  const testApp = POST
  const closed = await createArticle(testApp, { commentsEnabled: false }, { published: true })
  const res = await submit(testApp, closed.id, {})
  isProblem(t, res, 403)
  t.match(res.json().detail, /turned off/)

  const old = await createArticle(testApp, {}, { published: true })
  await submitted(testApp, old.id)
  // Publication three days ago: the clock is the article's, so move it rather than wait.
  const threeDaysAgo = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString()
  testApp.app.db.$client.prepare('UPDATE articles SET published_at = ? WHERE id = ?').run(threeDaysAgo, old.id)
  const late = await submit(testApp, old.id, {})
  isProblem(t, late, 403)
  t.match(late.json().detail, /closed on .*2 days after publication/)
  t.equal((await publicList(testApp, old.id)).json().data.length, 1, 'closed comments are still shown')

  const fresh = await createArticle(testApp, {}, { published: true })
  t.equal((await submit(testApp, fresh.id, {})).statusCode, 201, 'a fresh article is open')
})

t.test('visibility: unknown and unpublished articles answer 404 to readers', async (t) => {
  const testApp = PRE
  const draft = await createArticle(testApp)
  isProblem(t, await submit(testApp, draft.id, {}), 404)
  isProblem(t, await publicList(testApp, draft.id), 404)
  isProblem(t, await submit(testApp, 'no-such-article', {}), 404)
  isProblem(t, await publicList(testApp, 'no-such-article'), 404)
  isProblem(t, await submit(testApp, draft.id, {}, { token: testApp.moderator }), 404)
  const editor = await submit(testApp, draft.id, {}, { token: testApp.editor })
  isProblem(t, editor, 403)
  t.match(editor.json().detail, /published/)
  t.equal((await publicList(testApp, draft.id, testApp.editor)).statusCode, 200, 'editors can read the (empty) list of a draft')

  const published = await createArticle(testApp, {}, { published: true })
  const comment = await submitted(testApp, published.id, {})
  await moderate(testApp, comment.id, 'approved')
  await testApp.app.inject({ method: 'POST', url: `/v1/articles/${published.id}/unpublish`, headers: auth(testApp.editor) })
  isProblem(t, await publicList(testApp, published.id), 404)
})

t.test('threads: replies carry parentId; across articles, to hidden comments and too deep are 400', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const other = await createArticle(testApp, {}, { published: true })
  const top = await submitted(testApp, article.id, { body: 'Top level.' })
  const reply = await submitted(testApp, article.id, { body: 'A reply.', parentId: top.id })
  t.equal(reply.parentId, top.id)
  const deeper = await submitted(testApp, article.id, { body: 'A reply to the reply.', parentId: reply.id })

  const tooDeep = await submit(testApp, article.id, { body: 'One level too many.', parentId: deeper.id })
  isProblem(t, tooDeep, 400)
  t.match(tooDeep.json().errors, [{ path: 'body.parentId', message: /at most 3 levels/ }])

  const across = await submit(testApp, other.id, { parentId: top.id })
  isProblem(t, across, 400)
  t.match(across.json().errors, [{ path: 'body.parentId' }])
  isProblem(t, await submit(testApp, article.id, { parentId: 'no-such-comment' }), 400)
  const hidden = await submitted(testApp, article.id, { website: 'bot' })
  const toHidden = await submit(testApp, article.id, { parentId: hidden.id })
  isProblem(t, toHidden, 400)
  t.equal(toHidden.json().detail, across.json().detail, 'a hidden parent answers like an absent one')
  t.equal((await submit(testApp, article.id, { parentId: null })).statusCode, 201, 'a null parentId is a top-level comment')

  const list = (await publicList(testApp, article.id)).json().data
  t.same(
    list.slice(0, 3).map((c: any) => [c.id, c.parentId]),
    [
      [top.id, null],
      [reply.id, top.id],
      [deeper.id, reply.id],
    ],
    'oldest first, replies with their parent',
  )
})

t.test('hostile text: tags stripped, empty and huge bodies refused, typos refused', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const script = await submitted(testApp, article.id, {
    authorName: '<img src=x onerror=alert(1)>Eve',
    body: '<script>alert("x")</script>Nice <a href="javascript:alert(1)">piece</a> &lt;script&gt;alert(2)&lt;/script&gt;',
  })
  t.equal(script.authorName, 'Eve')
  t.equal(script.body, 'Nice piece')
  const list = await publicList(testApp, article.id)
  t.notMatch(list.body, /<script|onerror|javascript:/i)

  const empty = await submit(testApp, article.id, { body: '<p> </p><script>only a script</script>' })
  isProblem(t, empty, 400)
  t.match(empty.json().errors, [{ path: 'body.body', message: /empty/ }])
  isProblem(t, await submit(testApp, article.id, { authorName: '<b></b>' }), 400)
  isProblem(t, await submit(testApp, article.id, { body: '' }), 400)
  isProblem(t, await submit(testApp, article.id, { body: '\u200B \u200B' }), 400)

  const long = await submit(testApp, article.id, { body: 'word '.repeat(1_100) })
  isProblem(t, long, 400)
  t.match(long.json().errors, [{ path: 'body.body', message: /5000 characters/ }])
  const fits = await submit(testApp, article.id, { body: `<b>${'é'.repeat(5_000)}</b>` })
  t.equal(fits.statusCode, 201, '5,000 characters of text fit, whatever the markup around them')
  isProblem(t, await submit(testApp, article.id, { body: 'x'.repeat(20_001) }), 400)
  const huge = await submit(testApp, article.id, { body: 'x'.repeat(300_000) })
  isProblem(t, huge, 413)

  const typo = await submit(testApp, article.id, { autorName: 'Typo' })
  isProblem(t, typo, 400)
  t.match(typo.json().errors, [{ path: 'body.autorName', message: 'is not an allowed field' }])
  isProblem(t, await submit(testApp, article.id, { authorEmail: 'not an address' }), 400)
  isProblem(t, await submit(testApp, article.id, { body: 42 }), 400)
  t.equal((await submit(testApp, article.id, { authorEmail: '' })).statusCode, 201, 'an empty e-mail field counts as none')

  const malformed = await testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${article.id}/comments`,
    headers: { 'content-type': 'application/json' },
    payload: '{"authorName": "x", "body": ',
  })
  isProblem(t, malformed, 400)
  const wrongType = await testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${article.id}/comments`,
    headers: { 'content-type': 'text/plain' },
    payload: 'hello',
  })
  t.ok([400, 415].includes(wrongType.statusCode), 'a non-JSON body is refused')
})

t.test('lists page with cursors, oldest first, every item once', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const ids: string[] = []
  for (let i = 0; i < 7; i++) ids.push((await submitted(testApp, article.id, { body: `Comment number ${i}` })).id)
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3'
    const page: any = (await testApp.app.inject(`/v1/articles/${article.id}/comments${query}`)).json()
    seen.push(...page.data.map((c: any) => c.id))
    cursor = page.nextCursor
    pages++
  } while (cursor !== null && pages < 10)
  t.same(seen, ids)
  t.equal(pages, 3)
  isProblem(t, await testApp.app.inject(`/v1/articles/${article.id}/comments?cursor=garbage`), 400)
  isProblem(t, await testApp.app.inject(`/v1/articles/${article.id}/comments?limit=0`), 400)
  isProblem(t, await testApp.app.inject(`/v1/articles/${article.id}/comments?limit=101`), 400)
  isProblem(t, await testApp.app.inject(`/v1/articles/${article.id}/comments?sort=new`), 400)
})

/** A form post, as a browser without JavaScript sends it. */
function submitForm(testApp: TestApp, articleId: string, body: string) {
  return testApp.app.inject({
    method: 'POST',
    url: `/v1/articles/${articleId}/comments`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': AGENT },
    remoteAddress: IP,
    payload: body,
  })
}

t.test('forms without JavaScript: the same fields form-encoded, and back to the page with 303', async (t) => {
  const testApp = POST
  const article = await createArticle(testApp, {}, { published: true })
  const fields = (extra: Record<string, string> = {}) =>
    new URLSearchParams({ authorName: 'Jo <b>Ruiz</b>', body: `Ferries at dawn & dusk, café notes ${++sent}.`, parentId: '', website: '', ...extra }).toString()

  const json = await submitForm(testApp, article.id, fields())
  t.equal(json.statusCode, 201, 'without returnTo: the JSON answer')
  t.match(json.headers['content-type'], /^application\/json/)
  t.match(json.json(), { authorName: 'Jo Ruiz', body: /^Ferries at dawn & dusk, café notes \d+\.$/, parentId: null, status: 'approved' })

  const back = await submitForm(testApp, article.id, fields({ returnTo: 'https://news.example.com/2024/ferries?view=full#talk' }))
  t.equal(back.statusCode, 303)
  t.equal(back.headers.location, 'https://news.example.com/2024/ferries?view=full&comment=published#talk', 'approved: published')
  const reply = await submitForm(testApp, article.id, fields({ parentId: json.json().id, returnTo: 'https://news.example.com/ferries' }))
  t.equal(reply.statusCode, 303, 'a reply')
  const spam = await submitForm(testApp, article.id, fields({ website: 'http://pills.example', returnTo: 'https://news.example.com/ferries' }))
  t.equal(spam.headers.location, 'https://news.example.com/ferries?comment=pending', 'spam reads as pending to its sender')

  const stored = (await testApp.app.inject({ url: `/v1/comments?articleId=${article.id}&limit=100`, headers: auth(testApp.moderator) })).json().data
  t.same(stored.map((c: any) => c.status), ['approved', 'approved', 'approved', 'spam'])
  t.equal(stored[2].parentId, json.json().id)
  t.equal(stored[0].userAgent, AGENT)

  for (const returnTo of ['https://evil.example/phish', 'http://news.example.com/ferries', '/ferries', 'javascript:alert(1)']) {
    const refused = await submitForm(testApp, article.id, fields({ returnTo }))
    isProblem(t, refused, 400)
    t.match(refused.json().errors, [{ path: 'body.returnTo' }], returnTo)
  }
  isProblem(t, await submitForm(testApp, article.id, fields({ autorName: 'Typo' })), 400)
  isProblem(t, await submitForm(testApp, article.id, `${fields()}&body=twice`), 400)
  isProblem(t, await submitForm(testApp, article.id, 'authorName=Jo'), 400)
  isProblem(t, await submitForm(testApp, article.id, fields({ body: 'x'.repeat(300_000) })), 413)
  isProblem(t, await submitForm(testApp, 'no-such-article', fields({ returnTo: 'https://news.example.com/ferries' })), 404)
  const returnToInJson = await submit(testApp, article.id, { returnTo: 'https://news.example.com/ferries' })
  isProblem(t, returnToInJson, 400)
  const after = (await testApp.app.inject({ url: `/v1/comments?articleId=${article.id}&limit=100`, headers: auth(testApp.moderator) })).json().data
  t.equal(after.length, 4, 'nothing refused was stored')

  const noBody = await testApp.app.inject({ method: 'POST', url: `/v1/articles/${article.id}/comments` })
  isProblem(t, noBody, 400)
  const moderation = await testApp.app.inject({
    method: 'PATCH',
    url: `/v1/comments/${json.json().id}`,
    headers: { ...auth(testApp.moderator), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'status=rejected',
  })
  isProblem(t, moderation, 415)
})

t.test('returnTo: only an origin listed one by one in CORS_WRITE_ORIGINS', async (t) => {
  t.equal(returnTarget(undefined, ['https://news.example.com']), null)
  t.equal(returnTarget('', ['https://news.example.com']), null)
  t.equal(returnTarget('https://news.example.com:443/a', ['https://news.example.com'])?.href, 'https://news.example.com/a')
  t.throws(() => returnTarget('https://news.example.com/a', ['*']), /CORS_WRITE_ORIGINS/, '`*` lets browsers write, but is no list of pages to send readers to')
  t.throws(() => returnTarget('https://news.example.com.evil.example/a', ['https://news.example.com']), /CORS_WRITE_ORIGINS/)
  t.equal(returnLocation(new URL('https://news.example.com/a?comment=x'), 'pending'), 'https://news.example.com/a?comment=pending', 'the outcome replaces one already there')
})
