// CMS_ADMIN_TOKEN makes sure a bootstrap admin key exists at start, and a revocation of that key
// outlives a restart with the same environment: it is logged, never undone.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { testConfig } from './helpers.js'

const TOKEN = 'a-bootstrap-secret-of-thirty-two-chars'

t.test('a revoked bootstrap key stays revoked across restarts, with a warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-bootstrap-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ DATABASE_PATH: join(dir, 'cms.sqlite'), CMS_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' })
  const start = async () => {
    const logs: { msg?: string; keyId?: string }[] = []
    const app = await buildApp(config, { logStream: { write: (line) => logs.push(JSON.parse(line)) } })
    await app.ready()
    return { app, logs }
  }
  const headers = { authorization: `Bearer ${TOKEN}` }

  const first = await start()
  const keys = await first.app.inject({ url: '/v1/keys', headers })
  t.equal(keys.statusCode, 200, 'the bootstrap key works')
  const bootstrap = keys.json().data.find((key: { name: string }) => key.name === 'CMS_ADMIN_TOKEN')
  t.ok(bootstrap, 'and is listed')
  t.equal((await first.app.inject({ method: 'DELETE', url: `/v1/keys/${bootstrap.id}`, headers })).statusCode, 204)
  t.equal((await first.app.inject({ url: '/v1/keys', headers })).statusCode, 401, 'revoked at once')
  await first.app.close()

  const second = await start()
  t.teardown(() => second.app.close())
  t.equal((await second.app.inject({ url: '/v1/keys', headers })).statusCode, 401, 'still revoked after a restart')
  const warning = second.logs.find((line) => /CMS_ADMIN_TOKEN/.test(line.msg ?? ''))
  t.ok(warning, 'the start says why the token does not work')
  t.equal(warning?.keyId, bootstrap.id, 'naming the key, not the secret')
  t.notMatch(JSON.stringify(second.logs), TOKEN, 'the secret never reaches the log')
})

t.test('an existing bootstrap key is kept, not duplicated', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-bootstrap-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ DATABASE_PATH: join(dir, 'cms.sqlite'), CMS_ADMIN_TOKEN: TOKEN })
  for (let round = 0; round < 2; round++) {
    const app = await buildApp(config)
    await app.ready()
    const list = await app.inject({ url: '/v1/keys', headers: { authorization: `Bearer ${TOKEN}` } })
    t.equal(list.json().data.filter((key: { name: string }) => key.name === 'CMS_ADMIN_TOKEN').length, 1, `one bootstrap key after start ${round + 1}`)
    await app.close()
  }
})
