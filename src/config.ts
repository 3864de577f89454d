// Configuration: the environment read once, checked, and frozen. A bad value fails fast with
// one line naming the variable, so an operator never finds out at the first request.

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
  readonly maxUploadBytes: number
  readonly webhookRetrySchedule: readonly number[]
  readonly logLevel: string
  /** Fastify's `trustProxy`: false, true, a hop count, or a list of addresses/CIDRs. */
  readonly trustProxy: boolean | number | string
  /** How often (ms) the scheduler looks for articles that fell due. */
  readonly schedulerIntervalMs: number
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

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

function trustProxy(env: Env): boolean | number | string {
  const raw = read(env, 'TRUST_PROXY')
  if (raw === undefined || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  return raw
}

function adminToken(env: Env): string | null {
  const raw = read(env, 'CMS_ADMIN_TOKEN')
  if (raw === undefined) return null
  // A short bootstrap secret is a guessable admin key: refuse it rather than run exposed.
  if (raw.length < 16) throw new ConfigError('CMS_ADMIN_TOKEN', 'must be at least 16 characters')
  if (/\s/.test(raw)) throw new ConfigError('CMS_ADMIN_TOKEN', 'must not contain white space')
  return raw
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  return Object.freeze({
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: read(env, 'HOST') ?? '127.0.0.1',
    databasePath: read(env, 'DATABASE_PATH') ?? './data/cms.sqlite',
    mediaDir: read(env, 'MEDIA_DIR') ?? './data/media',
    publicUrl: publicUrl(env),
    adminToken: adminToken(env),
    commentRateLimit: integer(env, 'COMMENT_RATE_LIMIT', 5, 0, 1_000_000),
    commentModeration: oneOf(env, 'COMMENT_MODERATION', ['pre', 'post'] as const, 'pre'),
    commentsCloseAfterDays: integer(env, 'COMMENTS_CLOSE_AFTER_DAYS', 0, 0, 36_500),
    maxUploadBytes: integer(env, 'MAX_UPLOAD_BYTES', 26_214_400, 1, Number.MAX_SAFE_INTEGER),
    webhookRetrySchedule: Object.freeze(retrySchedule(env)),
    logLevel,
    trustProxy: trustProxy(env),
    schedulerIntervalMs: integer(env, 'SCHEDULER_INTERVAL_MS', 1000, 50, 60_000),
  })
}
