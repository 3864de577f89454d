// The public shape of tags: each with its count of published articles, and the rename.
import { type Static, Type } from 'typebox'
import { NextCursor, PageQuery } from '../http/schemas.js'

const TagText = (description: string, example: string) => Type.String({ minLength: 1, maxLength: 100, description, examples: [example] })

export const TagCount = Type.Object({
  tag: Type.String({
    description: 'The tag as the most recently created article holding it spells it. `GET /v1/articles?tag=` finds its articles in any case.',
    examples: ['Sella river'],
  }),
  count: Type.Integer({ minimum: 0, description: 'Published articles holding it. Editors also see tags only drafts hold, with 0.', examples: [12] }),
})
export type TagCount = Static<typeof TagCount>

export const TagQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(TagText('Only tags that start with this; case and spacing do not matter.', 'sel')),
  },
  { additionalProperties: false },
)
export type TagQuery = Static<typeof TagQuery>

export const TagList = Type.Object({
  data: Type.Array(TagCount, { description: 'The tags of this page, in alphabetical order without regard to case.' }),
  nextCursor: NextCursor,
})

export const TagRename = Type.Object(
  {
    from: TagText('The tag to rename, in any case.', 'covid'),
    to: TagText('Its new spelling. An article that holds both keeps one; the same tag in another case respells it.', 'COVID-19'),
  },
  { additionalProperties: false, examples: [{ from: 'covid', to: 'COVID-19' }] },
)
export type TagRename = Static<typeof TagRename>

export const TagRenameResult = Type.Object({
  from: Type.String({ description: 'The tag renamed, as sent.', examples: ['covid'] }),
  to: Type.String({ description: 'Its new spelling, as sent.', examples: ['COVID-19'] }),
  count: Type.Integer({ minimum: 0, description: 'Articles changed, each with a new revision.', examples: [42] }),
})
