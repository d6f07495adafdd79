/**
 * Managed tokens' usage log (SPEC section 11), written off the request path: when a response
 * has been sent, the adapter hands its entry here, where it waits in memory; a timer writes
 * what waits a second later in one store call, bounded to each token's newest entries. A request
 * never waits for the store, and a failed write never fails one: the batch is dropped and the
 * failure logged once (until a write succeeds again).
 *
 * One batch writes at most {@link MAX_PENDING} entries, the newest (and of those, each token's
 * newest `usageLogSize`); older ones are dropped. Entries are dropped in chunks, so a burst past the
 * bound costs a request no more than a push.
 *
 * @module
 * @internal
 */
import { type Logger, messageOf } from '../events/logger.js'
import { DelayedBatch } from '../internal/delayed-batch.js'
import type { StoreHandle } from '../store/store-handle.js'
import type { UsageEntry } from '../store/token-store.js'

/** How many entries each token keeps, by default. */
export const DEFAULT_USAGE_LOG_SIZE = 1000

/** How long an entry waits to be written with others, in milliseconds. */
const BATCH_DELAY_MS = 1000

/** The most entries one batch writes; the oldest are dropped past it (at most twice as many wait). */
export const MAX_PENDING = 10_000

/** The longest path kept, in characters. */
const MAX_PATH = 2000

/**
 * The `usageLogSize` option, checked.
 * @throws TypeError for anything but a whole number from 0 to 1,000,000.
 * @internal
 */
export function checkUsageLogSize(value: unknown): number {
  if (value === undefined) return DEFAULT_USAGE_LOG_SIZE
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 1_000_000) {
    throw new TypeError('"usageLogSize" option must be a whole number from 0 (no usage log) to 1000000')
  }
  return value
}

/** A path fit for the log: at most {@link MAX_PATH} characters. @internal */
export function usagePath(path: string): string {
  return path.length > MAX_PATH ? path.slice(0, MAX_PATH) : path
}

/**
 * The entries of a batch the store would keep: each token's newest `keep`, in arrival order. A
 * token used more than `keep` times within one batch (a busy bot: thousands of requests a second)
 * would otherwise have most of its entries written only to be pruned in the same transaction.
 * @internal
 */
export function newestPerToken(batch: readonly UsageEntry[], keep: number): readonly UsageEntry[] {
  if (batch.length <= keep) return batch
  const seen = new Map<string, number>()
  const kept: UsageEntry[] = []
  for (let i = batch.length - 1; i >= 0; i -= 1) {
    const entry = batch[i] as UsageEntry
    const count = seen.get(entry.tokenId) ?? 0
    if (count >= keep) continue
    seen.set(entry.tokenId, count + 1)
    kept.push(entry)
  }
  return kept.reverse()
}

/** Collects usage entries and writes them in batches. @internal */
export class UsageRecorder {
  readonly #store: StoreHandle
  readonly #keep: number
  readonly #logger: Logger
  #pending: UsageEntry[] = []
  readonly #batch = new DelayedBatch(BATCH_DELAY_MS, () => void this.flush())
  #failing = false

  constructor(store: StoreHandle, keep: number, logger: Logger) {
    this.#store = store
    this.#keep = keep
    this.#logger = logger
  }

  /** A request with a managed token ended. Cheap: a push, and a timer when none is set. */
  note(entry: UsageEntry): void {
    this.#pending.push(entry)
    if (this.#pending.length >= 2 * MAX_PENDING) this.#pending = this.#pending.slice(-MAX_PENDING)
    this.#batch.arm()
  }

  /** Write what waits now; resolves when it is written (or dropped). Never rejects. */
  flush(): Promise<void> {
    this.#batch.disarm()
    const pending = this.#pending
    const batch = newestPerToken(pending.length > MAX_PENDING ? pending.slice(-MAX_PENDING) : pending, this.#keep)
    this.#pending = []
    if (batch.length === 0) return this.#batch.settled()
    return this.#batch.enqueue(async () => {
      try {
        const store = await this.#store.current()
        await store.appendUsage(batch, this.#keep)
        if (this.#failing) this.#logger.warn('tokengate: the usage log is written again')
        this.#failing = false
      } catch (error) {
        if (!this.#failing) {
          this.#logger.warn(
            `tokengate: cannot write the usage log (${messageOf(error)}); entries are dropped until the token store can be written again`,
          )
        }
        this.#failing = true
      }
    })
  }
}
