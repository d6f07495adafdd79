import { InvalidTokenError, createGate, createJwt, createSignedToken, jwtTokenSource, signedTokenSource } from 'tokengate'
import type { Actor, TokenSource } from 'tokengate'
import { VerifiedTokenCache } from '../../lib/tokens/verified-cache.js'
import { thrown } from '../helpers/thrown.js'

const SECRET = 'cache-secret'
const T = 1_700_000_000

function verify(source: TokenSource, token: string, now: number): Actor | null {
  return source.verify(token, { now }) as Actor | null
}

function expectExpired(source: TokenSource, token: string, now: number): void {
  const error = thrown(() => verify(source, token, now))
  expect(error).toBeInstanceOf(InvalidTokenError)
  expect(error).toMatchObject({ message: 'Token has expired' })
}

describe('signed dstok_ tokens: the verified-token cache', () => {
  test('a token sent again is served from the cache: the same frozen actor', () => {
    const source = signedTokenSource({ secrets: [SECRET] })
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T, restrictions: { a: ['vt'] } })
    const first = verify(source, token, T)
    const second = verify(source, token, T + 10)
    expect(second).toBe(first)
    expect(first).toEqual({ id: 'alice', token: 'dstok', _r: { a: ['vt'] } })
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first?.['_r'])).toBe(true)
  })

  test('expiry is checked on every request, cached or not', () => {
    const source = signedTokenSource({ secrets: [SECRET] })
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T, expiresAfter: 60 })
    expect(verify(source, token, T)).toMatchObject({ id: 'alice', token_expires: T + 60 })
    expect(verify(source, token, T + 60)).toMatchObject({ id: 'alice' }) // now - t == lifetime: still valid
    expectExpired(source, token, T + 61)
    expectExpired(source, token, T + 61) // and it stays expired: the entry is gone, not re-added
  })

  test('the max TTL is applied to cached tokens too', () => {
    const source = signedTokenSource({ secrets: [SECRET], maxTtl: 30 })
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T })
    expect(verify(source, token, T + 30)).toMatchObject({ token_expires: T + 30 })
    expectExpired(source, token, T + 31)
  })

  test('failures are never cached: a forged token fails every time', () => {
    const source = signedTokenSource({ secrets: [SECRET] })
    const forged = createSignedToken({ actorId: 'root', secret: 'not-the-secret', now: T })
    for (let i = 0; i < 3; i++) {
      expect(thrown(() => verify(source, forged, T))).toMatchObject({ message: 'Invalid token signature' })
    }
  })

  test('cacheSize 0 turns the cache off: every call verifies again', () => {
    const source = signedTokenSource({ secrets: [SECRET], cacheSize: 0 })
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: T })
    const first = verify(source, token, T)
    expect(verify(source, token, T)).not.toBe(first)
    expect(verify(source, token, T)).toEqual(first)
  })

  test('a bad cacheSize is refused when the source is created', () => {
    expect(() => signedTokenSource({ secrets: [SECRET], cacheSize: -1 })).toThrow(
      '"cacheSize" option must be a non-negative integer (0 turns the cache off)',
    )
    expect(() => signedTokenSource({ secrets: [SECRET], cacheSize: 1.5 })).toThrow(TypeError)
  })
})

describe('JWTs: the verified-token cache', () => {
  const options = { algorithms: ['HS256'], secret: SECRET }

  test('a token sent again is served from the cache', () => {
    const source = jwtTokenSource(options)
    const token = createJwt({ actorId: 'alice', secret: SECRET, now: T, expiresAfter: 60 })
    const first = verify(source, token, T)
    expect(verify(source, token, T + 1)).toBe(first)
  })

  test('exp is checked on every request, with the clock tolerance, as jsonwebtoken checks it', () => {
    const strict = jwtTokenSource(options)
    const token = createJwt({ actorId: 'alice', secret: SECRET, now: T, expiresAfter: 60 })
    expect(verify(strict, token, T + 59)).toMatchObject({ id: 'alice' })
    expectExpired(strict, token, T + 60) // jsonwebtoken: expired once now >= exp

    const lenient = jwtTokenSource({ ...options, clockTolerance: 5 })
    expect(verify(lenient, token, T)).toMatchObject({ id: 'alice' })
    expect(verify(lenient, token, T + 64)).toMatchObject({ id: 'alice' })
    expectExpired(lenient, token, T + 65)
  })

  test('a token cached while valid is not served before its nbf (a clock that goes back)', () => {
    const source = jwtTokenSource(options)
    const jwt = jest.requireActual<typeof import('jsonwebtoken')>('jsonwebtoken')
    const token = jwt.sign({ sub: 'alice', iat: T, nbf: T + 10 }, SECRET, { algorithm: 'HS256' })
    expect(verify(source, token, T + 10)).toMatchObject({ id: 'alice' })
    const error = thrown(() => verify(source, token, T + 5))
    expect(error).toMatchObject({ message: 'Token is not yet valid' })
  })
})

describe('VerifiedTokenCache', () => {
  const always = (): boolean => true

  test('keeps at most size entries, dropping the least recently used', () => {
    const cache = new VerifiedTokenCache(2)
    const a = cache.set('token-a', { id: 'a' }, always)
    cache.set('token-b', { id: 'b' }, always)
    expect(cache.get('token-a', T)).toBe(a) // a is now the most recently used
    cache.set('token-c', { id: 'c' }, always)
    expect(cache.length).toBe(2)
    expect(cache.get('token-b', T)).toBeUndefined()
    expect(cache.get('token-a', T)).toBe(a)
    expect(cache.get('token-c', T)).toEqual({ id: 'c' })
  })

  test('an entry outside its window is dropped', () => {
    const cache = new VerifiedTokenCache(10)
    cache.set('token-a', { id: 'a' }, (now) => now <= T)
    expect(cache.get('token-a', T)).toEqual({ id: 'a' })
    expect(cache.get('token-a', T + 1)).toBeUndefined()
    expect(cache.length).toBe(0)
  })
})

describe('the gate: tokenCacheSize and the synchronous path', () => {
  test('tokenCacheSize reaches the signed and JWT sources', async () => {
    const config = { secret: SECRET, jwt: { algorithms: ['HS256'], secret: SECRET } }
    const cached = createGate(config, { now: () => T })
    const uncached = createGate(config, { now: () => T, tokenCacheSize: 0 })
    const dstok = createSignedToken({ actorId: 'alice', secret: SECRET, now: T })
    const jwtToken = createJwt({ actorId: 'alice', secret: SECRET, now: T, expiresAfter: 60 })
    for (const token of [dstok, jwtToken]) {
      const input = { authorization: `Bearer ${token}` }
      expect(await cached.authenticate(input)).toBe(await cached.authenticate(input))
      expect(await uncached.authenticate(input)).not.toBe(await uncached.authenticate(input))
    }
    expect(() => createGate({}, { tokenCacheSize: -5 })).toThrow('"tokenCacheSize" option must be a non-negative integer')
  })

  test('an asynchronous application source still works after synchronous ones decline', async () => {
    const gate = createGate(
      { tokens: [{ token: 'static-one', actor: { id: 'static' } }] },
      {
        tokenSources: [
          { name: 'async', verify: async (token) => (token === 'async-one' ? { id: 'async' } : null) },
          { name: 'later', verify: (token) => (token === 'later-one' ? { id: 'later' } : null) },
        ],
      },
    )
    expect(await gate.authenticate({ authorization: 'Bearer static-one' })).toEqual({ id: 'static' })
    expect(await gate.authenticate({ authorization: 'Bearer async-one' })).toEqual({ id: 'async' })
    expect(await gate.authenticate({ authorization: 'Bearer later-one' })).toEqual({ id: 'later' })
    await expect(gate.authenticate({ authorization: 'Bearer nobody' })).rejects.toMatchObject({
      message: 'Unknown token',
      realm: 'tokengate',
    })
  })

  test('authenticate always returns a promise, and rejects rather than throws', async () => {
    const gate = createGate({}, { realm: 'docs' })
    const result = gate.authenticate({ authorization: 'Bearer' })
    expect(result).toBeInstanceOf(Promise)
    await expect(result).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', realm: 'docs' })
  })
})
