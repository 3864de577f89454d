// The pure rules of comments, on their own: the moderation state machine, closing, plain text, configuration.
import t from 'tap'
import { commentsClosedReason } from '../src/comments/closing.js'
import { canTransition, COMMENT_STATUSES, countDelta, initialStatus } from '../src/comments/moderation.js'
import { charCount, isBlank, plainLine, plainText } from '../src/text/plain.js'
import { loadConfig } from '../src/config.js'

t.test('the state machine: decisions replace decisions, nothing returns to pending', async (t) => {
  const allowed = COMMENT_STATUSES.flatMap((from) => COMMENT_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`))
  t.same(allowed.sort(), [
    'approved>approved',
    'approved>rejected',
    'approved>spam',
    'pending>approved',
    'pending>pending',
    'pending>rejected',
    'pending>spam',
    'rejected>approved',
    'rejected>rejected',
    'rejected>spam',
    'spam>approved',
    'spam>rejected',
    'spam>spam',
  ])
  t.notOk(canTransition('approved', 'pending'))
  t.notOk(canTransition('spam', 'pending'))
})

t.test('initial status: spam is spam, flagged waits, clean depends on the moderation mode', async (t) => {
  t.equal(initialStatus('spam', 'post'), 'spam')
  t.equal(initialStatus('spam', 'pre'), 'spam')
  t.equal(initialStatus('suspect', 'post'), 'pending', 'flagged never appears at once')
  t.equal(initialStatus('suspect', 'pre'), 'pending')
  t.equal(initialStatus('ok', 'pre'), 'pending')
  t.equal(initialStatus('ok', 'post'), 'approved')
})

t.test('count deltas follow approved in and out', async (t) => {
  t.equal(countDelta(null, 'approved'), 1)
  t.equal(countDelta(null, 'pending'), 0)
  t.equal(countDelta('pending', 'approved'), 1)
  t.equal(countDelta('approved', 'rejected'), -1)
  t.equal(countDelta('approved', null), -1)
  t.equal(countDelta('spam', null), 0)
  t.equal(countDelta('approved', 'approved'), 0)
})

t.test('closing: turned off, by age, never when 0', async (t) => {
  const published = { commentsEnabled: true, publishedAt: '2026-01-01T00:00:00.000Z' }
  t.equal(commentsClosedReason(published, 0, new Date('2030-01-01T00:00:00Z')), null, '0 keeps comments open for ever')
  t.equal(commentsClosedReason(published, 3, new Date('2026-01-03T23:59:59.999Z')), null)
  t.match(commentsClosedReason(published, 3, new Date('2026-01-04T00:00:00.000Z')), /closed on 2026-01-04T00:00:00.000Z, 3 days after publication/)
  t.match(commentsClosedReason({ ...published, commentsEnabled: false }, 0, new Date()), /turned off/)
  t.equal(commentsClosedReason({ commentsEnabled: true, publishedAt: null }, 3, new Date()), null)
})

t.test('plain text: tags go, escaped tags do not come back, spacing is tidied', async (t) => {
  t.equal(plainText('Hi <script>alert(1)</script>there'), 'Hi there')
  t.equal(plainText('<b>bold</b> and <a href="javascript:x">link</a>'), 'bold and link')
  t.equal(plainText('&lt;script&gt;alert(1)&lt;/script&gt;ok'), 'ok', 'an escaped script does not survive as text')
  t.equal(plainText('&amp;lt;img src=x onerror=alert(1)&amp;gt;fine'), 'fine')
  t.notMatch(plainText('&amp;amp;lt;script&amp;amp;gt;x'), /<script/i, 'even escaped three times')
  t.equal(plainText('Fish &amp; chips, 1 < 2, I <3 you'), 'Fish & chips, 1 < 2, I <3 you')
  t.equal(plainText('  line one  \r\n\r\n\r\n\r\nline   two\t \n'), 'line one\n\nline two')
  t.equal(plainText('bell\u0007 char'), 'bell char')
  t.equal(plainLine('Ann\n  <i>Smith</i>'), 'Ann Smith')
})

t.test('blank and length', async (t) => {
  t.ok(isBlank(''))
  t.ok(isBlank(' \n\u200B\uFEFF\u00A0'))
  t.notOk(isBlank('.'))
  t.equal(charCount('😀é'), 2, 'characters, not UTF-16 units')
})

t.test('configuration of comments: defaults, lists, and bad values naming the variable', async (t) => {
  const defaults = loadConfig({})
  t.equal(defaults.commentMaxLinks, 2)
  t.equal(defaults.commentMaxDepth, 5)
  t.same(defaults.commentBlockedWords, [])
  t.same(defaults.commentBlockedHosts, [])
  const set = loadConfig({
    COMMENT_BLOCKED_WORDS: ' Miracle Cure, ,casino,casino ',
    COMMENT_BLOCKED_HOSTS: 'Pills.Example, *.spam.example',
    COMMENT_MAX_LINKS: '0',
    COMMENT_MAX_DEPTH: '1',
  })
  t.same(set.commentBlockedWords, ['miracle cure', 'casino'])
  t.same(set.commentBlockedHosts, ['pills.example', 'spam.example'])
  t.equal(set.commentMaxLinks, 0)
  t.equal(set.commentMaxDepth, 1)
  t.throws(() => loadConfig({ COMMENT_BLOCKED_HOSTS: 'http://pills.example/' }), /COMMENT_BLOCKED_HOSTS/)
  t.throws(() => loadConfig({ COMMENT_MAX_DEPTH: '0' }), /COMMENT_MAX_DEPTH/)
  t.throws(() => loadConfig({ COMMENT_MAX_LINKS: 'many' }), /COMMENT_MAX_LINKS/)
})
