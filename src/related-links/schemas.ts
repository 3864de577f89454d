// The public shape of related links.
import { type Static, Type } from 'typebox'
import { ArticleSummary } from '../articles/schemas.js'
import { Id, Nullable, ref, shareSchema } from '../http/schemas.js'

export const RelatedLink = shareSchema(
  'RelatedLink',
  Type.Object({
    id: Id,
    position: Type.Integer({ minimum: 0 }),
    articleId: Nullable(Id),
    url: Nullable(Type.String({ format: 'uri' })),
    title: Type.String(),
    article: Type.Union([ref(ArticleSummary), Type.Null()], { description: 'The target article, for internal links.' }),
  }),
)
export type RelatedLink = Static<typeof RelatedLink>
