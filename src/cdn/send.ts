// One purge over HTTP, Varnish xkey style: `PURGE <url>` with the keys in `xkey-purge`. Global
// fetch, no redirect followed, a timeout, the answer's body read a little and thrown away.

/** The longest `xkey-purge` header sent: Varnish refuses request headers over 8 KiB, proxies often at 8 KiB in all. */
export const MAX_PURGE_HEADER_BYTES = 4000

const MAX_ERROR_LENGTH = 300

/** The keys in groups whose space-separated header fits MAX_PURGE_HEADER_BYTES, in order. */
export function purgeBatches(keys: readonly string[]): string[] {
  const batches: string[] = []
  let current = ''
  for (const key of keys) {
    // A key longer than the limit alone goes alone: a proxy that refuses it fails loudly.
    if (current !== '' && current.length + 1 + key.length > MAX_PURGE_HEADER_BYTES) {
      batches.push(current)
      current = ''
    }
    current = current === '' ? key : `${current} ${key}`
  }
  if (current !== '') batches.push(current)
  return batches
}

export interface PurgeRequest {
  url: string
  keys: string
  timeoutMs: number
  userAgent: string
  /** Aborts the request because the service is stopping. */
  stop: AbortSignal
}

/** Null when the purge went (a 2xx), else what went wrong in one line (never the URL's query). */
export async function sendPurge(request: PurgeRequest): Promise<string | null> {
  const signal = AbortSignal.any([request.stop, AbortSignal.timeout(request.timeoutMs)])
  try {
    const response = await fetch(request.url, {
      method: 'PURGE',
      headers: { 'xkey-purge': request.keys, 'user-agent': request.userAgent },
      redirect: 'manual',
      signal,
    })
    // The status decides; the body (Varnish's "Invalidated 3 objects") only frees the connection.
    await response.body?.cancel().catch(() => undefined)
    return response.status >= 200 && response.status < 300 ? null : `answered ${response.status}`
  } catch (error) {
    if (signal.aborted && !request.stop.aborted) return `timed out after ${request.timeoutMs} ms`
    return describe(error)
  }
}

/** fetch hides the real cause (ECONNREFUSED…) under `cause`. */
function describe(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause
  const inner = cause instanceof Error ? cause : error instanceof Error ? error : null
  const code = (inner as { code?: unknown } | null)?.code
  const message = inner?.message ?? String(error)
  const text = typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text
}
