/**
 * The token chain (lib/tokens/chain.ts) and its verified-token cache: one digest per request,
 * sources in order, synchronous while they are, answers checked once, successes remembered only
 * inside their validity window, forgetting by id, digest or all.
 */
import { createHash } from 'node:crypto'
import { InvalidTokenError, createGate, createJwt, createSignedToken } from 'tokengate'
import type { Gate, GateOptions, TokenContext, TokengateConfigInput } from 'tokengate'
import { internalsOf } from '../../lib/internal/gate-internals.js'
import { VerifiedTokenCache } from '../../lib/tokens/verified-cache.js'
import { thrown } from '../helpers/thrown.js'

const SECRET = 'cache-secret'
const T = 1_700_000_000

/** A gate on a clock the test moves. */
function setup(config: TokengateConfigInput = { secret: SECRET }, options: GateOptions = {}) {
  const clock = { now: T }
  const gate = createGate(config, { now: () => clock.now, ...options })
  /** The verified token, synchronously (every built-in source is synchronous). */
  const verify = (token: string) => {
    const result = internalsOf(gate, 'test').authenticate(`Bearer ${token}`, null, () => undefined)
    if (result instanceof Promise) throw new Error('expected the synchronous path')
    return result
  }
  return { gate, clock, verify, chain: internalsOf(gate, 'test').chain }
}

function expectExpired(run: () => unknown): void {
  const error = thrown(run)
  expect(error).toBeInstanceOf(InvalidTokenError)
  expect(error).toMatchObject({ message: 'Token has expired', reason: 'expired' })
}

describe('signed dstok_ tokens through the chain', () => {
  test('a token sent again is served from the cache: the same frozen verified token', () => {
    const { verify, clock } = setup()
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T, restrictions: { a: ['vt'] } })
    const first = verify(token)
    clock.now = T + 10
    expect(verify(token)).toBe(first)
    expect(first).toEqual({ actor: { id: 'alice', token: 'dstok', _r: { a: ['vt'] } }, source: 'dstok', tokenId: null, expiresAt: null, rateLimit: null })
    expect(Object.isFrozen(first?.actor)).toBe(true)
    expect(Object.isFrozen(first?.actor['_r'])).toBe(true)
  })

  test('expiry is checked on every request, cached or not', () => {
    const { verify, clock } = setup()
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T, expiresAfter: 60 })
    expect(verify(token)).toMatchObject({ actor: { id: 'alice', token_expires: T + 60 }, expiresAt: T + 60 })
    clock.now = T + 60
    expect(verify(token)).toMatchObject({ actor: { id: 'alice' } }) // now - t == lifetime: still valid
    clock.now = T + 61
    expectExpired(() => verify(token))
    expectExpired(() => verify(token)) // and it stays expired: the entry is gone, not re-added
  })

  test('the max TTL is applied to cached tokens too', () => {
    const { verify, clock } = setup({ secret: SECRET, settings: { max_signed_tokens_ttl: 30 } })
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T })
    clock.now = T + 30
    expect(verify(token)).toMatchObject({ actor: { token_expires: T + 30 } })
    clock.now = T + 31
    expectExpired(() => verify(token))
  })

  test('failures are never cached: a forged token fails every time', () => {
    const { verify } = setup()
    const forged = createSignedToken({ actorId: 'root', secret: 'not-the-secret', now: T })
    for (let i = 0; i < 3; i++) {
      expect(thrown(() => verify(forged))).toMatchObject({ message: 'Invalid token signature', reason: 'bad_signature' })
    }
  })

  test('tokenCacheSize 0 turns the cache off: every request verifies again', () => {
    const { verify } = setup({ secret: SECRET }, { tokenCacheSize: 0 })
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T })
    const first = verify(token)
    expect(verify(token)).not.toBe(first)
    expect(verify(token)).toEqual(first)
  })

  test('a bad tokenCacheSize is refused when the gate is created', () => {
    expect(() => createGate({}, { tokenCacheSize: -1 })).toThrow(
      '"tokenCacheSize" option must be a non-negative integer (0 turns the cache off)',
    )
    expect(() => createGate({}, { tokenCacheSize: 1.5 })).toThrow(TypeError)
  })
})

describe('JWTs through the chain', () => {
  const config = { jwt: { algorithms: ['HS256'], secret: SECRET } }

  test('a token sent again is served from the cache', () => {
    const { verify, clock } = setup(config)
    const token = createJwt({ actorId: 'alice', secret: SECRET, now: T, expiresAfter: 60 })
    const first = verify(token)
    clock.now = T + 1
    expect(verify(token)).toBe(first)
    expect(first).toMatchObject({ source: 'jwt', expiresAt: T + 60 })
  })

  test('exp is checked on every request, with the clock tolerance, as jsonwebtoken checks it', () => {
    const strict = setup(config)
    const token = createJwt({ actorId: 'alice', secret: SECRET, now: T, expiresAfter: 60 })
    strict.clock.now = T + 59
    expect(strict.verify(token)).toMatchObject({ actor: { id: 'alice' } })
    strict.clock.now = T + 60
    expectExpired(() => strict.verify(token)) // jsonwebtoken: expired once now >= exp

    const lenient = setup({ jwt: { ...config.jwt, clock_tolerance: 5 } })
    expect(lenient.verify(token)).toMatchObject({ actor: { id: 'alice' } })
    lenient.clock.now = T + 64
    expect(lenient.verify(token)).toMatchObject({ actor: { id: 'alice' } })
    lenient.clock.now = T + 65
    expectExpired(() => lenient.verify(token))
  })

  test('a token cached while valid is not served before its nbf (a clock that goes back)', () => {
    const { verify, clock } = setup(config)
    const jwt = jest.requireActual<typeof import('jsonwebtoken')>('jsonwebtoken')
    const token = jwt.sign({ sub: 'alice', iat: T, nbf: T + 10 }, SECRET, { algorithm: 'HS256' })
    clock.now = T + 10
    expect(verify(token)).toMatchObject({ actor: { id: 'alice' } })
    clock.now = T + 5
    expect(thrown(() => verify(token))).toMatchObject({ message: 'Token is not yet valid', reason: 'not_yet_valid' })
  })
})

describe('the chain: one digest, sources in order, answers checked once', () => {
  test('every source sees the same SHA-256 hex digest of the token, computed by the chain', () => {
    const seen: TokenContext[] = []
    const record = (name: string) => ({ name, verify: (_token: string, context: TokenContext) => (seen.push(context), null) })
    const { gate } = setup({}, { tokenSources: [record('one'), record('two')], unknownTokens: 'anonymous' })
    void gate.authenticate({ authorization: 'Bearer some-token' })
    const digest = createHash('sha256').update('some-token').digest('hex')
    expect(seen).toEqual([{ now: T, digest }, { now: T, digest }])
    expect(seen[0]).toBe(seen[1])
  })

  test('an asynchronous application source still works after synchronous ones decline', async () => {
    const gate = createGate(
      { tokens: [{ token: 'static-one', actor: { id: 'static' } }] },
      {
        tokenSources: [
          { name: 'async', verify: async (token) => (token === 'async-one' ? { actor: { id: 'async' } } : null) },
          { name: 'later', verify: (token) => (token === 'later-one' ? { actor: { id: 'later' }, tokenId: 'k1' } : null) },
        ],
      },
    )
    expect(await gate.authenticate({ authorization: 'Bearer static-one' })).toEqual({ id: 'static' })
    expect(await gate.authenticate({ authorization: 'Bearer async-one' })).toEqual({ id: 'async' })
    expect(await gate.authenticate({ authorization: 'Bearer later-one' })).toEqual({ id: 'later' })
    await expect(gate.authenticate({ authorization: 'Bearer nobody' })).rejects.toMatchObject({
      message: 'Unknown token',
      reason: 'unknown',
      realm: 'tokengate',
    })
  })

  test('a source that answers something other than { actor } is a programming error', () => {
    const { verify } = setup({}, { tokenSources: [{ name: 'sloppy', verify: () => ({ id: 'alice' }) as never }] })
    expect(thrown(() => verify('x'))).toEqual(
      new TypeError('Token source "sloppy" must answer null or { actor, tokenId?, expiresAt? } with a plain-object actor'),
    )
  })

  test('a source is remembered only when it says for how long (cacheFor)', () => {
    let calls = 0
    const counting = (cacheFor?: number) => ({
      name: 'counting',
      ...(cacheFor === undefined ? {} : { cacheFor }),
      verify: () => ((calls += 1), { actor: { id: 'a' }, tokenId: 'id-1' }),
    })
    const uncached = setup({}, { tokenSources: [counting()] })
    uncached.verify('k')
    uncached.verify('k')
    expect(calls).toBe(2)

    calls = 0
    const cached = setup({}, { tokenSources: [counting(5)] })
    cached.verify('k')
    cached.verify('k')
    expect(calls).toBe(1)
    cached.clock.now = T + 5 // the entry's own deadline
    cached.verify('k')
    expect(calls).toBe(2)
  })

  test('authenticate always returns a promise, and rejects rather than throws', async () => {
    const gate = createGate({}, { realm: 'docs' })
    const result = gate.authenticate({ authorization: 'Bearer' })
    expect(result).toBeInstanceOf(Promise)
    await expect(result).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', realm: 'docs' })
  })
})

describe('forgetting verified tokens', () => {
  function managedLike(): { gate: Gate; calls: () => number; verify: (token: string) => unknown; forget: ReturnType<typeof setup>['chain'] } {
    let calls = 0
    const { gate, verify, chain } = setup(
      {},
      { tokenSources: [{ name: 'store', cacheFor: 60, verify: (token) => ((calls += 1), { actor: { id: 'a' }, tokenId: `id-${token}` }) }] },
    )
    return { gate, calls: () => calls, verify, forget: chain }
  }

  test('by token id', () => {
    const { verify, calls, forget } = managedLike()
    verify('one')
    verify('two')
    forget.forget({ tokenId: 'id-one' })
    verify('one')
    verify('two')
    expect(calls()).toBe(3) // only "one" was asked again
  })

  test('by digest', () => {
    const { verify, calls, forget } = managedLike()
    verify('one')
    forget.forget({ digest: createHash('sha256').update('one').digest('hex') })
    verify('one')
    expect(calls()).toBe(2)
  })

  test('everything', () => {
    const { verify, calls, forget } = managedLike()
    verify('one')
    verify('two')
    forget.clear()
    verify('one')
    verify('two')
    expect(calls()).toBe(4)
  })
})

describe('VerifiedTokenCache', () => {
  const verified = (id: string, tokenId: string | null = null) => ({ actor: { id }, source: 's', tokenId, expiresAt: null, rateLimit: null })

  test('keeps at most size entries, dropping the least recently used', () => {
    const cache = new VerifiedTokenCache(2)
    const a = verified('a')
    cache.set('digest-a', a, T, Infinity, null)
    cache.set('digest-b', verified('b'), T, Infinity, null)
    expect(cache.get('digest-a', T)).toBe(a) // a is now the most recently used
    cache.set('digest-c', verified('c'), T, Infinity, null)
    expect(cache.length).toBe(2)
    expect(cache.get('digest-b', T)).toBeUndefined()
    expect(cache.get('digest-a', T)).toBe(a)
    expect(cache.get('digest-c', T)).toEqual(verified('c'))
  })

  test('an entry outside its window is dropped', () => {
    const cache = new VerifiedTokenCache(10)
    cache.set('digest-a', { ...verified('a'), expiresAt: T + 1 }, T, Infinity, T - 5)
    expect(cache.get('digest-a', T)).toEqual({ ...verified('a'), expiresAt: T + 1 })
    expect(cache.get('digest-a', T - 6)).toBeUndefined() // before notBefore
    cache.set('digest-a', { ...verified('a'), expiresAt: T + 1 }, T, Infinity, null)
    expect(cache.get('digest-a', T + 1)).toBeUndefined() // at expiresAt: a miss, verified afresh
    expect(cache.length).toBe(0)
  })

  test('an evicted or replaced entry leaves no id behind', () => {
    const cache = new VerifiedTokenCache(1)
    cache.set('digest-a', verified('a', 'id-a'), T, Infinity, null)
    cache.set('digest-b', verified('b', 'id-b'), T, Infinity, null)
    cache.forget({ tokenId: 'id-a' })
    expect(cache.get('digest-b', T)).toEqual(verified('b', 'id-b'))
  })
})
