// /v1/articles/{id}/jsonld and /ninjs: one article as schema.org structured data and as an IPTC
// ninjs item. Structured data is for published pages only, whoever asks; ninjs shows editors
// unpublished work too (with its pubstatus saying so), as the article itself does.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { ArticleEmbedder } from '../articles/embed.js'
import type { ArticlesRepository } from '../articles/repository.js'
import { SlugParams, SlugQuery, type StoredArticle } from '../articles/schemas.js'
import type { Config } from '../config.js'
import { optionalBearer } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { IdParams, problems } from '../http/schemas.js'
import { type Visibility, visibilityOf, visibleOr404 } from '../http/visibility.js'
import { type CanonicalUrl, siteHome } from './canonical-url.js'
import { newsArticle } from './jsonld.js'
import { ninjsItem } from './ninjs.js'
import { NewsArticleLd, NinjsItem } from './schemas.js'
import type { Stories, Story } from './stories.js'
import { storyKeys, structuredDataKeys, tagAnswer } from './surrogate-keys.js'

export interface ArticleFormatDeps {
  config: Config
  articles: ArticlesRepository
  embed: ArticleEmbedder
  stories: Stories
  canonicalUrl: CanonicalUrl
}

const READERS = visibilityOf({ role: 'anonymous' })
// As for the article by slug: translations may share a slug, each in its own locale.
const LdSlugQuery = Type.Object({ locale: SlugQuery.properties.locale }, { additionalProperties: false })
const LD_JSON = 'application/ld+json; charset=utf-8'

export async function articleFormatRoutes(app: FastifyInstance, { config, articles, embed, stories, canonicalUrl }: ArticleFormatDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['distribution']

  /** The story of an article this caller may see in this format (404 otherwise, as for the article). */
  function storyOf(request: FastifyRequest, stored: StoredArticle | null, key: string, by: string, visibility: Visibility): Story {
    const article = visibleOr404(stored, visibility, key, by)
    const base = baseUrl(request, config)
    return stories.fromArticle(embed.article(article, { base, ...visibility }), base, article.translationOf)
  }

  const ld = (request: FastifyRequest, stored: StoredArticle | null, key: string, by = 'id') => {
    const story = storyOf(request, stored, key, by, READERS)
    return { story, body: newsArticle(story, { name: config.siteName, url: siteHome(canonicalUrl, baseUrl(request, config)) }) }
  }

  const ldResponse = { 200: { description: 'A schema.org NewsArticle.', content: { 'application/ld+json': { schema: NewsArticleLd } } }, ...problems(401, 404) }
  const ldDescription =
    'A schema.org `NewsArticle` for the article page: headline, alternativeHeadline (the subtitle), description, dates, ' +
    'bylines (Person; a byline that names one of the article\'s author profiles has `url`, its page from ' +
    'AUTHOR_URL_TEMPLATE), the publisher (SITE_NAME), the lead picture (ImageObject ' +
    'with caption, creditText, creator, copyrightNotice, and license when the usage terms are a URL), section, keywords ' +
    '(tags), inLanguage, mainEntityOfPage (`canonicalUrl`), wordCount and corrections. Translations: an original lists ' +
    'its published translations as `workTranslation`, a translation its published original as `translationOfWork` ' +
    '(each a NewsArticle with `@id`/`url` = its canonicalUrl and `inLanguage`). Published articles only: anything ' +
    'else answers 404, to editors too.'

  r.get(
    '/:id/jsonld',
    {
      config: { responseCache: true },
      schema: { summary: 'Structured data (JSON-LD) of a published article', description: ldDescription, operationId: 'getArticleJsonLd', tags, security: optionalBearer, params: IdParams, response: ldResponse },
    },
    async (request, reply) => {
      const { story, body } = ld(request, articles.getById(request.params.id), request.params.id)
      tagAnswer(reply, () => structuredDataKeys(story))
      return reply.type(LD_JSON).send(body)
    },
  )

  r.get(
    '/slug/:slug/jsonld',
    {
      config: { responseCache: true },
      schema: { summary: 'Structured data (JSON-LD) of a published article, by slug', description: `${ldDescription} The slug is looked up in \`locale\` (DEFAULT_LOCALE when not given), as for the article.`, operationId: 'getArticleJsonLdBySlug', tags, security: optionalBearer, params: SlugParams, querystring: LdSlugQuery, response: { ...ldResponse, ...problems(400) } },
    },
    async (request, reply) => {
      const { story, body } = ld(request, articles.getBySlug(request.params.slug, request.query.locale), request.params.slug, 'slug')
      tagAnswer(reply, () => structuredDataKeys(story))
      return reply.type(LD_JSON).send(body)
    },
  )

  r.get(
    '/:id/ninjs',
    {
      config: { responseCache: true },
      schema: {
        summary: 'The article as an IPTC ninjs 2.1 item',
        description:
          'For agencies and syndication partners: `uri` (the article in this API), `type` text, `version`, `firstcreated`, ' +
          '`versioncreated`, `pubstatus`, `headlines` (main, sub), `descriptions` (summary), `bodies` (the HTML body with its ' +
          'word and character counts), `by`, `subjects` (tags), `infosources` (sources), `language`, `slugline`, `altids` ' +
          '(id and canonical URL) and `associations`: the lead picture as `lead`, with its caption, credit line and alt text ' +
          'as descriptions, creator as `by`, copyright notice, usage terms, and renditions (the original and each ' +
          'RENDITION_WIDTHS size below it). Validates against the official ninjs 2.1 JSON Schema.',
        operationId: 'getArticleNinjs',
        tags,
        security: optionalBearer,
        params: IdParams,
        response: { 200: { description: 'A ninjs 2.1 item.', content: { 'application/json': { schema: NinjsItem } } }, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const story = storyOf(request, articles.getById(request.params.id), request.params.id, 'id', visibilityOf(request.caller))
      tagAnswer(reply, () => storyKeys(story))
      return ninjsItem(story, baseUrl(request, config), config.renditionWidths)
    },
  )
}
