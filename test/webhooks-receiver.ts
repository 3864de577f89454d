// A real HTTP receiver for webhook tests: node:http on 127.0.0.1 and a free port, recording
// every request and answering as the test tells it to. Tests wait on it, never sleep. Loopback
// is a private address: an app that delivers to it needs WEBHOOK_ALLOW_PRIVATE=true.
import { EventEmitter } from 'node:events'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from './helpers.js'

export interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** performance.now() when the request's body had arrived. */
  at: number
}

/** How to answer one request: a status (200 by default), a redirect, a never-ending body, or nothing at all. */
export type Answer =
  | { status?: number; headers?: Record<string, string>; body?: string }
  | { hang: true }
  | { endlessBody: true }

export type Responder = (request: Received, index: number) => Answer

export interface Receiver {
  url: string
  received: Received[]
  respond(responder: Responder): void
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>
  /** Stops listening: its URL then names a port where nothing answers. */
  close(): Promise<void>
}

export async function startReceiver(t: TestContext, responder: Responder = () => ({ status: 200 })): Promise<Receiver> {
  const received: Received[] = []
  const arrivals = new EventEmitter()
  let answer = responder
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() }
      const index = received.push(request) - 1
      arrivals.emit('request')
      const plan = answer(request, index)
      if ('hang' in plan) return
      if ('endlessBody' in plan) {
        res.writeHead(200, { 'content-type': 'text/plain' })
        const block = Buffer.alloc(64 * 1024, 'x')
        const pump = () => {
          while (!res.destroyed && res.write(block));
          if (!res.destroyed) res.once('drain', pump)
        }
        pump()
        return
      }
      res.writeHead(plan.status ?? 200, plan.headers ?? {})
      res.end(plan.body ?? '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = () => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.teardown(close)
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    respond(next) {
      answer = next
    },
    close,
    waitFor(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve(received)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          arrivals.off('request', check)
          reject(new Error(`waited ${timeoutMs} ms for ${count} webhook requests, got ${received.length}`))
        }, timeoutMs)
        function check() {
          if (received.length < count) return
          clearTimeout(timer)
          arrivals.off('request', check)
          resolve(received)
        }
        arrivals.on('request', check)
      })
    },
  }
}

/** Waits until `check` returns a value other than undefined (polling a condition, not sleeping blindly). */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
