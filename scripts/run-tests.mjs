// Runs the tap suite and ends with the plain line "N passed, N failed" that CI reads.
// Extra arguments go to tap (e.g. `npm test -- test/articles.test.ts`).
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
// tap's own command-line entry, found through its package.json so no shell or PATH is involved.
const TAP_BIN = join(dirname(require.resolve('tap/package.json')), 'dist/esm/run.mjs')

const args = process.argv.slice(2)
// Coverage thresholds are for the whole suite: a run of a few files would always miss them.
if (args.some((arg) => arg.endsWith('.ts'))) args.unshift('--disable-coverage')

// Several files start the built server as `npm start` does: build once, before any of them
// runs, rather than have them race to write dist/ at the same time.
const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
if (build.status !== 0) {
  process.stdout.write('\n0 passed, 1 failed\n')
  process.exit(1)
}

const child = spawn(process.execPath, [TAP_BIN, ...args], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0', SKIP_BUILD: '1' },
})

let tail = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  tail = (tail + chunk.toString('utf8')).slice(-20_000)
})

child.on('close', (code) => {
  const summary = [...tail.matchAll(/# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/g)].pop()
  const passed = Number(summary?.[2] ?? 0)
  const failed = Number(summary?.[3] ?? 0) + (summary === undefined || (code !== 0 && Number(summary?.[3] ?? 0) === 0) ? 1 : 0)
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`)
  process.exit(code === 0 && failed === 0 ? 0 : 1)
})
