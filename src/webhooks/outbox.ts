// The outbox's write side: repositories call `recordEvent` inside their own transaction, so an
// event exists exactly when the change that caused it was committed.
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { newId, now } from '../db/ids.js'
import { webhookDeliveries, webhookEvents, webhooks } from '../db/schema.js'

export const EVENT_TYPES = [
  'article.published',
  'article.updated',
  'article.unpublished',
  'article.deleted',
  'media.created',
  'media.updated',
  'comment.created',
  'comment.moderated',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** Writes an event and its pending deliveries; call it inside the transaction of the change. */
export type RecordEvent = (type: EventType, data: unknown) => void

export function createOutbox(db: Db): RecordEvent {
  // Fan out to the webhooks subscribed at the time of the change, so a webhook added later never
  // receives events from before it existed, and a paused one (active = false) collects nothing
  // to flood its endpoint with when it is resumed.
  const subscribers = db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.active, true),
        // Raw: Drizzle has no json_each, which looks inside the stored list of event types.
        sql`exists (select 1 from json_each(${webhooks.events}) where value = ${sql.placeholder('type')})`,
      ),
    )
    .orderBy(asc(webhooks.id))
    .prepare()
  const insertEvent = db
    .insert(webhookEvents)
    .values({ id: sql.placeholder('id'), type: sql.placeholder('type'), data: sql.placeholder('data'), createdAt: sql.placeholder('time') })
    .prepare()
  const insertDelivery = db
    .insert(webhookDeliveries)
    .values({
      webhookId: sql.placeholder('webhookId'),
      eventId: sql.placeholder('eventId'),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: sql.placeholder('time'),
      createdAt: sql.placeholder('time'),
    })
    .prepare()

  return (type, data) => {
    const subscribed = subscribers.all({ type })
    // With no subscriber there is nobody to tell: skip the write (and keep hot paths lean).
    if (subscribed.length === 0) return
    const eventId = `evt_${newId()}`
    const time = now()
    insertEvent.run({ id: eventId, type, data, time })
    for (const { id } of subscribed) insertDelivery.run({ webhookId: id, eventId, time })
  }
}
