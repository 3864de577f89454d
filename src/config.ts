// Configuration: the environment read once, checked, and frozen. A bad value fails fast with
// one line naming the variable, so an operator never finds out at the first request.
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { canonicalLocale } from './text/locale.js'

export type CommentModeration = 'pre' | 'post'

export interface Config {
  readonly port: number
  readonly host: string
  readonly databasePath: string
  readonly mediaDir: string
  readonly publicUrl: string | null
  readonly adminToken: string | null
  readonly commentRateLimit: number
  readonly commentModeration: CommentModeration
  /** Comments close by themselves this many days after publication; 0 keeps them open. */
  readonly commentsCloseAfterDays: number
  /** A comment with more links than this is spam; fewer links still raise its spam score. */
  readonly commentMaxLinks: number
  /** How many levels a comment thread may have (1: no replies). */
  readonly commentMaxDepth: number
  /** Words and phrases that flag a comment for a moderator (lower case). */
  readonly commentBlockedWords: readonly string[]
  /** Hosts whose links (or their subdomains') make a comment spam (lower case). */
  readonly commentBlockedHosts: readonly string[]
  readonly maxUploadBytes: number
  /** Largest WordPress export an import takes (src/import/). */
  readonly importMaxBytes: number
  readonly webhookRetrySchedule: readonly number[]
  /** How long (ms) one webhook delivery attempt may take, answer included, before it counts as failed. */
  readonly webhookTimeoutMs: number
  /** How often (ms) the delivery worker looks for webhook deliveries that fell due. */
  readonly webhookPollMs: number
  /** Finished webhook deliveries and their attempt log are kept this many days; 0 keeps them forever. */
  readonly webhookLogRetentionDays: number
  /** Webhooks may target loopback and private addresses (src/webhooks/address-policy.ts); link-local and metadata never. */
  readonly webhookAllowPrivate: boolean
  readonly logLevel: string
  /** Fastify's `trustProxy`: false, true, a hop count, or a list of addresses/CIDRs. */
  readonly trustProxy: boolean | number | string
  /** How often (ms) the scheduler looks for articles that fell due. */
  readonly schedulerIntervalMs: number
  /** Origins allowed to write from a browser (CORS); reads are open to any origin. `*` allows all. */
  readonly corsWriteOrigins: readonly string[]
  /** max-age (s) of anonymous reads of published content; stale-while-revalidate is five times it. */
  readonly publicCacheMaxAge: number
  /** MiB of anonymous answers to article reads kept in memory (src/http/response-cache.ts); 0 turns the cache off. */
  readonly responseCacheMb: number
  /** Hosts (`host` or `host:port`, lower case) whose Host header may start absolute links when PUBLIC_URL is unset. */
  readonly allowedHosts: readonly string[]
  /** The sizes image renditions snap up to, ascending (src/media/renditions.ts). */
  readonly renditionWidths: readonly number[]
  /** Image renditions encoded at once, each in a process of its own, by each worker. */
  readonly renditionConcurrency: number
  /** Serializers compiled from cheaper equivalents of the response schemas (src/http/serialization.ts). */
  readonly fastSerialization: boolean
  /**
   * Readers' copies of published articles kept in the database as bytes (src/renders/), when
   * PUBLIC_URL or ALLOWED_HOSTS fixes the base of links; STORED_RENDERS=false makes every read anew.
   */
  readonly storedRenders: boolean
  /** The publication's name in feeds, sitemaps and structured data. */
  readonly siteName: string
  /** An article's page on the website, with the placeholders of SITE_URL_PLACEHOLDERS (src/distribution/canonical-url.ts). */
  readonly siteUrlTemplate: string
  /** An author profile's page on the website, with the placeholders of AUTHOR_URL_PLACEHOLDERS: bylines link it. */
  readonly authorUrlTemplate: string
  /** Articles per sitemap page (at most the protocol's 50,000). */
  readonly sitemapPageSize: number
  /** Days the change feed keeps its entries, tombstones included (at least the contract's 90). */
  readonly changesRetentionDays: number
  /** BENCH_CACHE_STATS: the benchmark's `GET /internal/cache-stats` (the response cache's hits and misses) exists. */
  readonly benchCacheStats: boolean
  /** The locale of articles that do not say, and of slug lookups without `?locale=` (a canonical BCP 47 tag). */
  readonly defaultLocale: string
  /** Caching proxies or CDN purge endpoints sent a PURGE with the surrogate keys of each change (src/cdn/). */
  readonly cdnPurgeUrls: readonly string[]
  /** Server processes over the one database file (src/cluster.ts); 1 runs no cluster at all. */
  readonly workers: number
}

/** What SITE_URL_TEMPLATE may hold; {publicUrl} is PUBLIC_URL, or the request's own base without it. */
export const SITE_URL_PLACEHOLDERS = ['publicUrl', 'slug', 'id', 'section', 'locale', 'yyyy', 'mm', 'dd'] as const
/** What AUTHOR_URL_TEMPLATE may hold: a profile has no section, locale or date. */
export const AUTHOR_URL_PLACEHOLDERS = ['publicUrl', 'slug', 'id'] as const

/** A path named by a variable that the service cannot use (a folder it may not create, a file it may not open). */
export function unusablePath(variable: string, path: string, error: unknown): ConfigError | null {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !UNUSABLE_PATH_CODES.has(code)) return null
  const reason = error instanceof Error ? error.message.replace(/, (mkdir|open|stat|access|scandir) '.*$/, '') : code
  return new ConfigError(variable, `cannot use "${path}": ${reason}`)
}

const UNUSABLE_PATH_CODES = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EROFS', 'EEXIST', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_NOTADB', 'SQLITE_PERM'])

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * MiB for the response cache unless RESPONSE_CACHE_MB says otherwise: room for ~3,000 stories of
 * ~5 KB, a fifth of what the whole service holds after a benchmark run, rather than a third.
 */
export const DEFAULT_RESPONSE_CACHE_MB = 16

type Env = Record<string, string | undefined>

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

function publicUrl(env: Env): string | null {
  const raw = read(env, 'PUBLIC_URL')
  if (raw === undefined) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute http(s) URL, got "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('PUBLIC_URL', `must be an absolute http(s) URL, got "${raw}"`)
  }
  return raw.replace(/\/+$/, '')
}

function retrySchedule(env: Env): number[] {
  const raw = read(env, 'WEBHOOK_RETRY_SCHEDULE') ?? '5,30,120,600,3600,21600'
  const parts = raw.split(',').map((part) => part.trim())
  if (parts.some((part) => !/^\d+$/.test(part))) {
    throw new ConfigError('WEBHOOK_RETRY_SCHEDULE', `must be a comma-separated list of seconds, got "${raw}"`)
  }
  return parts.map(Number)
}

// The names proxy-addr (behind Fastify's trustProxy) gives to ranges of addresses.
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function trustProxy(env: Env): boolean | number | string {
  const raw = read(env, 'TRUST_PROXY')
  if (raw === undefined || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  for (const entry of raw.split(',').map((part) => part.trim())) {
    const [address = '', prefix, extra] = entry.split('/')
    const family = isIP(address)
    const bits = family === 6 ? 128 : 32
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits)
    if (!PROXY_RANGES.has(entry) && (family === 0 || !validPrefix || extra !== undefined)) {
      throw new ConfigError('TRUST_PROXY', `must be true, false, a hop count, or addresses/CIDRs of your proxies (or loopback, linklocal, uniquelocal), got "${entry}"`)
    }
  }
  return raw
}

/** A comma-separated list, trimmed and lower-cased, blanks dropped. */
function list(env: Env, name: string): string[] {
  const raw = read(env, name)
  if (raw === undefined) return []
  return [...new Set(raw.split(',').map((item) => item.trim().normalize('NFKC').toLowerCase()).filter((item) => item !== ''))]
}

function blockedHosts(env: Env): string[] {
  const hosts = list(env, 'COMMENT_BLOCKED_HOSTS').map((host) => host.replace(/^\*?\./, ''))
  const bad = hosts.find((host) => !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host))
  if (bad !== undefined) throw new ConfigError('COMMENT_BLOCKED_HOSTS', `must be a comma-separated list of host names, got "${bad}"`)
  return hosts
}

function adminToken(env: Env): string | null {
  const raw = read(env, 'CMS_ADMIN_TOKEN')
  if (raw === undefined) return null
  // A short bootstrap secret is a guessable admin key: refuse it rather than run exposed.
  if (raw.length < 16) throw new ConfigError('CMS_ADMIN_TOKEN', 'must be at least 16 characters')
  if (/\s/.test(raw)) throw new ConfigError('CMS_ADMIN_TOKEN', 'must not contain white space')
  return raw
}

function corsOrigins(env: Env): string[] {
  const raw = read(env, 'CORS_WRITE_ORIGINS')
  if (raw === undefined) return []
  const origins = raw.split(',').map((origin) => origin.trim()).filter(Boolean)
  for (const origin of origins) {
    if (origin === '*') continue
    let url: URL | undefined
    try {
      url = new URL(origin)
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new ConfigError('CORS_WRITE_ORIGINS', `must list origins like https://desk.example.com, got "${origin}"`)
    }
  }
  return origins
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (raw === 'true' || raw === 'false') return raw === 'true'
  throw new ConfigError(name, `must be true or false, got "${raw}"`)
}

function renditionWidths(env: Env): number[] {
  const raw = read(env, 'RENDITION_WIDTHS') ?? '160,320,640,960,1280,1920,2560'
  const widths = raw.split(',').map((part) => part.trim())
  const numbers = widths.map(Number)
  const valid = widths.every((part) => /^\d{1,4}$/.test(part)) && numbers.every((n, i) => n >= 16 && n <= 4096 && (i === 0 || n > numbers[i - 1]!))
  if (!valid) throw new ConfigError('RENDITION_WIDTHS', `must be ascending whole numbers of pixels from 16 to 4096, comma-separated, got "${raw}"`)
  return numbers
}

/** How many server processes: a count, or `auto` for one per CPU (WORKERS). */
function workers(env: Env, databasePath: string): number {
  const raw = read(env, 'WORKERS')
  if (raw !== undefined && raw !== 'auto' && !/^\d+$/.test(raw)) throw new ConfigError('WORKERS', `must be a whole number from 1 to 64, or auto, got "${raw}"`)
  const count = raw === 'auto' ? availableParallelism() : integer(env, 'WORKERS', 1, 1, 64)
  // Each process would have a database of its own.
  if (count > 1 && databasePath === ':memory:') throw new ConfigError('WORKERS', 'more than one worker needs a database file, and DATABASE_PATH is :memory:')
  return count
}

function allowedHosts(env: Env): string[] {
  const hosts = list(env, 'ALLOWED_HOSTS')
  const bad = hosts.find((host) => !/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/.test(host))
  if (bad !== undefined) throw new ConfigError('ALLOWED_HOSTS', `must be a comma-separated list of host names (with a port where it is not 80 or 443), got "${bad}"`)
  return hosts
}

/** A page URL template (SITE_URL_TEMPLATE, AUTHOR_URL_TEMPLATE): known placeholders, a unique one, an absolute URL. */
function urlTemplate(env: Env, name: string, fallback: string, placeholders: readonly string[]): string {
  const raw = read(env, name) ?? fallback
  const fail = (problem: string) => new ConfigError(name, `${problem}, got "${raw}"`)
  const names = [...raw.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]!)
  const unknown = names.find((name) => !placeholders.includes(name))
  if (unknown !== undefined) throw fail(`knows {${placeholders.join('}, {')}}, not {${unknown}}`)
  // Two articles (or authors) must never share a page: one of the two unique placeholders has to be there.
  if (!names.includes('slug') && !names.includes('id')) throw fail('must contain {slug} or {id}')
  if (names.includes('publicUrl') && !raw.startsWith('{publicUrl}')) throw fail('may hold {publicUrl} only at its start')
  const sample = raw.replace(/\{([^{}]*)\}/g, (_, name: string) => (name === 'publicUrl' ? 'https://news.example' : 'x'))
  let url: URL | undefined
  try {
    url = new URL(sample)
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || /[{}\s]/.test(sample)) {
    throw fail('must be an absolute http(s) URL, or start with {publicUrl}')
  }
  return raw
}

function defaultLocale(env: Env): string {
  const raw = read(env, 'DEFAULT_LOCALE') ?? 'en'
  // The same canonical form article writes store (pt-br -> pt-BR), so that lookups compare equal.
  const tag = canonicalLocale(raw)
  if (tag !== null) return tag
  throw new ConfigError('DEFAULT_LOCALE', `must be a BCP 47 language tag such as en or pt-BR, got "${raw}"`)
}

function cdnPurgeUrls(env: Env): string[] {
  const raw = read(env, 'CDN_PURGE_URLS')
  if (raw === undefined) return []
  const urls = raw.split(',').map((url) => url.trim()).filter(Boolean)
  for (const raw of urls) {
    let url: URL | undefined
    try {
      url = new URL(raw)
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError('CDN_PURGE_URLS', `must be a comma-separated list of http(s) URLs, got "${raw}"`)
    }
    // fetch refuses them, and the URL is logged with every failed purge.
    if (url.username !== '' || url.password !== '') throw new ConfigError('CDN_PURGE_URLS', `must not hold credentials, got "${url.host}${url.pathname}"`)
  }
  return [...new Set(urls)]
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  const databasePath = read(env, 'DATABASE_PATH') ?? './data/cms.sqlite'
  const processes = workers(env, databasePath)
  return Object.freeze({
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: read(env, 'HOST') ?? '127.0.0.1',
    databasePath,
    mediaDir: read(env, 'MEDIA_DIR') ?? './data/media',
    publicUrl: publicUrl(env),
    adminToken: adminToken(env),
    commentRateLimit: integer(env, 'COMMENT_RATE_LIMIT', 5, 0, 1_000_000),
    commentModeration: oneOf(env, 'COMMENT_MODERATION', ['pre', 'post'] as const, 'pre'),
    commentsCloseAfterDays: integer(env, 'COMMENTS_CLOSE_AFTER_DAYS', 0, 0, 36_500),
    commentMaxLinks: integer(env, 'COMMENT_MAX_LINKS', 2, 0, 100),
    commentMaxDepth: integer(env, 'COMMENT_MAX_DEPTH', 5, 1, 50),
    commentBlockedWords: Object.freeze(list(env, 'COMMENT_BLOCKED_WORDS')),
    commentBlockedHosts: Object.freeze(blockedHosts(env)),
    maxUploadBytes: integer(env, 'MAX_UPLOAD_BYTES', 26_214_400, 1, Number.MAX_SAFE_INTEGER),
    importMaxBytes: integer(env, 'IMPORT_MAX_BYTES', 536_870_912, 1, Number.MAX_SAFE_INTEGER),
    webhookRetrySchedule: Object.freeze(retrySchedule(env)),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    webhookPollMs: integer(env, 'WEBHOOK_POLL_MS', 1000, 10, 60_000),
    webhookLogRetentionDays: integer(env, 'WEBHOOK_LOG_RETENTION_DAYS', 30, 0, 36_500),
    webhookAllowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    logLevel,
    trustProxy: trustProxy(env),
    schedulerIntervalMs: integer(env, 'SCHEDULER_INTERVAL_MS', 1000, 50, 60_000),
    corsWriteOrigins: Object.freeze(corsOrigins(env)),
    publicCacheMaxAge: integer(env, 'PUBLIC_CACHE_MAX_AGE', 60, 0, 86_400),
    responseCacheMb: integer(env, 'RESPONSE_CACHE_MB', DEFAULT_RESPONSE_CACHE_MB, 0, 4096),
    fastSerialization: boolean(env, 'FAST_SERIALIZATION', true),
    storedRenders: boolean(env, 'STORED_RENDERS', true),
    benchCacheStats: boolean(env, 'BENCH_CACHE_STATS', false),
    defaultLocale: defaultLocale(env),
    allowedHosts: Object.freeze(allowedHosts(env)),
    renditionWidths: Object.freeze(renditionWidths(env)),
    siteName: read(env, 'SITE_NAME') ?? 'Newsroom',
    siteUrlTemplate: urlTemplate(env, 'SITE_URL_TEMPLATE', '{publicUrl}/v1/articles/slug/{slug}', SITE_URL_PLACEHOLDERS),
    // Like the article's default, a page the service itself answers until the website has its own.
    authorUrlTemplate: urlTemplate(env, 'AUTHOR_URL_TEMPLATE', '{publicUrl}/v1/authors/slug/{slug}', AUTHOR_URL_PLACEHOLDERS),
    sitemapPageSize: integer(env, 'SITEMAP_PAGE_SIZE', 50_000, 1, 50_000),
    changesRetentionDays: integer(env, 'CHANGES_RETENTION_DAYS', 90, 90, 36_500),
    // One core is left to answering requests; the rest is shared among the workers, each of which
    // encodes this many at once.
    renditionConcurrency: integer(env, 'RENDITION_CONCURRENCY', Math.max(1, Math.floor((availableParallelism() - 1) / processes)), 1, 64),
    cdnPurgeUrls: Object.freeze(cdnPurgeUrls(env)),
    workers: processes,
  })
}
