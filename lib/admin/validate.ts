/**
 * Validation of token-administration bodies and queries (SPEC section 10, "Bad input"): every
 * unknown field is a 400 naming it, every wrong type a 400 naming the field, restrictions that
 * name unknown actions, `expires_after` that is 0, negative or beyond `maxExpiresAfter`, and a
 * `rate_limit` that is not `{points, duration}` (SPEC section 11) are 400s. All of it runs before anything is written, so a refused request changes nothing.
 *
 * Field names in messages are the HTTP ones (`expires_after`, `actor_id`).
 *
 * @module
 * @internal
 */
import { InvalidParameterError, PermissionStringError } from '../errors.js'
import { closest } from '../internal/closest.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { type RateLimit, rateLimitProblem } from '../limits/rate-limit.js'
import type { ActionRegistry } from '../permissions/actions.js'
import { parsePermissions } from '../permissions/permission-strings.js'
import { restrictionsProblem } from '../permissions/restrictions.js'
import { scopeSizeProblem, unionRestrictions } from '../permissions/restrictions-union.js'
import type { TokenStatus } from '../store/token-store.js'
import { MAX_NAME, checkTokenDescription, checkTokenName, describe } from '../tokens/token-fields.js'
import type { Restrictions } from '../types.js'


/** What the validators need to know. @internal */
export interface ValidationContext {
  readonly registry: ActionRegistry
  /** The longest lifetime allowed, or `null` for no limit. */
  readonly maxExpiresAfter: number | null
}

/** A token's scope as given: restrictions, permission strings, and what the strings compile to. @internal */
export interface Scope {
  readonly restrictions: Restrictions | null
  readonly permissions: string[] | null
  /** `restrictions` and the compiled `permissions` together: every grant the token would have, or `null` for none given (unrestricted). */
  readonly grants: readonly Restrictions[] | null
}

function bad(field: string, message: string): InvalidParameterError {
  return new InvalidParameterError(field, message)
}

/** The body as an object with known fields only; `undefined` (no body) as `{}` when `optional`. @internal */
export function fieldsOf<K extends string>(body: unknown, known: readonly K[], optional = false): { readonly [key in K]?: unknown } {
  if (body === undefined && optional) return {}
  if (!isPlainObject(body)) throw bad('body', `The request body must be a JSON object, got ${body === undefined ? 'no body' : describe(body)}`)
  for (const key of Object.keys(body)) {
    if ((known as readonly string[]).includes(key)) continue
    const guess = closest(key, known)
    throw bad(key, `Unknown field ${JSON.stringify(key.slice(0, 100))}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`}`)
  }
  return body as { readonly [key in K]?: unknown }
}

/** A token name: 1 to 200 characters, no control characters; a missing one is "nothing" over HTTP. @internal */
export function checkName(value: unknown, field = 'name'): string {
  return checkTokenName(value, field, 'nothing')
}

/** A lifetime in seconds under the configured maximum; `null` for none (refused when there is a maximum). @internal */
export function checkExpiresAfter(value: unknown, field: string, context: ValidationContext): number | null {
  const max = context.maxExpiresAfter
  if (value === undefined || value === null) {
    if (max !== null) throw bad(field, `${field} is required: tokens here expire within ${max} seconds`)
    return null
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw bad(field, `${field} must be a positive whole number of seconds, or null for no expiry; got ${describe(value)}`)
  }
  if (max !== null && value > max) throw bad(field, `${field} must be at most ${max} seconds, got ${value}`)
  return value
}

/** Restrictions, well formed, naming registered actions only. */
function checkRestrictions(value: unknown, registry: ActionRegistry): Restrictions | null {
  if (value === undefined || value === null) return null
  const problem = restrictionsProblem(value)
  if (problem !== null) throw bad('restrictions', `restrictions: ${problem}`)
  const r = value as Restrictions
  const named = [...(r.a ?? []), ...Object.values(r.d ?? {}).flat(), ...Object.values(r.r ?? {}).flatMap((children) => Object.values(children).flat())]
  for (const action of named) {
    if (registry.get(action) === undefined) {
      const guess = closest(action, registry.list().map((a) => a.name))
      throw bad(
        'restrictions',
        `restrictions name an unknown action ${JSON.stringify(action.slice(0, 100))}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`}`,
      )
    }
  }
  return structuredClone(r)
}

/** Permission strings, each valid; the compiled restrictions of each. */
function checkPermissions(value: unknown, registry: ActionRegistry, field = 'permissions'): { strings: string[]; compiled: Restrictions[] } | null {
  if (value === undefined || value === null) return null
  if (!Array.isArray(value) || value.length === 0 || value.some((p) => typeof p !== 'string')) {
    throw bad(field, `${field} must be null or a non-empty list of permission strings such as "db:docs:read"`)
  }
  const strings = [...(value as string[])]
  const compiled = strings.map((permission, index) => {
    try {
      return parsePermissions([permission], registry)
    } catch (error) {
      if (error instanceof PermissionStringError) {
        throw new PermissionStringError(error.permission, `${field}[${index}]: ${error.message}`, error.field)
      }
      throw error
    }
  })
  return { strings, compiled }
}

/**
 * 400 when restrictions and compiled permissions together grant more than a token may carry
 * (the 10,000-grant cap of `_r`), before the escalation rules look at each grant.
 */
function checkScopeSize(parts: readonly Restrictions[], withRestrictions: boolean): void {
  const problem = scopeSizeProblem(unionRestrictions(...parts))
  if (problem !== null) throw bad('permissions', `${withRestrictions ? 'restrictions and permissions' : 'permissions'}: ${problem}`)
}

/**
 * A token's `rate_limit`: `null` (none: the gate's default applies), or `{points, duration}`,
 * two whole numbers from 1 (requests per window of `duration` seconds).
 * @internal
 */
export function checkRateLimit(value: unknown, field = 'rate_limit'): RateLimit | null {
  if (value === null) return null
  const problem = rateLimitProblem(value)
  if (problem !== null) {
    throw bad(field, `${field} ${problem}, such as {"points": 100, "duration": 60} (100 requests a minute), or null for none`)
  }
  const { points, duration } = value as RateLimit
  return { points, duration }
}

/** The scope given by `restrictions` and `permissions`. @internal */
export function checkScope(restrictions: unknown, permissions: unknown, registry: ActionRegistry): Scope {
  const r = checkRestrictions(restrictions, registry)
  const p = checkPermissions(permissions, registry)
  if (p !== null) checkScopeSize([...(r === null ? [] : [r]), ...p.compiled], r !== null)
  const grants = r === null && p === null ? null : [...(r === null ? [] : [r]), ...(p?.compiled ?? [])]
  return { restrictions: r, permissions: p?.strings ?? null, grants }
}

/** What `POST /-/api/tokens` asks for. @internal */
export interface CreateRequest {
  readonly name: string
  readonly description: string | null
  readonly actorId: string | null
  readonly expiresAfter: number | null
  readonly scope: Scope
  /** The token's own rate limit, or `null` (the gate's default applies). */
  readonly rateLimit: RateLimit | null
}

const CREATE_FIELDS = ['name', 'description', 'actor_id', 'expires_after', 'restrictions', 'permissions', 'rate_limit'] as const

/** Validate a create body. @internal */
export function parseCreateBody(body: unknown, context: ValidationContext): CreateRequest {
  const fields = fieldsOf(body, CREATE_FIELDS)
  const name = checkName(fields.name)
  const description = checkTokenDescription(fields.description)
  const actorId = fields.actor_id === undefined || fields.actor_id === null ? null : fields.actor_id
  if (actorId !== null && (typeof actorId !== 'string' || actorId === '' || actorId.length > MAX_NAME)) {
    throw bad('actor_id', `actor_id must be a non-empty string (the owner's actor id), got ${describe(actorId)}`)
  }
  const expiresAfter = checkExpiresAfter(fields.expires_after, 'expires_after', context)
  const scope = checkScope(fields.restrictions, fields.permissions, context.registry)
  const rateLimit = fields.rate_limit === undefined ? null : checkRateLimit(fields.rate_limit)
  return { name, description, actorId, expiresAfter, scope, rateLimit }
}

/** What `PATCH /-/api/tokens/:id` asks to change. @internal */
export interface PatchRequest {
  readonly name?: string
  readonly description?: string | null
  /** Present when `restrictions` or `permissions` is given: the new scope replaces the old. */
  readonly scope?: Scope
  readonly expiresAt?: number | null
  /** Present when `rate_limit` is given: the new limit, or `null` to remove it. */
  readonly rateLimit?: RateLimit | null
}

const PATCH_FIELDS = ['name', 'description', 'restrictions', 'permissions', 'expires_at', 'rate_limit'] as const
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i

/** Validate a change body at `now` (unix seconds). @internal */
export function parsePatchBody(body: unknown, context: ValidationContext, now: number): PatchRequest {
  const fields = fieldsOf(body, PATCH_FIELDS)
  const out: { -readonly [K in keyof PatchRequest]: PatchRequest[K] } = {}
  if (fields.name !== undefined) out.name = checkName(fields.name)
  if (fields.description !== undefined) out.description = checkTokenDescription(fields.description)
  if (fields.restrictions !== undefined || fields.permissions !== undefined) {
    out.scope = checkScope(fields.restrictions, fields.permissions, context.registry)
  }
  if (fields.expires_at !== undefined) {
    const value = fields.expires_at
    const max = context.maxExpiresAfter
    if (value === null) {
      if (max !== null) throw bad('expires_at', `expires_at cannot be null: tokens here expire within ${max} seconds`)
      out.expiresAt = null
    } else {
      const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN
      if (Number.isNaN(ms)) throw bad('expires_at', `expires_at must be an RFC 3339 time such as "2030-01-01T00:00:00Z", or null; got ${describe(value)}`)
      const at = Math.floor(ms / 1000)
      if (at <= now) throw bad('expires_at', 'expires_at must be in the future')
      if (max !== null && at - now > max) throw bad('expires_at', `expires_at must be at most ${max} seconds from now`)
      out.expiresAt = at
    }
  }
  if (fields.rate_limit !== undefined) out.rateLimit = checkRateLimit(fields.rate_limit)
  return out
}

/** A body that must be absent or an empty object (revoke, rotate). @internal */
export function checkNoFields(body: unknown): void {
  fieldsOf(body, [], true)
}

/** What `GET /-/api/tokens` asks for. @internal */
export interface ListRequest {
  readonly actorId: string | undefined
  readonly status: TokenStatus | undefined
  readonly limit: number | undefined
  readonly cursor: string | undefined
}

const LIST_PARAMS = ['actor_id', 'status', 'limit', 'cursor'] as const
const STATUSES: readonly string[] = ['active', 'revoked', 'expired']

/** One query parameter, given at most once. @internal */
export function singleParam(query: { readonly [name: string]: readonly string[] }, name: string): string | undefined {
  const values = Object.hasOwn(query, name) ? query[name] : undefined
  if (values === undefined || values.length === 0) return undefined
  if (values.length > 1) throw bad(name, `Send the ${name} query parameter once`)
  return values[0]
}

/** Validate a list query. @internal */
export function parseListQuery(query: { readonly [name: string]: readonly string[] }): ListRequest {
  for (const key of Object.keys(query)) {
    if ((LIST_PARAMS as readonly string[]).includes(key)) continue
    const guess = closest(key, LIST_PARAMS)
    throw bad(key, `Unknown query parameter ${JSON.stringify(key.slice(0, 100))}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`}`)
  }
  const actorId = singleParam(query, 'actor_id')
  if (actorId === '') throw bad('actor_id', 'actor_id must not be empty')
  const status = singleParam(query, 'status')
  if (status !== undefined && !STATUSES.includes(status)) throw bad('status', `status must be one of "active", "revoked", "expired"; got ${describe(status)}`)
  const limitText = singleParam(query, 'limit')
  let limit: number | undefined
  if (limitText !== undefined) {
    limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN
    if (!(limit >= 1 && limit <= 1000)) throw bad('limit', `limit must be a whole number from 1 to 1000, got ${describe(limitText)}`)
  }
  const cursor = singleParam(query, 'cursor')
  return { actorId, status: status as TokenStatus | undefined, limit, cursor: cursor === '' ? undefined : cursor }
}

/** What InfluxDB 3's `POST /api/v3/configure/token` asks for. @internal */
export interface InfluxCreateRequest {
  readonly name: string
  readonly permissions: string[]
  readonly scope: Scope
  readonly expiresAfter: number | null
}

const INFLUX_FIELDS = ['token_name', 'permissions', 'expiry_secs'] as const
const INFLUX_PERMISSION_FIELDS = ['resource_type', 'resource_names', 'resource_identifier', 'actions'] as const

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) {
    throw bad(field, `${field} must be a non-empty list of non-empty strings, got ${describe(value)}`)
  }
  return value as string[]
}

/**
 * Validate an InfluxDB 3 create body: each permission object becomes a permission string
 * `TYPE:NAMES:ACTIONS`, compiled as any other (SPEC section 7).
 * @internal
 */
export function parseInfluxCreateBody(body: unknown, context: ValidationContext): InfluxCreateRequest {
  const fields = fieldsOf(body, INFLUX_FIELDS)
  const name = checkName(fields.token_name, 'token_name')
  const list = fields.permissions
  if (!Array.isArray(list) || list.length === 0) {
    throw bad('permissions', `permissions must be a non-empty list of {resource_type, resource_names, actions}, got ${list === undefined ? 'nothing' : describe(list)}`)
  }
  const strings = list.map((item: unknown, index) => {
    const where = `permissions[${index}]`
    if (!isPlainObject(item)) throw bad(where, `${where} must be an object {resource_type, resource_names, actions}, got ${describe(item)}`)
    for (const key of Object.keys(item)) {
      if ((INFLUX_PERMISSION_FIELDS as readonly string[]).includes(key)) continue
      const guess = closest(key, INFLUX_PERMISSION_FIELDS)
      throw bad(`${where}.${key}`, `Unknown field ${JSON.stringify(`${where}.${key.slice(0, 100)}`)}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`}`)
    }
    const type = item['resource_type']
    if (typeof type !== 'string' || type === '') throw bad(`${where}.resource_type`, `${where}.resource_type must be a string such as "db" or "system", got ${describe(type)}`)
    if (Object.hasOwn(item, 'resource_names') && Object.hasOwn(item, 'resource_identifier')) {
      throw bad(`${where}.resource_identifier`, `${where} has both resource_names and resource_identifier; send one (resource_identifier is the older name)`)
    }
    const namesField = Object.hasOwn(item, 'resource_identifier') ? 'resource_identifier' : 'resource_names'
    const names = stringList(item[namesField], `${where}.${namesField}`)
    const actions = stringList(item['actions'], `${where}.actions`)
    for (const part of [...names, ...actions]) {
      if (part.includes(',') || part.includes(':')) {
        throw bad(`${where}.${names.includes(part) ? namesField : 'actions'}`, `${where}: ${JSON.stringify(part.slice(0, 100))} must not contain "," or ":"`)
      }
    }
    if (type.includes(':')) throw bad(`${where}.resource_type`, `${where}.resource_type must not contain ":"`)
    return `${type}:${names.join(',')}:${actions.join(',')}`
  })
  const checked = checkPermissions(strings, context.registry)
  if (checked !== null) checkScopeSize(checked.compiled, false)
  const expiresAfter = checkExpiresAfter(fields.expiry_secs, 'expiry_secs', context)
  return { name, permissions: strings, scope: { restrictions: null, permissions: strings, grants: checked?.compiled ?? [] }, expiresAfter }
}
