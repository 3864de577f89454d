// `node dist/scripts/bench/profile-summary.js FILE.cpuprofile [skip]`: where a `node --cpu-prof`
// profile of the service spent its time, as shares of the samples after the first `skip` fraction
// (0.2 by default: start-up and warm-up). Each sample goes to the nearest function on its stack
// that belongs to a bucket below (queries, serialization, ETag, hooks...), so a bucket holds what
// its code did itself plus what it called that no nearer bucket claims. docs/performance.md
// says how it is used.
import { readFileSync } from 'node:fs'

interface CallFrame {
  functionName: string
  url: string
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const BUCKETS: [string, (f: CallFrame) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)' || f.functionName === '(program)'],
  ['queries (Drizzle + SQLite)', (f) => /drizzle-orm|better-sqlite3|db\/row-mapper/.test(f.url)],
  ['serialization (fast-json-stringify)', (f) => f.functionName === 'serialize' && f.url.includes('fastify/lib/reply')],
  ['surrogate keys', (f) => f.url.includes('surrogate-keys')],
  ['embedding (articles/embed, media)', (f) => /articles\/embed|media\/repository/.test(f.url)],
  ['handler, repositories', (f) => /articles\/(routes|list-query|repository)/.test(f.url)],
  ['request validation', (f) => f.url.includes('http/validation') || /^validate/.test(f.functionName)],
  ['socket writes', (f) => /^writev?(Generic)?$/.test(f.functionName)],
  ['logging', (f) => f.url.includes('pino')],
  ['ETag, Cache-Control, 304 (http/conditional)', (f) => f.url.includes('http/conditional')],
  ['other hooks (auth, security, idempotency, request id)', (f) => /http\/(auth|security|idempotency)|src\/app\.js/.test(f.url)],
  ['Fastify', (f) => /node_modules\/(fastify|find-my-way|avvio)/.test(f.url)],
  ['Node HTTP', (f) => /node:_http|node:net|stream/.test(f.url)],
]

const [file, skipText = '0.2'] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: profile-summary.js FILE.cpuprofile [skip fraction]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

const time = new Map<string, number>()
let total = 0
for (let i = Math.floor(profile.samples.length * Number(skipText)); i < profile.samples.length; i++) {
  let bucket = 'other'
  for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const found = BUCKETS.find(([, test]) => test(byId.get(id!)!.callFrame))
    if (found) {
      bucket = found[0]
      break
    }
  }
  const delta = profile.timeDeltas[i] ?? 0
  time.set(bucket, (time.get(bucket) ?? 0) + delta)
  total += delta
}
for (const [bucket, micros] of [...time].sort((a, b) => b[1] - a[1])) {
  console.log(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${bucket}`)
}
