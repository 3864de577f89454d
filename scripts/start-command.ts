// What `npm start` runs, read from package.json's start script ("exec node [flags]
// dist/src/server.js"), so that tests and the benchmark start the service exactly as it runs.
import { readFileSync } from 'node:fs'
import { projectPath } from '../src/paths.js'

export const SERVER_SCRIPT = 'dist/src/server.js'

/** Node's flags from the start script, without the script itself. */
export function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { scripts: { start: string } }
  const words = scripts.start.trim().split(/\s+/)
  // `exec` makes the shell npm starts the script in become node, so signals reach the server.
  const [node, ...args] = words[0] === 'exec' ? words.slice(1) : words
  if (node !== 'node' || args.at(-1) !== SERVER_SCRIPT) throw new Error(`the start script is not "exec node [flags] ${SERVER_SCRIPT}": ${scripts.start}`)
  return args.slice(0, -1)
}
