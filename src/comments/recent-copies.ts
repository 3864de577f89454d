// Which client sent which text lately: what the repeat rule (spam.ts, `withRepeats`) counts.
//
// It lives in memory, as forum software keeps its "you posted this already" keys in a cache
// with a time to live. On disk it would be an index keyed by the text's hash, on which each
// comment lands on a random page: the lookup, the insert and the pages written at commit cost a
// quarter of a comment's SQLite work. The comments table still stores each fingerprint, and
// the repository fills this window from it when the service starts, so a restart forgets nothing.
//
// Copies are added inside the transaction that stores them, so two sent in the same batch count
// against each other; `discard` takes back those of a rolled-back write and `settle` keeps them.

interface Copy {
  key: string
  at: number
}

export class RecentCopies {
  readonly #counts = new Map<string, number>()
  /** Oldest first; entries before `#head` are gone. */
  #queue: Copy[] = []
  #head = 0
  /** How many copies at the end of the queue belong to writes not yet settled. */
  #unsettled = 0

  /**
   * @param windowMs how long a copy counts
   * @param capacity how many copies are remembered at most: past it, the oldest are forgotten
   *   early (a bound on memory should a flood of distinct texts arrive)
   */
  constructor(
    readonly windowMs: number,
    readonly capacity: number,
  ) {}

  /** Copies of this text from this client within the window before `now`. */
  count(ip: string, fingerprint: string, now: number): number {
    this.#expire(now)
    return this.#counts.get(keyOf(ip, fingerprint)) ?? 0
  }

  /** Remembers one copy, as unsettled until `settle` or `discard`. */
  add(ip: string, fingerprint: string, at: number): void {
    const key = keyOf(ip, fingerprint)
    this.#queue.push({ key, at })
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
    this.#unsettled++
    this.#expire(at)
  }

  /** The copies added since the last settle are kept. */
  settle(): void {
    this.#unsettled = 0
  }

  /** The copies added since the last settle are taken back. */
  discard(): void {
    for (; this.#unsettled > 0; this.#unsettled--) this.#forget(this.#queue.pop()!)
  }

  get size(): number {
    return this.#queue.length - this.#head
  }

  #expire(now: number): void {
    const oldest = now - this.windowMs
    // Unsettled copies are the newest: neither rule reaches them.
    while (this.size > this.#unsettled) {
      const copy = this.#queue[this.#head]!
      if (copy.at >= oldest && this.size <= this.capacity) break
      this.#forget(copy)
      this.#head++
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
  }

  #forget(copy: Copy): void {
    const n = this.#counts.get(copy.key)! - 1
    if (n === 0) this.#counts.delete(copy.key)
    else this.#counts.set(copy.key, n)
  }
}

function keyOf(ip: string, fingerprint: string): string {
  return `${ip} ${fingerprint}`
}
