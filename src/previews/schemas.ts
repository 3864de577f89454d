// The public shape of preview links: a secret URL that shows an unpublished article as it is now.
import { Type } from 'typebox'
import { OPTIONAL_BODY, Timestamp } from '../http/schemas.js'

export const PREVIEW_MIN_SECONDS = 60
export const PREVIEW_MAX_SECONDS = 604_800
export const PREVIEW_DEFAULT_SECONDS = 86_400

export const PreviewLinkCreate = Type.Object(
  {
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: PREVIEW_MIN_SECONDS,
        maximum: PREVIEW_MAX_SECONDS,
        default: PREVIEW_DEFAULT_SECONDS,
        description: 'Seconds the link works for: 60 (a minute) to 604,800 (a week); a day when not given.',
        examples: [172_800],
      }),
    ),
  },
  { additionalProperties: false, description: 'May be left out: the link then works for a day.', ...OPTIONAL_BODY },
)

export const PreviewLink = Type.Object(
  {
    token: Type.String({ description: 'The secret: 256 random bits, base64url. Shown only here; the service keeps its hash.' }),
    url: Type.String({ format: 'uri', description: 'GET it to read the article as it is now; send it to whoever should see the draft.' }),
    expiresAt: Timestamp,
  },
  {
    examples: [
      {
        token: 'pA3x9QvL0sT7mW2kR8yZ4cN1bF6hJ5dG0eU3iO7aV9q',
        url: 'https://cms.example.com/v1/preview/pA3x9QvL0sT7mW2kR8yZ4cN1bF6hJ5dG0eU3iO7aV9q',
        expiresAt: '2026-01-10T10:00:00.000Z',
      },
    ],
  },
)

export const PreviewParams = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'The token of a preview link.',
      examples: ['pA3x9QvL0sT7mW2kR8yZ4cN1bF6hJ5dG0eU3iO7aV9q'],
    }),
  },
  { additionalProperties: false },
)
