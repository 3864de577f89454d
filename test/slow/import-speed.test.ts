// A 10,000-post WordPress export through the command line, as an operator runs it: under a
// minute, in bounded memory (the file is streamed, never held), and a second run that changes
// nothing. Slow tier: it writes a ~40 MB export and a database of 10,000 articles.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import t from 'tap'
import { projectPath } from '../../src/paths.js'
import { build } from '../server-process.js'

const POSTS = 10_000
const ATTACHMENTS = 1_000
const SECTIONS = ['local', 'politics', 'culture', 'sport', 'business', 'environment']
const WORDS = 'harbour council ferry river valley market school bridge storm festival rail budget library orchard quarry lighthouse'.split(' ')

/** A sentence of 12 to 24 words, the same for the same seed. */
function sentence(seed: number): string {
  const count = 12 + (seed % 13)
  const words = Array.from({ length: count }, (_, i) => WORDS[(seed * 7 + i * 13) % WORDS.length])
  return `${words.join(' ').replace(/^./, (c) => c.toUpperCase())}.`
}

function attachment(id: number): string {
  const file = `2022/${String(1 + (id % 12)).padStart(2, '0')}/picture-${id}.jpg`
  return `<item><title><![CDATA[Picture ${id}]]></title><dc:creator><![CDATA[editor]]></dc:creator>
<content:encoded><![CDATA[]]></content:encoded><excerpt:encoded><![CDATA[${sentence(id)}]]></excerpt:encoded>
<wp:post_id>${id}</wp:post_id><wp:post_date_gmt><![CDATA[2022-01-01 10:00:00]]></wp:post_date_gmt><wp:status><![CDATA[inherit]]></wp:status>
<wp:post_type><![CDATA[attachment]]></wp:post_type><wp:post_password><![CDATA[]]></wp:post_password>
<wp:attachment_url><![CDATA[https://big.example/wp-content/uploads/${file}]]></wp:attachment_url>
<wp:postmeta><wp:meta_key><![CDATA[_wp_attached_file]]></wp:meta_key><wp:meta_value><![CDATA[${file}]]></wp:meta_value></wp:postmeta></item>\n`
}

function post(n: number): string {
  const id = 100_000 + n
  const picture = 1 + (n % ATTACHMENTS)
  const classic = n % 2 === 0
  const paragraphs = Array.from({ length: 8 }, (_, i) => `${sentence(n + i)} <strong>${sentence(n * 3 + i)}</strong> <a href="https://big.example/${i}">${sentence(i)}</a>`)
  const content = classic
    ? `${paragraphs.slice(0, 4).join('\n\n')}\n\n[caption id="attachment_${picture}"]<img class="wp-image-${picture}" src="https://big.example/wp-content/uploads/2022/01/picture-${picture}-300x200.jpg" alt="x" /> ${sentence(n)}[/caption]\n\n<!--more-->\n\n${paragraphs.slice(4).join('\n\n')}\n\n<ul>\n<li>${sentence(n + 1)}</li>\n<li>${sentence(n + 2)}</li>\n</ul>`
    : paragraphs.map((p) => `<!-- wp:paragraph -->\n<p>${p}</p>\n<!-- /wp:paragraph -->`).join('\n\n') +
      `\n\n<!-- wp:heading -->\n<h2 class="wp-block-heading">${sentence(n + 5)}</h2>\n<!-- /wp:heading -->\n\n<!-- wp:quote -->\n<blockquote class="wp-block-quote"><p>${sentence(n + 6)}</p><cite>Someone</cite></blockquote>\n<!-- /wp:quote -->`
  const comments = n % 5 === 0
    ? [1, 2].map((c) => `<wp:comment><wp:comment_id>${n * 10 + c}</wp:comment_id><wp:comment_author><![CDATA[Reader ${c}]]></wp:comment_author><wp:comment_author_email><![CDATA[reader${c}@mail.example]]></wp:comment_author_email><wp:comment_date_gmt><![CDATA[2022-02-02 10:00:00]]></wp:comment_date_gmt><wp:comment_content><![CDATA[${sentence(n + c)}]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type><wp:comment_parent>${c === 2 ? n * 10 + 1 : 0}</wp:comment_parent></wp:comment>`).join('')
    : ''
  return `<item><title><![CDATA[Story ${n}: ${sentence(n).slice(0, 60)}]]></title><dc:creator><![CDATA[${n % 3 === 0 ? 'anna' : 'ben'}]]></dc:creator>
<content:encoded><![CDATA[${content}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>${id}</wp:post_id><wp:post_date_gmt><![CDATA[2021-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')} 09:00:00]]></wp:post_date_gmt>
<wp:comment_status><![CDATA[open]]></wp:comment_status><wp:post_name><![CDATA[story-${n}]]></wp:post_name><wp:status><![CDATA[${n % 10 === 0 ? 'draft' : 'publish'}]]></wp:status>
<wp:post_type><![CDATA[post]]></wp:post_type><wp:post_password><![CDATA[]]></wp:post_password>
<category domain="category" nicename="${SECTIONS[n % SECTIONS.length]}"><![CDATA[${SECTIONS[n % SECTIONS.length]}]]></category>
<category domain="post_tag" nicename="tag-${n % 50}"><![CDATA[Tag ${n % 50}]]></category>
<wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[${picture}]]></wp:meta_value></wp:postmeta>${comments}</item>\n`
}

async function writeExport(path: string): Promise<void> {
  const out = createWriteStream(path)
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain')
  }
  await write(`<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Big</title><link>https://big.example</link><language>en</language><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://big.example</wp:base_site_url>
<wp:author><wp:author_login><![CDATA[anna]]></wp:author_login><wp:author_display_name><![CDATA[Anna Vale]]></wp:author_display_name></wp:author>
<wp:author><wp:author_login><![CDATA[ben]]></wp:author_login><wp:author_display_name><![CDATA[Ben Oduya]]></wp:author_display_name></wp:author>\n`)
  // Attachments after the posts, as WordPress writes them when pictures were uploaded into drafts.
  for (let n = 0; n < POSTS; n++) await write(post(n))
  for (let id = 1; id <= ATTACHMENTS; id++) await write(attachment(id))
  await write('</channel></rss>\n')
  out.end()
  await once(out, 'finish')
}

function runImport(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = Date.now()
  // As `npm run import` runs it, with the memory flags of `npm start`.
  const script = projectPath('dist', 'scripts', 'import.js')
  const child = spawn(process.execPath, ['--max-old-space-size=512', script, 'wordpress', file], { cwd: projectPath(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 })))
}

t.test(`a ${POSTS.toLocaleString('en')}-post export imports in under a minute, in bounded memory, and again changes nothing`, async (t) => {
  await build()
  const dir = await mkdtemp(join(tmpdir(), 'cms-import-speed-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'export.xml')
  await writeExport(file)
  const size = (await stat(file)).size
  t.comment(`export: ${(size / 1024 / 1024).toFixed(1)} MiB, ${POSTS} posts, ${ATTACHMENTS} attachments`)
  const env = { DATABASE_PATH: join(dir, 'cms.sqlite'), MEDIA_DIR: join(dir, 'media'), LOG_LEVEL: 'warn' }

  const first = await runImport(file, env)
  t.equal(first.code, 0, first.stderr.slice(-2000))
  t.comment(first.stdout.trim())
  t.match(first.stdout, new RegExp(`created ${(POSTS + ATTACHMENTS).toLocaleString('en')}, updated 0, unchanged 0, skipped 0`))
  t.match(first.stdout, /comments: created 4,000/)
  // The processor time is what the import costs: on a machine shared with other work the wall
  // clock can run several times longer (both are in the summary, and the report of each run).
  const cpu = Number(/CPU ([\d.]+) s/.exec(first.stdout)?.[1])
  t.ok(cpu > 0, 'the summary gives the processor time')
  // The target (issue 21): under a minute. It held when the import landed (26.7 s of CPU); two
  // trigger joins that walked every published article on each publish (migration
  // trigger-join-order) took it to ~72 s and growing with the square of the post count.
  t.ok(cpu < 60, `the import used ${cpu} s of processor time (${first.seconds.toFixed(1)} s on the clock)`)
  const peak = Number(/peak memory (\d+) MiB/.exec(first.stdout)?.[1])
  t.ok(peak > 0 && peak < 400, `peak memory ${peak} MiB, for a ${(size / 1024 / 1024).toFixed(0)} MiB export`)

  const second = await runImport(file, env)
  t.equal(second.code, 0, second.stderr.slice(-2000))
  t.comment(second.stdout.trim())
  t.match(second.stdout, new RegExp(`created 0, updated 0, unchanged ${(POSTS + ATTACHMENTS).toLocaleString('en')}, skipped 0`))
  t.match(second.stdout, /comments: created 0, unchanged 4,000/)
})
