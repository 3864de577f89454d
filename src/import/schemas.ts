// The public shape of imports: the ninjs body and query, the WordPress upload, and the results
// per item with their warnings.
import { type Static, Type } from 'typebox'
import { IdOf, Nullable, StringEnum } from '../http/schemas.js'
import { WARNING_KINDS } from './warnings.js'

/** Largest ninjs body (one item or an array of them), over HTTP and per file on the command line. */
export const NINJS_MAX_BYTES = 10 * 1024 * 1024
/** Items in one ninjs request. */
export const NINJS_MAX_ITEMS = 500
/** Longest HTML of one item (a ninjs body, a post's content), in characters: a longer item is skipped. */
export const MAX_ITEM_HTML = 2 * 1024 * 1024

const NinjsItemInput = Type.Object(
  {
    uri: Type.String({ minLength: 1, maxLength: 2048, description: 'The item\'s identifier; it becomes the article\'s `externalId`.' }),
  },
  {
    additionalProperties: true,
    description:
      'An IPTC ninjs item of version 1.x, 2.x or 3.x (both the lower-case and the camelCase spellings are read). ' +
      'Only `uri` is required, as in ninjs itself; the other properties are read where present.',
    examples: [
      {
        uri: 'urn:newsml:wire.example:20260309:story-4471',
        type: 'text',
        version: '2',
        headlines: [{ value: 'Harbour reopens after the storm' }],
        bodies: [{ contenttype: 'text/html', value: '<p>The first ferry left at dawn.</p>' }],
        by: 'Ana Ruiz',
        language: 'en',
      },
    ],
  },
)

export const NinjsImportBody = Type.Union([NinjsItemInput, Type.Array(NinjsItemInput, { minItems: 1, maxItems: NINJS_MAX_ITEMS })], {
  description: `One ninjs item or an array of up to ${NINJS_MAX_ITEMS}; at most 10 MiB.`,
})
export type NinjsImportBody = Static<typeof NinjsImportBody>

export const NinjsImportQuery = Type.Object(
  {
    publish: Type.Optional(
      Type.Boolean({ description: 'Publish each `usable` item (one under embargo is scheduled for its end); without it a new article is a draft.' }),
    ),
  },
  { additionalProperties: false },
)

export const ImportActionSchema = StringEnum(['created', 'updated', 'unchanged', 'skipped'], {
  description: '`unchanged`: the item was imported before and has no newer version; `skipped`: not imported, the warnings say why.',
})

const Warnings = Type.Array(Type.String(), {
  description: 'What could not be carried over as it was, each "kind: sentence".',
  examples: [['media-without-file: "urn:pic:1" was made without its bytes: imports never fetch remote files']],
})

export const NinjsImportResult = Type.Object(
  {
    uri: Type.String({ description: "The item's `uri`, as sent." }),
    articleId: Nullable(IdOf('For a text item: the article it became or updated; null for a picture or a skipped item.')),
    mediaId: Nullable(Type.String({ description: 'For a picture item: the media item it became.' })),
    action: ImportActionSchema,
    warnings: Warnings,
  },
  { description: 'What became of one ninjs item.' },
)

export const NinjsImportResponse = Type.Object({
  data: Type.Array(NinjsImportResult, { description: 'One result per item sent, in the order sent.' }),
})

export const WordpressImportQuery = Type.Object(
  { pages: Type.Optional(Type.Boolean({ description: 'Import pages as articles too; without it they are skipped.' })) },
  { additionalProperties: false },
)

// The multipart form, for the OpenAPI document: the route reads the stream itself.
export const WordpressImportUpload = Type.Object(
  {
    file: Type.Unsafe<unknown>({
      type: 'string',
      format: 'binary',
      contentMediaType: 'application/xml',
      description: 'The WXR 1.1 or 1.2 file that WordPress writes (Tools → Export), at most IMPORT_MAX_BYTES.',
    }),
  },
  { required: ['file'], additionalProperties: false },
)

const Counts = (description: string) =>
  Type.Object(
    {
      created: Type.Integer({ description: 'Made new by this import.' }),
      updated: Type.Integer({ description: 'Imported before and changed in this export: a new revision.' }),
      unchanged: Type.Integer({ description: 'Imported before and the same in this export.' }),
      skipped: Type.Integer({ description: 'Not imported (trash, pages without `pages=true`, refused items): the warnings say why.' }),
    },
    { description },
  )

export const WordpressImportResponse = Type.Object({
  counts: Counts('Items (posts, pages, attachments, and the rest, skipped) by what became of them.'),
  comments: Type.Object(
    {
      created: Type.Integer({ description: 'Comments made by this import.' }),
      unchanged: Type.Integer({ description: 'Comments imported before (they are never updated).' }),
      skipped: Type.Integer({ description: 'Comments not imported (of a skipped post, or refused).' }),
    },
    { description: 'The comments of the imported posts, by what became of them.' },
  ),
  warnings: Type.Object(Object.fromEntries(WARNING_KINDS.map((kind) => [kind, Type.Optional(Type.Integer({ description: `Warnings of kind \`${kind}\`.` }))])), {
    description: 'How many warnings of each kind the items had.',
  }),
  data: Type.Array(
    Type.Object({
      type: Type.String({ description: 'The WordPress post type: `post`, `page`, `attachment`, …' }),
      wordpressId: Type.String({ description: "The item's post id in the export." }),
      title: Type.String({ description: "The item's title in the export." }),
      articleId: Nullable(IdOf('The article a post or page became; null for other items.')),
      mediaId: Nullable(IdOf('The media item an attachment became; null for other items.')),
      action: ImportActionSchema,
      warnings: Warnings,
    }, { description: 'What became of one item of the export.' }),
    { description: 'Each item of the export, in its order: attachments first, then the rest.' },
  ),
})
