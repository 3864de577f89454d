// Work deferred from start-up to first use: the validators and serializers of every route are
// compiled the first time they run (compiling them all is half of a server's start), and
// warmUp() compiles the rest once the server listens, in the time no request is waiting.
const pending = new Set<() => unknown>()

/** `compile` run at the first call of the returned function, its result kept for every later one. */
export function onFirstUse<T>(compile: () => T): () => T {
  let done = false
  let value: T
  const get = (): T => {
    if (!done) {
      value = compile()
      done = true
      pending.delete(get)
    }
    return value
  }
  pending.add(get)
  return get
}

export interface WarmUpOptions {
  /** Whether requests are being answered: the warm-up waits for them (they compile what they need). */
  busy?: () => boolean
  /** A schema that fails to compile is reported here and left for its first request to fail on. */
  onError?: (error: unknown) => void
}

/** How long the warm-up waits before looking again while requests are being answered. */
const BUSY_WAIT_MS = 20

/**
 * Compiles what no request has needed yet, one item per turn of the event loop (a few ms each),
 * so that a request arriving meanwhile waits for one compile at most.
 */
export function warmUp({ busy = () => false, onError = () => {} }: WarmUpOptions = {}): Promise<void> {
  const queue = [...pending]
  return new Promise((resolve) => {
    const step = () => {
      if (busy()) return void setTimeout(step, BUSY_WAIT_MS).unref()
      const next = queue.shift()
      if (next === undefined) return resolve()
      try {
        next()
      } catch (error) {
        pending.delete(next)
        onError(error)
      }
      setImmediate(step)
    }
    setImmediate(step)
  })
}
