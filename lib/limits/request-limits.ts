/**
 * Rate limits as a request meets them (SPEC section 11): which limit applies (the token's own,
 * else the gate's default; none for anonymous), whom it counts (the token by id, else the actor),
 * and what the response says about it: the IETF draft's `RateLimit-Policy` and `RateLimit`
 * headers, and a 429 {@link RateLimitError} over the limit. The counting itself is the limiter's
 * (`rate-limiter.ts`: memory, or Redis shared by many instances).
 *
 * @module
 * @internal
 */
import { RateLimitError } from '../errors.js'
import type { LimitVerdict } from '../internal/gate-internals.js'
import { tokenDigest } from '../internal/token-digest.js'
import type { VerifiedToken } from '../types.js'
import { type LimitOutcome, type RateLimit, rateLimitPolicy, rateLimitState } from './rate-limit.js'
import type { Limiter } from './rate-limiter.js'

/** What {@link createRequestLimits} takes; `F` is what the caller knows of the request. @internal */
export interface RequestLimitsOptions<F> {
  readonly limiter: Limiter
  /** The gate's `rateLimit`, for tokens without their own; `null` for none. */
  readonly defaultLimit: RateLimit | null
  /** Told of every request refused by a limit, with what the caller passed about it. */
  readonly onLimited: (verified: VerifiedToken, facts: F) => void
}

/**
 * Count one authenticated request against its limit: `null` when no limit applies, else the
 * verdict (synchronous with the memory limiter). Keys and policy headers are made once per
 * verified token and per limit.
 * @internal
 */
export function createRequestLimits<F>(options: RequestLimitsOptions<F>): (verified: VerifiedToken, facts: F) => LimitVerdict | null | Promise<LimitVerdict> {
  const { limiter, defaultLimit, onLimited } = options

  /** Who a rate limit counts: the token, else the actor (computed once per verified token). */
  const keys = new WeakMap<VerifiedToken, string>()
  function keyOf(verified: VerifiedToken): string {
    let key = keys.get(verified)
    if (key === undefined) {
      const id = verified.actor['id']
      key =
        verified.tokenId !== null
          ? `token:${verified.source}:${verified.tokenId}`
          : typeof id === 'string' || typeof id === 'number'
            ? `actor:${String(id)}`
            : `actor#${tokenDigest(JSON.stringify(verified.actor))}`
      keys.set(verified, key)
    }
    return key
  }

  /** The `RateLimit-Policy` header of each limit, made once. */
  const policies = new WeakMap<RateLimit, string>()
  function verdictOf(outcome: LimitOutcome, verified: VerifiedToken, facts: F): LimitVerdict {
    let policy = policies.get(outcome.limit)
    if (policy === undefined) policies.set(outcome.limit, (policy = rateLimitPolicy(outcome.limit)))
    const state = rateLimitState(outcome)
    if (outcome.allowed) return { policy, state, error: null }
    onLimited(verified, facts)
    return { policy, state, error: new RateLimitError(outcome.reset, { headers: { 'RateLimit-Policy': policy, RateLimit: state } }) }
  }

  return function limit(verified, facts) {
    const applies = verified.rateLimit ?? defaultLimit
    if (applies === null) return null
    const outcome = limiter.consume(keyOf(verified), applies)
    return outcome instanceof Promise ? outcome.then((counted) => verdictOf(counted, verified, facts)) : verdictOf(outcome, verified, facts)
  }
}
