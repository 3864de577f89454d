// An article's summary, as lists and embedded teasers show it, and the article statuses.
import { type Static, Type } from 'typebox'
import { IdOf, Nullable, ref, shareSchema, StringEnum, TimestampOf } from '../http/schemas.js'
import { Media } from '../media/schemas.js'
import { SLUG_MAX } from './slug.js'

export const ARTICLE_STATUSES = ['draft', 'review', 'scheduled', 'published', 'archived'] as const
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number]

export const ArticleStatusSchema = StringEnum(ARTICLE_STATUSES, {
  description:
    'Where the article is: `draft` and `review` are unpublished; `scheduled` goes live at `scheduledAt`; `published` is ' +
    'what readers see; `archived` is off the public site again. Readers only ever get `published` articles.',
})

/** The fields an article and its summary share: what a teaser or a list row prints. */
export const articleHeadFields = {
  id: IdOf("The article's id."),
  slug: Type.String({
    description: `The URL name: lower-case ASCII words joined by \`-\`, at most ${SLUG_MAX} characters, unique among all articles.`,
    examples: ['harbour-reopens-after-storm'],
  }),
  title: Type.String({ description: 'The headline. Plain text, not HTML: escape it when putting it in a page.' }),
  subtitle: Type.String({ description: 'The dek under the headline; plain text (escape it). Empty when there is none.' }),
  summary: Type.String({ description: 'A short summary for teasers and feeds; plain text (escape it). Empty when there is none.' }),
  status: ArticleStatusSchema,
  authors: Type.Array(Type.String(), { description: 'The printed bylines, in order, plain text; wire credits such as "EFE" too.' }),
  section: Nullable(Type.String({ description: 'The section the story runs in, as the editor wrote it (plain text); null when none.' })),
  tags: Type.Array(Type.String(), {
    description: 'Topic tags, plain text, as first written (duplicates that differ only in case are dropped); filters ignore case.',
  }),
}

export const ArticleSummary = shareSchema(
  'ArticleSummary',
  Type.Object({
    ...articleHeadFields,
    locale: Type.String({ description: 'The language, a BCP 47 tag in canonical case.', examples: ['en'] }),
    leadMedia: Type.Union([ref(Media), Type.Null()], { description: 'The lead picture (or video) for the teaser, embedded; null when none.' }),
    commentCount: Type.Integer({ description: 'How many approved comments the article has.' }),
    publishedAt: Nullable(TimestampOf('When the article went live; null while it is not published (kept when archived).')),
    updatedAt: TimestampOf('When the article itself last changed (comments and related links do not count).'),
  }, {
    description: 'An article as lists and teasers show it: its head fields, no body. Readers get `published` articles only.',
  }),
)
export type ArticleSummary = Static<typeof ArticleSummary>
