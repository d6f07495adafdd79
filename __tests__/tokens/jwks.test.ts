/**
 * JWTs verified with an identity provider's key set (`jwt.jwks_uri` / the `jwksUri` option),
 * against a real JWKS server on 127.0.0.1 whose keys the tests rotate: kid selection, a key
 * added by a rotation (one refetch), caching, the rate-limited refetch on an unknown kid, the
 * 503 when the set cannot be fetched (never a 500, never a pass), the algorithm allow-list that
 * the key set never overrides, and option and configuration misuse.
 */
import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import jwt from 'jsonwebtoken'
import request from 'supertest'
import { ConfigError, InvalidTokenError, StoreUnavailableError, createGate, jwtTokenSource, tokenAuth, requirePermission } from 'tokengate'
import type { Actor, Gate, GateOptions, JwtSourceOptions } from 'tokengate'
import { tokenDigest } from '../../lib/internal/token-digest.js'

const NOW = 1_700_000_000

interface Pair {
  kid: string
  privateKey: KeyObject
  jwk: Record<string, unknown>
}

function rsaPair(kid: string, extra: Record<string, unknown> = { alg: 'RS256', use: 'sig' }): Pair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, ...extra } }
}

const A = rsaPair('key-a')
const B = rsaPair('key-b')
const C = rsaPair('key-c')
const RS512_KEY = rsaPair('key-512', { alg: 'RS512', use: 'sig' })
const EC_KEY = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return { kid: 'key-ec', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'key-ec', use: 'sig' } }
})()

/** An RS256 (or other) JWT for `sub`, signed with a pair, naming its kid unless told not to. */
function token(pair: Pair, sub = 'alice', options: { algorithm?: jwt.Algorithm; kid?: string | null; claims?: object } = {}): string {
  const kid = options.kid === undefined ? pair.kid : options.kid
  return jwt.sign({ sub, iat: NOW - 10, exp: NOW + 3600, ...options.claims }, pair.privateKey, {
    algorithm: options.algorithm ?? 'RS256',
    ...(kid === null ? {} : { keyid: kid }),
  })
}

/** The JWKS server: what it serves, how, and how often it was asked. */
const jwks = {
  keys: [] as Record<string, unknown>[],
  mode: 'up' as 'up' | 'error' | 'garbage' | 'hang',
  fetches: 0,
}
let server: Server
let uri: string

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end()
      return
    }
    jwks.fetches++
    if (jwks.mode === 'hang') return // never answers: the fetch must time out
    if (jwks.mode === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('identity provider down')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(jwks.mode === 'garbage' ? '<html>not a key set' : JSON.stringify({ keys: jwks.keys }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(() => {
  jwks.keys = [A.jwk]
  jwks.mode = 'up'
  jwks.fetches = 0
})

/** A fresh gate (its own key cache) verifying RS256 with the test server's key set. */
function gateWith(jwtOptions: Partial<JwtSourceOptions> = {}, options: GateOptions = {}): Gate {
  return createGate({}, { now: () => NOW, jwt: { algorithms: ['RS256'], jwksUri: uri, ...jwtOptions }, ...options })
}

const authenticate = (gate: Gate, jwtToken: string): Promise<Actor | null> => gate.authenticate({ authorization: `Bearer ${jwtToken}` })

/** The error authenticate rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection, but the promise resolved')
}

describe('an RS256 JWT from a rotating key set', () => {
  test('verifies before and after the provider rotates its keys, with one fetch per new kid', async () => {
    const gate = gateWith()
    expect(await authenticate(gate, token(A))).toEqual({ id: 'alice', token: 'jwt', token_expires: NOW + 3600 })
    expect(jwks.fetches).toBe(1)

    // Rotation: the provider publishes B next to A, then signs with B.
    jwks.keys = [A.jwk, B.jwk]
    expect(await authenticate(gate, token(B, 'bob'))).toEqual({ id: 'bob', token: 'jwt', token_expires: NOW + 3600 })
    expect(jwks.fetches).toBe(2)

    // A has left the set, but was fetched a moment ago: tokens it signed still verify until the
    // key cache ages out (600 s by default), without a fetch.
    jwks.keys = [B.jwk]
    expect(await authenticate(gate, token(A, 'carol'))).toMatchObject({ id: 'carol' })
    expect(await authenticate(gate, token(B, 'dave'))).toMatchObject({ id: 'dave' })
    expect(jwks.fetches).toBe(2)
  })

  test('through Express: the async path answers 200 for the new key and 401 for a forged one', async () => {
    const app = express()
    app.use(tokenAuth({ databases: { docs: { tables: { documents: { permissions: { 'insert-row': { id: 'alice' } } } } } } }, { now: () => NOW, jwt: { algorithms: ['RS256'], jwksUri: uri } }))
    app.get('/docs/documents/insert', requirePermission('insert-row', 'docs', 'documents'), (req, res) => res.json({ actor: req.actor }))
    jwks.keys = [B.jwk]
    const ok = await request(app).get('/docs/documents/insert').set('Authorization', `Bearer ${token(B)}`)
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ actor: { id: 'alice', token: 'jwt', token_expires: NOW + 3600 } })
    // signed with C but claiming B's kid
    const forged = await request(app).get('/docs/documents/insert').set('Authorization', `Bearer ${token(C, 'alice', { kid: B.kid })}`)
    expect(forged.status).toBe(401)
    expect(forged.body).toEqual({ ok: false, error: 'Invalid token signature', errors: ['Invalid token signature'], status: 401 })
    expect(forged.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="invalid_token"')
  })

  test('a fetched key is cached: many tokens of one kid make one fetch', async () => {
    const gate = gateWith()
    for (const sub of ['a1', 'a2', 'a3', 'a4', 'a5']) expect(await authenticate(gate, token(A, sub))).toMatchObject({ id: sub })
    expect(jwks.fetches).toBe(1)
  })

  test('a key removed from the set stops verifying once the key cache ages out (jwksCacheMaxAge)', async () => {
    let clock = NOW
    const gate = gateWith({ jwksCacheMaxAge: 0.2 }, { now: () => clock })
    const seen = token(A, 'erin')
    expect(await authenticate(gate, seen)).toMatchObject({ id: 'erin' })
    jwks.keys = [B.jwk]
    // jwks-rsa ages its keys by the system clock, the verified-token cache by the gate's.
    await new Promise((resolve) => setTimeout(resolve, 300))
    clock = NOW + 1
    // The verified-token cache ages out with the keys, so even the token already seen is refused.
    const error = await rejection(authenticate(gate, seen))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({ reason: 'bad_signature', message: 'Invalid token: no key in the key set matches its kid' })
    expect(jwks.fetches).toBe(2)
  })
})

describe('kid selection', () => {
  test('an unknown kid makes one refetch, then 401 bad_signature', async () => {
    const gate = gateWith()
    const error = await rejection(authenticate(gate, token(C)))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({ code: 'ERR_INVALID_TOKEN', reason: 'bad_signature', message: 'Invalid token: no key in the key set matches its kid' })
    expect(jwks.fetches).toBe(1)
    // near miss: the provider publishes C; the next token of C is fetched and verifies
    jwks.keys = [A.jwk, C.jwk]
    expect(await authenticate(gate, token(C))).toMatchObject({ id: 'alice' })
  })

  test('a token without kid is verified when the set holds exactly one key', async () => {
    expect(await authenticate(gateWith(), token(A, 'alice', { kid: null }))).toMatchObject({ id: 'alice' })
  })

  test('a token without kid is refused when the set holds several keys', async () => {
    jwks.keys = [A.jwk, B.jwk]
    const error = await rejection(authenticate(gateWith(), token(A, 'alice', { kid: null })))
    expect(error).toMatchObject({ reason: 'bad_signature', message: 'Invalid token: it names no kid, and the key set holds several keys' })
  })

  test('a kid that is not a string is malformed', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 7 })).toString('base64url')
    const forged = `${header}.${token(A).split('.').slice(1).join('.')}`
    expect(await rejection(authenticate(gateWith(), forged))).toMatchObject({ reason: 'malformed', message: 'Invalid token: the kid header must be a non-empty string' })
    expect(jwks.fetches).toBe(0)
  })
})

describe('the algorithm comes from the allow-list, never from the key set or the token', () => {
  test("an alg outside the list is refused before any fetch", async () => {
    const error = await rejection(authenticate(gateWith(), token(A, 'alice', { algorithm: 'RS512' })))
    expect(error).toMatchObject({ reason: 'algorithm_not_allowed', message: 'Invalid token: algorithm not allowed' })
    expect(jwks.fetches).toBe(0)
  })

  test("a key whose JWK names another alg refuses the token", async () => {
    jwks.keys = [RS512_KEY.jwk]
    const gate = gateWith({ algorithms: ['RS256', 'RS512'] })
    const error = await rejection(authenticate(gate, token(RS512_KEY, 'alice', { algorithm: 'RS256' })))
    expect(error).toMatchObject({ reason: 'algorithm_not_allowed', message: 'Invalid token: its key is for RS512, not RS256' })
    // near miss: the same key for the alg it names
    expect(await authenticate(gate, token(RS512_KEY, 'alice', { algorithm: 'RS512' }))).toMatchObject({ id: 'alice' })
  })

  test('an EC key cannot verify an RS256 token, whatever kid the token names', async () => {
    jwks.keys = [EC_KEY.jwk]
    const gate = gateWith({ algorithms: ['RS256', 'ES256'] })
    const error = await rejection(authenticate(gate, token(A, 'alice', { kid: EC_KEY.kid })))
    expect(error).toMatchObject({ reason: 'algorithm_not_allowed', message: 'Invalid token: its key cannot verify RS256' })
    expect(await authenticate(gate, token(EC_KEY, 'alice', { algorithm: 'ES256' }))).toMatchObject({ id: 'alice' })
  })

  test('HS256 tokens beside a key set keep the synchronous path and their own secret', () => {
    const source = jwtTokenSource({ algorithms: ['HS256', 'RS256'], secret: 'an-hmac-secret-of-more-than-32-bytes!', jwksUri: uri })
    const hs = jwt.sign({ sub: 'alice' }, 'an-hmac-secret-of-more-than-32-bytes!', { algorithm: 'HS256' })
    const answer = source.verify(hs, { now: NOW, digest: tokenDigest(hs) })
    expect(answer).not.toBeInstanceOf(Promise)
    expect(answer).toMatchObject({ actor: { id: 'alice', token: 'jwt' } })
    const rs = source.verify(token(A), { now: NOW, digest: tokenDigest(token(A)) })
    expect(rs).toBeInstanceOf(Promise)
    return expect(rs).resolves.toMatchObject({ actor: { id: 'alice' } })
  })
})

describe('a key set that cannot be fetched: 503 for a key not cached, never a 500, never a pass', () => {
  test.each([
    ['answers 500', 'error'],
    ['answers something that is not a key set', 'garbage'],
  ] as const)('the endpoint %s', async (_label, mode) => {
    jwks.mode = mode
    const error = await rejection(authenticate(gateWith(), token(A)))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error).toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      status: 503,
      expose: true,
      retryAfter: 5,
      message: 'Signing keys unavailable: the key set could not be fetched',
      headers: { 'Retry-After': '5' },
    })
  })

  test('the endpoint hangs: the fetch times out (jwksTimeout) and the answer is 503', async () => {
    jwks.mode = 'hang'
    const error = await rejection(authenticate(gateWith({ jwksTimeout: 0.2 }), token(A)))
    expect(error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: 'Signing keys unavailable: the key set could not be fetched' })
  })

  test('nothing listens: 503 through Express with Retry-After; a key fetched before still verifies', async () => {
    const down = createServer()
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve))
    const port = (down.address() as AddressInfo).port
    const gate = gateWith({ jwksUri: `http://127.0.0.1:${port}/jwks.json` })
    await new Promise((resolve) => down.close(resolve)) // the port now refuses connections
    const app = express()
    app.use(tokenAuth(gate))
    app.get('/open', (req, res) => res.json({ actor: req.actor }))
    const res = await request(app).get('/open').set('Authorization', `Bearer ${token(A)}`)
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.headers['www-authenticate']).toBeUndefined()
    expect(res.body).toEqual({
      ok: false,
      error: 'Signing keys unavailable: the key set could not be fetched',
      errors: ['Signing keys unavailable: the key set could not be fetched'],
      status: 503,
    })

    // near miss: a gate that fetched A while its provider was up keeps verifying A's tokens
    const cached = gateWith()
    expect(await authenticate(cached, token(A, 'first'))).toMatchObject({ id: 'first' })
    jwks.mode = 'error'
    expect(await authenticate(cached, token(A, 'second'))).toMatchObject({ id: 'second' })
    expect(await rejection(authenticate(cached, token(B)))).toBeInstanceOf(StoreUnavailableError)
  })
})

describe('rate-limited refetching', () => {
  test('a flood of unknown kids makes at most jwksRequestsPerMinute fetches; the rest are 503 with Retry-After', async () => {
    const gate = gateWith({ jwksRequestsPerMinute: 3 })
    expect(await authenticate(gate, token(A))).toMatchObject({ id: 'alice' }) // fetch 1
    const outcomes: string[] = []
    for (let i = 0; i < 6; i++) {
      const error = await rejection(authenticate(gate, token(C, 'mallory', { kid: `made-up-${i}` })))
      outcomes.push(error instanceof StoreUnavailableError ? `503 ${error.retryAfter}` : `401 ${(error as InvalidTokenError).reason}`)
    }
    expect(outcomes).toEqual(['401 bad_signature', '401 bad_signature', '503 20', '503 20', '503 20', '503 20'])
    expect(jwks.fetches).toBe(3)
    const limited = await rejection(authenticate(gate, token(C, 'mallory', { kid: 'made-up-again' })))
    expect(limited).toMatchObject({ message: 'Signing keys unavailable: the key set was fetched too often; try again later' })
    // near miss: the cached key still verifies while the limit holds
    expect(await authenticate(gate, token(A, 'still-fine'))).toMatchObject({ id: 'still-fine' })
    expect(jwks.fetches).toBe(3)
  })
})

describe('the jwt block and the jwksUri option', () => {
  test('the configuration block verifies with the key set too', async () => {
    const gate = createGate({ jwt: { algorithms: ['RS256'], jwks_uri: uri, jwks_requests_per_minute: 5, jwks_cache_max_age: 60, jwks_timeout: 2 } }, { now: () => NOW })
    expect(await authenticate(gate, token(A))).toMatchObject({ id: 'alice', token: 'jwt' })
  })

  test.each<[string, JwtSourceOptions, string]>([
    ['plain http to another host', { algorithms: ['RS256'], jwksUri: 'http://id.example.com/jwks.json' }, '"jwksUri" option must use https: keys fetched over plain http could be replaced on the way (http is accepted only for localhost, 127.0.0.1 and [::1])'],
    ['not a URL', { algorithms: ['RS256'], jwksUri: 'id.example.com/jwks.json' }, '"jwksUri" option is not a valid URL; write the https:// URL of the JSON Web Key Set, such as https://id.example.com/.well-known/jwks.json'],
    ['another scheme', { algorithms: ['RS256'], jwksUri: 'file:///etc/jwks.json' }, '"jwksUri" option must be an https:// URL, got the file: scheme'],
    ['a public key too', { algorithms: ['RS256'], jwksUri: 'https://id.example.com/jwks.json', publicKey: A.jwk['n'] as string }, '"publicKey" option and "jwksUri" are both set: RS*, PS* and ES* tokens are verified with one or the other; keep one'],
    ['only HS256', { algorithms: ['HS256'], secret: 'an-hmac-secret-of-more-than-32-bytes!', jwksUri: 'https://id.example.com/jwks.json' }, '"jwksUri" option is set but only HS* algorithms are accepted: a key set verifies RS*, PS* and ES* tokens; remove it, or add RS256 (or the algorithm your identity provider signs with) to "algorithms"'],
    ['no key at all', { algorithms: ['RS256'] }, `"publicKey" option is required for RS256: pass the PEM public key, or the key set's URL as "jwksUri"`],
    ['a timeout without a key set', { algorithms: ['HS256'], secret: 'an-hmac-secret-of-more-than-32-bytes!', jwksTimeout: 2 }, '"jwksTimeout" option needs "jwksUri": it tunes how the key set is fetched'],
    ['a fractional rate', { algorithms: ['RS256'], jwksUri: 'https://id.example.com/jwks.json', jwksRequestsPerMinute: 1.5 }, '"jwksRequestsPerMinute" option must be a whole number, 1 or more, got 1.5'],
    ['a zero cache age', { algorithms: ['RS256'], jwksUri: 'https://id.example.com/jwks.json', jwksCacheMaxAge: 0 }, '"jwksCacheMaxAge" option must be a number of seconds, more than 0, got 0'],
  ])('misuse: %s → TypeError', (_label, options, message) => {
    expect(() => jwtTokenSource(options)).toThrow(new TypeError(message))
  })

  test('near miss: https to any host, and http to a loopback host, are accepted', () => {
    for (const jwksUri of ['https://id.example.com/.well-known/jwks.json', 'http://localhost:8080/jwks', 'http://[::1]:9/jwks']) {
      expect(jwtTokenSource({ algorithms: ['RS256'], jwksUri }).name).toBe('jwt')
    }
  })

  test.each<[string, object, string]>([
    ['plain http', { algorithms: ['RS256'], jwks_uri: 'http://id.example.com/jwks.json' }, 'jwt.jwks_uri: must use https'],
    ['a public key too', { algorithms: ['RS256'], jwks_uri: 'https://id.example.com/jwks.json', public_key: 'x' }, 'jwt.public_key: and jwt.jwks_uri are both set'],
    ['a zero rate', { algorithms: ['RS256'], jwks_uri: 'https://id.example.com/jwks.json', jwks_requests_per_minute: 0 }, 'jwt.jwks_requests_per_minute: must be at least 1; got the number 0'],
    ['a negative timeout', { algorithms: ['RS256'], jwks_uri: 'https://id.example.com/jwks.json', jwks_timeout: -1 }, 'jwt.jwks_timeout: must be more than 0; got the number -1'],
  ])('configuration: %s → ConfigError at its path', (_label, block, message) => {
    expect(() => createGate({ jwt: block } as never)).toThrow(ConfigError)
    expect(() => createGate({ jwt: block } as never)).toThrow(message)
  })
})

describe('JWS forms the library refuses apply to key-set tokens too (issue 9)', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  /** The same signature with its last character's unused low bits set: the same bytes, another string. */
  function sibling(segment: string): string {
    const unused = segment.length % 4 === 2 ? 0b1111 : segment.length % 4 === 3 ? 0b11 : 0
    const index = ALPHABET.indexOf(segment.slice(-1))
    return segment.slice(0, -1) + (ALPHABET[(index & ~unused) | unused] ?? '')
  }
  /** An RS256 JWT signed with A whose header is exactly `header` (kid included). */
  function signedWithHeader(header: object): string {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${b64(header)}.${b64({ sub: 'alice', iat: NOW - 10, exp: NOW + 3600 })}`
    return `${input}.${sign('sha256', Buffer.from(input), A.privateKey).toString('base64url')}`
  }

  test('an RS256 signature in a second spelling of the same bytes is refused before the key set is asked', async () => {
    const gate = gateWith()
    const good = token(A)
    expect(await authenticate(gate, good)).toMatchObject({ id: 'alice' })
    const parts = good.split('.')
    const variant = [parts[0], parts[1], sibling(parts[2] ?? '')].join('.')
    expect(variant).not.toBe(good)
    expect(Buffer.from(variant.split('.')[2] ?? '', 'base64url')).toEqual(Buffer.from(parts[2] ?? '', 'base64url'))
    const fetches = jwks.fetches
    const error = await rejection(authenticate(gateWith(), variant))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect([(error as InvalidTokenError).message, (error as InvalidTokenError).reason]).toEqual(['Invalid token: not canonical base64url', 'malformed'])
    expect(jwks.fetches).toBe(fetches)
  })

  test('a crit header is refused, even with a kid the key set holds', async () => {
    const error = await rejection(authenticate(gateWith(), signedWithHeader({ alg: 'RS256', kid: A.kid, crit: ['b64'], b64: false })))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect([(error as InvalidTokenError).message, (error as InvalidTokenError).reason]).toEqual(['Invalid token: unsupported critical header parameters', 'malformed'])
  })

  test('near miss: the same header without crit verifies through the key set', async () => {
    expect(await authenticate(gateWith(), signedWithHeader({ alg: 'RS256', kid: A.kid }))).toMatchObject({ id: 'alice', token: 'jwt' })
  })
})
