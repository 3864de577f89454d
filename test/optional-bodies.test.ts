// Calls that may be made without a body (publish now, rotate a webhook secret with the default
// grace) work without one, with an empty JSON body too, and the OpenAPI document says their
// body is optional, so generated clients do not demand `body: {}`.
import t from 'tap'
import { auth, body, createArticle, makeApp } from './helpers.js'

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
