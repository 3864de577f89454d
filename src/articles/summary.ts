// An article's summary, as lists and embedded teasers show it, and the article statuses.
import { type Static, Type } from 'typebox'
import { Id, Nullable, ref, shareSchema, StringEnum, Timestamp } from '../http/schemas.js'
import { Media } from '../media/schemas.js'

export const ARTICLE_STATUSES = ['draft', 'review', 'scheduled', 'published', 'archived'] as const
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number]

export const ArticleStatusSchema = StringEnum(ARTICLE_STATUSES, {
  description: '`draft` and `review` are unpublished; `scheduled` goes live at `scheduledAt`; `archived` is off the public site.',
})

/** The fields an article and its summary share: what a teaser or a list row prints. */
export const articleHeadFields = {
  id: Id,
  slug: Type.String({ description: 'The URL name: lower-case ASCII words joined by `-`, unique.' }),
  title: Type.String({ description: 'The headline, plain text.' }),
  subtitle: Type.String({ description: 'The dek under the headline, plain text; empty when there is none.' }),
  summary: Type.String({ description: 'A short summary for teasers and feeds, plain text; may be empty.' }),
  status: ArticleStatusSchema,
  authors: Type.Array(Type.String(), { description: 'The printed bylines, in order; wire credits such as "EFE" too.' }),
  section: Nullable(Type.String({ description: 'The section the story runs in, or null.' })),
  tags: Type.Array(Type.String(), { description: 'Topic tags, as written; filters match them without regard to case.' }),
}

export const ArticleSummary = shareSchema(
  'ArticleSummary',
  Type.Object({
    ...articleHeadFields,
    locale: Type.String({ description: 'A BCP 47 language tag.', examples: ['en'] }),
    leadMedia: Type.Union([ref(Media), Type.Null()]),
    commentCount: Type.Integer(),
    publishedAt: Nullable(Timestamp),
    updatedAt: Timestamp,
  }),
)
export type ArticleSummary = Static<typeof ArticleSummary>
