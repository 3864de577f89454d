// Comment forms on pages without JavaScript: the form body they post
// (application/x-www-form-urlencoded) and the way back to the page (`returnTo`).
import formbody from '@fastify/formbody'
import type { FastifyInstance } from 'fastify'
import { type Static, Type } from 'typebox'
import { invalidField } from '../http/problems.js'
import { CommentCreate } from './schemas.js'

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded'

/**
 * What a form posts: the fields of a JSON submission, plus `returnTo`, and a `parentId` that may
 * be empty (a form's hidden field for a comment that replies to nothing).
 */
export const CommentForm = Type.Object(
  {
    ...CommentCreate.properties,
    parentId: Type.Optional(Type.String({ maxLength: 64, description: 'The comment replied to; empty or left out for none.' })),
    returnTo: Type.Optional(
      Type.String({
        maxLength: 2_000,
        description:
          'The page to send the reader back to: an absolute URL on an origin listed in CORS_WRITE_ORIGINS (`*` is not ' +
          'enough), else 400. With it the answer is `303 See Other` to that URL with `comment=published` or ' +
          '`comment=pending` added to its query; without it, the JSON answer.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type CommentForm = Static<typeof CommentForm>

/**
 * Lets `scope` take form bodies, up to `bodyLimit` bytes like its JSON bodies. @fastify/formbody
 * (the Fastify team's, on the query-string parser Fastify itself uses) rather than a parser of
 * our own: a repeated field becomes an array that the schema refuses, a `__proto__` field is
 * an own key that the schema refuses, and malformed escapes stay as they were sent.
 */
export async function acceptForms(scope: FastifyInstance, bodyLimit: number): Promise<void> {
  await scope.register(formbody, { bodyLimit })
}

/**
 * Where a form sends its reader back, or null when it names no page. Only origins listed one by
 * one in CORS_WRITE_ORIGINS (the sites that may write): anything else would make the service
 * an open redirect for whoever links to a form of theirs.
 */
export function returnTarget(returnTo: string | undefined, writeOrigins: readonly string[]): URL | null {
  if (returnTo === undefined || returnTo === '') return null
  let url: URL | undefined
  try {
    url = new URL(returnTo)
  } catch {
    // answered below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalidField('body.returnTo', 'must be an absolute http or https URL')
  }
  if (!writeOrigins.includes(url.origin)) {
    throw invalidField('body.returnTo', `must be on an origin listed in CORS_WRITE_ORIGINS, not ${url.origin}`)
  }
  return url
}

/** The page to go back to, with `comment=published` (shown now) or `comment=pending` (held: spam too). */
export function returnLocation(target: URL, status: string): string {
  const url = new URL(target)
  url.searchParams.set('comment', status === 'approved' ? 'published' : 'pending')
  return url.href
}
