// The bounds on making renditions, which anyone may ask for: each encode runs in a process of
// its own that is killed on timeout or when its client goes away, at most a few run at once,
// and a request that cannot get a turn soon is a 503 with Retry-After rather than a wait.
import { execFileSync } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import sharp from 'sharp'
import t from 'tap'
import { createRenditions, planRendition } from '../src/media/renditions.js'
import { createMediaStorage } from '../src/media/storage.js'
import { mediaDir } from './fixtures/media.js'

/** This process's children that are rendition encoders. */
function encoders(): string[] {
  let out = ''
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  } catch {
    // ps exits 1 when there is no child at all.
  }
  // A zombie (stat Z) is dead already, waiting to be reaped.
  return out.split('\n').filter((line) => line.includes('rendition-encoder') && !/^\s*\d+\s+Z/.test(line))
}

async function noEncoderLeft(): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    if (encoders().length === 0) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

/** A stored picture large enough that an AVIF of it takes a while. */
async function bigPicture(t: Parameters<typeof mediaDir>[0]) {
  const dir = await mediaDir(t)
  const storage = createMediaStorage(dir)
  await storage.init()
  const noise = Buffer.alloc(2400 * 1600 * 3)
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24
  const bytes = await sharp(noise, { raw: { width: 2400, height: 1600, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()
  const received = await storage.receive(Readable.from([bytes]), storage.tempPath())
  await storage.place(received)
  const source = { kind: 'image', mimeType: 'image/jpeg', width: 2400, height: 1600, sha256: received.sha256 }
  return { dir, storage, source }
}

t.test('an encode past its time is stopped: its process killed, nothing left behind', async (t) => {
  const { dir, storage, source } = await bigPicture(t)
  const renditions = createRenditions(storage, { timeoutMs: 150 })
  const started = Date.now()
  const error = await renditions.get(source, planRendition(source, { width: 2560, format: 'avif' })!).catch((reason: unknown) => reason)
  t.match(error, { name: 'Problem', status: 422, detail: /within/ })
  t.ok(Date.now() - started < 2000, 'answered at the timeout, not when the encode would have ended')
  t.ok(await noEncoderLeft(), 'the encoder process is gone')
  t.same(await readdir(join(dir, 'tmp')), [], 'no half-written file')
  t.equal(renditions.made, 0)
})

t.test('when every client that wanted a rendition has gone, its encode is stopped', async (t) => {
  const { dir, storage, source } = await bigPicture(t)
  const renditions = createRenditions(storage)
  const plan = planRendition(source, { width: 1920, format: 'avif' })!
  const first = new AbortController()
  const second = new AbortController()
  const asks = [renditions.get(source, plan, first.signal), renditions.get(source, plan, second.signal)]
  asks.forEach((ask) => ask.catch(() => {}))
  await new Promise((resolve) => setTimeout(resolve, 100))
  first.abort()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(encoders().length <= 1, 'one client left: the work goes on')
  second.abort()
  await t.rejects(asks[1]!, { name: 'Problem', status: 503 })
  t.ok(await noEncoderLeft(), 'the last one gone: the encoder is killed')
  t.same(await readdir(join(dir, 'tmp')), [])
  t.equal(renditions.made, 0)
})

t.test('a bounded queue: a few wait a short while, the rest are told to come back', async (t) => {
  const { storage, source } = await bigPicture(t)
  const renditions = createRenditions(storage, { maxConcurrent: 1, maxWaiting: 1, maxWaitMs: 100 })
  const plans = [640, 960, 1280].map((width) => planRendition(source, { width, format: 'avif' })!)
  const [running, waiting, refused] = plans.map((plan) => renditions.get(source, plan))
  // Observed at once: the second gives up after 100 ms whatever this test is doing then (on a
  // busy machine the lines below can take that long), and a rejection nobody awaits yet is
  // reported as unhandled.
  // "At once" is told by order, not by the clock: a clock check failed in CI when the machine
  // stalled this process past 100 ms. A third refused without waiting settles before the
  // second's 100 ms are up, however slow the machine.
  const settled: string[] = []
  const waited = waiting!.then(
    () => 'made',
    (reason: unknown) => (settled.push('second'), reason),
  )
  const third = refused!.catch((reason: unknown) => (settled.push('third'), reason))
  t.match(await third, { name: 'Problem', status: 503, headers: { 'retry-after': /^\d+$/ } }, 'a third: at once')
  t.same(settled, ['third'], 'without waiting')
  t.match(await waited, { name: 'Problem', status: 503 }, 'the second waited its 100 ms, then gave up')
  const file = await running!
  t.ok(file.size > 0, 'the first was made')
  t.equal(renditions.made, 1)
  const later = await renditions.get(source, plans[1]!)
  t.ok(later.size > 0, 'asked again once the service is free, it is made')
})
