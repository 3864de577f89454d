// The one error handler: every failure leaves as application/problem+json, and nothing but
// a generic message leaves for a 5xx (the details go to the log).
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type FieldError, Problem, problemType } from './problems.js'

export interface ProblemDocument {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  errors?: FieldError[]
}

interface AjvLikeError {
  instancePath?: string
  message?: string
  keyword?: string
  params?: Record<string, unknown>
}

const STATUS_SLUGS: Record<number, [string, string]> = {
  400: ['validation', 'Bad Request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not Found'],
  405: ['method-not-allowed', 'Method Not Allowed'],
  406: ['not-acceptable', 'Not Acceptable'],
  409: ['conflict', 'Conflict'],
  411: ['length-required', 'Length Required'],
  412: ['precondition-failed', 'Precondition Failed'],
  413: ['payload-too-large', 'Payload Too Large'],
  414: ['uri-too-long', 'URI Too Long'],
  415: ['unsupported-media-type', 'Unsupported Media Type'],
  416: ['range-not-satisfiable', 'Range Not Satisfiable'],
  422: ['unprocessable', 'Unprocessable Content'],
  429: ['rate-limited', 'Too Many Requests'],
  431: ['headers-too-large', 'Request Header Fields Too Large'],
  503: ['unavailable', 'Service Unavailable'],
}

/** `/body/2/text` → `body[2].text`, prefixed with the request part that failed. */
function fieldPath(context: string | undefined, pointer: string, extra?: unknown): string {
  const segments = pointer.split('/').slice(1)
  if (typeof extra === 'string') segments.push(extra)
  let path = context ?? ''
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    path += /^\d+$/.test(segment) ? `[${segment}]` : path === '' ? segment : `.${segment}`
  }
  return path
}

function validationErrors(context: string | undefined, errors: AjvLikeError[]): FieldError[] {
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const error of errors) {
    let extra: unknown
    let message = error.message ?? 'is invalid'
    if (error.keyword === 'additionalProperties') {
      extra = error.params?.additionalProperty
      message = 'is not an allowed field'
    } else if (error.keyword === 'required') {
      extra = error.params?.missingProperty
      message = 'is required'
    } else if (error.keyword === 'discriminator') {
      extra = error.params?.tag
      message = error.params?.tagValue === undefined ? 'is required' : `"${String(error.params.tagValue)}" is not a known type`
    } else if (error.keyword === 'enum' && Array.isArray(error.params?.allowedValues)) {
      message = `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}`
    }
    const entry = { path: fieldPath(context, error.instancePath ?? '', extra), message }
    const key = `${entry.path}\u0000${entry.message}`
    if (!seen.has(key)) {
      seen.add(key)
      out.push(entry)
    }
  }
  return out
}

export function problemDocument(request: FastifyRequest, status: number, slug: string, title: string, detail: string, errors?: FieldError[]): ProblemDocument {
  const doc: ProblemDocument = { type: problemType(slug), title, status, detail, instance: `urn:cms:request:${request.id}` }
  if (errors && errors.length > 0) doc.errors = errors
  return doc
}

export function sendProblem(reply: FastifyReply, doc: ProblemDocument, headers: Record<string, string> = {}): FastifyReply {
  reply.headers(headers)
  if (doc.status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer')
  // Problems are about this request only: never let a shared cache keep one.
  reply.header('cache-control', 'no-store')
  return reply.code(doc.status).type('application/problem+json').send(doc)
}

function isSqliteError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && error.name === 'SqliteError' && typeof (error as { code?: unknown }).code === 'string'
}

/**
 * Fastify's `frameworkErrors` option: a malformed URL (bad percent-encoding) or an overlong
 * path parameter is refused by the router before any hook or error handler runs, and without
 * this it would answer in Fastify's own JSON shape rather than as a problem.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
  if (status === 500) request.log.error({ err: error }, 'request failed in the router')
  const [slug, title] = STATUS_SLUGS[status] ?? ['internal', 'Internal Server Error']
  const detail = status === 500 ? 'Something went wrong on our side; it has been logged.' : error.message
  void sendProblem(reply, problemDocument(request, status, slug, title, detail))
}

/**
 * Fastify's `clientErrorHandler` option: what Node's HTTP parser refuses before any request
 * exists (a malformed request line, a bad Content-Length, headers too large, headers too slow)
 * is answered as a problem too, on the raw socket, which is then closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const [slug, title] = CLIENT_ERRORS[status]!
  const detail =
    status === 408
      ? 'The request did not arrive in time.'
      : status === 431
        ? 'The request headers are too large.'
        : 'The request is not valid HTTP/1.1 (its request line, headers or framing).'
  const body = JSON.stringify({ type: problemType(slug), title, status, detail })
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

const CLIENT_ERRORS: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad Request'],
  408: ['request-timeout', 'Request Timeout'],
  431: STATUS_SLUGS[431]!,
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Problem | Error, request, reply) => {
    if (error instanceof Problem) {
      return sendProblem(reply, problemDocument(request, error.status, error.slug, error.title, error.detail, error.errors), error.headers)
    }
    const fastifyError = error as FastifyError
    if (fastifyError.validation) {
      const errors = validationErrors(fastifyError.validationContext, fastifyError.validation as AjvLikeError[])
      const detail = errors.map((e) => `${e.path} ${e.message}`).join('; ')
      return sendProblem(reply, problemDocument(request, 400, 'validation', 'Bad Request', detail || 'The request is invalid.', errors))
    }
    if (isSqliteError(error)) {
      if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED') {
        request.log.warn({ code: error.code }, 'database busy')
        return sendProblem(reply, problemDocument(request, 503, 'unavailable', 'Service Unavailable', 'The database is busy; retry shortly.'), { 'retry-after': '1' })
      }
      if (error.code.startsWith('SQLITE_CONSTRAINT')) {
        // Repositories map the constraints they expect; this catches a race they could not see.
        request.log.warn({ code: error.code }, 'constraint failed')
        return sendProblem(reply, problemDocument(request, 409, 'conflict', 'Conflict', 'The change conflicts with the current state of the data.'))
      }
    }
    const status = fastifyError.statusCode
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const [slug, title] = STATUS_SLUGS[status] ?? ['client-error', 'Client Error']
      // Fastify's own 4xx messages describe the request, never the server.
      const headers: Record<string, string> = {}
      const retryAfter = (error as { headers?: Record<string, string> }).headers?.['retry-after']
      if (retryAfter) headers['retry-after'] = retryAfter
      return sendProblem(reply, problemDocument(request, status, slug, title, error.message), headers)
    }
    request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, problemDocument(request, 500, 'internal', 'Internal Server Error', 'Something went wrong on our side; it has been logged.'))
  })

  app.setNotFoundHandler((request, reply) => {
    return sendProblem(reply, problemDocument(request, 404, 'not-found', 'Not Found', `No route for ${request.method} ${request.url.split('?')[0]}.`))
  })
}
