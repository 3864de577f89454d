// Writes the OpenAPI document to openapi/openapi.json (`write`), or fails when the committed
// file differs from what the code generates (`check`).
import { readFileSync, writeFileSync } from 'node:fs'
import { generateOpenApiDocument } from '../src/openapi-document.js'
import { projectPath } from '../src/paths.js'

const mode = process.argv[2]
const file = projectPath('openapi', 'openapi.json')
const generated = await generateOpenApiDocument()

if (mode === 'write') {
  writeFileSync(file, generated)
  process.stdout.write(`Wrote ${file}\n`)
} else if (mode === 'check') {
  let committed = ''
  try {
    committed = readFileSync(file, 'utf8')
  } catch {
    // A missing file is as stale as a different one.
  }
  if (committed !== generated) {
    process.stderr.write('openapi/openapi.json is stale: run `npm run openapi:write` and commit it.\n')
    process.exit(1)
  }
  process.stdout.write('openapi/openapi.json is up to date.\n')
} else {
  process.stderr.write('usage: openapi.js write|check\n')
  process.exit(2)
}
