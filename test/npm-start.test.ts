// `npm start` as a process manager runs it: SIGTERM to the started process itself (npm) must
// reach the server, which drains and exits, rather than leaving it running, re-parented, with
// the port and the database still held.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { projectPath } from '../src/paths.js'
import { build, within } from './server-process.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('SIGTERM to the npm start process stops the server', async (t) => {
  await build()
  const dir = mkdtempSync(join(tmpdir(), 'cms-npm-start-'))
  // --ignore-scripts skips only the prestart build, done already; start itself runs as always.
  const npm = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'db.sqlite'), MEDIA_DIR: join(dir, 'media') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let serverPid = 0
  t.teardown(() => {
    if (serverPid !== 0 && alive(serverPid)) process.kill(serverPid, 'SIGKILL')
    if (npm.exitCode === null) npm.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  let out = ''
  const npmExited = new Promise<void>((resolve) => npm.on('exit', () => resolve()))
  const base = await within(
    new Promise<string>((resolve) => {
      const check = (chunk: Buffer) => {
        out += chunk.toString('utf8')
        const line = /^\{.*"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)".*$/m.exec(out)
        if (line) {
          serverPid = (JSON.parse(line[0]) as { pid: number }).pid
          resolve(line[1]!)
        }
      }
      npm.stdout!.on('data', check)
      npm.stderr!.on('data', check)
    }),
    30_000,
    'npm start listening',
  )
  t.not(serverPid, npm.pid, 'the server is a process of its own under npm')
  t.equal((await fetch(`${base}/health`)).status, 200)

  npm.kill('SIGTERM')
  await within(npmExited, 15_000, 'npm exits')
  const deadline = Date.now() + 15_000
  while (alive(serverPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  t.notOk(alive(serverPid), 'the server process is gone')
  t.match(out, /"signal":"SIGTERM","msg":"closing"/, 'it closed gracefully on SIGTERM')
  await t.rejects(fetch(`${base}/health`), 'nothing listens on its port any more')
})
