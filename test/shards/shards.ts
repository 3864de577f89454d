// The fast tier runs its files in two processes (tap's `jobs`), not one process each. Every tap
// process pays about three seconds to load TypeScript and the whole service before its first
// test; with eighty files that was most of `npm test`'s time. A shard imports files one after
// another, so their tests run as they would alone, in file order, in one process. Each file
// still runs by itself too: `npm test -- test/articles.test.ts`.
//
// A file joins by being a `test/*.test.ts`: nothing to register. A test that needs a process of
// its own (what a fresh process has loaded, process-wide state) spawns one.
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/** tap's `jobs` in package.json: one shard per job. */
export const SHARD_COUNT = 2

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url))

/** Every fast-tier file, largest first: size on disk is a rough stand-in for run time. */
function fastTierFiles(): string[] {
  return readdirSync(TEST_DIR)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => ({ name, size: statSync(join(TEST_DIR, name)).size }))
    .sort((a, b) => b.size - a.size || a.name.localeCompare(b.name))
    .map(({ name }) => name)
}

/**
 * The files shard `n` (1-based) runs. Under `npm test` (scripts/run-tests.mjs sets
 * TEST_SHARD_CLAIMS to a fresh directory) the shards share one queue: each takes the next file
 * nobody has taken (mkdir is atomic), so a shard that drew short files takes more of them and
 * both end together. Without it (tap run directly), the files are dealt in turn.
 */
export function* filesOfShard(n: number, claims = process.env.TEST_SHARD_CLAIMS): Generator<string> {
  const files = fastTierFiles()
  for (const [index, name] of files.entries()) {
    if (!claims) {
      if (index % SHARD_COUNT === n - 1) yield name
      continue
    }
    try {
      mkdirSync(join(claims, name))
    } catch {
      continue // another shard has it
    }
    yield name
  }
}

/**
 * Runs shard `n`. Each file is loaded by a test of the shard's own, queued on this process's tap
 * behind the tests of the file before: it takes the next file only once the previous file's tests
 * have ended (so the queue balances the shards by run time), imports it (its tests queue behind
 * the loader), and queues the loader of the file after. A file that throws while loading fails
 * its loader, and the shard goes on with the next.
 */
export function runShard(n: number): void {
  const files = filesOfShard(n)
  const loadNext = () => {
    t.test(`shard ${n} takes the next file`, async (t) => {
      const next = files.next()
      if (next.done) return
      try {
        // The `.js` spelling, as every import in the project: the TypeScript loader maps it.
        await import(`../${next.value.replace(/\.ts$/, '.js')}`)
        t.pass(`test/${next.value} loaded`)
      } finally {
        loadNext()
      }
    })
  }
  loadNext()
}
