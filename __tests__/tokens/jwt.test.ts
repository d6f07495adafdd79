/**
 * JWTs (SPEC section 6, "JWTs"): which tokens the source claims, signature and algorithm checks
 * (the allow-list, `none`, the HS256-with-the-public-key confusion), time claims against the
 * gate's clock, issuer and audience, the claim-to-actor mapping, option misuse, the config
 * mapping and createJwt.
 */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import jwt from 'jsonwebtoken'
import { InvalidTokenError, createGate, createJwt, jwtTokenSource, loadConfig } from 'tokengate'
import type { Actor, JwtSourceOptions, TokenSource } from 'tokengate'
import { thrown } from '../helpers/thrown.js'
import { actorOf } from '../helpers/source.js'

const NOW = 1_700_000_000
const SECRET = 'a-test-hmac-secret-of-more-than-32-bytes'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const ec384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
const RSA_PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const RSA_PRIVATE_PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

/** A compact JWS from raw parts, signed with HMAC over `key` (or unsigned). */
function craft(header: unknown, payload: unknown, hmacKey?: string, hash = 'sha256'): string {
  const input = `${b64(JSON.stringify(header))}.${typeof payload === 'string' ? b64(payload) : b64(JSON.stringify(payload))}`
  if (hmacKey === undefined) return `${input}.`
  return `${input}.${createHmac(hash, hmacKey).update(input).digest('base64url')}`
}

function sign(payload: object, key: string | KeyObject = SECRET, algorithm: jwt.Algorithm = 'HS256'): string {
  return jwt.sign(payload, key, { algorithm, noTimestamp: true })
}

function hs256(options: Partial<JwtSourceOptions> = {}): TokenSource {
  return jwtTokenSource({ algorithms: ['HS256'], secret: SECRET, ...options })
}

function verifySync(source: TokenSource, token: string, now = NOW): Actor | null {
  return actorOf(source, token, now)
}

/** Asserts that verifying throws InvalidTokenError with exactly this message, and not the token. */
function expectInvalid(source: TokenSource, token: string, message: string, now = NOW): InvalidTokenError {
  const caught = thrown(() => verifySync(source, token, now))
  expect(caught).toBeInstanceOf(InvalidTokenError)
  const error = caught as InvalidTokenError
  expect(error.code).toBe('ERR_INVALID_TOKEN')
  expect(error.status).toBe(401)
  expect(error.message).toBe(message)
  expect(error.message).not.toContain(token.split('.')[2] || token)
  return error
}

describe('which tokens the JWT source claims', () => {
  const source = hs256()
  const dstokPayload = b64(JSON.stringify({ a: 'root', t: NOW }))
  const compressed = `.${deflateSync(JSON.stringify({ a: 'root', t: NOW, _r: { a: ['vi', 'vi', 'vi', 'vi', 'vi'] } })).toString('base64url')}`

  // Not mine: anything without the JWS compact shape and a JSON header with a string alg.
  test.each([
    ['a dstok_ token (one dot)', `dstok_${dstokPayload}.${createHmac('sha1', 'k').update(dstokPayload).digest('base64url')}`],
    ['a compressed dstok_ token (dstok_. plus two segments)', `dstok_${compressed}.${createHmac('sha1', 'k').update(compressed).digest('base64url')}`],
    ['a random hex static token', '5f9a486dd807de632200b17508c75002bb66ca6fde1993db1de6cbd446362589'],
    ['two segments', 'a.b'],
    ['three segments with a header that is not base64url JSON', 'a.b.c'],
    ['a header that is JSON but not an object', `${b64('["HS256"]')}.${b64('{}')}.sig`],
    ['a header without alg', `${b64('{"typ":"JWT"}')}.${b64('{}')}.sig`],
    ['a header whose alg is not a string', `${b64('{"alg":256}')}.${b64('{}')}.sig`],
    ['a header that is JSON null', `${b64('null')}.${b64('{}')}.sig`],
    ['four segments', `${sign({ sub: 'alice' })}.extra`],
    ['standard base64 characters', `${b64('{"alg":"HS256"}')}.${b64('{}')}.ab+cd/ef`],
    ['an empty payload segment', `${b64('{"alg":"HS256"}')}..sig`],
    ['an empty string', ''],
  ])('%s → null', (_label, token) => {
    expect(verifySync(source, token)).toBeNull()
  })

  // Mine: the near misses of the above are claimed (and then verified).
  test('a signed JWT is claimed', () => {
    expect(verifySync(source, sign({ sub: 'alice' }))).toEqual({ id: 'alice', token: 'jwt' })
  })

  test('a JWS-shaped token with a bad signature is claimed and rejected', () => {
    expectInvalid(source, `${b64('{"alg":"HS256"}')}.${b64('{"sub":"alice"}')}.c2ln`, 'Invalid token signature')
  })

  test('is named "jwt"', () => {
    expect(source.name).toBe('jwt')
  })
})

describe('signatures and keys', () => {
  // HS256 with the configured secret; near miss: another secret.
  test('HS256 with the right secret', () => {
    expect(verifySync(hs256(), sign({ sub: 'alice' }))).toEqual({ id: 'alice', token: 'jwt' })
  })
  test('HS256 with another secret', () => {
    expectInvalid(hs256(), sign({ sub: 'alice' }, 'another-secret-of-enough-length-000'), 'Invalid token signature')
  })
  test('a Buffer secret and a secret KeyObject work like the string', () => {
    const token = sign({ sub: 'alice' })
    expect(verifySync(hs256({ secret: Buffer.from(SECRET) }), token)).toEqual({ id: 'alice', token: 'jwt' })
  })

  // RS256 with a PEM public key (string or KeyObject); near miss: signed by another key pair.
  test.each([
    ['a PEM string', RSA_PUBLIC_PEM],
    ['a public KeyObject', rsa.publicKey],
    ['a PEM Buffer', Buffer.from(RSA_PUBLIC_PEM)],
  ])('RS256 with the public key as %s', (_label, publicKey) => {
    const source = jwtTokenSource({ algorithms: ['RS256'], publicKey })
    expect(verifySync(source, sign({ sub: 'alice' }, rsa.privateKey, 'RS256'))).toEqual({ id: 'alice', token: 'jwt' })
  })
  test('RS256 signed by another key pair', () => {
    const source = jwtTokenSource({ algorithms: ['RS256'], publicKey: RSA_PUBLIC_PEM })
    expectInvalid(source, sign({ sub: 'alice' }, otherRsa.privateKey, 'RS256'), 'Invalid token signature')
  })
  test('PS256 with the same RSA key', () => {
    const source = jwtTokenSource({ algorithms: ['RS256', 'PS256'], publicKey: rsa.publicKey })
    expect(verifySync(source, sign({ sub: 'alice' }, rsa.privateKey, 'PS256'))).toEqual({ id: 'alice', token: 'jwt' })
  })

  // ES256 with a P-256 key; near miss: a P-256 key that did not sign it.
  test('ES256 with the right key', () => {
    const source = jwtTokenSource({ algorithms: ['ES256'], publicKey: ec.publicKey })
    expect(verifySync(source, sign({ sub: 'alice' }, ec.privateKey, 'ES256'))).toEqual({ id: 'alice', token: 'jwt' })
  })
  test('ES256 signed by another key', () => {
    const source = jwtTokenSource({ algorithms: ['ES256'], publicKey: ec.publicKey })
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    expectInvalid(source, sign({ sub: 'alice' }, other.privateKey, 'ES256'), 'Invalid token signature')
  })

  test('a signed header with an empty signature', () => {
    expectInvalid(hs256(), craft({ alg: 'HS256', typ: 'JWT' }, { sub: 'alice' }), 'Invalid token signature')
  })

  test('the original error is kept as cause', () => {
    const error = expectInvalid(hs256(), sign({ sub: 'alice' }, 'another-secret-of-enough-length-000'), 'Invalid token signature')
    expect(error.cause).toBeInstanceOf(jwt.JsonWebTokenError)
    expect((error.cause as Error).message).toBe('invalid signature')
  })
})

describe('the algorithms allow-list', () => {
  // An algorithm outside the list; near miss: the same token accepted when listed.
  test('HS512 when only HS256 is accepted', () => {
    expectInvalid(hs256(), sign({ sub: 'alice' }, SECRET, 'HS512'), 'Invalid token: algorithm not allowed')
  })
  test('HS512 when HS512 is accepted too', () => {
    const source = jwtTokenSource({ algorithms: ['HS256', 'HS512'], secret: SECRET })
    expect(verifySync(source, sign({ sub: 'alice' }, SECRET, 'HS512'))).toEqual({ id: 'alice', token: 'jwt' })
  })

  // The classic confusion attack: HS256 signed with the RSA public key PEM as the HMAC secret.
  test('an HS256 token signed with the public key PEM, against an RS256 source', () => {
    const forged = craft({ alg: 'HS256', typ: 'JWT' }, { sub: 'root' }, RSA_PUBLIC_PEM)
    const source = jwtTokenSource({ algorithms: ['RS256'], publicKey: RSA_PUBLIC_PEM })
    expectInvalid(source, forged, 'Invalid token: algorithm not allowed')
  })
  test('the same forgery, against a source accepting HS256 and RS256 (HS* uses only the secret)', () => {
    const forged = craft({ alg: 'HS256', typ: 'JWT' }, { sub: 'root' }, RSA_PUBLIC_PEM)
    const source = jwtTokenSource({ algorithms: ['HS256', 'RS256'], secret: SECRET, publicKey: RSA_PUBLIC_PEM })
    expectInvalid(source, forged, 'Invalid token signature')
    expect(verifySync(source, sign({ sub: 'alice' }, rsa.privateKey, 'RS256'))).toEqual({ id: 'alice', token: 'jwt' })
    expect(verifySync(source, sign({ sub: 'bob' }))).toEqual({ id: 'bob', token: 'jwt' })
  })

  // Unsigned tokens: alg none, in any spelling, is never accepted.
  test.each(['none', 'None', 'NONE'])('an unsigned token with alg %s', (alg) => {
    expectInvalid(hs256(), craft({ alg, typ: 'JWT' }, { sub: 'root' }), 'Invalid token: algorithm not allowed')
  })
  test('alg none with a signature attached', () => {
    expectInvalid(hs256(), craft({ alg: 'none' }, { sub: 'root' }, SECRET), 'Invalid token: algorithm not allowed')
  })
})

describe('time claims against the gate clock', () => {
  // exp: expired once now >= exp + clockTolerance.
  test.each([
    ['exp one second ahead', { exp: NOW + 1 }, 0, null],
    ['exp equal to now', { exp: NOW }, 0, 'Token has expired'],
    ['exp in the past', { exp: NOW - 100 }, 0, 'Token has expired'],
    ['exp 4s ago with 5s tolerance', { exp: NOW - 4 }, 5, null],
    ['exp 5s ago with 5s tolerance', { exp: NOW - 5 }, 5, 'Token has expired'],
    // nbf: not yet valid while nbf > now + clockTolerance.
    ['nbf equal to now', { nbf: NOW }, 0, null],
    ['nbf one second ahead', { nbf: NOW + 1 }, 0, 'Token is not yet valid'],
    ['nbf 5s ahead with 5s tolerance', { nbf: NOW + 5 }, 5, null],
    ['nbf 6s ahead with 5s tolerance', { nbf: NOW + 6 }, 5, 'Token is not yet valid'],
  ])('%s', (_label, claims, clockTolerance, message) => {
    const source = hs256({ clockTolerance })
    const token = sign({ sub: 'alice', ...claims })
    if (message === null) expect(verifySync(source, token)).toMatchObject({ id: 'alice' })
    else expectInvalid(source, token, message)
  })

  test('uses context.now, not the system clock', () => {
    const old = 1_000_000_000
    const token = sign({ sub: 'alice', exp: old + 60 })
    expect(verifySync(hs256(), token, old)).toEqual({ id: 'alice', token: 'jwt', token_expires: old + 60 })
    expectInvalid(hs256(), token, 'Token has expired', old + 60)
  })

  test('causes are the jsonwebtoken errors', () => {
    const expired = expectInvalid(hs256(), sign({ sub: 'a', exp: NOW }), 'Token has expired')
    expect(expired.cause).toBeInstanceOf(jwt.TokenExpiredError)
    const early = expectInvalid(hs256(), sign({ sub: 'a', nbf: NOW + 1 }), 'Token is not yet valid')
    expect(early.cause).toBeInstanceOf(jwt.NotBeforeError)
  })
})

describe('issuer and audience', () => {
  // Matching issuer or audience; near miss: another value, or the claim missing.
  test.each([
    ['the issuer', { issuer: 'https://id.example' }, { iss: 'https://id.example' }, null],
    ['one of several issuers', { issuer: ['https://a.example', 'https://id.example'] }, { iss: 'https://id.example' }, null],
    ['another issuer', { issuer: 'https://id.example' }, { iss: 'https://evil.example' }, 'Invalid token: issuer mismatch'],
    ['no issuer claim', { issuer: 'https://id.example' }, {}, 'Invalid token: issuer mismatch'],
    ['the audience', { audience: 'api' }, { aud: 'api' }, null],
    ['the audience within a list claim', { audience: 'api' }, { aud: ['web', 'api'] }, null],
    ['one of several audiences', { audience: ['web', 'api'] }, { aud: 'api' }, null],
    ['another audience', { audience: 'api' }, { aud: 'web' }, 'Invalid token: audience mismatch'],
    ['no audience claim', { audience: 'api' }, {}, 'Invalid token: audience mismatch'],
  ])('%s', (_label, options, claims, message) => {
    const source = hs256(options)
    const token = sign({ sub: 'alice', ...claims })
    if (message === null) expect(verifySync(source, token)).toEqual({ id: 'alice', token: 'jwt' })
    else expectInvalid(source, token, message)
  })
})

describe('claims to actor', () => {
  // The id claim: sub by default; a string or a number.
  test.each<[string, Partial<JwtSourceOptions>, object, Actor]>([
    ['sub as the id', {}, { sub: 'alice' }, { id: 'alice', token: 'jwt' }],
    ['a numeric sub', {}, { sub: 42 }, { id: 42, token: 'jwt' }],
    ['exp as token_expires', {}, { sub: 'alice', exp: NOW + 60 }, { id: 'alice', token: 'jwt', token_expires: NOW + 60 }],
    ['a custom claim and key', { actorClaim: 'user_id', actorIdKey: 'user' }, { user_id: 'u-1', sub: 'ignored' }, { user: 'u-1', token: 'jwt' }],
    ['other claims are not copied', {}, { sub: 'alice', name: 'Alice', iat: NOW }, { id: 'alice', token: 'jwt' }],
  ])('%s', (_label, options, claims, actor) => {
    expect(verifySync(hs256(options), sign(claims))).toStrictEqual(actor)
  })

  test.each<[string, Partial<JwtSourceOptions>, object, string]>([
    ['no sub', {}, { name: 'alice' }, 'Invalid token: missing sub claim'],
    ['sub present but the custom claim missing', { actorClaim: 'user_id' }, { sub: 'alice' }, 'Invalid token: missing user_id claim'],
    ['an empty sub', {}, { sub: '' }, 'Invalid token: sub claim must be a non-empty string or a number'],
    ['a null sub', {}, { sub: null }, 'Invalid token: sub claim must be a non-empty string or a number'],
    ['an object sub', {}, { sub: { id: 'root' } }, 'Invalid token: sub claim must be a non-empty string or a number'],
    ['a boolean custom claim', { actorClaim: 'user_id' }, { user_id: true }, 'Invalid token: user_id claim must be a non-empty string or a number'],
  ])('rejects %s', (_label, options, claims, message) => {
    expectInvalid(hs256(options), sign(claims), message)
  })

  // The actor claim: the whole actor, with the id added from sub when it has none.
  test.each<[string, Partial<JwtSourceOptions>, object, Actor]>([
    ['an actor claim with sub', {}, { sub: 'alice', actor: { roles: ['staff'] } }, { roles: ['staff'], id: 'alice', token: 'jwt' }],
    ['an actor claim whose id wins over sub', {}, { sub: 'alice', actor: { id: 'alice2' } }, { id: 'alice2', token: 'jwt' }],
    ['an actor claim without sub', {}, { actor: { bot_id: 'my-bot' } }, { bot_id: 'my-bot', token: 'jwt' }],
    ['an actor claim with a custom id key', { actorIdKey: 'user' }, { sub: 'alice', actor: { team: 'x' } }, { team: 'x', user: 'alice', token: 'jwt' }],
    ['token and token_expires in the actor claim are replaced', {}, { sub: 'a', actor: { token: 'static', token_expires: 1 } }, { id: 'a', token: 'jwt' }],
  ])('%s', (_label, options, claims, actor) => {
    expect(verifySync(hs256(options), sign(claims))).toStrictEqual(actor)
  })

  test.each<[string, object, string]>([
    ['an actor claim that is a string', { sub: 'alice', actor: 'root' }, 'Invalid token: actor claim must be an object'],
    ['an actor claim that is a list', { sub: 'alice', actor: ['root'] }, 'Invalid token: actor claim must be an object'],
    ['an actor claim that is null', { sub: 'alice', actor: null }, 'Invalid token: actor claim must be an object'],
    ['_r inside the actor claim', { actor: { id: 'a', _r: { a: ['vi'] } } }, 'Invalid token: restrictions belong in the _r claim, not inside the actor claim'],
    ['an invalid sub next to an actor claim', { sub: '', actor: { id: 'a' } }, 'Invalid token: sub claim must be a non-empty string or a number'],
  ])('rejects %s', (_label, claims, message) => {
    expectInvalid(hs256(), sign(claims), message)
  })

  // Restrictions: a well-formed _r passes through; a malformed or null one invalidates the token.
  test.each<[string, unknown]>([
    ['_r with a, d and r', { a: ['vi'], d: { docs: ['vq'] }, r: { docs: { t: ['ir'] } } }],
    ['the empty _r (everything denied)', {}],
  ])('passes %s through', (_label, restrictions) => {
    expect(verifySync(hs256(), sign({ sub: 'alice', _r: restrictions }))).toStrictEqual({ id: 'alice', token: 'jwt', _r: restrictions })
  })
  test.each<[string, unknown, string]>([
    ['a null _r', null, 'Invalid token: _r must be an object, got null'],
    ['an _r list', ['vi'], 'Invalid token: _r must be an object, got a list'],
    ['_r.a as a string', { a: 'vi' }, 'Invalid token: _r.a must be a list of action names'],
    ['an unknown _r key', { x: [] }, 'Invalid token: _r has an unknown key "x"; only "a", "d" and "r" are allowed'],
  ])('rejects %s', (_label, restrictions, message) => {
    expectInvalid(hs256(), sign({ sub: 'alice', _r: restrictions }), message)
  })

  test('the actor is frozen, all the way down, once the gate remembers it', async () => {
    const gate = createGate({ jwt: { algorithms: ['HS256'], secret: SECRET } })
    const token = sign({ sub: 'alice', _r: { a: ['vi'] }, actor: { roles: ['staff'] } })
    const actor = await gate.authenticate({ authorization: `Bearer ${token}` })
    expect(Object.isFrozen(actor)).toBe(true)
    expect(Object.isFrozen(actor?.['_r'])).toBe(true)
    expect(Object.isFrozen(actor?.['roles'])).toBe(true)
  })
})

describe('actor claims are plain data (security review, issue 9)', () => {
  /** A JWT whose payload is exactly this JSON text, so a "__proto__" key reaches the verifier as written. */
  function signedJson(json: string): string {
    return craft({ alg: 'HS256', typ: 'JWT' }, json, SECRET)
  }

  test('"__proto__" in the actor claim stays an ordinary own key and never becomes the prototype', async () => {
    const token = signedJson('{"actor":{"__proto__":{"id":"root"},"name":"mallory"}}')
    const gate = createGate({ jwt: { algorithms: ['HS256'], secret: SECRET } }, { rootEnabled: true })
    const actor = (await gate.authenticate({ authorization: `Bearer ${token}` })) as Actor
    expect(Object.getPrototypeOf(actor)).toBe(Object.prototype)
    expect(Object.hasOwn(actor, '__proto__')).toBe(true)
    expect(actor['id']).toBeUndefined()
    expect(JSON.parse(JSON.stringify(actor))).toEqual(JSON.parse('{"__proto__":{"id":"root"},"name":"mallory","token":"jwt"}'))
    // With rootEnabled, an actor whose prototype said id "root" could do everything.
    expect(gate.allowed(actor, 'permissions-debug')).toBe(false)
    // Near miss: a real root actor may.
    expect(gate.allowed({ id: 'root' }, 'permissions-debug')).toBe(true)
  })

  test.each(['constructor', 'prototype', '__proto__'])('"%s" keys at any depth stay own keys', (key) => {
    const token = signedJson(`{"sub":"a","actor":{"${key}":{"${key}":{"polluted":true}},"nested":[{"${key}":1}]}}`)
    const actor = verifySync(hs256(), token) as Actor
    expect(Object.getPrototypeOf(actor)).toBe(Object.prototype)
    expect(Object.hasOwn(actor, key)).toBe(true)
    const inner = actor[key] as Record<string, unknown>
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype)
    expect(Object.hasOwn(inner, key)).toBe(true)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  test('an actorIdKey of "__proto__" defines an own key', () => {
    const actor = verifySync(hs256({ actorIdKey: '__proto__' }), sign({ sub: 'root' })) as Actor
    expect(Object.getPrototypeOf(actor)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(actor, '__proto__')?.value).toBe('root')
  })

  test('an actor claim nested 5,000 levels deep is 401 invalid_claims, not a stack overflow', async () => {
    const deep = `${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`
    const token = signedJson(`{"sub":"alice","actor":${deep}}`)
    const error = expectInvalid(hs256(), token, 'Invalid token: the actor claim is nested more than 32 levels deep')
    expect(error.reason).toBe('invalid_claims')
    const gate = createGate({ jwt: { algorithms: ['HS256'], secret: SECRET } })
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ status: 401, reason: 'invalid_claims' })
  })

  test('near miss: an actor claim 32 levels deep is accepted', () => {
    const deep = `${'{"a":'.repeat(31)}{}${'}'.repeat(31)}`
    expect(verifySync(hs256(), signedJson(`{"sub":"alice","actor":${deep}}`))).toMatchObject({ id: 'alice', token: 'jwt' })
  })

  test('an actor claim larger than 64 KiB of JSON is 401 invalid_claims', () => {
    const big = signedJson(JSON.stringify({ sub: 'alice', actor: { blob: 'x'.repeat(70_000) } }))
    expectInvalid(hs256(), big, 'Invalid token: the actor claim is larger than 65536 characters of JSON')
    const fits = signedJson(JSON.stringify({ sub: 'alice', actor: { blob: 'x'.repeat(60_000) } }))
    expect(verifySync(hs256(), fits)).toMatchObject({ id: 'alice' })
  })
})

describe('JWS forms the library refuses (security review, issue 9)', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  /** The same segment with its last character's unused low bits set: the same bytes, another string. */
  function sibling(segment: string): string {
    const unused = segment.length % 4 === 2 ? 0b1111 : segment.length % 4 === 3 ? 0b11 : 0
    const index = ALPHABET.indexOf(segment.slice(-1))
    return segment.slice(0, -1) + (ALPHABET[(index & ~unused) | unused] ?? '')
  }
  function withSibling(token: string, part: 0 | 1 | 2): string {
    const parts = token.split('.')
    parts[part] = sibling(parts[part] ?? '')
    return parts.join('.')
  }
  const rs256 = () => jwtTokenSource({ algorithms: ['RS256'], publicKey: RSA_PUBLIC_PEM })

  test('an RS256 signature whose last character has its unused bits set is refused, not verified a second time', () => {
    const token = sign({ sub: 'alice' }, rsa.privateKey, 'RS256')
    expect(verifySync(rs256(), token)).toMatchObject({ id: 'alice' })
    const variant = withSibling(token, 2)
    expect(variant).not.toBe(token)
    expect(Buffer.from(variant.split('.')[2] ?? '', 'base64url')).toEqual(Buffer.from(token.split('.')[2] ?? '', 'base64url'))
    const error = expectInvalid(rs256(), variant, 'Invalid token: not canonical base64url')
    expect(error.reason).toBe('malformed')
  })

  test.each([0, 1] as const)('the same for segment %i (header, payload) of an HS256 token', (part) => {
    // Pad the segment until its last character has unused bits to play with.
    const make = (pad: string): string =>
      part === 0 ? craft({ alg: 'HS256', pad }, { sub: 'alice' }, SECRET) : craft({ alg: 'HS256' }, { sub: 'alice', pad }, SECRET)
    let pad = ''
    while ((make(pad).split('.')[part] ?? '').length % 4 < 2) pad += 'x'
    const token = make(pad)
    expect(verifySync(hs256(), token)).toMatchObject({ id: 'alice' })
    expectInvalid(hs256(), withSibling(token, part), 'Invalid token: not canonical base64url')
  })

  test('a crit header is refused: the library understands no extension (RFC 7515 section 4.1.11)', () => {
    const token = craft({ alg: 'HS256', crit: ['exp'], exp: 1 }, { sub: 'alice' }, SECRET)
    const error = expectInvalid(hs256(), token, 'Invalid token: unsupported critical header parameters')
    expect(error.reason).toBe('malformed')
    expectInvalid(hs256(), craft({ alg: 'HS256', crit: [] }, { sub: 'alice' }, SECRET), 'Invalid token: unsupported critical header parameters')
    // Near miss: the same header without crit verifies.
    expect(verifySync(hs256(), craft({ alg: 'HS256', exp: 1 }, { sub: 'alice' }, SECRET))).toMatchObject({ id: 'alice' })
  })
})

describe('malformed tokens', () => {
  // Signed correctly, but the content is not a JWT claims object.
  test.each([
    ['a payload that is not JSON', craft({ alg: 'HS256' }, 'not json', SECRET)],
    ['a payload that is not JSON, with typ JWT', craft({ alg: 'HS256', typ: 'JWT' }, 'not json', SECRET)],
    ['a payload that is a JSON list', craft({ alg: 'HS256' }, ['sub'], SECRET)],
    ['a string exp', craft({ alg: 'HS256' }, { sub: 'alice', exp: 'tomorrow' }, SECRET)],
    ['a string nbf', craft({ alg: 'HS256' }, { sub: 'alice', nbf: 'yesterday' }, SECRET)],
  ])('%s', (_label, token) => {
    expectInvalid(hs256(), token, 'Invalid token: malformed JWT')
  })
  test('near miss: the same crafting with a JSON object payload verifies', () => {
    expect(verifySync(hs256(), craft({ alg: 'HS256' }, { sub: 'alice' }, SECRET))).toEqual({ id: 'alice', token: 'jwt' })
  })
})

describe('option misuse', () => {
  const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  // Every misuse fails at construction with a TypeError that says what to do.
  test.each<[string, unknown, string]>([
    ['no options', undefined, 'jwtTokenSource expects an options object such as { algorithms: ["HS256"], secret }'],
    ['no algorithms', { secret: SECRET }, '"algorithms" option is required: list the algorithms you accept, such as ["HS256"]'],
    ['empty algorithms', { algorithms: [], secret: SECRET }, '"algorithms" option is required: list the algorithms you accept, such as ["HS256"]'],
    ['algorithms as a string', { algorithms: 'HS256', secret: SECRET }, '"algorithms" option is required: list the algorithms you accept, such as ["HS256"]'],
    ['none', { algorithms: ['HS256', 'none'], secret: SECRET }, '"algorithms" option: "none" is refused: unsigned tokens are never accepted'],
    ['EdDSA', { algorithms: ['EdDSA'], publicKey: RSA_PUBLIC_PEM }, '"algorithms" option: EdDSA is not supported (jsonwebtoken 9 cannot verify it); use ES256, RS256 or PS256'],
    ['an unknown algorithm', { algorithms: ['hs256'], secret: SECRET }, '"algorithms" option: unknown algorithm "hs256"; use HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512'],
    ['HS256 without a secret', { algorithms: ['HS256'] }, '"secret" option is required for HS256: pass the HMAC secret'],
    ['RS256 without a public key', { algorithms: ['RS256'] }, `"publicKey" option is required for RS256: pass the PEM public key, or the key set's URL as "jwksUri"`],
    ['HS256 with a public key', { algorithms: ['HS256'], secret: SECRET, publicKey: RSA_PUBLIC_PEM }, '"publicKey" option is set but only HS* algorithms are accepted: a public key cannot verify HS* tokens; remove it, or add RS256 (or another algorithm for the key) to "algorithms"'],
    ['RS256 with a secret', { algorithms: ['RS256'], secret: SECRET, publicKey: RSA_PUBLIC_PEM }, '"secret" option is set but no HS* algorithm is accepted: an HMAC secret cannot verify RS*, PS* or ES* tokens; remove it, or add HS256 to "algorithms"'],
    ['a PEM as the HMAC secret', { algorithms: ['HS256'], secret: RSA_PUBLIC_PEM }, '"secret" option looks like a PEM key: pass it as "publicKey" and accept RS*, PS* or ES* algorithms instead of HS*'],
    ['an empty secret', { algorithms: ['HS256'], secret: '' }, '"secret" option must not be empty'],
    ['a public KeyObject as the secret', { algorithms: ['HS256'], secret: rsa.publicKey }, '"secret" option must be an HMAC secret for HS256 (a string, a Buffer or a secret KeyObject), got a public KeyObject'],
    ['a number as the secret', { algorithms: ['HS256'], secret: 42 }, '"secret" option must be a string, a Buffer or a secret KeyObject, got number'],
    ['a public key that is not PEM', { algorithms: ['RS256'], publicKey: 'not-a-key' }, '"publicKey" option is not a valid PEM public key (such as "-----BEGIN PUBLIC KEY-----\\n…"); check the key or the file it is read from'],
    ['an RSA key for ES256', { algorithms: ['ES256'], publicKey: RSA_PUBLIC_PEM }, '"publicKey" option is an rsa key, which cannot verify ES256: accept only algorithms that fit the key'],
    ['an EC key for RS256', { algorithms: ['RS256'], publicKey: ecPem }, '"publicKey" option is an ec key, which cannot verify RS256: accept only algorithms that fit the key'],
    ['a P-384 key for ES256', { algorithms: ['ES256'], publicKey: ec384.publicKey }, '"publicKey" option is an ec key on curve secp384r1, which cannot verify ES256 (it needs prime256v1)'],
    ['an unknown option', { algorithms: ['RS256'], public_key: RSA_PUBLIC_PEM }, '"public_key" is not an option of jwtTokenSource; did you mean "publicKey"?'],
    // The cache moved from the sources to the gate's token chain (tokenCacheSize).
    ['cacheSize', { algorithms: ['HS256'], secret: SECRET, cacheSize: 10 }, '"cacheSize" is not an option of jwtTokenSource; its options are "algorithms", "secret", "publicKey", "issuer", "audience", "actorClaim", "actorIdKey", "clockTolerance", "jwksUri", "jwksRequestsPerMinute", "jwksCacheMaxAge", "jwksTimeout", "scopeClaim", "scopeMap", "registry"'],
    ['an empty issuer', { algorithms: ['HS256'], secret: SECRET, issuer: '' }, '"issuer" option must be a non-empty string or a non-empty list of non-empty strings, got string'],
    ['an empty audience list', { algorithms: ['HS256'], secret: SECRET, audience: [] }, '"audience" option must be a non-empty string or a non-empty list of non-empty strings, got a list'],
    ['an empty actorClaim', { algorithms: ['HS256'], secret: SECRET, actorClaim: '' }, '"actorClaim" option must be a non-empty string, got string'],
    ['a reserved actorIdKey', { algorithms: ['HS256'], secret: SECRET, actorIdKey: 'token' }, '"actorIdKey" option must not be "token": tokengate sets that key itself'],
    ['a negative clockTolerance', { algorithms: ['HS256'], secret: SECRET, clockTolerance: -1 }, '"clockTolerance" option must be a number of seconds, 0 or more, got -1'],
    ['a string clockTolerance', { algorithms: ['HS256'], secret: SECRET, clockTolerance: '5s' }, '"clockTolerance" option must be a number of seconds, 0 or more, got "5s"'],
  ])('%s', (_label, options, message) => {
    const build = (): unknown => jwtTokenSource(options as JwtSourceOptions)
    const error = thrown(build)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
    expect((error as Error).message).not.toContain(SECRET)
  })

  test('a private KeyObject is accepted as the public key (its public half is used)', () => {
    const source = jwtTokenSource({ algorithms: ['RS256'], publicKey: rsa.privateKey })
    expect(verifySync(source, sign({ sub: 'alice' }, rsa.privateKey, 'RS256'))).toEqual({ id: 'alice', token: 'jwt' })
  })
})

describe('the configuration\'s jwt block', () => {
  test('maps every snake_case key to the source\'s option', async () => {
    const gate = createGate({
      jwt: { algorithms: ['HS256'], secret: SECRET, issuer: 'https://id.example', audience: ['api'], actor_claim: 'user_id', actor_id_key: 'user', clock_tolerance: 30 },
    })
    const token = sign({ user_id: 'alice', iss: 'https://id.example', aud: 'api', exp: Math.floor(Date.now() / 1000) - 10 })
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({ user: 'alice', token: 'jwt' })
    const wrongIssuer = sign({ user_id: 'alice', iss: 'https://other.example', aud: 'api' })
    await expect(gate.authenticate({ authorization: `Bearer ${wrongIssuer}` })).rejects.toMatchObject({ reason: 'invalid_claims' })
  })

  test('a block without algorithms is refused by loadConfig and createGate alike', () => {
    for (const load of [() => loadConfig({ jwt: { secret: SECRET } } as never), () => createGate({ jwt: { secret: SECRET } } as never)]) {
      expect(load).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', path: 'jwt.algorithms' }))
    }
  })
})

describe('createJwt', () => {
  test('HS256 by default: sub and iat, verified by an HS256 source', () => {
    const token = createJwt({ actorId: 'alice', secret: SECRET, now: NOW })
    expect(jwt.decode(token, { complete: true })).toMatchObject({ header: { alg: 'HS256' }, payload: { sub: 'alice', iat: NOW } })
    expect(jwt.decode(token)).toStrictEqual({ sub: 'alice', iat: NOW })
    expect(verifySync(hs256(), token)).toStrictEqual({ id: 'alice', token: 'jwt' })
  })

  test('expiresAfter, issuer, audience and compact restrictions', () => {
    const token = createJwt({
      actorId: 'alice',
      secret: SECRET,
      now: NOW,
      expiresAfter: 3600,
      issuer: 'tokengate',
      audience: 'api',
      restrictions: { a: ['view-instance', 'my-custom'], d: { docs: [] }, r: { docs: { t: ['insert-row'] } } },
    })
    expect(jwt.decode(token)).toStrictEqual({
      sub: 'alice',
      iat: NOW,
      exp: NOW + 3600,
      iss: 'tokengate',
      aud: 'api',
      _r: { a: ['vi', 'my-custom'], r: { docs: { t: ['ir'] } } },
    })
    const source = hs256({ issuer: 'tokengate', audience: 'api' })
    expect(verifySync(source, token)).toStrictEqual({
      id: 'alice',
      token: 'jwt',
      _r: { a: ['vi', 'my-custom'], r: { docs: { t: ['ir'] } } },
      token_expires: NOW + 3600,
    })
    expectInvalid(source, token, 'Token has expired', NOW + 3600)
  })

  test('empty restrictions write no _r', () => {
    const token = createJwt({ actorId: 'alice', secret: SECRET, now: NOW, restrictions: { a: [], d: {} } })
    expect(jwt.decode(token)).toStrictEqual({ sub: 'alice', iat: NOW })
  })

  test('RS256 with a PEM private key, verified with the public key', () => {
    const token = createJwt({ actorId: 'alice', privateKey: RSA_PRIVATE_PEM, algorithm: 'RS256', now: NOW })
    expect(verifySync(jwtTokenSource({ algorithms: ['RS256'], publicKey: RSA_PUBLIC_PEM }), token)).toEqual({ id: 'alice', token: 'jwt' })
    expectInvalid(jwtTokenSource({ algorithms: ['RS256'], publicKey: otherRsa.publicKey }), token, 'Invalid token signature')
  })

  test('ES256 with a private KeyObject', () => {
    const token = createJwt({ actorId: 'alice', privateKey: ec.privateKey, algorithm: 'ES256', now: NOW })
    expect(verifySync(jwtTokenSource({ algorithms: ['ES256'], publicKey: ec.publicKey }), token)).toEqual({ id: 'alice', token: 'jwt' })
  })

  // Misuse: TypeError with a message that says what to do.
  test.each<[string, unknown, string]>([
    ['an empty actor id', { actorId: '', secret: SECRET }, '"actorId" option must be a non-empty string, got string'],
    ['alg none', { actorId: 'a', secret: SECRET, algorithm: 'none' }, '"algorithm" option: "none" is refused: unsigned tokens are never accepted'],
    ['an unknown algorithm', { actorId: 'a', secret: SECRET, algorithm: 'HS1' }, '"algorithm" option: unknown algorithm "HS1"; use HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512'],
    ['HS256 without a secret', { actorId: 'a' }, '"secret" option is required for HS256: pass the HMAC secret'],
    ['HS256 with a private key', { actorId: 'a', privateKey: RSA_PRIVATE_PEM }, '"privateKey" option cannot sign HS256: pass the HMAC secret as "secret"'],
    ['RS256 with a secret', { actorId: 'a', secret: SECRET, algorithm: 'RS256' }, '"secret" option cannot sign RS256: pass the PEM private key as "privateKey"'],
    ['RS256 without a key', { actorId: 'a', algorithm: 'RS256' }, '"privateKey" option is required for RS256: pass the PEM private key'],
    ['RS256 with a public key', { actorId: 'a', algorithm: 'RS256', privateKey: rsa.publicKey }, '"privateKey" option must be a private key, got a public KeyObject'],
    ['RS256 with a public PEM', { actorId: 'a', algorithm: 'RS256', privateKey: RSA_PUBLIC_PEM }, '"privateKey" option is not a valid private key: pass a PEM such as "-----BEGIN PRIVATE KEY-----…"'],
    ['ES256 with an RSA key', { actorId: 'a', algorithm: 'ES256', privateKey: rsa.privateKey }, '"privateKey" option is an rsa key, which cannot verify ES256: accept only algorithms that fit the key'],
    ['a zero lifetime', { actorId: 'a', secret: SECRET, expiresAfter: 0 }, '"expiresAfter" option must be a positive integer of seconds, got 0'],
    ['a fractional now', { actorId: 'a', secret: SECRET, now: 1.5 }, '"now" option must be a positive integer of unix seconds, got 1.5'],
    ['an empty issuer', { actorId: 'a', secret: SECRET, issuer: '' }, '"issuer" option must be a non-empty string, got string'],
    ['malformed restrictions', { actorId: 'a', secret: SECRET, restrictions: { a: 'vi' } }, '"restrictions" option is malformed: _r.a must be a list of action names'],
  ])('rejects %s', (_label, options, message) => {
    const build = (): unknown => createJwt(options as Parameters<typeof createJwt>[0])
    expect(build).toThrow(TypeError)
    expect(build).toThrow(message)
    try {
      build()
    } catch (error) {
      expect((error as Error).message).toBe(message)
    }
  })
})
