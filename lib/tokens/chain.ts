/**
 * The token chain: the one pipeline every presented token goes through, whatever its kind.
 *
 * In order, written once:
 * 1. The token's SHA-256 is computed, once; every source and the cache share it.
 * 2. The verified-token cache is asked (`verified-cache.ts`).
 * 3. The sources are asked in order: `null` is "not mine" and the next one tries; an answer is
 *    "mine and valid"; a thrown {@link InvalidTokenError} is "mine but bad". Synchronous while
 *    every source asked answers synchronously; a source that returns a promise switches the rest
 *    of the chain to it.
 * 4. The answer is accepted: with `resolveActor`, a token that names its owner (`ownerId`) takes
 *    the owner's current actor, keeping its own `token`, `token_id`, `_r` and `token_expires`
 *    (`owner.ts`); the final actor must be JSON data (copied into own properties, bounded in
 *    depth and size, unless `lib/internal/actor.ts` built it already) and its `_r` well formed
 *    (validated and compiled here, once, never per check).
 * 5. The verified token is cached for as long as its source allows, its actor frozen, because
 *    the same object is then handed to every request that presents the token.
 * 6. A token no source claims is `Unknown token`, or anonymous with `unknownTokens: 'anonymous'`.
 *
 * What must happen to every token exactly once (revocation, owner resolution, events, rate
 * limits) attaches here.
 *
 * @module
 * @internal
 */
import { InvalidTokenError } from '../errors.js'
import { buildActor, isBuiltActor } from '../internal/actor.js'
import { deepFreeze } from '../internal/deep-freeze.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { tokenDigest } from '../internal/token-digest.js'
import { compiledRestrictions } from '../permissions/restrictions.js'
import type { Actor, TokenContext, TokenSource, TokenSourceResult, VerifiedToken } from '../types.js'
import { type ResolveActor, actorWithOwner } from './owner.js'
import { VerifiedTokenCache } from './verified-cache.js'

/** What {@link createTokenChain} takes. @internal */
export interface TokenChainOptions {
  /** The sources, in the order they are asked. */
  readonly sources: readonly TokenSource[]
  /** What a token that no source claims means. */
  readonly unknownTokens: 'reject' | 'anonymous'
  /** How many verified tokens to remember; 0 for none. */
  readonly cacheSize: number
  /**
   * The owner's current actor for a token that names one (`ownerId`); with it, no answer is
   * remembered longer than `ownerCacheFor` seconds, so a deleted owner stops working within it.
   */
  readonly resolveActor?: ResolveActor | undefined
  /** The longest a resolved owner is remembered, in seconds. */
  readonly ownerCacheFor?: number | undefined
  /** Told of every token that verified, cache hits included (managed tokens' last use). */
  readonly onVerified?: ((verified: VerifiedToken, now: number) => void) | undefined
  /** The most estimated memory the remembered tokens may take, in bytes; 0 for none. */
  readonly cacheBytes?: number
}

/** The token chain of one gate. @internal */
export interface TokenChain {
  /**
   * Verify a presented token at `now`: the verified token, or `null` for an unclaimed token
   * under `unknownTokens: 'anonymous'`. Synchronous when every source asked is.
   * @throws InvalidTokenError for an invalid or unknown token.
   */
  verify(token: string, now: number): VerifiedToken | null | Promise<VerifiedToken | null>
  /** Forget one verified token (by digest or token id), so its next request is verified afresh. */
  forget(key: { readonly digest: string } | { readonly tokenId: string }): void
  /** Forget every verified token. */
  clear(): void
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/** Build the token chain. @internal */
export function createTokenChain(options: TokenChainOptions): TokenChain {
  const { sources, unknownTokens, resolveActor, onVerified } = options
  const ownerCacheFor = options.ownerCacheFor ?? 0
  const cache = new VerifiedTokenCache(options.cacheSize, options.cacheBytes)

  /** Step 4 and 5: check, resolve the owner, freeze and remember a source's answer. */
  function accept(
    result: TokenSourceResult,
    source: TokenSource,
    context: TokenContext,
    generation: number,
  ): VerifiedToken | Promise<VerifiedToken> {
    if (!isPlainObject(result) || !isPlainObject(result.actor)) {
      throw new TypeError(
        `Token source "${source.name}" must answer null or { actor, tokenId?, expiresAt? } with a plain-object actor`,
      )
    }
    const ownerId = result.ownerId
    if (resolveActor === undefined || ownerId === undefined || ownerId === null) {
      return remember(result, result.actor, source, context, generation, source.cacheFor ?? 0)
    }
    const cacheFor = Math.min(source.cacheFor ?? 0, ownerCacheFor)
    const owner = resolveActor(ownerId)
    if (isPromise(owner)) {
      return owner.then((answer) => remember(result, actorWithOwner(result.actor, answer), source, context, generation, cacheFor))
    }
    return remember(result, actorWithOwner(result.actor, owner), source, context, generation, cacheFor)
  }

  function remember(
    result: TokenSourceResult,
    answered: Actor,
    source: TokenSource,
    context: TokenContext,
    generation: number,
    cacheFor: number,
  ): VerifiedToken {
    // Every actor is plain data built by lib/internal/actor.ts: own keys only ("__proto__"
    // included), Object.prototype everywhere, bounded. The built-in sources and owner.ts build
    // theirs; anything else (an application source's answer) is copied here, on the final actor.
    let actor = answered
    if (!isBuiltActor(actor)) {
      const built = buildActor(actor)
      if (!built.ok) {
        if (built.kind === 'not_json') throw new TypeError(`Token source "${source.name}" must answer a JSON actor: the actor ${built.problem}`)
        throw new InvalidTokenError(`Invalid token: the actor ${built.problem}`, { reason: 'invalid_claims' })
      }
      actor = built.actor
    }
    if (Object.hasOwn(actor, '_r')) {
      const compiled = compiledRestrictions(actor['_r'])
      if ('problem' in compiled) throw new InvalidTokenError(`Invalid token: ${compiled.problem}`, { reason: 'invalid_restrictions' })
    }
    const verified: VerifiedToken = {
      // A remembered actor is handed to every request that presents the token: freeze it.
      actor: cacheFor > 0 ? deepFreeze(actor) : actor,
      source: source.name,
      tokenId: result.tokenId ?? null,
      expiresAt: result.expiresAt ?? null,
      rateLimit: result.rateLimit ?? null,
    }
    // An answer that took a while (a store, an owner lookup) is remembered only if nothing was
    // forgotten meanwhile: a token revoked during its own lookup must not be cached as valid.
    if (cacheFor > 0 && cache.generation === generation) {
      cache.set(context.digest, Object.freeze(verified), context.now, cacheFor, result.notBefore ?? null)
    }
    onVerified?.(verified, context.now)
    return verified
  }

  function unclaimed(): null {
    if (unknownTokens === 'anonymous') return null
    throw new InvalidTokenError('Unknown token', { reason: 'unknown' })
  }

  /** Step 3, from source `from` on. */
  function ask(token: string, context: TokenContext, from: number, generation: number): VerifiedToken | null | Promise<VerifiedToken | null> {
    for (let index = from; index < sources.length; index++) {
      const source = sources[index] as TokenSource
      const result = source.verify(token, context)
      if (result === null) continue
      if (isPromise(result)) {
        return result.then((answer) =>
          answer === null ? ask(token, context, index + 1, generation) : accept(answer, source, context, generation),
        )
      }
      return accept(result, source, context, generation)
    }
    return unclaimed()
  }

  return {
    verify(token, now) {
      const digest = tokenDigest(token)
      const cached = cache.get(digest, now)
      if (cached !== undefined) {
        onVerified?.(cached, now)
        return cached
      }
      return ask(token, { now, digest }, 0, cache.generation)
    },
    forget: (key) => cache.forget(key),
    clear: () => cache.clear(),
  }
}
