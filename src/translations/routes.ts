// /v1/articles/{id}/translations: the article's translation group, as summaries a front end needs
// for its language switcher and hreflang links.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { ArticleEmbedder } from '../articles/embed.js'
import type { ArticlesRepository } from '../articles/repository.js'
import { listKeys } from '../articles/surrogate-keys.js'
import { ArticleSummary } from '../articles/summary.js'
import type { Config } from '../config.js'
import { optionalBearer } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { ARTICLE_CONTENT, setSurrogateKeys } from '../http/surrogate-keys.js'
import { IdParams, json, Nullable, problems, ref } from '../http/schemas.js'
import { visibilityOf, visibleOr404 } from '../http/visibility.js'
import type { TranslationGroups } from './groups.js'

export interface TranslationRouteOptions {
  config: Config
  articles: ArticlesRepository
  translations: TranslationGroups
  embed: ArticleEmbedder
}

const TranslationList = Type.Object({
  data: Type.Array(ref(ArticleSummary), { description: 'The members this caller may see: the original first, then by `locale`.' }),
  nextCursor: Nullable(Type.String({ description: 'Always null: a group holds one article per locale and comes in one page.' })),
})

export async function translationRoutes(app: FastifyInstance, { config, articles, translations, embed }: TranslationRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()

  r.get(
    '/',
    {
      schema: {
        summary: "List the article's translation group: the original and every translation",
        description:
          'The article itself included, the original first, then by `locale`. Anonymous callers see the published members ' +
          'only (and a 404 for an article they may not see); editors see every member with its `status`.',
        operationId: 'listTranslations',
        tags: ['translations'],
        security: optionalBearer,
        params: IdParams,
        response: { 200: json('The group, one summary per locale.', TranslationList), ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const visibility = visibilityOf(request.caller)
      visibleOr404(articles.gate(request.params.id), visibility, request.params.id)
      const ids = translations.groupOf(request.params.id).map((member) => member.id)
      // Summaries of the members this caller may see, with their lead media, in one query each.
      const summaries = embed.targets(ids, { base: baseUrl(request, config), ...visibility })
      const data = ids.flatMap((id) => summaries.get(id) ?? [])
      // As a list: `articles` when a published article appears or goes, `articles-content` when
      // one joins or leaves the group (an edit of `translationOf`), plus each summary shown.
      setSurrogateKeys(reply, () => [ARTICLE_CONTENT, ...listKeys({}, data)])
      return { data, nextCursor: null }
    },
  )
}
