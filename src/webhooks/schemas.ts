// The public shape of webhooks, their delivery log, and redeliveries.
import { type Static, Type } from 'typebox'
import { Id, Nullable, OPTIONAL_BODY, Page, PageQuery, ref, shareSchema, StringEnum, Timestamp } from '../http/schemas.js'
import { EVENT_TYPES, type EventType } from './outbox.js'

// One `enum` rather than a union of literals: a wrong value reads "must be one of: …".
export const WebhookEventType = Type.Unsafe<EventType>({
  type: 'string',
  enum: [...EVENT_TYPES],
  description: 'An event a webhook can subscribe to.',
})

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where deliveries are POSTed: an absolute `http` or `https` URL without credentials. Redirects are not followed. ' +
    'Link-local (`169.254.169.254`), cloud metadata, unspecified, multicast and reserved addresses are refused; ' +
    'loopback (`127.0.0.0/8`, `::1`, `localhost`) and private ranges (`10/8`, `172.16/12`, `192.168/16`, `fc00::/7`) too ' +
    'unless the service runs with `WEBHOOK_ALLOW_PRIVATE=true`. Host names are resolved and checked again at every attempt.',
  examples: ['https://hooks.example.com/cms'],
})

const Events = Type.Array(WebhookEventType, {
  minItems: 1,
  maxItems: EVENT_TYPES.length,
  uniqueItems: true,
  description: 'The event types to deliver.',
})

const Active = Type.Boolean({
  description:
    'A paused webhook (false) gets no new events and its pending deliveries wait until it is resumed.',
})

const webhookFields = {
  id: Id,
  url: Type.String(),
  events: Type.Array(WebhookEventType),
  active: Type.Boolean(),
  previousSecretExpiresAt: Nullable(
    Type.String({
      format: 'date-time',
      description: 'After a rotation, deliveries are signed with the old secret too until this time; null when they are not.',
    }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer({ minimum: 1 }),
}

export const Webhook = shareSchema('Webhook', Type.Object(webhookFields))
export type Webhook = Static<typeof Webhook>

export const WebhookWithSecret = shareSchema(
  'WebhookWithSecret',
  Type.Object({
    ...webhookFields,
    secret: Type.String({
      description: 'The signing secret (`whsec_` + base64), shown only in this answer: store it now.',
      examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    }),
  }),
)
export type WebhookWithSecret = Static<typeof WebhookWithSecret>

export const WebhookCreate = Type.Object(
  { url: Url, events: Events, active: Type.Optional(Active) },
  { additionalProperties: false },
)
export type WebhookCreate = Static<typeof WebhookCreate>

export const WebhookPatch = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), active: Type.Optional(Active) },
  { additionalProperties: false },
)
export type WebhookPatch = Static<typeof WebhookPatch>

export const SecretRotation = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 604_800,
        default: 86_400,
        description:
          'How long deliveries stay signed with the old secret as well, so receivers can switch without ' +
          'rejecting anything. 0 retires it at once (after a leak).',
      }),
    ),
  },
  { additionalProperties: false, ...OPTIONAL_BODY },
)
export type SecretRotation = Static<typeof SecretRotation>

export const WebhookList = Page(Webhook)

export const WebhookAttempt = shareSchema(
  'WebhookAttempt',
  Type.Object({
    id: Id,
    eventId: Id,
    eventType: WebhookEventType,
    attempt: Type.Integer({ minimum: 1, description: 'Which attempt of this delivery: 1 for the first, more for retries.' }),
    attemptedAt: Timestamp,
    statusCode: Nullable(Type.Integer({ description: 'The receiver’s HTTP status; null when none came (timeout, refused connection).' })),
    durationMs: Type.Integer({ minimum: 0 }),
    succeeded: Type.Boolean({ description: 'True for a 2xx answer.' }),
    error: Nullable(Type.String({ description: 'Why the attempt failed; null when it succeeded.' })),
    retryAt: Nullable(
      Type.String({ format: 'date-time', description: 'When the attempt failed and a retry was scheduled: for when. Null after the last attempt.' }),
    ),
  }),
)
export type WebhookAttempt = Static<typeof WebhookAttempt>

export const WebhookAttemptList = Page(ref(WebhookAttempt))

export const WebhookAttemptQuery = Type.Object(
  { ...PageQuery, eventId: Type.Optional(Id) },
  { additionalProperties: false },
)

export const WebhookDelivery = shareSchema(
  'WebhookDelivery',
  Type.Object({
    eventId: Id,
    eventType: WebhookEventType,
    status: StringEnum(['pending', 'succeeded', 'failed']),
    attempts: Type.Integer({ minimum: 0, description: 'Attempts made so far.' }),
    nextAttemptAt: Timestamp,
    createdAt: Timestamp,
  }),
)
export type WebhookDelivery = Static<typeof WebhookDelivery>

export const DeliveryParams = Type.Object({ id: Id, eventId: Id }, { additionalProperties: false })

export const WebhookListQuery = Type.Object(PageQuery, { additionalProperties: false })
