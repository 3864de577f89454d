// Timeouts and limits over a real socket: clients that send headers or a body byte by byte are
// cut off by the server's timeouts while other requests are still served, oversized headers
// answer 431 and oversized bodies 413. The limits are shortened here so this runs in seconds.
import { connect, type Socket } from 'node:net'
import t from 'tap'
import { buildApp, SERVER_LIMITS } from '../src/app.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { testConfig } from './helpers.js'

const LIMITS = { headersTimeoutMs: 800, requestTimeoutMs: 1500, idleTimeoutMs: 3000, timeoutCheckMs: 100 }

interface Slow {
  socket: Socket
  received: () => string
  closed: Promise<number>
  stop: () => void
}

/** A client that sends `head` at once, then `drip` one byte every `everyMs`, for ever. */
function slowClient(port: number, head: string, drip: string, everyMs: number): Slow {
  const socket = connect(port, '127.0.0.1')
  const started = Date.now()
  let data = ''
  let timer: NodeJS.Timeout | undefined
  socket.on('data', (chunk) => (data += chunk.toString('latin1')))
  socket.on('error', () => {})
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)))
  socket.on('connect', () => {
    socket.write(head)
    let i = 0
    timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip[i++ % drip.length]!)
    }, everyMs)
  })
  void closed.then(() => clearInterval(timer))
  return { socket, received: () => data, closed, stop: () => { clearInterval(timer); socket.destroy() } }
}

t.test('production limits are set', async (t) => {
  t.ok(SERVER_LIMITS.headersTimeoutMs > 0 && SERVER_LIMITS.headersTimeoutMs <= 60_000, 'a headers timeout')
  t.ok(SERVER_LIMITS.requestTimeoutMs > 0, 'a request timeout')
  t.ok(SERVER_LIMITS.keepAliveTimeoutMs > 60_000, 'keep-alive outlasts a 60 s load balancer idle timeout')
  const app = await buildApp(testConfig(), {})
  t.teardown(() => app.close())
  await app.ready()
  t.equal(app.server.headersTimeout, SERVER_LIMITS.headersTimeoutMs)
  t.equal(app.server.requestTimeout, SERVER_LIMITS.requestTimeoutMs)
  t.equal(app.server.keepAliveTimeout, SERVER_LIMITS.keepAliveTimeoutMs)
  t.equal(app.server.timeout, SERVER_LIMITS.idleTimeoutMs)
  t.equal(app.server.maxRequestsPerSocket, SERVER_LIMITS.maxRequestsPerSocket)
})

t.test('slow clients are cut off and do not hold the service', async (t) => {
  const db = openDatabase(':memory:')
  const editor = createKeysRepository(db).create('timeouts editor', 'editor').token
  const app = await buildApp(testConfig(), { db, serverLimits: LIMITS })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const base = `http://127.0.0.1:${port}`

  const slowHeaders = Array.from({ length: 20 }, () => slowClient(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', 'X-Slow: aaaaaaaa\r\n', 100))
  const slowBody = Array.from({ length: 5 }, () =>
    slowClient(port, `POST /v1/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":"`, 'a', 100),
  )
  const silent = slowClient(port, '', '', 1_000_000)
  t.teardown(() => [...slowHeaders, ...slowBody, silent].forEach((c) => c.stop()))

  // While they hang on, others are served at once.
  const startedAt = Date.now()
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${base}/health`)
    t.equal(res.status, 200, `request ${i} served while slow clients wait`)
  }
  t.ok(Date.now() - startedAt < 1000, 'without delay')

  const headerTimes = await Promise.all(slowHeaders.map((c) => c.closed))
  t.ok(Math.max(...headerTimes) < LIMITS.headersTimeoutMs + 1500, `slow headers cut off (after ${Math.max(...headerTimes)} ms)`)
  t.match(slowHeaders[0]!.received(), /^HTTP\/1\.1 408/, 'with 408 Request Timeout')
  t.match(slowHeaders[0]!.received(), /\r\nContent-Type: application\/problem\+json\r\n[\s\S]*"status":408/, 'as a problem')
  const bodyTimes = await Promise.all(slowBody.map((c) => c.closed))
  t.ok(Math.max(...bodyTimes) < LIMITS.requestTimeoutMs + 1500, `slow bodies cut off (after ${Math.max(...bodyTimes)} ms)`)
  t.notMatch(slowBody[0]!.received(), /^HTTP\/1\.1 [25]/, 'no article made, no 5xx')
  const silentTime = await silent.closed
  t.ok(silentTime < LIMITS.idleTimeoutMs + 1500, `a silent connection is closed (after ${silentTime} ms)`)

  const articles = await fetch(`${base}/v1/articles?status=draft`, { headers: { authorization: `Bearer ${editor}` } })
  t.same(((await articles.json()) as { data: unknown[] }).data, [], 'no half-received article was stored')
  t.equal((await fetch(`${base}/health`)).status, 200, 'healthy afterwards')
})

t.test('header and body limits', async (t) => {
  const db = openDatabase(':memory:')
  const editor = createKeysRepository(db).create('limits editor', 'editor').token
  const app = await buildApp(testConfig(), { db, serverLimits: LIMITS })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port

  const big = slowClient(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(SERVER_LIMITS.maxHeaderBytes + 1024)}\r\n\r\n`, '', 1_000_000)
  await big.closed
  t.match(big.received(), /^HTTP\/1\.1 431/, 'oversized headers: 431, connection closed')

  const huge = JSON.stringify({ title: 'Huge', summary: 'x'.repeat(6 * 1024 * 1024) })
  const res = await fetch(`http://127.0.0.1:${port}/v1/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
    body: huge,
  })
  t.equal(res.status, 413, 'a body over the limit: 413')
  t.match(res.headers.get('content-type'), /^application\/problem\+json/)
  const doc = (await res.json()) as { status: number; detail: string }
  t.equal(doc.status, 413)
  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200, 'healthy afterwards')
})
