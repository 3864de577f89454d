// The real server, started the way `npm start` runs it, delivering a webhook over HTTP; its
// logs, at the most verbose level, must hold no secret and no signature.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import t from 'tap'
import { startReceiver } from './webhooks-receiver.js'
import { build, call, kill, startServer } from './server-process.js'

t.before(build)

t.test('the running service delivers, retries, and never logs a secret', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-webhooks-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const adminToken = randomBytes(24).toString('base64url')
  const server = await startServer({
    DATABASE_PATH: join(dir, 'cms.sqlite'),
    MEDIA_DIR: join(dir, 'media'),
    CMS_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'trace',
    WEBHOOK_POLL_MS: '20',
    WEBHOOK_RETRY_SCHEDULE: '0',
    // The receiver listens on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE: 'true',
  })
  t.teardown(() => kill(server))
  const { base } = server

  const receiver = await startReceiver(t, (_request, i) => ({ status: i === 0 ? 500 : 200 }))
  const editor = (await call(base, 'POST', '/v1/keys', adminToken, { name: 'desk', role: 'editor' })).json.token as string
  const hook = await call(base, 'POST', '/v1/webhooks', adminToken, { url: receiver.url, events: ['article.published'] })
  t.equal(hook.status, 201)
  const article = (await call(base, 'POST', '/v1/articles', editor, { title: 'Night ferry resumes service' })).json
  t.equal((await call(base, 'POST', `/v1/articles/${article.id}/publish`, editor)).status, 200)

  const requests = await receiver.waitFor(2, 10_000)
  t.equal(requests[1]!.headers['webhook-id'], requests[0]!.headers['webhook-id'])
  const payload = new StandardWebhook(hook.json.secret).verify(requests[1]!.body, requests[1]!.headers as Record<string, string>) as any
  t.match(payload, { type: 'article.published', data: { id: article.id } })

  const rotated = await call(base, 'POST', `/v1/webhooks/${hook.json.id}/rotate-secret`, adminToken)
  t.equal(rotated.status, 200)
  const log = await call(base, 'GET', `/v1/webhooks/${hook.json.id}/deliveries`, adminToken)
  t.same(log.json.data.map((a: any) => a.statusCode), [200, 500])

  server.child.kill('SIGTERM')
  t.same(await server.exited, { code: 0, signal: null }, 'a clean exit on SIGTERM')
  const output = server.output()
  t.match(output, /webhook attempt failed; it will be retried/, 'the failed attempt was logged')
  const secrets = [hook.json.secret, rotated.json.secret].map((secret: string) => secret.slice('whsec_'.length))
  for (const secret of secrets) t.notOk(output.includes(secret), 'no secret in the logs')
  t.notOk(output.includes('whsec_'))
  for (const request of requests) {
    for (const signature of String(request.headers['webhook-signature']).split(' ')) {
      t.notOk(output.includes(signature.slice(3)), 'no signature in the logs')
    }
  }
  t.notOk(output.includes(adminToken), 'no API key in the logs')
})
