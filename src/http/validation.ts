// Validation with two Ajv instances: querystrings, params and headers are text, so their values
// are coerced ("20" → 20); bodies are JSON, so a wrong type is a 400, never silently converted.
// Unknown fields are refused, never dropped, and every failing field is reported.
import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
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

function makeAjv(options: Options, schemas: readonly object[]): Ajv {
  const ajv = addFormats(new Ajv({ ...COMMON, ...options }))
  for (const schema of schemas) ajv.addSchema(schema)
  return ajv
}

// One pair of Ajv instances and one compiled validator per distinct schema for the whole
// process: the shared schemas never change, and compiling is most of an app's start-up. Both
// are made when a request first needs them (or when the warm-up after listen gets to them);
// until then a route holds a stand-in that compiles on its first call.
const instances: { body?: Ajv; text?: Ajv } = {}
const validators = new Map<string, ValidateFunction>()

/** Ajv's validate function, compiled at its first call. */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  const compiled = onFirstUse(compile)
  const validate = ((data: unknown, context?: object) => {
    const real = compiled()
    const valid = real(data, context as never)
    validate.errors = real.errors
    return valid
  }) as ValidateFunction
  validate.errors = null
  // Fastify hands the request as the parent only to a function that has this (every Ajv function
  // does), and Ajv needs the parent to replace a coerced or defaulted root value. Fastify reads it
  // outside its try: a schema that fails to compile must fail in the call, as a 500.
  Object.defineProperty(validate, 'schemaEnv', {
    get: () => {
      try {
        return compiled().schemaEnv
      } catch {
        return true
      }
    },
  })
  return validate
}

export function registerValidation(app: FastifyInstance, schemas: readonly object[]): void {
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
    let validate = validators.get(key)
    if (!validate) {
      validate = compiledOnFirstUse(() => {
        const instance = ajv(httpPart)
        return (schema.$id && instance.getSchema(schema.$id)) || instance.compile(schema)
      })
      validators.set(key, validate)
    }
    return validate
  })
}
