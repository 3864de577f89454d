// The public shape of sections: the tree of a publication's fronts ("world", "world/europe").
import { type Static, Type } from 'typebox'
import { NextCursor, Nullable, PageQuery, ref, shareSchema, TimestampOf } from '../http/schemas.js'
import { SLUG_MAX, SLUG_PATTERN } from '../text/slug.js'

const SectionSlug = (description: string, example: string) =>
  Type.String({ pattern: SLUG_PATTERN, maxLength: SLUG_MAX, description, examples: [example] })

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'What a front prints; plain text.', examples: ['Europe'] })
const Description = Type.String({ maxLength: 2_000, description: 'A line for the front and its metadata; plain text, may be empty.', examples: ['News from the continent, from Lisbon to Kyiv.'] })
const Parent = Nullable(SectionSlug('The slug of the section above this one; null for a top-level section.', 'world'))

export const Section = shareSchema(
  'Section',
  Type.Object(
    {
      slug: SectionSlug('The URL name, unique, never changed: what an article names in `section`.', 'europe'),
      name: Name,
      description: Description,
      parent: Parent,
      listed: Type.Boolean({
        description:
          'Whether readers see it. A section made through POST /v1/sections is listed at once; one made on first use by an ' +
          'article is listed once an article in it or below it is published, so that a draft does not reveal its section.',
      }),
      createdAt: TimestampOf('When the section was made.'),
      updatedAt: TimestampOf('When it was last renamed, described or moved (a move of a section above it does not count).'),
      version: Type.Integer({ minimum: 1, description: 'Starts at 1 and grows by one with each change; `If-Match` compares it (through the ETag).' }),
    },
    {
      description: 'A section of the publication, a node of the tree of sections: what an article names in `section`.',
      examples: [
        {
          slug: 'europe',
          name: 'Europe',
          description: 'News from the continent, from Lisbon to Kyiv.',
          parent: 'world',
          listed: true,
          createdAt: '2026-01-09T10:00:00.000Z',
          updatedAt: '2026-01-09T10:00:00.000Z',
          version: 1,
        },
      ],
    },
  ),
)
export type Section = Static<typeof Section>

export const SectionCreate = Type.Object(
  {
    slug: Type.Optional(SectionSlug('Made from the name when absent; a taken slug is a 409.', 'europe')),
    name: Name,
    description: Type.Optional(Description),
    parent: Type.Optional(Parent),
  },
  { additionalProperties: false, examples: [{ name: 'Europe', parent: 'world' }] },
)
export type SectionCreate = Static<typeof SectionCreate>

export const SectionPatch = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    parent: Type.Optional(Parent),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The slug never changes. A new `parent` moves the section with everything below it; one below itself is a 400.',
    examples: [{ parent: null }],
  },
)
export type SectionPatch = Static<typeof SectionPatch>

export const SectionQuery = Type.Object(
  {
    ...PageQuery,
    parent: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only the sections directly below this one (a slug).', examples: ['world'] })),
  },
  { additionalProperties: false },
)
export type SectionQuery = Static<typeof SectionQuery>

export const SectionList = Type.Object({
  data: Type.Array(ref(Section), { description: 'The sections of this page, in tree order.' }),
  nextCursor: NextCursor,
})

export const SectionParams = Type.Object(
  { slug: Type.String({ minLength: 1, maxLength: 200, description: 'A section slug; upper case is read as lower case.', examples: ['world'] }) },
  { additionalProperties: false },
)
