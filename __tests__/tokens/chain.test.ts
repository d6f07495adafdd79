/**
 * The token chain (lib/tokens/chain.ts) and its verified-token cache: one digest per request,
 * sources in order, synchronous while they are, answers checked once, successes remembered only
 * inside their validity window, forgetting by id, digest or all.
 */
import { createHash } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { InvalidTokenError, createGate, createJwt, createSignedToken } from 'tokengate'
import type { Gate, GateOptions, TokenContext, TokengateConfigInput } from 'tokengate'
import { internalsOf } from '../../lib/internal/gate-internals.js'
import { encodeSignedTokenPayload, signSignedTokenBody } from '../../lib/tokens/signed.js'
import { DEFAULT_CACHE_BYTES, VerifiedTokenCache, estimateEntryBytes } from '../../lib/tokens/verified-cache.js'
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

  describe('a custom source\'s actor is copied as plain data (security review, issue 9)', () => {
    const answering = (actor: unknown, cacheFor?: number) => ({
      name: 'custom',
      ...(cacheFor === undefined ? {} : { cacheFor }),
      verify: () => ({ actor: actor as never }),
    })

    test('an actor whose prototype says id "root" is refused, not taken for root', () => {
      const inherited = Object.assign(Object.create({ id: 'root' }) as object, { name: 'mallory' })
      const { verify } = setup({}, { tokenSources: [answering(inherited)], rootEnabled: true })
      expect(thrown(() => verify('x'))).toEqual(
        new TypeError('Token source "custom" must answer a JSON actor: the actor is not JSON data: it holds an object that is not plain data'),
      )
    })

    test('an own "__proto__" key stays a key of a copy with Object.prototype', () => {
      const given = JSON.parse('{"__proto__":{"id":"root"},"name":"mallory"}') as object
      const { verify, gate } = setup({}, { tokenSources: [answering(given, 60)], rootEnabled: true })
      const actor = verify('x')?.actor ?? {}
      expect(actor).not.toBe(given)
      expect(Object.getPrototypeOf(actor)).toBe(Object.prototype)
      expect(Object.hasOwn(actor, '__proto__')).toBe(true)
      expect(actor['id']).toBeUndefined()
      expect(gate.allowed(actor, 'permissions-debug')).toBe(false)
    })

    test('a deep actor is 401 invalid_claims; a Date in it is a programming error', () => {
      let deep: Record<string, unknown> = {}
      for (let i = 0; i < 5000; i++) deep = { a: deep }
      const tooDeep = setup({}, { tokenSources: [answering(deep)] })
      expect(thrown(() => tooDeep.verify('x'))).toMatchObject({ message: 'Invalid token: the actor is nested more than 32 levels deep', reason: 'invalid_claims' })
      const dated = setup({}, { tokenSources: [answering({ id: 'a', since: new Date(0) })] })
      expect(thrown(() => dated.verify('x'))).toBeInstanceOf(TypeError)
      // Near miss: undefined values are left out, as JSON.stringify does.
      const plain = setup({}, { tokenSources: [answering({ id: 'a', email: undefined })] })
      expect(plain.verify('x')?.actor).toStrictEqual({ id: 'a' })
    })
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

describe('the size of _r is capped (security review, issue 9)', () => {
  /** `_r` with `count` grants, one action name each (short, so a dstok_ payload stays under 64 KiB). */
  function grants(count: number): { a: string[] } {
    return { a: Array.from({ length: count }, () => 'vt') }
  }
  const message = 'Invalid token: _r has 10001 grants; a token may carry at most 10000'

  test.each([
    ['a dstok_ token', (restrictions: object) => createSignedToken({ actorId: 'alice', secret: SECRET, now: T, restrictions })],
    ['a JWT', (restrictions: object) => createJwt({ actorId: 'alice', secret: SECRET, now: T, restrictions })],
  ])('%s with 10,001 grants is 401 invalid_restrictions; with 10,000 it verifies', (_kind, make) => {
    const { verify } = setup({ secret: SECRET, jwt: { algorithms: ['HS256'], secret: SECRET } })
    // createSignedToken and createJwt refuse too many grants themselves: sign the payload by hand.
    const over = grants(10_001)
    const token = (() => {
      try {
        return make(over)
      } catch {
        return null
      }
    })()
    const presented = token ?? craftOver(_kind, over)
    expect(thrown(() => verify(presented))).toMatchObject({ message, reason: 'invalid_restrictions', status: 401 })
    expect(verify(make(grants(10_000)))?.actor).toMatchObject({ id: 'alice' })
  })

  test('a custom source\'s actor with 10,001 grants is refused the same way', () => {
    const { verify } = setup({}, { tokenSources: [{ name: 'custom', verify: () => ({ actor: { id: 'a', _r: grants(10_001) } }) }] })
    expect(thrown(() => verify('x'))).toMatchObject({ message, reason: 'invalid_restrictions' })
  })

  function craftOver(kind: string, restrictions: object): string {
    if (kind === 'a JWT') return jwt.sign({ sub: 'alice', iat: T, _r: restrictions }, SECRET, { algorithm: 'HS256' })
    return signSignedTokenBody(encodeSignedTokenPayload(JSON.stringify({ a: 'alice', t: T, _r: restrictions })), SECRET)
  }
})

describe('the verified-token cache is bounded by memory too (security review, issue 9)', () => {
  const withActor = (actor: Record<string, unknown>) => ({ actor, source: 's', tokenId: null, expiresAt: null, rateLimit: null })
  /** An actor whose JSON is exactly `length` characters long. */
  const sized = (length: number) => ({ pad: 'x'.repeat(length - '{"pad":""}'.length) })

  test('an entry is estimated once, as 10 bytes per character of its actor\'s JSON plus 512', () => {
    expect(estimateEntryBytes(withActor(sized(1000)))).toBe(10_512)
  })

  test('the least recently used entries are dropped until the estimate is under the budget', () => {
    const cache = new VerifiedTokenCache(1000, 3 * 10_512) // room for three 1,000-character actors
    for (const name of ['a', 'b', 'c']) cache.set(`digest-${name}`, withActor(sized(1000)), T, Infinity, null)
    expect(cache.length).toBe(3)
    expect(cache.get('digest-a', T)).toBeDefined() // a is now the most recently used
    cache.set('digest-d', withActor(sized(1000)), T, Infinity, null)
    expect(cache.length).toBe(3)
    expect(cache.get('digest-b', T)).toBeUndefined()
    cache.set('digest-big', withActor(sized(2000)), T, Infinity, null) // takes the room of two
    expect(cache.length).toBe(2)
    expect(cache.get('digest-big', T)).toBeDefined()
    expect(cache.bytes).toBeLessThanOrEqual(3 * 10_512)
  })

  test('an entry larger than the whole budget is not remembered, and evicts nothing', () => {
    const cache = new VerifiedTokenCache(1000, 50_000)
    cache.set('digest-a', withActor(sized(100)), T, Infinity, null)
    cache.set('digest-huge', withActor(sized(10_000)), T, Infinity, null) // about 100 KB
    expect(cache.get('digest-huge', T)).toBeUndefined()
    expect(cache.get('digest-a', T)).toBeDefined()
  })

  test('forget and clear give the bytes back', () => {
    const cache = new VerifiedTokenCache(1000, 100_000)
    cache.set('digest-a', withActor(sized(1000)), T, Infinity, null)
    cache.forget({ digest: 'digest-a' })
    expect(cache.bytes).toBe(0)
    cache.set('digest-b', withActor(sized(1000)), T, Infinity, null)
    cache.clear()
    expect(cache.bytes).toBe(0)
  })

  test('the gate takes the budget as tokenCacheBytes, 32 MiB by default, and refuses a bad one', () => {
    const { verify, chain } = setup({ secret: SECRET }, { tokenCacheBytes: 0 })
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T })
    expect(verify(token)).not.toBe(verify(token)) // 0 bytes: nothing is remembered
    expect(chain).toBeDefined()
    expect(DEFAULT_CACHE_BYTES).toBe(32 * 1024 * 1024)
    expect(thrown(() => createGate({}, { tokenCacheBytes: -1 }))).toEqual(
      new TypeError('"tokenCacheBytes" option must be a non-negative integer number of bytes (0 turns the cache off)'),
    )
  })
})
