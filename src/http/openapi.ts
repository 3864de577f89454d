// The OpenAPI 3.1 document, generated from the route schemas, and the /docs page for it.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export const API_DESCRIPTION = `A headless CMS for news publishers: articles with typed body blocks, media with captions
and credits, related links, and moderated comments.

Authenticate with \`Authorization: Bearer <API key>\`. Errors are RFC 9457 problem documents
(\`application/problem+json\`). Lists page with \`limit\` and \`cursor\`.`

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
        { name: 'keys', description: 'API keys (admins).' },
        { name: 'service', description: 'Health and this document.' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key made with POST /v1/keys or `npm run key:create`.' },
        },
      },
    },
    // Shared schemas keep their $id as the component name (Article, Media, Problem...).
    refResolver: {
      buildLocalReference(json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}
