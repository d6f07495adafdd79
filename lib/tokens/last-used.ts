/**
 * Managed tokens' "last used" time (SPEC section 9): written at most once a minute per token,
 * off the request path. A request only notes the time in a map; a timer writes the batch a
 * second later in one store call. A failed write is dropped (the next use a minute later writes
 * again): it never fails or delays a request.
 *
 * @module
 * @internal
 */
import { DelayedBatch } from '../internal/delayed-batch.js'
import type { StoreHandle } from '../store/store-handle.js'

/** At most one write per token per this many seconds. */
export const LAST_USED_INTERVAL = 60

/** How long a noted use waits to be written with others, in milliseconds. */
const BATCH_DELAY_MS = 1000

/** Notes uses of managed tokens and writes them in batches. @internal */
export class LastUsedRecorder {
  readonly #store: StoreHandle
  /** Token id → the last time a use was noted for writing. */
  readonly #noted = new Map<string, number>()
  /** Token id → the time to write. */
  #pending = new Map<string, number>()
  readonly #batch = new DelayedBatch(BATCH_DELAY_MS, () => void this.flush())

  constructor(store: StoreHandle) {
    this.#store = store
  }

  /** A request used this token at `now` (unix seconds). Cheap: a map lookup, most of the time. */
  seen(tokenId: string, now: number): void {
    const last = this.#noted.get(tokenId)
    if (last !== undefined && now - last < LAST_USED_INTERVAL) return
    const at = Math.floor(now)
    this.#noted.set(tokenId, at)
    this.#pending.set(tokenId, at)
    this.#batch.arm()
  }

  /** Write what is pending now. Never rejects. */
  flush(): Promise<void> {
    this.#batch.disarm()
    const batch = this.#pending
    this.#pending = new Map()
    // Forget uses noted long ago, so the map stays as small as the set of tokens in use.
    let newest = 0
    for (const at of batch.values()) newest = Math.max(newest, at)
    const horizon = newest - LAST_USED_INTERVAL
    for (const [id, at] of this.#noted) if (at < horizon) this.#noted.delete(id)
    if (batch.size === 0) return this.#batch.settled()
    return this.#batch.enqueue(async () => {
      try {
        const store = await this.#store.current()
        await store.touch(batch)
      } catch {
        // Dropped: "last used" is advisory, and the next use writes again.
      }
    })
  }
}
