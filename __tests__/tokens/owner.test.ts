/**
 * resolveActor (SPEC section 9, "Owners"): every token that names an owner by id resolves
 * through it (managed, dstok_, tokens file, JWT sub), a static token does not; null refuses the
 * token (401 Token owner no longer exists, reason owner_gone); the token's own keys win and a
 * _r from resolveActor is dropped; nothing resolved is remembered longer than the cache lifetime.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Actor, InvalidTokenError, createGate, createJwt, createMemoryTokenStore, createOfflineToken, writeTokensFile } from 'tokengate'
import { thrown } from '../helpers/thrown.js'

const T = 1_800_000_000
const SECRET = 'owner-test-secret'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokengate-owner-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A gate with every kind of token, whose users live in `users`. */
async function setup(resolve: (id: string | number) => Actor | null | Promise<Actor | null>) {
  let now = T
  const file = join(dir, `tokens-${Math.random()}.json`)
  const offline = createOfflineToken()
  writeTokensFile(file, { tokens: [{ token: offline, name: 'ingest', permissions: ['db:docs:read'], owner: 'alice' }] })
  const calls: (string | number)[] = []
  const gate = createGate(
    { tokens: [{ token: 'static-secret-token', actor: { id: 'alice', role: 'configured' } }], tokens_file: file },
    {
      secret: SECRET,
      jwt: { algorithms: ['HS256'], secret: SECRET },
      tokenStore: createMemoryTokenStore(),
      now: () => now,
      resolveActor: (id) => {
        calls.push(id)
        return resolve(id)
      },
    },
  )
  const managed = await gate.tokens!.create({ actorId: 'alice', name: 'm', restrictions: { a: ['vt'] }, expiresAfter: 3600 })
  const tokens = {
    managed: managed.token,
    dstok: gate.createSignedToken({ actorId: 'alice', restrictions: { a: ['vt'] } }),
    tokensFile: offline,
    jwt: createJwt({ actorId: 'alice', secret: SECRET, now: T, restrictions: { a: ['vt'] } }),
    static: 'static-secret-token',
  }
  return { gate, tokens, calls, managedId: managed.record.id, setNow: (t: number) => (now = t) }
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` })

describe('every token that names an owner resolves through resolveActor', () => {
  test.each(['managed', 'dstok', 'tokensFile', 'jwt'] as const)('%s: the owner\'s current actor, with the token\'s own keys kept', async (kind) => {
    const { gate, tokens, calls } = await setup(() => ({ id: 'alice', team: 'red', token: 'forged', _r: { a: ['everything'] }, token_id: 'x' }))
    const actor = await gate.authenticate(auth(tokens[kind]))
    expect(calls).toEqual(['alice'])
    expect(actor).toMatchObject({ id: 'alice', team: 'red' })
    expect(actor?.['token']).toBe({ managed: 'managed', dstok: 'dstok', tokensFile: 'tokens_file', jwt: 'jwt' }[kind])
    // The token's restrictions, never the ones resolveActor returned.
    expect(actor?.['_r']).toEqual(kind === 'tokensFile' ? { d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] } } : { a: ['vt'] })
    expect(actor?.['token_id']).toEqual(kind === 'managed' ? expect.stringMatching(/^[0-9a-f]{16}$/) : undefined)
    if (kind !== 'managed') expect(Object.hasOwn(actor ?? {}, 'token_id')).toBe(false)
  })

  test.each(['managed', 'dstok', 'tokensFile', 'jwt'] as const)('%s: an owner that no longer exists → 401 Token owner no longer exists', async (kind) => {
    const { gate, tokens } = await setup(() => null)
    const error = await gate.authenticate(auth(tokens[kind])).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect([(error as InvalidTokenError).message, (error as InvalidTokenError).reason, (error as InvalidTokenError).status]).toEqual([
      'Token owner no longer exists',
      'owner_gone',
      401,
    ])
  })

  test('a static token carries its configured actor and is not resolved', async () => {
    const { gate, tokens, calls } = await setup(() => null)
    expect(await gate.authenticate(auth(tokens.static))).toEqual({ id: 'alice', role: 'configured' })
    expect(calls).toEqual([])
  })

  test('an async resolveActor works the same', async () => {
    const { gate, tokens } = await setup(async (id) => ({ id, async: true }))
    expect(await gate.authenticate(auth(tokens.dstok))).toMatchObject({ id: 'alice', async: true, token: 'dstok' })
  })

  test('what resolveActor throws fails the request as it is', async () => {
    const { gate, tokens } = await setup(() => {
      throw new RangeError('user database down')
    })
    await expect(gate.authenticate(auth(tokens.managed))).rejects.toThrow(new RangeError('user database down'))
  })

  test('an answer that is neither an object nor null is a TypeError (a bug in the application)', async () => {
    const { gate, tokens } = await setup(() => undefined as unknown as Actor)
    await expect(gate.authenticate(auth(tokens.jwt))).rejects.toThrow(/resolveActor must return the owner's actor \(a plain object\) or null, got undefined/)
  })
})

describe('a deleted owner stops working within the cache lifetime', () => {
  test.each(['managed', 'dstok', 'jwt'] as const)('%s', async (kind) => {
    const users = new Map<string, Actor>([['alice', { id: 'alice' }]])
    const { gate, tokens, calls, setNow } = await setup((id) => users.get(String(id)) ?? null)
    await gate.authenticate(auth(tokens[kind]))
    await gate.authenticate(auth(tokens[kind]))
    expect(calls).toHaveLength(1) // remembered…
    users.delete('alice')
    setNow(T + 4)
    await expect(gate.authenticate(auth(tokens[kind]))).resolves.toMatchObject({ id: 'alice' })
    setNow(T + 5) // … for the cache lifetime, 5 seconds, and no longer (a signed token alone would be cached until it expires)
    await expect(gate.authenticate(auth(tokens[kind]))).rejects.toMatchObject({ reason: 'owner_gone' })
  })
})

test('resolveActor must be a function', () => {
  expect(thrown(() => createGate({}, { resolveActor: 'alice' as never }))).toBeInstanceOf(TypeError)
})

describe('the owner\'s actor is copied as plain data (issue 9 applied to resolveActor)', () => {
  // JSON.parse makes "__proto__" an own key; copying it with `actor[key] = value` set the
  // actor's prototype instead, and the copy then failed as "not plain data" (a 500) or hid keys.
  const HOSTILE = '{"__proto__": {"id": "root"}, "id": "alice"}'

  /** A root-enabled gate whose unrestricted tokens of every kind that names an owner resolve through `resolve`. */
  async function rootGate(resolve: () => unknown) {
    const file = join(dir, `tokens-${Math.random()}.json`)
    const offline = createOfflineToken()
    writeTokensFile(file, { tokens: [{ token: offline, name: 'all', permissions: ['db:*:read,write'], owner: 'alice' }] })
    const gate = createGate(
      { tokens_file: file },
      { rootEnabled: true, secret: SECRET, jwt: { algorithms: ['HS256'], secret: SECRET }, tokenStore: createMemoryTokenStore(), now: () => T, resolveActor: () => resolve() as Actor },
    )
    const managed = await gate.tokens!.create({ actorId: 'alice', name: 'm' })
    const tokens = {
      managed: managed.token,
      dstok: gate.createSignedToken({ actorId: 'alice' }),
      tokensFile: offline,
      jwt: createJwt({ actorId: 'alice', secret: SECRET, now: T }),
    }
    return { gate, tokens }
  }

  test.each(['managed', 'dstok', 'tokensFile', 'jwt'] as const)('%s: a "__proto__" key stays a key, never a prototype, and never root', async (kind) => {
    const { gate, tokens } = await rootGate(() => JSON.parse(HOSTILE))
    const actor = (await gate.authenticate(auth(tokens[kind]))) as Actor
    expect(Object.getPrototypeOf(actor)).toBe(Object.prototype)
    expect(Object.hasOwn(actor, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(actor, '__proto__')?.value).toEqual({ id: 'root' })
    expect(actor['id']).toBe('alice')
    expect(gate.allowed(actor, 'permissions-debug')).toBe(false)
  })

  test('without an own id either: no id read through a prototype, not root', async () => {
    const { gate, tokens } = await rootGate(() => JSON.parse('{"__proto__": {"id": "root"}}'))
    const actor = (await gate.authenticate(auth(tokens.managed))) as Actor
    expect(Object.getPrototypeOf(actor)).toBe(Object.prototype)
    expect(actor['id']).toBeUndefined()
    expect(gate.allowed(actor, 'permissions-debug')).toBe(false)
  })

  test.each(['managed', 'dstok', 'tokensFile', 'jwt'] as const)('near miss, %s: an owner whose own id is root is root', async (kind) => {
    const { gate, tokens } = await rootGate(() => ({ id: 'root' }))
    const actor = (await gate.authenticate(auth(tokens[kind]))) as Actor
    expect(actor['id']).toBe('root')
    // The tokens-file token carries _r (db:*:read,write), which binds even root.
    expect(gate.allowed(actor, 'permissions-debug')).toBe(kind !== 'tokensFile')
  })

  test('an owner\'s actor nested too deep is a 401, not a stack overflow', async () => {
    let deep: Record<string, unknown> = { id: 'alice' }
    for (let i = 0; i < 5000; i++) deep = { id: 'alice', child: deep }
    const { gate, tokens } = await rootGate(() => deep)
    const error = await gate.authenticate(auth(tokens.managed)).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect([(error as InvalidTokenError).message, (error as InvalidTokenError).reason]).toEqual([
      "Invalid token: the owner's actor is nested more than 32 levels deep",
      'invalid_claims',
    ])
  })

  test('an owner\'s actor that is not JSON data is a TypeError naming resolveActor', async () => {
    const { gate, tokens } = await rootGate(() => ({ id: 'alice', when: new Date(0) }))
    await expect(gate.authenticate(auth(tokens.jwt))).rejects.toThrow(
      new TypeError("resolveActor must return the owner's actor as JSON data: the actor is not JSON data: it holds a Date"),
    )
  })
})
