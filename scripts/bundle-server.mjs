// Bundles src/server.ts and what it imports into dist/src/server.js, the file `npm start` runs
// (after tsc, whose output the other scripts use). One file instead of ~1,100 modules takes more
// than half a second off the service's cold start. Kept out of the bundle: the native addons
// (better-sqlite3, sharp) and the CommonJS libraries the service requires only on first use
// (exifr, sanitize-html), which Node loads from node_modules as usual. file-type, imported on
// first use too, is bundled: its code is evaluated only then, and one file loads faster than 42.
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outfile = join(root, 'dist', 'src', 'server.js')

export const EXTERNAL = ['better-sqlite3', 'sharp', 'exifr', 'sanitize-html']

/**
 * CommonJS packages that read files next to their own code (@fastify/swagger-ui serves the
 * /docs page from its static/ folder) find them through `__dirname`, which a bundle does not
 * have: each such module gets its own, pointing at where the package lies in node_modules,
 * relative to the bundle so that the project folder can still be moved after a build.
 */
const packageDirnames = {
  name: 'package-dirnames',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async ({ path }) => {
      const contents = await readFile(path, 'utf8')
      if (!/\b__(dirname|filename)\b/.test(contents)) return undefined
      const file = JSON.stringify(relative(dirname(outfile), path).split('\\').join('/'))
      const prelude = `var __filename = __bundled(${file}), __dirname = __bundledDir(__filename);`
      return { contents: `${prelude}\n${contents}`, loader: 'js', resolveDir: dirname(path) }
    })
  },
}

// Bundled CommonJS calls require() for Node's own modules; an ES module has none of its own.
const banner = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { dirname as __bundledDir, join as __join } from 'node:path';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  'const require = __createRequire(import.meta.url);',
  'const __bundled = (file) => __join(__bundledDir(__fileURLToPath(import.meta.url)), file);',
].join('\n')

export async function bundleServer() {
  await build({
    entryPoints: [join(root, 'src', 'server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    plugins: [packageDirnames],
    banner: { js: banner },
    // Whitespace and syntax only: names stay, so stack traces in the logs still read.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    logLevel: 'warning',
  })
  // The WAL checkpoint thread runs from a file beside the module that starts it
  // (src/db/checkpointer.ts), which in the bundle is server.js.
  await build({
    entryPoints: [join(root, 'src', 'db', 'checkpoint-worker.ts')],
    outfile: join(root, 'dist', 'src', 'checkpoint-worker.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    logLevel: 'warning',
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleServer()
