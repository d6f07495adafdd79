/**
 * Owners: the `resolveActor` gate option (SPEC section 9, "Owners"). A token names the actor it
 * acts as by id; with `resolveActor`, the gate asks the application for that actor as it is now,
 * so a token stops working when its owner is deleted (InfluxDB 2's rule) and picks up the
 * owner's current attributes (roles, teams) for allow blocks.
 *
 * The token keeps what belongs to the token: its `token`, `token_id`, `token_name`, `_r` and
 * `token_expires` keys are laid over the owner's actor and cannot be overridden by it, and a
 * `_r` in the owner's actor is dropped (restrictions come from the token alone). So a token can
 * never do more than its owner, and never more than it was given.
 *
 * @module
 */
import { InvalidTokenError } from '../errors.js'
import { buildActor, defineOwn, isBuiltActor, newActor } from '../internal/actor.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import type { Actor } from '../types.js'

/**
 * The `resolveActor` gate option: the owner's current actor for an id, `null` when the owner no
 * longer exists. May be async. What it throws (or rejects with) fails the request as it is: a
 * tokengate error renders with its status (throw a `StoreUnavailableError` for "my user database
 * is down": 503), anything else goes to the framework's error handler (500).
 */
export type ResolveActor = (id: string | number) => Actor | null | Promise<Actor | null>

/** The keys a token's actor keeps, whatever the owner's actor says. */
export const TOKEN_KEYS: readonly string[] = Object.freeze(['token', 'token_id', 'token_name', '_r', 'token_expires'])

/**
 * The owner's actor as `resolveActor` answered it, copied by the one actor builder
 * (`lib/internal/actor.ts`): own data properties only, so a `"__proto__"` key stays a key and
 * never sets a prototype, bounded in depth and size. `null` stays `null`.
 * @throws TypeError when `resolveActor` answered something that is not a JSON object nor `null`
 *   (a bug in the application).
 * @throws InvalidTokenError (reason `invalid_claims`) when the owner's actor is nested too deep or
 *   too large to be an actor.
 * @internal
 */
export function builtOwnerActor(owner: unknown): Actor | null {
  if (owner === null) return null
  if (!isPlainObject(owner)) {
    throw new TypeError(`resolveActor must return the owner's actor (a plain object) or null, got ${owner === undefined ? 'undefined' : typeof owner}`)
  }
  const built = buildActor(owner)
  if (built.ok) return built.actor
  if (built.kind === 'not_json') throw new TypeError(`resolveActor must return the owner's actor as JSON data: the actor ${built.problem}`)
  throw new InvalidTokenError(`Invalid token: the owner's actor ${built.problem}`, { reason: 'invalid_claims' })
}

/**
 * The actor a token stands for, given its owner's current actor: the owner's keys (copied by
 * {@link builtOwnerActor}) but the token's own {@link TOKEN_KEYS}, each defined as an own
 * property. The result counts as built (the chain does not copy it again) when the token's actor
 * was built too; else the chain's `remember()` copies the whole.
 * @throws InvalidTokenError `Token owner no longer exists` (reason `owner_gone`) when the owner is `null`.
 * @throws TypeError when `resolveActor` answered something that is neither a JSON object nor `null`.
 * @internal
 */
export function actorWithOwner(tokenActor: Actor, owner: unknown): Actor {
  const ownerActor = builtOwnerActor(owner)
  if (ownerActor === null) throw new InvalidTokenError('Token owner no longer exists', { reason: 'owner_gone' })
  const actor = isBuiltActor(tokenActor) ? newActor() : {}
  for (const key of Object.keys(ownerActor)) {
    if (!TOKEN_KEYS.includes(key)) defineOwn(actor, key, ownerActor[key])
  }
  for (const key of TOKEN_KEYS) {
    if (Object.hasOwn(tokenActor, key)) defineOwn(actor, key, tokenActor[key])
  }
  return actor
}

/** Check the `resolveActor` option. @internal */
export function checkResolveActor(value: unknown): ResolveActor | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw new TypeError('"resolveActor" option must be a function (id) => actor | null, sync or async')
  return value as ResolveActor
}
