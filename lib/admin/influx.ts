/**
 * InfluxDB 3's token endpoints (SPEC section 10, `influx: true`), over the same managed tokens
 * and the same rules as tokengate's own API:
 *
 * - `POST /api/v3/configure/token` and `POST /api/v3/enterprise/configure/token` take
 *   `{token_name, permissions: [{resource_type, resource_names, actions}], expiry_secs?}`
 *   (`resource_identifier` accepted for `resource_names`, as InfluxDB's older docs write it). Each
 *   permission becomes the permission string `TYPE:NAMES:ACTIONS` (SPEC section 7), so a
 *   resource token is a token of its creator, restricted, and never exceeds them. 201
 *   `{id, name, token, hash, created_at, expiry}`; a name the caller's live tokens already have
 *   → 409 `token name already exists, <name>`.
 * - `DELETE /api/v3/configure/token?token_name=<name>` revokes the caller's token of that name:
 *   200, or 404 `the requested resource was not found: <name>`.
 *
 * @module
 * @internal
 */
import { ConflictError, InvalidParameterError, NotFoundError } from '../errors.js'
import { tokenDigest } from '../internal/token-digest.js'
import type { TokenRecord } from '../tokens/token-manager.js'
import { type AdminContext, callerOf, checkGrants, json, ownerOf } from './handlers.js'
import { checkLimitWithinCaller, idOf, labelOf } from './escalation.js'
import type { AdminRequest, AdminResponse } from './types.js'
import { parseInfluxCreateBody, singleParam } from './validate.js'
import { rfc3339 } from '../tokens/token-record-json.js'

/** `POST /api/v3/configure/token`: 201 `{id, name, token, hash, created_at, expiry}`. */
export async function influxCreateToken(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  context.check(caller, 'auth-tokens-create')
  const body = parseInfluxCreateBody(request.body, context.validation)
  const owner = await ownerOf(context, caller, null)
  const now = Math.floor(context.internals.now())
  checkGrants(context, caller, owner, body.scope, body.expiresAfter === null ? null : now + body.expiresAfter)
  // InfluxDB's tokens have no rate limit of their own: a token caller limited itself cannot make one.
  await checkLimitWithinCaller(context.tokens, caller, null, context.gate.realm)
  let issued
  try {
    issued = await context.tokens.create({
      actorId: owner.id,
      name: body.name,
      expiresAfter: body.expiresAfter,
      permissions: body.permissions,
      createdBy: labelOf(caller),
    })
  } catch (error) {
    // The only conflict a creation can meet is a taken name; say it as InfluxDB does.
    if (error instanceof ConflictError) throw new ConflictError(`token name already exists, ${body.name}`, { cause: error })
    throw error
  }
  const { token, record } = issued
  return json(201, {
    id: record.id,
    name: record.name,
    token,
    hash: tokenDigest(token),
    created_at: rfc3339(record.createdAt),
    expiry: record.expiresAt === null ? null : rfc3339(record.expiresAt),
  })
}

/** The caller's token of that name that is not revoked (names are unique among those), or `null`. */
async function liveTokenNamed(context: AdminContext, actorId: string, name: string): Promise<TokenRecord | null> {
  let cursor: string | null = null
  do {
    const page: { tokens: TokenRecord[]; next: string | null } = await context.tokens.list({ actorId, limit: 1000, cursor })
    const found = page.tokens.find((record) => record.name === name && record.status !== 'revoked')
    if (found !== undefined) return found
    cursor = page.next
  } while (cursor !== null)
  return null
}

/** `DELETE /api/v3/configure/token?token_name=<name>`: 200 with no body, or 404. */
export async function influxDeleteToken(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const caller = callerOf(request, context)
  for (const key of Object.keys(request.query)) {
    if (key !== 'token_name') throw new InvalidParameterError(key, `Unknown query parameter ${JSON.stringify(key.slice(0, 100))}; send token_name`)
  }
  const name = singleParam(request.query, 'token_name')
  if (name === undefined || name === '') throw new InvalidParameterError('token_name', 'Name the token to delete: ?token_name=<name>')
  const own = idOf(caller)
  const record = own === null ? null : await liveTokenNamed(context, own, name)
  if (record === null) throw new NotFoundError(`the requested resource was not found: ${name}`)
  await context.tokens.revoke(record.id, { by: labelOf(caller) })
  return { status: 200, headers: { 'Cache-Control': 'no-store' }, body: null }
}

