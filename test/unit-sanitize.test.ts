// Inline markup: only a, em, strong, i, b, br, sub and sup survive, links only to http,
// https and mailto; dangerous elements go with their content, others leave their text.
import t from 'tap'
import { cleanText, sanitizeInline, stripTags } from '../src/text/sanitize.js'

t.test('allowed markup survives', async (t) => {
  t.equal(
    sanitizeInline('<em>e</em> <strong>s</strong> <i>i</i> <b>b</b> H<sub>2</sub>O x<sup>2</sup> line<br>break'),
    '<em>e</em> <strong>s</strong> <i>i</i> <b>b</b> H<sub>2</sub>O x<sup>2</sup> line<br />break',
  )
  t.equal(sanitizeInline('<a href="https://example.org/a?b=1">link</a>'), '<a href="https://example.org/a?b=1">link</a>')
  t.equal(sanitizeInline('<a href="http://example.org">link</a>'), '<a href="http://example.org">link</a>')
  t.equal(sanitizeInline('<a href="mailto:desk@example.org">write</a>'), '<a href="mailto:desk@example.org">write</a>')
  t.equal(sanitizeInline('<A HREF="https://example.org">caps</A>'), '<a href="https://example.org">caps</a>')
})

t.test('script, style and their kin go with their content', async (t) => {
  t.equal(sanitizeInline('<script>alert(1)</script>Hello'), 'Hello')
  t.equal(sanitizeInline('<style>p { color: red }</style>Styled'), 'Styled')
  t.equal(sanitizeInline('<iframe src="https://example.org">inside</iframe>out'), 'out')
  t.equal(sanitizeInline('<svg><script>bad()</script></svg>after'), 'after')
  t.equal(sanitizeInline('<noscript>ns</noscript>n'), 'n')
  t.equal(sanitizeInline('<img src=x onerror=alert(1)>after'), 'after')
  t.equal(sanitizeInline('<!-- a comment -->c'), 'c')
})

t.test('other elements leave their text', async (t) => {
  t.equal(sanitizeInline('<p>one</p><div>two</div><span style="color:red">three</span><u>four</u>'), 'onetwothreefour')
  t.equal(sanitizeInline('<h1>Big</h1>'), 'Big')
})

t.test('attributes other than href go, on* handlers first of all', async (t) => {
  t.equal(sanitizeInline('<b onclick="steal()">bold</b>'), '<b>bold</b>')
  t.equal(sanitizeInline('<em onmouseover="x()" style="y" class="z" id="w">e</em>'), '<em>e</em>')
  t.equal(
    sanitizeInline('<a href="https://example.org" onclick="x()" target="_blank" title="t" style="s">ok</a>'),
    '<a href="https://example.org">ok</a>',
  )
})

t.test('links to anything but http, https and mailto lose the link and keep the text', async (t) => {
  const hostile = [
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="//evil.example/x">click</a>',
    '<a href="/relative/path">click</a>',
    '<a href="ftp://files.example.org">click</a>',
    '<a>click</a>',
  ]
  for (const html of hostile) t.equal(sanitizeInline(html), 'click', html)
})

t.test('text that looks like markup stays text', async (t) => {
  t.equal(sanitizeInline('x < y and y > z'), 'x &lt; y and y &gt; z')
  t.equal(sanitizeInline('a &lt;script&gt; b'), 'a &lt;script&gt; b')
  t.notMatch(sanitizeInline('<scr<script>x</script>ipt>alert(1)</script>'), /<script/i)
})

t.test('stripTags gives plain text', async (t) => {
  t.equal(stripTags('<em>Rain</em> &amp; <a href="https://x.example">wind</a><script>x()</script>'), 'Rain & wind')
  t.equal(stripTags('a &lt;b&gt; &quot;c&quot;'), 'a <b> "c"')
})

t.test('cleanText normalizes and drops control characters', async (t) => {
  t.equal(cleanText('Cafe\u0301'), 'Café', 'NFC')
  t.equal(cleanText('a\r\nb\rc'), 'a\nb\nc')
  t.equal(cleanText('a\u0000b\u0007c\u009Fd\te'), 'abcd\te')
})
