// The outbox's write side: repositories call `recordEvent` inside their own transaction, so an
// event exists exactly when the change that caused it was committed.
import type { Db } from '../db/client.js'
import { newId, now } from '../db/ids.js'

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
  const sqlite = db.$client
  const insertEvent = sqlite.prepare('INSERT INTO webhook_events (id, type, data, created_at) VALUES (?, ?, ?, ?)')
  // Fan out to every subscribed webhook at once, so a webhook added later never receives
  // events from before it existed, and a paused one (active = 0) collects nothing to flood
  // its endpoint with when it is resumed.
  const subscribed = 'w.active = 1 AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = ?)'
  const insertDeliveries = sqlite.prepare(`INSERT INTO webhook_deliveries (webhook_id, event_id, status, attempts, next_attempt_at, created_at)
    SELECT w.id, ?, 'pending', 0, ?, ? FROM webhooks w WHERE ${subscribed} ORDER BY w.id`)
  const anySubscriber = sqlite.prepare<[string], { one: number }>(`SELECT 1 AS one FROM webhooks w WHERE ${subscribed} LIMIT 1`)

  return (type, data) => {
    // With no subscriber there is nobody to tell: skip the write (and keep hot paths lean).
    if (!anySubscriber.get(type)) return
    const id = `evt_${newId()}`
    const time = now()
    insertEvent.run(id, type, JSON.stringify(data), time)
    insertDeliveries.run(id, time, time, type)
  }
}
