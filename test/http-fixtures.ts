// Small factories shared by the test/http-*.test.ts files: one resource of each kind, made
// through the API, and the reads that the HTTP rules are checked on.
import type { LightMyRequestResponse } from 'fastify'
import { auth, createArticle, makeApp, type TestApp, type TestContext } from './helpers.js'
import { form, image, mediaDir } from './fixtures/media.js'

/** An app with the comment rate limit off (these tests send many comments from one address). */
export async function httpApp(t: TestContext, env: Record<string, string> = {}): Promise<TestApp> {
  const dir = await mediaDir(t)
  return makeApp(t, { COMMENT_RATE_LIMIT: '0', MEDIA_DIR: dir, ...env })
}

let sent = 0

export function postComment(ta: TestApp, articleId: string, headers: Record<string, string> = {}, fields: Record<string, unknown> = {}) {
  sent++
  return ta.app.inject({
    method: 'POST',
    url: `/v1/articles/${articleId}/comments`,
    headers,
    remoteAddress: '198.51.100.23',
    payload: { authorName: 'Ines', body: `A careful reading of the budget, note ${sent}.`, ...fields },
  })
}

/** A pending comment (COMMENT_MODERATION=pre), as its author sees it. */
export async function createComment(ta: TestApp, articleId: string): Promise<any> {
  const res = await postComment(ta, articleId)
  if (res.statusCode !== 201) throw new Error(`comment: ${res.statusCode} ${res.body}`)
  return res.json()
}

export function moderate(ta: TestApp, commentId: string, status: string, headers: Record<string, string> = {}) {
  return ta.app.inject({ method: 'PATCH', url: `/v1/comments/${commentId}`, headers: { ...auth(ta.moderator), ...headers }, payload: { status } })
}

export function uploadForm(bytes: Buffer, fields: Record<string, string> = {}) {
  return form([{ name: 'file', value: bytes, filename: 'harbour.png', contentType: 'image/png' }, ...Object.entries(fields).map(([name, value]) => ({ name, value }))])
}

export async function createMedia(ta: TestApp, fields: Record<string, string> = {}): Promise<any> {
  const body = uploadForm(await image('png', { width: 16, height: 12 }), fields)
  const res = await ta.app.inject({ method: 'POST', url: '/v1/media', headers: { ...auth(ta.editor), ...body.headers }, payload: body.payload })
  if (res.statusCode !== 201) throw new Error(`media: ${res.statusCode} ${res.body}`)
  return res.json()
}

export async function createWebhook(ta: TestApp): Promise<any> {
  const res = await ta.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: auth(ta.admin),
    payload: { url: 'https://hooks.example.com/hook', events: ['article.published'] },
  })
  if (res.statusCode !== 201) throw new Error(`webhook: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A published article with one external related link. */
export async function articleWithLink(ta: TestApp): Promise<{ article: any; link: any }> {
  const article = await createArticle(ta, {}, { published: true })
  const res = await ta.app.inject({
    method: 'POST',
    url: `/v1/articles/${article.id}/related`,
    headers: auth(ta.editor),
    payload: { url: 'https://example.com/harbour-history', title: 'A short history of the harbour' },
  })
  if (res.statusCode !== 201) throw new Error(`related: ${res.statusCode} ${res.body}`)
  return { article, link: res.json() }
}

export const etagOf = (res: LightMyRequestResponse) => res.headers.etag as string

/** A strong entity tag: quoted, never W/. */
export const STRONG_ETAG = /^"[A-Za-z0-9_-]+"$/
export const VERSIONED_ETAG = /^"(\d+)-[A-Za-z0-9_-]+"$/

export const PUBLIC_CACHE = 'public, max-age=60, stale-while-revalidate=300'
export const PRIVATE_CACHE = 'private, no-store'

export { auth, createArticle }
