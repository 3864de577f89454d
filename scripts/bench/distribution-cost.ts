// What a feed costs the server beside a list page of the same length, over HTTP: the service as
// `npm start` runs it (response cache off, so every answer runs its queries) answers a fixed
// number of requests for each URL, and the CPU time the kernel charged its process for them
// (user and system, /proc/PID/stat) is divided by their number. Time to the last byte would
// charge the answer's size to whoever reads it (in-process, light-my-request copies a body byte
// by byte; over a socket, the load generator shares the two cores); the server's CPU is what a
// newsroom pays. Part of the `distribution` scenario of `npm run bench`. Linux only (/proc).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { SERVER_LIMITS } from '../../src/app.js'
import { median, SERVICE_ARGS, start, stop, waitFor } from './harness.js'

export interface CostRow {
  name: string
  /** Server CPU per request, microseconds: the median of the rounds. */
  cpuUs: number
  /** Over the list page of the same length. */
  ratio: number | null
  bytes: number
}

const LENGTHS = [50, 100] as const
const FORMATS = [
  ['RSS', '/v1/feeds/rss'],
  ['Atom', '/v1/feeds/atom'],
  ['JSON Feed', '/v1/feeds/json'],
] as const
const CONNECTIONS = 4

/** The CPU time (user + system) the kernel has charged process `pid`, in microseconds. */
function cpuTimeUs(pid: number, ticksPerSecond: number): number {
  // Fields 14 and 15 of /proc/PID/stat, counted after the command's closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return (ticks * 1_000_000) / ticksPerSecond
}

async function fire(url: string, amount: number): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, amount, reconnectRate: SERVER_LIMITS.maxRequestsPerSocket })
  const bad = result.non2xx + result.errors + result.timeouts
  if (bad > 0) throw new Error(`${url}: ${bad} of ${amount} requests failed`)
  return result.requests.total
}

/** `requests` per URL and round (2,000 in `npm run bench`, 5 s rounds), after 200 to warm it. */
export async function measureFeedCost(serviceEnv: Record<string, string>, rounds: number, requests: number): Promise<CostRow[]> {
  const targets = LENGTHS.flatMap((length) => [
    { name: `list page of ${length}`, path: `/v1/articles?limit=${length}`, length },
    ...FORMATS.map(([format, path]) => ({ name: `${format}, ${length} entries`, path: `${path}?limit=${length}`, length })),
  ])
  const service = start(SERVICE_ARGS, { ...serviceEnv, RESPONSE_CACHE_MB: '0' })
  try {
    await waitFor(`${service.base}/health`, service.child)
    const pid = service.child.pid!
    // The kernel's clock ticks per second (USER_HZ), in which /proc counts CPU time.
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    const costs = new Map<string, number[]>(targets.map((target) => [target.name, []]))
    const bytes = new Map<string, number>()
    for (const target of targets) {
      const body = await (await fetch(`${service.base}${target.path}`)).arrayBuffer()
      bytes.set(target.name, body.byteLength)
      await fire(`${service.base}${target.path}`, 200) // warm: its renders are stored, its code is compiled
    }
    // Interleaved rounds: a drift of the machine falls on every URL alike.
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) {
        const before = cpuTimeUs(pid, ticks)
        const answered = await fire(`${service.base}${target.path}`, requests)
        costs.get(target.name)!.push((cpuTimeUs(pid, ticks) - before) / answered)
      }
    }
    const cpuOf = (name: string) => median(costs.get(name)!)
    return targets.map((target) => {
      const cpuUs = cpuOf(target.name)
      const list = `list page of ${target.length}`
      return { name: target.name, cpuUs, ratio: target.name === list ? null : cpuUs / cpuOf(list), bytes: bytes.get(target.name)! }
    })
  } finally {
    await stop(service)
  }
}

export function feedCostMarkdown(rows: readonly CostRow[], rounds: number, requests: number): string {
  return `### Feeds beside list pages, over HTTP

Server CPU per request (user + system time of the service's process, /proc), the service as \`npm start\` runs it with
RESPONSE_CACHE_MB=0, ${requests.toLocaleString('en')} requests per URL per round from ${CONNECTIONS} connections, median of ${rounds} interleaved rounds.
Target: a feed costs no more than a list page of the same length (ratio ≤ 100%).

| read | CPU per request | over the list | bytes |
| --- | ---: | ---: | ---: |
${rows.map((row) => `| ${row.name} | ${row.cpuUs.toFixed(0)} µs | ${row.ratio === null ? '' : `${(row.ratio * 100).toFixed(0)}%`} | ${row.bytes.toLocaleString('en')} |`).join('\n')}
`
}
