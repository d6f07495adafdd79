/**
 * gate.tokens: the lifecycle of managed tokens (SPEC section 9, "API"), and the "Bad input" of
 * issue 8: each bad argument is a coded error (400, 404 or 409) and leaves the store exactly as
 * it was.
 */
import {
  ConflictError,
  InvalidParameterError,
  NotFoundError,
  PermissionStringError,
  StoreUnavailableError,
  type Gate,
  type TokenStore,
  createGate,
  createMemoryTokenStore,
  defineAction,
} from 'tokengate'
import { internalsOf } from '../../lib/internal/gate-internals.js'

const T = 1_800_000_000
let now = T

function setup(): { gate: Gate; store: TokenStore; tokens: NonNullable<Gate['tokens']> } {
  now = T
  const store = createMemoryTokenStore()
  const gate = createGate(
    { databases: { docs: { tables: { documents: { allow: { id: ['alice', 'bob'] } } } } } },
    { tokenStore: store, now: () => now, actions: [defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })] },
  )
  if (gate.tokens === null) throw new Error('expected gate.tokens')
  return { gate, store, tokens: gate.tokens }
}

/** Everything a store holds that a caller could see: every row and every audit entry. */
async function contents(store: TokenStore): Promise<unknown> {
  const rows = await store.list({ limit: 1000, now: T })
  return { rows, audit: await Promise.all(rows.map((row) => store.audit(row.id))) }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('create', () => {
  test('returns the token once and the record with every field; only the hash is stored', async () => {
    const { gate, store, tokens } = setup()
    const { token, record } = await tokens.create({
      actorId: 'alice',
      name: 'ci',
      description: 'for the CI job',
      expiresAfter: 3600,
      permissions: ['db:docs:read'],
      createdBy: 'admin',
    })
    expect(token).toMatch(/^tgk_[0-9A-Za-z]{38}$/)
    expect(record).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'ci',
      description: 'for the CI job',
      actorId: 'alice',
      restrictions: { d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] } },
      permissions: ['db:docs:read'],
      status: 'active',
      createdAt: T,
      createdBy: 'admin',
      expiresAt: T + 3600,
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
      start: token.slice(0, 8),
      rateLimit: null,
    })
    expect(JSON.stringify(await contents(store))).not.toContain(token.slice(4))
    expect(await gate.authenticate({ authorization: `Bearer ${token}` })).toEqual({
      id: 'alice',
      token: 'managed',
      token_id: record.id,
      _r: { d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] } },
      token_expires: T + 3600,
    })
  })

  test('a token without restrictions or expiry: the actor has neither _r nor token_expires', async () => {
    const { gate, tokens } = setup()
    const { token, record } = await tokens.create({ actorId: 'bob', name: 'all of bob' })
    expect(record).toMatchObject({ restrictions: null, permissions: null, expiresAt: null, createdBy: null, description: null })
    expect(await gate.authenticate({ authorization: `Bearer ${token}` })).toEqual({ id: 'bob', token: 'managed', token_id: record.id })
  })

  test('restrictions and permissions together are a union; application actions are known', async () => {
    const { tokens } = setup()
    const { record } = await tokens.create({
      actorId: 'alice',
      name: 'both',
      restrictions: { a: ['view-instance'], d: { docs: ['vt'] }, r: { docs: { posts: ['publish-post'] } } },
      permissions: ['db:docs:write', 'system:health:read'],
    })
    expect(record.restrictions).toEqual({ a: ['view-instance', 'vh'], d: { docs: ['vt', 'ir', 'ur', 'dr'] }, r: { docs: { posts: ['publish-post'] } } })
  })

  test('a database named "__proto__" is a database in the union, never a prototype (issue 9)', async () => {
    const { gate, tokens } = setup()
    const { token, record } = await tokens.create({
      actorId: 'alice',
      name: 'proto',
      restrictions: { d: { docs: ['vt'] } },
      permissions: ['db:__proto__:read', 'table:__proto__/__proto__:write'],
    })
    const d = record.restrictions?.d ?? {}
    // Object.prototype of some realm (the store's structuredClone makes objects of Node's own).
    expect(Object.getPrototypeOf(Object.getPrototypeOf(d))).toBeNull()
    expect(Object.keys(d)).toEqual(['docs', '__proto__'])
    expect(Object.getOwnPropertyDescriptor(d, '__proto__')?.value).toEqual(['vd', 'vt', 'vq', 'es', 'vdd'])
    expect(Object.keys(record.restrictions?.r ?? {})).toEqual(['__proto__'])
    const actor = await gate.authenticate({ authorization: `Bearer ${token}` })
    expect(gate.allowed(actor, 'view-table', { database: '__proto__', resource: 't' })).toBe(true)
    // Near miss: a database the token was not given.
    expect(gate.allowed(actor, 'view-table', { database: 'other', resource: 't' })).toBe(false)
  })

  test('an empty _r is kept: a token that may do nothing, never an unrestricted one', async () => {
    const { gate, tokens } = setup()
    const { token, record } = await tokens.create({ actorId: 'alice', name: 'nothing', restrictions: {} })
    expect(record.restrictions).toEqual({})
    const actor = await gate.authenticate({ authorization: `Bearer ${token}` })
    expect(gate.allowed(actor, 'view-table', { database: 'docs', resource: 'documents' })).toBe(false)
  })

  test('ids are random: not guessable from one another', async () => {
    const { tokens } = setup()
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => tokens.create({ actorId: 'alice', name: `t${i}` }).then((r) => r.record.id)))
    expect(new Set(ids).size).toBe(20)
    expect(new Set(ids.map((id) => id.slice(0, 6))).size).toBeGreaterThan(15)
  })

  test('a token can never do more than its owner: an outsider with an unrestricted token still cannot read', async () => {
    const { gate, tokens } = setup()
    const { token } = await tokens.create({ actorId: 'carol', name: 'x', permissions: ['db:docs:read'] })
    const actor = await gate.authenticate({ authorization: `Bearer ${token}` })
    expect(gate.allowed(actor, 'view-table', { database: 'docs', resource: 'documents' })).toBe(false)
    const { token: alices } = await tokens.create({ actorId: 'alice', name: 'x', permissions: ['db:docs:read'] })
    expect(gate.allowed(await gate.authenticate({ authorization: `Bearer ${alices}` }), 'view-table', { database: 'docs', resource: 'documents' })).toBe(true)
  })
})

/** `d0,d1,…` for a permission string naming `n` databases. */
const databases = (n: number): string => Array.from({ length: n }, (_, i) => `d${i}`).join(',')
const NOT_AN_ID = 'No token has the id given: token ids are 16 hexadecimal characters (what was given is not shown, as it may be a token)'

describe('bad input: a coded error, and nothing written', () => {
  type Case = [what: string, run: (tokens: NonNullable<Gate['tokens']>, id: string) => Promise<unknown>, expected: { type: Function; status: number; message: string | RegExp; parameter?: string }]
  const cases: Case[] = [
    ['expiresAfter 0', (t) => t.create({ actorId: 'alice', name: 'n', expiresAfter: 0 }), { type: InvalidParameterError, status: 400, parameter: 'expiresAfter', message: 'expiresAfter must be a positive whole number of seconds, or null for no expiry; got number 0' }],
    ['expiresAfter -5', (t) => t.create({ actorId: 'alice', name: 'n', expiresAfter: -5 }), { type: InvalidParameterError, status: 400, parameter: 'expiresAfter', message: /got number -5$/ }],
    ['expiresAfter 1.5', (t) => t.create({ actorId: 'alice', name: 'n', expiresAfter: 1.5 }), { type: InvalidParameterError, status: 400, parameter: 'expiresAfter', message: /got number 1\.5$/ }],
    ['expiresAfter "3600"', (t) => t.create({ actorId: 'alice', name: 'n', expiresAfter: '3600' as unknown as number }), { type: InvalidParameterError, status: 400, parameter: 'expiresAfter', message: /got the string "3600"$/ }],
    ['expiresAfter NaN', (t) => t.create({ actorId: 'alice', name: 'n', expiresAfter: Number.NaN }), { type: InvalidParameterError, status: 400, parameter: 'expiresAfter', message: /got number NaN$/ }],
    ['an unknown action in restrictions', (t) => t.create({ actorId: 'alice', name: 'n', restrictions: { d: { docs: ['view-tabel'] } } }), { type: InvalidParameterError, status: 400, parameter: 'restrictions', message: 'restrictions name an unknown action "view-tabel"; register it, or use a known action or abbreviation' }],
    ['malformed restrictions', (t) => t.create({ actorId: 'alice', name: 'n', restrictions: { a: 'vt' } as never }), { type: InvalidParameterError, status: 400, parameter: 'restrictions', message: 'restrictions: _r.a must be a list of action names' }],
    ['a malformed permission string', (t) => t.create({ actorId: 'alice', name: 'n', permissions: ['db:docs:read', 'db:docs'] }), { type: PermissionStringError, status: 400, message: /db:docs/ }],
    ['a permission string with an unknown action', (t) => t.create({ actorId: 'alice', name: 'n', permissions: ['db:docs:fly'] }), { type: PermissionStringError, status: 400, message: 'action not supported, database action fly' }],
    ['an empty permissions list', (t) => t.create({ actorId: 'alice', name: 'n', permissions: [] }), { type: InvalidParameterError, status: 400, parameter: 'permissions', message: /non-empty list/ }],
    ['an empty name', (t) => t.create({ actorId: 'alice', name: '' }), { type: InvalidParameterError, status: 400, parameter: 'name', message: 'name must not be empty' }],
    ['a blank name', (t) => t.create({ actorId: 'alice', name: '   ' }), { type: InvalidParameterError, status: 400, parameter: 'name', message: 'name must not be empty' }],
    ['a name of 201 characters', (t) => t.create({ actorId: 'alice', name: 'x'.repeat(201) }), { type: InvalidParameterError, status: 400, parameter: 'name', message: 'name must be at most 200 characters, got 201' }],
    ['a name with a line break', (t) => t.create({ actorId: 'alice', name: 'a\nb' }), { type: InvalidParameterError, status: 400, parameter: 'name', message: /control characters/ }],
    ['no name', (t) => t.create({ actorId: 'alice' } as never), { type: InvalidParameterError, status: 400, parameter: 'name', message: /name must be a string/ }],
    ['no owner', (t) => t.create({ name: 'n' } as never), { type: InvalidParameterError, status: 400, parameter: 'actorId', message: /actorId must be a non-empty string/ }],
    ['a misspelt field', (t) => t.create({ actorId: 'alice', name: 'n', expireAfter: 60 } as never), { type: InvalidParameterError, status: 400, parameter: 'expireAfter', message: 'Unknown field "expireAfter"; did you mean "expiresAfter"?' }],
    ['a bad rate limit', (t) => t.create({ actorId: 'alice', name: 'n', rateLimit: { points: 0, duration: 60 } }), { type: InvalidParameterError, status: 400, parameter: 'rateLimit', message: /two positive whole numbers/ }],
    ['a name taken among the owner\'s live tokens', (t) => t.create({ actorId: 'alice', name: 'taken' }), { type: ConflictError, status: 409, message: 'alice already has a token named "taken" that is not revoked; choose another name' }],
    ['update to a taken name', (t, id) => t.update(id, { name: 'taken' }), { type: ConflictError, status: 409, message: 'alice already has a token named "taken" that is not revoked; choose another name' }],
    ['update of an id that does not exist', (t) => t.update('0123456789abcdef', { name: 'x' }), { type: NotFoundError, status: 404, message: 'No token has the id "0123456789abcdef"' }],
    ['revoke of an id that does not exist', (t) => t.revoke('0123456789abcdef'), { type: NotFoundError, status: 404, message: 'No token has the id "0123456789abcdef"' }],
    ['rotate of an id that does not exist', (t) => t.rotate('0123456789abcdef'), { type: NotFoundError, status: 404, message: 'No token has the id "0123456789abcdef"' }],
    ['audit of an id that does not exist', (t) => t.audit('0123456789abcdef'), { type: NotFoundError, status: 404, message: 'No token has the id "0123456789abcdef"' }],
    ['update with an expiry in the past', (t, id) => t.update(id, { expiresAt: T - 1 }), { type: InvalidParameterError, status: 400, parameter: 'expiresAt', message: /in the future/ }],
    ['update with an unknown action', (t, id) => t.update(id, { restrictions: { a: ['nope'] } }), { type: InvalidParameterError, status: 400, parameter: 'restrictions', message: /unknown action "nope"/ }],
    ['update with a misspelt field', (t, id) => t.update(id, { nmae: 'x' } as never), { type: InvalidParameterError, status: 400, parameter: 'nmae', message: 'Unknown field "nmae"; did you mean "name"?' }],
    ['list with a bad status', (t) => t.list({ status: 'live' as never }), { type: InvalidParameterError, status: 400, parameter: 'status', message: /status must be one of "active", "revoked", "expired"/ }],
    ['list with limit 0', (t) => t.list({ limit: 0 }), { type: InvalidParameterError, status: 400, parameter: 'limit', message: /from 1 to 1000/ }],
    ['list with a forged cursor', (t) => t.list({ cursor: 'bm90IGEgY3Vyc29y' }), { type: InvalidParameterError, status: 400, parameter: 'cursor', message: /not one this server gave out/ }],
    ['an id that is not a string', (t) => t.revoke(42 as never), { type: InvalidParameterError, status: 400, parameter: 'id', message: 'id must be a non-empty string, got number 42' }],
    // Issue 9: a token given where its id belongs is never echoed.
    ['revoke of a token given in place of its id', (t) => t.revoke(`tgk_${'A'.repeat(38)}`), { type: NotFoundError, status: 404, message: NOT_AN_ID }],
    ['audit of a dstok_ token given in place of an id', (t) => t.audit('dstok_eyJhIjoiYWxpY2UifQ.signature'), { type: NotFoundError, status: 404, message: NOT_AN_ID }],
    // Issue 9: a token's scope is capped at 10,000 grants when it is made, not refused on every use.
    ['permissions that grant more than 10,000 actions', (t) => t.create({ actorId: 'alice', name: 'n', permissions: [`db:${databases(2001)}:read`] }), { type: InvalidParameterError, status: 400, parameter: 'permissions', message: 'permissions: they grant 10005 actions in all; a token may carry at most 10000' }],
    ['restrictions and permissions that together grant more than 10,000', (t) => t.create({ actorId: 'alice', name: 'n', restrictions: { a: ['vt'] }, permissions: [`db:${databases(2000)}:read`] }), { type: InvalidParameterError, status: 400, parameter: 'permissions', message: 'restrictions and permissions: they grant 10001 actions in all; a token may carry at most 10000' }],
    ['an update to more than 10,000', (t, id) => t.update(id, { permissions: [`db:${databases(2001)}:read`] }), { type: InvalidParameterError, status: 400, parameter: 'permissions', message: 'permissions: they grant 10005 actions in all; a token may carry at most 10000' }],
  ]

  test.each(cases)('%s', async (_what, run, expected) => {
    const { store, tokens } = setup()
    const { record } = await tokens.create({ actorId: 'alice', name: 'taken' })
    const { record: other } = await tokens.create({ actorId: 'alice', name: 'other' })
    const before = await contents(store)
    const error = (await rejection(run(tokens, other.id))) as Error & { status: number; code: string; parameter?: string }
    expect(error).toBeInstanceOf(expected.type)
    expect(error.status).toBe(expected.status)
    expect(error.code).toMatch(/^ERR_/)
    if (typeof expected.message === 'string') expect(error.message).toBe(expected.message)
    else expect(error.message).toMatch(expected.message)
    if (expected.parameter !== undefined) expect(error.parameter).toBe(expected.parameter)
    expect(await contents(store)).toEqual(before)
    expect(record.id).not.toBe(other.id)
  })

  test('near miss: a scope of exactly 10,000 grants is made, and the token works', async () => {
    const { gate, tokens } = setup()
    const { token, record } = await tokens.create({ actorId: 'alice', name: 'wide', restrictions: { d: { d0: ['vt'] } }, permissions: [`db:${databases(2000)}:read`] })
    expect(Object.values(record.restrictions?.d ?? {}).flat()).toHaveLength(10_000)
    const actor = await gate.authenticate({ authorization: `Bearer ${token}` })
    expect(gate.allowed(actor, 'view-database', { database: 'd1999' })).toBe(true)
  })

  test('near miss: a 16-hex id that does not exist is quoted', async () => {
    const { tokens } = setup()
    await expect(tokens.revoke('00000000000000ff')).rejects.toThrow('No token has the id "00000000000000ff"')
  })

  test('the near misses are accepted: a 200-character name, expiresAfter 1, a known abbreviation, the name once revoked', async () => {
    const { tokens } = setup()
    const { record: taken } = await tokens.create({ actorId: 'alice', name: 'taken' })
    await expect(tokens.create({ actorId: 'alice', name: 'x'.repeat(200), expiresAfter: 1, restrictions: { d: { docs: ['vt', 'pp'] } } })).resolves.toBeDefined()
    await expect(tokens.create({ actorId: 'bob', name: 'taken' })).resolves.toBeDefined()
    await tokens.revoke(taken.id)
    await expect(tokens.create({ actorId: 'alice', name: 'taken' })).resolves.toBeDefined()
  })
})

describe('update, revoke, rotate', () => {
  test('update changes what is given, returns the record as it now is, and is audited', async () => {
    const { tokens } = setup()
    const { record } = await tokens.create({ actorId: 'alice', name: 'ci', permissions: ['db:docs:read'], createdBy: 'admin' })
    now = T + 10
    const updated = await tokens.update(record.id, { name: 'ci2', description: 'renamed', expiresAt: T + 100, by: 'alice' })
    expect(updated).toEqual({ ...record, name: 'ci2', description: 'renamed', expiresAt: T + 100 })
    expect(await tokens.get(record.id)).toEqual(updated)
    const scoped = await tokens.update(record.id, { restrictions: { a: ['vi'] } })
    expect(scoped).toMatchObject({ restrictions: { a: ['vi'] }, permissions: null })
    const log = await tokens.audit(record.id)
    expect(log.map((e) => [e.action, e.at, e.by])).toEqual([
      ['create', T, 'admin'],
      ['update', T + 10, 'alice'],
      ['update', T + 10, null],
    ])
    expect(log[1]!.changes).toEqual({ name: 'ci2', description: 'renamed', expiresAt: T + 100 })
  })

  test('an update with nothing to change returns the record and writes nothing', async () => {
    const { store, tokens } = setup()
    const { record } = await tokens.create({ actorId: 'alice', name: 'ci' })
    const before = await contents(store)
    expect(await tokens.update(record.id, {})).toEqual(record)
    expect(await contents(store)).toEqual(before)
  })

  test('revoke: the token stops at once; a second revoke changes nothing; update and rotate are then 409', async () => {
    const { gate, store, tokens } = setup()
    const { token, record } = await tokens.create({ actorId: 'alice', name: 'ci' })
    await gate.authenticate({ authorization: `Bearer ${token}` }) // now cached
    now = T + 5
    const revoked = await tokens.revoke(record.id, { by: 'admin' })
    expect(revoked).toEqual({ ...record, status: 'revoked', revokedAt: T + 5, revokedBy: 'admin' })
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ message: 'Token has been revoked', reason: 'revoked' })
    now = T + 50
    const before = await contents(store)
    expect(await tokens.revoke(record.id, { by: 'someone else' })).toEqual({ ...revoked })
    await expect(tokens.update(record.id, { name: 'x' })).rejects.toThrow(new ConflictError(`Token ${record.id} is revoked: it cannot be changed`))
    await expect(tokens.rotate(record.id)).rejects.toThrow(new ConflictError(`Token ${record.id} is revoked: it cannot be rotated`))
    expect(await contents(store)).toEqual(before)
  })

  test('rotate keeps the id and the rest, gives a new secret, and the old one stops at once', async () => {
    const { gate, tokens } = setup()
    const { token, record } = await tokens.create({ actorId: 'alice', name: 'ci', permissions: ['db:docs:read'] })
    await gate.authenticate({ authorization: `Bearer ${token}` })
    const rotated = await tokens.rotate(record.id, { by: 'alice' })
    expect(rotated.token).not.toBe(token)
    expect(rotated.record).toEqual({ ...record, start: rotated.token.slice(0, 8) })
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ message: 'Unknown token' })
    expect(await gate.authenticate({ authorization: `Bearer ${rotated.token}` })).toMatchObject({ id: 'alice', token_id: record.id })
    const log = await tokens.audit(record.id)
    expect(log.at(-1)).toMatchObject({ action: 'rotate', by: 'alice', changes: { start: rotated.token.slice(0, 8) } })
    expect(JSON.stringify(log)).not.toContain(rotated.token.slice(8))
  })

  test('status: expired once expiresAt is reached; revoked wins over expired', async () => {
    const { gate, tokens } = setup()
    const { token, record } = await tokens.create({ actorId: 'alice', name: 'short', expiresAfter: 60 })
    now = T + 59
    expect((await tokens.get(record.id))?.status).toBe('active')
    expect(await gate.authenticate({ authorization: `Bearer ${token}` })).toMatchObject({ token_expires: T + 60 })
    now = T + 60
    expect((await tokens.get(record.id))?.status).toBe('expired')
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ message: 'Token has expired', reason: 'expired' })
    await tokens.revoke(record.id)
    expect((await tokens.get(record.id))?.status).toBe('revoked')
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ message: 'Token has been revoked' })
  })

  test('get of an unknown id is null', async () => {
    const { tokens } = setup()
    expect(await tokens.get('0123456789abcdef')).toBeNull()
  })
})

describe('list', () => {
  test('newest first, by owner and status, a page at a time', async () => {
    const { tokens } = setup()
    const made: string[] = []
    for (let i = 0; i < 5; i++) {
      now = T + i
      made.push((await tokens.create({ actorId: i % 2 === 0 ? 'alice' : 'bob', name: `t${i}` })).record.id)
    }
    await tokens.revoke(made[0]!)
    const page1 = await tokens.list({ limit: 2 })
    expect(page1.tokens.map((t) => t.name)).toEqual(['t4', 't3'])
    expect(page1.next).toEqual(expect.any(String))
    const page2 = await tokens.list({ limit: 2, cursor: page1.next })
    expect(page2.tokens.map((t) => t.name)).toEqual(['t2', 't1'])
    const page3 = await tokens.list({ limit: 2, cursor: page2.next })
    expect(page3).toEqual({ tokens: [expect.objectContaining({ name: 't0', status: 'revoked' })], next: null })
    expect((await tokens.list({ actorId: 'alice', status: 'active' })).tokens.map((t) => t.name)).toEqual(['t4', 't2'])
    expect((await tokens.list()).tokens).toHaveLength(5)
  })
})

describe('a store that cannot be reached', () => {
  test('every call is a 503 StoreUnavailableError that keeps the cause', async () => {
    const broken = new Error('connection refused')
    const store = createMemoryTokenStore()
    const fail = (): Promise<never> => Promise.reject(broken)
    const failing: TokenStore = { ...store, findByHash: fail, get: fail, list: fail, insert: fail, update: fail, revoke: fail, rotate: fail, touch: fail, audit: fail }
    const gate = createGate({}, { tokenStore: failing })
    const error = (await rejection(gate.tokens!.create({ actorId: 'alice', name: 'x' }))) as StoreUnavailableError
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect([error.status, error.message, error.headers['Retry-After'], error.cause]).toEqual([503, 'Token store unavailable', '2', broken])
    await expect(gate.tokens!.list()).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(gate.tokens!.revoke('0123456789abcdef')).rejects.toBeInstanceOf(StoreUnavailableError)
  })
})

describe('the gate without a store', () => {
  test('gate.tokens is null; ready and close resolve', async () => {
    const gate = createGate({})
    expect(gate.tokens).toBeNull()
    await expect(gate.ready()).resolves.toBeUndefined()
    await expect(gate.close()).resolves.toBeUndefined()
  })

  test('a tgk_ token is then unknown, like any unclaimed token', async () => {
    const gate = createGate({})
    await expect(gate.authenticate({ authorization: 'Bearer tgk_000000000000000000000000000000002wjyrI' })).rejects.toMatchObject({ message: 'Unknown token', reason: 'unknown' })
  })
})

describe('last used', () => {
  test('is written off the request path, at most once a minute per token', async () => {
    const { gate, tokens } = setup()
    const { token, record } = await tokens.create({ actorId: 'alice', name: 'ci' })
    const auth = { authorization: `Bearer ${token}` }
    now = T + 10
    await gate.authenticate(auth)
    expect((await tokens.get(record.id))?.lastUsedAt).toBeNull() // not yet: batched
    await internalsOf(gate, 'test').settle()
    expect((await tokens.get(record.id))?.lastUsedAt).toBe(T + 10)
    now = T + 69
    await gate.authenticate(auth)
    await internalsOf(gate, 'test').settle()
    expect((await tokens.get(record.id))?.lastUsedAt).toBe(T + 10)
    now = T + 70
    await gate.authenticate(auth)
    await internalsOf(gate, 'test').settle()
    expect((await tokens.get(record.id))?.lastUsedAt).toBe(T + 70)
  })

  test('a failed write never fails the request', async () => {
    const store = createMemoryTokenStore()
    const gate = createGate({}, { tokenStore: store, now: () => T })
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'ci' })
    const touch = jest.spyOn(store, 'touch').mockRejectedValue(new Error('disk full'))
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({ id: 'alice' })
    await internalsOf(gate, 'test').settle()
    expect(touch).toHaveBeenCalledTimes(1)
  })
})
