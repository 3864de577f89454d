// What a feed costs the server beside a list page of the same length, over HTTP: the service as
// `npm start` runs it (response cache off, so every answer runs its queries) answers a fixed
// number of requests for each URL, and the CPU time its threads spent on them (the kernel's
// nanosecond count per thread, /proc/PID/task/TID/schedstat: the 10 ms ticks of /proc/PID/stat
// were a twentieth of a round) is divided by their number. Time to the last byte would
// charge the answer's size to whoever reads it (in-process, light-my-request copies a body byte
// by byte; over a socket, the load generator shares the two cores); the server's CPU is what a
// newsroom pays. A feed carries each story's whole body, so it is also set beside the list per
// kilobyte sent. Part of the `distribution` scenario of `npm run bench`. Linux only (/proc).
import { readdirSync, readFileSync } from 'node:fs'
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
  /** Over the list page of the same length, per byte sent. */
  ratioPerByte: number | null
}

const LENGTHS = [50, 100] as const
const FORMATS = [
  ['RSS', '/v1/feeds/rss'],
  ['Atom', '/v1/feeds/atom'],
  ['JSON Feed', '/v1/feeds/json'],
] as const
const CONNECTIONS = 4

/** The CPU time the threads of process `pid` have run, in microseconds (a thread that ended takes its count with it: the service's live for its life). */
function cpuTimeUs(pid: number): number {
  let ns = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1000
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
        const before = cpuTimeUs(pid)
        const answered = await fire(`${service.base}${target.path}`, requests)
        costs.get(target.name)!.push((cpuTimeUs(pid) - before) / answered)
      }
    }
    const cpuOf = (name: string) => median(costs.get(name)!)
    return targets.map((target) => {
      const cpuUs = cpuOf(target.name)
      const list = `list page of ${target.length}`
      const own = bytes.get(target.name)!
      if (target.name === list) return { name: target.name, cpuUs, ratio: null, bytes: own, ratioPerByte: null }
      const ratio = cpuUs / cpuOf(list)
      return { name: target.name, cpuUs, ratio, bytes: own, ratioPerByte: ratio / (own / bytes.get(list)!) }
    })
  } finally {
    await stop(service)
  }
}

export function feedCostMarkdown(rows: readonly CostRow[], rounds: number, requests: number): string {
  const percent = (ratio: number | null) => (ratio === null ? '' : `${(ratio * 100).toFixed(0)}%`)
  return `### Feeds beside list pages, over HTTP

Server CPU per request (the CPU time of the service's threads, /proc schedstat), the service as \`npm start\` runs it with
RESPONSE_CACHE_MB=0, ${requests.toLocaleString('en')} requests per URL per round from ${CONNECTIONS} connections, median of ${rounds} interleaved rounds.
Target: a feed costs no more than a list page of the same length (ratio ≤ 100%). A feed's entry carries the story's
whole body as HTML, a list's summary none of it: the last column sets the two side by side per byte sent.

| read | CPU per request | over the list | bytes | over the list, per byte |
| --- | ---: | ---: | ---: | ---: |
${rows.map((row) => `| ${row.name} | ${row.cpuUs.toFixed(0)} µs | ${percent(row.ratio)} | ${row.bytes.toLocaleString('en')} | ${percent(row.ratioPerByte)} |`).join('\n')}
`
}
