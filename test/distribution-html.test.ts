// The block renderer (src/text/html.ts) on its own and behind `?include=html`, canonical URLs
// from SITE_URL_TEMPLATE, and the settings that shape them.
import fc from 'fast-check'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { createCanonicalUrl } from '../src/distribution/canonical-url.js'
import { bodyPlainText, escapeHtml, type HtmlBlock, inlineHtml, renderBlocks, wordCount } from '../src/text/html.js'
import { auth, createArticle, makeApp } from './helpers.js'

const teaser = { teaserUrl: (target: { id: string; title: string }) => `https://news.example/${target.id}` }
const render = (blocks: HtmlBlock<{ id: string; title: string }>[]) => renderBlocks(blocks, teaser)

/** Every tag in some HTML, as written. */
const tagsOf = (html: string) => html.match(/<[^>]*>/g) ?? []
const ALLOWED_TAG = /^<(\/?(em|strong|i|b|sub|sup|a|p)|br|a href="(https?|mailto):[^"]*")>$/

t.test('inline markup: the allowed tags pass, everything else is escaped', async (t) => {
  t.equal(inlineHtml('Plain text'), 'Plain text')
  t.equal(inlineHtml('The <em>first</em> <strong>ferry</strong> at 6<sup>th</sup>'), 'The <em>first</em> <strong>ferry</strong> at 6<sup>th</sup>')
  t.equal(inlineHtml('a<br>b<br/>c<br />d'), 'a<br>b<br>c<br>d')
  t.equal(inlineHtml('<a href="https://news.example/x?a=1&amp;b=2">link</a>'), '<a href="https://news.example/x?a=1&amp;b=2">link</a>')
  t.equal(inlineHtml('<a href="https://news.example/x?a=1&b=2">link</a>'), '<a href="https://news.example/x?a=1&amp;b=2">link</a>', 'a bare & in an href is escaped')
  t.equal(inlineHtml('Fish &amp; chips &#233; &#xE9; & more'), 'Fish &amp; chips &#233; &#xE9; &amp; more', 'references kept, a lone & escaped')
  t.equal(inlineHtml('<script>alert(1)</script>'), '&lt;script&gt;alert(1)&lt;/script&gt;')
  t.equal(inlineHtml('<img src=x onerror="alert(1)">'), '&lt;img src=x onerror="alert(1)"&gt;')
  t.equal(inlineHtml('<a href="javascript:alert(1)">x</a>'), '&lt;a href="javascript:alert(1)"&gt;x', 'a link to script is text, its closer dropped')
  t.equal(inlineHtml('<a href="&#106;avascript:alert(1)">x</a>'), '&lt;a href="&#106;avascript:alert(1)"&gt;x')
  t.equal(inlineHtml('<em onclick="x()">hi</em>'), '&lt;em onclick="x()"&gt;hi', 'an allowed tag with an attribute is not allowed')
  t.equal(inlineHtml('<em>open'), '<em>open</em>', 'an open tag is closed')
  t.equal(inlineHtml('close</em> only'), 'close only', 'a closer without an opener is dropped')
  t.equal(inlineHtml('<em><strong>both</em> after'), '<em><strong>both</strong></em> after', 'a closer closes what it skips')
  t.equal(inlineHtml('<a href="https://a.example/">out <a href="https://b.example/">in</a> out</a>'), '<a href="https://a.example/">out in</a> out', 'no link inside a link')
  t.equal(inlineHtml('see <a href="https://a.example/">this</a>', { links: false }), 'see this')
  t.equal(inlineHtml('1 < 2 > 0'), '1 &lt; 2 &gt; 0')
})

t.test('inline markup: whatever text goes in, only allowed tags come out, balanced', async (t) => {
  const pieces = fc.constantFrom('<em>', '</em>', '<b>', '</b>', '<a href="https://x.example/">', '</a>', '<br>', '<script>', '</script>', '<', '>', '&', '&amp;', '"', "'", 'text', ' ', '<img src=x>', '<a href="javascript:x">', '<EM>', '</sup>', '<sup>')
  fc.assert(
    fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 30 }), (parts) => {
      const html = inlineHtml(parts.join(''))
      for (const tag of tagsOf(html)) if (!ALLOWED_TAG.test(tag)) return false
      // Balanced: every opener closed in order.
      const stack: string[] = []
      for (const tag of tagsOf(html)) {
        const name = /^<\/?([a-z]+)/.exec(tag)![1]!
        if (name === 'br') continue
        if (tag.startsWith('</')) {
          if (stack.pop() !== name) return false
        } else stack.push(name)
      }
      return stack.length === 0 && !/&(?!(#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);)/i.test(html)
    }),
    { numRuns: 300 },
  )
})

t.test('blocks: each type as HTML, plain fields escaped', async (t) => {
  const media = { kind: 'image', url: 'https://cms.example/v1/media/m1/file', filename: 'boats.jpg', width: 800, height: 600, caption: 'Boats & <nets>', credit: 'Staff "photo"', altText: 'Two "boats"' }
  const html = render([
    { type: 'paragraph', text: 'The <em>ferry</em> is back.' },
    { type: 'heading', text: 'Timetable', level: 3 },
    { type: 'quote', text: 'At last.', attribution: 'A <b>commuter</b>' },
    { type: 'list', style: 'numbered', items: ['One', 'Two'] },
    { type: 'list', style: 'bulleted', items: ['Dot'] },
    { type: 'media', media },
    { type: 'media', caption: 'Boarding <em>early</em>', credit: 'Agency', media },
    { type: 'media', media: null },
    { type: 'related', article: { id: 'a1', title: 'Earlier <story>' } },
    { type: 'related', title: 'Background <a href="https://x.example/">read</a>', url: 'https://background.example/1' },
    { type: 'related', article: null },
    { type: 'related', url: 'javascript:alert(1)' },
    { type: 'embed', url: 'https://video.example/watch?v=1&t=2', provider: 'Video <Co>' },
    { type: 'embed', url: 'ftp://files.example/x' },
  ])
  t.equal(
    html,
    '<p>The <em>ferry</em> is back.</p>' +
      '<h3>Timetable</h3>' +
      '<blockquote><p>At last.</p><footer>A <b>commuter</b></footer></blockquote>' +
      '<ol><li>One</li><li>Two</li></ol>' +
      '<ul><li>Dot</li></ul>' +
      '<figure><img src="https://cms.example/v1/media/m1/file" alt="Two &quot;boats&quot;" width="800" height="600"><figcaption>Boats &amp; &lt;nets&gt; <small>Staff &quot;photo&quot;</small></figcaption></figure>' +
      '<figure><img src="https://cms.example/v1/media/m1/file" alt="Two &quot;boats&quot;" width="800" height="600"><figcaption>Boarding <em>early</em> <small>Agency</small></figcaption></figure>' +
      '<aside><a href="https://news.example/a1">Earlier &lt;story&gt;</a></aside>' +
      '<aside><a href="https://background.example/1">Background read</a></aside>' +
      '<p><a href="https://video.example/watch?v=1&amp;t=2">Video &lt;Co&gt;</a></p>',
  )
  const video = render([{ type: 'media', media: { ...media, kind: 'video', caption: '', credit: '' } }])
  t.equal(video, '<figure><video src="https://cms.example/v1/media/m1/file" controls width="800" height="600"></video></figure>')
  t.equal(render([{ type: 'media', media: { ...media, kind: 'document', caption: '' } }]), '<figure><a href="https://cms.example/v1/media/m1/file">boats.jpg</a><figcaption><small>Staff &quot;photo&quot;</small></figcaption></figure>')
  t.equal(escapeHtml(`<"'&>`), '&lt;&quot;&#39;&amp;&gt;')
})

t.test('plain text and word counts', async (t) => {
  const blocks = [
    { type: 'paragraph', text: 'Fish &amp; <em>chips</em> &#233;t&#xE9;' },
    { type: 'media', mediaId: 'm', caption: 'Not counted' },
    { type: 'list', items: ['one item', 'two'] },
    { type: 'quote', text: 'Said it', attribution: 'Someone' },
  ]
  const text = bodyPlainText(blocks)
  t.equal(text, 'Fish & chips été\none item\ntwo\nSaid it\nSomeone')
  t.equal(wordCount(text), 9)
  t.equal(wordCount("It's a well-known fact — 42 times."), 6)
})

t.test('canonical URLs from the template', async (t) => {
  const article = { id: '01abc', slug: 'ferry-returns', section: 'local news', locale: 'es-ES', publishedAt: '2026-03-04T05:06:07.000Z' }
  t.equal(createCanonicalUrl('{publicUrl}/v1/articles/slug/{slug}')(article, 'https://cms.example'), 'https://cms.example/v1/articles/slug/ferry-returns')
  const dated = createCanonicalUrl('https://news.example/{locale}/{section}/{yyyy}/{mm}/{dd}/{slug}-{id}')
  t.equal(dated(article, 'https://ignored.example'), 'https://news.example/es-ES/local%20news/2026/03/04/ferry-returns-01abc')
  t.equal(dated({ ...article, section: null }, ''), 'https://news.example/es-ES/2026/03/04/ferry-returns-01abc', 'no section: no empty segment')
  const unpublished = { ...article, publishedAt: null, scheduledAt: '2027-01-02T00:00:00.000Z', createdAt: '2025-01-01T00:00:00.000Z' }
  t.equal(dated(unpublished, ''), 'https://news.example/es-ES/local%20news/2027/01/02/ferry-returns-01abc', 'a scheduled article by its schedule')
  t.equal(dated({ ...unpublished, scheduledAt: null }, ''), 'https://news.example/es-ES/local%20news/2025/01/01/ferry-returns-01abc', 'a draft by its creation')
})

t.test('SITE_NAME, SITE_URL_TEMPLATE, AUTHOR_URL_TEMPLATE, SITEMAP_PAGE_SIZE and CHANGES_RETENTION_DAYS', async (t) => {
  const defaults = loadConfig({})
  t.equal(defaults.siteName, 'Newsroom')
  t.equal(defaults.siteUrlTemplate, '{publicUrl}/v1/articles/slug/{slug}')
  t.equal(defaults.authorUrlTemplate, '{publicUrl}/v1/authors/slug/{slug}', "like the article's, a page the service answers")
  t.equal(loadConfig({ AUTHOR_URL_TEMPLATE: 'https://vallmora.example/people/{slug}-{id}' }).authorUrlTemplate, 'https://vallmora.example/people/{slug}-{id}')
  t.equal(defaults.sitemapPageSize, 50_000)
  t.equal(defaults.changesRetentionDays, 90)
  const set = loadConfig({ SITE_NAME: 'Vallmora Daily', SITE_URL_TEMPLATE: 'https://vallmora.example/{section}/{slug}', SITEMAP_PAGE_SIZE: '10', CHANGES_RETENTION_DAYS: '120' })
  t.match(set, { siteName: 'Vallmora Daily', siteUrlTemplate: 'https://vallmora.example/{section}/{slug}', sitemapPageSize: 10, changesRetentionDays: 120 })
  const bad: [Record<string, string>, RegExp][] = [
    [{ SITE_URL_TEMPLATE: 'https://news.example/{title}' }, /SITE_URL_TEMPLATE: knows .*not \{title\}/],
    [{ SITE_URL_TEMPLATE: 'https://news.example/{section}' }, /must contain \{slug\} or \{id\}/],
    [{ SITE_URL_TEMPLATE: 'news.example/{slug}' }, /absolute http\(s\) URL/],
    [{ SITE_URL_TEMPLATE: 'https://news.example/{slug}{publicUrl}' }, /\{publicUrl\} only at its start/],
    [{ SITE_URL_TEMPLATE: 'https://news.example/{slug' }, /must contain \{slug\}/],
    [{ AUTHOR_URL_TEMPLATE: 'https://news.example/{section}/{slug}' }, /AUTHOR_URL_TEMPLATE: knows \{publicUrl\}, \{slug\}, \{id\}, not \{section\}/],
    [{ AUTHOR_URL_TEMPLATE: 'https://news.example/people' }, /AUTHOR_URL_TEMPLATE: must contain \{slug\} or \{id\}/],
    [{ AUTHOR_URL_TEMPLATE: '/people/{slug}' }, /AUTHOR_URL_TEMPLATE: must be an absolute http\(s\) URL/],
    [{ SITEMAP_PAGE_SIZE: '50001' }, /SITEMAP_PAGE_SIZE: must be between 1 and 50000/],
    [{ CHANGES_RETENTION_DAYS: '30' }, /CHANGES_RETENTION_DAYS: must be between 90/],
  ]
  for (const [env, message] of bad) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
  t.type(new ConfigError('X', 'y'), Error)
})

t.test('articles carry canonicalUrl, and ?include=html adds the body as the feeds render it', async (t) => {
  const ta = await makeApp(t, { SITE_URL_TEMPLATE: 'https://vallmora.example/{section}/{slug}' })
  const target = await createArticle(ta, { title: 'Earlier coverage', section: 'local' }, { published: true })
  const hidden = await createArticle(ta, { title: 'Unpublished teaser target' })
  const body = [
    { type: 'paragraph', text: 'The bridge <em>reopened</em> &amp; the town cheered.' },
    { type: 'related', articleId: target.id },
    { type: 'related', articleId: hidden.id, title: 'Not yet out' },
  ]
  const article = await createArticle(ta, { title: 'Bridge reopens', section: 'local', body }, { published: true })
  t.equal(article.canonicalUrl, 'https://vallmora.example/local/bridge-reopens', 'on every answer that is an article')

  const plain = await ta.app.inject(`/v1/articles/${article.id}`)
  t.equal(plain.json().canonicalUrl, 'https://vallmora.example/local/bridge-reopens')
  t.notOk('bodyHtml' in plain.json(), 'no bodyHtml unless asked for')

  const expected =
    '<p>The bridge <em>reopened</em> &amp; the town cheered.</p><aside><a href="https://vallmora.example/local/earlier-coverage">Earlier coverage</a></aside>'
  const withHtml = await ta.app.inject(`/v1/articles/${article.id}?include=html`)
  t.equal(withHtml.statusCode, 200)
  t.equal(withHtml.json().bodyHtml, expected, 'a teaser to an unpublished story is left out for readers')
  const bySlug = await ta.app.inject(`/v1/articles/slug/${article.slug}?include=html`)
  t.equal(bySlug.json().bodyHtml, expected, 'by slug too')
  t.not(withHtml.headers.etag, plain.headers.etag, 'a different representation, a different ETag')

  const rss = await ta.app.inject('/v1/feeds/json')
  t.equal(rss.json().items.find((item: any) => item.url === article.canonicalUrl).content_html, expected, 'the same HTML the feeds carry')

  const editor = await ta.app.inject({ url: `/v1/articles/${article.id}?include=html`, headers: auth(ta.editor) })
  t.match(editor.json().bodyHtml, /Not yet out/, 'an editor sees the teaser to the draft')
  const typo = await ta.app.inject(`/v1/articles/${article.id}?include=htm`)
  t.equal(typo.statusCode, 400, 'an unknown include is a 400')
  t.equal(typo.headers['content-type'], 'application/problem+json; charset=utf-8')
})
