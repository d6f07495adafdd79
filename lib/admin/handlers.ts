/**
 * The handlers of tokengate's token-administration API (SPEC section 10), framework-neutral: an
 * {@link AdminRequest} in, an {@link AdminResponse} out (or a coded error thrown, which the
 * mount renders with SPEC section 8's JSON body).
 *
 * Every handler refuses in the same order, and everything is refused before anything is
 * written: anonymous (401); a token caller without `allowTokenCallers` (403); a token the caller
 * may not see (404, as for a missing id); the management action the request needs (403); a bad
 * body (400); grants beyond the owner, or beyond a token caller (403). Then the one write.
 *
 * @module
 * @internal
 */
import { AuthenticationRequiredError, InvalidParameterError } from '../errors.js'
import type { Gate } from '../gate.js'
import type { GateInternals } from '../internal/gate-internals.js'
import type { TokenManager, TokenRecord } from '../tokens/token-manager.js'
import type { Actor } from '../types.js'
import {
  checkLimitWithinCaller,
  checkOwnerGrants,
  checkWithinCaller,
  idOf,
  labelOf,
  maySee,
  notFound,
  ownerActor,
  refuseSelf,
  refuseTokenCaller,
  requireOwnerOr,
} from './escalation.js'
import type { AdminRequest, AdminResponse } from './types.js'
import { type Scope, type ValidationContext, checkNoFields, parseCreateBody, parseListQuery, parsePatchBody } from './validate.js'
import { auditToJson, recordToJson } from '../tokens/token-record-json.js'

/** What every handler works with. @internal */
export interface AdminContext {
  readonly gate: Gate
  readonly internals: GateInternals
  readonly tokens: TokenManager
  readonly validation: ValidationContext
  readonly allowTokenCallers: boolean
  /** `gate.check(caller, action)` as part of this request: its events carry the request's method and path. */
  readonly check: (caller: Actor, action: string) => void
}

/** Admin API responses are never cached: some carry a token, all describe tokens. */
const NO_STORE = { 'Cache-Control': 'no-store' } as const

/** A JSON response. @internal */
export function json(status: number, body: object): AdminResponse {
  return { status, headers: NO_STORE, body }
}

/**
 * The caller: 401 when anonymous, 403 for a token caller unless token callers are allowed.
 * @internal
 */
export function callerOf(request: AdminRequest, context: AdminContext): Actor {
  const actor = request.actor
  if (actor === null) {
    const error = new AuthenticationRequiredError()
    error.realm = context.gate.realm
    throw error
  }
  refuseTokenCaller(actor, context.allowTokenCallers, context.gate.realm)
  return actor
}

/** The token the request names, when the caller may see it; else 404, the same as for a missing id. */
async function visibleToken(request: AdminRequest, context: AdminContext, caller: Actor): Promise<TokenRecord> {
  const id = request.params['id'] ?? ''
  const record = await context.tokens.get(id)
  if (record === null || !maySee(context.gate, caller, record)) throw notFound(id)
  return record
}

/** The token the request names, when the caller may see it; else 404, the same as for a missing id. @internal */
export async function visibleTokenOf(request: AdminRequest, context: AdminContext): Promise<{ caller: Actor; record: TokenRecord }> {
  const caller = callerOf(request, context)
  return { caller, record: await visibleToken(request, context, caller) }
}

/** A record's scope as grants: `null` for an unrestricted token. */
const grantsOfRecord = (record: TokenRecord) => (record.restrictions === null ? null : [record.restrictions])

/**
 * The owner of a new token and its actor: the caller, or `actor_id` (which needs
 * `auth-tokens-edit-all` when it is someone else).
 * @internal
 */
export async function ownerOf(context: AdminContext, caller: Actor, actorId: string | null): Promise<{ id: string; actor: Actor }> {
  const own = idOf(caller)
  const id = actorId ?? own
  if (id === null) throw new InvalidParameterError('actor_id', 'actor_id is required: the caller has no id to own the token')
  if (id !== own) context.check(caller, 'auth-tokens-edit-all')
  const actor = await ownerActor(context.internals, caller, id)
  if (actor === null) throw new InvalidParameterError('actor_id', `No actor has the id ${JSON.stringify(id.slice(0, 100))}`)
  return { id, actor }
}

/**
 * The escalation rules for a token that would have `scope` and expire at `expiresAt` (unix
 * seconds or `null`), owned by `owner`.
 * @internal
 */
export function checkGrants(context: AdminContext, caller: Actor, owner: { id: string; actor: Actor }, scope: Scope, expiresAt: number | null): void {
  checkOwnerGrants(context.gate, owner.actor, owner.id, scope.grants)
  checkWithinCaller(context.gate, caller, scope.grants, expiresAt)
}

/** `POST /-/api/tokens`: 201, the record and the token. */
export async function createToken(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  context.check(caller, 'auth-tokens-create')
  const body = parseCreateBody(request.body, context.validation)
  const owner = await ownerOf(context, caller, body.actorId)
  const now = Math.floor(context.internals.now())
  checkGrants(context, caller, owner, body.scope, body.expiresAfter === null ? null : now + body.expiresAfter)
  await checkLimitWithinCaller(context.tokens, caller, body.rateLimit, context.gate.realm)
  const { token, record } = await context.tokens.create({
    actorId: owner.id,
    name: body.name,
    description: body.description,
    expiresAfter: body.expiresAfter,
    restrictions: body.scope.restrictions,
    permissions: body.scope.permissions,
    rateLimit: body.rateLimit,
    createdBy: labelOf(caller),
  })
  return json(201, { ...recordToJson(record), token })
}

/** `GET /-/api/tokens`: 200 `{tokens, next}`: the caller's own, or everyone's with `auth-tokens-view-all`. */
export async function listTokens(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  const query = parseListQuery(request.query)
  const own = idOf(caller)
  const viewAll = context.gate.allowed(caller, 'auth-tokens-view-all')
  if (!viewAll && query.actorId !== undefined && query.actorId !== own) context.check(caller, 'auth-tokens-view-all')
  const actorId = viewAll ? query.actorId : (own ?? undefined)
  if (actorId === undefined && !viewAll) return json(200, { tokens: [], next: null })
  const page = await context.tokens.list({ actorId, status: query.status, limit: query.limit, cursor: query.cursor })
  return json(200, { tokens: page.tokens.map(recordToJson), next: page.next })
}

/** `GET /-/api/tokens/:id`: 200, the record and its audit history. */
export async function getToken(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  const record = await visibleToken(request, context, caller)
  const audit = await context.tokens.audit(record.id)
  return json(200, { ...recordToJson(record), audit: audit.map(auditToJson) })
}

/** `PATCH /-/api/tokens/:id`: 200, the record as it now is. */
export async function updateToken(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  const record = await visibleToken(request, context, caller)
  requireOwnerOr(context.check, caller, record, 'auth-tokens-edit-all')
  refuseSelf(caller, record, context.gate.realm)
  const now = Math.floor(context.internals.now())
  const patch = parsePatchBody(request.body, context.validation, now)
  if (patch.scope !== undefined || patch.expiresAt !== undefined) {
    const scope = patch.scope ?? { restrictions: record.restrictions, permissions: null, grants: grantsOfRecord(record) }
    const owner = { id: record.actorId, actor: (await ownerActor(context.internals, caller, record.actorId)) ?? { id: record.actorId } }
    if (patch.scope !== undefined) checkOwnerGrants(context.gate, owner.actor, owner.id, scope.grants)
    checkWithinCaller(context.gate, caller, scope.grants, patch.expiresAt === undefined ? record.expiresAt : patch.expiresAt)
  }
  if (patch.rateLimit !== undefined) await checkLimitWithinCaller(context.tokens, caller, patch.rateLimit, context.gate.realm)
  const updated = await context.tokens.update(record.id, {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.description === undefined ? {} : { description: patch.description }),
    ...(patch.scope === undefined ? {} : { restrictions: patch.scope.restrictions, permissions: patch.scope.permissions }),
    ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt }),
    ...(patch.rateLimit === undefined ? {} : { rateLimit: patch.rateLimit }),
    by: labelOf(caller),
  })
  return json(200, recordToJson(updated))
}

/** `POST /-/api/tokens/:id/revoke` and `DELETE /-/api/tokens/:id`: 200, idempotent. */
export async function revokeToken(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  const record = await visibleToken(request, context, caller)
  requireOwnerOr(context.check, caller, record, 'auth-tokens-revoke-all')
  checkNoFields(request.body)
  const revoked = await context.tokens.revoke(record.id, { by: labelOf(caller) })
  return json(200, recordToJson(revoked))
}

/** `POST /-/api/tokens/:id/rotate`: 201, the record and the new token. */
export async function rotateToken(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  const record = await visibleToken(request, context, caller)
  requireOwnerOr(context.check, caller, record, 'auth-tokens-edit-all')
  refuseSelf(caller, record, context.gate.realm)
  checkNoFields(request.body)
  // A token caller may only take a new secret for a token that lies within itself.
  checkWithinCaller(context.gate, caller, grantsOfRecord(record), record.expiresAt)
  await checkLimitWithinCaller(context.tokens, caller, record.rateLimit, context.gate.realm)
  const { token, record: rotated } = await context.tokens.rotate(record.id, { by: labelOf(caller) })
  return json(201, { ...recordToJson(rotated), token })
}
