// Schemas and schema helpers every resource uses: ids, times, pages, problems, and `ref`, a
// reference to a shared schema that keeps the static type a bare Type.Ref would lose.
import type { FastifyInstance } from 'fastify'
import { type Static, type TSchema, Type } from 'typebox'

export type SharedSchema = TSchema & { $id: string }

/**
 * Names a schema that routes share by reference: `ref(schema)` points at it, and buildApp
 * registers it (its SHARED_SCHEMAS list), which makes it a named component of the OpenAPI document.
 */
export function shareSchema<T extends TSchema>(id: string, schema: T): T & { $id: string } {
  return Object.assign(schema, { $id: id })
}

/** Adds the shared schemas to the app, for validation, serialization and the OpenAPI document. */
export function registerSharedSchemas(app: FastifyInstance, schemas: readonly SharedSchema[]): void {
  for (const schema of schemas) app.addSchema(schema)
}

/** A typed reference to a shared schema. */
export function ref<T extends SharedSchema>(schema: T) {
  return Type.Unsafe<Static<T>>({ $ref: `${schema.$id}#` })
}

/** `T | null` as one JSON Schema type list: cheaper to validate and serialize than anyOf. */
export function Nullable<T extends TSchema>(schema: T) {
  const type = (schema as { type?: unknown }).type
  if (typeof type !== 'string') return Type.Union([schema, Type.Null()])
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] })
}

/**
 * Marks a request body that may be left out altogether (a publish now, a secret rotation with
 * the default grace): the OpenAPI document then says `requestBody.required: false` (see
 * openapi.ts), and the JSON parser takes an empty body as none.
 */
export const OPTIONAL_BODY = { 'x-optional-body': true } as const

/** One of a few strings, as a JSON Schema `enum`: tools show it as a choice, where a union of constants reads poorly. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 time in UTC.', examples: ['2026-01-09T10:00:00.000Z'] })

/** A time, described for the field that holds it. */
export const TimestampOf = (description: string) =>
  Type.String({ format: 'date-time', description: `${description} ISO 8601, UTC.`, examples: ['2026-01-09T10:00:00.000Z'] })

/**
 * The pattern of an absolute http(s) URL with a host: `format: 'uri'` alone takes "http:///x",
 * which URL parsers then read as "http://x/", a host nobody typed.
 */
export const HTTP_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]'

/** An id as the service makes them (src/db/ids.ts: a lower-case ULID), for examples in the document. */
export const EXAMPLE_ID = '01m8p7sg8kfj5terjjv04s200v'

/** An id that the service made, described for the field that holds it. */
export const IdOf = (description: string) => Type.String({ minLength: 1, maxLength: 64, description, examples: [EXAMPLE_ID] })

export const Id = IdOf('An opaque identifier made by the service (today a 26-character lower-case ULID); never parse it.')

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page, 1 to 100.' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The `nextCursor` of the previous page.' })),
}

export const NextCursor = Nullable(
  Type.String({ description: 'Pass as `cursor` to get the next page; null on the last page. Opaque: never build or change one.' }),
)

/** A page of a list: `data` says what the items are and in which order. */
export function Page<T extends TSchema>(item: T, data = "This page's items, in the list's order.") {
  return Type.Object({
    data: Type.Array(item, { description: data }),
    nextCursor: NextCursor,
  })
}

export const FieldErrorSchema = Type.Object(
  {
    path: Type.String({
      description: 'Where the invalid value is: `body.`, `querystring.` or `params.` and the field, e.g. `body.body[3].mediaId`.',
    }),
    message: Type.String({ description: 'What is wrong with it, for people, e.g. "must NOT have more than 500 characters".' }),
  },
  { description: 'One invalid field.' },
)

export const ProblemSchema = shareSchema(
  'Problem',
  Type.Object(
    {
      type: Type.String({
        description: 'A URI naming the kind of problem, e.g. `urn:cms:problem:not-found`: branch on this, not on `title` or `detail`.',
      }),
      title: Type.String({ description: 'A short name of the kind of problem, the same for every problem of a `type`, e.g. "Not Found".' }),
      status: Type.Integer({ description: 'The HTTP status code of the answer, repeated.' }),
      detail: Type.String({ description: 'What went wrong with this request, for people; plain text. Its wording may change.' }),
      instance: Type.Optional(
        Type.String({ description: 'Names this request: `urn:cms:request:` and its `X-Request-Id`; quote it when reporting a problem.' }),
      ),
      errors: Type.Optional(Type.Array(FieldErrorSchema, { description: 'Each invalid field, for validation problems.' })),
    },
    { description: 'An RFC 9457 problem document.' },
  ),
)

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: the `errors` list names each invalid field.',
  401: 'No API key, or an unknown or revoked one.',
  403: 'The key is valid but its role may not do this.',
  404: 'Absent, or not visible to this caller.',
  409: 'Conflicts with the current state (a taken slug, a resource in use).',
  410: 'Gone: no longer there (an expired preview link, a change-feed cursor older than what is kept).',
  412: 'The `If-Match` ETag is stale.',
  413: 'The request body is too large.',
  415: 'The content type is not supported.',
  422: 'The `Idempotency-Key` was used with a different request.',
  429: 'Too many requests: retry after `Retry-After` seconds.',
  503: 'Temporarily unavailable: retry after `Retry-After` seconds.',
}

/** Response entries for the problems a route can answer, all as application/problem+json. */
export function problems(...statuses: number[]) {
  const out: Record<number, unknown> = {}
  for (const status of statuses) {
    out[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'A problem.',
      content: { 'application/problem+json': { schema: ref(ProblemSchema) } },
    }
  }
  return out
}

/** The response entry for a JSON body. */
export function json<T extends TSchema>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } }
}
