/**
 * The one digest tokens are looked up by: SHA-256 of the token's UTF-8 bytes, as base64. Static
 * tokens, offline tokens-file tokens and the verified-token cache key on it, so no comparison
 * ever runs over a secret and no map holds a token itself.
 *
 * `crypto.hash` (one call, no Hash object per request) is in every Node version this package
 * supports (>= 20.19).
 *
 * @module
 * @internal
 */
import { hash } from 'node:crypto'

/** SHA-256 of a token, base64. @internal */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64')
}
