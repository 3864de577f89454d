// The change feed's public shape: what a static-site builder or a search indexer polls.
import { type Static, Type } from 'typebox'
import { Id, PageQuery, StringEnum, Timestamp } from '../http/schemas.js'

export const Change = Type.Object(
  {
  seq: Type.Integer({ minimum: 1, description: 'Commit order: each change has a greater one than every change committed before it.' }),
  type: StringEnum(['article', 'media'], { description: '`media` entries are shown to editors only.' }),
  id: Id,
  action: StringEnum(['upsert', 'delete'], {
    description:
      'For editors, `delete` means deleted. For everyone else it is a tombstone: the article is no longer visible ' +
      '(unpublished, archived or deleted); `upsert` means published, or changed while published.',
  }),
  at: Timestamp,
  },
  { description: 'A change to an article or a media item.' },
)
export type Change = Static<typeof Change>

export const ChangesQuery = Type.Object(PageQuery, { additionalProperties: false })
export type ChangesQuery = Static<typeof ChangesQuery>

export const ChangesPage = Type.Object({
  data: Type.Array(Change, { description: 'The changes after the cursor, oldest first.' }),
  nextCursor: Type.String({ description: 'Always set: poll again with it to get what changes next.' }),
})
