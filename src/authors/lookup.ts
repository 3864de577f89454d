// Author profiles by id, for what articles need of them: checking the ids an article names,
// printing their names as bylines, and embedding their public fields.
import { getTableColumns, inArray } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { lookupByIds } from '../db/lookup-by-ids.js'
import { fastRows } from '../db/row-mapper.js'
import { authors } from '../db/schema-authors-sections.js'
import { badRequest } from '../http/problems.js'
import type { StoredAuthor } from './schemas.js'

export const authorColumns = getTableColumns(authors)

export type AuthorLookup = ReturnType<typeof createAuthorLookup>

export function createAuthorLookup(db: Db) {
  const byIds = lookupByIds((ids) => fastRows(db.select(authorColumns).from(authors).where(inArray(authors.id, ids)).prepare(), authorColumns))

  /** The profiles with these ids, by id; absent ids are simply missing. */
  function findByIds(ids: readonly string[]): Map<string, StoredAuthor> {
    const found = new Map<string, StoredAuthor>()
    if (ids.length === 0) return found
    for (const row of byIds([...new Set(ids)])) found.set(row.id, row)
    return found
  }

  return {
    findByIds,

    /** The profiles an article names, each once, in order, with their names; an unknown one is a 400 at `path`. */
    named(ids: readonly string[], path: string): { ids: string[]; names: string[] } {
      const unique = [...new Set(ids)]
      const found = findByIds(unique)
      const missing = unique.filter((id) => !found.has(id))
      if (missing.length > 0) {
        const errors = missing.map((id) => ({ path: `${path}[${ids.indexOf(id)}]`, message: `no author with id "${id}"` }))
        throw badRequest(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors)
      }
      return { ids: unique, names: unique.map((id) => found.get(id)!.name) }
    },
  }
}
