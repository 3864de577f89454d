// The terms FTS5 makes of a text with the search index's tokenizer (unicode61 remove_diacritics 2,
// migrations/0001_search.sql), computed in JS: a write names the search terms it changes
// (surrogate keys) without asking the index, and a search names the terms it looks up. It
// mirrors the tokenizer code point by code point from a table asked of FTS5 itself
// (scripts/fts-token-table.ts): unicode61 classes characters by Unicode 6.1, where U+1F9E1 (🧡,
// added later) is a letter and 😀 a separator, which no JS regular expression would say.
import { FTS_TOKEN_RUNS } from './fts-token-table.js'

const SEPARATOR = 0
/** Continues a token but is dropped (a combining accent); where no token is open it separates. */
const DROPPED = 1
const TOKEN = 2

/** Each run's first code point, its kind, and for a token character what its code point folds by. */
const starts: number[] = []
const kinds: number[] = []
const shifts: number[] = []
{
  let start = 0
  for (const run of FTS_TOKEN_RUNS.split(',')) {
    const [gap, kind] = run.split(':') as [string, string]
    starts.push((start += parseInt(gap, 36)))
    kinds.push(kind === 's' ? SEPARATOR : kind === 'd' ? DROPPED : TOKEN)
    shifts.push(kind === 's' || kind === 'd' ? 0 : parseInt(kind, 36))
  }
}

/** The run that holds code point `c`: the last whose start is at most c. */
function runOf(c: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (starts[middle]! <= c) low = middle
    else high = middle - 1
  }
  return low
}

// ASCII, most of any text, without the search.
const asciiRuns = Array.from({ length: 128 }, (_, c) => runOf(c))

/**
 * FTS5 keeps at most this many bytes of a term (FTS5_MAX_TOKEN_SIZE); no word is that long, but
 * a run of CJK text with no space or punctuation can be.
 */
const MAX_TERM_BYTES = 32768

/** The terms of `text` in order, as FTS5 writes them into the index (duplicates kept). */
export function ftsTerms(text: string): string[] {
  const terms: string[] = []
  let term = ''
  let open = false
  for (const char of text) {
    let c = char.codePointAt(0)!
    // A lone surrogate reaches SQLite as U+FFFD (Node's UTF-8 encoding).
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
    const run = c < 128 ? asciiRuns[c]! : runOf(c)
    const kind = kinds[run]!
    if (kind === TOKEN) {
      term += String.fromCodePoint(c + shifts[run]!)
      open = true
    } else if (kind === SEPARATOR || !open) {
      if (open) terms.push(fitted(term))
      term = ''
      open = false
    }
  }
  if (open) terms.push(fitted(term))
  return terms
}

function fitted(term: string): string {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long term needs measuring.
  if (term.length * 3 <= MAX_TERM_BYTES || Buffer.byteLength(term) <= MAX_TERM_BYTES) return term
  // FTS5 cuts at a byte, possibly inside a character; the cut term is that many bytes decoded.
  return Buffer.from(term, 'utf8').subarray(0, MAX_TERM_BYTES).toString('utf8')
}
