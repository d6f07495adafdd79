/**
 * The verified-token cache of the token chain: a token that verified is remembered by its
 * SHA-256 digest, so a client that sends the same signed token or JWT on every request pays for
 * the signature check once, and a managed token asks its store at most once per cache lifetime.
 *
 * What keeps it correct:
 * - It is keyed by the token's digest: it never holds a token, and a hit means the very same
 *   string verified before, through the same chain.
 * - Only successes are cached, and only from sources that say how long an answer may be reused
 *   ({@link TokenSource.cacheFor}). A token that failed is verified again every time, with its
 *   precise message.
 * - A hit is served only inside the token's validity window (`notBefore` ≤ now < `expiresAt`)
 *   and before the entry's own deadline. Anything else is a miss: the full verification runs and
 *   says `Token has expired` (or accepts a token within a clock tolerance) exactly as it would
 *   have. A miss is always safe; a hit is never served outside the window.
 * - It can forget one token (by digest or token id) or everything: revocation and edits of
 *   managed tokens take effect on the next request.
 * - It holds at most `size` entries and at most `maxBytes` of estimated memory, dropping the
 *   least recently used. An entry's memory is estimated once, when it is added
 *   ({@link estimateEntryBytes}): 10 bytes per character of its actor's JSON plus 512, a little
 *   above what cached tokens measured on Node 20, compiled restrictions included (a 69-character
 *   actor took about 1.05 KB, estimated 1.2 KB; one carrying 4,300 grants, 55,728 characters,
 *   about 470 KB, estimated 557 KB).
 *
 * @module
 * @internal
 */
import type { VerifiedToken } from '../types.js'

interface Entry {
  readonly verified: VerifiedToken
  /** The entry's estimated memory, in bytes. */
  readonly bytes: number
  readonly notBefore: number
  /** Served while `now < until`: the earlier of the token's expiry and the entry's deadline. */
  readonly until: number
}

/** The default number of verified tokens a gate remembers. @internal */
export const DEFAULT_CACHE_SIZE = 1000

/** The default memory budget of the cache, in estimated bytes (32 MiB). @internal */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024

/** Estimated bytes per character of an actor's JSON, measured on Node 20 (see the module doc). */
const BYTES_PER_CHARACTER = 10

/** Estimated bytes of an entry besides its actor: the digest, the entry and the map slot. */
const ENTRY_OVERHEAD = 512

/**
 * The estimated memory of a cached verified token, in bytes: 10 per character of its actor's
 * JSON, plus 512. Computed once, when the token is added.
 * @internal
 */
export function estimateEntryBytes(verified: VerifiedToken): number {
  return BYTES_PER_CHARACTER * JSON.stringify(verified.actor).length + ENTRY_OVERHEAD
}

/** Check a cache memory option: a non-negative integer of bytes; 0 turns the cache off. @internal */
export function checkCacheBytes(bytes: unknown, option: string): number {
  if (bytes === undefined) return DEFAULT_CACHE_BYTES
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) {
    throw new TypeError(`"${option}" option must be a non-negative integer number of bytes (0 turns the cache off)`)
  }
  return bytes
}

/** Check a cache size option: a non-negative integer; 0 turns the cache off. @internal */
export function checkCacheSize(size: unknown, option: string): number {
  if (size === undefined) return DEFAULT_CACHE_SIZE
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`"${option}" option must be a non-negative integer (0 turns the cache off)`)
  }
  return size
}

/** A bounded, least-recently-used cache of verified tokens, by digest. @internal */
export class VerifiedTokenCache {
  readonly #size: number
  readonly #maxBytes: number
  #bytes = 0
  readonly #entries = new Map<string, Entry>()
  /** Token id → digests, so a managed token can be forgotten by id. */
  readonly #byId = new Map<string, Set<string>>()
  #generation = 0

  /**
   * @param size - the most entries; 0 turns the cache off.
   * @param maxBytes - the most estimated memory, in bytes; 0 turns the cache off.
   */
  constructor(size: number, maxBytes: number = DEFAULT_CACHE_BYTES) {
    this.#size = maxBytes === 0 ? 0 : size
    this.#maxBytes = maxBytes
  }

  /** The verified token for a digest, if it verified before and may still be served at `now`. */
  get(digest: string, now: number): VerifiedToken | undefined {
    if (this.#size === 0) return undefined
    const entry = this.#entries.get(digest)
    if (entry === undefined) return undefined
    if (now < entry.notBefore || now >= entry.until) {
      this.#delete(digest, entry)
      return undefined
    }
    // Refresh its place in the eviction order.
    this.#entries.delete(digest)
    this.#entries.set(digest, entry)
    return entry.verified
  }

  /**
   * Remember a token that just verified at `now`, for at most `cacheFor` seconds (`Infinity`:
   * until it expires).
   */
  set(digest: string, verified: VerifiedToken, now: number, cacheFor: number, notBefore: number | null): void {
    if (this.#size === 0 || !(cacheFor > 0)) return
    const bytes = estimateEntryBytes(verified)
    // Larger than the whole budget: never remembered, and nothing else is evicted for it.
    if (bytes > this.#maxBytes) return
    const previous = this.#entries.get(digest)
    if (previous !== undefined) this.#delete(digest, previous)
    const until = Math.min(verified.expiresAt ?? Infinity, now + cacheFor)
    this.#entries.set(digest, { verified, bytes, notBefore: notBefore ?? -Infinity, until })
    this.#bytes += bytes
    if (verified.tokenId !== null) {
      let digests = this.#byId.get(verified.tokenId)
      if (digests === undefined) this.#byId.set(verified.tokenId, (digests = new Set()))
      digests.add(digest)
    }
    // Drop the least recently used (the first in the map's order) until both bounds hold.
    while (this.#entries.size > this.#size || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.entries().next()
      if (oldest.done === true) break
      this.#delete(oldest.value[0], oldest.value[1])
    }
  }

  /**
   * Counts every forget and clear. A lookup that began at one generation and ends at another
   * must not be remembered: what it found may be what was just forgotten.
   */
  get generation(): number {
    return this.#generation
  }

  /** Forget one token, by its digest or its id. */
  forget(key: { readonly digest: string } | { readonly tokenId: string }): void {
    this.#generation++
    if ('digest' in key) {
      const entry = this.#entries.get(key.digest)
      if (entry !== undefined) this.#delete(key.digest, entry)
      return
    }
    for (const digest of this.#byId.get(key.tokenId) ?? []) {
      const entry = this.#entries.get(digest)
      if (entry !== undefined) this.#delete(digest, entry)
    }
  }

  /** Forget everything. */
  clear(): void {
    this.#generation++
    this.#entries.clear()
    this.#byId.clear()
    this.#bytes = 0
  }

  /** How many tokens are remembered. */
  get length(): number {
    return this.#entries.size
  }

  /** The estimated memory of the remembered tokens, in bytes. */
  get bytes(): number {
    return this.#bytes
  }

  #delete(digest: string, entry: Entry): void {
    this.#entries.delete(digest)
    this.#bytes -= entry.bytes
    const id = entry.verified.tokenId
    if (id === null) return
    const digests = this.#byId.get(id)
    digests?.delete(digest)
    if (digests?.size === 0) this.#byId.delete(id)
  }
}
