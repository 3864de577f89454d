// /v1/webhooks: subscriptions, the delivery log and redelivery (admins only).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { bearer, requireRole } from '../http/auth.js'
import { invalidField, notFound } from '../http/problems.js'
import { IdParams, json, problems, ref } from '../http/schemas.js'
import type { WebhooksRepository } from './repository.js'
import {
  DeliveryParams,
  SecretRotation,
  Webhook,
  WebhookAttemptList,
  WebhookAttemptQuery,
  WebhookCreate,
  WebhookDelivery,
  WebhookList,
  WebhookListQuery,
  WebhookPatch,
  WebhookWithSecret,
} from './schemas.js'
import { targetUrlProblem } from './target-url.js'

const DEFAULT_GRACE_SECONDS = 86_400

function checkUrl(url: string | undefined, allowPrivate: boolean): void {
  if (url === undefined) return
  const problem = targetUrlProblem(url, allowPrivate)
  if (problem !== null) throw invalidField('body.url', problem)
}

export interface WebhookRouteOptions {
  webhooks: WebhooksRepository
  /** Tells the delivery worker that a delivery may be due now, rather than at its next poll. */
  wakeDeliveries: () => void
  /** WEBHOOK_ALLOW_PRIVATE: loopback and private IP addresses are accepted as targets. */
  allowPrivateTargets: boolean
}

export async function webhookRoutes(app: FastifyInstance, { webhooks, wakeDeliveries, allowPrivateTargets }: WebhookRouteOptions) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['webhooks']
  // Subscriptions carry secrets and point the service at arbitrary URLs: admins only.
  r.addHook('onRequest', requireRole('admin'))


  const found = <T>(value: T | null, id: string): T => {
    if (value === null) throw notFound('webhook', id)
    return value
  }

  r.post(
    '/',
    {
      schema: {
        summary: 'Subscribe a URL to events; the signing secret is shown only in this answer',
        description:
          'Deliveries are POSTs of `{"id", "type", "createdAt", "data"}` signed the Standard Webhooks way ' +
          '(`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried on `WEBHOOK_RETRY_SCHEDULE` until a 2xx answer.',
        operationId: 'createWebhook',
        tags,
        security: bearer,
        body: WebhookCreate,
        response: {
          201: { ...json('The new webhook, with its secret; `Location` names it.', ref(WebhookWithSecret)), headers: { location: Type.String() } },
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      checkUrl(request.body.url, allowPrivateTargets)
      const created = webhooks.create(request.body)
      return reply.code(201).header('location', `/v1/webhooks/${created.id}`).send(created)
    },
  )

  r.get(
    '/',
    {
      schema: {
        summary: 'List webhooks, newest first, without their secrets',
        description: 'Admins. Every webhook, paused ones included; a secret is shown only when it is made (create, rotate).',
        operationId: 'listWebhooks',
        tags,
        security: bearer,
        querystring: WebhookListQuery,
        response: { 200: json('A page of webhooks.', WebhookList), ...problems(400, 401, 403) },
      },
    },
    async (request) => webhooks.list(request.query.limit ?? 20, request.query.cursor),
  )

  r.get(
    '/:id',
    {
      schema: {
        summary: 'Read a webhook, without its secret',
        description: 'Admins. What the `Location` of a new webhook names. `previousSecretExpiresAt` says whether a rotated-out secret still signs.',
        operationId: 'getWebhook',
        tags,
        security: bearer,
        params: IdParams,
        response: { 200: json('The webhook.', ref(Webhook)), ...problems(401, 403, 404) },
      },
    },
    async (request) => found(webhooks.get(request.params.id), request.params.id),
  )

  r.patch(
    '/:id',
    {
      schema: {
        summary: 'Change the URL, the events, or pause and resume a webhook',
        description:
          'Pending deliveries go to the new URL. A paused webhook (`active: false`) gets no new events; ' +
          'the deliveries it already has wait, in order, until it is resumed.',
        operationId: 'updateWebhook',
        tags,
        security: bearer,
        params: IdParams,
        body: WebhookPatch,
        response: { 200: json('The changed webhook.', ref(Webhook)), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request) => {
      checkUrl(request.body.url, allowPrivateTargets)
      const updated = webhooks.update(request.params.id, request.body, { ifVersion: request.ifVersion })
      if (updated.active) wakeDeliveries()
      return updated
    },
  )

  r.delete(
    '/:id',
    {
      schema: {
        summary: 'Delete a webhook, its pending deliveries and its delivery log',
        description: 'Admins. Deliveries not yet made are dropped with it, and the receiver gets no further events.',
        operationId: 'deleteWebhook',
        tags,
        security: bearer,
        params: IdParams,
        response: { 204: { description: 'Deleted.' }, ...problems(401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      webhooks.remove(request.params.id, { ifVersion: request.ifVersion })
      return reply.code(204).send()
    },
  )

  r.post(
    '/:id/rotate-secret',
    {
      // No body at all means the default grace period.
      preValidation: async (request) => {
        request.body ??= {}
      },
      schema: {
        summary: 'Replace the signing secret; the new one is shown only in this answer',
        description:
          'For `graceSeconds` (default a day) deliveries carry two signatures, one with each secret, so a receiver ' +
          'can switch secrets without rejecting anything. After a leak send `{"graceSeconds": 0}`.',
        operationId: 'rotateWebhookSecret',
        tags,
        security: bearer,
        params: IdParams,
        body: SecretRotation,
        response: { 200: json('The webhook, with its new secret.', ref(WebhookWithSecret)), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request) => webhooks.rotateSecret(request.params.id, request.body.graceSeconds ?? DEFAULT_GRACE_SECONDS),
  )

  r.get(
    '/:id/deliveries',
    {
      schema: {
        summary: 'The delivery log: every attempt, newest first',
        description: 'Each attempt of each event: when, the status code, how long it took, and why it failed. Filter one event with `eventId`.',
        operationId: 'listWebhookDeliveries',
        tags,
        security: bearer,
        params: IdParams,
        querystring: WebhookAttemptQuery,
        response: { 200: json('A page of attempts.', WebhookAttemptList), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      found(webhooks.listAttempts(request.params.id, { ...request.query, limit: request.query.limit ?? 20 }), request.params.id),
  )

  r.post(
    '/:id/deliveries/:eventId/redeliver',
    {
      schema: {
        summary: 'Send an event to this webhook again',
        description:
          'Queues the event behind the webhook’s other deliveries, with the same `webhook-id` and a fresh retry ' +
          'schedule; a delivery of it that is still pending is made due now instead.',
        operationId: 'redeliverWebhookEvent',
        tags,
        security: bearer,
        params: DeliveryParams,
        response: { 202: json('The queued delivery.', ref(WebhookDelivery)), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const delivery = webhooks.redeliver(request.params.id, request.params.eventId)
      wakeDeliveries()
      return reply.code(202).send(delivery)
    },
  )
}
