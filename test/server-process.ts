// The real server as a child process (`node dist/src/server.js`, what `npm start` runs) on
// files in a temp folder, for the crash, concurrency and backup tests. Build first.
import { type ChildProcess, spawn } from 'node:child_process'
import { projectPath } from '../src/paths.js'

export const SERVER = projectPath('dist', 'src', 'server.js')

export interface ServerProcess {
  child: ChildProcess
  base: string
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the server and resolves once it logs where it listens. */
export async function startServer(env: Record<string, string>, ms = 20_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), ms)
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`the server exited: ${out}`))
    })
  })
  return { child, base, output: () => out, exited }
}

/** fetch with a JSON body and a Bearer key; answers status and parsed body. */
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
  return { status: res.status, json }
}

/** `npm run build` (what `npm start` runs first); SKIP_BUILD=1 uses dist/ as it is. */
export async function build(): Promise<void> {
  if (process.env.SKIP_BUILD === '1') return
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  await promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: projectPath(), timeout: 120_000 })
}
