// Readers' text made plain: every tag removed (until none is left, so that an escaped tag
// cannot come back as a real one), white space tidied, and measured in characters.
import { cleanText, stripTags } from './sanitize.js'

// stripTags decodes entities, so "&lt;b&gt;" comes out as "<b>"; a second pass removes that
// too. Three passes are more than any real comment needs, and bound the work.
const MAX_PASSES = 3

// Characters that show nothing: a body made only of them is empty.
const INVISIBLE = /[\s\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/gu

/** Plain text: no tags, no control characters, LF line ends, at most one blank line in a row. */
export function plainText(input: string): string {
  // Without "<" or "&" there is no tag or entity for the parser to find (most comments): the
  // result would be the cleaned input, and parsing costs more than the rest of a submission.
  let text = cleanText(input)
  if (/[<&]/.test(input)) {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const next = stripTags(text)
      if (next === text) break
      text = next
    }
  }
  if (/<[a-z!/?]/i.test(text)) text = text.replace(/</g, '\uFF1C')
  // Removed tags leave gaps ("a <script>…</script> b" → "a  b"): close them up.
  return text
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t\u00A0]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** Plain text on one line (names). */
export function plainLine(input: string): string {
  return plainText(input).replace(/\s+/gu, ' ')
}

/** Length in characters (code points), as a reader counts them. */
export function charCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

export function isBlank(text: string): boolean {
  return text.replace(INVISIBLE, '') === ''
}
