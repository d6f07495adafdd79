/**
 * The one digest tokens are looked up by: SHA-256 of the token's UTF-8 bytes, lower-case hex.
 * The token chain computes it once per request and hands it to every source and to the
 * verified-token cache; static tokens, offline tokens-file tokens and managed tokens are keyed on
 * it, so no comparison ever runs over a secret and no map or store holds a token itself. Hex is
 * what stores keep and what InfluxDB 3 shows as a token's `hash`.
 *
 * `crypto.hash` (one call, no Hash object per request) is in every Node version this package
 * supports (>= 20.19).
 *
 * @module
 * @internal
 */
import { hash } from 'node:crypto'

/** SHA-256 of a token, lower-case hex. @internal */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'hex')
}
