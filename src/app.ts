// buildApp: the only module that knows every resource. It opens the database, builds each
// repository and service once, registers what every route relies on (schemas, validation,
// errors, OpenAPI, the caller), then each resource under its prefix with exactly the parts it
// uses, and starts and stops the background work that runs beside the routes.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { SERVER_LIMITS, type ServerLimits, serverOptions } from './http/server-limits.js'
import { createArticleEmbedder } from './articles/embed.js'
import { createArticlesRepository } from './articles/repository.js'
import { articleRoutes } from './articles/routes.js'
import { Article, ArticleRevision, ArticleSummary, Block, BlockRead } from './articles/schemas.js'
import { startScheduler } from './articles/scheduler.js'
import { createAuthorsRepository } from './authors/repository.js'
import { authorRoutes } from './authors/routes.js'
import { Author } from './authors/schemas.js'
import { createChangesRepository } from './changes/repository.js'
import { startChangesRetention } from './changes/retention.js'
import { changeRoutes } from './changes/routes.js'
import { createCommentsRepository } from './comments/repository.js'
import { createCorrectionsReader } from './corrections/reader.js'
import { createCorrectionsRepository } from './corrections/repository.js'
import { correctionRoutes } from './corrections/routes.js'
import { Correction } from './corrections/schemas.js'
import { type Config, unusablePath } from './config.js'
import { closeDatabase, type Db, openDatabase } from './db/client.js'
import { deferCheckpoints, startCheckpointer } from './db/checkpointer.js'
import { invalidationFeed, startInvalidationPruner } from './db/invalidations.js'
import { openRenderStore } from './renders/generation.js'
import { type BackgroundJob, createLeases, type LeasedJobs, runUnderLease } from './db/lease.js'
import { articleFormatRoutes } from './distribution/article-routes.js'
import { createAuthorUrl, createCanonicalUrl } from './distribution/canonical-url.js'
import { createDistributionRepository } from './distribution/repository.js'
import { distributionRoutes } from './distribution/routes.js'
import { createSitemaps } from './distribution/sitemaps.js'
import { createStories } from './distribution/stories.js'
import { createFeedPages } from './distribution/feed-pages.js'
import { authPlugin } from './http/auth.js'
import { CacheFront } from './http/cache-front.js'
import { conditionalPlugin } from './http/conditional.js'
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './http/errors.js'
import { IDEMPOTENCY_PURGE_MS, idempotencyPlugin, purgeExpired } from './http/idempotency.js'
import { ResponseCache } from './http/response-cache.js'
import { registerSecurity } from './http/security.js'
import { registerOpenApi } from './http/openapi.js'
import { json, ProblemSchema, registerSharedSchemas, type SharedSchema } from './http/schemas.js'
import { registerSerialization } from './http/serialization.js'
import { registerValidation } from './http/validation.js'
import { createIdempotencyRepository } from './idempotency/repository.js'
import { createImportRecords } from './import/repository.js'
import { importRoutes } from './import/routes.js'
import { createKeysRepository } from './keys/repository.js'
import { keyRoutes } from './keys/routes.js'
import { ApiKey, ApiKeyWithToken } from './keys/schemas.js'
import { createMediaRepository } from './media/repository.js'
import { createRenditions } from './media/renditions.js'
import { createMediaStorage } from './media/storage.js'
import { mediaRoutes } from './media/routes.js'
import { Media } from './media/schemas.js'
import { createRelatedLinksRepository } from './related-links/repository.js'
import { relatedLinkRoutes } from './related-links/routes.js'
import { RelatedLink, RelatedLinkInput } from './related-links/schemas.js'
import { commentRoutes } from './comments/routes.js'
import { Comment, ModeratedComment } from './comments/schemas.js'
import { createSectionsRepository } from './sections/repository.js'
import { sectionRoutes } from './sections/routes.js'
import { Section } from './sections/schemas.js'
import { createTagsRepository } from './tags/repository.js'
import { tagRoutes } from './tags/routes.js'
import { createDeliveryQueue } from './webhooks/delivery-queue.js'
import { createWebhooksRepository } from './webhooks/repository.js'
import { webhookRoutes } from './webhooks/routes.js'
import { Webhook, WebhookAttempt, WebhookDelivery, WebhookWithSecret } from './webhooks/schemas.js'
import { type DeliveryWorker, startDeliveryWorker } from './webhooks/worker.js'
import { projectPath } from './paths.js'
import { createPreviewLinksRepository } from './previews/repository.js'
import { previewRoutes } from './previews/routes.js'
import { redactPreviewToken } from './previews/tokens.js'
import { createTranslationGroups } from './translations/groups.js'
import { translationRoutes } from './translations/routes.js'
import { startPurger } from './cdn/purger.js'
import { createPurgeOutbox } from './cdn/repository.js'
import { createOutbox } from './webhooks/outbox.js'

export { SERVER_LIMITS, type ServerLimits }

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    config: Config
  }
}

export interface AppDeps {
  /** An open database; by default the app opens (and on close, closes) config.databasePath. */
  db?: Db
  /** Where log lines go instead of stdout (tests read them to check what is logged). */
  logStream?: { write(line: string): void }
  /** Overrides of SERVER_LIMITS (tests shorten them to see a slow client cut off in seconds). */
  serverLimits?: Partial<ServerLimits>
}

/** How often the worker thread copies committed pages from the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 250
/** How often the response cache lets go of answers a write made stale, should no read have done it. */
const RESPONSE_CACHE_SWEEP_MS = 1000
/** How often the invalidation log is pruned, and how long its rows stay for other processes' caches to read. */
const INVALIDATIONS_PRUNE_MS = 60_000
const INVALIDATIONS_RETAIN_MS = 5 * 60_000
/** How long rows wait for a CDN that does not answer: longer than any answer but a media file stays cached. */
const PURGE_BACKLOG_MS = 24 * 3_600_000
/** How often the CDN purger looks for changes to send, and how long one purge may take. */
const PURGE_POLL_MS = 250
const PURGE_TIMEOUT_MS = 5_000

/**
 * Every schema that routes share by reference, in the order the OpenAPI document lists them as
 * components. A route's `ref(X)` needs X here; Fastify refuses to start otherwise.
 */
const SHARED_SCHEMAS: readonly SharedSchema[] = [
  ProblemSchema,
  Media,
  Author,
  ArticleSummary,
  Block,
  BlockRead,
  Correction,
  Article,
  ArticleRevision,
  RelatedLink,
  RelatedLinkInput,
  Section,
  Comment,
  ModeratedComment,
  ApiKey,
  ApiKeyWithToken,
  Webhook,
  WebhookWithSecret,
  WebhookAttempt,
  WebhookDelivery,
]

const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const db = deps.db ?? open(config.databasePath)
  const responseCache =
    config.responseCacheMb > 0 ? new ResponseCache({ maxBytes: config.responseCacheMb * 1024 * 1024, invalidations: invalidationFeed(db) }) : undefined
  const front = new CacheFront({ cache: responseCache, baseUrls: config, log: () => app.log })
  const app: FastifyInstance = Fastify({
    logger: {
      level: config.logLevel,
      // API keys, addresses and e-mails must never reach a log: requests are logged by method
      // and path only (the query can hold a search, never a secret), with their request id. A
      // preview token in a path is a secret: it is replaced.
      serializers: {
        req: (request) => ({ method: request.method, url: redactPreviewToken(request.url ?? '') }),
        res: (reply) => ({ statusCode: reply.statusCode }),
      },
      redact: { paths: ['req.headers', 'headers.authorization'], censor: '[redacted]' },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    // Fastify takes a hop count too, though its types list only the other forms.
    trustProxy: config.trustProxy as boolean | string,
    genReqId: () => randomUUID(),
    // Article bodies can be long; media uploads have their own limit (MAX_UPLOAD_BYTES).
    bodyLimit: 5 * 1024 * 1024,
    return503OnClosing: true,
    ...serverOptions({ ...SERVER_LIMITS, ...deps.serverLimits }),
    // Slugs may be 120 characters (Fastify's default limit on a path parameter is 100).
    routerOptions: { maxParamLength: 256 },
    // Errors the router raises before any hook runs (a malformed URL) leave as problems too.
    frameworkErrors,
    // What Node's HTTP parser refuses before a request exists leaves as a problem as well.
    clientErrorHandler,
    // Anonymous reads already in the response cache are answered before Fastify's routing.
    serverFactory: front.serverFactory,
  })
  app.decorate('db', db)
  app.decorate('config', config)
  // Every process's connection leaves checkpoints to the one checkpoint thread (a background job below).
  deferCheckpoints(db)
  // The response cache is this process's memory: each worker sweeps its own.
  const sweeper = responseCache ? setInterval(() => responseCache.sweep(), RESPONSE_CACHE_SWEEP_MS).unref() : undefined
  const purgeOutbox = createPurgeOutbox(db)
  app.addHook('onClose', async () => {
    clearInterval(sweeper)
    closeDatabase(db)
  })
  // The id a problem's `instance` and every log line carry, so a report can be matched to the logs.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  registerSharedSchemas(app, SHARED_SCHEMAS)
  registerValidation(app, SHARED_SCHEMAS)
  registerSerialization(app, SHARED_SCHEMAS, { rewrite: config.fastSerialization })
  registerErrorHandling(app)
  await registerOpenApi(app, pkg.version)

  const keys = createKeysRepository(db)
  if (config.adminToken !== null) {
    const bootstrap = keys.ensureAdmin(config.adminToken)
    if (bootstrap.outcome === 'revoked') {
      app.log.warn(
        { keyId: bootstrap.id },
        'CMS_ADMIN_TOKEN is the secret of a revoked key, which stays revoked: set a new secret or unset CMS_ADMIN_TOKEN',
      )
    }
  }
  await app.register(authPlugin, { resolveToken: (token) => keys.findByToken(token) })
  await registerSecurity(app, config.corsWriteOrigins)
  await app.register(conditionalPlugin, {
    maxAge: config.publicCacheMaxAge,
    staleWhileRevalidate: config.publicCacheMaxAge * 5,
    responseCache,
    baseUrls: config,
  })
  const idempotencyRecords = createIdempotencyRepository(db)
  await app.register(idempotencyPlugin, { records: idempotencyRecords, otherProcesses: config.workers > 1 })

  app.get(
    '/health',
    {
      schema: {
        summary: 'Readiness: 200 once the service is ready',
        description:
          'Anyone, without a key. `{"status": "ok"}` once the database is open and migrated and the service listens; ' +
          'while it shuts down, new requests (this one too) answer 503. For load balancers and orchestrators.',
        operationId: 'getHealth',
        tags: ['service'],
        security: [],
        response: { 200: json('Ready.', Type.Object({ status: Type.Literal('ok', { description: 'Always `ok`: any other state has no 200.' }) })) },
      },
      config: { cache: 'no-store' },
    },
    async () => ({ status: 'ok' as const }),
  )
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  // For `npm run bench` only (scripts/bench/newsroom.ts reads the hit rate), never in the document.
  if (config.benchCacheStats) {
    app.get('/internal/cache-stats', { schema: { hide: true }, config: { cache: 'no-store' } }, async () => ({
      ...(responseCache?.stats ?? { hits: 0, misses: 0 }),
      entries: responseCache?.size ?? 0,
      bytes: responseCache?.bytes ?? 0,
    }))
  }

  // Each repository and service once; every plugin below gets the ones it uses.
  const recordEvent = createOutbox(db)
  const translations = createTranslationGroups(db)
  const articles = createArticlesRepository(db, recordEvent, { defaultLocale: config.defaultLocale, translations })
  const corrections = createCorrectionsRepository(db, articles)
  const previews = createPreviewLinksRepository(db)
  const media = createMediaRepository(db, recordEvent)
  const related = createRelatedLinksRepository(db)
  const authors = createAuthorsRepository(db)
  const sections = createSectionsRepository(db)
  const tags = createTagsRepository(db)
  const comments = createCommentsRepository(db, recordEvent)
  const webhooks = createWebhooksRepository(db)
  const deliveries = createDeliveryQueue(db)
  const importRecords = createImportRecords(db)
  const changes = createChangesRepository(db)
  const distribution = createDistributionRepository(db)
  const canonicalUrl = createCanonicalUrl(config.siteUrlTemplate)
  const embed = createArticleEmbedder({ articles, media, related, authors, corrections: createCorrectionsReader(db), canonicalUrl })
  const stories = createStories({ articles, media, canonicalUrl, authors, authorUrl: createAuthorUrl(config.authorUrlTemplate), groups: distribution })
  const sitemaps = createSitemaps({ repository: distribution, media, canonicalUrl, pageSize: config.sitemapPageSize, siteName: config.siteName })
  const storage = createMediaStorage(config.mediaDir)
  await storage.init().catch((error: unknown) => {
    closeDatabase(db)
    throw unusablePath('MEDIA_DIR', config.mediaDir, error) ?? error
  })
  const renditions = createRenditions(storage, { widths: config.renditionWidths, maxConcurrent: config.renditionConcurrency })

  let deliveryWorker: DeliveryWorker | undefined

  await app.register(keyRoutes, { prefix: '/v1/keys', keys })
  const renders = openRenderStore(config, db)
  await app.register(articleRoutes, { prefix: '/v1/articles', config, articles, embed, bodyHtml: stories.bodyHtml, renders })
  await app.register(mediaRoutes, { prefix: '/v1/media', config, media, storage, renditions })
  await app.register(authorRoutes, { prefix: '/v1/authors', config, authors, media })
  await app.register(sectionRoutes, { prefix: '/v1/sections', config, sections })
  await app.register(tagRoutes, { prefix: '/v1/tags', articles, tags })
  await app.register(relatedLinkRoutes, { prefix: '/v1/articles/:id/related', config, articles, related, embed })
  await app.register(correctionRoutes, { prefix: '/v1/articles/:id/corrections', config, articles, corrections })
  await app.register(translationRoutes, { prefix: '/v1/articles/:id/translations', config, articles, translations, embed })
  await app.register(previewRoutes, { prefix: '/v1', config, articles, previews, embed })
  await app.register(commentRoutes, { prefix: '/v1', config, articles, comments })
  await app.register(webhookRoutes, { prefix: '/v1/webhooks', webhooks, wakeDeliveries: () => deliveryWorker?.wake(), allowPrivateTargets: config.webhookAllowPrivate })
  await app.register(importRoutes, { prefix: '/v1/import', config, articles, authors, media, comments, records: importRecords, storage })
  const feeds = createFeedPages({ articles, distribution, stories, renders })
  await app.register(distributionRoutes, { prefix: '/v1', config, articles, distribution, feeds, sitemaps, canonicalUrl, authors })
  await app.register(articleFormatRoutes, { prefix: '/v1/articles', config, articles, embed, stories, canonicalUrl })
  await app.register(changeRoutes, { prefix: '/v1/changes', changes, retentionDays: config.changesRetentionDays })

  // Background work on the database, run once however many processes serve it (WORKERS): only
  // by the process that holds the `background` lease (src/db/lease.ts), which may change hands.
  const jobs: BackgroundJob[] = [
    { name: 'scheduled publishing', start: () => startScheduler(articles, config.schedulerIntervalMs, app.log) },
    {
      name: 'webhook delivery',
      start: () => {
        const worker = startDeliveryWorker(deliveries, {
          retrySchedule: config.webhookRetrySchedule,
          timeoutMs: config.webhookTimeoutMs,
          allowPrivate: config.webhookAllowPrivate,
          pollMs: config.webhookPollMs,
          retentionDays: config.webhookLogRetentionDays,
          userAgent: 'newsroom-cms-webhooks/1',
          log: app.log.child({ component: 'webhooks' }),
        })
        deliveryWorker = worker
        return async () => {
          deliveryWorker = undefined
          await worker.stop()
        }
      },
    },
    {
      name: 'WAL checkpoints',
      start: () => {
        const checkpointer = startCheckpointer(db, CHECKPOINT_INTERVAL_MS, (message) => app.log.warn({ message }, 'WAL checkpoint failed'))
        return () => checkpointer.stop()
      },
    },
    {
      name: 'invalidation log pruning',
      start: () =>
        startInvalidationPruner(db, {
          intervalMs: INVALIDATIONS_PRUNE_MS,
          retainMs: INVALIDATIONS_RETAIN_MS,
          readThrough: () => purgeOutbox.readThrough(config.cdnPurgeUrls),
          maxBacklogMs: PURGE_BACKLOG_MS,
          onError: (error) => app.log.warn({ err: error }, 'pruning the invalidation log failed'),
        }),
    },
    {
      name: 'CDN purges',
      start: () => {
        if (config.cdnPurgeUrls.length === 0) return () => {}
        const purger = startPurger(purgeOutbox, {
          urls: config.cdnPurgeUrls,
          pollMs: PURGE_POLL_MS,
          timeoutMs: PURGE_TIMEOUT_MS,
          userAgent: 'newsroom-cms-purge/1',
          log: app.log.child({ component: 'cdn-purge' }),
        })
        return () => purger.stop()
      },
    },
    { name: 'change feed retention', start: () => startChangesRetention(changes, config.changesRetentionDays, app.log.child({ component: 'changes' })) },
    { name: 'idempotency key purge', start: () => every(IDEMPOTENCY_PURGE_MS, () => purgeExpired(idempotencyRecords), app.log, 'purging expired idempotency keys failed') },
  ]
  let background: LeasedJobs | undefined
  // From ready (so that a test's app that never listens still runs them) to close, after the
  // requests in flight (whose events the delivery worker may still send) have been answered.
  app.addHook('onReady', async () => {
    background = runUnderLease(jobs, { leases: createLeases(db), name: 'background', log: app.log })
  })
  app.addHook('preClose', async () => {
    front.close()
  })
  app.addHook('onClose', async () => {
    renditions.close()
    await background?.stop()
  })

  return app
}

/** Runs `fn` every `ms` until stopped; a failure is logged and tried again at the next turn. */
function every(ms: number, fn: () => unknown, log: FastifyInstance['log'], failure: string): () => void {
  const timer = setInterval(() => {
    try {
      fn()
    } catch (error) {
      // A busy or full database: the next turn takes these too. A throw from a timer would end the process.
      log.error({ err: error }, failure)
    }
  }, ms)
  timer.unref()
  return () => clearInterval(timer)
}

/** Opens the database, or fails with one line naming DATABASE_PATH when its file cannot be used. */
function open(path: string): Db {
  try {
    return openDatabase(path)
  } catch (error) {
    throw unusablePath('DATABASE_PATH', path, error) ?? error
  }
}
