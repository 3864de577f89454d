// `npm run build` runs this after tsc: dist/build-id names the code just built (a digest of src/
// and of the exact dependencies in package-lock.json), so that answers stored by one build are
// never served by another (src/renders/generation.ts).
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const hash = createHash('sha256')
function add(path) {
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const child = join(path, entry.name)
    if (entry.isDirectory()) add(child)
    else hash.update(child).update('\0').update(readFileSync(child)).update('\0')
  }
}
add('src')
hash.update(readFileSync('package-lock.json'))
writeFileSync(join('dist', 'build-id'), `${hash.digest('base64url').slice(0, 22)}\n`)
