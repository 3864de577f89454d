// One delivery attempt over HTTP: a POST with global fetch that follows no redirect, gives up
// after a timeout, and reads at most a few KiB of the answer, which it then throws away.
import { performance } from 'node:perf_hooks'

/** Answers are read only this far: enough to reuse the connection, never a receiver's whole page. */
export const MAX_RESPONSE_BYTES = 4096

const MAX_ERROR_LENGTH = 300

export interface SendRequest {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
  /** Aborts the attempt because the service is stopping; the result is then `stopped`. */
  stop?: AbortSignal
}

export type SendResult =
  | { stopped: false; statusCode: number | null; durationMs: number; error: string | null }
  | { stopped: true }

class TimeoutError extends Error {}

/** What went wrong, in one line without secrets: fetch hides the real cause under `cause`. */
function describe(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause
  const inner = cause instanceof Error ? cause : error instanceof Error ? error : null
  const code = (inner as { code?: unknown } | null)?.code
  const message = inner?.message ?? String(error)
  const text = typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text
}

function statusError(status: number): string | null {
  if (status >= 200 && status < 300) return null
  if (status >= 300 && status < 400) return `answered ${status}: redirects are not followed`
  return `answered ${status}`
}

/** Reads and discards the body up to MAX_RESPONSE_BYTES; a body that fails or stalls does not matter. */
async function discardBody(response: Response): Promise<void> {
  if (response.body === null) return
  const reader = response.body.getReader()
  let read = 0
  try {
    while (read < MAX_RESPONSE_BYTES) {
      const chunk = await reader.read()
      if (chunk.done) return
      read += chunk.value.byteLength
    }
    await reader.cancel()
  } catch {
    await reader.cancel().catch(() => undefined)
  }
}

export async function send(request: SendRequest): Promise<SendResult> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new TimeoutError()), request.timeoutMs)
  const onStop = () => controller.abort(request.stop?.reason)
  request.stop?.addEventListener('abort', onStop, { once: true })
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: controller.signal,
    })
    // The status decides the outcome; the body is read only to free the connection, within
    // the same timeout.
    await discardBody(response)
    return { stopped: false, statusCode: response.status, durationMs: elapsed(), error: statusError(response.status) }
  } catch (error) {
    if (request.stop?.aborted) return { stopped: true }
    const reason = controller.signal.aborted ? controller.signal.reason : undefined
    const message = reason instanceof TimeoutError ? `timed out after ${request.timeoutMs} ms` : describe(error)
    return { stopped: false, statusCode: null, durationMs: elapsed(), error: message }
  } finally {
    clearTimeout(timer)
    request.stop?.removeEventListener('abort', onStop)
  }
}
