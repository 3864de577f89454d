// GET /v1/changes: what changed, in commit order, as the caller may see it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { optionalBearer } from '../http/auth.js'
import { decodeCursor, encodeCursor } from '../http/cursor.js'
import { gone } from '../http/problems.js'
import { json, problems } from '../http/schemas.js'
import { setSurrogateKeys } from '../http/surrogate-keys.js'
import { visibilityOf } from '../http/visibility.js'
import { ChangesExpired, type ChangesRepository } from './repository.js'
import { ChangesPage, ChangesQuery } from './schemas.js'

export interface ChangeRouteDeps {
  changes: ChangesRepository
  retentionDays: number
}

/**
 * The surrogate key of readers' pages of changes: `changes`, logged by a trigger (migration
 * distribution) with every change a reader would see, and by nothing else.
 */
export const changesSurrogateKeys = (): string[] => ['changes']

export async function changeRoutes(app: FastifyInstance, { changes, retentionDays }: ChangeRouteDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()

  r.get(
    '/',
    {
      config: { responseCache: true },
      schema: {
        summary: 'List changes to articles (and, for editors, media) in commit order',
        description:
          'Poll with `nextCursor`, which is always set: a page never skips or repeats a change, even while changes are ' +
          'being made. Without a key (and for moderators) the feed shows articles as readers see them: an upsert when one ' +
          'is published or changes while published (a new caption on its photo included), a `delete` tombstone when it ' +
          'stops being visible (unpublished, archived, deleted); drafts that were never published never appear. Editors ' +
          'see every change to every article and media item. Changes, tombstones included, are kept ' +
          `${retentionDays} days (CHANGES_RETENTION_DAYS, at least 90): a cursor older than that answers 410, and the ` +
          'client reads everything again (the lists or the sitemaps) and starts over without a cursor.',
        operationId: 'listChanges',
        tags: ['changes'],
        security: optionalBearer,
        querystring: ChangesQuery,
        response: { 200: json('A page of changes.', ChangesPage), ...problems(400, 401, 410) },
      },
    },
    async (request, reply) => {
      const cursor = request.query.cursor === undefined ? null : (decodeCursor(request.query.cursor, ['number'])[0] as number)
      try {
        const page = changes.page(cursor, request.query.limit ?? 20, visibilityOf(request.caller))
        setSurrogateKeys(reply, changesSurrogateKeys)
        return { data: page.data, nextCursor: encodeCursor([page.after]) }
      } catch (error) {
        if (!(error instanceof ChangesExpired)) throw error
        throw gone(
          `The changes after this cursor are no longer all kept (changes are kept ${retentionDays} days): read everything again, ` +
            'then poll from a new start without a cursor.',
        )
      }
    },
  )
}
