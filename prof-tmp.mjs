import { buildApp } from './dist/src/app.js'
import { loadConfig } from './dist/src/config.js'
const config = loadConfig({ DATABASE_PATH: 'data/bench.sqlite', MEDIA_DIR: 'data/media', LOG_LEVEL: 'warn', RESPONSE_CACHE_MB: '0', PUBLIC_URL: 'https://cms.example' })
const app = await buildApp(config)
await app.ready()
for (const url of [process.argv[2], process.argv[3]]) {
  for (let i = 0; i < 20; i++) await app.inject({ url })
  const t0 = performance.now()
  for (let i = 0; i < 300; i++) await app.inject({ url })
  console.log(url, ((performance.now() - t0) / 300).toFixed(2), 'ms')
}
await app.close()
