// The public shape of articles and their body blocks: the contract with editorial tools,
// front ends and generated clients.
import { type Static, type TSchema, Type } from 'typebox'
import { HTTP_URL_PATTERN, Id, Nullable, OPTIONAL_BODY, PageQuery, ref, shareSchema, StringEnum, Timestamp } from '../http/schemas.js'
import { Correction, CorrectionSnapshot } from '../corrections/schemas.js'
import { Media } from '../media/schemas.js'
import { LOCALE_PATTERN } from '../text/locale.js'
import type { RelatedLink } from '../related-links/schemas.js'
import { SLUG_MAX, SLUG_PATTERN } from './slug.js'
import { ARTICLE_STATUSES, type ArticleStatus, ArticleStatusSchema, ArticleSummary, articleHeadFields } from './summary.js'

// Re-exported: the summary is part of the articles' contract; it lives apart so that related
// links can embed it without importing the article shape that embeds them.
export { ARTICLE_STATUSES, type ArticleStatus, ArticleStatusSchema, ArticleSummary }

const InlineText = (description: string, maxLength = 20_000) =>
  Type.String({ minLength: 1, maxLength, description: `${description} Inline markup allowed: a (http, https, mailto), em, strong, i, b, br, sub, sup.` })

const HttpUrl = Type.String({ format: 'uri', pattern: HTTP_URL_PATTERN, maxLength: 2048, description: 'An absolute http or https URL.' })

// Each block's write shape. `additionalProperties: false` turns a typo into a 400.
const blockShapes = {
  paragraph: { text: InlineText('The paragraph.') },
  heading: { text: InlineText('The subhead.', 500), level: Type.Integer({ minimum: 2, maximum: 4 }) },
  quote: { text: InlineText('The quotation.'), attribution: Type.Optional(InlineText('Who said it.', 500)) },
  list: {
    style: StringEnum(['bulleted', 'numbered']),
    items: Type.Array(InlineText('An item.', 5_000), { minItems: 1, maxItems: 500 }),
  },
  media: {
    mediaId: Id,
    caption: Type.Optional(Type.String({ maxLength: 2_000, description: 'Overrides the media caption for this use.' })),
    credit: Type.Optional(Type.String({ maxLength: 500, description: 'Overrides the media credit for this use.' })),
  },
  related: {
    articleId: Type.Optional(Id),
    url: Type.Optional(HttpUrl),
    title: Type.Optional(Type.String({ maxLength: 500 })),
  },
  embed: { url: HttpUrl, provider: Type.Optional(Type.String({ maxLength: 100 })) },
}

export type BlockType = keyof typeof blockShapes
export const BLOCK_TYPES = Object.keys(blockShapes) as BlockType[]

function blockSchema<K extends BlockType, P extends Record<string, TSchema>>(type: K, props: P, read = false, description?: string) {
  return Type.Object(
    { type: Type.Literal(type), ...props },
    { additionalProperties: read, title: `${type[0]!.toUpperCase()}${type.slice(1)}Block`, ...(description !== undefined && { description }) },
  )
}

// What becomes of a teaser whose article is deleted: see DELETE /v1/articles/{id}.
const RELATED_WRITE =
  'An `articleId` this write adds must name an existing article. One already in the stored body (or in a revision being ' +
  'restored) may name an article deleted since: the block is kept as it is.'
const RELATED_READ =
  '`article` is the target\'s summary, null for a `url`. Readers never get a block whose article is not published or was ' +
  'deleted; editors get every block, with `article: null` when its article was deleted.'

function oneOfBlocks<T extends TSchema[]>(id: string, blocks: [...T], description: string) {
  const union = Type.Union(blocks)
  return shareSchema(
    id,
    // Ajv applies `discriminator` to objects only: without `type` a string or number slips through as a block.
    Type.Unsafe<Static<typeof union>>({ type: 'object', oneOf: blocks, discriminator: { propertyName: 'type' }, description }),
  )
}

export const Block = oneOfBlocks(
  'Block',
  [
    blockSchema('paragraph', blockShapes.paragraph),
    blockSchema('heading', blockShapes.heading),
    blockSchema('quote', blockShapes.quote),
    blockSchema('list', blockShapes.list),
    blockSchema('media', blockShapes.media),
    blockSchema('related', blockShapes.related, false, RELATED_WRITE),
    blockSchema('embed', blockShapes.embed),
  ],
  'A body block as written. A `related` block names either `articleId` or `url`.',
)
export type Block = Static<typeof Block>


// Read shapes: the write shape plus what the service embeds.
export const BlockRead = oneOfBlocks(
  'BlockRead',
  [
    blockSchema('paragraph', blockShapes.paragraph, true),
    blockSchema('heading', blockShapes.heading, true),
    blockSchema('quote', blockShapes.quote, true),
    blockSchema('list', blockShapes.list, true),
    blockSchema('media', { ...blockShapes.media, media: Type.Union([ref(Media), Type.Null()]) }, true),
    blockSchema('related', { ...blockShapes.related, article: Type.Union([ref(ArticleSummary), Type.Null()]) }, true, RELATED_READ),
    blockSchema('embed', blockShapes.embed, true),
  ],
  'A body block as read: `media` blocks embed their `media`, internal `related` blocks their `article`.',
)
export type BlockRead = Static<typeof BlockRead>

const TRANSLATION_OF =
  'The original this article translates (GET /v1/articles/{id}/translations lists the group), or null. A write naming a ' +
  'translation stores its original instead. Readers get null when the original is not published.'

const articleFields = {
  ...articleHeadFields,
  sources: Type.Array(Type.String(), { description: 'Wire services and other sources the story drew on, e.g. "EFE".' }),
  locale: Type.String({ description: 'A BCP 47 language tag, in canonical case.', examples: ['es'] }),
  translationOf: Nullable(Type.String({ minLength: 1, maxLength: 64, description: TRANSLATION_OF, examples: ['01jdcq1k3w5y7z9b2d4f6h8j0m'] })),
  leadMediaId: Nullable(Id),
  commentsEnabled: Type.Boolean(),
  commentCount: Type.Integer({ description: 'Approved comments.' }),
  publishedAt: Nullable(Timestamp),
  scheduledAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer({ minimum: 1 }),
}

export const Article = shareSchema(
  'Article',
  Type.Object({
    ...articleFields,
    body: Type.Array(ref(BlockRead)),
    leadMedia: Type.Union([ref(Media), Type.Null()]),
    related: Type.Array(Type.Unsafe<RelatedLink>({ $ref: 'RelatedLink#' }), { description: 'The related links, in order.' }),
    corrections: Type.Array(ref(Correction), { description: 'Corrections, clarifications, updates and retractions, newest `at` first.' }),
    retracted: Type.Boolean({ description: 'True while the article has a `retraction` among its corrections; it stays published.', examples: [false] }),
  }),
)
export type Article = Static<typeof Article>

/** An article as stored: what `Article` shows, before its media, targets, related links and corrections are embedded. */
export type StoredArticle = Omit<Article, 'body' | 'leadMedia' | 'related' | 'corrections' | 'retracted'> & { body: Block[] }

const Locale = (description: string) => Type.String({ pattern: LOCALE_PATTERN, maxLength: 35, description, examples: ['es'] })

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description })

const editable = {
  slug: Type.String({ pattern: SLUG_PATTERN, maxLength: SLUG_MAX, description: 'Lower-case ASCII words joined by "-"; made from the title when absent.' }),
  title: Type.String({ minLength: 1, maxLength: 500, description: 'Plain text.' }),
  subtitle: Type.String({ maxLength: 1_000, description: 'The dek; plain text.' }),
  summary: Type.String({ maxLength: 5_000, description: 'Plain text.' }),
  body: Type.Array(ref(Block), { maxItems: 2_000 }),
  authors: Type.Array(Name('A byline.'), { maxItems: 50 }),
  section: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
  sources: Type.Array(Name('A source, e.g. "EFE".'), { maxItems: 50 }),
  locale: Locale('A BCP 47 language tag, stored in canonical case (pt-br becomes pt-BR); DEFAULT_LOCALE when a new article does not say.'),
  translationOf: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'The article this one translates, in another locale; a translation of a translation names the original instead. ' +
        'A group holds one article per locale. null takes the article out of its group.',
      examples: ['01jdcq1k3w5y7z9b2d4f6h8j0m'],
    }),
  ),
  leadMediaId: Nullable(Id),
  commentsEnabled: Type.Boolean(),
}

const Opt = <T extends Record<string, TSchema>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>> }

export const ArticleCreate = Type.Object(
  {
    ...Opt(editable),
    title: editable.title,
    status: Type.Optional(StringEnum(['draft', 'review'], { description: 'Publish with POST /publish.' })),
  },
  { additionalProperties: false },
)
export type ArticleCreate = Static<typeof ArticleCreate>

export const ArticlePatch = Type.Object(
  {
    ...Opt(editable),
    status: Type.Optional(
      StringEnum(['draft', 'review', 'archived'], {
        description: 'Moves the article out of the public eye when it was published; publish with POST /publish.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type ArticlePatch = Static<typeof ArticlePatch>

export const ArticleQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Union([ArticleStatusSchema], { description: 'Editors only; other callers see published articles.' })),
    section: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    author: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    locale: Type.Optional(Locale('Only articles in this locale (any case: pt-br finds pt-BR).')),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Full-text search over title, subtitle, summary, tags and body text; accents and case do not matter, the last word matches as a prefix. Best match first: articles with every word in the title, then in the subtitle, tags, summary, body; newest first among equal matches.' })),
  },
  { additionalProperties: false },
)
export type ArticleQuery = Static<typeof ArticleQuery>

export const ArticleList = Type.Object({
  data: Type.Array(ref(ArticleSummary)),
  nextCursor: Nullable(Type.String()),
})

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })

export const SlugQuery = Type.Object(
  { locale: Type.Optional(Locale('The locale the slug is in (slugs are unique within a locale); DEFAULT_LOCALE when not given.')) },
  { additionalProperties: false },
)

export const PublishBody = Type.Object(
  { at: Type.Optional(Timestamp) },
  {
    additionalProperties: false,
    description: 'Without `at` (or without a body), or with a time not in the future, publishes now; with a future `at`, schedules.',
    ...OPTIONAL_BODY,
  },
)

export const ArticleRevision = shareSchema(
  'ArticleRevision',
  Type.Object({
    revision: Type.Integer({ minimum: 1, description: 'The article `version` this revision recorded.' }),
    createdAt: Timestamp,
    keyId: Nullable(Type.String({ description: 'The API key that made the change; null for the scheduler.' })),
    snapshot: Type.Object(
      {
        slug: Type.String(),
        title: Type.String(),
        subtitle: Type.String(),
        summary: Type.String(),
        body: Type.Array(ref(Block)),
        status: ArticleStatusSchema,
        authors: Type.Array(Type.String()),
        section: Nullable(Type.String()),
        tags: Type.Array(Type.String()),
        sources: Type.Array(Type.String()),
        locale: Type.String(),
        translationOf: Type.Optional(Nullable(Id)),
        leadMediaId: Nullable(Id),
        commentsEnabled: Type.Boolean(),
        publishedAt: Nullable(Timestamp),
        scheduledAt: Nullable(Timestamp),
        corrections: Type.Optional(
          Type.Array(CorrectionSnapshot, {
            description: 'The corrections at the time, newest first (absent from revisions recorded before corrections existed). A restore leaves corrections and `translationOf` as they are.',
          }),
        ),
      },
      { description: 'The article as it was after this change.' },
    ),
  }),
)
export type ArticleRevision = Static<typeof ArticleRevision>

export const RevisionList = Type.Object({ data: Type.Array(ref(ArticleRevision)), nextCursor: Nullable(Type.String()) })

export const RevisionParams = Type.Object({ id: Id, revision: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })

