// The public shapes of distribution: feed filters, sitemap pages, JSON Feed 1.1, the schema.org
// NewsArticle of structured data and the ninjs 2.1 item. The JSON ones are the response
// schemas their answers are serialized with, so a field left out here never reaches a client.
import { type Static, type TSchema, Type } from 'typebox'
import { StringEnum, Timestamp } from '../http/schemas.js'

export const FeedQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Entries, 1 to 100.' })),
    section: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only this section.' })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only articles with this tag (case does not matter).' })),
    author: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only articles with this byline (case does not matter).' })),
  },
  { additionalProperties: false },
)
export type FeedQuery = Static<typeof FeedQuery>

export const SitemapPageParams = Type.Object(
  { page: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'The page, from 1, as the sitemap index lists them.' }) },
  { additionalProperties: false },
)

const Uri = (description: string) => Type.String({ format: 'uri', description })
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema)

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): snake_case is the format's own.
const JsonFeedAuthor = Type.Object({ name: Type.String(), url: Opt(Uri("The author's page.")) })

const JsonFeedItem = Type.Object({
  id: Type.String({ description: 'The same stable id as in RSS and Atom: `urn:cms:article:{id}`.' }),
  url: Uri('The canonical URL.'),
  title: Type.String(),
  summary: Opt(Type.String({ description: 'The subtitle, else the summary.' })),
  content_html: Type.String({ description: 'The whole body as HTML.' }),
  image: Opt(Uri('The lead picture.')),
  date_published: Timestamp,
  date_modified: Timestamp,
  authors: Type.Array(JsonFeedAuthor),
  tags: Type.Array(Type.String()),
  language: Type.String(),
  attachments: Opt(
    Type.Array(
      Type.Object({
        url: Uri('The file.'),
        mime_type: Type.String(),
        title: Opt(Type.String({ description: 'The caption.' })),
        size_in_bytes: Type.Integer(),
      }),
    ),
  ),
  _media: Opt(
    Type.Object(
      {
        about: Uri('What this extension is: Media RSS.'),
        description: Opt(Type.String({ description: 'The lead picture\'s caption (media:description).' })),
        credit: Opt(Type.String({ description: 'Its credit line (media:credit).' })),
        text: Opt(Type.String({ description: 'Its alternative text (media:text).' })),
      },
      { description: 'A JSON Feed extension: the lead picture\'s Media RSS fields.' },
    ),
  ),
})

export const JsonFeed = Type.Object({
  version: Type.Literal('https://jsonfeed.org/version/1.1'),
  title: Type.String(),
  home_page_url: Uri('The website.'),
  feed_url: Uri('This feed.'),
  description: Type.String(),
  language: Opt(Type.String()),
  authors: Type.Array(JsonFeedAuthor),
  items: Type.Array(JsonFeedItem),
})
export type JsonFeed = Static<typeof JsonFeed>

// schema.org NewsArticle, as JSON-LD.
const Person = Type.Object({ '@type': Type.Literal('Person'), name: Type.String(), url: Opt(Uri('The author profile.')) })

const ImageObject = Type.Object({
  '@type': Type.Literal('ImageObject'),
  url: Uri('The file.'),
  contentUrl: Uri('The file.'),
  encodingFormat: Type.String(),
  width: Opt(Type.Integer()),
  height: Opt(Type.Integer()),
  caption: Opt(Type.String()),
  creditText: Opt(Type.String()),
  creator: Opt(Person),
  copyrightNotice: Opt(Type.String()),
  license: Opt(Uri('The usage terms, when they are a URL.')),
})

export const NewsArticleLd = Type.Object(
  {
    '@context': Type.Literal('https://schema.org'),
    '@type': Type.Literal('NewsArticle'),
    '@id': Uri('The canonical URL.'),
    url: Uri('The canonical URL.'),
    mainEntityOfPage: Type.Object({ '@type': Type.Literal('WebPage'), '@id': Uri('The canonical URL.') }),
    headline: Type.String(),
    alternativeHeadline: Opt(Type.String()),
    description: Opt(Type.String()),
    datePublished: Timestamp,
    dateModified: Timestamp,
    author: Type.Array(Person),
    publisher: Type.Object({ '@type': Type.Literal('Organization'), name: Type.String(), url: Uri('The website.') }),
    image: Opt(Type.Array(ImageObject)),
    articleSection: Opt(Type.String()),
    keywords: Type.Array(Type.String()),
    inLanguage: Type.String(),
    wordCount: Type.Integer(),
    correction: Opt(
      Type.Array(Type.Object({ '@type': Type.Literal('CorrectionComment'), text: Type.String(), datePublished: Timestamp })),
    ),
  },
  { description: 'A schema.org NewsArticle in JSON-LD, to embed in the article page as a script element of type application/ld+json.' },
)
export type NewsArticleLd = Static<typeof NewsArticleLd>

// IPTC ninjs 2.1: the properties this service fills.
const Text = Type.Object({ role: Opt(Type.String()), contenttype: Opt(Type.String()), value: Type.String() })

const Rendition = Type.Object({
  name: Type.String(),
  href: Uri('The file or the rendition.'),
  contenttype: Type.String(),
  width: Opt(Type.Number()),
  height: Opt(Type.Number()),
  sizeinbytes: Opt(Type.Number()),
})

const NinjsAssociation = Type.Object({
  name: Type.String({ description: '`lead` for the lead picture.' }),
  uri: Uri('The media item.'),
  type: StringEnum(['picture', 'video', 'audio', 'component']),
  version: Type.String(),
  firstcreated: Timestamp,
  versioncreated: Timestamp,
  descriptions: Type.Array(Text, { description: 'Roles `caption`, `creditline`, `alttext`.' }),
  by: Opt(Type.String({ description: 'The creator.' })),
  copyrightnotice: Opt(Type.String()),
  usageterms: Opt(Type.String()),
  renditions: Type.Array(Rendition),
})

export const NinjsItem = Type.Object(
  {
    uri: Uri('The article in this API.'),
    standard: Type.Object({ name: Type.Literal('ninjs'), version: Type.Literal('2.1'), schema: Uri('The schema.') }),
    type: Type.Literal('text'),
    version: Type.String({ description: 'The article `version`.' }),
    firstcreated: Timestamp,
    versioncreated: Timestamp,
    embargoed: Opt(Timestamp),
    pubstatus: StringEnum(['usable', 'withheld', 'canceled'], {
      description: '`usable` when published; `withheld` for drafts, articles in review and scheduled ones (`embargoed` until their time); `canceled` when archived.',
    }),
    language: Type.String(),
    slugline: Type.String(),
    headlines: Type.Array(Text, { description: 'Roles `main` and `sub`.' }),
    descriptions: Opt(Type.Array(Text, { description: 'Role `summary`.' })),
    bodies: Type.Array(
      Type.Object({ role: Type.String(), contenttype: Type.String(), charcount: Type.Number(), wordcount: Type.Number(), value: Type.String() }),
    ),
    by: Opt(Type.String({ description: 'The bylines.' })),
    subjects: Type.Array(Type.Object({ name: Type.String() }), { description: 'The tags.' }),
    infosources: Opt(Type.Array(Type.Object({ name: Type.String(), role: Type.String() }), { description: 'The sources (wire services).' })),
    altids: Type.Array(Type.Object({ role: Type.String(), value: Type.String() }), { description: 'Roles `cms-id` and `canonical-url`.' }),
    associations: Opt(Type.Array(NinjsAssociation)),
  },
  { description: 'An IPTC ninjs 2.1 item (http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json).' },
)
export type NinjsItem = Static<typeof NinjsItem>
