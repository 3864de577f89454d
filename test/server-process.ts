// The one place tests start the built service as a child process: `node [flags]
// dist/src/server.js`, exactly what `npm start` runs (the flags are read from package.json's start
// script), on files in a temp folder; and the built scripts (backup, bench) the same way. Used by
// the server, webhooks-server and backup tests and by the slow tier's crash, concurrency and bench
// tests. `npm test` builds once before any file runs (SKIP_BUILD=1); alone, call build() first.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { projectPath } from '../src/paths.js'
import { startFlags } from '../scripts/start-command.js'

export const SERVER = projectPath('dist', 'src', 'server.js')

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ServerProcess {
  child: ChildProcess
  /** Everything it wrote so far, stdout and stderr together. */
  output: () => string
  exited: Promise<Exit>
}

export interface StartedServer extends ServerProcess {
  /** http://127.0.0.1:<port>, from its "Server listening at" log line. */
  base: string
}

/**
 * Spawns the service without waiting for it: for a start that is meant to fail. Its environment
 * is PATH, PORT=0, HOST=127.0.0.1 and LOG_LEVEL=info, then `env`; nothing else is inherited.
 */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [...startFlags(), SERVER], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  return { child, output: () => out, exited }
}

/**
 * Starts the service and resolves once it logs where it listens (an event, not a poll); rejects
 * with its output if it exits first or is not listening within `ms`.
 */
export async function startServer(env: Record<string, string>, ms = 20_000): Promise<StartedServer> {
  const server = spawnServer(env)
  const base = await new Promise<string>((resolve, reject) => {
    const done = (error: Error | null, url?: string) => {
      clearTimeout(timer)
      server.child.stdout!.off('data', check)
      server.child.stderr!.off('data', check)
      if (error) reject(error)
      else resolve(url!)
    }
    const timer = setTimeout(() => {
      server.child.kill('SIGKILL')
      done(new Error(`the server did not start within ${ms} ms:\n${server.output()}`))
    }, ms)
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())
      if (match) done(null, match[1]!)
    }
    // Registered after spawnServer's own listeners, so output() already holds the new chunk.
    server.child.stdout!.on('data', check)
    server.child.stderr!.on('data', check)
    void server.exited.then((exit) => done(new Error(`the server exited (${JSON.stringify(exit)}):\n${server.output()}`)))
  })
  return { ...server, base }
}

/** Whether a process with this pid still runs (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGKILLs the process if it is still running: for teardowns. */
export function kill(server: ServerProcess): void {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
}

/** `promise`, or a rejection naming `what` if it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs a built script (`dist/scripts/<name>.js`, what `npm run <name>` runs after its build) to
 * its end; rejects as execFile does (with code, stdout and stderr) when it fails.
 */
export async function runScript(name: string, args: string[], options: { env?: Record<string, string>; timeout?: number } = {}) {
  return promisify(execFile)(process.execPath, [projectPath('dist', 'scripts', `${name}.js`), ...args], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH ?? '', ...options.env },
    timeout: options.timeout ?? 120_000,
    maxBuffer: 16 * 1024 * 1024,
  })
}

/** fetch with a JSON body and a Bearer key; answers status, headers and parsed body. */
export async function call(base: string, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && !(body instanceof FormData) && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: body instanceof FormData ? body : JSON.stringify(body) }),
  })
  const text = await res.text()
  let json: any = null
  try {
    json = text === '' ? null : JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, headers: res.headers, json }
}

/** `npm run build` (what `npm start` runs first); SKIP_BUILD=1 (set by `npm test`) uses dist/ as it is. */
export async function build(): Promise<void> {
  if (process.env.SKIP_BUILD === '1') return
  await promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: projectPath(), timeout: 120_000 })
}
