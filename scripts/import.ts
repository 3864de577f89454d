// `npm run import -- ninjs <file or folder> [--publish]` and
// `npm run import -- wordpress <export.xml> [--uploads <folder>] [--pages]`: see src/import/cli.ts.
import { main } from '../src/import/cli.js'

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
