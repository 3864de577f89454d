// The committed OpenAPI document must be exactly what the code generates, complete, and read
// well in tools: every operation, parameter, tag and field described.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { ID_ALPHABET, newId } from '../src/db/ids.js'
import { generateOpenApiDocument } from '../src/openapi-document.js'
import { projectPath } from '../src/paths.js'
import { makeApp } from './helpers.js'

t.test('openapi/openapi.json is up to date (run `npm run openapi:write` when this fails)', async (t) => {
  const committed = readFileSync(projectPath('openapi', 'openapi.json'), 'utf8')
  const generated = await generateOpenApiDocument()
  t.equal(committed, generated)
})

t.test('GET /openapi.json serves the document and /docs the page', async (t) => {
  const { app } = await makeApp(t)
  const doc = await app.inject('/openapi.json')
  t.equal(doc.statusCode, 200)
  t.equal(doc.json().openapi, '3.1.0')
  const docs = await app.inject('/docs/')
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
})

t.test('every operation has an operationId, a summary, one tag and documented problems', async (t) => {
  const { app } = await makeApp(t)
  const doc = (await app.inject('/openapi.json')).json()
  const ids = new Set<string>()
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const name = `${method.toUpperCase()} ${path}`
      t.ok(op.operationId, `${name} has an operationId`)
      t.notOk(ids.has(op.operationId), `${name}: operationId ${op.operationId} is unique`)
      ids.add(op.operationId)
      t.ok(op.summary, `${name} has a summary`)
      t.equal(op.tags?.length, 1, `${name} has one tag`)
      const secured = (op.security ?? []).some((s: Record<string, unknown>) => 'bearerAuth' in s)
      const needsKey = secured && !(op.security ?? []).some((s: Record<string, unknown>) => Object.keys(s).length === 0)
      if (needsKey) {
        t.ok(op.responses['401'], `${name} documents 401`)
        t.equal(
          op.responses['401']?.content?.['application/problem+json']?.schema?.$ref,
          '#/components/schemas/Problem',
          `${name}: 401 is a problem document`,
        )
      }
      const hasInput = op.requestBody || (op.parameters ?? []).some((p: any) => p.in === 'query')
      if (hasInput) t.ok(op.responses['400'], `${name} documents 400`)
    }
  }
  t.ok(doc.components.securitySchemes.bearerAuth, 'bearer scheme declared')
  t.ok(doc.components.schemas.Article, 'Article is a named component')
  t.ok(doc.components.schemas.Problem, 'Problem is a named component')
})

t.test('answers without a body (204, 304) are documented without one', async (t) => {
  const { app } = await makeApp(t)
  const doc = (await app.inject('/openapi.json')).json()
  let seen = 0
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      for (const code of ['204', '304']) {
        if (!op.responses[code]) continue
        seen += 1
        t.notOk('content' in op.responses[code], `${method.toUpperCase()} ${path} ${code} has no content`)
      }
    }
  }
  t.ok(seen > 20, `every DELETE's 204 and every GET's 304 was checked (${seen})`)
})

/** Each operation of the document, named `METHOD /path`. */
function operations(doc: any): [string, any][] {
  const out: [string, any][] = []
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) out.push([`${method.toUpperCase()} ${path}`, op])
  }
  return out
}

t.test('every operation has a description, and every path parameter a description and an example', async (t) => {
  const { app } = await makeApp(t)
  const doc = (await app.inject('/openapi.json')).json()
  for (const [name, op] of operations(doc)) {
    t.ok(typeof op.description === 'string' && op.description.length > op.summary.length / 2, `${name} has a description`)
    t.not(op.description, op.summary, `${name}: the description says more than the summary`)
    for (const parameter of op.parameters ?? []) {
      if (parameter.in !== 'path') continue
      t.ok(parameter.description, `${name}: {${parameter.name}} is described`)
      t.not(parameter.example ?? parameter.examples, undefined, `${name}: {${parameter.name}} has an example`)
    }
  }
})

t.test('path parameter examples have the shape the service makes: ids are lower-case ULIDs', async (t) => {
  const { app } = await makeApp(t)
  const doc = (await app.inject('/openapi.json')).json()
  const ULID = new RegExp(`^[${ID_ALPHABET}]{26}$`)
  // Webhook events are `evt_` and an id (webhooks/outbox.ts).
  const EVENT_ID = new RegExp(`^evt_[${ID_ALPHABET}]{26}$`)
  t.match(newId(), ULID, 'the pattern is that of a real id')
  let ids = 0
  for (const [name, op] of operations(doc)) {
    for (const parameter of (op.parameters ?? []).filter((p: any) => p.in === 'path' && /^(id|\w+Id)$/.test(p.name))) {
      ids++
      const shape = parameter.name === 'eventId' ? EVENT_ID : ULID
      t.match(parameter.example, shape, `${name}: {${parameter.name}} example ${parameter.example}`)
    }
  }
  t.ok(ids > 30, `${ids} id parameters checked`)
})

t.test('every tag used is declared with a description; the document names a contact and a server', async (t) => {
  const { app } = await makeApp(t)
  const doc = (await app.inject('/openapi.json')).json()
  const declared = new Map<string, string>(doc.tags.map((tag: { name: string; description: string }) => [tag.name, tag.description]))
  const used = new Set(operations(doc).flatMap(([, op]) => op.tags as string[]))
  for (const tag of used) t.ok(declared.get(tag), `tag ${tag} is declared with a description`)
  for (const tag of declared.keys()) t.ok(used.has(tag), `declared tag ${tag} is used`)
  t.ok(doc.info.contact && Object.keys(doc.info.contact).length > 0, 'info.contact')
  t.ok(doc.servers?.length > 0, 'servers')
})

/**
 * Every property of `schema` and of every schema it reaches ($ref, allOf/anyOf/oneOf, items,
 * nested objects) that has no description, as `Where.path.to.field`.
 */
function undescribed(schema: any, where: string, components: Record<string, any>, seen: Set<string>, out: string[]): string[] {
  if (!schema || typeof schema !== 'object') return out
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '')
    if (!seen.has(name)) {
      seen.add(name)
      undescribed(components[name], name, components, seen, out)
    }
  }
  for (const key of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) for (const member of schema[key] ?? []) undescribed(member, where, components, seen, out)
  if (schema.items) undescribed(schema.items, `${where}[]`, components, seen, out)
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') undescribed(schema.additionalProperties, `${where}{}`, components, seen, out)
  for (const [field, property] of Object.entries<any>(schema.properties ?? {})) {
    if (typeof property?.description !== 'string' || property.description.trim() === '') out.push(`${where}.${field}`)
    undescribed(property, `${where}.${field}`, components, seen, out)
  }
  return out
}

t.test('every field of every component and response schema is described', async (t) => {
  const { app } = await makeApp(t)
  const doc = (await app.inject('/openapi.json')).json()
  const components: Record<string, any> = doc.components.schemas
  const seen = new Set<string>()
  const missing: string[] = []
  for (const [name, schema] of Object.entries(components)) {
    if (seen.has(name)) continue
    seen.add(name)
    t.ok(schema.description || schema.oneOf || schema.anyOf, `component ${name} is described`)
    undescribed(schema, name, components, seen, missing)
  }
  let responses = 0
  for (const [name, op] of operations(doc)) {
    for (const [status, response] of Object.entries<any>(op.responses)) {
      for (const [type, media] of Object.entries<any>(response.content ?? {})) {
        responses++
        undescribed(media.schema, `${name} ${status} ${type}`, components, seen, missing)
      }
    }
  }
  t.ok(responses > 100, `${responses} response bodies walked`)
  t.same(missing, [], 'no field without a description')
  // The walker itself: a field without a description behind a $ref, an anyOf and an array is found.
  const probe = { components: { X: { type: 'object', properties: { ok: { type: 'string', description: 'Fine.' }, bare: { type: 'string' } } } } }
  const found = undescribed(
    { type: 'object', properties: { list: { type: 'array', description: 'A list.', items: { anyOf: [{ $ref: '#/components/schemas/X' }, { type: 'null' }] } } } },
    'Probe',
    probe.components,
    new Set(),
    [],
  )
  t.same(found, ['X.bare'], 'the walker finds an undescribed field behind $ref, anyOf and items')
})
