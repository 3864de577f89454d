// Problems: the typed errors handlers throw. One error handler (errors.ts) turns them into
// RFC 9457 documents; nothing else builds an error reply.

export interface FieldError {
  path: string
  message: string
}

/** The problem `type` URIs; README lists them. */
export const problemType = (slug: string) => `urn:cms:problem:${slug}`

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
    this.name = 'Problem'
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new Problem(400, 'validation', 'Bad Request', detail, errors)

export const invalidField = (path: string, message: string) =>
  badRequest(`${path} ${message}`, [{ path, message }])

export const unauthorized = (detail = 'A valid API key is required: send Authorization: Bearer <key>.') =>
  new Problem(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' })

export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail)

export const notFound = (resource: string, id?: string, by = 'id') =>
  new Problem(404, 'not-found', 'Not Found', id === undefined ? `No such ${resource}.` : `No ${resource} with ${by} "${id}".`)

export const conflict = (detail: string) => new Problem(409, 'conflict', 'Conflict', detail)

export const gone = (detail: string) => new Problem(410, 'gone', 'Gone', detail)

export const preconditionFailed = (detail: string) =>
  new Problem(412, 'precondition-failed', 'Precondition Failed', detail)

export const payloadTooLarge = (detail: string) => new Problem(413, 'payload-too-large', 'Payload Too Large', detail)

export const unsupportedMediaType = (detail: string) =>
  new Problem(415, 'unsupported-media-type', 'Unsupported Media Type', detail)

export const unprocessable = (detail: string) => new Problem(422, 'unprocessable', 'Unprocessable Content', detail)

export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new Problem(429, 'rate-limited', 'Too Many Requests', detail, undefined, {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  })

export const serviceUnavailable = (detail: string, retryAfterSeconds: number) =>
  new Problem(503, 'unavailable', 'Service Unavailable', detail, undefined, {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  })
