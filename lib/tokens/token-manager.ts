/**
 * `gate.tokens`: creating, listing, reading, changing, revoking and rotating managed tokens
 * (SPEC section 9, "API"), over the gate's token store.
 *
 * Everything a caller passes is validated here, before the store is asked, and every refusal is
 * a coded error: {@link InvalidParameterError} (400, naming the field) or
 * {@link PermissionStringError} (400) for bad input, {@link NotFoundError} (404) for an id that
 * does not exist, {@link ConflictError} (409) for a name already taken among the owner's tokens
 * that are not revoked, or a change to a revoked token. A refused call writes nothing. A store
 * that cannot be reached is a {@link StoreUnavailableError} (503).
 *
 * Every change is written with an audit entry (who, when, what changed; never the token), and
 * forgotten by this gate's cache at once, so a revoked or rotated token stops on the next
 * request here; other instances hear of it through the store.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { ConflictError, InvalidParameterError, NotFoundError, StoreUnavailableError, isTokengateError } from '../errors.js'
import { base64urlDecode, base64urlEncode } from '../internal/base64url.js'
import { closest } from '../internal/closest.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { tokenDigest } from '../internal/token-digest.js'
import type { ActionRegistry } from '../permissions/actions.js'
import { parsePermissions } from '../permissions/permission-strings.js'
import { restrictionsProblem } from '../permissions/restrictions.js'
import { scopeSizeProblem, unionRestrictions } from '../permissions/restrictions-union.js'
import type { StoreHandle } from '../store/store-handle.js'
import {
  type AuditEntry,
  type StoredAuditEntry,
  type StoredToken,
  type TokenPatch,
  type TokenRateLimit,
  type TokenStatus,
  type UsageEntry,
  statusOf,
} from '../store/token-store.js'
import type { Restrictions } from '../types.js'
import { generateManagedToken, managedTokenStart } from './managed-format.js'
import { checkTokenDescription, checkTokenName, describe } from './token-fields.js'
import { storeUnavailable } from './managed.js'

/**
 * A managed token's record (SPEC section 9): every field present, `null` when empty, times in
 * whole unix seconds. Never the token or its hash.
 */
export interface TokenRecord {
  readonly id: string
  readonly name: string
  readonly description: string | null
  /** The owner: the id of the actor the token acts as. */
  readonly actorId: string
  /** `_r`, or `null` for a token that may do everything its owner may. */
  readonly restrictions: Restrictions | null
  /** The permission strings as given (compiled into `restrictions`), or `null`. */
  readonly permissions: readonly string[] | null
  /** `active`, `revoked` or `expired`, at the time of asking; a revoked and expired token is `revoked`. */
  readonly status: TokenStatus
  readonly createdAt: number
  readonly createdBy: string | null
  readonly expiresAt: number | null
  /** When the token was last used, to the minute (written at most once a minute). */
  readonly lastUsedAt: number | null
  readonly revokedAt: number | null
  readonly revokedBy: string | null
  /** The prefix and the first 4 characters, to recognise the token by (`tgk_8kQ2`). */
  readonly start: string
  readonly rateLimit: TokenRateLimit | null
}

/** What {@link TokenManager.create} takes. */
export interface CreateTokenInput {
  /** The owner: the token acts as this actor, restricted, and can never do more. */
  actorId: string
  /** 1 to 200 characters, unique among the owner's tokens that are not revoked. */
  name: string
  description?: string | null | undefined
  /** Lifetime in seconds, a positive whole number; absent or `null` for a token that never expires. */
  expiresAfter?: number | null | undefined
  /** `_r` restrictions; every action must be registered. */
  restrictions?: Restrictions | null | undefined
  /** InfluxDB-style permission strings, compiled into the restrictions (a union with `restrictions`). */
  permissions?: readonly string[] | null | undefined
  /** A rate limit for the token (SPEC section 11). */
  rateLimit?: TokenRateLimit | null | undefined
  /** Who creates it, for the record and the audit log. */
  createdBy?: string | null | undefined
}

/**
 * What {@link TokenManager.update} takes: the fields to change. `restrictions` and `permissions`
 * together are the token's scope: a change that gives either one replaces the scope (give both
 * to keep both).
 */
export interface UpdateTokenInput {
  name?: string | undefined
  description?: string | null | undefined
  restrictions?: Restrictions | null | undefined
  permissions?: readonly string[] | null | undefined
  /** The new expiry in unix seconds (in the future), or `null` for never. */
  expiresAt?: number | null | undefined
  rateLimit?: TokenRateLimit | null | undefined
  /** Who makes the change, for the audit log. */
  by?: string | null | undefined
}

/** What {@link TokenManager.list} takes. */
export interface ListTokensQuery {
  /** Only this owner's tokens. */
  actorId?: string | undefined
  /** Only tokens with this status now. */
  status?: TokenStatus | undefined
  /** At most this many, 1 to 1000. @defaultValue 100 */
  limit?: number | undefined
  /** The `next` of the previous page. */
  cursor?: string | null | undefined
}

/** A page of tokens, newest first, and the cursor of the next page (`null` on the last). */
export interface TokenList {
  readonly tokens: TokenRecord[]
  readonly next: string | null
}

/** A token just made, shown this once, and its record. */
export interface IssuedToken {
  /** The token. It is not stored anywhere: show it to its owner now, and never log it. */
  readonly token: string
  readonly record: TokenRecord
}

/** An entry of a token's audit log. */
export type TokenAuditEntry = StoredAuditEntry

/**
 * One request made with a managed token, as its usage log shows it (SPEC section 11): when, the
 * method and path (never the query string), the check a guard made (action, database,
 * resource; `null` when none did), how it ended and the status it was answered with.
 */
export interface TokenUsageEntry extends Omit<UsageEntry, 'tokenId'> {}

/** What {@link TokenManager.usage} takes. */
export interface TokenUsageQuery {
  /** At most this many entries, 1 to 1000. @defaultValue 100 */
  limit?: number | undefined
  /** The `next` of the previous page. */
  cursor?: string | null | undefined
}

/** A page of a token's usage log, newest first, and the cursor of the next page (`null` on the last). */
export interface TokenUsage {
  readonly entries: TokenUsageEntry[]
  readonly next: string | null
}

/**
 * The managed tokens of a gate: `gate.tokens`, `null` when the gate has no token store.
 *
 * @example
 * ```ts
 * const { token, record } = await gate.tokens.create({ actorId: 'alice', name: 'ci', expiresAfter: 86400, permissions: ['db:docs:read'] })
 * await gate.tokens.revoke(record.id, { by: 'alice' })
 * ```
 */
export interface TokenManager {
  /**
   * Make a token for an owner. The token is returned once, here; only its SHA-256 is stored.
   * @throws InvalidParameterError (400) naming the field; PermissionStringError (400);
   * ConflictError (409) for a name the owner's live tokens already have; StoreUnavailableError (503).
   */
  create(input: CreateTokenInput): Promise<IssuedToken>
  /**
   * Tokens, newest first, a page at a time.
   * @throws InvalidParameterError (400) for a bad query or cursor; StoreUnavailableError (503).
   */
  list(query?: ListTokensQuery): Promise<TokenList>
  /** The token with this id, or `null`. */
  get(id: string): Promise<TokenRecord | null>
  /**
   * Change a token's name, description, scope, expiry or rate limit; returns the record as it now is.
   * @throws InvalidParameterError / PermissionStringError (400); NotFoundError (404);
   * ConflictError (409) for a taken name or a revoked token; StoreUnavailableError (503).
   */
  update(id: string, changes: UpdateTokenInput): Promise<TokenRecord>
  /**
   * Revoke a token: it stops working at once on this instance. Idempotent: revoking a revoked
   * token changes nothing and returns its record.
   * @throws NotFoundError (404); StoreUnavailableError (503).
   */
  revoke(id: string, options?: { by?: string | null | undefined }): Promise<TokenRecord>
  /**
   * Give a token a new secret, keeping its id and everything else; the old secret stops working
   * at once on this instance.
   * @throws NotFoundError (404); ConflictError (409) for a revoked token; StoreUnavailableError (503).
   */
  rotate(id: string, options?: { by?: string | null | undefined }): Promise<IssuedToken>
  /**
   * A token's audit log, oldest first: every create, update, revoke and rotate, with who and when.
   * @throws NotFoundError (404); StoreUnavailableError (503).
   */
  audit(id: string): Promise<TokenAuditEntry[]>
  /**
   * A token's usage log, newest first, a page at a time: each request made with it (at most the
   * gate's `usageLogSize` newest). What this gate has yet to write is written first, so a
   * request answered here is in the log.
   * @throws InvalidParameterError (400) for a bad limit or cursor; NotFoundError (404);
   * StoreUnavailableError (503).
   */
  usage(id: string, query?: TokenUsageQuery): Promise<TokenUsage>
}

/** What the manager needs from its gate. @internal */
export interface TokenManagerOptions {
  readonly store: StoreHandle
  readonly registry: ActionRegistry
  readonly prefix: string
  /** The gate's clock, in unix seconds. */
  readonly now: () => number
  /** Called after every change, with the token's id: the gate forgets it. */
  readonly changed: (tokenId: string) => void
  /** Told of every change that happened, with the record as it now is and who made it (events). */
  readonly announce?: ((type: TokenChangeType, record: TokenRecord, by: string | null) => void) | undefined
  /** Called before the usage log is read: writes what waits. */
  readonly beforeUsage?: (() => Promise<void>) | undefined
}

/** The event types of token changes. @internal */
export type TokenChangeType = 'token.created' | 'token.updated' | 'token.revoked' | 'token.rotated'

const MAX_LIMIT = 1000
const DEFAULT_LIMIT = 100
const STATUSES: readonly TokenStatus[] = ['active', 'revoked', 'expired']

const CREATE_FIELDS = ['actorId', 'name', 'description', 'expiresAfter', 'restrictions', 'permissions', 'rateLimit', 'createdBy'] as const
const UPDATE_FIELDS = ['name', 'description', 'restrictions', 'permissions', 'expiresAt', 'rateLimit', 'by'] as const
const LIST_FIELDS = ['actorId', 'status', 'limit', 'cursor'] as const
const USAGE_FIELDS = ['limit', 'cursor'] as const
const BY_FIELDS = ['by'] as const

function bad(field: string, message: string): InvalidParameterError {
  return new InvalidParameterError(field, message)
}

/** An input object with known fields only. */
function fieldsOf<K extends string>(input: unknown, known: readonly K[], what: string): { readonly [key in K]?: unknown } {
  if (input === undefined) return {}
  if (!isPlainObject(input)) throw bad(what, `${what} must be an object, got ${describe(input)}`)
  for (const key of Object.keys(input)) {
    if ((known as readonly string[]).includes(key)) continue
    const guess = closest(key, known)
    throw bad(key, `Unknown field ${JSON.stringify(key)}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`}`)
  }
  return input as { readonly [key in K]?: unknown }
}

/** A page's `limit` (1 to 1000, 100 by default) and `cursor` (a string, if any), checked. */
function pageOf(fields: { readonly limit?: unknown; readonly cursor?: unknown }): { limit: number; cursor: string | undefined } {
  const limit = fields.limit ?? DEFAULT_LIMIT
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw bad('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}, got ${describe(limit)}`)
  }
  const cursor = fields.cursor
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') throw bad('cursor', `cursor must be a string, got ${describe(cursor)}`)
  return { limit, cursor: typeof cursor === 'string' ? cursor : undefined }
}

function checkActorId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw bad(field, `${field} must be a non-empty string (an actor id), got ${describe(value)}`)
  return value
}

function checkBy(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null
  return checkActorId(value, field)
}

function checkRateLimit(value: unknown): TokenRateLimit | null {
  if (value === undefined || value === null) return null
  const positive = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n > 0
  if (!isPlainObject(value) || Object.keys(value).some((k) => k !== 'points' && k !== 'duration') || !positive(value['points']) || !positive(value['duration'])) {
    throw bad('rateLimit', 'rateLimit must be null or { points, duration }, two positive whole numbers (requests per duration in seconds)')
  }
  return { points: value['points'] as number, duration: value['duration'] as number }
}

/** Restrictions, well formed and naming registered actions only. */
function checkRestrictions(value: unknown, registry: ActionRegistry): Restrictions | null {
  if (value === undefined || value === null) return null
  const problem = restrictionsProblem(value)
  if (problem !== null) throw bad('restrictions', `restrictions: ${problem}`)
  const r = value as Restrictions
  const named = [...(r.a ?? []), ...Object.values(r.d ?? {}).flat(), ...Object.values(r.r ?? {}).flatMap((children) => Object.values(children).flat())]
  for (const action of named) {
    if (registry.get(action) === undefined) {
      throw bad('restrictions', `restrictions name an unknown action ${JSON.stringify(action)}; register it, or use a known action or abbreviation`)
    }
  }
  return structuredClone(r)
}

/** Permission strings, each valid, as given. */
function checkPermissions(value: unknown, registry: ActionRegistry): { strings: string[]; restrictions: Restrictions } | null {
  if (value === undefined || value === null) return null
  if (!Array.isArray(value) || value.length === 0 || value.some((p) => typeof p !== 'string')) {
    throw bad('permissions', 'permissions must be null or a non-empty list of permission strings such as "db:docs:read"')
  }
  const strings = [...(value as string[])]
  // Throws PermissionStringError (400) naming the bad part of the first bad string.
  return { strings, restrictions: parsePermissions(strings, registry) }
}

/**
 * The scope given by `restrictions` and `permissions` together: one union (what either allows),
 * refused when it is more than a token may carry, so the token fails here, not on every use.
 */
function scopeOf(restrictions: unknown, permissions: unknown, registry: ActionRegistry): { restrictions: Restrictions | null; permissions: string[] | null } {
  const given = checkRestrictions(restrictions, registry)
  const compiled = checkPermissions(permissions, registry)
  if (compiled === null) return { restrictions: given, permissions: null }
  const union = given === null ? compiled.restrictions : unionRestrictions(given, compiled.restrictions)
  const problem = scopeSizeProblem(union)
  if (problem !== null) throw bad('permissions', `${given === null ? 'permissions' : 'restrictions and permissions'}: ${problem}`)
  return { restrictions: union, permissions: compiled.strings }
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw bad('id', `id must be a non-empty string, got ${describe(id)}`)
  return id
}

/** The ids this manager gives out: 16 lower-case hexadecimal characters. */
const TOKEN_ID = /^[0-9a-f]{16}$/

/**
 * "No token has the id …": the id quoted only when it has the shape of a token id. Anything else
 * is not shown: a caller who gives a token where its id belongs (`revoke tgk_…`) must not see it
 * echoed into a response, a terminal or a log (issue 9).
 * @internal
 */
export function noTokenWithId(id: string): string {
  if (TOKEN_ID.test(id)) return `No token has the id ${JSON.stringify(id)}`
  return 'No token has the id given: token ids are 16 hexadecimal characters (what was given is not shown, as it may be a token)'
}

/** The 404 for an id no token has (or that the caller may not see: the same answer). @internal */
export function notFound(id: string): NotFoundError {
  return new NotFoundError(noTokenWithId(id))
}

function encodeCursor(token: StoredToken): string {
  return base64urlEncode(JSON.stringify([token.createdAt, token.id]))
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const bytes = base64urlDecode(cursor)
  let value: unknown
  try {
    value = bytes === null ? null : JSON.parse(bytes.toString('utf8'))
  } catch {
    value = null
  }
  if (!Array.isArray(value) || value.length !== 2 || !Number.isSafeInteger(value[0]) || typeof value[1] !== 'string') {
    throw bad('cursor', 'cursor is not one this server gave out: pass the "next" of the previous page as it is')
  }
  return { createdAt: value[0] as number, id: value[1] as string }
}

function decodeUsageCursor(cursor: string): number {
  const bytes = base64urlDecode(cursor)
  let value: unknown
  try {
    value = bytes === null ? null : JSON.parse(bytes.toString('utf8'))
  } catch {
    value = null
  }
  if (!Array.isArray(value) || value.length !== 2 || value[0] !== 'u' || !Number.isSafeInteger(value[1])) {
    throw bad('cursor', 'cursor is not one this server gave out: pass the "next" of the previous page as it is')
  }
  return value[1] as number
}

/** A stored token as its public record at `now`. @internal */
export function recordOf(token: StoredToken, now: number): TokenRecord {
  return {
    id: token.id,
    name: token.name,
    description: token.description,
    actorId: token.actorId,
    restrictions: token.restrictions === null ? null : structuredClone(token.restrictions),
    permissions: token.permissions === null ? null : [...token.permissions],
    status: statusOf(token, now),
    createdAt: token.createdAt,
    createdBy: token.createdBy,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
    revokedBy: token.revokedBy,
    start: token.start,
    rateLimit: token.rateLimit === null ? null : { ...token.rateLimit },
  }
}

/** Make the token manager of a gate. @internal */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { registry, prefix, changed } = options
  const now = (): number => Math.floor(options.now())
  const announce = options.announce ?? (() => {})

  /** Run a store call; anything but a tokengate error means the store could not answer. */
  async function withStore<T>(work: (store: Awaited<ReturnType<StoreHandle['current']>>) => Promise<T>): Promise<T> {
    try {
      return await work(await options.store.current())
    } catch (error) {
      if (isTokengateError(error) && !(error instanceof StoreUnavailableError)) throw error
      throw error instanceof StoreUnavailableError && error.message === 'Token store unavailable' ? error : storeUnavailable(error)
    }
  }

  const newSecret = (): { token: string; hash: string; start: string } => {
    const token = generateManagedToken(prefix)
    return { token, hash: tokenDigest(token), start: managedTokenStart(token, prefix) }
  }
  const nameTaken = (name: string, actorId: string): ConflictError =>
    new ConflictError(`${actorId} already has a token named ${JSON.stringify(name)} that is not revoked; choose another name`)

  return Object.freeze({
    async create(input: CreateTokenInput): Promise<IssuedToken> {
      const fields = fieldsOf(input, CREATE_FIELDS, 'the token to create')
      const actorId = checkActorId(fields.actorId, 'actorId')
      const name = checkTokenName(fields.name)
      const description = checkTokenDescription(fields.description)
      const expiresAfter = fields.expiresAfter
      if (expiresAfter !== undefined && expiresAfter !== null && !(typeof expiresAfter === 'number' && Number.isSafeInteger(expiresAfter) && expiresAfter > 0)) {
        throw bad('expiresAfter', `expiresAfter must be a positive whole number of seconds, or null for no expiry; got ${describe(expiresAfter)}`)
      }
      const scope = scopeOf(fields.restrictions, fields.permissions, registry)
      const rateLimit = checkRateLimit(fields.rateLimit)
      const createdBy = checkBy(fields.createdBy, 'createdBy')
      const at = now()
      const { token, hash, start } = newSecret()
      const stored: StoredToken = {
        id: randomBytes(8).toString('hex'),
        hash,
        name,
        description,
        actorId,
        restrictions: scope.restrictions,
        permissions: scope.permissions,
        createdAt: at,
        createdBy,
        expiresAt: typeof expiresAfter === 'number' ? at + expiresAfter : null,
        lastUsedAt: null,
        revokedAt: null,
        revokedBy: null,
        start,
        rateLimit,
      }
      const audit: AuditEntry = {
        tokenId: stored.id,
        action: 'create',
        at,
        by: createdBy,
        changes: {
          name,
          description,
          actorId,
          restrictions: scope.restrictions,
          permissions: scope.permissions,
          expiresAt: stored.expiresAt,
          rateLimit,
        },
      }
      const result = await withStore((store) => store.insert(stored, audit))
      if (!result.ok) throw nameTaken(name, actorId)
      changed(stored.id)
      const record = recordOf(result.token, at)
      announce('token.created', record, createdBy)
      return { token, record }
    },

    async list(query?: ListTokensQuery): Promise<TokenList> {
      const fields = fieldsOf(query, LIST_FIELDS, 'the list query')
      const actorId = fields.actorId === undefined ? undefined : checkActorId(fields.actorId, 'actorId')
      const status = fields.status
      if (status !== undefined && !(STATUSES as readonly unknown[]).includes(status)) {
        throw bad('status', `status must be one of ${STATUSES.map((s) => `"${s}"`).join(', ')}; got ${describe(status)}`)
      }
      const { limit, cursor } = pageOf(fields)
      const after = cursor === undefined ? undefined : decodeCursor(cursor)
      const at = now()
      const rows = await withStore((store) =>
        store.list({ actorId, status: status as TokenStatus | undefined, limit: limit + 1, after, now: at }),
      )
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return { tokens: page.map((row) => recordOf(row, at)), next: rows.length > limit && last !== undefined ? encodeCursor(last) : null }
    },

    async get(id: string): Promise<TokenRecord | null> {
      const checked = checkId(id)
      const row = await withStore((store) => store.get(checked))
      return row === null ? null : recordOf(row, now())
    },

    async update(id: string, changes: UpdateTokenInput): Promise<TokenRecord> {
      const checked = checkId(id)
      const fields = fieldsOf(changes, UPDATE_FIELDS, 'the changes')
      const at = now()
      const patch: { -readonly [K in keyof TokenPatch]: TokenPatch[K] } = {}
      if (fields.name !== undefined) patch.name = checkTokenName(fields.name)
      if (fields.description !== undefined) patch.description = checkTokenDescription(fields.description)
      if (fields.restrictions !== undefined || fields.permissions !== undefined) {
        const scope = scopeOf(fields.restrictions, fields.permissions, registry)
        patch.restrictions = scope.restrictions
        patch.permissions = scope.permissions
      }
      if (fields.expiresAt !== undefined) {
        const expiresAt = fields.expiresAt
        if (expiresAt !== null && !(typeof expiresAt === 'number' && Number.isSafeInteger(expiresAt) && expiresAt > at)) {
          throw bad('expiresAt', `expiresAt must be a time in the future (whole unix seconds), or null for no expiry; got ${describe(expiresAt)}`)
        }
        patch.expiresAt = expiresAt
      }
      if (fields.rateLimit !== undefined) patch.rateLimit = checkRateLimit(fields.rateLimit)
      const by = checkBy(fields.by, 'by')
      if (Object.keys(patch).length === 0) {
        const current = await withStore((store) => store.get(checked))
        if (current === null) throw notFound(checked)
        return recordOf(current, at)
      }
      const result = await withStore((store) => store.update(checked, patch, { tokenId: checked, action: 'update', at, by, changes: { ...patch } }))
      if (!result.ok) {
        if (result.problem === 'not_found') throw notFound(checked)
        if (result.problem === 'revoked') throw new ConflictError(`Token ${checked} is revoked: it cannot be changed`)
        const current = await withStore((store) => store.get(checked))
        throw nameTaken(patch.name ?? '', current?.actorId ?? 'the owner')
      }
      changed(checked)
      const record = recordOf(result.token, at)
      announce('token.updated', record, by)
      return record
    },

    async revoke(id: string, options?: { by?: string | null | undefined }): Promise<TokenRecord> {
      const checked = checkId(id)
      const by = checkBy(fieldsOf(options, BY_FIELDS, 'the options').by, 'by')
      const at = now()
      const result = await withStore((store) => store.revoke(checked, { tokenId: checked, action: 'revoke', at, by, changes: { revokedAt: at } }))
      if (!result.ok) throw notFound(checked)
      changed(checked)
      const record = recordOf(result.token, at)
      if (result.changed) announce('token.revoked', record, by)
      return record
    },

    async rotate(id: string, options?: { by?: string | null | undefined }): Promise<IssuedToken> {
      const checked = checkId(id)
      const by = checkBy(fieldsOf(options, BY_FIELDS, 'the options').by, 'by')
      const at = now()
      const { token, hash, start } = newSecret()
      const result = await withStore((store) =>
        store.rotate(checked, { hash, start }, { tokenId: checked, action: 'rotate', at, by, changes: { start } }),
      )
      if (!result.ok) {
        if (result.problem === 'not_found') throw notFound(checked)
        throw new ConflictError(`Token ${checked} is revoked: it cannot be rotated`)
      }
      changed(checked)
      const record = recordOf(result.token, at)
      announce('token.rotated', record, by)
      return { token, record }
    },

    async audit(id: string): Promise<TokenAuditEntry[]> {
      const checked = checkId(id)
      const [row, entries] = await withStore((store) => Promise.all([store.get(checked), store.audit(checked)]))
      if (row === null) throw notFound(checked)
      return entries
    },

    async usage(id: string, query?: TokenUsageQuery): Promise<TokenUsage> {
      const checked = checkId(id)
      const fields = fieldsOf(query, USAGE_FIELDS, 'the usage query')
      const { limit, cursor } = pageOf(fields)
      const before = cursor === undefined ? undefined : decodeUsageCursor(cursor)
      await options.beforeUsage?.()
      const [row, entries] = await withStore((store) => Promise.all([store.get(checked), store.usage(checked, { limit: limit + 1, before })]))
      if (row === null) throw notFound(checked)
      const page = entries.slice(0, limit)
      const last = page.at(-1)
      return {
        entries: page.map(({ at, method, path, action, database, resource, outcome, status }) => ({ at, method, path, action, database, resource, outcome, status })),
        next: entries.length > limit && last !== undefined ? base64urlEncode(JSON.stringify(['u', last.seq])) : null,
      }
    },
  })
}
