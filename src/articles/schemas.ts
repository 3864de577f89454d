// The public shape of articles and their body blocks: the contract with editorial tools,
// front ends and generated clients.
import { type Static, type TSchema, Type } from 'typebox'
import { HTTP_URL_PATTERN, Id, IdOf, NextCursor, Nullable, OPTIONAL_BODY, PageQuery, ref, shareSchema, StringEnum, TimestampOf } from '../http/schemas.js'
import { Correction, CorrectionSnapshot } from '../corrections/schemas.js'
import { Author } from '../authors/schemas.js'
import { Media } from '../media/schemas.js'
import { LOCALE_PATTERN } from '../text/locale.js'
import type { RelatedLink } from '../related-links/schemas.js'
import { SLUG_MAX, SLUG_PATTERN } from './slug.js'
import { ARTICLE_STATUSES, type ArticleStatus, ArticleStatusSchema, ArticleSummary, articleHeadFields } from './summary.js'

// Re-exported: the summary is part of the articles' contract; it lives apart so that related
// links can embed it without importing the article shape that embeds them.
export { ARTICLE_STATUSES, type ArticleStatus, ArticleStatusSchema, ArticleSummary }

/** What the text fields of blocks may hold, said once for every one of them. */
const INLINE_MARKUP =
  'Inline HTML, to insert as HTML: only `a` (with an http, https or mailto `href`), `em`, `strong`, `i`, `b`, `br`, `sub` ' +
  'and `sup`; any other markup is removed on write.'

const InlineText = (description: string, maxLength = 20_000) =>
  Type.String({ minLength: 1, maxLength, description: `${description} ${INLINE_MARKUP}` })

const HttpUrl = (description: string) =>
  Type.String({ format: 'uri', pattern: HTTP_URL_PATTERN, maxLength: 2048, description: `${description} An absolute http or https URL.` })

// Each block's write shape. `additionalProperties: false` turns a typo into a 400.
const blockShapes = {
  paragraph: { text: InlineText('The paragraph.') },
  heading: {
    text: InlineText('The subhead.', 500),
    level: Type.Integer({ minimum: 2, maximum: 4, description: 'Its rank, 2 to 4 (`h2` to `h4`): the headline is the `h1`.' }),
  },
  quote: { text: InlineText('The quotation, without quotation marks.'), attribution: Type.Optional(InlineText('Who said it.', 500)) },
  list: {
    style: StringEnum(['bulleted', 'numbered'], { description: '`bulleted` (an `ul`) or `numbered` (an `ol`).' }),
    items: Type.Array(InlineText('An item.', 5_000), { minItems: 1, maxItems: 500, description: 'The items, in order.' }),
  },
  media: {
    mediaId: IdOf('The media item shown (a picture, a video, an audio clip or a document).'),
    caption: Type.Optional(
      Type.String({ maxLength: 2_000, description: `Replaces the item's \`caption\` for this use only. ${INLINE_MARKUP}` }),
    ),
    credit: Type.Optional(Type.String({ maxLength: 500, description: `Replaces the item's \`credit\` for this use only. ${INLINE_MARKUP}` })),
  },
  related: {
    articleId: Type.Optional(IdOf('An internal teaser: the article it points to. Give this or `url`, not both.')),
    url: Type.Optional(HttpUrl('An external teaser: the page it points to. Give this or `articleId`, not both.')),
    title: Type.Optional(
      Type.String({
        maxLength: 500,
        description: `The teaser's text; optional: without one, an internal teaser shows its target's title. ${INLINE_MARKUP}`,
      }),
    ),
  },
  embed: {
    url: HttpUrl('The page to embed: a video, a post, a map. The front end decides how (oEmbed, an iframe, a link).'),
    provider: Type.Optional(Type.String({ maxLength: 100, description: 'Who hosts it, e.g. "YouTube", as the editor wrote it; plain text.' })),
  },
}

export type BlockType = keyof typeof blockShapes
export const BLOCK_TYPES = Object.keys(blockShapes) as BlockType[]

function blockSchema<K extends BlockType, P extends Record<string, TSchema>>(type: K, props: P, read = false, description?: string) {
  return Type.Object(
    { type: Type.Literal(type, { description: `The kind of block: always \`${type}\` here.` }), ...props },
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
    blockSchema(
      'media',
      {
        ...blockShapes.media,
        media: Type.Union([ref(Media), Type.Null()], {
          description: "The media item, embedded; the block's `caption` and `credit`, when given, win over the item's. Null only if it is gone.",
        }),
      },
      true,
    ),
    blockSchema(
      'related',
      {
        ...blockShapes.related,
        article: Type.Union([ref(ArticleSummary), Type.Null()], {
          description:
            "An internal teaser's target, embedded as a summary; null for an external teaser (`url`), or when the target no longer " +
            'exists (editors only: readers never get a teaser to an article they may not see, the block is left out).',
        }),
      },
      true,
      RELATED_READ,
    ),
    blockSchema('embed', blockShapes.embed, true),
  ],
  'A body block as read: `media` blocks embed their `media`, internal `related` blocks their `article`.',
)
export type BlockRead = Static<typeof BlockRead>

const TRANSLATION_OF =
  'The original this article translates (GET /v1/articles/{id}/translations lists the group), or null. A write naming a ' +
  'translation stores its original instead. Readers get null while the original is not published.'
const AUTHOR_IDS =
  'The author profiles (GET /v1/authors) the story is by, in byline order. `authors` is made from their names when a write ' +
  'sets `authorIds` without `authors`; free-text bylines (a wire credit such as "EFE") are kept after them.'
const AuthorIds = (description: string, maxItems?: number) =>
  Type.Array(IdOf('An author profile.'), { description, ...(maxItems !== undefined && { maxItems }) })

const articleFields = {
  ...articleHeadFields,
  authorIds: AuthorIds(AUTHOR_IDS),
  sources: Type.Array(Type.String(), { description: 'Wire services and other sources the story drew on, e.g. "EFE"; plain text.' }),
  locale: Type.String({
    description: 'The language of the article, a BCP 47 tag in canonical case such as `en` or `pt-BR`; DEFAULT_LOCALE when not given.',
    examples: ['en'],
  }),
  translationOf: Nullable(IdOf(TRANSLATION_OF)),
  leadMediaId: Nullable(IdOf('The lead picture (or video) shown atop the story and in teasers, embedded as `leadMedia`; null when none.')),
  commentsEnabled: Type.Boolean({ description: 'Whether readers may comment. When false, a new comment is a 403; existing ones stay readable.' }),
  commentCount: Type.Integer({ description: 'How many approved comments the article has.' }),
  publishedAt: Nullable(
    TimestampOf('When the article went live (for a scheduled one, its scheduled time). Null while unpublished; kept when archived.'),
  ),
  scheduledAt: Nullable(TimestampOf('When a `scheduled` article goes live; null in every other status.')),
  createdAt: TimestampOf('When the article was created.'),
  updatedAt: TimestampOf('When the article itself last changed: an edit, a publication, a status change (not comments, not related links).'),
  version: Type.Integer({
    minimum: 1,
    description: 'Starts at 1 and grows by one with each change; `If-Match` compares it (through the ETag), and revisions are numbered by it.',
  }),
  externalId: Nullable(Type.String({ description: 'The identifier of the item this article was imported from (a ninjs `uri`, a WordPress post), or null.' })),
}

export const Article = shareSchema(
  'Article',
  Type.Object({
    ...articleFields,
    canonicalUrl: Type.String({ format: 'uri', description: "The article's page on the website, from SITE_URL_TEMPLATE." }),
    body: Type.Array(ref(BlockRead), { description: 'The story: its blocks in reading order, with their media and teased articles embedded.' }),
    leadMedia: Type.Union([ref(Media), Type.Null()], { description: 'The media item `leadMediaId` names, embedded; null when none.' }),
    authorProfiles: Type.Array(ref(Author), {
      description: 'The profiles of `authorIds`, in order, with their photos: public fields only, never an e-mail, whoever reads them.',
    }),
    related: Type.Array(Type.Unsafe<RelatedLink>({ $ref: 'RelatedLink#' }), {
      description: 'The related links the editors curated, in order; readers see only those to published articles.',
    }),
    corrections: Type.Array(ref(Correction), { description: 'Corrections, clarifications, updates and retractions, newest `at` first.' }),
    retracted: Type.Boolean({ description: 'True while the article has a `retraction` among its corrections; it stays published.', examples: [false] }),
    bodyHtml: Type.Optional(
      Type.String({ description: 'With `?include=html`: the body as HTML, rendered as the feeds render it (only the allowed inline markup, everything else escaped).' }),
    ),
  }, {
    description:
      'A whole article, with everything a page needs embedded: the lead media, the media and teased articles of its body, its ' +
      "authors' profiles, its related links. Readers get `published` articles only; editors get every status.",
  }),
)
export type Article = Static<typeof Article>

/** An article as stored: what `Article` shows, before its media, targets, profiles, related links, corrections and URL are added. */
export type StoredArticle = Omit<Article, 'body' | 'leadMedia' | 'authorProfiles' | 'related' | 'corrections' | 'retracted' | 'canonicalUrl' | 'bodyHtml'> & { body: Block[] }

const IncludeHtml = Type.Optional(StringEnum(['html'], { description: '`html` adds `bodyHtml`, the body rendered to HTML.' }))

export const ArticleReadQuery = Type.Object({ include: IncludeHtml }, { additionalProperties: false })
export type ArticleReadQuery = Static<typeof ArticleReadQuery>

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description })

const Locale = (description: string) => Type.String({ pattern: LOCALE_PATTERN, maxLength: 35, description, examples: ['es'] })

const editable = {
  slug: Type.String({ pattern: SLUG_PATTERN, maxLength: SLUG_MAX, description: 'Lower-case ASCII words joined by "-"; made from the title when absent.' }),
  title: Type.String({ minLength: 1, maxLength: 500, description: 'The headline. Plain text: markup is kept as typed, and shown as text.' }),
  subtitle: Type.String({ maxLength: 1_000, description: 'The dek; plain text.' }),
  summary: Type.String({ maxLength: 5_000, description: 'A short summary for teasers and feeds; plain text.' }),
  body: Type.Array(ref(Block), { maxItems: 2_000, description: 'The story as blocks, in reading order; replaces the whole body.' }),
  authors: Type.Array(Name('A byline.'), { maxItems: 50, description: 'The printed bylines, in order.' }),
  authorIds: AuthorIds(`${AUTHOR_IDS} Each must name an existing profile.`, 20),
  section: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'A section slug; null (or blank) for none. A section not yet known is made (at the top of the tree, not listed until a ' +
        'story in it is published); a name such as "Local News" is taken as the slug made from it, `local-news`, and names the new section.',
      examples: ['europe'],
    }),
  ),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, description: 'Topic tags; blanks and repeats that differ only in case are dropped.' }),
  sources: Type.Array(Name('A source, e.g. "EFE".'), { maxItems: 50, description: 'Wire services and other sources the story drew on.' }),
  locale: Locale('A BCP 47 language tag, stored in canonical case (pt-br becomes pt-BR); DEFAULT_LOCALE when a new article does not say.'),
  translationOf: Nullable(
    IdOf(
      'The article this one translates, in another locale; a translation of a translation names the original instead. ' +
        'A group holds one article per locale; an id that does not exist is a 400. null takes the article out of its group.',
    ),
  ),
  leadMediaId: Nullable(IdOf('The lead media item; null for none. An id that does not exist is a 400.')),
  commentsEnabled: Type.Boolean({ description: 'Whether readers may comment; true for a new article unless given.' }),
  externalId: Nullable(
    Type.String({ minLength: 1, maxLength: 2048, description: 'Names the source item (a ninjs `uri`); unique: one taken answers 409. Imports set it.' }),
  ),
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
    section: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Only articles in this section or any section below it. Case does not matter; a name is read as its slug.',
        examples: ['world'],
      }),
    ),
    authorId: Type.Optional(IdOf('Only articles whose `authorIds` hold this author profile.')),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only articles with this tag (case-insensitive).' })),
    author: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only articles with this byline (case-insensitive).' })),
    locale: Type.Optional(Locale('Only articles in this locale (any case: pt-br finds pt-BR).')),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Full-text search over title, subtitle, summary, tags and body text; accents and case do not matter, the last word matches as a prefix. Best match first: articles with every word in the title, then in the subtitle, tags, summary, body; newest first among equal matches.' })),
  },
  { additionalProperties: false },
)
export type ArticleQuery = Static<typeof ArticleQuery>

export const ArticleList = Type.Object({
  data: Type.Array(ref(ArticleSummary), {
    description: 'The summaries: newest `publishedAt` first (never-published ones by `updatedAt`), or best match first with `q`.',
  }),
  nextCursor: NextCursor,
})

export const SlugParams = Type.Object(
  { slug: Type.String({ minLength: 1, maxLength: 200, description: "The article's slug.", examples: ['harbour-reopens-after-storm'] }) },
  { additionalProperties: false },
)

export const SlugQuery = Type.Object(
  {
    locale: Type.Optional(Locale('The locale the slug is in (slugs are unique within a locale); DEFAULT_LOCALE when not given.')),
    include: IncludeHtml,
  },
  { additionalProperties: false },
)

export const PublishBody = Type.Object(
  { at: Type.Optional(TimestampOf('When to go live; absent, or not in the future: now.')) },
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
    createdAt: TimestampOf('When the change was made.'),
    keyId: Nullable(Type.String({ description: 'The id of the API key that made the change; null for the scheduler.' })),
    snapshot: Type.Object(
      {
        slug: articleHeadFields.slug,
        title: articleHeadFields.title,
        subtitle: articleHeadFields.subtitle,
        summary: articleHeadFields.summary,
        body: Type.Array(ref(Block), { description: 'The blocks as stored, without anything embedded.' }),
        status: ArticleStatusSchema,
        authors: articleHeadFields.authors,
        authorIds: Type.Optional(AuthorIds('The author profiles it named; absent from revisions recorded before author profiles existed.')),
        section: articleHeadFields.section,
        tags: articleHeadFields.tags,
        sources: articleFields.sources,
        locale: articleFields.locale,
        translationOf: Type.Optional(Nullable(Id)),
        leadMediaId: articleFields.leadMediaId,
        commentsEnabled: articleFields.commentsEnabled,
        publishedAt: articleFields.publishedAt,
        scheduledAt: articleFields.scheduledAt,
        corrections: Type.Optional(
          Type.Array(CorrectionSnapshot, {
            description:
              'The corrections at the time, newest first (absent from revisions recorded before corrections existed). A restore ' +
              'leaves corrections and `translationOf` as they are.',
          }),
        ),
      },
      { description: 'The article as it was after this change, as stored (nothing embedded).' },
    ),
  }, {
    description: 'One recorded change of an article: the article as it stood after it, who made it and when.',
  }),
)
export type ArticleRevision = Static<typeof ArticleRevision>

export const RevisionList = Type.Object({
  data: Type.Array(ref(ArticleRevision), { description: 'The revisions, newest first.' }),
  nextCursor: NextCursor,
})

export const RevisionParams = Type.Object(
  { id: Id, revision: Type.Integer({ minimum: 1, description: 'The revision number: the article `version` it recorded.', examples: [3] }) },
  { additionalProperties: false },
)

