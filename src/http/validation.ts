// Validation with two Ajv instances: querystrings, params and headers are text, so their values
// are coerced ("20" → 20); bodies are JSON, so a wrong type is a 400, never silently converted.
// Unknown fields are refused, never dropped, and every failing field is reported.
import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import type { FastifyInstance, FastifySchema } from 'fastify'
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
