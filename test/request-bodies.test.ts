// Request bodies at their edges. Text and URLs that parse but mean nothing are refused with a
// 400 naming the field: a lone UTF-16 surrogate (no text, not writable as UTF-8) and "http:///x"
// (which URL parsers read as "http://x/", a host nobody typed).
import t from 'tap'
import { auth, body, createArticle, makeApp } from './helpers.js'

const json = (payload: string) => ({ headers: { 'content-type': 'application/json' }, payload })

t.test('a lone surrogate anywhere in a JSON body is a 400 naming the field', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/articles', headers: { ...auth(editor), 'content-type': 'application/json' }, payload })
  const lone = await post('{"title":"Broken \\ud800 headline"}')
  t.equal(lone.statusCode, 400)
  t.match(body(lone), { errors: [{ path: 'body.title', message: /surrogate/ }] })
  const deep = await post('{"title":"Fine","body":[{"type":"paragraph","text":"ok"},{"type":"paragraph","text":"\\udc00 low"}]}')
  t.equal(deep.statusCode, 400)
  t.match(body(deep), { errors: [{ path: 'body.body[1].text' }] })
  const listed = await app.inject({ url: '/v1/articles?status=draft', headers: auth(editor) })
  t.same(body(listed).data, [], 'nothing was stored')

  const pair = await post('{"title":"A pair is fine \\ud83d\\ude00 and so is \\u00e9"}')
  t.equal(pair.statusCode, 201)
  t.equal(body(pair).title, 'A pair is fine 😀 and so is é')
  const plain = await post(JSON.stringify({ title: 'Escaped backslash-u text: \\ud800 stays text' }))
  t.equal(plain.statusCode, 201, 'a backslash followed by "ud800" is just text')

  const article = await createArticle(testApp)
  const comment = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/comments`, ...json('{"authorName":"R","body":"x \\ud800"}') })
  t.equal(comment.statusCode, 400, 'a body that is no text is refused before anything else, as malformed JSON is')
  const broken = await app.inject({ method: 'POST', url: '/v1/articles', headers: { ...auth(editor), 'content-type': 'application/json' }, payload: '{"title": "x"' })
  t.equal(broken.statusCode, 400, 'malformed JSON is still a 400')
})

t.test('a URL without a host is a 400, in blocks and in related links', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const article = await createArticle(testApp)
  for (const url of ['http:///x', 'https:///', 'http://', 'https://?q=1']) {
    const link = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/related`, headers: auth(editor), payload: { url, title: 'A link' } })
    t.equal(link.statusCode, 400, `related link ${url}`)
    const block = await app.inject({
      method: 'PATCH',
      url: `/v1/articles/${article.id}`,
      headers: auth(editor),
      payload: { body: [{ type: 'embed', url }] },
    })
    t.equal(block.statusCode, 400, `embed block ${url}`)
  }
  const good = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/related`, headers: auth(editor), payload: { url: 'https://news.example/story', title: 'A link' } })
  t.equal(good.statusCode, 201)
  t.equal(body(good).url, 'https://news.example/story')
})

// Calls that may be made without a body (publish now, rotate a webhook secret with the default
// grace) work without one, with an empty JSON body too, and the OpenAPI document says their
// body is optional, so generated clients do not demand `body: {}`.
t.test('publish and rotate-secret take no body, or an empty one', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor, admin } = testApp
  const none = await createArticle(testApp)
  const withoutBody = await app.inject({ method: 'POST', url: `/v1/articles/${none.id}/publish`, headers: auth(editor) })
  t.equal(withoutBody.statusCode, 200, 'no body, no Content-Type')
  t.equal(body(withoutBody).status, 'published')

  const empty = await createArticle(testApp)
  const emptyJson = await app.inject({
    method: 'POST',
    url: `/v1/articles/${empty.id}/publish`,
    headers: { ...auth(editor), 'content-type': 'application/json' },
    payload: '',
  })
  t.equal(emptyJson.statusCode, 200, 'Content-Type: application/json with no bytes')
  t.equal(body(emptyJson).status, 'published')

  const hook = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(admin), payload: { url: 'https://hooks.example/in', events: ['article.published'] } })
  t.equal(hook.statusCode, 201)
  const rotated = await app.inject({
    method: 'POST',
    url: `/v1/webhooks/${body(hook).id}/rotate-secret`,
    headers: { ...auth(admin), 'content-type': 'application/json' },
    payload: '',
  })
  t.equal(rotated.statusCode, 200, 'rotate with an empty JSON body')
  t.not(body(rotated).secret, body(hook).secret, 'a new secret')

  const required = await app.inject({ method: 'POST', url: '/v1/articles', headers: { ...auth(editor), 'content-type': 'application/json' }, payload: '' })
  t.equal(required.statusCode, 400, 'a body that is required is still required')
  t.match(body(required), { status: 400 })
})

t.test('the document says which request bodies are optional', async (t) => {
  const { app } = await makeApp(t)
  const doc = (await app.inject('/openapi.json')).json()
  const byId = new Map<string, any>()
  for (const item of Object.values<Record<string, any>>(doc.paths)) for (const op of Object.values<any>(item)) byId.set(op.operationId, op)
  t.equal(byId.get('publishArticle').requestBody.required, false)
  t.equal(byId.get('rotateWebhookSecret').requestBody.required, false)
  t.equal(byId.get('createArticle').requestBody.required, true)
  t.notMatch(JSON.stringify(doc), /x-optional-body/, 'the marker does not reach the document')
})

t.test('a block with no text left once disallowed markup is removed is a 400 naming it', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const post = (body: unknown[]) => app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload: { title: 'Blocks', body } })
  const cases: [unknown, string][] = [
    [{ type: 'paragraph', text: '<img src=x onerror=alert(1)>' }, 'body.body[1].text'],
    [{ type: 'heading', text: '<script>q</script>', level: 2 }, 'body.body[1].text'],
    [{ type: 'list', style: 'bulleted', items: ['fine', '<style>p{}</style>'] }, 'body.body[1].items[1]'],
    [{ type: 'quote', text: 'Said', attribution: '<iframe></iframe>  ' }, 'body.body[1].attribution'],
  ]
  for (const [block, path] of cases) {
    const res = await post([{ type: 'paragraph', text: 'A fine opening.' }, block])
    t.equal(res.statusCode, 400, path)
    t.match(body(res), { errors: [{ path, message: /no text left/ }] }, path)
  }
  const kept = await post([{ type: 'paragraph', text: 'Kept <b>bold</b> and <script>x</script>text' }])
  t.equal(kept.statusCode, 201, 'a field with text left is stored, cleaned')
  t.equal(body(kept).body[0].text, 'Kept <b>bold</b> and text')
})

t.test('markup is bounded per field and per body, before any of it is parsed', async (t) => {
  const testApp = await makeApp(t)
  const { app, editor } = testApp
  const post = (body: unknown[]) => app.inject({ method: 'POST', url: '/v1/articles', headers: auth(editor), payload: { title: 'Markup', body } })
  const heavyField = await post([{ type: 'paragraph', text: '<b>x</b>'.repeat(300) }])
  t.equal(heavyField.statusCode, 400)
  t.match(body(heavyField), { errors: [{ path: 'body.body[0].text', message: /600 tags/ }] })
  // The attack's shape: 250 paragraphs of many tags each, refused quickly and without blocking others.
  const attack = Array.from({ length: 250 }, () => ({ type: 'paragraph', text: '<b>x</b>'.repeat(240) }))
  const started = Date.now()
  const [refused, read] = await Promise.all([post(attack), app.inject({ url: '/health' })])
  t.equal(refused.statusCode, 400)
  t.match(body(refused), { errors: [{ path: 'body.body', message: /at most 10000/ }] })
  t.ok(Date.now() - started < 1500, `refused in ${Date.now() - started} ms`)
  t.equal(read.statusCode, 200)
  const fine = await post(Array.from({ length: 40 }, () => ({ type: 'paragraph', text: 'A <a href="https://x.example">link</a> and <em>more</em>.' })))
  t.equal(fine.statusCode, 201, 'a long story with ordinary markup is fine')
})
