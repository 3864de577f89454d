// Factories and readers shared by the test/distribution-*.test.ts files: media rows, published
// stories with a lead picture, aged publication dates, and an XML parser independent of the
// code that writes the XML.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { auth, createArticle, type TestApp } from './helpers.js'

let mediaCount = 0

/** A media row as the media resource stores it (the upload path is tested elsewhere). */
export function insertMedia(ta: TestApp, fields: Partial<Record<'kind' | 'mimeType' | 'caption' | 'credit' | 'creator' | 'copyright' | 'usageTerms' | 'altText', string>> = {}): string {
  mediaCount++
  const id = `media${String(mediaCount).padStart(4, '0')}`
  const time = new Date().toISOString()
  ta.app.db.$client
    .prepare(
      `INSERT INTO media (id, kind, mime_type, filename, size, width, height, sha256, caption, credit, creator, copyright,
         usage_terms, alt_text, created_at, updated_at)
       VALUES (?, ?, ?, 'harbour.jpg', 48213, 1600, 900, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      fields.kind ?? 'image',
      fields.mimeType ?? 'image/jpeg',
      'b'.repeat(64),
      fields.caption ?? 'The morning ferry at the harbour wall',
      fields.credit ?? 'Port Authority / Handout',
      fields.creator ?? 'Marta Quiroga',
      fields.copyright ?? '© 2026 Port Authority',
      fields.usageTerms ?? 'https://creativecommons.org/licenses/by/4.0/',
      fields.altText ?? 'A white ferry moored at a stone quay',
      time,
      time,
    )
  return id
}

/** A published story with a lead picture, a byline, a section and tags. */
export async function publishedStory(ta: TestApp, fields: Record<string, unknown> = {}): Promise<any> {
  const leadMediaId = insertMedia(ta)
  return createArticle(
    ta,
    {
      subtitle: 'Crossings run every forty minutes from Tuesday',
      summary: 'The first ferry since the storm left at dawn.',
      authors: ['Ana Ruiz', 'EFE'],
      section: 'local',
      tags: ['transport', 'Sella river'],
      leadMediaId,
      body: [
        { type: 'paragraph', text: 'The first ferry left at <strong>6:10</strong> with forty passengers.' },
        { type: 'media', mediaId: leadMediaId, caption: 'Boarding at <em>dawn</em>' },
      ],
      ...fields,
    },
    { published: true },
  )
}

/** Moves an article's publication (and its sort key) back in time, as if it had been published then. */
export function agePublication(ta: TestApp, id: string, publishedAt: string): void {
  ta.app.db.$client.prepare('UPDATE articles SET published_at = ?, sort_at = ? WHERE id = ?').run(publishedAt, publishedAt, id)
  ta.app.db.$client.prepare('UPDATE article_tags SET sort_at = ? WHERE article_seq = (SELECT seq FROM articles WHERE id = ?)').run(publishedAt, id)
  ta.app.db.$client.prepare('UPDATE article_authors SET sort_at = ? WHERE article_seq = (SELECT seq FROM articles WHERE id = ?)').run(publishedAt, id)
}

export const patch = (ta: TestApp, id: string, payload: Record<string, unknown>) =>
  ta.app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: auth(ta.editor), payload })

export const unpublish = (ta: TestApp, id: string) => ta.app.inject({ method: 'POST', url: `/v1/articles/${id}/unpublish`, headers: auth(ta.editor) })

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, trimValues: false })

/** The document, parsed; throws with the parser's own message when it is not well-formed XML. */
export function parseXml(text: string): any {
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`)
  return parser.parse(text)
}

/** A value that may be one element or several, as a list. */
export const many = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])

/** The text of an element that may carry attributes. */
export const textOf = (node: any): string => (typeof node === 'string' ? node : (node?.['#text'] ?? ''))

/** W3C Datetime (the sitemap protocol's lastmod), to the second or finer, in UTC. */
export const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
