// Progress of a long import on the command line: a bar redrawn in place on a terminal, a plain
// line every tenth of the way when the output is a file or a pipe (a log, CI), and the summary.
import type { Tally } from './context.js'

export interface Output {
  write(text: string): unknown
  isTTY?: boolean | undefined
  columns?: number | undefined
}

/** Redraws on a terminal at most this often. */
const REDRAW_MS = 100
const number = (n: number) => n.toLocaleString('en')

export function progressBar(out: Output, label: string, now: () => number = Date.now) {
  const started = now()
  let drawn = 0
  let lastTenth = -1
  let open = false
  return {
    update(done: number, total: number): void {
      const fraction = total === 0 ? 1 : Math.min(1, done / total)
      if (!out.isTTY) {
        const tenth = Math.floor(fraction * 10)
        if (tenth === lastTenth) return
        lastTenth = tenth
        out.write(`${label}: ${tenth * 10}% (${number(done)} of ${number(total)} items)\n`)
        return
      }
      const time = now()
      if (time - drawn < REDRAW_MS && done < total) return
      drawn = time
      const seconds = ((time - started) / 1000).toFixed(1)
      const text = ` ${Math.floor(fraction * 100)}% ${number(done)}/${number(total)} ${seconds} s`
      const width = Math.max(10, Math.min(40, (out.columns ?? 80) - label.length - text.length - 4))
      const filled = Math.round(fraction * width)
      out.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${text}`)
      open = true
    },
    /** Ends the bar's line, so that what follows starts on a line of its own. */
    finish(): void {
      if (open) out.write('\n')
      open = false
    },
  }
}

export interface Summary extends Tally {
  comments?: { created: number; unchanged: number; skipped: number } | undefined
  seconds: number
  /** Processor time the process used, in seconds: the figure a loaded machine does not inflate. */
  cpuSeconds: number
  /** Peak resident memory of the process, in bytes. */
  peakBytes: number
}

/** What the process has used so far: processor seconds and its peak resident memory. */
export function usage(): Pick<Summary, 'cpuSeconds' | 'peakBytes'> {
  const used = process.resourceUsage()
  return { cpuSeconds: (used.userCPUTime + used.systemCPUTime) / 1e6, peakBytes: used.maxRSS * 1024 }
}

export function formatSummary(title: string, summary: Summary): string {
  const { counts, comments, warnings } = summary
  const items = counts.created + counts.updated + counts.unchanged + counts.skipped
  const lines = [
    `${title}: ${number(items)} items in ${summary.seconds.toFixed(1)} s (CPU ${summary.cpuSeconds.toFixed(1)} s, peak memory ${Math.round(summary.peakBytes / 1024 / 1024)} MiB)`,
    `  created ${number(counts.created)}, updated ${number(counts.updated)}, unchanged ${number(counts.unchanged)}, skipped ${number(counts.skipped)}`,
  ]
  if (comments) lines.push(`  comments: created ${number(comments.created)}, unchanged ${number(comments.unchanged)}, skipped ${number(comments.skipped)}`)
  const kinds = Object.entries(warnings).sort(([a], [b]) => a.localeCompare(b))
  lines.push(kinds.length === 0 ? '  warnings: none' : `  warnings: ${kinds.map(([kind, n]) => `${kind} ${number(n ?? 0)}`).join(', ')}`)
  return `${lines.join('\n')}\n`
}
