// An article's summary, as lists and embedded teasers show it, and the article statuses.
import { type Static, Type } from 'typebox'
import { Id, Nullable, ref, shareSchema, Timestamp } from '../http/schemas.js'
import { Media } from '../media/schemas.js'

export const ARTICLE_STATUSES = ['draft', 'review', 'scheduled', 'published', 'archived'] as const
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number]

export const ArticleStatusSchema = Type.Union([
  Type.Literal('draft'),
  Type.Literal('review'),
  Type.Literal('scheduled'),
  Type.Literal('published'),
  Type.Literal('archived'),
])

export const ArticleSummary = shareSchema(
  'ArticleSummary',
  Type.Object({
    id: Id,
    slug: Type.String(),
    title: Type.String(),
    subtitle: Type.String(),
    summary: Type.String(),
    status: ArticleStatusSchema,
    authors: Type.Array(Type.String()),
    section: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    leadMedia: Type.Union([ref(Media), Type.Null()]),
    commentCount: Type.Integer(),
    publishedAt: Nullable(Timestamp),
    updatedAt: Timestamp,
  }),
)
export type ArticleSummary = Static<typeof ArticleSummary>
