// The public shape of author profiles, and how a stored profile becomes one for a caller.
import { type Static, Type } from 'typebox'
import { HTTP_URL_PATTERN, IdOf, NextCursor, Nullable, PageQuery, ref, shareSchema, TimestampOf } from '../http/schemas.js'
import { Media } from '../media/schemas.js'
import { SLUG_MAX, SLUG_PATTERN } from '../text/slug.js'

const Slug = Type.String({
  pattern: SLUG_PATTERN,
  maxLength: SLUG_MAX,
  description: 'The URL name of the author page: lower-case ASCII words joined by "-", unique; made from the name when absent.',
  examples: ['marta-quiroga'],
})
const Name = Type.String({ minLength: 1, maxLength: 200, description: 'The name as bylines print it; plain text.', examples: ['Marta Quiroga'] })
const JobTitle = Type.String({ maxLength: 200, description: 'Plain text; empty when there is none.', examples: ['River and transport reporter'] })
const Bio = Type.String({ maxLength: 5_000, description: 'A short biography for the author page; plain text (markup is removed), may be empty.', examples: ['Marta has covered the Sella valley since 2015.'] })
const Link = Type.String({ format: 'uri', pattern: HTTP_URL_PATTERN, maxLength: 2048, description: 'An absolute http or https URL.' })
const Links = Type.Array(Link, { maxItems: 20, description: 'Pages of the author elsewhere (a personal site, a profile), in order.', examples: [['https://social.example/@mquiroga']] })
const Email = Type.String({ format: 'email', maxLength: 254, description: 'How the newsroom reaches the author. Shown to editors and admins only.', examples: ['m.quiroga@newsroom.example'] })

export const Author = shareSchema(
  'Author',
  Type.Object(
    {
      id: IdOf('The id of the profile, made by the service.'),
      slug: Slug,
      name: Name,
      jobTitle: JobTitle,
      bio: Bio,
      photoMediaId: Nullable(IdOf('The media item of the profile photo, embedded as `photo`; null when there is none.')),
      photo: Type.Union([ref(Media), Type.Null()], { description: 'The profile photo, a media item; null when there is none.' }),
      links: Links,
      email: Type.Optional(Nullable(Email)),
      createdAt: TimestampOf('When the profile was made.'),
      updatedAt: TimestampOf('When the profile last changed.'),
      version: Type.Integer({ minimum: 1, description: 'Starts at 1 and grows by one with each change; `If-Match` compares it (through the ETag).' }),
    },
    {
      description:
        'An author profile. `email` is present for editors and admins only (null when none is known); profiles embedded in ' +
        "articles (`authorProfiles`) never carry it, whoever reads them.",
      examples: [
        {
          id: '01jd8m0c7v3q9r2t5w6x8y0zab',
          slug: 'marta-quiroga',
          name: 'Marta Quiroga',
          jobTitle: 'River and transport reporter',
          bio: 'Marta has covered the Sella valley since 2015.',
          photoMediaId: null,
          photo: null,
          links: ['https://social.example/@mquiroga'],
          createdAt: '2026-01-09T10:00:00.000Z',
          updatedAt: '2026-01-09T10:00:00.000Z',
          version: 1,
        },
      ],
    },
  ),
)
export type Author = Static<typeof Author>

/** A profile as stored: the public fields, and the e-mail that only editors see. */
export type StoredAuthor = Omit<Author, 'photo' | 'email'> & { email: string | null }

/** The profile this caller may see: with `photo` embedded, and the e-mail for editors only. */
export function toAuthor(stored: StoredAuthor, photo: Media | null, withEmail: boolean): Author {
  const { email, ...shown } = stored
  return withEmail ? { ...shown, photo, email } : { ...shown, photo }
}

const editable = {
  slug: Slug,
  name: Name,
  jobTitle: JobTitle,
  bio: Bio,
  photoMediaId: Nullable(IdOf('A media item to show as the profile photo; null for none. One that does not exist is a 400.')),
  links: Links,
  email: Nullable(Email),
}

// Every field may be left out of a write; a new profile must have a name.
const optional = Type.Partial(Type.Object(editable))

export const AuthorCreate = Type.Object(
  { ...optional.properties, name: editable.name },
  {
    additionalProperties: false,
    examples: [{ name: 'Marta Quiroga', jobTitle: 'River and transport reporter', links: ['https://social.example/@mquiroga'], email: 'm.quiroga@newsroom.example' }],
  },
)
export type AuthorCreate = Static<typeof AuthorCreate>

export const AuthorPatch = Type.Object(optional.properties, {
  additionalProperties: false,
  minProperties: 1,
  description: 'A new name changes the profile embedded in articles, not the bylines (`authors`) they already print.',
  examples: [{ jobTitle: 'Deputy editor, local news' }],
})
export type AuthorPatch = Static<typeof AuthorPatch>

export const AuthorQuery = Type.Object(PageQuery, { additionalProperties: false })

export const AuthorList = Type.Object({
  data: Type.Array(ref(Author), { description: 'The profiles of this page, in slug order.' }),
  nextCursor: NextCursor,
})

export const AuthorSlugParams = Type.Object(
  { slug: Type.String({ minLength: 1, maxLength: 200, description: "The author profile's slug.", examples: ['marta-quiroga'] }) },
  { additionalProperties: false },
)
