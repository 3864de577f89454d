// Validation with two Ajv instances: querystrings, params and headers are text, so their values
// are coerced ("20" → 20); bodies are JSON, so a wrong type is a 400, never silently converted.
// Unknown fields are refused, never dropped, and every failing field is reported.
import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { invalidField } from './problems.js'
import { onFirstUse } from './lazy-compile.js'

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

const COMMON: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  discriminator: true,
  strict: false,
}

/**
 * RFC 3339 allows a leap second (23:59:60), which JavaScript dates cannot hold: `Date.parse`
 * answers NaN, and an embargo compared with NaN would publish at once. Every time the API
 * accepts must be an instant the service can compute with.
 */
const rfc3339 = fullFormats['date-time'] as { validate: (value: string) => boolean }
const DATE_TIME = { type: 'string' as const, validate: (value: string) => rfc3339.validate(value) && !Number.isNaN(Date.parse(value)) }

function makeAjv(options: Options, schemas: readonly object[]): Ajv {
  const ajv = addFormats(new Ajv({ ...COMMON, ...options }))
  ajv.addFormat('date-time', DATE_TIME)
  for (const schema of schemas) ajv.addSchema(schema)
  return ajv
}

interface Validators {
  ajv: { body?: Ajv; text?: Ajv }
  compiled: Map<string, ValidateFunction>
}

// Compiling is most of an app's start-up, so the Ajv instances and the validators compiled from
// them are kept for each set of shared schemas (as Fastify's own compiler pools them by their
// external schemas): every app built from the same schemas, a test suite's hundreds included,
// compiles each validator once. The instances are made when a request first needs them.
const pools = new WeakMap<readonly object[], Validators>()

/**
 * Ajv's validate function, compiled at its first call (or by the warm-up after listen). It is
 * called with the data only: every schema here has an object at its root, which Ajv coerces
 * and fills with defaults in place, so it never needs the parent to replace the root value.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  const compiled = onFirstUse(compile)
  const validate = ((data: unknown) => {
    const real = compiled()
    const valid = real(data)
    validate.errors = real.errors
    return valid
  }) as ValidateFunction
  validate.errors = null
  return validate
}

export function registerValidation(app: FastifyInstance, schemas: readonly object[]): void {
  let pool = pools.get(schemas)
  if (!pool) pools.set(schemas, (pool = { ajv: {}, compiled: new Map() }))
  const { ajv: instances, compiled } = pool
  const ajv = (httpPart: string | undefined): Ajv =>
    httpPart === 'body'
      ? (instances.body ??= makeAjv({ coerceTypes: false }, schemas))
      : (instances.text ??= makeAjv({ coerceTypes: 'array' }, schemas))
  // Bodies are JSON (or multipart where a route registers it). Fastify's built-in text/plain
  // parser would hand a string to a JSON schema and answer 400 where the contract says 415.
  app.removeContentTypeParser('text/plain')
  registerJsonParser(app)
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema & { $id?: string }; httpPart?: string }) => {
    const part = httpPart === 'body' ? 'body' : 'text'
    const key = schema.$id ? `${part}\u0000$id\u0000${schema.$id}` : `${part}\u0000${JSON.stringify(schema)}`
    let validate = compiled.get(key)
    if (!validate) {
      validate = compiledOnFirstUse(() => {
        const instance = ajv(httpPart)
        return (schema.$id && instance.getSchema(schema.$id)) || instance.compile(schema)
      })
      compiled.set(key, validate)
    }
    return validate
  })
}

// In a `u` regex a surrogate pair is one code point: only a lone surrogate is in category Cs.
const LONE_SURROGATE = /\p{Cs}/u

/** The first string in `value` (a parsed JSON body) that is not well-formed UTF-16, as a path. */
function illFormedString(value: unknown, path: string): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = illFormedString(value[i], `${path}[${i}]`)
      if (found !== null) return found
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = illFormedString(item, `${path}.${key}`) ?? (LONE_SURROGATE.test(key) ? path : null)
      if (found !== null) return found
    }
  }
  return null
}

/**
 * JSON bodies, parsed by Fastify's own parser (with its protections against prototype
 * poisoning), with two rules of ours. An empty body is no body. A body with a lone surrogate
 * (`"\ud800"`) is refused: such a string is no text, cannot be written as UTF-8, and would be
 * stored and served broken. Only an escape can make one (bytes that are not UTF-8 decode to
 * U+FFFD), so bodies without `\u` skip the walk.
 */
function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // No bytes is no body, as without a Content-Type: a route whose body is optional takes it,
    // and the rest answer that the body is required.
    if (body === '') return done(null, undefined)
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined)
      const path = (body as string).includes('\\u') ? illFormedString(value, 'body') : null
      if (path !== null) return done(invalidField(path, 'must be text: it holds a lone UTF-16 surrogate'), undefined)
      done(null, value)
    })
  })
}
