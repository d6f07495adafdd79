/**
 * Constant-time comparison of two strings, safe when their lengths differ.
 *
 * `crypto.timingSafeEqual` throws on buffers of different lengths, and checking the lengths
 * first leaks the length of the secret. Hashing both sides with SHA-256 gives two 32-byte
 * digests, so the comparison always takes the same path whatever the inputs (the approach of
 * hono's `utils/buffer.ts`). Internal: not exported from the package entry.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/**
 * Whether two strings are equal, compared in constant time (for a given pair of lengths the
 * time does not depend on where the strings differ, and a length mismatch takes the same path).
 *
 * @param a - one string, such as the presented token or signature.
 * @param b - the other string, such as the expected value.
 * @returns `true` when the strings are identical (compared as UTF-8 bytes).
 * @internal
 * @example
 * ```ts
 * timingSafeEqualStrings(presented, expected) // true only for identical strings
 * ```
 */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  // Compare the digests in constant time, then confirm equality of the inputs themselves so a
  // (theoretical) SHA-256 collision cannot produce a false positive. The second comparison only
  // runs once the digests match, i.e. when the strings are already known to be equal.
  return timingSafeEqual(digest(a), digest(b)) && a === b
}
