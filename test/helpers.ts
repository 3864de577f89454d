// Test helpers: an app on a fresh in-memory database per test, closed on teardown, and small
// factories for keys and articles.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../src/app.js'
import { type Config, loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'

export interface TestContext {
  teardown(fn: () => unknown): void
}

export interface TestApp {
  app: FastifyInstance
  config: Config
  admin: string
  editor: string
  moderator: string
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ DATABASE_PATH: ':memory:', MEDIA_DIR: '/tmp/cms-test-media', LOG_LEVEL: 'silent', ...env })
}

/** An app on a fresh in-memory database, with one key of each role. */
export async function makeApp(t: TestContext, env: Record<string, string> = {}): Promise<TestApp> {
  const config = testConfig(env)
  const db = openDatabase(':memory:')
  const keys = createKeysRepository(db)
  const admin = keys.create('test admin', 'admin').token
  const editor = keys.create('test editor', 'editor').token
  const moderator = keys.create('test moderator', 'moderator').token
  const app = await buildApp(config, { db })
  t.teardown(() => app.close())
  await app.ready()
  return { app, config, admin, editor, moderator }
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` })

export function body<T = any>(response: LightMyRequestResponse): T {
  return response.json() as T
}

let counter = 0

/** Creates an article through the API and returns it; `published` publishes it too. */
export async function createArticle(
  { app, editor }: TestApp,
  fields: Record<string, unknown> = {},
  options: { published?: boolean } = {},
): Promise<any> {
  counter += 1
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: auth(editor),
    payload: { title: `Story number ${counter}`, ...fields },
  })
  if (created.statusCode !== 201) throw new Error(`createArticle: ${created.statusCode} ${created.body}`)
  const article = created.json()
  if (!options.published) return article
  const published = await app.inject({ method: 'POST', url: `/v1/articles/${article.id}/publish`, headers: auth(editor) })
  if (published.statusCode !== 200) throw new Error(`publish: ${published.statusCode} ${published.body}`)
  return published.json()
}
