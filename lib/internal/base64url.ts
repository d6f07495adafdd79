/**
 * Base64url without padding (RFC 4648 section 5), as itsdangerous and JWTs write it.
 *
 * Encoding is Node's own. Decoding is strict where Node's is lenient: `Buffer.from(s,
 * 'base64url')` silently skips characters outside the alphabet, so a mangled string would
 * decode to something. {@link base64urlDecode} instead returns `null` for any character outside
 * `A-Z a-z 0-9 - _`, for padding, and for an impossible length. Internal: not exported from the
 * package entry.
 *
 * @module
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Encode bytes (or a string, as UTF-8) as base64url without padding.
 *
 * @param data - the bytes to encode; a string is encoded as UTF-8 first.
 * @internal
 * @example
 * ```ts
 * base64urlEncode('{"a":"root"}') // 'eyJhIjoicm9vdCJ9'
 * ```
 */
export function base64urlEncode(data: Uint8Array | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)).toString('base64url')
}

/**
 * Decode unpadded base64url strictly.
 *
 * @param text - base64url text without padding.
 * @returns the bytes, or `null` when `text` has a character outside the base64url alphabet
 *   (padding `=` included) or a length no encoder produces (a remainder of 1 modulo 4).
 * @internal
 * @example
 * ```ts
 * base64urlDecode('eyJhIjoicm9vdCJ9')?.toString('utf8') // '{"a":"root"}'
 * base64urlDecode('ey J')                              // null
 * ```
 */
export function base64urlDecode(text: string): Buffer | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null
  return Buffer.from(text, 'base64url')
}
