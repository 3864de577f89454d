// The OpenAPI 3.1 document, generated from the route schemas, and the /docs page for it.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export const API_DESCRIPTION = `A headless CMS for news publishers: articles with typed body blocks, media with captions
and credits, related links, and moderated comments.

Authenticate with \`Authorization: Bearer <API key>\`. Errors are RFC 9457 problem documents
(\`application/problem+json\`). Lists page with \`limit\` and \`cursor\`.

Every read answers with a strong \`ETag\` and revalidates with \`If-None-Match\` (304). A
single resource's ETag is \`"<version>-<digest>"\`: send it back in \`If-Match\` on PATCH, PUT or
DELETE, and a stale one answers 412 without changing anything. A POST with an
\`Idempotency-Key\` is answered once: a repeat within 24 hours gets the first answer again
(\`Idempotent-Replayed: true\`), the same key with another request 422. Anonymous reads are
\`Cache-Control: public\`; anything authenticated is \`private, no-store\`.`

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
  const headers = { type: 'object', properties: { ...(schema.headers?.properties ?? {}) } } as { type: string; properties: Record<string, unknown> }
  const response: Record<string, any> = { ...schema.response }
  if (method === 'GET') {
    headers.properties['if-none-match'] = { type: 'string', description: 'An ETag from an earlier answer: 304 when it still matches.' }
    const ok = response['200']
    if (ok && ok.content && !ok.headers) {
      response['200'] = {
        ...ok,
        headers: {
          etag: { description: 'A strong validator of this answer.', schema: { type: 'string' } },
          'cache-control': { description: '`public` with a short max-age for anonymous reads; `private, no-store` otherwise.', schema: { type: 'string' } },
        },
      }
    }
    response['304'] ??= { description: 'Not modified: the ETag in If-None-Match is still current.' }
  }
  if (method === 'PATCH' || method === 'PUT' || method === 'DELETE') {
    headers.properties['if-match'] = { type: 'string', description: 'The ETag of the version this change is based on; 412 when stale.' }
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
  return { url: path, schema: { ...schema, headers, response } }
}

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Newsroom CMS API', version, description: API_DESCRIPTION },
      tags: [
        { name: 'articles', description: 'Stories, from draft to published.' },
        { name: 'media', description: 'Photos, video, audio and documents, with captions and credits.' },
        { name: 'related-links', description: 'The related articles an editor curates for a story.' },
        { name: 'comments', description: 'Reader comments and their moderation.' },
        { name: 'webhooks', description: 'Signed event deliveries to other systems (admins).' },
        { name: 'keys', description: 'API keys (admins).' },
        { name: 'service', description: 'Health and this document.' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key made with POST /v1/keys or `npm run key:create`.' },
        },
      },
    },
    transform: documentHttpSemantics,
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
    // "nothing at all"; without forcing https, so that it also works on http://127.0.0.1.
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  })
}
