// Shard 2 of the fast tier: see shards.ts.
import { runShard } from './shards.js'

runShard(2)
