/**
 * A bounded cache of tokens that verified, so a client that sends the same signed token or JWT
 * on every request pays for the HMAC or signature check once.
 *
 * What keeps it correct:
 * - It is keyed by the token's SHA-256 digest: it never holds a token, and a hit means the very
 *   same string verified before, under the same source (each source owns its cache, and a
 *   source's secrets and settings never change).
 * - Only successes are cached. A token that failed is verified again every time, with its
 *   precise message.
 * - Each entry carries the window in which the token is valid; a hit outside it is treated as a
 *   miss, so the full verification runs and reports `Token has expired` (or not yet valid)
 *   exactly as it would have. Expiry is therefore checked on every request.
 * - The actor is deep-frozen, because the same object is handed to every request.
 * - It holds at most `size` entries, dropping the least recently used.
 *
 * @module
 * @internal
 */
import { deepFreeze } from '../internal/deep-freeze.js'
import { tokenDigest } from '../internal/token-digest.js'
import type { Actor } from '../types.js'

interface Entry {
  readonly actor: Actor
  /** Whether the token is still inside its validity window at `now` (unix seconds). */
  readonly valid: (now: number) => boolean
}

/** The default number of verified tokens a source remembers. @internal */
export const DEFAULT_CACHE_SIZE = 1000

/** Check a `cacheSize` option: a non-negative integer; 0 turns the cache off. @internal */
export function checkCacheSize(size: unknown, option = 'cacheSize'): number {
  if (size === undefined) return DEFAULT_CACHE_SIZE
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`"${option}" option must be a non-negative integer (0 turns the cache off)`)
  }
  return size
}

/** A bounded, least-recently-used cache of verified tokens. @internal */
export class VerifiedTokenCache {
  readonly #size: number
  readonly #entries = new Map<string, Entry>()

  constructor(size: number) {
    this.#size = size
  }

  /** The actor of a token that verified before and is still valid at `now`, else `undefined`. */
  get(token: string, now: number): Actor | undefined {
    if (this.#size === 0) return undefined
    const key = tokenDigest(token)
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (!entry.valid(now)) {
      this.#entries.delete(key)
      return undefined
    }
    // Refresh its place in the eviction order.
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry.actor
  }

  /** Remember a token that just verified; returns the (frozen) actor to hand out. */
  set(token: string, actor: Actor, valid: (now: number) => boolean): Actor {
    const frozen = deepFreeze(actor)
    if (this.#size === 0) return frozen
    this.#entries.set(tokenDigest(token), { actor: frozen, valid })
    if (this.#entries.size > this.#size) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    return frozen
  }

  /** How many tokens are remembered (for tests). */
  get length(): number {
    return this.#entries.size
  }
}
