// The entry point: configuration, then either the service itself, or (WORKERS > 1) the cluster's
// primary, which forks that many workers that each run this file as the service (cluster.ts).
// The service closes gracefully on SIGTERM or SIGINT, letting requests in flight finish before
// the database closes.
import cluster from 'node:cluster'
import type { IncomingMessage, ServerResponse } from 'node:http'
import closeWithGrace from 'close-with-grace'
import { type Config, ConfigError, loadConfig } from './config.js'
import { type ConfigErrorMessage, runPrimary } from './cluster.js'
import { warmUp } from './http/lazy-compile.js'

/** Set once a setting has stopped the start: a worker then ends at the primary's signal. */
let failed = false

/**
 * A bad setting ends the start with one line naming the variable, not a stack. A worker hands
 * the line to the primary, which prints the first one only (every worker would find it).
 */
function fail(error: ConfigError): Promise<never> {
  failed = true
  if (!cluster.isWorker) {
    process.stderr.write(`Configuration error: ${error.message}\n`)
    process.exit(1)
  }
  // The primary stops every worker on this message (so it always arrives before this one's exit);
  // should it not, the worker goes by itself. Settles never.
  process.send!({ configError: error.message } satisfies ConfigErrorMessage)
  return new Promise<never>(() => setTimeout(() => process.exit(1), 5000))
}

/** What a failed listen says about PORT or HOST; null for anything else. */
function listenProblem(error: unknown, config: Config): ConfigError | null {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE') return new ConfigError('PORT', `${config.port} is already in use on ${config.host}`)
  if (code === 'EACCES') return new ConfigError('PORT', `${config.port} needs privileges this process does not have`)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL' || code === 'EAI_FAIL') {
    return new ConfigError('HOST', `"${config.host}" is not an address of this machine`)
  }
  return null
}

/** Reachable from this machine only: the start warnings for a public service do not apply. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

async function serve(config: Config): Promise<void> {
  // Loaded here, not at the top: the cluster's primary serves nothing and never needs it.
  const { buildApp } = await import('./app.js')
  let app
  try {
    app = await buildApp(config)
  } catch (error) {
    if (error instanceof ConfigError) return fail(error)
    throw error
  }
  if (config.publicUrl === null && config.allowedHosts.length === 0 && !isLoopback(config.host)) {
    app.log.warn(
      'Neither PUBLIC_URL nor ALLOWED_HOSTS is set: absolute links (url fields, Location, webhook events) take the host ' +
        'from each request, whatever a client sends. Set PUBLIC_URL (or ALLOWED_HOSTS) in production.',
    )
  }
  // In a worker, SIGTERM and SIGINT start the one graceful close however many arrive: a signal
  // sent to the whole process group (Ctrl-C, a container stop) reaches a worker twice, directly
  // and forwarded by the primary, and must not cut its drain short. A second signal to the
  // primary is what stops everything at once.
  const signals = cluster.isWorker ? (['SIGTERM', 'SIGINT'] as const) : []
  let closing = false
  let listening = false
  let closingSignal: NodeJS.Signals | undefined
  const grace = closeWithGrace({ delay: 10_000, skip: [...signals] }, async ({ signal, err, manual }) => {
    closing = true
    if (err) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal: signal ?? (manual ? closingSignal : undefined) }, 'closing')
    await app.close()
  })
  for (const signal of signals) {
    process.on(signal, () => {
      if (failed) process.exit(1)
      if (closing) return
      if (!listening) {
        // The start is called off (another worker's failed): nothing to drain, nothing to say.
        closing = true
        void app.close().finally(() => process.exit(1))
        return
      }
      closingSignal = signal
      void grace.close()
    })
  }
  // Requests being answered, counted until the warm-up is done, for it to stay out of their way.
  let answering = 0
  const count = (_request: IncomingMessage, response: ServerResponse) => {
    answering += 1
    response.once('close', () => (answering -= 1))
  }
  app.server.on('request', count)
  try {
    await app.listen({ port: config.port, host: config.host })
    listening = true
  } catch (error) {
    // Called off meanwhile: the close under way ends the process.
    if (closing) return
    const problem = listenProblem(error, config)
    if (problem === null) throw error
    await app.close()
    return fail(problem)
  }
  // Validators and serializers are compiled at first use; the rest now, while nothing waits.
  const onError = (err: unknown) => app.log.error({ err }, 'a route schema does not compile')
  void warmUp({ busy: () => answering > 0, onError }).then(() => app.server.off('request', count))
}

async function main(): Promise<void> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) return fail(error)
    throw error
  }
  if (config.workers > 1 && cluster.isPrimary) await runPrimary(config, fail)
  else await serve(config)
}

await main()
