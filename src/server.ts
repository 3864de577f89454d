// The entry point: configuration, the app, and a graceful close on SIGTERM or SIGINT that lets
// requests in flight finish before the database closes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { warmUp } from './http/lazy-compile.js'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  const app = await buildApp(config)
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
  await app.listen({ port: config.port, host: config.host })
  // Validators and serializers are compiled at first use; the rest now, while nothing waits.
  const onError = (err: unknown) => app.log.error({ err }, 'a route schema does not compile')
  void warmUp({ busy: () => answering > 0, onError }).then(() => app.server.off('request', count))
}

await main()
