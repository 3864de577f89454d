// The tokenizer table (src/text/fts-token-table.ts) against every code point: the script that
// writes it asks the linked SQLite's FTS5 again and fails when any answer differs (a SQLite
// upgrade that changed unicode61). Slow tier: 1.1 million probes take about ten seconds.
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { projectPath } from '../../src/paths.js'

t.test('the committed tokenizer table is what FTS5 does with every code point', async (t) => {
  const run = spawnSync(process.execPath, [projectPath('dist', 'scripts', 'fts-token-table.js'), 'check'], { encoding: 'utf8' })
  t.equal(run.status, 0, run.stderr || run.stdout)
  t.match(run.stdout, /up to date/)
})
