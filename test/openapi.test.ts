// The committed OpenAPI document must be exactly what the code generates, and complete.
import { readFileSync } from 'node:fs'
import t from 'tap'
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
