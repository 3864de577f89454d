// The rendition attack from the attack report, against the real server: an editor uploads a
// 24-megapixel picture, then anonymous clients ask for large AVIF, WebP and PNG renditions of it
// in new size combinations and hang up after a second. The service must keep answering /health
// and reads within a second, stop the abandoned encodes, keep its memory bounded, and still make
// a rendition for a client that waits.
// Slow tier: it makes a 24-megapixel JPEG and keeps a real server busy for several seconds.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { build, kill, startServer } from '../server-process.js'

const ADMIN = 'rendition-attack-admin-token-0123'

t.before(build)

/** The server's children that are rendition encoders, not yet dead. */
function encodersOf(pid: number): number {
  try {
    const out = execFileSync('ps', ['-o', 'stat=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
    return out.split('\n').filter((line) => line.includes('rendition-encoder') && !line.trim().startsWith('Z')).length
  } catch {
    return 0 // ps exits 1 when there is no child at all
  }
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) / 1024
}

async function timed(url: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) })
  await res.arrayBuffer()
  return { status: res.status, ms: performance.now() - started }
}

t.test('a burst of abandoned large renditions does not take the service', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-renditions-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({
    DATABASE_PATH: join(dir, 'cms.sqlite'),
    MEDIA_DIR: join(dir, 'media'),
    CMS_ADMIN_TOKEN: ADMIN,
    MAX_UPLOAD_BYTES: String(200 * 1024 * 1024),
    PUBLIC_URL: 'http://127.0.0.1',
  })
  t.teardown(() => kill(server))
  const pid = server.child.pid!

  // 6000 x 4000: a 24-megapixel photo, with enough detail that encoding it is real work.
  const width = 6000
  const height = 4000
  const pixels = Buffer.alloc(width * height * 3)
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i % 7919) * 31 + (i >> 12)) & 255
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer()
  const form = new FormData()
  form.append('file', new Blob([jpeg], { type: 'image/jpeg' }), 'big.jpg')
  form.append('caption', 'A large picture')
  const uploaded = await fetch(`${server.base}/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: form })
  t.equal(uploaded.status, 201)
  const item = (await uploaded.json()) as { id: string; width: number }
  t.equal(item.width, width)
  const file = `${server.base}/v1/media/${item.id}/file`

  const combos = ['width=4096&format=avif', 'height=4096&format=avif', 'width=4096&format=webp', 'width=3000&height=2000&format=avif', 'width=3000&format=png', 'height=2000&format=avif']
  const abandoned = combos.map((query) => fetch(`${file}?${query}`, { signal: AbortSignal.timeout(1000) }).then((res) => res.status, () => 'gave up'))

  // While the encodes run and the clients give up, the service answers others at once.
  const checks: { status: number; ms: number }[] = []
  for (let i = 0; i < 10; i++) {
    checks.push(await timed(`${server.base}/health`), await timed(`${server.base}/v1/media/${item.id}`, { authorization: `Bearer ${ADMIN}` }))
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.ok(checks.every((check) => check.status === 200), 'every check answered 200')
  const slowest = Math.max(...checks.map((check) => check.ms))
  t.ok(slowest < 1000, `health and reads within a second (slowest ${Math.round(slowest)} ms)`)
  const outcomes = await Promise.all(abandoned)
  t.ok(outcomes.every((outcome) => outcome === 'gave up' || outcome === 503 || outcome === 200), `each client gave up, was told to come back, or got its file (${outcomes.join(', ')})`)

  // Nobody wants the abandoned renditions any more: their encoders are stopped.
  let left = encodersOf(pid)
  for (let i = 0; i < 50 && left > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    left = encodersOf(pid)
  }
  t.equal(left, 0, 'no encoder left running')
  const rss = rssMb(pid)
  t.ok(rss < 300, `the server's memory stays bounded (${Math.round(rss)} MB)`)

  // A client that waits gets its rendition, snapped to the largest step of the ladder.
  const patient = await fetch(`${file}?width=4096&format=jpeg`, { signal: AbortSignal.timeout(60_000) })
  t.equal(patient.status, 200)
  t.match(await sharp(Buffer.from(await patient.arrayBuffer())).metadata(), { width: 2560, format: 'jpeg' })
})
