// The README's walk-through, run as written: its shell blocks are taken from README.md, the
// service is started the way its first block says (`npm start`: Node's flags from the start
// script, on dist/), and its second block runs in bash against it, stopping at the first command
// that fails. If the README drifts from the service (a step that 404s, a field renamed, the
// sample picture gone), this fails.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { kill, type StartedServer, startServer } from './server-process.js'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECTION = '## Walk-through'
/** The address the README's walk-through talks to; the test swaps in its own server's. */
const README_BASE_LINE = 'CMS=http://127.0.0.1:3000'
const START_MS = 20_000
const SCRIPT_MS = 60_000
const STOP_MS = 10_000

/** The fenced `sh` blocks of the README section whose heading starts with SECTION. */
function walkthroughBlocks(readme: string): string[] {
  const start = readme.split('\n').findIndex((line) => line.startsWith(SECTION))
  if (start === -1) throw new Error(`README.md has no "${SECTION}" section`)
  const rest = readme.split('\n').slice(start + 1)
  const end = rest.findIndex((line) => line.startsWith('## '))
  const section = (end === -1 ? rest : rest.slice(0, end)).join('\n')
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!)
}

function splitOutput(stdout: string): { documents: any[]; lines: string[] } {
  const documents: any[] = []
  const lines: string[] = []
  let open: string[] | null = null
  for (const line of stdout.split('\n')) {
    if (open === null && (line === '{' || line === '[')) open = [line]
    else if (open !== null) {
      open.push(line)
      if (line === (open[0] === '{' ? '}' : ']')) {
        documents.push(JSON.parse(open.join('\n')))
        open = null
      }
    } else if (line.trim() !== '') lines.push(line.trim())
  }
  if (open !== null) throw new Error(`unfinished JSON in the output: ${open.join('\n')}`)
  return { documents, lines }
}

function once<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode })
    else child.once('exit', (code, signal) => resolve({ code, signal }))
  })

t.before(async () => {
  // What `npm start` runs first (`npm test` builds once for every file and sets SKIP_BUILD).
  if (process.env.SKIP_BUILD !== '1') await promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: ROOT, timeout: 120_000 })
})

t.test('the README walk-through runs as written against the server npm start runs', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const blocks = walkthroughBlocks(readme)
  t.equal(blocks.length, 2, 'the walk-through is two shell blocks: start the service, then the steps')
  const [startBlock = '', script = ''] = blocks

  const token = /^CMS_ADMIN_TOKEN=(\S+) npm start$/m.exec(startBlock)?.[1]
  t.ok(token, 'the first block starts the service with npm start and a bootstrap admin token')
  if (!token) return
  t.ok(script.split('\n').includes(README_BASE_LINE), `the steps talk to the service through ${README_BASE_LINE}`)
  t.ok(script.split('\n').includes(`ADMIN=${token}`), 'the steps use the token the service was started with')
  const curlLines = script.split('\n').filter((line) => /(^|[\s($])curl /.test(line))
  t.ok(curlLines.length >= 8, 'the steps are curl commands')
  for (const line of curlLines) t.match(line, /--fail-with-body|curl -sf /, `fails on an HTTP error: ${line.trim()}`)

  const picture = /-F file=@(\S+)/.exec(script)?.[1]
  t.ok(picture, 'a picture is uploaded')
  if (!picture) return
  const pictureBytes = readFileSync(join(ROOT, picture))
  t.ok(statSync(join(ROOT, picture)).size < 100_000, `${picture} is in the repository, and small`)
  const caption = /-F 'caption=([^']+)'/.exec(script)?.[1]
  const credit = /-F 'credit=([^']+)'/.exec(script)?.[1]
  const slug = /\/v1\/articles\/slug\/([a-z0-9-]+)/.exec(script)?.[1]
  const comment = /"authorName": "([^"]+)", "body": "([^"]+)"/.exec(script)
  t.ok(caption && credit && slug && comment, 'the steps name a caption, a credit, a slug and a comment')

  const dir = mkdtempSync(join(tmpdir(), 'cms-readme-'))
  let server: StartedServer | undefined
  t.teardown(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM')
      if ((await once(server.exited, STOP_MS)) === 'timeout') kill(server)
    }
    rmSync(dir, { recursive: true, force: true })
  })

  // The service as `npm start` runs it, on its own files, with no settings beyond the README's
  // (nothing inherited from this process's environment but PATH).
  server = await startServer(
    { DATABASE_PATH: join(dir, 'data', 'cms.sqlite'), MEDIA_DIR: join(dir, 'data', 'media'), CMS_ADMIN_TOKEN: token },
    START_MS,
  )
  const { base } = server

  // The steps, in bash, from the repository's folder: the first failing command ends the run.
  // HOME is the temp folder, so that no ~/.curlrc of whoever runs the tests changes curl.
  const bash = spawn('bash', ['--noprofile', '--norc', '-o', 'errexit', '-o', 'nounset', '-o', 'pipefail', '-o', 'xtrace', '-c', script.replace(README_BASE_LINE, `CMS=${base}`)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: dir, LANG: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a run cut off by the timeout takes its curl and node with it.
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  bash.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  bash.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const finished = await once(exitOf(bash), SCRIPT_MS)
  if (finished === 'timeout') {
    process.kill(-bash.pid!, 'SIGKILL')
    await exitOf(bash)
  }
  const succeeded = finished !== 'timeout' && finished.code === 0
  // On failure, the end of the output and of bash's trace show which command failed and why.
  const report = succeeded ? '' : `\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr (trace) ---\n${stderr.slice(-4000)}`
  t.not(finished, 'timeout', `the walk-through finished within ${SCRIPT_MS / 1000} s`)
  t.ok(succeeded, `every command of the walk-through succeeded${finished === 'timeout' ? '' : ` (exit ${JSON.stringify(finished)})`}${report}`)
  if (!succeeded) return

  const { documents, lines } = splitOutput(stdout)
  t.same(
    lines.filter((line) => ['published', 'approved'].includes(line)),
    ['published', 'approved'],
    'publishing printed "published", then approving the comment printed "approved"',
  )

  const read = documents.find((doc) => doc?.slug === slug)
  t.ok(read, 'the anonymous read by slug printed the article')
  t.match(read, {
    slug,
    status: 'published',
    title: String,
    authors: Array,
    leadMedia: { kind: 'image', mimeType: 'image/jpeg', caption, credit, sha256: createHash('sha256').update(pictureBytes).digest('hex') },
  }, 'published, with the uploaded picture as lead media, caption and credit as sent')
  t.ok(read.leadMedia.creator && read.leadMedia.copyright && read.leadMedia.altText, 'creator, copyright and alt text were read from the picture')
  t.ok(read.body.length >= 3, 'the body has a few blocks')
  t.ok(read.body.some((block: any) => block.type === 'media' && block.media?.id === read.leadMedia.id), 'a media block embeds the picture')

  const queue = documents.find((doc) => Array.isArray(doc?.data) && doc.data.some((c: any) => c.status === 'pending'))
  t.match(queue?.data, [{ authorName: comment![1], body: comment![2], status: 'pending', spam: { verdict: 'ok' } }], 'the moderation queue held the comment')
  const comments = documents.at(-1)
  t.match(comments, { data: [{ articleId: read.id, authorName: comment![1], body: comment![2], status: 'approved' }], nextCursor: null }, 'the comment shows up for readers')
  t.equal(comments.data.length, 1, 'once')

  // What a reader sees now, asked directly and without a key.
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) })
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) }
  }
  const article = await get(`/v1/articles/slug/${slug}`)
  t.equal(article.status, 200, 'a reader gets the story by slug')
  t.match(JSON.parse(article.body.toString('utf8')), { id: read.id, status: 'published', commentCount: 1, leadMedia: { credit } }, 'published, one approved comment')
  const file = await get(new URL(read.leadMedia.url).pathname)
  t.equal(file.status, 200, "a reader gets the picture's bytes at its url")
  t.equal(file.type, 'image/jpeg', 'as a JPEG')
  t.ok(file.body.equals(pictureBytes), 'the bytes uploaded')
})
