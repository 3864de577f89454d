// /v1/sections: the tree of fronts. Anyone reads the listed sections; editors make, change, move
// and delete them (an article's write also makes the section it names, see sections/tree.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Config } from '../config.js'
import { bearer, optionalBearer, requireRole } from '../http/auth.js'
import { baseUrl } from '../http/base-url.js'
import { notFound } from '../http/problems.js'
import { json, problems, ref } from '../http/schemas.js'
import { SECTIONS, setSurrogateKeys } from '../http/surrogate-keys.js'
import { visibilityOf } from '../http/visibility.js'
import type { SectionsRepository } from './repository.js'
import { Section, SectionCreate, SectionList, SectionParams, SectionPatch, SectionQuery } from './schemas.js'

export interface SectionRouteOptions {
  config: Config
  sections: SectionsRepository
}

/** Section slugs are lower case: `World` in a URL is the section `world`. */
const fold = (slug: string) => slug.toLowerCase()

export async function sectionRoutes(app: FastifyInstance, { config, sections }: SectionRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['sections']
  const editorOnly = requireRole('editor')
  const sectionResponse = (description: string) => json(description, ref(Section))
  const seesUnlisted = (request: FastifyRequest) => visibilityOf(request.caller).includeUnpublished
  // Sections are few: every change to a listed one evicts every section answer.
  const keyed = <T>(reply: FastifyReply, answer: T): T => {
    setSurrogateKeys(reply, () => [SECTIONS])
    return answer
  }

  r.get(
    '/',
    {
      config: { responseCache: true },
      schema: {
        summary: 'List sections in tree order',
        description:
          'Each section is followed by the sections below it (ordered by their path from the top, e.g. `world`, `world/africa`, ' +
          '`world/europe`, `world/europe/balkans`), so a client builds the tree in one pass. With `parent`, only the sections ' +
          'directly below it. Readers see listed sections only; editors see every section.',
        operationId: 'listSections',
        tags,
        security: optionalBearer,
        querystring: SectionQuery,
        response: { 200: json('A page of sections.', SectionList), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, parent } = request.query
      return keyed(reply, sections.list({ limit: limit ?? 20, cursor, parent: parent === undefined ? undefined : fold(parent), includeUnlisted: seesUnlisted(request) }))
    },
  )

  r.get(
    '/:slug',
    {
      config: { responseCache: true },
      schema: {
        summary: 'Read a section',
        description: 'A section that is not listed answers 404 to readers. Its articles, with those of the sections below it: `GET /v1/articles?section={slug}`.',
        operationId: 'getSection',
        tags,
        security: optionalBearer,
        params: SectionParams,
        response: { 200: sectionResponse('The section.'), ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const slug = fold(request.params.slug)
      const section = sections.get(slug)
      if (section === null || (!section.listed && !seesUnlisted(request))) throw notFound('section', slug, 'slug')
      return keyed(reply, section)
    },
  )

  r.post(
    '/',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Make a section, at the top or below another',
        description: 'Listed at once, with the sections above it. A taken slug is a 409; a `parent` that does not exist a 400.',
        operationId: 'createSection',
        tags,
        security: bearer,
        body: SectionCreate,
        response: {
          201: { ...sectionResponse('The new section; `Location` names it.'), headers: { location: Type.String() } },
          ...problems(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const section = sections.create(request.body)
      return reply.code(201).header('location', `${baseUrl(request, config)}/v1/sections/${section.slug}`).send(section)
    },
  )

  r.patch(
    '/:slug',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Rename, describe or move a section',
        description:
          'A new `parent` moves the section with everything below it, and the lists of the sections it leaves and joins follow ' +
          'at once. A `parent` below the section itself, or one that would make the tree deeper than eight levels, is a 400.',
        operationId: 'updateSection',
        tags,
        security: bearer,
        params: SectionParams,
        body: SectionPatch,
        response: { 200: sectionResponse('The changed section.'), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request) => sections.update(fold(request.params.slug), request.body, request.ifVersion),
  )

  r.delete(
    '/:slug',
    {
      onRequest: editorOnly,
      schema: {
        summary: 'Delete a section (409 while it holds articles or sections)',
        description: 'The 409 names up to five of the articles or sections in the way.',
        operationId: 'deleteSection',
        tags,
        security: bearer,
        params: SectionParams,
        response: { 204: { description: 'Deleted.' }, ...problems(401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      sections.remove(fold(request.params.slug), request.ifVersion)
      return reply.code(204).send()
    },
  )
}
