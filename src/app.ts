// buildApp: the only module that knows every resource. It registers, in this order, what
// every route relies on (schemas, validation, errors, OpenAPI, the caller), then each resource
// under its prefix, then the background work that runs beside the routes.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { createArticleEmbedder } from './articles/embed.js'
import { createArticlesRepository } from './articles/repository.js'
import { articleRoutes } from './articles/routes.js'
import { startScheduler } from './articles/scheduler.js'
import type { Config } from './config.js'
import { closeDatabase, type Db, openDatabase } from './db/client.js'
import { authPlugin } from './http/auth.js'
import { registerErrorHandling } from './http/errors.js'
import { registerOpenApi } from './http/openapi.js'
import { json, registerSharedSchemas } from './http/schemas.js'
import { registerValidation } from './http/validation.js'
import { createKeysRepository } from './keys/repository.js'
import { keyRoutes } from './keys/routes.js'
import { createMediaRepository } from './media/repository.js'
import { mediaRoutes } from './media/routes.js'
import { createRelatedLinksRepository } from './related-links/repository.js'
import { relatedLinkRoutes } from './related-links/routes.js'
import { commentRoutes } from './comments/routes.js'
import { webhookRoutes } from './webhooks/routes.js'
import type { ResourceDeps } from './http/resource.js'
import './related-links/schemas.js'
import { projectPath } from './paths.js'
import { createOutbox } from './webhooks/outbox.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    config: Config
  }
}

export interface AppDeps {
  /** An open database; by default the app opens (and on close, closes) config.databasePath. */
  db?: Db
}

const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const db = deps.db ?? openDatabase(config.databasePath)
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // API keys must never reach a log.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    // Fastify takes a hop count too, though its types list only the other forms.
    trustProxy: config.trustProxy as boolean | string,
    genReqId: () => randomUUID(),
    // Article bodies can be long; media uploads have their own limit (MAX_UPLOAD_BYTES).
    bodyLimit: 5 * 1024 * 1024,
    return503OnClosing: true,
  })
  app.decorate('db', db)
  app.decorate('config', config)
  app.addHook('onClose', async () => closeDatabase(db))

  registerValidation(app, registerSharedSchemas(app))
  registerErrorHandling(app)
  await registerOpenApi(app, pkg.version)

  const keys = createKeysRepository(db)
  if (config.adminToken !== null) keys.ensureAdmin(config.adminToken)
  await app.register(authPlugin, { resolveToken: (token) => keys.findByToken(token) })

  app.get(
    '/health',
    {
      schema: {
        summary: 'Readiness: 200 once the service is ready',
        operationId: 'getHealth',
        tags: ['service'],
        response: { 200: json('Ready.', Type.Object({ status: Type.Literal('ok') })) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  const recordEvent = createOutbox(db)
  const articles = createArticlesRepository(db, recordEvent)
  const media = createMediaRepository(db)
  const related = createRelatedLinksRepository(db)
  const embed = createArticleEmbedder({ articles, media, related })

  const shared: ResourceDeps = { config, db, recordEvent, articles }
  await app.register(keyRoutes, { prefix: '/v1/keys', keys })
  await app.register(articleRoutes, { prefix: '/v1/articles', config, articles, embed })
  await app.register(mediaRoutes, { prefix: '/v1/media', ...shared })
  await app.register(relatedLinkRoutes, { prefix: '/v1/articles/:id/related', ...shared })
  await app.register(commentRoutes, { prefix: '/v1', ...shared })
  await app.register(webhookRoutes, { prefix: '/v1/webhooks', ...shared })

  let stopScheduler: (() => void) | undefined
  app.addHook('onReady', async () => {
    stopScheduler = startScheduler(articles, config.schedulerIntervalMs, app.log)
  })
  app.addHook('preClose', async () => stopScheduler?.())

  return app
}
