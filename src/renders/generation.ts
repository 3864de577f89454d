// Which code and settings make the stored renders (src/renders/store.ts): a render is bytes of an
// answer, so one made by another build, or under another SITE_URL_TEMPLATE, may differ from what
// this service would send. Renders carry their generation and are read only by their own; a
// service that starts with a new one empties the table (store.ts).
import { hash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Config } from '../config.js'
import type { Db } from '../db/client.js'
import { invalidationFeed } from '../db/invalidations.js'
import { projectPath } from '../paths.js'
import { createRenderStore, type RenderStore } from './store.js'

/**
 * The service's store of renders, or null when STORED_RENDERS is off or links have no fixed base:
 * with neither PUBLIC_URL nor ALLOWED_HOSTS, every Host a client invents would be a set of its own.
 */
export function openRenderStore(config: Config, db: Db): RenderStore | null {
  const bounded = config.publicUrl !== null || config.allowedHosts.length > 0
  return config.storedRenders && bounded ? createRenderStore(db, invalidationFeed(db), renderGeneration(config)) : null
}

/** What `npm run build` wrote (scripts/build-id.mjs); running from src/ without a build, a fixed name. */
function buildId(): string {
  try {
    return readFileSync(projectPath('dist', 'build-id'), 'utf8').trim()
  } catch {
    return 'unbuilt'
  }
}

/** The settings an answer's bytes depend on besides its data and its base URL (which renders carry apart). */
const shaping = (config: Config) => [config.siteUrlTemplate, config.authorUrlTemplate, config.defaultLocale]

export function renderGeneration(config: Config): string {
  return hash('sha256', JSON.stringify([buildId(), ...shaping(config)]), 'base64url').slice(0, 16)
}
