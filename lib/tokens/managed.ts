/**
 * The managed-token source (SPEC section 9): tokens of the gate's prefix (`tgk_…`), kept hashed
 * in a token store, revocable one by one.
 *
 * Checks, in order:
 * 1. Shape and checksum (`managed-format.ts`): a token of this prefix that is not 38 base62
 *    characters, or whose checksum is wrong, is refused without asking the store.
 * 2. The gate's short cache (the chain's: this source's `cacheFor`, 5 seconds by default).
 * 3. The store, by the token's SHA-256 (which the chain computed once): unknown → 401
 *    `Unknown token`; revoked → 401 `Token has been revoked`; past its expiry → 401
 *    `Token has expired`. A store that cannot answer → 503 `Token store unavailable` with
 *    `Retry-After`: never a 500, never a pass.
 *
 * The actor is `{ id: <owner>, token: 'managed', token_id: <id> }`, plus `_r` when the token is
 * restricted and `token_expires` when it expires.
 *
 * @module
 * @internal
 */
import { InvalidTokenError, StoreUnavailableError } from '../errors.js'
import { buildActor } from '../internal/actor.js'
import type { StoredToken, TokenStore } from '../store/token-store.js'
import type { TokenContext, TokenSource, TokenSourceResult } from '../types.js'
import { checkManagedTokenShape } from './managed-format.js'

/** The name of the managed-token source, as `VerifiedToken.source` reports it. @internal */
export const MANAGED_SOURCE = 'managed'

/** Seconds a client is told to wait when the store is down. @internal */
export const STORE_RETRY_AFTER = 2

/** What {@link managedTokenSource} takes. @internal */
export interface ManagedTokenSourceOptions {
  /** The store, or how to get it (a lazily opened store answers with a promise until it is open). */
  readonly store: () => TokenStore | Promise<TokenStore>
  /** The gate's token prefix, checked. */
  readonly prefix: string
  /** How long the chain may reuse an answer, in seconds. */
  readonly cacheFor: number
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** The 503 for a store that cannot answer; the store's own error is the cause, for logs. @internal */
export function storeUnavailable(cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError('Token store unavailable', { cause, retryAfter: STORE_RETRY_AFTER })
}

/** The chain's answer for a stored token at `now`, or the reason it is refused. */
function answer(token: StoredToken | null, now: number): TokenSourceResult {
  if (token === null) throw new InvalidTokenError('Unknown token', { reason: 'unknown' })
  if (token.revokedAt !== null) throw new InvalidTokenError('Token has been revoked', { reason: 'revoked' })
  if (token.expiresAt !== null && now >= token.expiresAt) throw new InvalidTokenError('Token has expired', { reason: 'expired' })
  // The one actor builder (lib/internal/actor.ts) copies the stored restrictions: own keys only (a
  // database named "__proto__" stays a key), bounded, so the chain need not copy it again.
  const built = buildActor({
    id: token.actorId,
    token: 'managed',
    token_id: token.id,
    ...(token.restrictions === null ? {} : { _r: token.restrictions }),
    ...(token.expiresAt === null ? {} : { token_expires: token.expiresAt }),
  })
  // A store row holds JSON, and the manager caps restrictions at 10,000 grants: unreachable, but closed.
  if (!built.ok) throw new InvalidTokenError(`Invalid token: the actor ${built.problem}`, { reason: 'invalid_claims' })
  return { actor: built.actor, tokenId: token.id, expiresAt: token.expiresAt, ownerId: token.actorId, rateLimit: token.rateLimit }
}

/**
 * The token source of managed tokens.
 * @internal
 */
export function managedTokenSource(options: ManagedTokenSourceOptions): TokenSource {
  const { prefix, cacheFor } = options
  const storeOf = options.store
  return Object.freeze({
    name: MANAGED_SOURCE,
    cacheFor,
    verify: function verifyManagedToken(token: string, context: TokenContext): TokenSourceResult | null | Promise<TokenSourceResult> {
      const shape = checkManagedTokenShape(token, prefix)
      if (shape === 'other') return null
      if (shape === 'malformed') throw new InvalidTokenError('Invalid token: malformed', { reason: 'malformed' })
      if (shape === 'bad_checksum') throw new InvalidTokenError('Invalid token: checksum mismatch', { reason: 'malformed' })
      let found: StoredToken | null | Promise<StoredToken | null>
      try {
        const store = storeOf()
        found = isPromise(store) ? store.then((opened) => opened.findByHash(context.digest)) : store.findByHash(context.digest)
      } catch (error) {
        throw storeUnavailable(error)
      }
      if (isPromise(found)) {
        return found.then(
          (row) => answer(row, context.now),
          (error: unknown) => {
            throw storeUnavailable(error)
          },
        )
      }
      return answer(found, context.now)
    },
  })
}
