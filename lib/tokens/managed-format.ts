/**
 * The managed-token format (SPEC section 9): `<prefix>_<R><C>`, GitHub's layout.
 *
 * - `prefix` matches `[a-z][a-z0-9]{1,15}` (default `tgk`), so a company can register a
 *   secret-scanning pattern for its own tokens.
 * - `R` is 32 characters of base62 (`0-9A-Za-z`) from the operating system's CSPRNG: about 190
 *   bits.
 * - `C` is the CRC32 (IEEE, zlib's) of the ASCII bytes of `R` alone, written as 6 base62 digits,
 *   most significant first, zero-padded.
 *
 * The checksum is not a security measure: it lets a token that was mistyped, truncated or made
 * up be refused without asking the store, and lets a secret scanner tell a real token from a
 * look-alike with few false positives.
 *
 * @module
 */
import { randomInt } from 'node:crypto'
import { crc32 } from 'node:zlib'

/** The base62 digits, in value order. */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Length of the random part `R`. */
export const RANDOM_LENGTH = 32
/** Length of the checksum `C`. */
export const CHECKSUM_LENGTH = 6

/** What a token prefix must look like. */
export const TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}$/

/** The default prefix of managed tokens. */
export const DEFAULT_TOKEN_PREFIX = 'tgk'

/** Prefixes other token kinds already claim: a managed token may not use them. */
const RESERVED_PREFIXES: ReadonlySet<string> = new Set(['dstok'])

/** The body after the prefix and `_`: 38 base62 characters. */
const BODY = /^[0-9A-Za-z]{38}$/

/**
 * Check a token prefix option.
 * @throws TypeError when it does not match `[a-z][a-z0-9]{1,15}` or is `dstok` (Datasette's
 *   signed tokens own that one).
 * @internal
 */
export function checkTokenPrefix(prefix: unknown, option = 'tokenPrefix'): string {
  if (prefix === undefined) return DEFAULT_TOKEN_PREFIX
  if (typeof prefix !== 'string' || !TOKEN_PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(
      `"${option}" option must be 2 to 16 lower-case letters and digits starting with a letter, such as "tgk"; got ${JSON.stringify(prefix)}`,
    )
  }
  if (RESERVED_PREFIXES.has(prefix)) {
    throw new TypeError(`"${option}" option cannot be ${JSON.stringify(prefix)}: signed dstok_ tokens use that prefix`)
  }
  return prefix
}

/**
 * The checksum of a random part: CRC32 of its ASCII bytes as 6 base62 digits.
 *
 * @param random - the 32-character random part `R`.
 * @example
 * ```ts
 * managedTokenChecksum('00000000000000000000000000000000') // '2wjyrI'
 * ```
 */
export function managedTokenChecksum(random: string): string {
  let value = crc32(Buffer.from(random, 'latin1'))
  let out = ''
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = DIGITS.charAt(value % 62) + out
    value = Math.floor(value / 62)
  }
  return out
}

/**
 * Make a new managed token: `<prefix>_`, 32 random base62 characters (each drawn uniformly with
 * `crypto.randomInt`, no modulo bias) and their checksum.
 *
 * @param prefix - the gate's token prefix, already checked.
 * @example
 * ```ts
 * generateManagedToken('tgk') // 'tgk_8kQ2vN5xR7mP1wL9tZ3cY6bH4jF0sD2g4Cnqn8'
 * ```
 */
export function generateManagedToken(prefix: string): string {
  let random = ''
  for (let i = 0; i < RANDOM_LENGTH; i++) random += DIGITS.charAt(randomInt(62))
  return `${prefix}_${random}${managedTokenChecksum(random)}`
}

/** What {@link checkManagedTokenShape} says about a token. */
export type ManagedTokenShape =
  /** Not a token of this prefix at all: another source's. */
  | 'other'
  /** This prefix, but not 38 base62 characters after it. */
  | 'malformed'
  /** This prefix and shape, but the checksum does not match. */
  | 'bad_checksum'
  /** A well-formed token of this prefix: worth asking the store. */
  | 'ok'

/**
 * Whether a token is a managed token of `prefix` and well formed, without asking any store.
 *
 * @param token - the presented token.
 * @param prefix - the gate's token prefix.
 * @example
 * ```ts
 * checkManagedTokenShape('tgk_000000000000000000000000000000002wjyrI', 'tgk') // 'ok'
 * checkManagedTokenShape('tgk_000000000000000000000000000000002wjyrJ', 'tgk') // 'bad_checksum'
 * checkManagedTokenShape('dstok_abc.def', 'tgk')                              // 'other'
 * ```
 */
export function checkManagedTokenShape(token: string, prefix: string): ManagedTokenShape {
  if (token.length <= prefix.length || token.charCodeAt(prefix.length) !== 95 /* _ */ || !token.startsWith(prefix)) return 'other'
  const body = token.slice(prefix.length + 1)
  if (!BODY.test(body)) return 'malformed'
  const random = body.slice(0, RANDOM_LENGTH)
  return managedTokenChecksum(random) === body.slice(RANDOM_LENGTH) ? 'ok' : 'bad_checksum'
}

/**
 * The part of a token a store keeps for display: the prefix, `_` and the first 4 characters of
 * `R` (`tgk_8kQ2`). Never enough to use or guess the token.
 */
export function managedTokenStart(token: string, prefix: string): string {
  return token.slice(0, prefix.length + 1 + 4)
}

/**
 * A regular expression that finds managed tokens of a prefix in text, for secret scanners
 * (word-bounded, so it does not match inside a longer base62 run).
 *
 * @example
 * ```ts
 * managedTokenPattern('tgk').source // '\\btgk_[0-9A-Za-z]{38}\\b'
 * ```
 */
export function managedTokenPattern(prefix: string = DEFAULT_TOKEN_PREFIX): RegExp {
  return new RegExp(`\\b${checkTokenPrefix(prefix, 'prefix')}_[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}\\b`, 'g')
}
