// The public shape of webhooks, their delivery log, and redeliveries.
import { type Static, Type } from 'typebox'
import { EXAMPLE_ID, Id, IdOf, Nullable, OPTIONAL_BODY, Page, PageQuery, ref, shareSchema, StringEnum, TimestampOf } from '../http/schemas.js'
import { EVENT_TYPES, type EventType } from './outbox.js'

// One `enum` rather than a union of literals: a wrong value reads "must be one of: …".
const eventType = (description: string) => Type.Unsafe<EventType>({ type: 'string', enum: [...EVENT_TYPES], description })

export const WebhookEventType = eventType('An event a webhook can subscribe to.')

/** An event's id: `evt_` and an id (the `id` of the delivered body and its `webhook-id` header). */
const EventId = (description: string) => Type.String({ minLength: 1, maxLength: 64, description, examples: [`evt_${EXAMPLE_ID}`] })

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
  id: IdOf("The webhook's id."),
  url: Type.String({ description: 'Where deliveries are POSTed; redirects are not followed.', examples: ['https://hooks.example.com/cms'] }),
  events: Type.Array(WebhookEventType, { description: 'The event types it receives.' }),
  active: Type.Boolean({ description: 'False while paused: no new events, and its pending deliveries wait until it is resumed.' }),
  previousSecretExpiresAt: Nullable(
    Type.String({
      format: 'date-time',
      description: 'After a rotation, deliveries are signed with the old secret too until this time; null when they are not.',
    }),
  ),
  createdAt: TimestampOf('When the webhook was made; it receives only events that happened after.'),
  updatedAt: TimestampOf('When its URL, events, state or secret last changed.'),
  version: Type.Integer({ minimum: 1, description: 'Starts at 1 and grows by one with each change; `If-Match` compares it (through the ETag).' }),
}

export const Webhook = shareSchema(
  'Webhook',
  Type.Object(webhookFields, { description: 'A subscription of a URL to events (admins). Its signing secret is never shown again after it is made.' }),
)
export type Webhook = Static<typeof Webhook>

export const WebhookWithSecret = shareSchema(
  'WebhookWithSecret',
  Type.Object({
    ...webhookFields,
    secret: Type.String({
      description: 'The signing secret (`whsec_` + base64), shown only in this answer: store it now.',
      examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    }),
  }, {
    description: 'A webhook with its signing secret: only in the answer that made the secret (create, rotate).',
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

export const WebhookList = Page(Webhook, 'The webhooks, newest first.')

export const WebhookAttempt = shareSchema(
  'WebhookAttempt',
  Type.Object({
    id: IdOf("The attempt's id."),
    eventId: EventId('The event sent: the `id` of the body and the `webhook-id` header, the same on every attempt.'),
    eventType: eventType('The type of the event sent.'),
    attempt: Type.Integer({ minimum: 1, description: 'Which attempt of this delivery: 1 for the first, more for retries.' }),
    attemptedAt: TimestampOf('When the attempt started.'),
    statusCode: Nullable(Type.Integer({ description: 'The receiver’s HTTP status; null when none came (timeout, refused connection).' })),
    durationMs: Type.Integer({ minimum: 0, description: 'How long it took, in milliseconds, from sending to the answer or the failure.' }),
    succeeded: Type.Boolean({ description: 'True for a 2xx answer.' }),
    error: Nullable(Type.String({ description: 'Why the attempt failed; null when it succeeded.' })),
    retryAt: Nullable(
      Type.String({ format: 'date-time', description: 'When the attempt failed and a retry was scheduled: for when. Null after the last attempt.' }),
    ),
  }, {
    description: 'One attempt to deliver one event to a webhook, as the delivery log keeps it.',
  }),
)
export type WebhookAttempt = Static<typeof WebhookAttempt>

export const WebhookAttemptList = Page(ref(WebhookAttempt), 'The attempts, newest first.')

export const WebhookAttemptQuery = Type.Object(
  { ...PageQuery, eventId: Type.Optional(EventId('Only the attempts of this event.')) },
  { additionalProperties: false },
)

export const WebhookDelivery = shareSchema(
  'WebhookDelivery',
  Type.Object({
    eventId: EventId('The event to deliver.'),
    eventType: eventType('The type of the event.'),
    status: StringEnum(['pending', 'succeeded', 'failed'], {
      description: '`pending` until an attempt succeeds (`succeeded`) or the retries run out (`failed`).',
    }),
    attempts: Type.Integer({ minimum: 0, description: 'Attempts made so far.' }),
    nextAttemptAt: TimestampOf('For a pending delivery, when its next attempt is due (it waits behind earlier events); else when it finished.'),
    createdAt: TimestampOf('When the delivery was queued.'),
  }, {
    description: "An event queued for one webhook: the delivery's state, not its attempts (see the delivery log).",
  }),
)
export type WebhookDelivery = Static<typeof WebhookDelivery>

export const DeliveryParams = Type.Object({ id: Id, eventId: EventId('The event to send again.') }, { additionalProperties: false })

export const WebhookListQuery = Type.Object(PageQuery, { additionalProperties: false })
