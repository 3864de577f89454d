// The `write` and `check` commands of a file generated from the code and committed (the OpenAPI
// document, the tokenizer's table): `write` writes it; `check` fails when the committed file
// differs from what was generated, a missing one being as stale as a different one.
import { readFileSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { projectPath } from '../src/paths.js'

export interface GeneratedFile {
  /** Where it is committed. */
  file: string
  generated: string
  /** The script's name, for the usage line. */
  script: string
  /** What to run when it is stale. */
  fix: string
}

export function writeOrCheck(mode: string | undefined, { file, generated, script, fix }: GeneratedFile): void {
  const name = relative(projectPath(), file)
  if (mode === 'write') {
    writeFileSync(file, generated)
    process.stdout.write(`Wrote ${file}\n`)
  } else if (mode === 'check') {
    let committed = ''
    try {
      committed = readFileSync(file, 'utf8')
    } catch {
      // Missing: stale.
    }
    if (committed !== generated) {
      process.stderr.write(`${name} is stale: ${fix}.\n`)
      process.exit(1)
    }
    process.stdout.write(`${name} is up to date.\n`)
  } else {
    process.stderr.write(`usage: ${script} write|check\n`)
    process.exit(2)
  }
}
