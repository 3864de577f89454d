// The rules of docs/architecture.md, checked on the source: no import circles, dependencies
// pointing one way (db/ and http/ know no resource), the raw driver only in db/, no Fastify in
// repositories, and files short enough to hold in one's head.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import t from 'tap'
import ts from 'typescript'
import { projectPath } from '../src/paths.js'

const SRC = projectPath('src')
const MAX_LINES = 400

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

const files = sourceFiles(SRC)
const name = (path: string) => relative(SRC, path).split('\\').join('/')

/** Every module a file imports or re-exports, type-only imports included, as project paths or package names. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) =>
    fileName.startsWith('.') ? resolve(dirname(path), fileName).replace(/\.js$/, '.ts') : fileName,
  )
}

const graph = new Map(files.map((file) => [file, importsOf(file)]))

t.test('no import circles in src/', async (t) => {
  const state = new Map<string, 'open' | 'done'>()
  const circles: string[] = []
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'open') {
      circles.push([...path.slice(path.indexOf(file)), file].map(name).join(' -> '))
      return
    }
    state.set(file, 'open')
    for (const target of graph.get(file) ?? []) if (graph.has(target)) visit(target, [...path, file])
    state.set(file, 'done')
  }
  for (const file of files) visit(file, [])
  t.same(circles, [], 'each circle is listed as a chain of imports')
  t.ok(graph.size > 50, 'the whole of src/ was read')
})

t.test('db/ and http/ import no resource, and nothing imports app.ts but server.ts', async (t) => {
  const resources = new Set(files.map(name).filter((file) => file.includes('/') && !/^(db|http|text)\//.test(file)).map((file) => file.split('/')[0]))
  t.ok(resources.has('articles') && resources.has('comments'), 'resource folders were found')
  const wrong: string[] = []
  for (const [file, imports] of graph) {
    const from = name(file)
    for (const target of imports.filter((target) => target.startsWith(SRC)).map(name)) {
      if (/^(db|http|text)\//.test(from) && resources.has(target.split('/')[0]!)) wrong.push(`${from} imports ${target}`)
      if (target === 'app.ts' && !['server.ts', 'openapi-document.ts'].includes(from)) wrong.push(`${from} imports app.ts`)
    }
  }
  t.same(wrong, [])
})

t.test('the raw SQLite driver is reached only in db/, and repositories know nothing of Fastify', async (t) => {
  const wrong: string[] = []
  for (const file of files) {
    const from = name(file)
    const imports = graph.get(file)!
    if (!from.startsWith('db/') && /\$client/.test(readFileSync(file, 'utf8'))) wrong.push(`${from} uses db.$client`)
    if (!from.startsWith('db/') && imports.includes('better-sqlite3')) wrong.push(`${from} imports better-sqlite3`)
    if (from.endsWith('repository.ts') && imports.some((target) => target === 'fastify' || target.startsWith('@fastify/'))) {
      wrong.push(`${from} imports Fastify`)
    }
  }
  t.same(wrong, [])
})

t.test(`no file in src/ is longer than ${MAX_LINES} lines`, async (t) => {
  const long = files.map((file) => ({ file: name(file), lines: readFileSync(file, 'utf8').split('\n').length })).filter(({ lines }) => lines > MAX_LINES)
  t.same(long, [])
})
