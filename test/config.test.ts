// Configuration: defaults, and a bad value of each variable stops the service with an error
// that names the variable.
import { availableParallelism } from 'node:os'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults follow the contract', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.databasePath, './data/cms.sqlite')
  t.equal(config.mediaDir, './data/media')
  t.equal(config.publicUrl, null)
  t.equal(config.adminToken, null)
  t.equal(config.commentRateLimit, 5)
  t.equal(config.commentModeration, 'pre')
  t.equal(config.maxUploadBytes, 26_214_400)
  t.same(config.webhookRetrySchedule, [5, 30, 120, 600, 3600, 21600])
  t.equal(config.webhookAllowPrivate, false, 'webhooks may not reach loopback or private addresses')
  t.equal(config.logLevel, 'info')
  t.equal(config.schedulerIntervalMs, 1000)
  t.equal(config.defaultLocale, 'en')
  t.same(config.cdnPurgeUrls, [], 'no CDN is told of changes unless named')
  t.equal(config.workers, 1, 'one process, no cluster')
  t.ok(Object.isFrozen(config), 'the config cannot be changed after start')
})

t.test('empty or blank values count as unset', async (t) => {
  const config = loadConfig({ PORT: '', HOST: '  ', LOG_LEVEL: '', CMS_ADMIN_TOKEN: '' })
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.logLevel, 'info')
  t.equal(config.adminToken, null)
})

t.test('good values are read', async (t) => {
  const config = loadConfig({
    PORT: '0',
    HOST: '0.0.0.0',
    DATABASE_PATH: ':memory:',
    MEDIA_DIR: '/srv/media',
    PUBLIC_URL: 'https://news.example.org/',
    CMS_ADMIN_TOKEN: 'an-admin-token-of-enough-length',
    COMMENT_RATE_LIMIT: '0',
    COMMENT_MODERATION: 'post',
    MAX_UPLOAD_BYTES: '1024',
    WEBHOOK_RETRY_SCHEDULE: '1, 2,3',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'debug',
    SCHEDULER_INTERVAL_MS: '50',
    DEFAULT_LOCALE: 'pt-br',
    CDN_PURGE_URLS: 'http://127.0.0.1:6081/, https://purge.example.net/xkey ,http://127.0.0.1:6081/',
  })
  t.equal(config.port, 0)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.databasePath, ':memory:')
  t.equal(config.mediaDir, '/srv/media')
  t.equal(config.publicUrl, 'https://news.example.org', 'a trailing slash is dropped')
  t.equal(config.adminToken, 'an-admin-token-of-enough-length')
  t.equal(config.commentRateLimit, 0, '0 turns the comment limit off')
  t.equal(config.commentModeration, 'post')
  t.equal(config.maxUploadBytes, 1024)
  t.same(config.webhookRetrySchedule, [1, 2, 3])
  t.equal(config.webhookAllowPrivate, true)
  t.equal(config.logLevel, 'debug')
  t.equal(config.schedulerIntervalMs, 50)
  t.equal(config.defaultLocale, 'pt-BR', 'a locale is kept in canonical case, as articles store it')
  t.same(config.cdnPurgeUrls, ['http://127.0.0.1:6081/', 'https://purge.example.net/xkey'], 'trimmed, each once')
})

const BAD: [string, string][] = [
  ['PORT', 'abc'],
  ['PORT', '65536'],
  ['PORT', '-1'],
  ['PORT', '80.5'],
  ['PUBLIC_URL', 'not a url'],
  ['PUBLIC_URL', 'ftp://files.example.org'],
  ['CMS_ADMIN_TOKEN', 'short'],
  ['CMS_ADMIN_TOKEN', 'has a space inside it somewhere'],
  ['COMMENT_RATE_LIMIT', 'five'],
  ['COMMENT_RATE_LIMIT', '-5'],
  ['COMMENT_MODERATION', 'never'],
  ['MAX_UPLOAD_BYTES', '0'],
  ['MAX_UPLOAD_BYTES', '25MB'],
  ['MAX_UPLOAD_BYTES', '99999999999999999999999'],
  ['WEBHOOK_RETRY_SCHEDULE', '5,soon,30'],
  ['WEBHOOK_RETRY_SCHEDULE', '5,,30'],
  ['WEBHOOK_RETRY_SCHEDULE', '-5'],
  ['WEBHOOK_ALLOW_PRIVATE', 'yes'],
  ['WEBHOOK_ALLOW_PRIVATE', '1'],
  ['LOG_LEVEL', 'loud'],
  ['SCHEDULER_INTERVAL_MS', '10'],
  ['SCHEDULER_INTERVAL_MS', 'fast'],
  ['DEFAULT_LOCALE', 'English'],
  ['DEFAULT_LOCALE', 'e'],
  ['DEFAULT_LOCALE', 'en_US'],
  ['CDN_PURGE_URLS', 'varnish:6081'],
  ['CDN_PURGE_URLS', 'http://127.0.0.1:6081/,ftp://cache.example.net/'],
  ['CDN_PURGE_URLS', 'https://user:secret@purge.example.net/'],
  ['WORKERS', 'many'],
  ['WORKERS', '0'],
  ['WORKERS', '65'],
]

for (const [name, value] of BAD) {
  t.test(`${name}=${JSON.stringify(value)} is refused with an error naming ${name}`, async (t) => {
    let error: unknown
    try {
      loadConfig({ [name]: value })
    } catch (caught) {
      error = caught
    }
    t.type(error, ConfigError)
    const configError = error as ConfigError
    t.equal(configError.variable, name)
    t.match(configError.message, new RegExp(`^${name}\\b`), 'the message starts with the variable')
    t.notMatch(configError.message, /\n/, 'the message is one line')
  })
}

t.test('WORKERS: a count, or auto for one per CPU; several need a database file', async (t) => {
  t.equal(loadConfig({ WORKERS: '2' }).workers, 2)
  t.equal(loadConfig({ WORKERS: 'auto' }).workers, availableParallelism())
  t.equal(loadConfig({ WORKERS: '1', DATABASE_PATH: ':memory:' }).workers, 1)
  t.throws(() => loadConfig({ WORKERS: '2', DATABASE_PATH: ':memory:' }), { variable: 'WORKERS', message: /needs a database file/ })
  const cpus = availableParallelism()
  t.equal(loadConfig({ WORKERS: '2' }).renditionConcurrency, Math.max(1, Math.floor((cpus - 1) / 2)), 'the spare cores are shared among the workers')
  t.equal(loadConfig({ WORKERS: '2', RENDITION_CONCURRENCY: '3' }).renditionConcurrency, 3, 'unless set')
})

t.test('one bad variable among good ones is the one named', async (t) => {
  t.throws(() => loadConfig({ PORT: '8080', LOG_LEVEL: 'info', COMMENT_MODERATION: 'sometimes' }), {
    name: 'ConfigError',
    variable: 'COMMENT_MODERATION',
  })
})
