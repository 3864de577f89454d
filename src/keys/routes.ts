// /v1/keys: admins make, list and revoke API keys.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { bearer, requireRole } from '../http/auth.js'
import { notFound } from '../http/problems.js'
import { IdParams, json, PageQuery, problems, ref } from '../http/schemas.js'
import type { KeysRepository } from './repository.js'
import { ApiKey, ApiKeyCreate, ApiKeyList, ApiKeyWithToken } from './schemas.js'

export async function keyRoutes(app: FastifyInstance, { keys }: { keys: KeysRepository }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['keys']
  r.addHook('onRequest', requireRole('admin'))

  r.post(
    '/',
    {
      // The answer holds the secret, which is kept only hashed: it is never stored for a replay.
      config: { idempotency: false },
      schema: {
        summary: 'Make an API key; its secret is shown only in this answer',
        description:
          'Admins. The answer holds `token`, the secret; the service keeps only its SHA-256 hash, so a lost secret ' +
          'cannot be shown again: make a new key and revoke the old one. `Location` names the new key. ' +
          '`Idempotency-Key` is not honoured (its answer would have to be kept, secret and all): a repeat makes another key.',
        operationId: 'createKey',
        tags,
        security: bearer,
        body: ApiKeyCreate,
        response: { 201: json('The new key, with its secret.', ref(ApiKeyWithToken)), ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const key = keys.create(request.body.name, request.body.role)
      return reply.code(201).header('location', `/v1/keys/${key.id}`).send(key)
    },
  )

  r.get(
    '/',
    {
      schema: {
        summary: 'List the active API keys, without secrets',
        description: 'Admins. Newest first; revoked keys are not listed.',
        operationId: 'listKeys',
        tags,
        security: bearer,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: json('A page of keys.', ApiKeyList), ...problems(400, 401, 403) },
      },
    },
    async (request) => keys.list(request.query.limit ?? 20, request.query.cursor),
  )

  r.get(
    '/:id',
    {
      schema: {
        summary: 'Read an active API key, without its secret',
        description: 'What the `Location` of a new key names. A revoked key answers 404.',
        operationId: 'getKey',
        tags,
        security: bearer,
        params: IdParams,
        response: { 200: json('The key.', ref(ApiKey)), ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const key = keys.getActive(request.params.id)
      if (!key) throw notFound('API key', request.params.id)
      return key
    },
  )

  r.delete(
    '/:id',
    {
      schema: {
        summary: 'Revoke an API key at once',
        description:
          'Admins. The next request with it is a 401; what it did stays recorded under its id (revisions, moderation ' +
          'decisions). An unknown or already revoked key is a 404.',
        operationId: 'revokeKey',
        tags,
        security: bearer,
        params: IdParams,
        response: { 204: { description: 'Revoked.' }, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      if (!keys.revoke(request.params.id)) throw notFound('API key', request.params.id)
      return reply.code(204).send()
    },
  )
}
