// The entry point: configuration, the app, and a graceful close on SIGTERM or SIGINT that lets
// requests in flight finish before the database closes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { warmUp } from './http/lazy-compile.js'

/** A bad setting ends the start with one line naming the variable, not a stack. */
function fail(error: ConfigError): never {
  process.stderr.write(`Configuration error: ${error.message}\n`)
  process.exit(1)
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

async function main(): Promise<void> {
  let config: Config
  let app
  try {
    config = loadConfig()
    app = await buildApp(config)
  } catch (error) {
    if (error instanceof ConfigError) fail(error)
    throw error
  }
  if (config.publicUrl === null && config.allowedHosts.length === 0 && !isLoopback(config.host)) {
    app.log.warn(
      'Neither PUBLIC_URL nor ALLOWED_HOSTS is set: absolute links (url fields, Location, webhook events) take the host ' +
        'from each request, whatever a client sends. Set PUBLIC_URL (or ALLOWED_HOSTS) in production.',
    )
  }
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })
  // Requests being answered, counted until the warm-up is done, for it to stay out of their way.
  let answering = 0
  const count = (_request: IncomingMessage, response: ServerResponse) => {
    answering += 1
    response.once('close', () => (answering -= 1))
  }
  app.server.on('request', count)
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    const problem = listenProblem(error, config)
    if (problem === null) throw error
    await app.close()
    fail(problem)
  }
  // Validators and serializers are compiled at first use; the rest now, while nothing waits.
  const onError = (err: unknown) => app.log.error({ err }, 'a route schema does not compile')
  void warmUp({ busy: () => answering > 0, onError }).then(() => app.server.off('request', count))
}

await main()
