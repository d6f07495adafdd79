/**
 * What the gate's background writers share ("last used" times, the usage log): a batch that is
 * written a fixed delay after its first item arrives, off the request path, and writes that run
 * one after another, never two at once against the store.
 *
 * @module
 * @internal
 */

/** A timer that fires once per batch, and a queue of writes run in order. @internal */
export class DelayedBatch {
  readonly #delayMs: number
  readonly #due: () => void
  #timer: NodeJS.Timeout | null = null
  #writes: Promise<void> = Promise.resolve()

  /** `due` runs `delayMs` after {@link arm} first armed the timer (it never keeps the process alive). */
  constructor(delayMs: number, due: () => void) {
    this.#delayMs = delayMs
    this.#due = due
  }

  /** Start the timer unless it is already running. Cheap: a check, most of the time. */
  arm(): void {
    if (this.#timer !== null) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#due()
    }, this.#delayMs)
    this.#timer.unref()
  }

  /** Stop the timer: the batch is being written now. */
  disarm(): void {
    if (this.#timer === null) return
    clearTimeout(this.#timer)
    this.#timer = null
  }

  /** Run `write` after every write queued before it; resolves when it has run. `write` must not reject. */
  enqueue(write: () => Promise<void>): Promise<void> {
    this.#writes = this.#writes.then(write)
    return this.#writes
  }

  /** Resolves when every write queued so far has run. */
  settled(): Promise<void> {
    return this.#writes
  }
}
