// Validation with two Ajv instances: querystrings, params and headers are text, so their values
// are coerced ("20" → 20); bodies are JSON, so a wrong type is a 400, never silently converted.
// Unknown fields are refused, never dropped, and every failing field is reported.
import { Ajv, type Options } from 'ajv'
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

export function registerValidation(app: FastifyInstance, schemas: readonly object[]): void {
  const body = makeAjv({ coerceTypes: false }, schemas)
  const text = makeAjv({ coerceTypes: 'array' }, schemas)
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema & { $id?: string }; httpPart?: string }) => {
    const ajv = httpPart === 'body' ? body : text
    return (schema.$id && ajv.getSchema(schema.$id)) || ajv.compile(schema)
  })
}
