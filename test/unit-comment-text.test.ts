// plainText's shortcut: text without "<" or "&" skips the HTML parser, and must come out exactly
// as the parser would have left it.
import t from 'tap'
import { cleanText, stripTags } from '../src/text/sanitize.js'
import { plainText } from '../src/text/plain.js'

// Quotes, ">", accents, emoji, controls, NBSP, CR and LF: everything but "<" and "&".
const ALPHABET = ['a', 'Z', ' ', '  ', '\n', '\r\n', '\t', '"', "'", '>', '=', '/', 'é', 'ñ', '€', '😀', '\u0000', '\u0007', '\u009F', '\u00A0', 'e\u0301', ';', '#']

function prng(seed: number) {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x7fffffff
  }
}

t.test('without "<" or "&", stripping tags changes nothing but what cleanText changes', async (t) => {
  const rand = prng(7)
  let checked = 0
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(rand() * 40)
    let text = ''
    for (let k = 0; k < length; k++) text += ALPHABET[Math.floor(rand() * ALPHABET.length)]
    if (stripTags(text) !== cleanText(text)) t.fail(`differs for ${JSON.stringify(text)}`)
    checked++
  }
  t.equal(checked, 2000)
})

t.test('markup still goes through the parser', async (t) => {
  t.equal(plainText('Fine <b>work</b> &amp; thanks'), 'Fine work & thanks')
  t.equal(plainText('&lt;script&gt;alert(1)&lt;/script&gt; hi'), 'hi')
  t.equal(plainText('plain "quoted" > text\r\nnext'), 'plain "quoted" > text\nnext')
})
