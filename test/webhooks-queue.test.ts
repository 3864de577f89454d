// The delivery queue (src/webhooks/delivery-queue.ts) and the outbox that fills it, on a database
// of their own: who gets an event, the head of each endpoint's queue, the lease, the attempt
// log's outcomes, and pruning.
import t, { type Test } from 'tap'
import { type Db, openDatabase, transactional } from '../src/db/client.js'
import { createDeliveryQueue, type DueDelivery } from '../src/webhooks/delivery-queue.js'
import { createOutbox } from '../src/webhooks/outbox.js'
import { createWebhooksRepository } from '../src/webhooks/repository.js'

const FAR = '2999-01-01T00:00:00.000Z'

function setup(t: Test) {
  const db = openDatabase(':memory:')
  t.teardown(() => db.$client.close())
  const hooks = createWebhooksRepository(db)
  const record = transactional(db, createOutbox(db))
  const queue = createDeliveryQueue(db)
  return { db, hooks, record, queue }
}

const count = (db: Db, table: string) => db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
// Attempts a second apart, so the log's order (newest first) is theirs.
let clock = Date.parse('2026-01-01T00:00:00.000Z')
const attemptedAt = () => new Date((clock += 1000)).toISOString()
const success = () => ({ attemptedAt: attemptedAt(), statusCode: 200, durationMs: 5, error: null })
const failure = () => ({ attemptedAt: attemptedAt(), statusCode: 500, durationMs: 5, error: 'answered 500' })

t.test('an event goes to the active webhooks subscribed to its type, and only to them', async (t) => {
  const { db, hooks, record, queue } = setup(t)
  record('article.published', { id: 'a1' })
  t.equal(count(db, 'webhook_events'), 0, 'nobody subscribed: nothing is written')

  const both = hooks.create({ url: 'https://a.example/hook', events: ['article.published', 'comment.created'] })
  const comments = hooks.create({ url: 'https://b.example/hook', events: ['comment.created'] })
  const paused = hooks.create({ url: 'https://c.example/hook', events: ['article.published'], active: false })
  record('article.published', { id: 'a1', title: 'Ferry "Ørsted" sails' })
  const due = queue.dueDeliveries(FAR)
  t.same(due.map((d) => d.webhookId), [both.id], 'the subscriber, not the other type, not the paused one')
  t.equal(due[0]!.eventType, 'article.published')
  t.equal(due[0]!.eventData, '{"id":"a1","title":"Ferry \\"Ørsted\\" sails"}', 'the data as stored, text not parsed')
  t.same(due[0]!.secrets, [both.secret])

  record('comment.created', { id: 'c1' })
  t.same(
    queue.dueDeliveries(FAR).map((d) => [d.webhookId, d.eventType]),
    [
      [both.id, 'article.published'],
      [comments.id, 'comment.created'],
    ],
    "one head per endpoint: the comment waits behind the article for the first, leads for the second",
  )
  t.equal(count(db, 'webhook_deliveries'), 3)
  t.notOk(queue.dueDeliveries(FAR).some((d) => d.webhookId === paused.id))
})

t.test('a claim is a lease: one taker, given back untried, or moved on by the attempt', async (t) => {
  const { hooks, record, queue } = setup(t)
  const hook = hooks.create({ url: 'https://a.example/hook', events: ['article.published'] })
  record('article.published', { n: 1 })
  record('article.published', { n: 2 })
  const [head] = queue.dueDeliveries(FAR) as [DueDelivery]
  t.equal(head.eventData, '{"n":1}')

  const lease = '2998-01-01T00:00:00.000Z'
  t.ok(queue.claim(head, lease), 'the first claim takes it')
  t.notOk(queue.claim(head, lease), 'a second claim on the same sighting does not')
  t.same(queue.dueDeliveries('2997-01-01T00:00:00.000Z'), [], 'leased: not due before the lease ends')

  queue.release(head, lease)
  const [again] = queue.dueDeliveries(FAR) as [DueDelivery]
  t.equal(again.seq, head.seq, 'given back: due again at once')

  t.ok(queue.claim(again, lease))
  queue.recordAttempt(again, failure(), [60, 60])
  const [retry] = queue.dueDeliveries(FAR) as [DueDelivery]
  t.equal(retry.seq, head.seq, 'a failed attempt keeps its place at the head of the queue')
  t.equal(retry.attempts, 1)
  t.ok(Date.parse(retry.nextAttemptAt) > Date.now() + 50_000, 'due in a minute, the first delay of the schedule')

  t.ok(queue.claim(retry, lease))
  queue.recordAttempt(retry, success(), [60, 60])
  const [next] = queue.dueDeliveries(FAR) as [DueDelivery]
  t.equal(next.eventData, '{"n":2}', 'delivered: the next event is the head')

  t.ok(queue.claim(next, lease))
  queue.recordAttempt(next, failure(), [])
  t.same(queue.dueDeliveries(FAR), [], 'no retries left: failed, nothing due')

  const log = hooks.listAttempts(hook.id, { limit: 10 })!.data
  t.same(
    log.map((a) => [a.attempt, a.succeeded, a.error, a.retryAt === null]),
    [
      [1, false, 'answered 500', true],
      [2, true, null, true],
      [1, false, 'answered 500', false],
    ],
    'newest first, each with its outcome',
  )
})

t.test('an attempt on a webhook deleted meanwhile is not logged', async (t) => {
  const { db, hooks, record, queue } = setup(t)
  const hook = hooks.create({ url: 'https://a.example/hook', events: ['article.published'] })
  record('article.published', { n: 1 })
  const [head] = queue.dueDeliveries(FAR) as [DueDelivery]
  t.ok(queue.claim(head, FAR))
  hooks.remove(hook.id)
  queue.recordAttempt(head, success(), [])
  t.equal(count(db, 'webhook_attempts'), 0)
})

t.test('prune deletes old events nobody is owed, with their deliveries and log, in batches', async (t) => {
  const { db, hooks, record, queue } = setup(t)
  hooks.create({ url: 'https://a.example/hook', events: ['media.created'] })
  for (let i = 0; i < 1203; i++) record('media.created', { i })
  // All but the last three are settled; the last three still owed.
  const [first] = queue.dueDeliveries(FAR) as [DueDelivery]
  db.$client.prepare("UPDATE webhook_deliveries SET status = 'succeeded' WHERE seq < ?").run(first.seq + 1200)
  const settled = queue.dueDeliveries(FAR)[0]!
  t.ok(queue.claim(settled, FAR))
  queue.recordAttempt(settled, failure(), [60])
  t.equal(count(db, 'webhook_attempts'), 1)

  t.equal(queue.prune('2000-01-01T00:00:00.000Z'), 0, 'nothing is older than that')
  t.equal(queue.prune(FAR), 1200, 'every settled event, past one batch of 500')
  t.equal(count(db, 'webhook_events'), 3, 'the owed ones stay')
  t.equal(count(db, 'webhook_deliveries'), 3)
  t.equal(count(db, 'webhook_attempts'), 1, 'with their log')
  t.equal(queue.prune(FAR), 0)
})
