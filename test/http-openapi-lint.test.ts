// The OpenAPI document passes @redocly/cli lint (config: redocly.yaml, which also asks for what
// Spectral's spectral:oas ruleset does: descriptions, defined tags, a contact), and documents the
// shared HTTP rules on every operation: conditional headers, 304/412/413/415/422, ETag.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { projectPath } from '../src/paths.js'
import { makeApp } from './helpers.js'

const run = promisify(execFile)

t.test('redocly lint passes on the generated document', async (t) => {
  const { app } = await makeApp(t)
  const dir = await mkdtemp(join(tmpdir(), 'cms-openapi-lint-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'openapi.json')
  await writeFile(file, JSON.stringify(app.swagger()))
  const result = await run(projectPath('node_modules/.bin/redocly'), ['lint', file, '--config', projectPath('redocly.yaml'), '--format', 'json'], {
    cwd: dir,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    maxBuffer: 32 * 1024 * 1024,
  }).catch((error: { code: number; stdout: string; stderr: string }) => error)
  const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
    totals: { errors: number; warnings: number }
    problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[]
  }
  for (const p of report.problems) t.comment(`${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)
  t.equal(report.totals.errors, 0, 'no lint errors')
  t.equal(report.totals.warnings, 0, 'no lint warnings')
})

t.test('every operation documents the shared HTTP rules', async (t) => {
  const { app } = await makeApp(t)
  const doc = app.swagger() as any
  let operations = 0
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      operations++
      const where = `${method.toUpperCase()} ${path}`
      const headers = (op.parameters ?? []).filter((p: any) => p.in === 'header').map((p: any) => p.name.toLowerCase())
      const codes = Object.keys(op.responses)
      if (method === 'get') {
        t.ok(headers.includes('if-none-match'), `${where}: If-None-Match`)
        t.ok(codes.includes('304'), `${where}: 304`)
        const ok = op.responses['200']
        if (ok?.content) t.match(ok.headers, { etag: { schema: { type: 'string' } }, 'cache-control': { schema: { type: 'string' } } }, `${where}: ETag, Cache-Control`)
      }
      if (['put', 'patch', 'delete'].includes(method)) {
        t.ok(headers.includes('if-match'), `${where}: If-Match`)
        t.ok(codes.includes('412'), `${where}: 412`)
      }
      if (method === 'post') {
        t.ok(headers.includes('idempotency-key'), `${where}: Idempotency-Key`)
        t.ok(codes.includes('422'), `${where}: 422`)
      }
      if (op.requestBody) {
        t.ok(codes.includes('413') && codes.includes('415'), `${where}: 413 and 415`)
      }
    }
  }
  t.ok(operations > 30, `${operations} operations checked`)
  t.match(doc.paths['/v1/comments/{id}'].patch.responses['412'].content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' })
})
