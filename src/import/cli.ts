// The command line (scripts/import.ts):
//   npm run import -- ninjs <file or folder> [--publish]
//   npm run import -- wordpress <export.xml> [--uploads <folder>] [--pages]
// The same imports as over HTTP, into DATABASE_PATH and MEDIA_DIR, with picture bytes read from
// local files: beside the ninjs items, or in a copy of WordPress's wp-content/uploads folder.
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createAuthorsRepository } from '../authors/repository.js'
import { createArticlesRepository } from '../articles/repository.js'
import { createCommentsRepository } from '../comments/repository.js'
import { ConfigError, loadConfig } from '../config.js'
import { closeDatabase, openDatabase } from '../db/client.js'
import { createMediaRepository } from '../media/repository.js'
import { createMediaStorage } from '../media/storage.js'
import { createOutbox } from '../webhooks/outbox.js'
import { addToTally, type ImportContext, type ItemOutcome, newTally, safely } from './context.js'
import { importNinjsItem } from './ninjs.js'
import { formatSummary, type Output, progressBar, usage } from './progress.js'
import { createImportRecords } from './repository.js'
import { MAX_ITEM_HTML, NINJS_MAX_BYTES } from './schemas.js'
import { warning, warningText } from './warnings.js'
import { importWordpress } from './wordpress.js'
import { WxrError } from './wxr.js'

export interface CliIO {
  stdout: Output
  stderr: Output
  env: Record<string, string | undefined>
}

const USAGE = `usage:
  npm run import -- ninjs <file or folder> [--publish]
  npm run import -- wordpress <export.xml> [--uploads <folder>] [--pages]
`
/** Skipped items listed after the summary; the rest are counted. */
const LISTED = 20

/** Runs the command; answers the exit code (0 done, 1 the input or the settings are unusable, 2 usage). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { uploads: { type: 'string' }, pages: { type: 'boolean' }, publish: { type: 'boolean' }, help: { type: 'boolean' } },
    })
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}`)
    return 2
  }
  const [kind, target] = parsed.positionals
  if (parsed.values.help || parsed.positionals.length !== 2 || (kind !== 'ninjs' && kind !== 'wordpress')) {
    io.stderr.write(USAGE)
    return parsed.values.help ? 0 : 2
  }
  let config
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...io.env })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    io.stderr.write(`Configuration error: ${error.message}\n`)
    return 1
  }
  const path = resolve(target!)
  const info = await stat(path).catch(() => null)
  if (info === null) return fail(io, `${target} does not exist`)
  const db = openDatabase(config.databasePath)
  try {
    const storage = createMediaStorage(config.mediaDir)
    await storage.init()
    const recordEvent = createOutbox(db)
    const ctx: ImportContext = {
      articles: createArticlesRepository(db, recordEvent, { defaultLocale: config.defaultLocale }),
      authors: createAuthorsRepository(db),
      media: createMediaRepository(db, recordEvent),
      comments: createCommentsRepository(db, recordEvent),
      records: createImportRecords(db),
      storage,
      maxUploadBytes: config.maxUploadBytes,
      commentMaxDepth: config.commentMaxDepth,
      keyId: null,
      base: config.publicUrl ?? `http://${config.host}:${config.port}`,
      logError: (error, item) => io.stderr.write(`${item}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
    }
    const started = Date.now()
    if (kind === 'wordpress') {
      if (!info.isFile()) return fail(io, `${target} is not a file`)
      if (info.size > config.importMaxBytes) return fail(io, `${target} has ${info.size} bytes, more than IMPORT_MAX_BYTES (${config.importMaxBytes})`)
      const uploads = parsed.values.uploads === undefined ? null : resolve(parsed.values.uploads)
      if (uploads !== null && !(await stat(uploads).catch(() => null))?.isDirectory()) return fail(io, `--uploads ${parsed.values.uploads} is not a folder`)
      const bar = progressBar(io.stderr, 'Importing')
      try {
        const open = () => createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })
        const report = await importWordpress(open, { pages: parsed.values.pages ?? false, uploads, maxItemHtml: MAX_ITEM_HTML, onProgress: bar.update }, ctx)
        bar.finish()
        io.stdout.write(formatSummary(`WordPress import of ${target}`, { ...report, seconds: (Date.now() - started) / 1000, ...usage() }))
        listSkipped(io, report.data.map((item) => ({ label: `${item.type} ${item.wordpressId}`, action: item.action, warnings: item.warnings })))
      } catch (error) {
        bar.finish()
        if (error instanceof WxrError) return fail(io, `${target} is not a WordPress export that can be imported: ${error.message}`)
        throw error
      }
    } else {
      const outcomes = await importNinjsFiles(path, info.isDirectory(), parsed.values.publish ?? false, ctx, io)
      const tally = newTally()
      for (const outcome of outcomes) addToTally(tally, outcome)
      io.stdout.write(formatSummary(`ninjs import of ${target}`, { ...tally, seconds: (Date.now() - started) / 1000, ...usage() }))
      listSkipped(io, outcomes.map((outcome) => ({ label: outcome.label, action: outcome.action, warnings: outcome.warnings.map(warningText) })))
    }
    return 0
  } finally {
    closeDatabase(db)
  }
}

function fail(io: CliIO, message: string): number {
  io.stderr.write(`${message}\n`)
  return 1
}

function listSkipped(io: CliIO, items: { label: string; action: string; warnings: string[] }[]) {
  const skipped = items.filter((item) => item.action === 'skipped' && item.warnings.length > 0)
  for (const item of skipped.slice(0, LISTED)) io.stdout.write(`  skipped ${item.label}: ${item.warnings.join('; ')}\n`)
  if (skipped.length > LISTED) io.stdout.write(`  … and ${skipped.length - LISTED} more skipped\n`)
}

type FileOutcome = ItemOutcome & { label: string }

/** Every .json file under the folder (or the one file), each one item or an array of them. */
async function importNinjsFiles(path: string, isFolder: boolean, publish: boolean, ctx: ImportContext, io: CliIO): Promise<FileOutcome[]> {
  const root = isFolder ? path : dirname(path)
  const files = isFolder ? await jsonFiles(path) : [path]
  const bar = progressBar(io.stderr, 'Importing')
  const outcomes: FileOutcome[] = []
  const skip = (label: string, why: string) => outcomes.push({ label, action: 'skipped', articleId: null, mediaId: null, warnings: [warning('item-skipped', why)] })
  for (const [index, file] of files.entries()) {
    const label = relative(root, file) || file
    const size = (await stat(file)).size
    let value: unknown
    if (size > NINJS_MAX_BYTES) skip(label, `the file is larger than ${NINJS_MAX_BYTES} bytes`)
    else {
      try {
        value = JSON.parse(await readFile(file, 'utf8'))
      } catch {
        skip(label, 'the file is not JSON')
      }
    }
    for (const raw of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
      const uri = typeof raw === 'object' && raw !== null && typeof (raw as { uri?: unknown }).uri === 'string' ? (raw as { uri: string }).uri : ''
      if (uri === '') {
        skip(label, 'it holds something that is not a ninjs item (an object with a "uri")')
        continue
      }
      const localFile = (href: string) => pictureFile(href, dirname(file), root)
      const result = await safely(`ninjs ${uri}`, ctx, () => importNinjsItem(raw as Record<string, unknown>, { publish, localFile }, ctx), { uri })
      outcomes.push({ ...result, label: uri })
    }
    bar.update(index + 1, files.length)
  }
  bar.finish()
  return outcomes
}

async function jsonFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.json'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}

/** A rendition's href as a local file: a relative path (from the item's file) or a file: URL, inside the folder given. */
function pictureFile(href: string, from: string, root: string): string | null {
  let path: string
  try {
    if (href.startsWith('file:')) path = fileURLToPath(href)
    else if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return null
    else path = resolve(from, decodeURIComponent(href.split(/[?#]/)[0]!))
  } catch {
    return null
  }
  const within = relative(root, path)
  return within === '' || within.startsWith('..') || isAbsolute(within) ? null : path
}
