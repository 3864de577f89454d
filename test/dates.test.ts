// Every time the API accepts is an instant the service can compute with: RFC 3339 allows a leap
// second (23:59:60) that JavaScript dates cannot hold, and an embargo compared with NaN would
// publish a story at once.
import t from 'tap'
import { auth, body, createArticle, makeApp, type TestApp } from './helpers.js'

const publishAt = ({ app, editor }: TestApp, id: string, at: string) =>
  app.inject({ method: 'POST', url: `/v1/articles/${id}/publish`, headers: auth(editor), payload: { at } })

t.test('an embargo at a leap second is a 400, and the story stays a draft', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp)
  const res = await publishAt(testApp, draft.id, '2099-12-31T23:59:60Z')
  t.equal(res.statusCode, 400)
  t.match(body(res), { status: 400, errors: [{ path: 'body.at' }] })
  const after = await testApp.app.inject({ method: 'GET', url: `/v1/articles/${draft.id}`, headers: auth(testApp.editor) })
  t.equal(body(after).status, 'draft', 'not published')
  t.equal(body(after).version, draft.version, 'not changed at all')
})

t.test('impossible dates are 400s; real ones, in any offset, are accepted', async (t) => {
  const testApp = await makeApp(t)
  const draft = await createArticle(testApp)
  for (const at of ['2099-02-30T10:00:00Z', '2099-13-01T10:00:00Z', '2099-12-31T24:00:00Z', '2099-12-31T23:59:60+01:00']) {
    const res = await publishAt(testApp, draft.id, at)
    t.equal(res.statusCode, 400, at)
  }
  const res = await publishAt(testApp, draft.id, '2099-12-31T23:59:59.999+02:00')
  t.equal(res.statusCode, 200)
  t.equal(body(res).status, 'scheduled')
  t.equal(body(res).scheduledAt, '2099-12-31T21:59:59.999Z', 'kept as the same instant in UTC')
})
