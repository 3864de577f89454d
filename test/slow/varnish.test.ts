// The service behind a real Varnish 7 with deploy/varnish/default.vcl: anonymous reads are cached
// (MISS, then HIT), every kind of change reaches readers through Varnish within two seconds
// because the service purges the surrogate keys it touched (CDN_PURGE_URLS), stories it did not
// touch stay cached, staff reads are never cached, and purges are taken only from the ACL.
// Slow tier: it builds and spawns the service and spawns varnishd. Without varnishd it fails:
// install it with `apt-get install varnish varnish-modules` (.ci/run does).
import { spawn } from 'node:child_process'
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { projectPath } from '../../src/paths.js'
import { tinyPng } from '../reliability-support.js'
import { build, call, kill, startServer, within } from '../server-process.js'
import { until } from '../webhooks-receiver.js'

const ADMIN = 'varnish-test-admin-token-0123456789'
const BACKEND = 'backend default { .host = "127.0.0.1"; .port = "3000"; }'
/** How soon a change must reach a reader through Varnish. */
const FRESH_MS = 2000

function findVarnishd(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'varnishd'), constants.X_OK)
      return join(dir, 'varnishd')
    } catch {
      // not here
    }
  }
  return null
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

interface Read {
  status: number
  cache: string | null
  cacheControl: string | null
  json: any
}

t.before(build)

t.test('Varnish caches anonymous reads and drops exactly what each change touched', async (t) => {
  const varnishd = findVarnishd()
  if (varnishd === null) {
    t.fail('varnishd is not installed: run `apt-get install -y varnish varnish-modules` (Debian), as .ci/run does')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'cms-varnish-'))
  // Run as root, varnishd reads the VCL as its own unprivileged user.
  chmodSync(dir, 0o755)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const varnishPort = await freePort()
  const front = `http://127.0.0.1:${varnishPort}`

  const service = await startServer({
    DATABASE_PATH: join(dir, 'cms.sqlite'),
    MEDIA_DIR: join(dir, 'media'),
    CMS_ADMIN_TOKEN: ADMIN,
    COMMENT_RATE_LIMIT: '0',
    PUBLIC_CACHE_MAX_AGE: '300',
    CDN_PURGE_URLS: `${front}/`,
  })
  t.teardown(() => kill(service))

  // The shipped VCL, with the one line an operator edits pointed at this service.
  const vcl = readFileSync(projectPath('deploy', 'varnish', 'default.vcl'), 'utf8')
  t.ok(vcl.includes(BACKEND), 'the backend block is the documented one')
  const vclFile = join(dir, 'test.vcl')
  writeFileSync(vclFile, vcl.replace(BACKEND, BACKEND.replace('"3000"', `"${new URL(service.base).port}"`)))
  const cache = spawn(varnishd, ['-F', '-a', `127.0.0.1:${varnishPort}`, '-n', join(dir, 'varnish'), '-f', vclFile, '-s', 'malloc,64m', '-T', 'none'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const started = new Promise<void>((resolve, reject) => {
    const check = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      if (output.includes('Child starts')) resolve()
    }
    cache.stdout!.on('data', check)
    cache.stderr!.on('data', check)
    cache.on('exit', (code) => reject(new Error(`varnishd exited (${code}):\n${output}`)))
  })
  t.teardown(() => {
    cache.kill('SIGKILL')
  })
  await within(started, 20_000, `varnishd starting:\n${output}`)

  const read = async (path: string, headers: Record<string, string> = {}): Promise<Read> => {
    const res = await fetch(`${front}${path}`, { headers })
    const text = await res.text()
    return { status: res.status, cache: res.headers.get('x-cache'), cacheControl: res.headers.get('cache-control'), json: text.startsWith('{') ? JSON.parse(text) : text }
  }
  /** Reads `path` through Varnish until `fresh` holds of the answer; how long that took. */
  const freshWithin = async (path: string, fresh: (answer: Read) => boolean): Promise<number> => {
    const since = performance.now()
    for (;;) {
      const answer = await read(path)
      if (fresh(answer)) return performance.now() - since
      if (performance.now() - since > FRESH_MS) throw new Error(`${path} still stale after ${FRESH_MS} ms: ${JSON.stringify(answer).slice(0, 300)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const write = async (method: string, path: string, body?: unknown, token: string | null = ADMIN) => {
    // Writes go through Varnish, which passes them on.
    const res = await call(front, method, path, token, body)
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`)
    return res.json
  }

  // Every change's purge sent and taken: the purger's cursor reached the log's end.
  const outbox = new Database(join(dir, 'cms.sqlite'), { readonly: true })
  t.teardown(() => outbox.close())
  const unsent = outbox.prepare<[], number>('SELECT (SELECT coalesce(max(seq), 0) FROM invalidations) - (SELECT min(seq) FROM cdn_purge_cursors)').pluck()
  const purgesSent = () => until(() => (unsent.get() === 0 ? true : undefined), 10_000)

  const form = new FormData()
  form.append('file', new Blob([await tinyPng(7, 16)], { type: 'image/png' }), 'quay.png')
  form.append('caption', 'The quay at low tide')
  const photo = await write('POST', '/v1/media', form)
  const story = await write('POST', '/v1/articles', { title: 'Quay wall to be rebuilt', leadMediaId: photo.id })
  const other = await write('POST', '/v1/articles', { title: 'Bakery wins a national prize' })
  await write('POST', `/v1/articles/${story.id}/publish`)
  await write('POST', `/v1/articles/${other.id}/publish`)
  const storyUrl = `/v1/articles/${story.id}`
  const otherUrl = `/v1/articles/${other.id}`

  await purgesSent()
  for (const path of [storyUrl, otherUrl, `${storyUrl}/comments`]) {
    const first = await read(path)
    t.same([first.status, first.cache], [200, 'MISS'], `${path}: a MISS`)
    t.equal((await read(path)).cache, 'HIT', 'then a HIT')
  }
  const stillCached = async (what: string) => t.equal((await read(otherUrl)).cache, 'HIT', `${what}: the story it did not touch is still a HIT`)

  await write('PATCH', storyUrl, { title: 'Quay wall to be rebuilt by spring' })
  t.ok(await freshWithin(storyUrl, (a) => a.json.title === 'Quay wall to be rebuilt by spring') < FRESH_MS, 'an edit reaches readers through Varnish')
  await stillCached('an edit')

  const comment = await write('POST', `${storyUrl}/comments`, { authorName: 'Marta', body: 'About time, the wall has been crumbling for years.' }, null)
  t.equal(comment.status, 'pending')
  await purgesSent()
  t.equal((await read(storyUrl)).cache, 'HIT', 'a comment waiting for a moderator purges nothing')
  await write('PATCH', `/v1/comments/${comment.id}`, { status: 'approved' })
  await freshWithin(storyUrl, (a) => a.json.commentCount === 1)
  await freshWithin(`${storyUrl}/comments`, (a) => a.json.data?.length === 1)
  t.pass('an approved comment reaches readers: the count and the list')
  await stillCached('an approved comment')

  await write('PATCH', `/v1/media/${photo.id}`, { caption: 'The quay at low tide, before the works' })
  await freshWithin(storyUrl, (a) => a.json.leadMedia?.caption === 'The quay at low tide, before the works')
  t.pass("a new caption reaches the story that shows the photo")
  await stillCached('a caption')

  await write('POST', `${storyUrl}/unpublish`)
  await freshWithin(storyUrl, (a) => a.status === 404)
  t.pass('an unpublished story is gone for readers')
  await stillCached('an unpublish')

  const staff = [await read(otherUrl, { authorization: `Bearer ${ADMIN}` }), await read(otherUrl, { authorization: `Bearer ${ADMIN}` })]
  t.same(staff.map((a) => a.cache), ['MISS', 'MISS'], 'a read with a key is never served from the cache')
  t.equal(staff[1]!.cacheControl, 'private, no-store')

  // The ACL lets in the service's own address (127.0.0.1) only: from 127.0.0.2, also this machine, a purge is refused.
  const purge = (localAddress: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${front}/`, { method: 'PURGE', localAddress, headers: { 'xkey-purge': `article-${other.id}` } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
  t.equal(await purge('127.0.0.2'), 403, 'a purge from outside the ACL is refused')
  await stillCached('a refused purge')
  t.equal(await purge('127.0.0.1'), 200, 'one from the service address is taken')
  t.equal((await read(otherUrl)).cache, 'MISS', 'and drops what carries the key')
})
