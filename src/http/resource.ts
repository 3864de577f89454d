// What every resource plugin is given by buildApp: the shared services, nothing global.
import type { ArticlesRepository } from '../articles/repository.js'
import type { Config } from '../config.js'
import type { Db } from '../db/client.js'
import type { RecordEvent } from '../webhooks/outbox.js'

export interface ResourceDeps {
  config: Config
  db: Db
  /** Writes a webhook event inside the caller's transaction. */
  recordEvent: RecordEvent
  /** Comments and related links check their article through it. */
  articles: ArticlesRepository
}
