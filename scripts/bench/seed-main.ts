// `node dist/scripts/bench/seed-main.js <database> <articles>`: seeds the benchmark's dataset
// (seed-data.ts) and writes `<database>.json` beside it. `npm run bench` runs it as a process of
// its own, so that autocannon, which measures from the benchmark's process, does not share a
// heap with what the seeder left behind (with it, the cached reads' p99 came out twice as high
// at 10,000 articles as at 1,000,000, where the file is seeded once and reused).
import { writeFileSync } from 'node:fs'
import { seedDatabase } from './seed-data.js'

const [path, count] = process.argv.slice(2)
const articles = Number(count)
if (path === undefined || !Number.isInteger(articles) || articles < 1) {
  console.error('usage: seed-main.js <database> <articles>')
  process.exit(2)
}
const t0 = performance.now()
let shown = 0
const seed = await seedDatabase(path, {
  articles,
  onProgress: (done) => {
    if (done - shown >= 100_000) {
      shown = done
      console.log(`  ${done} articles, ${((performance.now() - t0) / 1000).toFixed(0)} s`)
    }
  },
})
writeFileSync(`${path}.json`, JSON.stringify(seed))
