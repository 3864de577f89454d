// The public shape of media items.
import { type Static, Type } from 'typebox'
import { Id, Nullable, shareSchema, Timestamp } from '../http/schemas.js'

export const MediaKind = Type.Union([Type.Literal('image'), Type.Literal('video'), Type.Literal('audio'), Type.Literal('document')])

export const Media = shareSchema(
  'Media',
  Type.Object({
    id: Id,
    kind: MediaKind,
    mimeType: Type.String({ examples: ['image/jpeg'] }),
    filename: Type.String({ description: 'The uploaded file name, cleaned; a label only.' }),
    size: Type.Integer({ description: 'Bytes.' }),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    sha256: Type.String({ description: 'Hex SHA-256 of the bytes.' }),
    url: Type.String({ format: 'uri', description: 'Serves the bytes; images take ?width=, ?height= and ?format=.' }),
    caption: Type.String({ description: 'What the picture shows (IPTC Description).' }),
    credit: Type.String({ description: 'The credit line printed under it, e.g. "AP / Defense Ministry" (IPTC Credit Line).' }),
    creator: Type.String({ description: 'The photographer or artist (IPTC Creator).' }),
    copyright: Type.String({ description: 'The copyright notice (IPTC Copyright Notice).' }),
    usageTerms: Type.String({ description: 'Rights usage terms (IPTC Rights Usage Terms).' }),
    altText: Type.String({ description: 'Alternative text for screen readers (IPTC Alt Text (Accessibility)).' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer({ minimum: 1 }),
  }),
)
export type Media = Static<typeof Media>
