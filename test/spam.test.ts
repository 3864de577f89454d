// The local spam checker on its own: each signal, its weight, and how signals add up.
import t from 'tap'
import {
  checkOrHold,
  createLocalSpamChecker,
  findHosts,
  findLinks,
  fingerprint,
  hasCharacterFlood,
  isShouting,
  type SpamChecker,
  type SpamContext,
  type SpamInput,
  type Verdict,
  verdictFor,
  withRepeats,
} from '../src/comments/spam.js'

const checker = createLocalSpamChecker({
  maxLinks: 2,
  blockedWords: ['miracle cure', 'Casino'],
  blockedHosts: ['pills.example'],
})

const context = (): SpamContext => ({ ip: '198.51.100.4', userAgent: 'test' })

/** The local checker's verdict, with the repeat rule applied for `repeats` earlier copies. */
function check(fields: Partial<SpamInput>, repeats = 0): Verdict {
  const input: SpamInput = { authorName: 'Marta', authorEmail: null, body: 'The council vote was closer than reported.', website: undefined, ...fields }
  return withRepeats(checker.check(input, context()) as Verdict, repeats)
}

t.test('an ordinary comment is ok with no reasons', async (t) => {
  t.same(check({}), { verdict: 'ok', score: 0, reasons: [] })
  t.same(check({ body: 'Ünïcödé text, émojis 🎉 and numbers 1,000,000 are fine.' }).verdict, 'ok')
})

t.test('the honeypot: filled is spam, empty or blank is not', async (t) => {
  const filled = check({ website: 'http://bots.example' })
  t.equal(filled.verdict, 'spam')
  t.match(filled.reasons, ['honeypot field filled'])
  t.equal(check({ website: '' }).verdict, 'ok')
  t.equal(check({ website: '   ' }).verdict, 'ok')
})

t.test('links: one is ok, two are suspect, more than the maximum is spam', async (t) => {
  const one = check({ body: 'Source: https://news.example/report' })
  t.equal(one.verdict, 'ok')
  t.same(one.reasons, ['1 link'])
  t.equal(check({ body: 'See https://a.example and www.b.example for both sides.' }).verdict, 'suspect')
  const three = check({ body: 'http://a.example http://b.example https://c.example/x?y=1' })
  t.equal(three.verdict, 'spam')
  t.match(three.reasons[0], /3 links \(more than 2\)/)
  const strict = createLocalSpamChecker({ maxLinks: 0, blockedWords: [], blockedHosts: [] })
  const verdict = strict.check({ authorName: 'A', authorEmail: null, body: 'www.one.example', website: undefined }, context()) as Verdict
  t.equal(verdict.verdict, 'spam', 'COMMENT_MAX_LINKS=0 makes any link spam')
  t.same(findLinks('no links here, just a sentence. And e.g. an abbreviation.'), [])
})

t.test('a link in the author name counts too', async (t) => {
  t.equal(check({ authorName: 'http://a.example http://b.example http://c.example' }).verdict, 'spam')
})

t.test('blocked hosts: links, subdomains, bare domains and e-mail domains; look-alikes are not blocked', async (t) => {
  t.equal(check({ body: 'Cheap at https://shop.pills.example/buy' }).verdict, 'spam')
  t.equal(check({ body: 'Cheap at PILLS.EXAMPLE today' }).verdict, 'spam')
  t.equal(check({ authorEmail: 'seller@pills.example' }).verdict, 'spam')
  t.match(check({ body: 'go to pills.example' }).reasons, ['blocked host: pills.example'])
  t.equal(check({ body: 'I read notpills.example daily' }).verdict, 'ok')
  t.equal(check({ body: 'pills.example.org is a different site' }).verdict, 'ok')
  t.same([...findHosts('mail me', 'a@b.example')], ['b.example'])
})

t.test('blocked words: whole words and phrases, any case, not inside other words', async (t) => {
  const phrase = check({ body: 'This MIRACLE   cure works!' })
  t.equal(phrase.verdict, 'suspect')
  t.same(phrase.reasons, ['blocked word: miracle cure'])
  t.equal(check({ body: 'The casino vote.' }).verdict, 'suspect', 'configured in any case, matched in any case')
  t.equal(check({ body: 'Casinos are not on the list.' }).verdict, 'ok')
  t.equal(check({ body: 'miracles cured nobody' }).verdict, 'ok')
  t.equal(check({ body: 'casino miracle cure' }).verdict, 'spam', 'two blocked words add up to spam')
})

t.test('repeats from the same client: one earlier copy is suspect, three are spam', async (t) => {
  t.equal(check({}, 0).verdict, 'ok')
  t.equal(check({}, 1).verdict, 'suspect')
  t.match(check({}, 1).reasons, ['same text sent recently'])
  t.equal(check({}, 3).verdict, 'spam')
})

t.test('repeats add to what the checker found, and can turn it into spam', async (t) => {
  const linked = check({ body: 'See https://a.example for the figures.' }, 1)
  t.same(linked.reasons, ['1 link', 'same text sent recently'], "the checker's reasons, then the repeat")
  t.equal(linked.verdict, 'suspect')
  t.same(withRepeats({ verdict: 'ok', score: 0, reasons: [] }, 0), { verdict: 'ok', score: 0, reasons: [] }, 'no earlier copy: unchanged')
})

t.test('the fingerprint ignores case, spacing and punctuation', async (t) => {
  t.equal(fingerprint('Same   TEXT!!'), fingerprint('same text'))
  t.equal(fingerprint('Buy now!'), fingerprint(' buy   NOW '), 'case, spacing and punctuation are ignored')
  t.not(fingerprint('buy now'), fingerprint('buy later'))
})

t.test('shouting: mostly capitals over enough letters', async (t) => {
  t.ok(isShouting('THIS IS AN OUTRAGE AND EVERYONE SHOULD KNOW'))
  t.notOk(isShouting('NASA and the ESA launched it'), 'acronyms in a sentence are not shouting')
  t.notOk(isShouting('OK WOW'), 'too few letters to tell')
  t.notOk(isShouting('这是一个很长的中文评论没有大小写之分的文字内容真的很长'), 'scripts without case never shout')
  t.equal(check({ body: 'THIS IS AN OUTRAGE AND EVERYONE SHOULD KNOW' }).verdict, 'suspect')
})

t.test('shouting: the counting loop agrees with the plain definition on any mix of scripts', async (t) => {
  // The definition: of the letters that have a case, the share that are capitals.
  const reference = (text: string) => {
    const cased = (text.match(/\p{L}/gu) ?? []).filter((letter) => letter.toLowerCase() !== letter.toUpperCase())
    const upper = cased.filter((letter) => letter === letter.toUpperCase()).length
    return cased.length >= 20 && upper / cased.length >= 0.7
  }
  const alphabet = [...'aAbBzZ09 !?ÉéßẞǅǄΣσﬀⅫⅻⓐⒶ日本İıĸ𝐀𝐚😀-_']
  let seed = 7
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  let disagreements = 0
  for (let i = 0; i < 5_000; i++) {
    let text = ''
    for (let k = 15 + Math.floor(random() * 40); k > 0; k--) text += alphabet[Math.floor(random() * alphabet.length)]
    if (random() < 0.5) text = text.toUpperCase()
    if (isShouting(text) !== reference(text)) disagreements += 1
  }
  t.equal(disagreements, 0)
})

t.test('character floods', async (t) => {
  t.ok(hasCharacterFlood('Wow!!!!!!!!!!!!!!'))
  t.ok(hasCharacterFlood('nooooooooooooooo'))
  t.ok(hasCharacterFlood('😡😡😡😡😡😡😡😡😡😡😡😡'), 'counted in characters, not UTF-16 units')
  t.notOk(hasCharacterFlood('Well... that was unexpected!!'))
  t.notOk(hasCharacterFlood(`a${' '.repeat(40)}b`), 'white space does not count')
  t.equal(check({ body: 'Wow!!!!!!!!!!!!!!' }).verdict, 'suspect')
})

t.test('weak signals add up: shouting with a flood is spam', async (t) => {
  const verdict = check({ body: 'THIS IS AN OUTRAGE AND EVERYONE SHOULD KNOW!!!!!!!!!!!!!!' })
  t.equal(verdict.verdict, 'spam')
  t.equal(verdict.reasons.length, 2)
  t.equal(verdict.score, 10)
})

t.test('verdict thresholds', async (t) => {
  t.equal(verdictFor(0), 'ok')
  t.equal(verdictFor(4), 'ok')
  t.equal(verdictFor(5), 'suspect')
  t.equal(verdictFor(9), 'suspect')
  t.equal(verdictFor(10), 'spam')
})

t.test('hostile input does not throw and stays fast', async (t) => {
  const start = performance.now()
  const inputs = [
    'a'.repeat(5_000),
    'http://'.repeat(700),
    '.'.repeat(5_000),
    `${'a.'.repeat(2_400)}example`,
    '\u0000\uFFFF\uD800',
    'www.' + 'x'.repeat(4_000),
  ]
  for (const body of inputs) t.doesNotThrow(() => check({ body }))
  t.ok(performance.now() - start < 1_000, 'no catastrophic backtracking')
})

t.test('the interface: another checker plugs in; one that fails holds the comment', async (t) => {
  const input: SpamInput = { authorName: 'A', authorEmail: null, body: 'Hello', website: undefined }
  const remote: SpamChecker = { check: async () => ({ verdict: 'spam', score: 99, reasons: ['remote says so'] }) }
  t.same(await checkOrHold(remote, input, context()), { verdict: { verdict: 'spam', score: 99, reasons: ['remote says so'] } })
  t.same((await checkOrHold(checker, input, context())).verdict.verdict, 'ok', 'the local checker through the same door')

  const down: SpamChecker = { check: async () => Promise.reject(new Error('timeout')) }
  const held = await checkOrHold(down, input, context())
  t.same(held.verdict, { verdict: 'suspect', score: 5, reasons: ['spam check unavailable'] })
  t.match(held.error, /timeout/)
  const throwing: SpamChecker = {
    check: () => {
      throw new Error('bug')
    },
  }
  t.equal((await checkOrHold(throwing, input, context())).verdict.verdict, 'suspect')
})
