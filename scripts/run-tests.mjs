// Runs one tier of the tap suite and ends with the plain line "N passed, N failed" that CI reads.
//
//   node scripts/run-tests.mjs          `npm test`: the fast tier, every file in test/ but
//                                       test/slow/, run by the two shards of test/shards
//                                       (package.json's tap include), with the coverage
//                                       thresholds of package.json's tap section.
//   node scripts/run-tests.mjs --slow   `npm run test:slow`: test/slow/ (benchmark smoke, crash,
//                                       concurrency, large seeds) and the fuzz files again with
//                                       FUZZ_RUNS=300 (unless set); coverage off.
//
// Extra arguments go to tap (e.g. `npm test -- test/articles.test.ts`); a test file among them
// replaces the tier's list of files and turns coverage off.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
// tap's own command-line entry, found through its package.json so no shell or PATH is involved.
const TAP_BIN = join(dirname(require.resolve('tap/package.json')), 'dist/esm/run.mjs')
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The slow tier: everything in test/slow/, and the fuzz files (few runs in the fast tier) at length. */
const SLOW_FILES = ['test/slow/*.test.ts', 'test/fuzz-*.test.ts']
const SLOW_FUZZ_RUNS = '300'

const slow = process.argv.includes('--slow')
const args = process.argv.slice(2).filter((arg) => arg !== '--slow')
const env = { ...process.env, FORCE_COLOR: '0', SKIP_BUILD: '1' }
const namesFiles = args.some((arg) => arg.endsWith('.ts'))
// Coverage thresholds are for the whole fast tier: a run of a few files would always miss them,
// and the slow tier adds nothing to them but time.
if (slow || namesFiles) args.unshift('--disable-coverage')
if (slow) {
  // A loaded machine can make the benchmark smoke or a long fuzz run take minutes; a later
  // --timeout (`npm run stress` passes 0) still wins.
  args.unshift('--timeout=300')
  if (!namesFiles) args.push(...SLOW_FILES)
  env.FUZZ_RUNS ??= SLOW_FUZZ_RUNS
}

// Several files start the built server as `npm start` does: build once, before any of them
// runs, rather than have them race to write dist/ at the same time.
const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
if (build.status !== 0) {
  process.stdout.write('\nthe build failed: no test ran\n0 passed, 1 failed\n')
  process.exit(1)
}

// The fast tier's shards (test/shards) take files from one queue: a fresh directory per run.
const claims = slow || namesFiles ? null : mkdtempSync(join(tmpdir(), 'cms-test-shards-'))
if (claims !== null) env.TEST_SHARD_CLAIMS = claims
const child = spawn(process.execPath, [TAP_BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env })

let tail = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  tail = (tail + chunk.toString('utf8')).slice(-20_000)
})

/**
 * The coverage figures tap's text-summary printed that are under the thresholds (package.json's
 * tap section), as "branches 79.12% < 80%"; empty when none is, or when no summary was printed
 * (coverage off). tap itself exits 1 in that case without saying why.
 */
function coverageShortfalls(output) {
  const thresholds = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).tap ?? {}
  const shortfalls = []
  for (const name of ['statements', 'branches', 'functions', 'lines']) {
    const match = new RegExp(`^${name}\\s*:\\s*([\\d.]+)%`, 'im').exec(output)
    // A threshold given on the command line (`npm test -- --branches=90`) wins, as it does for tap.
    const given = args.findLast((arg) => arg.startsWith(`--${name}=`))
    const minimum = Number(given?.slice(name.length + 3) ?? thresholds[name] ?? 0)
    if (match && Number(match[1]) < minimum) shortfalls.push(`${name} ${match[1]}% < ${minimum}%`)
  }
  return shortfalls
}

child.on('close', (code) => {
  if (claims !== null) rmSync(claims, { recursive: true, force: true })
  const summary = [...tail.matchAll(/# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/g)].pop()
  const passed = Number(summary?.[2] ?? 0)
  const failedTests = Number(summary?.[3] ?? 0)
  // tap exiting non-zero with no failed test (coverage under a threshold, a crash before the
  // summary) still counts as a failure, so the last line never reads "0 failed" on a red run.
  const failed = failedTests + (summary === undefined || (code !== 0 && failedTests === 0) ? 1 : 0)
  if (code !== 0 && failedTests === 0) {
    const shortfalls = coverageShortfalls(tail)
    if (summary !== undefined && shortfalls.length > 0) {
      process.stdout.write(`\nEvery test passed; the run failed only because coverage is under package.json's thresholds: ${shortfalls.join(', ')}\n`)
    } else if (summary !== undefined) {
      process.stdout.write(`\nEvery test passed, but tap exited with status ${code} (see its output above)\n`)
    }
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`)
  process.exit(code === 0 && failed === 0 ? 0 : 1)
})
