// The public shape of related links, and how a stored link becomes one.
import { type Static, Type } from 'typebox'
import { ArticleSummary } from '../articles/summary.js'
import { HTTP_URL_PATTERN, Id, IdOf, NextCursor, Nullable, Page, PageQuery, ref, shareSchema } from '../http/schemas.js'
import { MAX_LINKS, MAX_TITLE, MAX_URL } from './rules.js'

export const RelatedLink = shareSchema(
  'RelatedLink',
  Type.Object({
    id: IdOf("The link's id; a link keeps it when a PUT of the list still has its target."),
    position: Type.Integer({
      minimum: 0,
      description: 'Place in the list, from 0. Counted over the links this caller can see, so a hidden link leaves no gap.',
    }),
    articleId: Nullable(IdOf('An internal link: the article it points to; null for an external link.')),
    url: Nullable(
      Type.String({ format: 'uri', description: 'An external link: the http or https URL, normalized; null for an internal link.' }),
    ),
    title: Type.String({
      description: "The link text, plain text (escape it): the editor's title or, for an internal link without one, the target's title.",
    }),
    article: Type.Union([ref(ArticleSummary), Type.Null()], {
      description: 'The target article, for internal links (editors also see its `status`); null for a URL.',
    }),
  }, {
    description:
      "One of an article's related links: internal (`articleId`, with the target's summary as `article`) or external " +
      '(`url`). Readers see only internal links whose target is published.',
  }),
)
export type RelatedLink = Static<typeof RelatedLink>

const linkFields = {
  articleId: Type.Optional(Id),
  url: Type.Optional(
    Type.String({
      format: 'uri',
      pattern: HTTP_URL_PATTERN,
      maxLength: MAX_URL,
      description: 'An absolute http or https URL. Stored normalized, so "HTTPS://Example.com" and "https://example.com/" are one target.',
    }),
  ),
  title: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_TITLE,
      description: "Plain text (markup is removed). Required with `url`; with `articleId` it replaces the target's title.",
    }),
  ),
}

export const RelatedLinkInput = shareSchema(
  'RelatedLinkInput',
  Type.Object(linkFields, {
    additionalProperties: false,
    description: 'Either `{"articleId"}` (an internal link, `title` optional) or `{"url", "title"}` (an external link).',
  }),
)
export type RelatedLinkInput = Static<typeof RelatedLinkInput>

export const RelatedLinkCreate = Type.Object(
  {
    ...linkFields,
    position: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Where to insert, from 0; the links from there on move down one. Absent or past the end: appended.' }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Either `{"articleId"}` (an internal link, `title` optional) or `{"url", "title"}` (an external link).',
  },
)
export type RelatedLinkCreate = Static<typeof RelatedLinkCreate>

export const RelatedLinkReplace = Type.Array(ref(RelatedLinkInput), {
  maxItems: MAX_LINKS,
  description: `The whole new list, in order (at most ${MAX_LINKS}). A link to a target the list already had keeps its id.`,
})

export const RelatedLinkList = Page(ref(RelatedLink), 'The links, in `position` order.')

export const SuggestionList = Type.Object({
  data: Type.Array(ref(ArticleSummary), { description: 'Published articles worth linking, most similar first.' }),
  nextCursor: NextCursor,
  terms: Type.Array(Type.String(), {
    description: 'The terms the suggestions were matched on, most telling first (as the search index spells them: lower case, accents folded).',
  }),
})

export const LinkParams = Type.Object({ id: Id, linkId: IdOf("The related link's id.") }, { additionalProperties: false })

export const ListQuery = Type.Object(PageQuery, { additionalProperties: false })

/** A stored link as the API shows it, with its target's summary when the caller may see it. */
export function toRelatedLink(
  link: { id: string; position: number; articleId: string | null; url: string | null; title: string },
  target: ArticleSummary | null,
): RelatedLink {
  return {
    id: link.id,
    position: link.position,
    articleId: link.articleId,
    url: link.url,
    title: link.title !== '' ? link.title : (target?.title ?? ''),
    article: target,
  }
}
