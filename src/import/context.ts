// What an import writes through: the same repositories as the API (so sanitizing, revisions,
// webhook events and the search index all apply), the media storage, and who is importing.
import { createHash } from 'node:crypto'
import type { ArticlesRepository } from '../articles/repository.js'
import type { AuthorsRepository } from '../authors/repository.js'
import type { CommentsRepository } from '../comments/repository.js'
import type { MediaRepository } from '../media/repository.js'
import type { MediaStorage } from '../media/storage.js'
import type { ImportRecords } from './repository.js'
import { Problem } from '../http/problems.js'
import { type Warning, type WarningKind, warning } from './warnings.js'

export interface ImportContext {
  articles: ArticlesRepository
  /** WordPress authors become profiles (found again by slug or by an earlier import). */
  authors: Pick<AuthorsRepository, 'create' | 'getById' | 'getBySlug'>
  media: MediaRepository
  comments: CommentsRepository
  records: ImportRecords
  storage: MediaStorage
  /** MAX_UPLOAD_BYTES: a local file larger than this is imported without its bytes. */
  maxUploadBytes: number
  /** COMMENT_MAX_DEPTH: replies nested deeper are attached higher up. */
  commentMaxDepth: number
  /** The API key behind the import (revisions name it); null on the command line. */
  keyId: string | null
  /** The base of absolute URLs in webhook events. */
  base: string
  /** Told of an error that is no fault of the input (a bug, a full disk) before the item is skipped. */
  logError: (error: unknown, item: string) => void
}

export type ImportAction = 'created' | 'updated' | 'unchanged' | 'skipped'

/** What became of one item. */
export interface ItemOutcome {
  action: ImportAction
  articleId: string | null
  mediaId: string | null
  warnings: Warning[]
}

export interface ImportCounts {
  created: number
  updated: number
  unchanged: number
  skipped: number
}

/** What a whole import did: items by what became of them, warnings by kind. */
export interface Tally {
  counts: ImportCounts
  warnings: Partial<Record<WarningKind, number>>
}

export const newTally = (): Tally => ({ counts: { created: 0, updated: 0, unchanged: 0, skipped: 0 }, warnings: {} })

export function addToTally(tally: Tally, outcome: ItemOutcome): void {
  tally.counts[outcome.action] += 1
  for (const w of outcome.warnings) tally.warnings[w.kind] = (tally.warnings[w.kind] ?? 0) + 1
}

/** A digest of what an item made, to tell an unchanged item from a changed one. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url')
}

/** Whether version `a` comes after `b`: as numbers, as times, or else whenever they differ. */
export function isNewer(a: string, b: string): boolean {
  if (/^\d+(\.\d+)?$/.test(a) && /^\d+(\.\d+)?$/.test(b)) return Number(a) > Number(b)
  const [ta, tb] = [Date.parse(a), Date.parse(b)]
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta > tb
  return a !== b
}

/** A time from the source as the service writes times, or null when it is not one. */
export function isoTime(value: string | null | undefined): string | null {
  if (!value) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

/**
 * Runs one item's import; an item the repositories refuse (a Problem: bad input) or that fails
 * in any other way is skipped with a warning rather than ending the whole import.
 */
export async function safely<T extends ItemOutcome>(label: string, ctx: ImportContext, run: () => Promise<T>, skipped: Omit<T, keyof ItemOutcome>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    return skippedFor(error, label, ctx, skipped)
  }
}

/** `safely` for an import that does not wait for anything (it can share a transaction with others). */
export function safelyNow<T extends ItemOutcome>(label: string, ctx: ImportContext, run: () => T, skipped: Omit<T, keyof ItemOutcome>): T {
  try {
    return run()
  } catch (error) {
    return skippedFor(error, label, ctx, skipped)
  }
}

function skippedFor<T extends ItemOutcome>(error: unknown, label: string, ctx: ImportContext, skipped: Omit<T, keyof ItemOutcome>): T {
  if (!(error instanceof Problem)) ctx.logError(error, label)
  const why = error instanceof Problem ? error.detail : 'it could not be imported (the error is in the service log)'
  return { ...skipped, action: 'skipped', articleId: null, mediaId: null, warnings: [warning('item-skipped', why)] } as T
}
