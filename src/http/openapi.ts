// The OpenAPI 3.1 document, generated from the route schemas, and the /docs page for it.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { DOCS_CSP } from './security.js'

export const API_DESCRIPTION = `A headless CMS for news publishers: articles with typed body blocks, media with captions
and credits, related links, and moderated comments.

Authenticate with \`Authorization: Bearer <API key>\`. Errors are RFC 9457 problem documents
(\`application/problem+json\`). Lists page with \`limit\` and \`cursor\`.

Every read answers with a strong \`ETag\` and revalidates with \`If-None-Match\` (304). A
single resource's ETag is \`"<version>-<digest>"\`: send it back in \`If-Match\` on PATCH, PUT or
DELETE, and a stale one answers 412 without changing anything. A POST with an
\`Idempotency-Key\` is answered once: a repeat within 24 hours gets the first answer again
(\`Idempotent-Replayed: true\`), the same key with another request 422. Anonymous reads are
\`Cache-Control: public\` and name what they show in \`Surrogate-Key\`, for caches that purge by key;
anything authenticated is \`private, no-store\`. The service keeps anonymous
article reads in memory, but never a stale one: a read that follows a successful write shows it. Every answer carries
\`X-Request-Id\`, which a problem repeats as \`instance\` (\`urn:cms:request:<id>\`): quote it when reporting one.`

/** Whose id `{id}` is, by the collection it follows (`/v1/articles/{id}/comments`: an article's). */
const ID_OWNERS: Record<string, string> = {
  articles: 'article',
  media: 'media item',
  comments: 'comment',
  webhooks: 'webhook',
  keys: 'API key',
  authors: 'author profile',
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
})

/**
 * Adds to every operation what the shared HTTP mechanisms (src/http/conditional.ts,
 * idempotency.ts, the body parsers) do for it, so each route's schema states only its own
 * contract. It changes the document only, never validation.
 */
function documentHttpSemantics({ schema, url, route }: { schema: any; url: string; route: { method: string | string[] } }) {
  // Collection routes are registered as '/' under their prefix: document them without the slash.
  const path = url.length > 1 ? url.replace(/\/$/, '') : url
  if (!schema || schema.hide) return { schema, url: path }
  const method = String(Array.isArray(route.method) ? route.method[0] : route.method).toUpperCase()
  // Every resource shares one `{id}` parameter schema: say on each path whose id it is.
  let params = schema.params
  const owner = ID_OWNERS[/\/v1\/([a-z-]+)\/:id(\/|$)/.exec(path)?.[1] ?? '']
  if (owner && params?.properties?.id) {
    const id = { ...params.properties.id, description: `The ${owner}'s id, as the service made it.` }
    params = { ...params, properties: { ...params.properties, id } }
  }
  const headers = { type: 'object', properties: { ...(schema.headers?.properties ?? {}) } } as { type: string; properties: Record<string, unknown> }
  const response: Record<string, any> = { ...schema.response }
  if (method === 'GET') {
    headers.properties['if-none-match'] = { type: 'string', description: 'An ETag from an earlier answer: 304 when it still matches.' }
    const ok = response['200']
    if (ok && ok.content && !ok.headers) {
      response['200'] = {
        ...ok,
        headers: {
          // @fastify/swagger takes each header as a schema and wraps it in `schema` itself.
          etag: { type: 'string', description: 'A strong validator of this answer.' },
          'cache-control': { type: 'string', description: '`public` with a short max-age for anonymous reads; `private, no-store` otherwise.' },
          'surrogate-key': {
            type: 'string',
            description: 'Anonymous answers a shared cache may keep: the space-separated keys of what it shows (`article-{id}`, `media-{id}`, `articles`…), which changes purge.',
          },
        },
      }
    }
    response['304'] ??= { description: 'Not modified: the ETag in If-None-Match is still current.' }
  }
  if (method === 'PATCH' || method === 'PUT' || method === 'DELETE') {
    headers.properties['if-match'] = { type: 'string', description: 'The ETag last read from a GET of this URL, sent back whole; 412 unless it is still the current one.' }
    response['412'] ??= problem('The `If-Match` ETag is stale: the resource changed since it was read.')
  }
  if (method === 'POST') {
    headers.properties['idempotency-key'] = { type: 'string', maxLength: 255, description: 'Makes a retry safe: the first answer is replayed for 24 hours.' }
    response['422'] ??= problem('The `Idempotency-Key` was used with a different request.')
  }
  if (schema.body || schema.consumes) {
    response['413'] ??= problem('The request body is too large.')
    response['415'] ??= problem('The content type is not supported.')
  }
  return { url: path, schema: { ...schema, ...(params ? { params } : {}), headers, response } }
}

const pascal = (text: string) => text.replace(/(^|[-_\s])([a-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase())

/**
 * Tidies the finished document where TypeBox's output and OpenAPI tools disagree, without
 * touching validation: each inline member of a discriminated `oneOf` becomes a named
 * component (`Block` + `paragraph` → `BlockParagraph`) with a `mapping`, since a discriminator
 * can only select named schemas; an `anyOf` of a single schema is replaced by that schema; and
 * responses without a body are documented without one.
 */
export function tidyDocument(document: { openapiObject?: any; swaggerObject?: any }) {
  const openapiObject = document.openapiObject ?? document.swaggerObject
  const schemas: Record<string, any> = openapiObject.components?.schemas ?? {}
  for (const [name, schema] of Object.entries<any>({ ...schemas })) {
    const property: string | undefined = schema?.discriminator?.propertyName
    if (!property || !Array.isArray(schema.oneOf)) continue
    const mapping: Record<string, string> = {}
    schema.oneOf = schema.oneOf.map((member: any) => {
      const tag = member?.properties?.[property]?.enum?.[0] ?? member?.properties?.[property]?.const
      if (member.$ref || typeof tag !== 'string' || schemas[`${name}${pascal(tag)}`]) return member
      const ref = `#/components/schemas/${name}${pascal(tag)}`
      schemas[`${name}${pascal(tag)}`] = member
      mapping[tag] = ref
      return { $ref: ref }
    })
    if (Object.keys(mapping).length > 0) schema.discriminator = { ...schema.discriminator, mapping: { ...schema.discriminator.mapping, ...mapping } }
  }
  const collapse = (node: any): any => {
    if (Array.isArray(node)) return node.map(collapse)
    if (node === null || typeof node !== 'object') return node
    const out: Record<string, any> = {}
    for (const [key, value] of Object.entries(node)) out[key] = collapse(value)
    if (Array.isArray(out.anyOf) && out.anyOf.length === 1) {
      const { anyOf, ...rest } = out
      return { ...anyOf[0], ...rest }
    }
    return out
  }
  const tidied = collapse(openapiObject)
  // A 204, a 303 or a 304 has no body: documented with one, validating proxies flag the real
  // (empty) answers and generated clients try to parse them. @fastify/swagger gives every
  // response a `content`, so it is taken off here.
  for (const operations of Object.values<any>(tidied.paths ?? {})) {
    for (const operation of Object.values<any>(operations)) {
      for (const code of ['204', '303', '304']) if (operation?.responses?.[code]) delete operation.responses[code].content
      // @fastify/swagger marks every request body required; OPTIONAL_BODY says which are not.
      for (const media of Object.values<any>(operation?.requestBody?.content ?? {})) {
        if (media?.schema?.['x-optional-body'] !== true) continue
        delete media.schema['x-optional-body']
        operation.requestBody.required = false
      }
    }
  }
  return tidied
}

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Newsroom CMS API',
        version,
        description: API_DESCRIPTION,
        contact: { name: 'Newsroom CMS maintainers' },
      },
      // Relative: the service answers wherever it is deployed (PUBLIC_URL names that place).
      servers: [{ url: '/', description: 'This service' }],
      tags: [
        { name: 'articles', description: 'Stories, from draft to published.' },
        { name: 'media', description: 'Photos, video, audio and documents, with captions and credits.' },
        { name: 'related-links', description: 'The related articles an editor curates for a story.' },
        { name: 'corrections', description: 'Corrections, clarifications, updates and retractions published with a story.' },
        { name: 'translations', description: 'A story and its translations: one article per locale.' },
        { name: 'previews', description: 'Secret, expiring links that show an unpublished story to someone without a key.' },
        { name: 'authors', description: 'Author profiles: the people behind bylines, with photos and bios.' },
        { name: 'sections', description: 'The tree of sections a publication files its stories in.' },
        { name: 'tags', description: 'The topic tags in use, with counts, and their renaming.' },
        { name: 'comments', description: 'Reader comments and their moderation.' },
        { name: 'webhooks', description: 'Signed event deliveries to other systems (admins).' },
        { name: 'distribution', description: 'Feeds (RSS, Atom, JSON Feed), sitemaps, structured data and ninjs: published stories for readers, crawlers and partners.' },
        { name: 'changes', description: 'What changed since a client last looked, deletions included.' },
        { name: 'keys', description: 'API keys (admins).' },
        { name: 'import', description: 'Wire stories in IPTC ninjs (editors) and whole WordPress exports (admins).' },
        { name: 'service', description: 'Health and this document.' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key made with POST /v1/keys or `npm run key:create`.' },
        },
      },
    },
    transform: documentHttpSemantics,
    transformObject: tidyDocument,
    // Shared schemas keep their $id as the component name (Article, Media, Problem...).
    refResolver: {
      buildLocalReference(json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`
      },
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The page needs its own scripts and styles, so it gets its own CSP instead of the API's
    // "nothing at all" (security.ts says what it allows and why).
    staticCSP: DOCS_CSP,
  })
}
