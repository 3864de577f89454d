// Response serialization with fast-json-stringify, compiled once per distinct schema for the
// whole process. Every route answers problems with the same schema, and many answer articles
// with the same one: compiling each only once makes an app start in a fraction of the time
// (a test suite builds hundreds of apps; a server, one).
import fastJsonStringify from 'fast-json-stringify'
import type { FastifyInstance } from 'fastify'

type Serializer = (data: unknown) => string

const cache = new Map<string, Serializer>()

export function registerSerialization(app: FastifyInstance, schemas: readonly { $id: string }[]): void {
  const external = Object.fromEntries(schemas.map((schema) => [schema.$id, schema]))
  app.setSerializerCompiler(({ schema }) => {
    const key = JSON.stringify(schema)
    let serializer = cache.get(key)
    if (!serializer) {
      serializer = fastJsonStringify(schema as never, { schema: external as never }) as Serializer
      cache.set(key, serializer)
    }
    return serializer
  })
}
