// Response serialization with fast-json-stringify, compiled once per distinct schema, and only
// when a route first answers with it (or the warm-up after listen gets to it). Every route answers problems with the same schema, and many answer articles with the
// same one: compiling each only once makes an app start in a fraction of the time (a test suite
// builds hundreds of apps; a server, one).
import fastJsonStringify from 'fast-json-stringify'
import type { FastifyInstance } from 'fastify'
import { onFirstUse } from './lazy-compile.js'

type Serializer = (data: unknown) => string

type JsonSchema = Record<string, unknown>

/** What fast-json-stringify needs of a property's schema: a scalar's type alone, anything else as it is. */
function writeShape(schema: JsonSchema): string {
  const { description: _description, title: _title, ...rest } = schema
  const scalar = typeof rest.type === 'string' && ['string', 'integer', 'number', 'boolean'].includes(rest.type)
  const structured = ['properties', 'items', 'anyOf', 'oneOf', 'allOf', '$ref'].some((key) => key in rest)
  return JSON.stringify(scalar && !structured ? { type: rest.type } : rest)
}

/**
 * fast-json-stringify writes a `oneOf` value by validating it against each branch in turn (formats
 * included) to find the one it is. The branches of a discriminated union of objects differ only in
 * which properties they have, so one object schema with every branch's properties writes the same
 * bytes without validating anything, provided the properties can be put in one order that keeps
 * the order in which each branch's own are written. When they cannot, the union is left as it is.
 */
export function mergedUnion(schema: JsonSchema): JsonSchema | null {
  const branches = schema.oneOf
  if (!Array.isArray(branches) || schema.discriminator === undefined) return null
  const order: string[] = []
  const shapes = new Map<string, string>()
  const properties: Record<string, unknown> = {}
  for (const branch of branches as JsonSchema[]) {
    if (branch.type !== 'object' || typeof branch.properties !== 'object' || branch.properties === null) return null
    let previous = -1
    // fast-json-stringify writes an object's required properties first, then the optional ones.
    const required = new Set(Array.isArray(branch.required) ? (branch.required as string[]) : [])
    const entries = Object.entries(branch.properties as Record<string, JsonSchema>)
    const written = [...entries.filter(([name]) => required.has(name)), ...entries.filter(([name]) => !required.has(name))]
    for (const [name, property] of written) {
      const shape = writeShape(property)
      let at = order.indexOf(name)
      if (at === -1) {
        order.push(name)
        shapes.set(name, shape)
        properties[name] = JSON.parse(shape) as unknown
        at = order.length - 1
      } else if (shapes.get(name) !== shape) {
        return null
      }
      if (at < previous) return null
      previous = at
    }
  }
  return { $id: schema.$id, type: 'object', properties }
}

/**
 * The same goes for an `anyOf`: a choice of string literals is written as a string, and
 * `anyOf: [{$ref: X}, {type: 'null'}]` (an embedded photo or article, or none) as the object's own
 * schema with `type: ['object', 'null']`, told apart by a null check instead.
 */
export function withCheapNulls(schema: unknown, byId: ReadonlyMap<string, JsonSchema>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => withCheapNulls(item, byId))
  if (typeof schema !== 'object' || schema === null) return schema
  const node = schema as JsonSchema
  const options = node.anyOf
  // A choice of string literals (a status, a style) is written as the string it is.
  if (Array.isArray(options) && options.length > 0 && (options as JsonSchema[]).every((o) => o.type === 'string' && 'const' in o)) {
    const { anyOf: _anyOf, ...siblings } = node
    return { ...siblings, type: 'string' }
  }
  if (Array.isArray(options) && options.length === 2) {
    const ref = (options as JsonSchema[]).find((option) => typeof option.$ref === 'string')
    const nullable = (options as JsonSchema[]).some((option) => option.type === 'null' && Object.keys(option).length === 1)
    const target = ref === undefined ? undefined : byId.get((ref.$ref as string).replace(/#$/, ''))
    if (nullable && target !== undefined && target.type === 'object' && Object.keys(ref!).length === 1) {
      const { $id: _id, anyOf: _anyOf, ...siblings } = node
      const { $id: _targetId, ...body } = target
      // The inlined schema's own choices too (a teaser's lead photo, inlined into a related
      // block): left as they are, fast-json-stringify validated each embedded photo against
      // Media, formats included, to pick a branch, a third of an article's serialization.
      return withCheapNulls({ ...siblings, ...body, type: ['object', 'null'] }, byId)
    }
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withCheapNulls(value, byId)]))
}

export interface SerializationOptions {
  /**
   * Hand fast-json-stringify the cheaper equivalents above (merged block unions, null checks
   * instead of anyOf). They write the same bytes for every valid answer; off, the schemas go to
   * fast-json-stringify as the OpenAPI document states them (FAST_SERIALIZATION=false).
   */
  rewrite: boolean
}

interface Pool {
  context?: { byId: ReadonlyMap<string, JsonSchema>; external: Record<string, unknown> }
  serializers: Map<string, Serializer>
}

// Compiled serializers are kept for each set of shared schemas and each setting, like the
// validators (see validation.ts): apps built from the same schemas compile each one once.
const pools = new WeakMap<readonly { $id: string }[], Map<boolean, Pool>>()

export function registerSerialization(app: FastifyInstance, schemas: readonly { $id: string }[], { rewrite }: SerializationOptions): void {
  let bySetting = pools.get(schemas)
  if (!bySetting) pools.set(schemas, (bySetting = new Map()))
  let pool = bySetting.get(rewrite)
  if (!pool) bySetting.set(rewrite, (pool = { serializers: new Map() }))
  const { serializers } = pool
  // The shared schemas as fast-json-stringify reads them, prepared at the first compile.
  const prepared = () => {
    if (pool.context) return pool.context
    const merged = schemas.map((schema) => (rewrite ? (mergedUnion(schema as JsonSchema) ?? schema) : schema) as JsonSchema)
    const byId = new Map(merged.map((schema) => [schema.$id as string, schema]))
    const external = Object.fromEntries(merged.map((schema) => [schema.$id, rewrite ? withCheapNulls(schema, byId) : schema]))
    return (pool.context = { byId, external })
  }
  app.setSerializerCompiler(({ schema }) => {
    const key = JSON.stringify(schema)
    let serializer = serializers.get(key)
    if (!serializer) {
      const compiled = onFirstUse(() => {
        const { byId, external } = prepared()
        const shape = rewrite ? withCheapNulls(schema, byId) : schema
        return fastJsonStringify(shape as never, { schema: external as never }) as Serializer
      })
      serializer = (data) => compiled()(data)
      serializers.set(key, serializer)
    }
    return serializer
  })
}
