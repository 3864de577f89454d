// What Node's HTTP parser refuses before a request exists (a malformed request line, a bad
// Content-Length, headers too large) is answered as an RFC 9457 problem like every other error.
import { connect } from 'node:net'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { testConfig } from './helpers.js'

/** Writes raw bytes and resolves with everything the server answers before it closes. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes))
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
  })
}

t.test('parser errors are problems', async (t) => {
  const app = await buildApp(testConfig())
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const cases: [string, string, number][] = [
    ['a malformed request line', 'NOT A REQUEST\r\n\r\n', 400],
    ['a bad Content-Length', 'POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n', 400],
    ['headers too large', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`, 431],
  ]
  for (const [label, bytes, status] of cases) {
    const answer = await raw(port, bytes)
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    t.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `${label}: ${status}`)
    t.match(head, /\r\nContent-Type: application\/problem\+json\r\n/i, `${label}: a problem`)
    t.match(JSON.parse(body), { type: /^urn:cms:problem:/, status, title: String, detail: String }, `${label}: its document`)
  }
  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200, 'the service is unharmed')
})
