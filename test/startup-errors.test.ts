// A bad setting stops the service at start with one line naming the variable and the cause,
// never a stack trace or a JSON log line: proxies it cannot parse, paths it cannot use, an
// address it cannot bind.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { build, kill, spawnServer, within } from './server-process.js'

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
