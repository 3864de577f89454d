// Spam scoring for new comments: a pure module behind the SpamChecker interface, so that a
// service such as Akismet can replace or join the local checker without touching the routes.
// The local checker makes no network call and reads nothing but its input and context.
import { hash } from 'node:crypto'

export type SpamVerdictKind = 'ok' | 'suspect' | 'spam'

export interface Verdict {
  verdict: SpamVerdictKind
  /** The sum of the weights of the reasons; higher is worse. */
  score: number
  /** Why, in words a moderator reads ("3 links", "blocked host: pills.example"). */
  reasons: string[]
}

/** What the reader sent, after tags were stripped. */
export interface SpamInput {
  authorName: string
  authorEmail: string | null
  body: string
  /** The honeypot: a form field hidden from people, so anything in it came from a bot. */
  website: string | undefined
}

export interface SpamContext {
  ip: string | null
  userAgent: string | null
}

export interface SpamChecker {
  check(input: SpamInput, context: SpamContext): Promise<Verdict> | Verdict
}

export interface LocalSpamOptions {
  /** More links than this is spam. */
  maxLinks: number
  /** Lower-case words or phrases; each one found makes the comment suspect. */
  blockedWords: readonly string[]
  /** Lower-case hosts; a link to one of them, or to a subdomain, is spam. */
  blockedHosts: readonly string[]
}

/** A score at or above SUSPECT_AT holds the comment for a moderator; at or above SPAM_AT it is spam. */
export const SUSPECT_AT = 5
export const SPAM_AT = 10

// Weights, chosen so that one strong signal (honeypot, a blocked host, a link flood) is spam
// on its own, one weak signal (a blocked word, shouting, a repeat) holds the comment, and a
// single link alone is still ok.
const WEIGHT = {
  honeypot: SPAM_AT,
  blockedHost: SPAM_AT,
  tooManyLinks: SPAM_AT,
  link: 3,
  blockedWord: SUSPECT_AT,
  repeat: SUSPECT_AT,
  repeatedOften: SPAM_AT,
  shouting: SUSPECT_AT,
  flood: SUSPECT_AT,
}

/** How far back `withRepeats` looks for the same text from the same client. */
export const REPEAT_WINDOW_MS = 60 * 60 * 1000
/** How many recent copies the repeat rule remembers at most (recent-copies.ts): past it, the oldest are forgotten early. */
export const REMEMBERED_COPIES = 20_000
/** From this many earlier copies on, a repeat counts as spam rather than a double click. */
const REPEATS_FOR_SPAM = 3
/** Shouting needs enough letters to mean something: "OK" or "NASA" is not shouting. */
const SHOUTING_MIN_LETTERS = 20
const SHOUTING_SHARE = 0.7
/** The same character this many times in a row ("!!!!!!!!!!!!", "aaaaaaaaaaaa"). */
const FLOOD_RUN = 12

const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}]+/giu
// A bare domain ("cheap-pills.example/offer"): two or more labels, the last alphabetic.
const DOMAIN_PATTERN = /(?<![\p{L}\p{N}@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?![\p{L}\p{N}-])/giu

/** Lower case, compatibility-normalized, white space collapsed: how text is compared. */
export function normalizeForMatching(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim()
}

/**
 * A short hash of the text with case, spacing and punctuation ignored, so that "Buy now!!"
 * and "buy   now" count as the same comment.
 */
export function fingerprint(text: string): string {
  const core = normalizeForMatching(text).replace(/[^\p{L}\p{N}]+/gu, '')
  return hash('sha256', core, 'base64url').slice(0, 22)
}

/** The links in a text: full URLs and www. addresses. */
export function findLinks(text: string): string[] {
  return text.match(URL_PATTERN) ?? []
}

function hostOf(link: string): string | null {
  try {
    return new URL(/^https?:\/\//i.test(link) ? link : `http://${link}`).hostname.toLowerCase()
  } catch {
    return null
  }
}

/** Every host named in the text, as a link or as a bare domain, and in the e-mail address. */
export function findHosts(text: string, email: string | null): Set<string> {
  const hosts = new Set<string>()
  for (const link of findLinks(text)) {
    const host = hostOf(link)
    if (host) hosts.add(host)
  }
  for (const domain of text.match(DOMAIN_PATTERN) ?? []) hosts.add(domain.toLowerCase())
  const at = email?.lastIndexOf('@') ?? -1
  if (email && at >= 0) hosts.add(email.slice(at + 1).toLowerCase())
  return hosts
}

function isBlockedHost(host: string, blocked: readonly string[]): string | undefined {
  return blocked.find((entry) => host === entry || host.endsWith(`.${entry}`))
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A pattern that finds `phrase` (normalized) as whole words in normalized text. */
function wordsPattern(phrase: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(phrase).replace(/ /g, '\\s+')}(?![\\p{L}\\p{N}])`, 'u')
}

const LETTER = /\p{L}/u

export function isShouting(text: string): boolean {
  // Letters with a case (not CJK, not digits), and how many of them are capitals. ASCII is
  // told apart by its code, anything else by its case mappings.
  let cased = 0
  let upper = 0
  for (const char of text) {
    const code = char.charCodeAt(0)
    if (code < 128) {
      if (code >= 65 && code <= 90) upper += 1
      else if (code < 97 || code > 122) continue
    } else {
      const capital = char.toUpperCase()
      if (char.toLowerCase() === capital || !LETTER.test(char)) continue
      if (char === capital) upper += 1
    }
    cased += 1
  }
  return cased >= SHOUTING_MIN_LETTERS && upper / cased >= SHOUTING_SHARE
}

export function hasCharacterFlood(text: string): boolean {
  // Code points, not UTF-16 units, so that a row of emoji counts like a row of letters.
  let run = 1
  let previous: string | undefined
  for (const char of text) {
    run = char === previous && !/\s/u.test(char) ? run + 1 : 1
    if (run >= FLOOD_RUN) return true
    previous = char
  }
  return false
}

export function verdictFor(score: number): SpamVerdictKind {
  if (score >= SPAM_AT) return 'spam'
  if (score >= SUSPECT_AT) return 'suspect'
  return 'ok'
}

/** The local checker: honeypot, links, blocklists, shouting and floods (repeats: see `withRepeats`). */
export function createLocalSpamChecker(options: LocalSpamOptions): SpamChecker {
  // Compiled once: the list is fixed for the life of the checker.
  const blockedWords = options.blockedWords
    .map(normalizeForMatching)
    .filter((word) => word !== '')
    .map((word) => ({ word, pattern: wordsPattern(word) }))
  const blockedHosts = options.blockedHosts.map((host) => host.toLowerCase())

  return {
    check(input, context): Verdict {
      const reasons: string[] = []
      let score = 0
      const flag = (weight: number, reason: string) => {
        score += weight
        reasons.push(reason)
      }

      if (input.website !== undefined && input.website.trim() !== '') flag(WEIGHT.honeypot, 'honeypot field filled')

      const text = `${input.authorName}\n${input.body}`
      const links = findLinks(text).length
      if (links > options.maxLinks) flag(WEIGHT.tooManyLinks, `${links} links (more than ${options.maxLinks})`)
      else if (links > 0) flag(WEIGHT.link * links, links === 1 ? '1 link' : `${links} links`)

      for (const host of findHosts(text, input.authorEmail)) {
        const blocked = isBlockedHost(host, blockedHosts)
        if (blocked !== undefined) flag(WEIGHT.blockedHost, `blocked host: ${host}`)
      }

      const normalized = blockedWords.length > 0 ? normalizeForMatching(text) : ''
      for (const { word, pattern } of blockedWords) {
        if (pattern.test(normalized)) flag(WEIGHT.blockedWord, `blocked word: ${word}`)
      }

      if (isShouting(input.body)) flag(WEIGHT.shouting, 'mostly capital letters')
      if (hasCharacterFlood(input.body)) flag(WEIGHT.flood, 'a character repeated many times')

      return { verdict: verdictFor(score), score, reasons }
    },
  }
}

/**
 * The rule the service applies itself, whichever checker it uses: the same text (by
 * `fingerprint`) from the same client within REPEAT_WINDOW_MS. It is applied where the comment
 * is stored, in the same transaction as the count of earlier copies, so that two copies sent at
 * once are seen as repeats too.
 */
export function withRepeats(verdict: Verdict, repeats: number): Verdict {
  if (repeats <= 0) return verdict
  const [weight, reason] =
    repeats >= REPEATS_FOR_SPAM ? [WEIGHT.repeatedOften, `same text sent ${repeats + 1} times recently`] : [WEIGHT.repeat, 'same text sent recently']
  const score = verdict.score + weight
  return { verdict: verdictFor(score), score, reasons: [...verdict.reasons, reason] }
}

/**
 * Runs a checker so that its failure (a remote service down) neither loses the comment nor
 * lets it through unchecked: the comment is held for a moderator, and the error returned.
 */
export async function checkOrHold(checker: SpamChecker, input: SpamInput, context: SpamContext): Promise<{ verdict: Verdict; error?: unknown }> {
  try {
    return { verdict: await checker.check(input, context) }
  } catch (error) {
    return { verdict: { verdict: 'suspect', score: SUSPECT_AT, reasons: ['spam check unavailable'] }, error }
  }
}
