// The public shapes of distribution: feed filters, sitemap pages, JSON Feed 1.1, the schema.org
// NewsArticle of structured data and the ninjs 2.1 item. The JSON ones are the response
// schemas their answers are serialized with, so a field left out here never reaches a client.
import { type Static, type TSchema, Type } from 'typebox'
import { StringEnum, Timestamp, IdOf } from '../http/schemas.js'
import { LOCALE_PATTERN } from '../text/locale.js'

export const FeedQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Entries, 1 to 100.' })),
    section: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only this section.' })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only articles with this tag (case does not matter).' })),
    author: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only articles with this byline (case does not matter).' })),
    authorId: Type.Optional(IdOf('Only articles whose `authorIds` hold this author profile.')),
    locale: Type.Optional(
      Type.String({ pattern: LOCALE_PATTERN, maxLength: 35, description: 'Only articles in this locale (any case: pt-br finds pt-BR); the feed then names it as its language.', examples: ['es'] }),
    ),
  },
  { additionalProperties: false },
)
export type FeedQuery = Static<typeof FeedQuery>

export const SitemapPageParams = Type.Object(
  { page: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'The page, from 1, as the sitemap index lists them.', examples: [1] }) },
  { additionalProperties: false },
)

const Uri = (description: string) => Type.String({ format: 'uri', description })
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema)

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): snake_case is the format's own.
const Text = (description: string) => Type.String({ description })
const JsonFeedAuthor = Type.Object({ name: Text('The byline, or the publication.'), url: Opt(Uri("The author's page.")) }, { description: 'An author.' })

const JsonFeedItem = Type.Object(
  {
    id: Text('The same stable id as in RSS and Atom: `urn:cms:article:{id}`.'),
    url: Uri('The canonical URL.'),
    title: Text('The headline.'),
    summary: Opt(Text('The subtitle, else the summary.')),
    content_html: Text('The whole body as HTML.'),
    image: Opt(Uri('The lead picture.')),
    date_published: Timestamp,
    date_modified: Timestamp,
    authors: Type.Array(JsonFeedAuthor, { description: 'The bylines.' }),
    tags: Type.Array(Text('A tag.'), { description: 'The tags.' }),
    language: Text('The article\'s locale (BCP 47).'),
    attachments: Opt(
      Type.Array(
        Type.Object(
          {
            url: Uri('The file.'),
            mime_type: Text('Its type.'),
            title: Opt(Text('The caption.')),
            size_in_bytes: Type.Integer({ description: 'Its size.' }),
          },
          { description: 'The lead picture as a file.' },
        ),
        { description: 'The lead picture.' },
      ),
    ),
    _translations: Opt(
      Type.Object(
        {
          alternates: Type.Array(
            Type.Object({ language: Text('Its locale (BCP 47).'), url: Uri('Its canonical URL.') }, { description: 'A published translation.' }),
            { description: 'The other published members of the translation group, by locale.' },
          ),
        },
        { description: 'A JSON Feed extension: the published translations of the article (or the original it translates, and its other translations).' },
      ),
    ),
    _media: Opt(
      Type.Object(
        {
          about: Uri('What this extension is: Media RSS.'),
          description: Opt(Text("The lead picture's caption (media:description).")),
          credit: Opt(Text('Its credit line (media:credit).')),
          text: Opt(Text('Its alternative text (media:text).')),
        },
        { description: "A JSON Feed extension: the lead picture's Media RSS fields." },
      ),
    ),
  },
  { description: 'A published article.' },
)

export const JsonFeed = Type.Object(
  {
    version: Type.Literal('https://jsonfeed.org/version/1.1', { description: 'The format.' }),
    title: Text('SITE_NAME, with what the filters chose.'),
    home_page_url: Uri('The website.'),
    feed_url: Uri('This feed.'),
    description: Text('What the feed holds.'),
    language: Opt(Text('The feed\'s language, when it has one.')),
    authors: Type.Array(JsonFeedAuthor, { description: 'The publication.' }),
    items: Type.Array(JsonFeedItem, { description: 'The newest published articles, newest first.' }),
  },
  { description: 'A JSON Feed 1.1 document.' },
)
export type JsonFeed = Static<typeof JsonFeed>

// schema.org NewsArticle, as JSON-LD.
const Person = Type.Object(
  { '@type': Type.Literal('Person', { description: 'schema.org Person.' }), name: Text('The name.'), url: Opt(Uri('The author profile.')) },
  { description: 'A person.' },
)

const ImageObject = Type.Object(
  {
    '@type': Type.Literal('ImageObject', { description: 'schema.org ImageObject.' }),
    url: Uri('The file.'),
    contentUrl: Uri('The file.'),
    encodingFormat: Text('Its type.'),
    width: Opt(Type.Integer({ description: 'Pixels.' })),
    height: Opt(Type.Integer({ description: 'Pixels.' })),
    caption: Opt(Text('What the picture shows.')),
    creditText: Opt(Text('The credit line.')),
    creator: Opt(Person),
    copyrightNotice: Opt(Text('The copyright notice.')),
    license: Opt(Uri('The usage terms, when they are a URL.')),
  },
  { description: 'The lead picture.' },
)

const TranslationLd = Type.Object(
  {
    '@type': Type.Literal('NewsArticle', { description: 'schema.org NewsArticle.' }),
    '@id': Uri('Its canonical URL.'),
    url: Uri('Its canonical URL.'),
    inLanguage: Text('Its locale (BCP 47).'),
  },
  { description: 'Another published member of the translation group.' },
)

export const NewsArticleLd = Type.Object(
  {
    '@context': Type.Literal('https://schema.org', { description: 'The vocabulary.' }),
    '@type': Type.Literal('NewsArticle', { description: 'schema.org NewsArticle.' }),
    '@id': Uri('The canonical URL.'),
    url: Uri('The canonical URL.'),
    mainEntityOfPage: Type.Object(
      { '@type': Type.Literal('WebPage', { description: 'schema.org WebPage.' }), '@id': Uri('The canonical URL.') },
      { description: 'The article page.' },
    ),
    headline: Text('The title.'),
    alternativeHeadline: Opt(Text('The subtitle.')),
    description: Opt(Text('The summary, else the subtitle.')),
    datePublished: Timestamp,
    dateModified: Timestamp,
    author: Type.Array(Person, { description: 'A person per byline.' }),
    publisher: Type.Object(
      { '@type': Type.Literal('Organization', { description: 'schema.org Organization.' }), name: Text('SITE_NAME.'), url: Uri('The website.') },
      { description: 'The publication.' },
    ),
    image: Opt(Type.Array(ImageObject, { description: 'The lead picture.' })),
    articleSection: Opt(Text('The section.')),
    keywords: Type.Array(Text('A tag.'), { description: 'The tags.' }),
    inLanguage: Text('The locale (BCP 47).'),
    translationOfWork: Opt(Type.Array(TranslationLd, { description: 'The published original this article translates.' })),
    workTranslation: Opt(Type.Array(TranslationLd, { description: 'The published translations of this original.' })),
    wordCount: Type.Integer({ description: 'Words of the text, captions not counted.' }),
    correction: Opt(
      Type.Array(
        Type.Object(
          {
            '@type': Type.Literal('CorrectionComment', { description: 'schema.org CorrectionComment.' }),
            text: Text('What was corrected.'),
            datePublished: Timestamp,
          },
          { description: 'A correction.' },
        ),
        { description: 'The corrections, newest first.' },
      ),
    ),
  },
  { description: 'A schema.org NewsArticle in JSON-LD, to embed in the article page as a script element of type application/ld+json.' },
)
export type NewsArticleLd = Static<typeof NewsArticleLd>

// IPTC ninjs 2.1: the properties this service fills.
const NinjsText = (description: string) =>
  Type.Object(
    { role: Opt(Text('What it is.')), contenttype: Opt(Text('Its media type.')), value: Text('The text.') },
    { description },
  )

const Rendition = Type.Object(
  {
    name: Text('`original`, or `w{width}`.'),
    href: Uri('The file or the rendition.'),
    contenttype: Text('Its type.'),
    width: Opt(Type.Number({ description: 'Pixels.' })),
    height: Opt(Type.Number({ description: 'Pixels.' })),
    sizeinbytes: Opt(Type.Number({ description: 'Bytes.' })),
  },
  { description: 'A rendition.' },
)

const NinjsAssociation = Type.Object(
  {
    name: Text('`lead` for the lead picture.'),
    uri: Uri('The media item.'),
    type: StringEnum(['picture', 'video', 'audio', 'component'], { description: 'The ninjs type of the media item.' }),
    version: Text('The media item `version`.'),
    firstcreated: Timestamp,
    versioncreated: Timestamp,
    descriptions: Type.Array(NinjsText('A text about the picture.'), { description: 'Roles `caption`, `creditline`, `alttext`.' }),
    by: Opt(Text('The creator.')),
    copyrightnotice: Opt(Text('The copyright notice.')),
    usageterms: Opt(Text('The usage terms.')),
    renditions: Type.Array(Rendition, { description: 'The original and the sizes the service makes.' }),
  },
  { description: 'An associated item.' },
)

export const NinjsItem = Type.Object(
  {
    uri: Uri('The article in this API.'),
    standard: Type.Object(
      {
        name: Type.Literal('ninjs', { description: 'The standard.' }),
        version: Type.Literal('2.1', { description: 'Its version.' }),
        schema: Uri('Its schema.'),
      },
      { description: 'What this item follows.' },
    ),
    type: Type.Literal('text', { description: 'An article is text.' }),
    version: Text('The article `version`.'),
    firstcreated: Timestamp,
    versioncreated: Timestamp,
    embargoed: Opt(Timestamp),
    pubstatus: StringEnum(['usable', 'withheld', 'canceled'], {
      description: '`usable` when published; `withheld` for drafts, articles in review and scheduled ones (`embargoed` until their time); `canceled` when archived.',
    }),
    language: Text('The locale (BCP 47).'),
    slugline: Text('The slug.'),
    headlines: Type.Array(NinjsText('A headline.'), { description: 'Roles `main` and `sub`.' }),
    descriptions: Opt(Type.Array(NinjsText('A description.'), { description: 'Role `summary`.' })),
    bodies: Type.Array(
      Type.Object(
        {
          role: Text('`main`.'),
          contenttype: Text('`text/html`.'),
          charcount: Type.Number({ description: 'Characters of the text.' }),
          wordcount: Type.Number({ description: 'Words of the text.' }),
          value: Text('The body as HTML.'),
        },
        { description: 'A body.' },
      ),
      { description: 'The body.' },
    ),
    by: Opt(Text('The bylines.')),
    subjects: Type.Array(Type.Object({ name: Text('The tag.') }, { description: 'A tag.' }), { description: 'The tags.' }),
    infosources: Opt(
      Type.Array(Type.Object({ name: Text('The source.'), role: Text('`source`.') }, { description: 'A source.' }), { description: 'The sources (wire services).' }),
    ),
    altids: Type.Array(Type.Object({ role: Text('`cms-id` or `canonical-url`.'), value: Text('The id or the URL.') }, { description: 'Another id.' }), {
      description: 'Roles `cms-id` and `canonical-url`.',
    }),
    associations: Opt(Type.Array(NinjsAssociation, { description: 'The lead picture.' })),
  },
  { description: 'An IPTC ninjs 2.1 item (http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json).' },
)
export type NinjsItem = Static<typeof NinjsItem>
