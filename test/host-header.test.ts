// Absolute links never take a stranger's host: with PUBLIC_URL or ALLOWED_HOSTS set, a forged
// Host header on an editor's upload cannot make `Location`, `url` or the webhook event point at
// another site; with neither set, a service reachable from other machines says so at start.
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { auth, body, makeApp } from './helpers.js'
import { form, image } from './fixtures/media.js'
import { kill, startServer } from './server-process.js'

/** An editor's upload, with this Host header, on an app with these settings. */
async function upload(t: Parameters<typeof makeApp>[0], env: Record<string, string>, host: string) {
  const { app, editor } = await makeApp(t, env)
  const parts = form([{ name: 'file', value: await image('png', { width: 8, height: 8 }), filename: 'a.png' }])
  return app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(editor), ...parts.headers, host }, payload: parts.payload })
}

t.test('ALLOWED_HOSTS: a host not on the list never reaches a link', async (t) => {
  const env = { ALLOWED_HOSTS: 'cms.example.com, cms.example.com:8443' }
  const forged = await upload(t, env, 'evil.example')
  t.equal(forged.statusCode, 201)
  t.match(forged.headers.location, /^http:\/\/cms\.example\.com\/v1\/media\//, 'Location')
  t.match(body(forged).url, /^http:\/\/cms\.example\.com\/v1\/media\//, 'url')
  t.notMatch(forged.body, /evil\.example/)
  const listed = await upload(t, env, 'CMS.example.com:8443')
  t.match(body(listed).url, /^http:\/\/cms\.example\.com:8443\//, 'an allowed host is used as it is')
})

t.test('PUBLIC_URL wins over any Host', async (t) => {
  const forged = await upload(t, { PUBLIC_URL: 'https://news.example' }, 'evil.example')
  t.match(body(forged).url, /^https:\/\/news\.example\/v1\/media\//)
  t.match(forged.headers.location, /^https:\/\/news\.example\//)
})

t.test('ALLOWED_HOSTS is checked at start', async (t) => {
  t.same(loadConfig({ ALLOWED_HOSTS: 'A.example, b.example:8080,[::1]:3000' }).allowedHosts, ['a.example', 'b.example:8080', '[::1]:3000'])
  for (const bad of ['https://a.example', 'a.example/path', 'a b', 'a.example:port']) {
    t.throws(() => loadConfig({ ALLOWED_HOSTS: bad }), ConfigError, bad)
  }
})

t.test('a service on a public address without PUBLIC_URL or ALLOWED_HOSTS warns at start', async (t) => {
  const open = await startServer({ DATABASE_PATH: ':memory:', MEDIA_DIR: '/tmp/cms-test-media', HOST: '0.0.0.0' })
  t.teardown(() => kill(open))
  t.match(open.output(), /Neither PUBLIC_URL nor ALLOWED_HOSTS is set/)
  const set = await startServer({ DATABASE_PATH: ':memory:', MEDIA_DIR: '/tmp/cms-test-media', HOST: '0.0.0.0', ALLOWED_HOSTS: 'cms.example.com' })
  t.teardown(() => kill(set))
  t.notMatch(set.output(), /Neither PUBLIC_URL/)
  const local = await startServer({ DATABASE_PATH: ':memory:', MEDIA_DIR: '/tmp/cms-test-media' })
  t.teardown(() => kill(local))
  t.notMatch(local.output(), /Neither PUBLIC_URL/, 'a service on loopback is only reachable from here')
})
