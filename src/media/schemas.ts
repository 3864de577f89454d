// The public shape of media items, their text fields, the upload form and rendition queries.
import { type Static, Type } from 'typebox'
import { IdOf, NextCursor, Nullable, PageQuery, ref, shareSchema, StringEnum, TimestampOf } from '../http/schemas.js'

export const MEDIA_KINDS = ['image', 'video', 'audio', 'document'] as const
export type MediaKindName = (typeof MEDIA_KINDS)[number]

export const MediaKind = StringEnum(['image', 'video', 'audio', 'document'], {
  description: 'What the file is, read from its bytes: `image` (JPEG, PNG, WebP, AVIF, GIF), `video` (MP4, WebM), `audio` (MP3, M4A) or `document` (PDF).',
})

/** The editable text fields, their longest values, and what each means. */
export const TEXT_FIELDS = {
  caption: { maxLength: 2_000, description: 'What the picture shows (IPTC Description).' },
  credit: { maxLength: 500, description: 'The credit line printed under it, e.g. "AP / Defense Ministry" (IPTC Credit Line).' },
  creator: { maxLength: 500, description: 'The photographer or artist (IPTC Creator).' },
  copyright: { maxLength: 1_000, description: 'The copyright notice (IPTC Copyright Notice).' },
  usageTerms: { maxLength: 2_000, description: 'Rights usage terms (IPTC Rights Usage Terms).' },
  altText: { maxLength: 2_000, description: 'Alternative text for screen readers (IPTC Alt Text (Accessibility)).' },
} as const
export type TextField = keyof typeof TEXT_FIELDS
export const TEXT_FIELD_NAMES = Object.keys(TEXT_FIELDS) as TextField[]
export type MediaText = Record<TextField, string>

const text = (field: TextField) =>
  Type.String({ maxLength: TEXT_FIELDS[field].maxLength, description: `${TEXT_FIELDS[field].description} Plain text (escape it); empty when there is none.` })

export const Media = shareSchema(
  'Media',
  Type.Object({
    id: IdOf("The media item's id."),
    kind: MediaKind,
    mimeType: Type.String({ description: 'Read from the bytes, never from the name or the upload header.', examples: ['image/jpeg'] }),
    filename: Type.String({ description: 'The uploaded file name, cleaned; a label only.' }),
    size: Type.Integer({ description: 'The size of the original file, in bytes.' }),
    width: Nullable(
      Type.Integer({ description: 'In pixels, as displayed (EXIF orientation applied; a video as its track states it); null for audio, documents, and when unknown.' }),
    ),
    height: Nullable(Type.Integer({ description: 'In pixels, as displayed; null for audio, documents, and when unknown.' })),
    sha256: Type.String({ description: 'Hex SHA-256 of the bytes; also the strong ETag of `url`.' }),
    url: Type.String({
      format: 'uri',
      description: 'Serves the bytes to anyone (GET /v1/media/{id}/file); images take ?width=, ?height= and ?format=.',
    }),
    caption: text('caption'),
    credit: text('credit'),
    creator: text('creator'),
    copyright: text('copyright'),
    usageTerms: text('usageTerms'),
    altText: text('altText'),
    createdAt: TimestampOf('When the file was uploaded.'),
    updatedAt: TimestampOf('When a text field last changed (the file never does); the upload time until then.'),
    version: Type.Integer({
      minimum: 1,
      description: 'Starts at 1 and grows by one with each change of the text fields; `If-Match` compares it (through the ETag).',
    }),
  }, {
    description:
      'An uploaded file and the words a page prints with it. Editors read items through /v1/media; readers get them embedded ' +
      'in the articles they may see, and the bytes at `url`.',
  }),
)
export type Media = Static<typeof Media>

const textProps = {
  caption: Type.Optional(text('caption')),
  credit: Type.Optional(text('credit')),
  creator: Type.Optional(text('creator')),
  copyright: Type.Optional(text('copyright')),
  usageTerms: Type.Optional(text('usageTerms')),
  altText: Type.Optional(text('altText')),
}

export const MediaPatch = Type.Object(textProps, { additionalProperties: false, minProperties: 1 })
export type MediaPatch = Static<typeof MediaPatch>

// The multipart form, for the OpenAPI document and generated clients. The route reads the
// stream itself (the file is never held in memory), so this schema is never run by Ajv.
export const MediaUpload = Type.Object(
  {
    file: Type.Unsafe<unknown>({
      type: 'string',
      format: 'binary',
      contentMediaType: 'application/octet-stream',
      description: 'The file. Its type is read from its bytes: JPEG, PNG, WebP, AVIF, GIF, MP4, WebM, MP3, M4A or PDF.',
    }),
    ...textProps,
  },
  {
    required: ['file'],
    additionalProperties: false,
    description: 'A text field left out (or empty) is taken from the image\'s embedded IPTC or XMP metadata where that has it.',
  },
)

export const MediaQuery = Type.Object(
  {
    ...PageQuery,
    kind: Type.Optional(Type.Unsafe<MediaKindName>({ type: 'string', enum: [...MEDIA_KINDS], description: 'Only items of this kind.' })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Only items with these exact bytes (finds duplicates before uploading).' })),
  },
  { additionalProperties: false },
)
export type MediaQuery = Static<typeof MediaQuery>

export const MediaList = Type.Object({
  data: Type.Array(ref(Media), { description: 'The media items, newest first.' }),
  nextCursor: NextCursor,
})

export const RENDITION_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const
export type RenditionFormat = (typeof RENDITION_FORMATS)[number]
export const MAX_RENDITION_SIDE = 4096

export const FileQuery = Type.Object(
  {
    width: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RENDITION_SIDE, description: 'Images only: width in pixels of a rendition.' })),
    height: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RENDITION_SIDE, description: 'Images only: height in pixels of a rendition.' })),
    format: Type.Optional(
      Type.Unsafe<RenditionFormat>({
        type: 'string',
        enum: [...RENDITION_FORMATS],
        description: "Images only: the rendition's format; by default the original's (a GIF stays a GIF).",
      }),
    ),
  },
  { additionalProperties: false },
)
export type FileQuery = Static<typeof FileQuery>
