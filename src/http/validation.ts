// Validation with two Ajv instances: querystrings, params and headers are text, so their values
// are coerced ("20" → 20); bodies are JSON, so a wrong type is a 400, never silently converted.
// Unknown fields are refused, never dropped, and every failing field is reported.
import { Ajv, type Options, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import type { FastifyInstance, FastifySchema } from 'fastify'

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
// process: the shared schemas never change, and compiling is most of an app's start-up.
let instances: { body: Ajv; text: Ajv } | undefined
const compiled = new Map<string, ValidateFunction>()

export function registerValidation(app: FastifyInstance, schemas: readonly object[]): void {
  instances ??= { body: makeAjv({ coerceTypes: false }, schemas), text: makeAjv({ coerceTypes: 'array' }, schemas) }
  const { body, text } = instances
  // Bodies are JSON (or multipart where a route registers it). Fastify's built-in text/plain
  // parser would hand a string to a JSON schema and answer 400 where the contract says 415.
  app.removeContentTypeParser('text/plain')
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema & { $id?: string }; httpPart?: string }) => {
    const ajv = httpPart === 'body' ? body : text
    if (schema.$id) return ajv.getSchema(schema.$id) ?? ajv.compile(schema)
    const key = `${httpPart === 'body' ? 'body' : 'text'}\u0000${JSON.stringify(schema)}`
    let validate = compiled.get(key)
    if (!validate) {
      validate = ajv.compile(schema)
      compiled.set(key, validate)
    }
    return validate
  })
}
