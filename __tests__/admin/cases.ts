/**
 * The token-administration HTTP cases both mounts run (SPEC section 10), so Express and Koa are
 * proven to behave alike: `__tests__/adapters/express/token-admin.test.ts` and
 * `__tests__/adapters/koa/token-admin.test.ts` build the same app from {@link buildFixtures}
 * with their own `tokenAuth` and `tokenAdmin`, send each case's request and assert the status,
 * the body and that a refused request wrote nothing.
 *
 * Every refusal sits next to its allowed twin: the same request that passes once the one thing
 * that made it fail is changed (the caller, a grant, an option).
 */
import { createGate, createMemoryTokenStore, createSignedToken } from 'tokengate'
import type { Actor, ErrorBody, Gate, TokenAdminOptions, TokenStore, TokengateConfig } from 'tokengate'

/** The gate's clock in every case (unix seconds). */
export const NOW = 1_700_000_000
export const SECRET = 'token-admin-suite-secret'

export const STATIC = {
  alice: 'alice-static-token-0c1f5e2b7a93',
  bob: 'bob-static-token-9e2d4c6a8b10',
  admin: 'admin-static-token-31c7a9f0d2e4',
  viewer: 'viewer-static-token-5b8e1d3f7c26',
} as const

/**
 * alice may create tokens and insert into docs/documents (and view health); bob may not create
 * tokens; admin may do everything with everyone's tokens; viewer may create and see everyone's.
 */
export const CONFIG: TokengateConfig = {
  secret: SECRET,
  tokens: Object.entries(STATIC).map(([id, token]) => ({ token, actor: { id } })),
  permissions: {
    'auth-tokens-create': { id: ['alice', 'admin', 'viewer'] },
    'auth-tokens-view-all': { id: ['admin', 'viewer'] },
    'auth-tokens-edit-all': { id: 'admin' },
    'auth-tokens-revoke-all': { id: 'admin' },
    'view-health': { id: 'alice' },
  },
  databases: {
    docs: { tables: { documents: { permissions: { 'insert-row': { id: ['alice', 'admin'] } } } } },
    notes: { permissions: { 'insert-row': { id: 'admin' } } },
  },
}

/** The tokens every case starts with, made through `gate.tokens` at NOW. */
export interface Fixtures {
  /** alice's unrestricted token that never expires. */
  aliceAll: { id: string; token: string }
  /** alice's token restricted to managing tokens and inserting into docs/documents, expiring in an hour. */
  aliceLimited: { id: string; token: string }
  /** alice's token restricted to inserting into docs/documents only (no `auth-tokens-create`). */
  aliceInsertOnly: { id: string; token: string }
  /** bob's token, read on notes. */
  bobOwn: { id: string; token: string }
  /** alice's revoked token, named `old`. */
  aliceRevoked: { id: string; token: string }
  /** alice's unrestricted token with a rate limit of its own, 10 requests a minute. */
  aliceThrottled: { id: string; token: string }
}

/** The store behind each suite gate, so fixtures can write what only requests write (usage). */
const STORES = new WeakMap<Gate, TokenStore>()

/** The store behind a suite gate. */
export function suiteStore(gate: Gate): TokenStore {
  const store = STORES.get(gate)
  if (store === undefined) throw new Error('not a suite gate')
  return store
}

/** The usage log the fixtures give alice's `aliceAll` token: two requests, a minute apart. */
export const FIXTURE_USAGE = [
  { at: NOW - 120, method: 'GET', path: '/docs/documents', action: 'view-table', database: 'docs', resource: 'documents', outcome: 'allowed', status: 200 },
  { at: NOW - 60, method: 'POST', path: '/docs/documents/-/insert', action: 'insert-row', database: 'docs', resource: 'documents', outcome: 'allowed', status: 201 },
] as const

export async function buildFixtures(gate: Gate): Promise<Fixtures> {
  const tokens = gate.tokens
  if (tokens === null) throw new Error('the suite gate has a store')
  const make = async (input: Parameters<typeof tokens.create>[0]) => {
    const { token, record } = await tokens.create(input)
    return { id: record.id, token }
  }
  const aliceAll = await make({ actorId: 'alice', name: 'alice-all', createdBy: 'setup' })
  const aliceLimited = await make({
    actorId: 'alice',
    name: 'alice-limited',
    expiresAfter: 3600,
    restrictions: { a: ['auth-tokens-create'], r: { docs: { documents: ['ir', 'vt'] } } },
    createdBy: 'setup',
  })
  const aliceInsertOnly = await make({ actorId: 'alice', name: 'alice-insert', restrictions: { r: { docs: { documents: ['ir'] } } }, createdBy: 'setup' })
  const bobOwn = await make({ actorId: 'bob', name: 'bob-own', permissions: ['db:notes:read'], createdBy: 'setup' })
  const aliceRevoked = await make({ actorId: 'alice', name: 'old', createdBy: 'setup' })
  await tokens.revoke(aliceRevoked.id, { by: 'setup' })
  const aliceThrottled = await make({ actorId: 'alice', name: 'alice-throttled', rateLimit: { points: 10, duration: 60 }, createdBy: 'setup' })
  await STORES.get(gate)?.appendUsage(
    FIXTURE_USAGE.map((entry) => ({ tokenId: aliceAll.id, ...entry })),
    1000,
  )
  return { aliceAll, aliceLimited, aliceInsertOnly, bobOwn, aliceRevoked, aliceThrottled }
}

/** The option sets a case can mount `tokenAdmin` with. */
export const OPTION_SETS = {
  default: {},
  tokenCallers: { allowTokenCallers: true },
  maxExpiry: { maxExpiresAfter: 3600 },
  influx: { influx: true },
  smallBody: { bodyLimit: 200 },
  custom: { basePath: '/admin/tokens', pagePath: '/admin/page' },
  influxTokenCallers: { influx: true, allowTokenCallers: true },
} satisfies Record<string, TokenAdminOptions>

export type OptionSet = keyof typeof OPTION_SETS

/** A fresh gate over a fresh memory store. */
export function suiteGate(): Gate {
  const store = createMemoryTokenStore()
  const gate = createGate(CONFIG, { now: () => NOW, tokenStore: store })
  STORES.set(gate, store)
  return gate
}

/** Who sends a request. */
export type Caller =
  | 'anonymous'
  | keyof typeof STATIC
  | { managed: keyof Fixtures }
  | { dstok: string }
  | { cookie: Actor }

/** The request headers that make a caller. */
export function credentials(caller: Caller, fixtures: Fixtures, gate: Gate): Record<string, string> {
  if (caller === 'anonymous') return {}
  if (typeof caller === 'string') return { Authorization: `Bearer ${STATIC[caller]}` }
  if ('managed' in caller) return { Authorization: `Bearer ${fixtures[caller.managed].token}` }
  if ('dstok' in caller) return { Authorization: `Bearer ${createSignedToken({ actorId: caller.dstok, secret: SECRET, now: NOW - 10 })}` }
  return { Cookie: `ds_actor=${gate.createActorCookie(caller.cookie)}` }
}

export interface AdminCase {
  name: string
  /** @defaultValue `'default'` */
  options?: OptionSet
  as: Caller
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** The path; `:name` of a fixture is replaced by its id (`/-/api/tokens/:aliceAll`). */
  path: string
  body?: unknown | ((fixtures: Fixtures) => unknown)
  /** A raw body, sent as is (with `headers` for its type). */
  raw?: string
  headers?: Record<string, string>
  status: number
  /** The exact error message, for an error (SPEC section 8's body is then asserted whole). */
  error?: string
  /** Properties the JSON body must have. */
  match?: object | ((fixtures: Fixtures) => object)
  /** More checks of the body. */
  check?: (body: Record<string, unknown>, fixtures: Fixtures) => void
}

export function errorBody(status: number, message: string): ErrorBody {
  return { ok: false, error: message, errors: [message], status }
}

const TOKEN = expect.stringMatching(/^tgk_[0-9A-Za-z]{38}$/)
const at = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')

const created = (extra: object = {}) => ({ token: TOKEN, status: 'active', created_at: at(NOW), ...extra })

/** `d0,d1,…`: `n` database names for a permission string. */
const databaseList = (n: number): string => Array.from({ length: n }, (_, i) => `d${i}`).join(',')

/** The 404 for something that is not a token id: never quoted, as it may be a token. */
const NOT_AN_ID = 'No token has the id given: token ids are 16 hexadecimal characters (what was given is not shown, as it may be a token)'

/** The cases: grouped by rule, each refusal beside its allowed twin. */
export const ADMIN_CASES: readonly AdminCase[] = [
  // --- Who may call at all -----------------------------------------------------------------
  { name: 'anonymous create → 401', as: 'anonymous', method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, status: 401, error: 'Authentication required' },
  { name: '  twin: a static token\'s actor creates → 201', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, status: 201, match: created({ name: 'ci', actor_id: 'alice', created_by: 'alice', restrictions: null, expires_at: null }) },
  { name: 'a managed token creates → 403 Tokens cannot manage tokens', as: { managed: 'aliceAll' }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, status: 403, error: 'Tokens cannot manage tokens' },
  { name: '  twin: the same with allowTokenCallers → 201', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, status: 201, match: created({ actor_id: 'alice' }) },
  { name: 'a dstok_ token lists → 403 Tokens cannot manage tokens', as: { dstok: 'alice' }, method: 'GET', path: '/-/api/tokens', status: 403, error: 'Tokens cannot manage tokens' },
  { name: '  twin: the same with allowTokenCallers → 200', options: 'tokenCallers', as: { dstok: 'alice' }, method: 'GET', path: '/-/api/tokens', status: 200 },
  { name: 'bob (no auth-tokens-create) creates → 403', as: 'bob', method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, status: 403, error: 'Permission denied: auth-tokens-create' },
  { name: 'a token without auth-tokens-create in its _r creates → 403', options: 'tokenCallers', as: { managed: 'aliceInsertOnly' }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci', restrictions: { r: { docs: { documents: ['ir'] } } } }, status: 403, error: 'Permission denied: auth-tokens-create' },
  { name: '  twin: a token with it in its _r → 201', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci', restrictions: { r: { docs: { documents: ['ir'] } } }, expires_after: 600 }, status: 201 },

  // --- Every grant must be allowed to the owner ---------------------------------------------
  { name: 'alice grants write on all of docs → 403 naming the refused grants', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'w', permissions: ['db:docs:write'] }, status: 403, error: 'Cannot grant what alice may not do: insert-row on docs, update-row on docs, delete-row on docs' },
  { name: '  twin: insert-row on docs/documents, which alice has → 201', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'w', permissions: ['table:docs/documents:read'], restrictions: { r: { docs: { documents: ['ir'] } } } }, status: 201, match: { permissions: ['table:docs/documents:read'] }, check: (body) => expect(body['restrictions']).toEqual({ r: { docs: { documents: ['ir', 'vd', 'vt', 'vq', 'es', 'vdd'] } } }) },
  { name: 'alice grants insert-row everywhere (`a`) → 403', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'w', restrictions: { a: ['insert-row'] } }, status: 403, error: 'Cannot grant what alice may not do: insert-row everywhere' },
  { name: '  twin: alice grants view-table everywhere (allowed to everyone by default) → 201', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'w', restrictions: { a: ['view-table'] } }, status: 201 },
  { name: 'viewer grants system:health:read, which viewer lacks → 403', as: 'viewer', method: 'POST', path: '/-/api/tokens', body: { name: 'h', permissions: ['system:health:read'] }, status: 403, error: 'Cannot grant what viewer may not do: view-health everywhere' },
  { name: '  twin: alice, who has view-health → 201', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'h', permissions: ['system:health:read'] }, status: 201, match: { restrictions: { a: ['vh'] } } },
  { name: 'more than five refused grants are counted', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'w', permissions: ['db:docs,notes:write,create'] }, status: 403, error: 'Cannot grant what alice may not do: insert-row on docs, update-row on docs, delete-row on docs, create-table on docs, create-view on docs and 5 more' },

  // --- Another owner's actor_id needs auth-tokens-edit-all ----------------------------------
  { name: 'alice creates a token for bob → 403', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'for-bob', actor_id: 'bob' }, status: 403, error: 'Permission denied: auth-tokens-edit-all' },
  { name: '  twin: admin creates it for bob → 201, owned by bob, made by admin', as: 'admin', method: 'POST', path: '/-/api/tokens', body: { name: 'for-bob', actor_id: 'bob', permissions: ['db:notes:read'] }, status: 201, match: { actor_id: 'bob', created_by: 'admin' } },
  { name: 'admin grants bob what only admin has → 403: grants are checked against the owner', as: 'admin', method: 'POST', path: '/-/api/tokens', body: { name: 'x', actor_id: 'bob', restrictions: { r: { docs: { documents: ['ir'] } } } }, status: 403, error: 'Cannot grant what bob may not do: insert-row on docs/documents' },
  { name: '  twin: the same grant for alice, who has it → 201', as: 'admin', method: 'POST', path: '/-/api/tokens', body: { name: 'x', actor_id: 'alice', restrictions: { r: { docs: { documents: ['ir'] } } } }, status: 201 },
  { name: "alice names her own id as actor_id → 201 (no edit-all needed)", as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'mine', actor_id: 'alice' }, status: 201 },

  // --- A token caller stays within itself ----------------------------------------------------
  { name: 'a restricted token asks for more than its _r → 403', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', restrictions: { d: { docs: ['vt'] } }, expires_after: 600 }, status: 403, error: 'A token can only create tokens within its own restrictions: view-table on docs is beyond them' },
  { name: '  twin: within its _r → 201', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', restrictions: { r: { docs: { documents: ['vt'] } } }, expires_after: 600 }, status: 201 },
  { name: 'a restricted token asks for an unrestricted one → 403', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', expires_after: 600 }, status: 403, error: 'A token can only create tokens within its own restrictions: give the new token restrictions or permissions' },
  { name: '  twin: an unrestricted token asks for one → 201', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n' }, status: 201 },
  { name: 'a token expiring in an hour asks for two hours → 403', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', restrictions: { r: { docs: { documents: ['ir'] } } }, expires_after: 7200 }, status: 403, error: `A token that expires at ${at(NOW + 3600)} can only create tokens that expire no later` },
  { name: 'a token expiring in an hour asks for no expiry → 403', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', restrictions: { r: { docs: { documents: ['ir'] } } } }, status: 403, error: `A token that expires at ${at(NOW + 3600)} can only create tokens that expire no later` },
  { name: '  twin: exactly its own expiry → 201', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', restrictions: { r: { docs: { documents: ['ir'] } } }, expires_after: 3600 }, status: 201, match: { expires_at: at(NOW + 3600) } },
  { name: 'a token changes itself → 403', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { name: 'renamed' }, status: 403, error: 'A token cannot change or rotate itself' },
  { name: '  twin: it changes another of its owner\'s tokens → 200', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'PATCH', path: '/-/api/tokens/:aliceLimited', body: { name: 'renamed' }, status: 200, match: { name: 'renamed' } },
  { name: 'a token rotates itself → 403', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'POST', path: '/-/api/tokens/:aliceAll/rotate', status: 403, error: 'A token cannot change or rotate itself' },
  { name: '  twin: it rotates another within itself → 201', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'POST', path: '/-/api/tokens/:aliceLimited/rotate', status: 201, match: { token: TOKEN } },
  { name: 'a restricted token rotates a broader token → 403 (it would get a secret beyond itself)', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'POST', path: '/-/api/tokens/:aliceAll/rotate', status: 403, error: 'A token can only create tokens within its own restrictions: give the new token restrictions or permissions' },
  { name: "a restricted token widens another token's scope beyond its own → 403", options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'PATCH', path: '/-/api/tokens/:aliceInsertOnly', body: { restrictions: { a: ['view-health'] }, expires_at: at(NOW + 600) }, status: 403, error: 'A token can only create tokens within its own restrictions: view-health everywhere is beyond them' },
  { name: "a restricted token leaves another token's expiry beyond its own → 403", options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'PATCH', path: '/-/api/tokens/:aliceInsertOnly', body: { restrictions: { r: { docs: { documents: ['vt'] } } } }, status: 403, error: `A token that expires at ${at(NOW + 3600)} can only create tokens that expire no later` },
  { name: '  twin: within its scope and expiry → 200', options: 'tokenCallers', as: { managed: 'aliceLimited' }, method: 'PATCH', path: '/-/api/tokens/:aliceInsertOnly', body: { restrictions: { r: { docs: { documents: ['vt'] } } }, expires_at: at(NOW + 600) }, status: 200, match: { restrictions: { r: { docs: { documents: ['vt'] } } }, expires_at: at(NOW + 600) } },
  { name: "the owner's grants are checked on a change too → 403", as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceInsertOnly', body: { permissions: ['db:docs:write'] }, status: 403, error: 'Cannot grant what alice may not do: insert-row on docs, update-row on docs, delete-row on docs' },
  { name: 'a token revokes itself → 200 (allowed: it can only lose)', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'POST', path: '/-/api/tokens/:aliceAll/revoke', status: 200, match: { status: 'revoked', revoked_by: 'alice' } },

  // --- Visibility: own tokens, everyone's with auth-tokens-view-all --------------------------
  { name: "bob reads alice's token → 404, as for a missing id", as: 'bob', method: 'GET', path: '/-/api/tokens/:aliceAll', status: 404, error: 'No token has the id ":aliceAll"' },
  { name: 'a missing id → the same 404', as: 'alice', method: 'GET', path: '/-/api/tokens/0000000000000000', status: 404, error: 'No token has the id "0000000000000000"' },
  { name: '  twin: alice reads her own, with its audit history → 200', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll', status: 200, match: { name: 'alice-all', audit: [{ action: 'create', at: at(NOW), by: 'setup', changes: expect.objectContaining({ name: 'alice-all', actor_id: 'alice' }) }] } },
  { name: '  twin: viewer (view-all) reads it → 200', as: 'viewer', method: 'GET', path: '/-/api/tokens/:aliceAll', status: 200, match: { actor_id: 'alice' } },
  { name: 'the audit history shows a revoke', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceRevoked', status: 200, check: (body) => expect((body['audit'] as { action: string; changes: object }[]).map((e) => [e.action, e.changes])).toEqual([['create', expect.any(Object)], ['revoke', { revoked_at: at(NOW) }]]) },
  { name: "bob changes alice's token → 404", as: 'bob', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { name: 'x' }, status: 404, error: 'No token has the id ":aliceAll"' },
  { name: 'viewer (view-all, not edit-all) changes it → 403', as: 'viewer', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { name: 'x' }, status: 403, error: 'Permission denied: auth-tokens-edit-all' },
  { name: '  twin: admin (edit-all) changes it → 200', as: 'admin', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { name: 'x', description: 'by admin' }, status: 200, match: { name: 'x', description: 'by admin' } },
  { name: 'viewer revokes it → 403', as: 'viewer', method: 'POST', path: '/-/api/tokens/:aliceAll/revoke', status: 403, error: 'Permission denied: auth-tokens-revoke-all' },
  { name: '  twin: admin (revoke-all) revokes it → 200', as: 'admin', method: 'POST', path: '/-/api/tokens/:aliceAll/revoke', status: 200, match: { status: 'revoked', revoked_by: 'admin', revoked_at: at(NOW) } },
  { name: '  twin: alice revokes her own with DELETE → 200', as: 'alice', method: 'DELETE', path: '/-/api/tokens/:aliceAll', status: 200, match: { status: 'revoked', revoked_by: 'alice' } },
  { name: 'viewer rotates it → 403', as: 'viewer', method: 'POST', path: '/-/api/tokens/:aliceAll/rotate', status: 403, error: 'Permission denied: auth-tokens-edit-all' },
  { name: '  twin: alice rotates her own → 201 with a new token', as: 'alice', method: 'POST', path: '/-/api/tokens/:aliceAll/rotate', status: 201, match: { token: TOKEN, status: 'active' } },
  { name: 'a second revoke changes nothing → 200', as: 'alice', method: 'POST', path: '/-/api/tokens/:aliceRevoked/revoke', status: 200, match: { status: 'revoked', revoked_by: 'setup' } },
  { name: 'bob lists → only his own', as: 'bob', method: 'GET', path: '/-/api/tokens', status: 200, check: (body) => expect((body['tokens'] as { name: string }[]).map((t) => t.name)).toEqual(['bob-own']) },
  { name: 'viewer lists → everyone\'s', as: 'viewer', method: 'GET', path: '/-/api/tokens', status: 200, check: (body) => expect((body['tokens'] as unknown[]).length).toBe(6) },
  { name: "alice lists bob's → 403", as: 'alice', method: 'GET', path: '/-/api/tokens?actor_id=bob', status: 403, error: 'Permission denied: auth-tokens-view-all' },
  { name: "  twin: viewer lists bob's → only bob's", as: 'viewer', method: 'GET', path: '/-/api/tokens?actor_id=bob', status: 200, check: (body) => expect((body['tokens'] as { actor_id: string }[]).map((t) => t.actor_id)).toEqual(['bob']) },
  { name: 'alice lists her revoked ones', as: 'alice', method: 'GET', path: '/-/api/tokens?status=revoked&limit=10', status: 200, check: (body) => expect(body).toEqual({ tokens: [expect.objectContaining({ name: 'old', status: 'revoked' })], next: null }) },
  { name: 'a list page and its cursor', as: 'alice', method: 'GET', path: '/-/api/tokens?limit=1', status: 200, check: (body) => expect(body['next']).toEqual(expect.any(String)) },

  // --- The usage log (SPEC section 11): the owner's, or everyone's with view-all ----------------
  { name: "anonymous reads a token's usage log → 401", as: 'anonymous', method: 'GET', path: '/-/api/tokens/:aliceAll/usage', status: 401, error: 'Authentication required' },
  { name: "  twin: alice reads her token's usage log → 200, newest first, RFC 3339 times", as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll/usage', status: 200, check: (body, f) => expect(body).toEqual({ ok: true, token_id: f.aliceAll.id, next: null, entries: [...FIXTURE_USAGE].reverse().map((e) => ({ ...e, at: at(e.at) })) }) },
  { name: "bob reads alice's usage log → 404, as for a missing id", as: 'bob', method: 'GET', path: '/-/api/tokens/:aliceAll/usage', status: 404, error: 'No token has the id ":aliceAll"' },
  { name: "a missing id's usage log → the same 404", as: 'alice', method: 'GET', path: '/-/api/tokens/0000000000000000/usage', status: 404, error: 'No token has the id "0000000000000000"' },
  { name: '  twin: viewer (view-all) reads it → 200', as: 'viewer', method: 'GET', path: '/-/api/tokens/:aliceAll/usage', status: 200, check: (body) => expect(body['entries']).toHaveLength(2) },
  { name: 'a token with no requests has an empty log; a revoked token keeps its log visible', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceRevoked/usage', status: 200, check: (body, f) => expect(body).toEqual({ ok: true, token_id: f.aliceRevoked.id, entries: [], next: null }) },
  { name: 'a managed token reads a usage log → 403 Tokens cannot manage tokens', as: { managed: 'aliceAll' }, method: 'GET', path: '/-/api/tokens/:aliceAll/usage', status: 403, error: 'Tokens cannot manage tokens' },
  { name: '  twin: the same with allowTokenCallers → 200', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'GET', path: '/-/api/tokens/:aliceAll/usage', status: 200 },
  { name: 'a usage page of one, then its cursor', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll/usage?limit=1', status: 200, check: (body) => expect([(body['entries'] as { path: string }[]).map((e) => e.path), typeof body['next']]).toEqual([['/docs/documents/-/insert'], 'string']) },
  { name: 'a usage page with limit=0 → 400', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll/usage?limit=0', status: 400, error: 'limit must be a whole number from 1 to 1000, got the string "0"' },
  { name: 'a usage page with limit given twice → 400', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll/usage?limit=1&limit=2', status: 400, error: 'Send the limit query parameter once' },
  { name: 'a usage page with an unknown parameter → 400 naming it', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll/usage?limt=5', status: 400, error: 'Unknown query parameter "limt"; did you mean "limit"?' },
  { name: 'a usage page with a cursor it never gave → 400', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll/usage?cursor=nonsense', status: 400, error: 'cursor is not one this server gave out: pass the "next" of the previous page as it is' },
  { name: '  twin: a cookie session reads it cross-site (a GET changes nothing) → 200', as: { cookie: { id: 'alice' } }, method: 'GET', path: '/-/api/tokens/:aliceAll/usage', headers: { 'Sec-Fetch-Site': 'cross-site' }, status: 200 },
  { name: 'the usage route is not served outside the basePath', options: 'custom', as: 'alice', method: 'GET', path: '/-/api/tokens/:aliceAll/usage', status: 404, match: { app: 'not found' } },
  { name: '  twin: under the configured basePath → 200', options: 'custom', as: 'alice', method: 'GET', path: '/admin/tokens/:aliceAll/usage', status: 200 },

  // --- Rate limits (SPEC section 11): rate_limit on create and PATCH ---------------------------
  { name: 'create with a rate limit → 201, the record has it', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'slow', rate_limit: { points: 5, duration: 60 } }, status: 201, match: { rate_limit: { points: 5, duration: 60 } } },
  { name: '  twin: rate_limit null, or none → 201 without one', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'free', rate_limit: null }, status: 201, match: { rate_limit: null } },
  ...(
    [
      ['a number', 5, 'must be { points, duration }'],
      ['a list', [5, 60], 'must be { points, duration }'],
      ['0 points', { points: 0, duration: 60 }, 'points must be a whole number from 1 to 2147483647 (requests per window)'],
      ['a fraction of a second', { points: 5, duration: 0.5 }, 'duration must be a whole number of seconds from 1 to 2147483647'],
      ['points as a string', { points: '5', duration: 60 }, 'points must be a whole number from 1 to 2147483647 (requests per window)'],
      ['no duration', { points: 5 }, 'duration must be a whole number of seconds from 1 to 2147483647'],
      ['an unknown key', { points: 5, duration: 60, burst: 10 }, 'has an unknown key "burst"; it takes points and duration'],
    ] as const
  ).map(
    ([label, value, problem]): AdminCase => ({ name: `rate_limit ${label} → 400 naming rate_limit`, as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'x', rate_limit: value }, status: 400, error: `rate_limit ${problem}, such as {"points": 100, "duration": 60} (100 requests a minute), or null for none` }),
  ),
  { name: 'PATCH a rate limit onto a token → 200', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { rate_limit: { points: 100, duration: 3600 } }, status: 200, match: { rate_limit: { points: 100, duration: 3600 }, name: 'alice-all' } },
  { name: '  twin: PATCH rate_limit null takes it away → 200', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceThrottled', body: { rate_limit: null }, status: 200, match: { rate_limit: null } },
  { name: 'PATCH a bad rate limit → 400, nothing changed', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceThrottled', body: { name: 'renamed', rate_limit: { points: -1, duration: 60 } }, status: 400, error: 'rate_limit points must be a whole number from 1 to 2147483647 (requests per window), such as {"points": 100, "duration": 60} (100 requests a minute), or null for none' },
  { name: "viewer (view-all, not edit-all) changes alice's rate limit → 403", as: 'viewer', method: 'PATCH', path: '/-/api/tokens/:aliceThrottled', body: { rate_limit: null }, status: 403, error: 'Permission denied: auth-tokens-edit-all' },
  { name: "  twin: admin (edit-all) changes it → 200", as: 'admin', method: 'PATCH', path: '/-/api/tokens/:aliceThrottled', body: { rate_limit: { points: 1, duration: 1 } }, status: 200, match: { rate_limit: { points: 1, duration: 1 } } },
  { name: 'a rate-limited token creates one without a limit → 403', options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n' }, status: 403, error: 'A token limited to 10 requests per 60 seconds can only give tokens a rate limit as strict: at most 10 requests per 60 seconds or more' },
  { name: 'a rate-limited token creates one with more points → 403', options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', rate_limit: { points: 11, duration: 60 } }, status: 403, error: 'A token limited to 10 requests per 60 seconds can only give tokens a rate limit as strict: at most 10 requests per 60 seconds or more' },
  { name: 'a rate-limited token creates one with a shorter window → 403', options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', rate_limit: { points: 10, duration: 59 } }, status: 403, error: 'A token limited to 10 requests per 60 seconds can only give tokens a rate limit as strict: at most 10 requests per 60 seconds or more' },
  { name: '  twin: as strict (fewer points, a longer window) → 201', options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', rate_limit: { points: 5, duration: 120 } }, status: 201, match: { rate_limit: { points: 5, duration: 120 } } },
  { name: '  twin: exactly its own → 201', options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'POST', path: '/-/api/tokens', body: { name: 'n', rate_limit: { points: 10, duration: 60 } }, status: 201 },
  { name: "a rate-limited token lifts another token's limit → 403", options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { rate_limit: null }, status: 403, error: 'A token limited to 10 requests per 60 seconds can only give tokens a rate limit as strict: at most 10 requests per 60 seconds or more' },
  { name: "  twin: it renames that token, leaving limits alone → 200", options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { name: 'renamed' }, status: 200 },
  { name: 'a rate-limited token rotates a token without a limit → 403 (it would get a faster secret)', options: 'tokenCallers', as: { managed: 'aliceThrottled' }, method: 'POST', path: '/-/api/tokens/:aliceAll/rotate', status: 403, error: 'A token limited to 10 requests per 60 seconds can only give tokens a rate limit as strict: at most 10 requests per 60 seconds or more' },
  { name: '  twin: an unlimited token rotates the limited one → 201', options: 'tokenCallers', as: { managed: 'aliceAll' }, method: 'POST', path: '/-/api/tokens/:aliceThrottled/rotate', status: 201, match: { rate_limit: { points: 10, duration: 60 } } },
  { name: "a rate-limited token creates an InfluxDB token (which has no limit) → 403", options: 'influxTokenCallers', as: { managed: 'aliceThrottled' }, method: 'POST', path: '/api/v3/configure/token', body: { token_name: 'n', permissions: [{ resource_type: 'db', resource_names: ['docs'], actions: ['read'] }] }, status: 403, error: 'A token limited to 10 requests per 60 seconds can only give tokens a rate limit as strict: at most 10 requests per 60 seconds or more' },
  { name: '  twin: an unlimited token creates it → 201', options: 'influxTokenCallers', as: { managed: 'aliceAll' }, method: 'POST', path: '/api/v3/configure/token', body: { token_name: 'n', permissions: [{ resource_type: 'db', resource_names: ['docs'], actions: ['read'] }] }, status: 201 },

  // --- 409s -----------------------------------------------------------------------------------
  { name: 'a name alice already has → 409', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'alice-all' }, status: 409, error: 'alice already has a token named "alice-all" that is not revoked; choose another name' },
  { name: '  twin: the name of her revoked token → 201', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'old' }, status: 201 },
  { name: 'a revoked token changed → 409', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceRevoked', body: { name: 'again' }, status: 409, error: 'Token :aliceRevoked is revoked: it cannot be changed' },
  { name: 'a revoked token rotated → 409', as: 'alice', method: 'POST', path: '/-/api/tokens/:aliceRevoked/rotate', status: 409, error: 'Token :aliceRevoked is revoked: it cannot be rotated' },

  // --- Bad input: 400 naming the field, nothing written ---------------------------------------
  { name: 'an unknown field → 400 naming it', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', expires_in: 60 }, status: 400, error: 'Unknown field "expires_in"' },
  { name: 'a misspelt field → 400 with a suggestion', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', expires_afer: 60 }, status: 400, error: 'Unknown field "expires_afer"; did you mean "expires_after"?' },
  { name: 'a wrong type → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 5 }, status: 400, error: 'name must be a string of 1 to 200 characters, got number 5' },
  { name: 'no name → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: {}, status: 400, error: 'name must be a string of 1 to 200 characters, got nothing' },
  { name: 'a description that is not a string → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', description: ['x'] }, status: 400, error: 'description must be a string or null, got a list' },
  { name: 'an actor_id that is not a string → 400', as: 'admin', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', actor_id: 7 }, status: 400, error: "actor_id must be a non-empty string (the owner's actor id), got number 7" },
  { name: 'restrictions naming an unknown action → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', restrictions: { d: { docs: ['view-tabel'] } } }, status: 400, error: 'restrictions name an unknown action "view-tabel"; did you mean "view-table"?' },
  { name: 'malformed restrictions → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', restrictions: { x: [] } }, status: 400, error: 'restrictions: _r has an unknown key "x"; only "a", "d" and "r" are allowed' },
  { name: 'a bad permission string → 400 naming which', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', permissions: ['db:docs:read', 'db:docs:fly'] }, status: 400, error: 'permissions[1]: action not supported, database action fly' },
  { name: 'permissions that are not a list → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', permissions: 'db:docs:read' }, status: 400, error: 'permissions must be null or a non-empty list of permission strings such as "db:docs:read"' },
  ...[0, -5, 1.5, '60', true].map(
    (value): AdminCase => ({ name: `expires_after ${JSON.stringify(value)} → 400`, as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', expires_after: value }, status: 400, error: `expires_after must be a positive whole number of seconds, or null for no expiry; got ${typeof value === 'string' ? `the string "${value}"` : `${typeof value} ${String(value)}`}` }),
  ),
  { name: 'expires_after beyond maxExpiresAfter → 400', options: 'maxExpiry', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', expires_after: 3601 }, status: 400, error: 'expires_after must be at most 3600 seconds, got 3601' },
  { name: 'no expires_after under maxExpiresAfter → 400', options: 'maxExpiry', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, status: 400, error: 'expires_after is required: tokens here expire within 3600 seconds' },
  { name: '  twin: expires_after at maxExpiresAfter → 201', options: 'maxExpiry', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', expires_after: 3600 }, status: 201, match: { expires_at: at(NOW + 3600) } },
  { name: 'a body that is a list → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: [{ name: 'ci' }], status: 400, error: 'The request body must be a JSON object, got a list' },
  { name: 'no body → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', status: 400, error: 'The request body must be a JSON object, got no body' },
  { name: 'malformed JSON → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', raw: '{"name": ', headers: { 'Content-Type': 'application/json' }, status: 400, check: (body) => expect(body['error']).toMatch(/^The request body is not valid JSON: /) },
  { name: 'a form body → 415', as: 'alice', method: 'POST', path: '/-/api/tokens', raw: 'name=ci', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, status: 415, error: 'The request body must be JSON: send Content-Type: application/json' },
  { name: 'JSON in another charset → 415', as: 'alice', method: 'POST', path: '/-/api/tokens', raw: '{"name":"ci"}', headers: { 'Content-Type': 'application/json; charset=latin1' }, status: 415, error: 'The request body must be JSON: send Content-Type: application/json' },
  { name: 'a body over bodyLimit → 413', options: 'smallBody', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci', description: 'x'.repeat(300) }, status: 413, error: 'The request body is larger than 200 bytes' },
  { name: 'PATCH an unknown field → 400', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { status: 'active' }, status: 400, error: 'Unknown field "status"' },
  { name: 'PATCH expires_at in the past → 400', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { expires_at: '2001-01-01T00:00:00Z' }, status: 400, error: 'expires_at must be in the future' },
  { name: 'PATCH expires_at not RFC 3339 → 400', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { expires_at: NOW + 60 }, status: 400, error: `expires_at must be an RFC 3339 time such as "2030-01-01T00:00:00Z", or null; got number ${NOW + 60}` },
  { name: '  twin: PATCH expires_at RFC 3339 → 200', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { expires_at: at(NOW + 60) }, status: 200, match: { expires_at: at(NOW + 60) } },
  { name: 'a revoke with a body field → 400', as: 'alice', method: 'POST', path: '/-/api/tokens/:aliceAll/revoke', body: { reason: 'x' }, status: 400, error: 'Unknown field "reason"' },
  { name: 'a list with limit=0 → 400', as: 'alice', method: 'GET', path: '/-/api/tokens?limit=0', status: 400, error: 'limit must be a whole number from 1 to 1000, got the string "0"' },
  { name: 'a list with an unknown parameter → 400', as: 'alice', method: 'GET', path: '/-/api/tokens?owner=bob', status: 400, error: 'Unknown query parameter "owner"' },
  { name: 'a list with a cursor it never gave → 400', as: 'alice', method: 'GET', path: '/-/api/tokens?cursor=nonsense', status: 400, error: 'cursor is not one this server gave out: pass the "next" of the previous page as it is' },

  // --- Issue 9 on this API: a query is data, a scope is capped, a token is never echoed --------
  { name: 'a list with a __proto__ parameter → 400 naming it (a parameter, never a prototype)', as: 'alice', method: 'GET', path: '/-/api/tokens?__proto__=x', status: 400, error: 'Unknown query parameter "__proto__"' },
  { name: '  twin: a known parameter → 200', as: 'alice', method: 'GET', path: '/-/api/tokens?status=active', status: 200 },
  { name: 'permissions granting more than 10,000 actions → 400, before any grant is checked', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'wide', permissions: [`db:${databaseList(2001)}:read`] }, status: 400, error: 'permissions: they grant 10005 actions in all; a token may carry at most 10000' },
  { name: 'restrictions and permissions together beyond 10,000 → 400', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'wide', restrictions: { a: ['vt'] }, permissions: [`db:${databaseList(2000)}:read`] }, status: 400, error: 'restrictions and permissions: they grant 10001 actions in all; a token may carry at most 10000' },
  { name: 'PATCH to more than 10,000 → 400', as: 'alice', method: 'PATCH', path: '/-/api/tokens/:aliceAll', body: { permissions: [`db:${databaseList(2001)}:read`] }, status: 400, error: 'permissions: they grant 10005 actions in all; a token may carry at most 10000' },
  { name: 'InfluxDB: permissions beyond 10,000 → 400', options: 'influx', as: 'alice', method: 'POST', path: '/api/v3/configure/token', body: { token_name: 'wide', permissions: [{ resource_type: 'db', resource_names: databaseList(2001).split(','), actions: ['read'] }] }, status: 400, error: 'permissions: they grant 10005 actions in all; a token may carry at most 10000' },
  { name: '  twin: exactly 10,000 → 201', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'wide', permissions: [`db:${databaseList(2000)}:read`] }, status: 201, check: (body) => expect(Object.keys((body['restrictions'] as { d: object }).d)).toHaveLength(2000) },
  { name: 'a token given in place of its id → 404 that does not echo it', as: 'alice', method: 'DELETE', path: `/-/api/tokens/tgk_${'A'.repeat(38)}`, status: 404, error: NOT_AN_ID },
  { name: 'a signed token given in place of an id → the same 404', as: 'alice', method: 'GET', path: '/-/api/tokens/dstok_eyJhIjoiYWxpY2UifQ.c2lnbmF0dXJl', status: 404, error: NOT_AN_ID },
  { name: '  twin: an id of the right shape is quoted', as: 'alice', method: 'DELETE', path: '/-/api/tokens/00000000000000ff', status: 404, error: 'No token has the id "00000000000000ff"' },

  // --- Cross-origin protection for cookie sessions (403, nothing changed) --------------------
  { name: 'a cookie session, Sec-Fetch-Site cross-site → 403', as: { cookie: { id: 'alice' } }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, headers: { 'Sec-Fetch-Site': 'cross-site' }, status: 403, error: 'Cross-origin request refused: Sec-Fetch-Site is "cross-site", not same-origin' },
  { name: 'a cookie session, Sec-Fetch-Site same-site → 403', as: { cookie: { id: 'alice' } }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, headers: { 'Sec-Fetch-Site': 'same-site' }, status: 403, error: 'Cross-origin request refused: Sec-Fetch-Site is "same-site", not same-origin' },
  { name: '  twin: Sec-Fetch-Site same-origin → 201', as: { cookie: { id: 'alice' } }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, headers: { 'Sec-Fetch-Site': 'same-origin' }, status: 201, match: { created_by: 'alice' } },
  { name: 'a cookie session with a foreign Origin → 403', as: { cookie: { id: 'alice' } }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, headers: { Host: 'tokens.example', Origin: 'https://evil.example' }, status: 403, error: 'Cross-origin request refused: the Origin "https://evil.example" is not this server\'s origin' },
  { name: 'a cookie session with Origin null → 403', as: { cookie: { id: 'alice' } }, method: 'DELETE', path: '/-/api/tokens/:aliceAll', headers: { Origin: 'null' }, status: 403, error: 'Cross-origin request refused: the Origin header "null" is not an origin' },
  { name: 'the same host on another scheme → 403', as: { cookie: { id: 'alice' } }, method: 'DELETE', path: '/-/api/tokens/:aliceAll', headers: { Host: 'tokens.example', Origin: 'https://tokens.example' }, status: 403, error: 'Cross-origin request refused: the Origin "https://tokens.example" is not this server\'s origin' },
  { name: '  twin: its own Origin, default port written out → 200', as: { cookie: { id: 'alice' } }, method: 'DELETE', path: '/-/api/tokens/:aliceAll', headers: { Host: 'tokens.example', Origin: 'http://tokens.example:80' }, status: 200 },
  { name: '  twin: its own Origin → 200', as: { cookie: { id: 'alice' } }, method: 'DELETE', path: '/-/api/tokens/:aliceAll', headers: { Host: 'tokens.example', Origin: 'http://tokens.example' }, status: 200 },
  { name: '  twin: neither header (not a browser) → 201', as: { cookie: { id: 'alice' } }, method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, status: 201 },
  { name: '  twin: a bearer request without a cookie is exempt → 201', as: 'alice', method: 'POST', path: '/-/api/tokens', body: { name: 'ci' }, headers: { 'Sec-Fetch-Site': 'cross-site' }, status: 201 },
  { name: '  twin: a cross-site GET is not a change → 200', as: { cookie: { id: 'alice' } }, method: 'GET', path: '/-/api/tokens', headers: { 'Sec-Fetch-Site': 'cross-site' }, status: 200 },

  // --- Options --------------------------------------------------------------------------------
  { name: 'another basePath: the default one is not served', options: 'custom', as: 'alice', method: 'GET', path: '/-/api/tokens', status: 404, match: { app: 'not found' } },
  { name: '  twin: the configured one is', options: 'custom', as: 'alice', method: 'GET', path: '/admin/tokens', status: 200 },
  { name: 'an unmatched method falls through to the app', as: 'alice', method: 'PATCH', path: '/-/api/tokens', body: {}, status: 404, match: { app: 'not found' } },
]

/** The InfluxDB 3 curl bodies of the seed ("Create a resource token"), verbatim. */
export const INFLUX_SEED_BODIES: readonly { name: string; body: string; permissions: readonly string[]; expiresAfter: number | null }[] = [
  {
    name: 'read-write on two databases, 300000 s',
    body: `{
"token_name": "Read-write for DATABASE1, DATABASE2",
"permissions": [{
"resource_type": "db",
"resource_identifier": ["DATABASE1","DATABASE2"],
"actions": ["read","write"]
}],
"expiry_secs": 300000
}`,
    permissions: ['db:DATABASE1,DATABASE2:read,write'],
    expiresAfter: 300000,
  },
  {
    name: 'read-write on one database',
    body: `{
"token_name": "Read/write token for DATABASE_NAME",
"permissions": [{
"resource_type": "db",
"resource_identifier": ["DATABASE_NAME"],
"actions": ["read","write"]
}]
}`,
    permissions: ['db:DATABASE_NAME:read,write'],
    expiresAfter: null,
  },
  {
    name: 'read-write on all databases',
    body: `{
"token_name": "Read/write token for all databases",
"permissions": [{
"resource_type": "db",
"resource_identifier": ["*"],
"actions": ["read","write"]
}]
}`,
    permissions: ['db:*:read,write'],
    expiresAfter: null,
  },
  {
    name: 'read-only on one database',
    body: `{
"token_name": "Read-only token for DATABASE_NAME",
"permissions": [{
"resource_type": "db",
"resource_identifier": ["DATABASE_NAME"],
"actions": ["read"]
}]
}`,
    permissions: ['db:DATABASE_NAME:read'],
    expiresAfter: null,
  },
  {
    name: 'read-only on two databases',
    body: `{
"token_name": "Read-only token for DATABASE_NAME, DATABASE2_NAME",
"permissions": [{
"resource_type": "db",
"resource_identifier": ["DATABASE_NAME","DATABASE2_NAME"],
"actions": ["read"]
}]
}`,
    permissions: ['db:DATABASE_NAME,DATABASE2_NAME:read'],
    expiresAfter: null,
  },
  {
    name: 'seven days',
    body: `{
"token_name": "Read/write token for DATABASE_NAME with 7d expiration",
"permissions": [{
"resource_type": "db",
"resource_identifier": ["DATABASE_NAME"],
"actions": ["read","write"]
}],
"expiry_secs": 604800
}`,
    permissions: ['db:DATABASE_NAME:read,write'],
    expiresAfter: 604800,
  },
  {
    name: 'a system token',
    body: `{
"token_name": "System health token",
"permissions": [{
"resource_type": "system",
"resource_identifier": ["health"],
"actions": ["read"]
}],
"expiry_secs": 300000
}`,
    permissions: ['system:health:read'],
    expiresAfter: 300000,
  },
]

/**
 * The InfluxDB demo's configuration: `root` is an operator allowed everything (as InfluxDB's
 * admin token is), so every seed body is within what it may grant.
 */
export const INFLUX_CONFIG: TokengateConfig = {
  secret: SECRET,
  tokens: [{ token: 'influx-admin-token-0d9c8b7a', actor: { id: 'root' } }, { token: STATIC.bob, actor: { id: 'bob' } }],
  permissions: { 'auth-tokens-create': { id: ['root', 'bob'] } },
}
