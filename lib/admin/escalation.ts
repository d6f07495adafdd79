/**
 * The rules that keep token administration from being a way up (SPEC section 10, "No privilege
 * escalation"), each a function the handlers call before anything is written:
 *
 * - **Token callers**: a caller authenticated by a token (its actor has `token` or `_r`) is
 *   refused, 403 `Tokens cannot manage tokens`, unless `allowTokenCallers`. With it, what the
 *   token asks for must lie within its own restrictions and expiry (and, for a managed token with
 *   a rate limit of its own, within that limit), and it never changes or rotates itself. Actors of configured static tokens carry neither key: they are configured
 *   identities and may manage tokens.
 * - **The owner's grants**: every action a token would be granted (in `restrictions` or
 *   `permissions`) must be allowed to the owner at that place (`gate.allowed(owner, action,
 *   place)`): `a` at instance level, `d[D]` on database D, `r[D][T]` on D/T. Else 403 naming the
 *   first refused grants, as InfluxDB 2 does.
 * - **Whose tokens**: another owner's `actor_id` needs `auth-tokens-edit-all`; seeing another's
 *   token needs `auth-tokens-view-all` (else 404, as for a missing id); changing or rotating it
 *   `auth-tokens-edit-all`; revoking it `auth-tokens-revoke-all`.
 *
 * Each rule checks the caller's own actor, restrictions included, so a restricted token needs
 * the management actions in its `_r` as well.
 *
 * @module
 * @internal
 */
import { ForbiddenError, NotFoundError } from '../errors.js'
import type { Gate } from '../gate.js'
import type { GateInternals } from '../internal/gate-internals.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import type { RateLimit } from '../limits/rate-limit.js'
import type { ActionRegistry } from '../permissions/actions.js'
import { restrictionsAllow } from '../permissions/restrictions.js'
import { MANAGED_SOURCE } from '../tokens/managed.js'
import { builtOwnerActor } from '../tokens/owner.js'
import { type TokenManager, type TokenRecord, noTokenWithId } from '../tokens/token-manager.js'
import type { Actor, Restrictions } from '../types.js'
import { rfc3339 } from '../tokens/token-record-json.js'

/** One thing a token would be allowed: an action at a place. @internal */
export interface Grant {
  readonly action: string
  readonly database: string | null
  readonly resource: string | null
}

/** Whether an actor came from a token (`token` or `_r`): SPEC section 10's "token caller". @internal */
export function isTokenCaller(actor: Actor): boolean {
  return Object.hasOwn(actor, 'token') || Object.hasOwn(actor, '_r')
}

/** The actor's id as tokens name their owner, or `null` when it has none. @internal */
export function idOf(actor: Actor): string | null {
  const id = actor['id']
  if (typeof id === 'string' && id !== '') return id
  if (typeof id === 'number' && Number.isFinite(id)) return String(id)
  return null
}

/** Who made a change, for the audit log: the actor's id, else the actor as JSON (shortened). @internal */
export function labelOf(actor: Actor): string {
  const id = idOf(actor)
  if (id !== null) return id
  const json = JSON.stringify(actor)
  return json.length > 200 ? `${json.slice(0, 199)}…` : json
}

/** 403 `Tokens cannot manage tokens` unless token callers are allowed. @internal */
export function refuseTokenCaller(actor: Actor, allowTokenCallers: boolean, realm: string): void {
  if (allowTokenCallers || !isTokenCaller(actor)) return
  throw forbidden({ action: 'auth-tokens-create', database: null, resource: null }, 'Tokens cannot manage tokens', realm)
}

function forbidden(check: Grant, message: string, realm: string): ForbiddenError {
  const error = new ForbiddenError(check, undefined, message)
  error.realm = realm
  return error
}

/**
 * Every grant of some restrictions, in order: `a`, then `d`, then `r`; with a registry, actions
 * by their full names (abbreviations resolved), for messages.
 * @internal
 */
export function grantsOf(restrictions: Restrictions, registry?: ActionRegistry): Grant[] {
  const out: Grant[] = []
  const push = (grant: Grant): void => {
    out.push(registry === undefined ? grant : { ...grant, action: registry.get(grant.action)?.name ?? grant.action })
  }
  for (const action of restrictions.a ?? []) push({ action, database: null, resource: null })
  for (const [database, actions] of Object.entries(restrictions.d ?? {})) {
    for (const action of actions) push({ action, database, resource: null })
  }
  for (const [database, children] of Object.entries(restrictions.r ?? {})) {
    for (const [resource, actions] of Object.entries(children)) {
      for (const action of actions) push({ action, database, resource })
    }
  }
  return out
}

/** A grant as words: `insert-row everywhere`, `insert-row on docs`, `insert-row on docs/documents`. @internal */
export function describeGrant({ action, database, resource }: Grant): string {
  if (database === null) return `${action} everywhere`
  return resource === null ? `${action} on ${database}` : `${action} on ${database}/${resource}`
}

const NAMED = 5

function nameSome(grants: readonly Grant[]): string {
  const named = grants.slice(0, NAMED).map(describeGrant).join(', ')
  return grants.length > NAMED ? `${named} and ${grants.length - NAMED} more` : named
}

/**
 * The owner's actor, to check grants against: the gate's `resolveActor`, else the caller itself
 * (without its token keys) when it is the owner, else `{ id }`.
 * @internal
 */
export async function ownerActor(internals: GateInternals, caller: Actor, ownerId: string): Promise<Actor | null> {
  if (internals.resolveActor !== null) {
    const resolved: unknown = await internals.resolveActor(ownerId)
    // Built as the chain builds it (owner.ts): a "__proto__" key stays a key, the size is bounded.
    const built = isPlainObject(resolved) ? builtOwnerActor(resolved) : null
    return built === null ? null : withoutTokenKeys(built)
  }
  if (idOf(caller) === ownerId) return withoutTokenKeys(caller)
  return { id: ownerId }
}

const TOKEN_KEYS: ReadonlySet<string> = new Set(['token', 'token_id', 'token_name', '_r', 'token_expires'])

function withoutTokenKeys(actor: Actor): Actor {
  return Object.fromEntries(Object.entries(actor).filter(([key]) => !TOKEN_KEYS.has(key)))
}

/**
 * 403 unless the owner may do every grant at its place.
 * @throws ForbiddenError `Cannot grant what <owner> may not do: <grants>`.
 * @internal
 */
export function checkOwnerGrants(gate: Gate, owner: Actor, ownerId: string, grants: readonly Restrictions[] | null): void {
  if (grants === null) return
  const refused = grants
    .flatMap((r) => grantsOf(r, gate.actions))
    .filter((grant) => !gate.allowed(owner, grant.action, { database: grant.database, resource: grant.resource }))
  const [first] = refused
  if (first === undefined) return
  throw forbidden(first, `Cannot grant what ${ownerId} may not do: ${nameSome(unique(refused))}`, gate.realm)
}

function unique(grants: readonly Grant[]): Grant[] {
  const seen = new Set<string>()
  return grants.filter((grant) => {
    const key = JSON.stringify([grant.action, grant.database, grant.resource])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * For a token caller: 403 unless a token's scope and expiry lie within the caller's own.
 * `grants` `null` is an unrestricted token, within a caller without restrictions only;
 * `expiresAt` `null` is a token that never expires, within a caller that never expires only.
 * @internal
 */
export function checkWithinCaller(gate: Gate, caller: Actor, grants: readonly Restrictions[] | null, expiresAt: number | null): void {
  if (!isTokenCaller(caller)) return
  const own = caller['_r']
  if (own !== undefined) {
    if (grants === null) {
      throw forbidden(
        { action: 'auth-tokens-create', database: null, resource: null },
        'A token can only create tokens within its own restrictions: give the new token restrictions or permissions',
        gate.realm,
      )
    }
    const beyond = grants
      .flatMap((r) => grantsOf(r, gate.actions))
      .filter((grant) => !restrictionsAllow(own, grant.action, { database: grant.database, resource: grant.resource }, gate.actions))
    const [first] = beyond
    if (first !== undefined) {
      throw forbidden(first, `A token can only create tokens within its own restrictions: ${nameSome(unique(beyond))} is beyond them`, gate.realm)
    }
  }
  const callerExpires = caller['token_expires']
  if (typeof callerExpires === 'number' && (expiresAt === null || expiresAt > callerExpires)) {
    throw forbidden(
      { action: 'auth-tokens-create', database: null, resource: null },
      `A token that expires at ${rfc3339(callerExpires)} can only create tokens that expire no later`,
      gate.realm,
    )
  }
}

/**
 * For a caller authenticated by a managed token that has a rate limit of its own: 403 unless the
 * limit a token would get (`null`: none, only the gate's default) is as strict as the caller's:
 * no more points, a window no shorter. A limited token could otherwise hand out, or take a new
 * secret for, a token that goes faster than itself.
 * @internal
 */
export async function checkLimitWithinCaller(tokens: TokenManager, caller: Actor, limit: RateLimit | null, realm: string): Promise<void> {
  const tokenId = caller['token_id']
  if (caller['token'] !== MANAGED_SOURCE || typeof tokenId !== 'string') return
  const own = (await tokens.get(tokenId))?.rateLimit ?? null
  if (own === null || (limit !== null && limit.points <= own.points && limit.duration >= own.duration)) return
  throw forbidden(
    { action: 'auth-tokens-create', database: null, resource: null },
    `A token limited to ${own.points} requests per ${own.duration} seconds can only give tokens a rate limit as strict: at most ${own.points} requests per ${own.duration} seconds or more`,
    realm,
  )
}

/** 403 when a token caller names itself. @internal */
export function refuseSelf(caller: Actor, record: TokenRecord, realm: string): void {
  if (caller['token_id'] === record.id) {
    throw forbidden({ action: 'auth-tokens-edit-all', database: null, resource: null }, 'A token cannot change or rotate itself', realm)
  }
}

/** The 404 for a token that is missing or not visible to the caller: the same answer for both. @internal */
export function notFound(id: string): NotFoundError {
  return new NotFoundError(noTokenWithId(id))
}

/** Whether the caller may see a token: its owner, or a holder of `auth-tokens-view-all`. @internal */
export function maySee(gate: Gate, caller: Actor, record: TokenRecord): boolean {
  return idOf(caller) === record.actorId || gate.allowed(caller, 'auth-tokens-view-all')
}

/**
 * 403 unless the caller owns the token or may do `action` (`auth-tokens-edit-all`,
 * `auth-tokens-revoke-all`) to everyone's.
 * @internal
 */
export function requireOwnerOr(check: (caller: Actor, action: string) => void, caller: Actor, record: TokenRecord, action: string): void {
  if (idOf(caller) === record.actorId) return
  check(caller, action)
}
