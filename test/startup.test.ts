// What start-up defers: the media and HTML libraries load at their first use, validators and
// serializers compile at theirs (each once, all of them by the warm-up), and a schema that does
// not compile is a 500 problem at its first request, never a crash.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { pathToFileURL } from 'node:url'
import { projectPath } from '../src/paths.js'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { onFirstUse, warmUp } from '../src/http/lazy-compile.js'
import { makeApp, testConfig } from './helpers.js'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../src/config.js'
import { build, kill, spawnServer, within } from './server-process.js'

// In a process of its own: the test files share processes (test/shards), and another file's
// tests have loaded sharp long before this one runs. The libraries are required lazily
// (src/media/libraries.ts, src/text/sanitize.ts), so require's cache shows whether they loaded.
t.test('an app starts without loading sharp, exifr or sanitize-html', async (t) => {
  await build()
  const dist = (...parts: string[]) => JSON.stringify(pathToFileURL(projectPath('dist', 'src', ...parts)).href)
  const probe = `
    import { createRequire } from 'node:module'
    const { loadConfig } = await import(${dist('config.js')})
    const { openDatabase } = await import(${dist('db', 'client.js')})
    const { buildApp } = await import(${dist('app.js')})
    const config = loadConfig({ DATABASE_PATH: ':memory:', MEDIA_DIR: ${JSON.stringify(join(tmpdir(), 'cms-startup-probe'))}, LOG_LEVEL: 'silent' })
    const app = await buildApp(config, { db: openDatabase(':memory:') })
    await app.ready()
    const loaded = Object.keys(createRequire(import.meta.url).cache)
    await app.close()
    console.log(JSON.stringify(['sharp', 'exifr', 'sanitize-html', 'fastify'].filter((name) => loaded.some((file) => file.includes('/node_modules/' + name + '/')))))
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], { timeout: 30_000 })
  const loaded: string[] = JSON.parse(stdout)
  t.ok(loaded.includes('fastify'), 'the probe sees what the app loaded')
  for (const name of ['sharp', 'exifr', 'sanitize-html']) t.notOk(loaded.includes(name), `${name} is not loaded`)
})

t.test('onFirstUse compiles at the first call only, and once', async (t) => {
  let compiles = 0
  const get = onFirstUse(() => ({ n: ++compiles }))
  t.equal(compiles, 0, 'nothing compiled up front')
  const first = get()
  t.equal(get(), first, 'the same result every time')
  t.equal(compiles, 1)
})

t.test('warmUp compiles what is pending; a failure is reported and left to its first use', async (t) => {
  let compiles = 0
  const good = onFirstUse(() => ++compiles)
  const bad = onFirstUse((): number => {
    throw new Error('does not compile')
  })
  const errors: unknown[] = []
  await warmUp({ onError: (error) => errors.push(error) })
  t.equal(compiles, 1, 'compiled by the warm-up')
  t.equal(good(), 1, 'and not again')
  t.equal(errors.length, 1)
  t.match(String(errors[0]), /does not compile/)
  t.throws(() => bad(), /does not compile/, 'its first use fails as it would have')
})

t.test('every route schema of the app compiles', async (t) => {
  const { app } = await makeApp(t)
  t.ok(app.hasRoute({ method: 'GET', url: '/v1/articles' }))
  const errors: unknown[] = []
  await warmUp({ onError: (error) => errors.push(error) })
  t.same(errors, [], 'no validator or serializer failed to compile')
})

t.test('the first request to a route answers as every later one does', async (t) => {
  const { app } = await makeApp(t)
  for (let i = 0; i < 2; i++) {
    const bad = await app.inject({ method: 'GET', url: '/v1/articles?limit=abc' })
    t.equal(bad.statusCode, 400)
    t.match(bad.json(), { status: 400, errors: [{ path: 'querystring.limit' }] })
    const list = await app.inject({ method: 'GET', url: '/v1/articles?limit=5' })
    t.equal(list.statusCode, 200)
    t.same(list.json(), { data: [], nextCursor: null }, 'coerced and serialized')
  }
})

t.test('a route schema that does not compile is a 500 problem at its request', async (t) => {
  const app = await buildApp(testConfig(), { db: openDatabase(':memory:') })
  t.teardown(() => app.close())
  app.post(
    '/broken',
    { schema: { hide: true, body: { type: 'object', properties: { a: { type: 'no-such-type' } } } } },
    async () => ({ ok: true }),
  )
  await app.ready()
  const res = await app.inject({ method: 'POST', url: '/broken', payload: { a: 1 } })
  t.equal(res.statusCode, 500)
  t.match(res.headers['content-type'], /application\/problem\+json/)
})

// A bad setting stops the service at start with one line naming the variable and the cause,
// never a stack trace or a JSON log line: proxies it cannot parse, paths it cannot use, an
// address it cannot bind.
t.test('TRUST_PROXY takes addresses, CIDRs and proxy-addr range names, and refuses anything else', async (t) => {
  for (const good of ['true', 'false', '2', '10.0.0.0/8', '10.0.0.1, 192.168.0.0/16', 'loopback,uniquelocal', '::1', 'fd00::/8']) {
    t.doesNotThrow(() => loadConfig({ TRUST_PROXY: good }), good)
  }
  for (const bad of ['maybe', '10.0.0.0/33', '10.0.0.0/8/8', '::/129', '10.0.0', 'loopback,nope']) {
    t.throws(() => loadConfig({ TRUST_PROXY: bad }), ConfigError, bad)
  }
})

t.test('each bad setting is one line naming the variable, and exit status 1', async (t) => {
  await build()
  const dir = mkdtempSync(join(tmpdir(), 'cms-startup-'))
  const file = join(dir, 'a-file')
  writeFileSync(file, 'not a folder')
  mkdirSync(join(dir, 'a-folder'))
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  const busyPort = String((busy.address() as { port: number }).port)
  t.teardown(() => {
    busy.close()
    rmSync(dir, { recursive: true, force: true })
  })
  // PUBLIC_URL set: a start on a public HOST would otherwise warn about it first.
  const memory = { DATABASE_PATH: ':memory:', MEDIA_DIR: join(dir, 'media'), PUBLIC_URL: 'https://cms.example.com' }
  const cases: [Record<string, string>, RegExp][] = [
    [{ ...memory, TRUST_PROXY: 'maybe' }, /^Configuration error: TRUST_PROXY: .*"maybe"$/],
    [{ ...memory, TRUST_PROXY: '10.0.0.0/33' }, /^Configuration error: TRUST_PROXY: .*"10\.0\.0\.0\/33"$/],
    [{ ...memory, DATABASE_PATH: join(file, 'cms.sqlite') }, /^Configuration error: DATABASE_PATH: cannot use ".*a-file\/cms\.sqlite": .+$/],
    [{ ...memory, DATABASE_PATH: join(dir, 'a-folder') }, /^Configuration error: DATABASE_PATH: cannot use ".*a-folder": unable to open database file$/],
    [{ ...memory, MEDIA_DIR: join(file, 'media') }, /^Configuration error: MEDIA_DIR: cannot use ".*a-file\/media": ENOTDIR: not a directory$/],
    [{ ...memory, HOST: 'no.such.host.invalid' }, /^Configuration error: HOST: "no\.such\.host\.invalid" is not an address of this machine$/],
    [{ ...memory, PORT: busyPort }, new RegExp(`^Configuration error: PORT: ${busyPort} is already in use on 127\\.0\\.0\\.1$`)],
  ]
  for (const [env, line] of cases) {
    const server = spawnServer({ ...env, LOG_LEVEL: 'warn' })
    t.teardown(() => kill(server))
    const exit = await within(server.exited, 15_000, `start with ${JSON.stringify(env)}`)
    t.equal(exit.code, 1, `${JSON.stringify(env)}: exit status`)
    t.match(server.output().trim(), line, `${JSON.stringify(env)}: one line naming the variable`)
    t.equal(server.output().trim().split('\n').length, 1, 'and nothing else')
  }
})
