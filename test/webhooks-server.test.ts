// The real server, started the way `npm start` runs it, delivering a webhook over HTTP; its
// logs, at the most verbose level, must hold no secret and no signature.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import t from 'tap'
import { startReceiver } from './webhooks-receiver.js'

function waitForListening(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output()}`)), 30_000)
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output())
      if (!match) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      resolve(match[1]!)
    }
    child.stdout!.on('data', check)
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}:\n${output()}`)))
  })
}

t.test('the running service delivers, retries, and never logs a secret', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-webhooks-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const adminToken = randomBytes(24).toString('base64url')
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'cms.sqlite'),
      MEDIA_DIR: join(dir, 'media'),
      CMS_ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'trace',
      WEBHOOK_POLL_MS: '20',
      WEBHOOK_RETRY_SCHEDULE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const base = await waitForListening(child, () => output)

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as any }
  }

  const receiver = await startReceiver(t, (_request, i) => ({ status: i === 0 ? 500 : 200 }))
  const editor = (await call('POST', '/v1/keys', adminToken, { name: 'desk', role: 'editor' })).body.token as string
  const hook = await call('POST', '/v1/webhooks', adminToken, { url: receiver.url, events: ['article.published'] })
  t.equal(hook.status, 201)
  const article = (await call('POST', '/v1/articles', editor, { title: 'Night ferry resumes service' })).body
  t.equal((await call('POST', `/v1/articles/${article.id}/publish`, editor)).status, 200)

  const requests = await receiver.waitFor(2, 10_000)
  t.equal(requests[1]!.headers['webhook-id'], requests[0]!.headers['webhook-id'])
  const payload = new StandardWebhook(hook.body.secret).verify(requests[1]!.body, requests[1]!.headers as Record<string, string>) as any
  t.match(payload, { type: 'article.published', data: { id: article.id } })

  const rotated = await call('POST', `/v1/webhooks/${hook.body.id}/rotate-secret`, adminToken)
  t.equal(rotated.status, 200)
  const log = await call('GET', `/v1/webhooks/${hook.body.id}/deliveries`, adminToken)
  t.same(log.body.data.map((a: any) => a.statusCode), [200, 500])

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'a clean exit on SIGTERM')
  t.match(output, /webhook attempt failed; it will be retried/, 'the failed attempt was logged')
  const secrets = [hook.body.secret, rotated.body.secret].map((secret: string) => secret.slice('whsec_'.length))
  for (const secret of secrets) t.notOk(output.includes(secret), 'no secret in the logs')
  t.notOk(output.includes('whsec_'))
  for (const request of requests) {
    for (const signature of String(request.headers['webhook-signature']).split(' ')) {
      t.notOk(output.includes(signature.slice(3)), 'no signature in the logs')
    }
  }
  t.notOk(output.includes(adminToken), 'no API key in the logs')
})
