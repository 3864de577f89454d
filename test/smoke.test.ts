import t from 'tap'
import { makeApp } from './helpers.js'

t.test('health', async (t) => {
  const { app } = await makeApp(t)
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})
