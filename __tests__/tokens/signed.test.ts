import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync, inflateSync } from 'node:zlib'
import {
  createSignedToken,
  decodeSignedToken,
  defineAction,
  ActionRegistry,
  InvalidTokenError,
  createGate,
  loadConfig,
  signedTokenSource,
  verifySignedToken,
} from 'tokengate'
import type { Restrictions } from 'tokengate'
import { encodeSignedTokenPayload, signSignedTokenBody } from '../../lib/tokens/signed.js'
import { thrown } from '../helpers/thrown.js'
import { actorOf, answerOf } from '../helpers/source.js'

interface Vector {
  name: string
  secret: string
  payload: { a: string; t: number; d?: number; _r?: Restrictions }
  json: string
  compressed: boolean
  token: string
}

// Independent vectors made by Python's itsdangerous exactly as Datasette signs tokens; see the
// fixture's "_generated_by".
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/dstok-vectors.json'), 'utf8')) as {
  _generated_by: string
  vectors: Vector[]
}
const vectors = fixture.vectors.map((v) => [v.name, v] as const)

/** The payload segment of a token (between `dstok_` and the last `.`). */
function bodyOf(token: string): string {
  return token.slice('dstok_'.length, token.lastIndexOf('.'))
}

/** The JSON text inside a payload segment, decompressed when it starts with `.`. */
function jsonOf(body: string): string {
  const compressed = body.startsWith('.')
  const raw = Buffer.from(compressed ? body.slice(1) : body, 'base64url')
  return (compressed ? inflateSync(raw) : raw).toString('utf8')
}

/** A token with exactly this JSON payload, validly signed: only the rule under test can fail. */
function tokenFor(json: string, secret = SECRET): string {
  return signSignedTokenBody(encodeSignedTokenPayload(json), secret)
}

/** Run a thunk that must throw InvalidTokenError with exactly this message. */
function expectInvalid(thunk: () => unknown, message: string): void {
  const caught = thrown(() => thunk())
  expect(caught).toBeInstanceOf(InvalidTokenError)
  expect(caught).toMatchObject({ code: 'ERR_INVALID_TOKEN', status: 401, message })
}

const SECRET = 'test-secret'
const T = 1_700_000_000

// ---------------------------------------------------------------------------------------------
// Compatibility with Datasette (itsdangerous vectors and a token from Datasette's own docs)
// ---------------------------------------------------------------------------------------------

describe('itsdangerous vectors: tokengate writes what Datasette writes', () => {
  test('the fixture says how it was generated and covers both forms and two secrets', () => {
    expect(fixture._generated_by).toMatch(/^itsdangerous \d+\.\d+\.\d+ .*URLSafeSerializer\(secret, salt="token"\)/)
    expect(new Set(fixture.vectors.map((v) => v.compressed))).toEqual(new Set([true, false]))
    expect(new Set(fixture.vectors.map((v) => v.secret)).size).toBeGreaterThanOrEqual(2)
    expect(fixture.vectors.some((v) => /[^\x00-\x7f]/.test(v.payload.a))).toBe(true)
    expect(fixture.vectors.some((v) => v.payload.d !== undefined)).toBe(true)
  })

  function create(v: Vector): string {
    return createSignedToken({
      actorId: v.payload.a,
      secret: v.secret,
      now: v.payload.t,
      expiresAfter: v.payload.d,
      restrictions: v.payload._r,
    })
  }

  // Uncompressed payloads: the whole token is identical, byte for byte
  test.each(vectors.filter(([, v]) => !v.compressed))('%s: identical token', (_name, v) => {
    expect(create(v)).toBe(v.token)
  })

  // Compressed payloads: Node's zlib is not Python's, so the deflate bytes may differ. What
  // Datasette needs is identical: the JSON inside, the choice to compress, and the signing chain
  // (our signer over Python's exact payload segment gives Python's exact token).
  test.each(vectors.filter(([, v]) => v.compressed))('%s: identical JSON, compressed, same signing', (_name, v) => {
    const ours = create(v)
    expect(bodyOf(ours).startsWith('.')).toBe(true)
    expect(jsonOf(bodyOf(ours))).toBe(v.json)
    expect(signSignedTokenBody(bodyOf(v.token), v.secret)).toBe(v.token)
    expect(verifySignedToken(ours, { secrets: [v.secret], now: v.payload.t })).toMatchObject({ id: v.payload.a })
  })

  // Every vector's JSON is the JSON tokengate writes (non-ASCII kept as UTF-8, escapes as Python's)
  test.each(vectors)('%s: identical JSON text', (_name, v) => {
    expect(decodeSignedToken(create(v)).json).toBe(v.json)
    expect(decodeSignedToken(v.token)).toEqual({ payload: v.payload, compressed: v.compressed, json: v.json })
  })

  // tokengate accepts every Datasette token, and only with the right secret
  test.each(vectors)('%s: verifies', (_name, v) => {
    const actor = verifySignedToken(v.token, { secrets: [v.secret], now: v.payload.t })
    expect(actor).toEqual({
      id: v.payload.a,
      token: 'dstok',
      ...(v.payload._r === undefined ? {} : { _r: v.payload._r }),
      ...(v.payload.d === undefined ? {} : { token_expires: v.payload.t + v.payload.d }),
    })
    expectInvalid(() => verifySignedToken(v.token, { secrets: [`${v.secret}x`], now: v.payload.t }), 'Invalid token signature')
  })

  test('the non-ASCII vector is written as raw UTF-8, not \\u escapes', () => {
    const v = fixture.vectors.find((x) => x.name.startsWith('non-ASCII actor id (kept'))
    expect(v).toBeDefined()
    expect(v?.json).toContain('Zoë 東京 🚀')
    expect(v?.json).not.toContain('\\u')
  })

  test('full action names are abbreviated as Datasette create-token abbreviates them', () => {
    const v = fixture.vectors.find((x) => x.name.startsWith('the Datasette docs create-token example'))
    if (v === undefined) throw new Error('fixture vector missing')
    const token = createSignedToken({
      actorId: 'root',
      secret: 'mysecret',
      now: 1670907246,
      restrictions: {
        a: ['view-instance', 'view-table'],
        d: { docs: ['view-query'] },
        r: { docs: { documents: ['insert-row', 'update-row'] } },
      },
    })
    expect(decodeSignedToken(token).json).toBe(v.json)
  })
})

describe('a token issued by Datasette itself (docs: create-token --secret mysecret --debug)', () => {
  // From Datasette's authentication docs; made by an older Datasette that also wrote "token": "dstok".
  const DOCS_TOKEN =
    'dstok_.eJxFizEKgDAMRe_y5w4qYrFXERGxDkVsMI0uxbubdjFL8l_ez1jhwEQCA6Fjjxp90qtkuHawzdjYrh8MFobLxZ_wBH0_gtnAF-hpS5VfmF8D_lnd97lHqUJgLd6sls4H1qwlhA.nH_7RecYHj5qSzvjhMU95iy0Xlc'
  const DOCS_R = { a: ['vi', 'vt'], d: { docs: ['vq'] }, r: { docs: { documents: ['ir', 'ur'] } } }

  test('verifies with secret mysecret, ignoring the unknown "token" key, with exactly the docs\' _r', () => {
    expect(verifySignedToken(DOCS_TOKEN, { secrets: ['mysecret'], now: 1670907246 + 10 ** 8 })).toEqual({
      id: 'root',
      token: 'dstok',
      _r: DOCS_R,
    })
  })

  test('does not verify with another secret', () => {
    expectInvalid(() => verifySignedToken(DOCS_TOKEN, { secrets: ['mysecret2'], now: 1670907246 }), 'Invalid token signature')
  })

  test('decodes to the payload the docs print', () => {
    expect(decodeSignedToken(DOCS_TOKEN).payload).toEqual({ a: 'root', token: 'dstok', t: 1670907246, _r: DOCS_R })
    expect(decodeSignedToken(DOCS_TOKEN).compressed).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// createSignedToken
// ---------------------------------------------------------------------------------------------

describe('createSignedToken', () => {
  // Payload keys and their order: a, t, d (only when positive), _r (only when non-empty)
  test.each([
    ['actor and time only', {}, `{"a":"bob","t":${T}}`],
    ['d when expiresAfter is positive', { expiresAfter: 60 }, `{"a":"bob","t":${T},"d":60}`],
    ['no d when expiresAfter is 0', { expiresAfter: 0 }, `{"a":"bob","t":${T}}`],
    ['_r abbreviated, empty keys dropped', { restrictions: { a: ['view-table'], d: {}, r: { x: {} } } }, `{"a":"bob","t":${T},"_r":{"a":["vt"]}}`],
    ['unknown action names kept as given', { restrictions: { d: { db: ['no-such-action', 'vq'] } } }, `{"a":"bob","t":${T},"_r":{"d":{"db":["no-such-action","vq"]}}}`],
    ['no _r when the restrictions are empty', { restrictions: {} }, `{"a":"bob","t":${T}}`],
    ['no _r when every list is empty', { restrictions: { a: [], d: { db: [] } } }, `{"a":"bob","t":${T}}`],
    ['all four keys in order', { expiresAfter: 5, restrictions: { a: ['vi'] } }, `{"a":"bob","t":${T},"d":5,"_r":{"a":["vi"]}}`],
  ])('%s', (_label, extra, json) => {
    const token = createSignedToken({ actorId: 'bob', secret: SECRET, now: T, ...extra })
    expect(decodeSignedToken(token).json).toBe(json)
  })

  test('t is the floor of now', () => {
    expect(decodeSignedToken(createSignedToken({ actorId: 'bob', secret: SECRET, now: T + 0.999 })).payload['t']).toBe(T)
  })

  test('now defaults to the current time', () => {
    const before = Math.floor(Date.now() / 1000)
    const t = decodeSignedToken(createSignedToken({ actorId: 'bob', secret: SECRET })).payload['t']
    expect(typeof t).toBe('number')
    expect(t as number).toBeGreaterThanOrEqual(before)
    expect(Number.isInteger(t)).toBe(true)
  })

  test("an application's own action is abbreviated with the given registry", () => {
    const registry = new ActionRegistry([defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })])
    const restrictions = { a: ['publish-post'] }
    expect(decodeSignedToken(createSignedToken({ actorId: 'bob', secret: SECRET, now: T, restrictions, registry })).json).toBe(
      `{"a":"bob","t":${T},"_r":{"a":["pp"]}}`,
    )
    // near miss: without the registry the name is unknown and kept as given
    expect(decodeSignedToken(createSignedToken({ actorId: 'bob', secret: SECRET, now: T, restrictions })).json).toBe(
      `{"a":"bob","t":${T},"_r":{"a":["publish-post"]}}`,
    )
  })

  // Compression: only when the zlib stream is shorter than the JSON's byte length minus one
  test('a short payload is plain base64url, a long repetitive one is "." + zlib', () => {
    expect(bodyOf(createSignedToken({ actorId: 'bob', secret: SECRET, now: T })).startsWith('.')).toBe(false)
    const long = createSignedToken({ actorId: 'x'.repeat(200), secret: SECRET, now: T })
    expect(bodyOf(long).startsWith('.')).toBe(true)
    expect(jsonOf(bodyOf(long))).toBe(`{"a":"${'x'.repeat(200)}","t":${T}}`)
  })

  // The threshold exactly: compressed only when the zlib stream is at most len(json) - 2 bytes.
  // The boundary inputs are found with the same zlib the library uses, so this holds on any machine.
  test('compresses at len(json) - 2 bytes of zlib, not at len(json) - 1 or len(json)', () => {
    const byGain = new Map<number, string>()
    for (let n = 1; n < 400 && byGain.size < 3; n++) {
      for (const unit of ['ab', 'abc', 'abcd', 'xyzzy1', 'q1w2e3r4']) {
        const json = JSON.stringify({ a: unit.repeat(n).slice(0, n), t: T })
        const gain = Buffer.byteLength(json) - deflateSync(Buffer.from(json)).length
        if (gain >= 0 && gain <= 2 && !byGain.has(gain)) byGain.set(gain, json)
      }
    }
    expect([...byGain.keys()].sort()).toEqual([0, 1, 2])
    expect(encodeSignedTokenPayload(byGain.get(0) ?? '').startsWith('.')).toBe(false)
    expect(encodeSignedTokenPayload(byGain.get(1) ?? '').startsWith('.')).toBe(false)
    expect(encodeSignedTokenPayload(byGain.get(2) ?? '').startsWith('.')).toBe(true)
  })

  test('the compression threshold counts UTF-8 bytes, not UTF-16 code units', () => {
    // Each of these is one code unit but two bytes: by byte length zlib helps, by code units it would not
    const json = JSON.stringify({ a: 'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ', t: T })
    const zlibLength = deflateSync(Buffer.from(json)).length
    expect(zlibLength).toBeLessThan(Buffer.byteLength(json) - 1)
    expect(zlibLength).toBeGreaterThanOrEqual(json.length - 1)
    expect(encodeSignedTokenPayload(json).startsWith('.')).toBe(true)
  })

  test('the token uses only the URL-safe alphabet, without padding', () => {
    const token = createSignedToken({ actorId: 'é?/+'.repeat(50), secret: SECRET, now: T, expiresAfter: 9 })
    expect(token).toMatch(/^dstok_\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{27}$/)
  })

  // Misuse: TypeError with a message saying what was wrong
  test.each([
    ['a number actor id', { actorId: 42 }, '"actorId" must be a non-empty string, got 42'],
    ['an empty actor id', { actorId: '' }, '"actorId" must be a non-empty string, got an empty string'],
    ['a lone surrogate in the actor id', { actorId: 'a\ud800' }, '"actorId" must be well-formed Unicode: it contains a lone surrogate, which UTF-8 cannot encode'],
    ['no secret', { secret: undefined }, '"secret" must be a non-empty string, got undefined'],
    ['an empty secret', { secret: '' }, '"secret" must be a non-empty string, got an empty string'],
    ['a negative expiresAfter', { expiresAfter: -1 }, '"expiresAfter" must be a non-negative integer number of seconds, got -1'],
    ['a fractional expiresAfter', { expiresAfter: 1.5 }, '"expiresAfter" must be a non-negative integer number of seconds, got 1.5'],
    ['a string expiresAfter', { expiresAfter: '60' }, '"expiresAfter" must be a non-negative integer number of seconds, got a string'],
    ['a NaN now', { now: Number.NaN }, '"now" must be a non-negative finite number of unix seconds, got NaN'],
    ['a negative now', { now: -1 }, '"now" must be a non-negative finite number of unix seconds, got -1'],
    ['malformed restrictions', { restrictions: { a: 'vi' } }, '"restrictions" is malformed: _r.a must be a list of action names'],
    ['restrictions with an unknown key', { restrictions: { x: [] } }, '"restrictions" is malformed: _r has an unknown key "x"; only "a", "d" and "r" are allowed'],
  ])('rejects %s', (_label, bad, message) => {
    const options = { actorId: 'bob', secret: SECRET, now: T, ...bad } as unknown as Parameters<typeof createSignedToken>[0]
    expect(() => createSignedToken(options)).toThrow(new TypeError(message))
  })

  test('a valid near miss of each rejected option is accepted', () => {
    expect(() => createSignedToken({ actorId: '42', secret: 's', now: 0, expiresAfter: 0, restrictions: { a: ['vi'] } })).not.toThrow()
  })
})

// ---------------------------------------------------------------------------------------------
// verifySignedToken: which tokens are ours
// ---------------------------------------------------------------------------------------------

describe('verifySignedToken: claiming tokens', () => {
  const good = createSignedToken({ actorId: 'bob', secret: SECRET, now: T })

  // Not a signed token: null, so another source may try
  test.each([
    ['upper-case prefix', good.replace('dstok_', 'DSTOK_')],
    ['mixed-case prefix', good.replace('dstok_', 'Dstok_')],
    ['no underscore', good.replace('dstok_', 'dstok')],
    ['another token', 'abc123'],
    ['an empty string', ''],
    ['the prefix not at the start', ` ${good}`],
  ])('%s → null', (_label, token) => {
    expect(verifySignedToken(token, { secrets: [SECRET], now: T })).toBeNull()
  })

  test('the near miss, exactly dstok_, is claimed', () => {
    expect(verifySignedToken(good, { secrets: [SECRET], now: T })).toEqual({ id: 'bob', token: 'dstok' })
  })

  // allow_signed_tokens false: still claimed, always rejected, even when validly signed
  test('allowSignedTokens false rejects a valid token', () => {
    expectInvalid(() => verifySignedToken(good, { secrets: [SECRET], now: T, allowSignedTokens: false }), 'Signed tokens are not enabled')
    expectInvalid(() => verifySignedToken('dstok_garbage', { secrets: [], now: T, allowSignedTokens: false }), 'Signed tokens are not enabled')
    expect(verifySignedToken('other', { secrets: [], now: T, allowSignedTokens: false })).toBeNull()
  })
})

// ---------------------------------------------------------------------------------------------
// verifySignedToken: the signature
// ---------------------------------------------------------------------------------------------

describe('verifySignedToken: signature', () => {
  const good = createSignedToken({ actorId: 'bob', secret: SECRET, now: T, restrictions: { a: ['vi'] } })
  const body = bodyOf(good)
  const signature = good.slice(good.lastIndexOf('.') + 1)
  const hmacB64 = (key: Buffer): string => createHmac('sha1', key).update(body).digest('base64url')
  const otherSalt = (salt: string): string => hmacB64(createHash('sha1').update(`${salt}signer${SECRET}`).digest())
  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)

  test.each([
    ['a wrong secret', good, ['other-secret']],
    ['a secret that differs only in case', good, [SECRET.toUpperCase()]],
    ['a tampered payload', `dstok_${flip(body, 3)}.${signature}`, [SECRET]],
    ['a payload re-encoded with different contents', `dstok_${encodeSignedTokenPayload(`{"a":"root","t":${T}}`)}.${signature}`, [SECRET]],
    ['a tampered signature', `dstok_${body}.${flip(signature, 0)}`, [SECRET]],
    ['a truncated signature', `dstok_${body}.${signature.slice(0, -1)}`, [SECRET]],
    ['an empty signature', `dstok_${body}.`, [SECRET]],
    ['a padded signature', `dstok_${body}.${signature}=`, [SECRET]],
    ['no dot at all', `dstok_${body.replace(/\./g, '')}`, [SECRET]],
    ['nothing after the prefix', 'dstok_', [SECRET]],
    ['a signature with the same secret but another salt (as Datasette signs its actor cookie)', `dstok_${body}.${otherSalt('actor')}`, [SECRET]],
    ['a signature with itsdangerous\'s plain "concat" key derivation', `dstok_${body}.${hmacB64(createHash('sha1').update(`token${SECRET}`).digest())}`, [SECRET]],
  ])('%s → Invalid token signature', (_label, token, secrets) => {
    expectInvalid(() => verifySignedToken(token, { secrets, now: T }), 'Invalid token signature')
  })

  test('the untampered near miss verifies, and its signature is the one an independent HMAC gives', () => {
    expect(otherSalt('token')).toBe(signature)
    expect(verifySignedToken(`dstok_${body}.${signature}`, { secrets: [SECRET], now: T })).toEqual({ id: 'bob', token: 'dstok', _r: { a: ['vi'] } })
  })

  test('the split is on the last dot, so a compressed payload (leading dot) verifies', () => {
    const long = createSignedToken({ actorId: 'y'.repeat(100), secret: SECRET, now: T })
    expect(long.startsWith('dstok_.')).toBe(true)
    expect(verifySignedToken(long, { secrets: [SECRET], now: T })).toEqual({ id: 'y'.repeat(100), token: 'dstok' })
  })

  // Rotation: sign with the first secret, verify with any
  test('a token signed with an old secret verifies while that secret is still listed', () => {
    const old = createSignedToken({ actorId: 'bob', secret: 'old-secret', now: T })
    expect(verifySignedToken(old, { secrets: ['new-secret', 'old-secret'], now: T })).toEqual({ id: 'bob', token: 'dstok' })
    expectInvalid(() => verifySignedToken(old, { secrets: ['new-secret'], now: T }), 'Invalid token signature')
  })

  test('a single string is one secret', () => {
    expect(verifySignedToken(good, { secrets: SECRET, now: T })).toMatchObject({ id: 'bob' })
    expectInvalid(() => verifySignedToken(good, { secrets: 'nope', now: T }), 'Invalid token signature')
  })
})

// ---------------------------------------------------------------------------------------------
// verifySignedToken: the payload rules (each token validly signed; only the rule fails)
// ---------------------------------------------------------------------------------------------

describe('verifySignedToken: timestamp and duration', () => {
  // t missing or not an integer
  test.each([
    ['no t', `{"a":"bob"}`, 'Invalid token: no timestamp'],
    ['no t, only d', `{"a":"bob","d":60}`, 'Invalid token: no timestamp'],
    ['t as a string', `{"a":"bob","t":"${T}"}`, 'Invalid token: invalid timestamp'],
    ['t as true', `{"a":"bob","t":true}`, 'Invalid token: invalid timestamp'],
    ['t as false', `{"a":"bob","t":false}`, 'Invalid token: invalid timestamp'],
    ['t as a fraction', `{"a":"bob","t":${T}.5}`, 'Invalid token: invalid timestamp'],
    ['t as null', `{"a":"bob","t":null}`, 'Invalid token: invalid timestamp'],
    ['t as a list', `{"a":"bob","t":[${T}]}`, 'Invalid token: invalid timestamp'],
    ['t too large to be a finite number', `{"a":"bob","t":1e400}`, 'Invalid token: invalid timestamp'],
  ])('%s → rejected', (_label, json, message) => {
    expectInvalid(() => verifySignedToken(tokenFor(json), { secrets: [SECRET], now: T }), message)
  })

  test('the near miss, an integer t, is valid', () => {
    expect(verifySignedToken(tokenFor(`{"a":"bob","t":${T}}`), { secrets: [SECRET], now: T })).toEqual({ id: 'bob', token: 'dstok' })
  })

  // d present, not null, not an integer
  test.each([
    ['d as a string', `{"a":"bob","t":${T},"d":"60"}`],
    ['d as a fraction', `{"a":"bob","t":${T},"d":60.5}`],
    ['d as true', `{"a":"bob","t":${T},"d":true}`],
    ['d as false', `{"a":"bob","t":${T},"d":false}`],
    ['d as an object', `{"a":"bob","t":${T},"d":{}}`],
  ])('%s → Invalid token: invalid duration', (_label, json) => {
    expectInvalid(() => verifySignedToken(tokenFor(json), { secrets: [SECRET], now: T }), 'Invalid token: invalid duration')
  })

  // d null is the same as d absent
  test.each([
    ['d null, no max TTL', `{"a":"bob","t":${T},"d":null}`, 0, { id: 'bob', token: 'dstok' }],
    ['d absent, no max TTL', `{"a":"bob","t":${T}}`, 0, { id: 'bob', token: 'dstok' }],
    ['d null, max TTL', `{"a":"bob","t":${T},"d":null}`, 100, { id: 'bob', token: 'dstok', token_expires: T + 100 }],
    ['d absent, max TTL', `{"a":"bob","t":${T}}`, 100, { id: 'bob', token: 'dstok', token_expires: T + 100 }],
  ])('%s', (_label, json, maxTtl, actor) => {
    expect(verifySignedToken(tokenFor(json), { secrets: [SECRET], now: T, maxTtl })).toEqual(actor)
  })
})

describe('verifySignedToken: expiry and the max TTL', () => {
  // Lifetime = max TTL when it is non-zero and d is absent, 0 or larger; else d.
  // Each row: the lifetime in effect, shown by token_expires, and the last valid second.
  test.each([
    ['d only', { d: 60 }, 0, 60],
    ['d 0 and no max TTL: no lifetime', { d: 0 }, 0, 0],
    ['no d and no max TTL: no lifetime', {}, 0, 0],
    ['max TTL clamps an absent d', {}, 30, 30],
    ['max TTL clamps d 0 (unlike Datasette, d 0 does not escape it)', { d: 0 }, 30, 30],
    ['max TTL clamps a larger d', { d: 60 }, 30, 30],
    ['a smaller d wins over the max TTL', { d: 10 }, 30, 10],
    ['d equal to the max TTL', { d: 30 }, 30, 30],
  ])('%s', (_label, extra, maxTtl, lifetime) => {
    const token = createSignedToken({ actorId: 'bob', secret: SECRET, now: T, ...('d' in extra ? { expiresAfter: extra.d } : {}) })
    // createSignedToken omits d 0, so sign d 0 by hand to test what a hand-made token does
    const t = 'd' in extra && extra.d === 0 ? tokenFor(`{"a":"bob","t":${T},"d":0}`) : token
    const verify = (now: number): unknown => verifySignedToken(t, { secrets: [SECRET], now, maxTtl })
    if (lifetime === 0) {
      expect(verify(T + 10 ** 9)).toEqual({ id: 'bob', token: 'dstok' })
      return
    }
    // now - t == lifetime: still valid; one second later: expired
    expect(verify(T + lifetime)).toEqual({ id: 'bob', token: 'dstok', token_expires: T + lifetime })
    expectInvalid(() => verify(T + lifetime + 1), 'Token has expired')
    // a fraction of a second past the boundary is already past it
    expectInvalid(() => verify(T + lifetime + 0.001), 'Token has expired')
  })

  test('a token from the future within the clock skew is not expired', () => {
    expect(verifySignedToken(tokenFor(`{"a":"bob","t":${T + 100},"d":5}`), { secrets: [SECRET], now: T, clockSkew: 100 })).toEqual({
      id: 'bob',
      token: 'dstok',
      token_expires: T + 105,
    })
  })

  test('expiry is checked before the actor id and _r (Datasette\'s order)', () => {
    expectInvalid(() => verifySignedToken(tokenFor(`{"t":${T},"d":1,"_r":null}`), { secrets: [SECRET], now: T + 2 }), 'Token has expired')
  })
})

describe('verifySignedToken: a timestamp in the future (security review, issue 9)', () => {
  const FIVE_YEARS = 5 * 365 * 86_400

  test('a token dated five years ahead is refused, even with a one-hour max TTL it would outlive', () => {
    const token = tokenFor(`{"a":"bob","t":${T + FIVE_YEARS}}`)
    const caught = thrown(() => verifySignedToken(token, { secrets: [SECRET], now: T, maxTtl: 3600 }))
    expect(caught).toMatchObject({ message: 'Invalid token: timestamp in the future', reason: 'not_yet_valid', status: 401 })
  })

  test('the default clock skew is 5 seconds: t = now + 5 verifies, t = now + 6 does not', () => {
    expect(verifySignedToken(tokenFor(`{"a":"bob","t":${T + 5}}`), { secrets: [SECRET], now: T })).toEqual({ id: 'bob', token: 'dstok' })
    expectInvalid(() => verifySignedToken(tokenFor(`{"a":"bob","t":${T + 6}}`), { secrets: [SECRET], now: T }), 'Invalid token: timestamp in the future')
  })

  test('a huge t is refused, not an overflow', () => {
    expectInvalid(() => verifySignedToken(tokenFor(`{"a":"bob","t":1e300}`), { secrets: [SECRET], now: T }), 'Invalid token: timestamp in the future')
  })

  test('the skew is configurable: clockSkew, the gate option and the setting', async () => {
    expect(verifySignedToken(tokenFor(`{"a":"bob","t":${T + 60}}`), { secrets: [SECRET], now: T, clockSkew: 60 })).toEqual({ id: 'bob', token: 'dstok' })
    expectInvalid(() => verifySignedToken(tokenFor(`{"a":"bob","t":${T + 1}}`), { secrets: [SECRET], now: T, clockSkew: 0 }), 'Invalid token: timestamp in the future')
    const ahead = `Bearer ${tokenFor(`{"a":"bob","t":${T + 60}}`)}`
    const viaSetting = createGate({ secret: SECRET, settings: { signed_tokens_clock_skew: 60 } }, { now: () => T })
    await expect(viaSetting.authenticate({ authorization: ahead })).resolves.toEqual({ id: 'bob', token: 'dstok' })
    const viaOption = createGate({ secret: SECRET, settings: { signed_tokens_clock_skew: 60 } }, { now: () => T, signedTokensClockSkew: 10 })
    await expect(viaOption.authenticate({ authorization: ahead })).rejects.toMatchObject({ reason: 'not_yet_valid' })
  })

  test('a bad clock skew is refused where it is given', () => {
    expect(thrown(() => verifySignedToken(tokenFor(`{"a":"bob","t":${T}}`), { secrets: [SECRET], now: T, clockSkew: -1 }))).toEqual(
      new TypeError('"clockSkew" must be a non-negative integer number of seconds, got -1'),
    )
    expect(thrown(() => createGate({}, { signedTokensClockSkew: 1.5 }))).toEqual(
      new TypeError('"signedTokensClockSkew" option must be a non-negative integer number of seconds, got 1.5'),
    )
    expect(thrown(() => loadConfig({ settings: { signed_tokens_clock_skew: -3 } }))).toMatchObject({
      problems: [{ path: 'settings.signed_tokens_clock_skew', message: 'must be at least 0; got the number -3' }],
    })
  })
})

describe('verifySignedToken: actor id and _r', () => {
  // a missing or not a non-empty string
  test.each([
    ['no a', `{"t":${T}}`, 'Invalid token: no actor id'],
    ['a as a number', `{"a":42,"t":${T}}`, 'Invalid token: invalid actor id'],
    ['a as null', `{"a":null,"t":${T}}`, 'Invalid token: invalid actor id'],
    ['a as an object', `{"a":{"id":"bob"},"t":${T}}`, 'Invalid token: invalid actor id'],
    ['a empty', `{"a":"","t":${T}}`, 'Invalid token: invalid actor id'],
  ])('%s → rejected', (_label, json, message) => {
    expectInvalid(() => verifySignedToken(tokenFor(json), { secrets: [SECRET], now: T }), message)
  })

  test('the near miss, a string id of a number, is valid', () => {
    expect(verifySignedToken(tokenFor(`{"a":"42","t":${T}}`), { secrets: [SECRET], now: T })).toEqual({ id: '42', token: 'dstok' })
  })

  // _r present but malformed: the token is invalid (never treated as unrestricted)
  test.each([
    ['_r null', 'null', 'Invalid token: _r must be an object, got null'],
    ['_r a list', '["vi"]', 'Invalid token: _r must be an object, got a list'],
    ['_r a string', '"vi"', 'Invalid token: _r must be an object, got string'],
    ['_r with an unknown key', '{"x":["vi"]}', 'Invalid token: _r has an unknown key "x"; only "a", "d" and "r" are allowed'],
    ['_r.a not a list', '{"a":"vi"}', 'Invalid token: _r.a must be a list of action names'],
    ['_r.d a list', '{"d":["vi"]}', 'Invalid token: _r.d must be an object of database name to a list of action names'],
    ['_r.r.db.t not a list', '{"r":{"db":{"t":"vt"}}}', 'Invalid token: _r.r.db.t must be a list of action names'],
  ])('%s → rejected', (_label, r, message) => {
    expectInvalid(() => verifySignedToken(tokenFor(`{"a":"bob","t":${T},"_r":${r}}`), { secrets: [SECRET], now: T }), message)
  })

  // Well-formed _r, including the empty one (which denies everything), is carried on the actor
  test.each([
    ['_r empty', '{}', {}],
    ['_r with unknown action names', '{"a":["no-such-action"]}', { a: ['no-such-action'] }],
    ['_r with all three keys', '{"a":["vi"],"d":{"db":["vt"]},"r":{"db":{"t":["ir"]}}}', { a: ['vi'], d: { db: ['vt'] }, r: { db: { t: ['ir'] } } }],
  ])('%s is carried as is', (_label, r, expected) => {
    expect(verifySignedToken(tokenFor(`{"a":"bob","t":${T},"_r":${r}}`), { secrets: [SECRET], now: T })).toEqual({
      id: 'bob',
      token: 'dstok',
      _r: expected,
    })
  })

  test('unknown payload keys are ignored and never reach the actor', () => {
    expect(verifySignedToken(tokenFor(`{"a":"bob","token":"dstok","id":"root","token_expires":1,"t":${T},"x":1}`), { secrets: [SECRET], now: T })).toEqual({
      id: 'bob',
      token: 'dstok',
    })
  })

  test('token_expires is present only when there is a lifetime', () => {
    const token = createSignedToken({ actorId: 'bob', secret: SECRET, now: T, expiresAfter: 7 })
    expect(verifySignedToken(token, { secrets: [SECRET], now: T })).toHaveProperty('token_expires', T + 7)
    expect(verifySignedToken(createSignedToken({ actorId: 'bob', secret: SECRET, now: T }), { secrets: [SECRET], now: T })).not.toHaveProperty('token_expires')
  })
})

describe('verifySignedToken: a validly signed payload that cannot be decoded', () => {
  // Only a holder of the secret can make these; they fail closed with one message, detail in cause
  test.each([
    ['a character outside base64url', signSignedTokenBody('ab*c', SECRET), 'the payload is not valid base64url'],
    ['an impossible base64url length', signSignedTokenBody('abcde', SECRET), 'the payload is not valid base64url'],
    ['a dot inside the payload (the split is on the last dot)', signSignedTokenBody('eyJh.eyJh', SECRET), 'the payload is not valid base64url'],
    ['not JSON', tokenFor('not json'), 'the payload is not valid JSON'],
    ['a JSON list', tokenFor(`["bob",${T}]`), 'the payload is not a JSON object'],
    ['JSON null', tokenFor('null'), 'the payload is not a JSON object'],
    ['not UTF-8', signSignedTokenBody(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url'), SECRET), 'the payload is not valid UTF-8'],
    ['a leading dot but no zlib stream', signSignedTokenBody(`.${Buffer.from(`{"a":"bob","t":${T}}`).toString('base64url')}`, SECRET), 'the payload is not a valid zlib stream'],
    ['a zlib bomb (over 64 KiB inflated)', tokenFor(`{"a":"${'x'.repeat(70_000)}","t":${T}}`), 'the decompressed payload is larger than 65536 bytes'],
  ])('%s → Invalid token: malformed payload', (_label, token, cause) => {
    const caught = thrown(() => verifySignedToken(token, { secrets: [SECRET], now: T }))
    expect(caught).toBeInstanceOf(InvalidTokenError)
    expect(caught).toMatchObject({ code: 'ERR_INVALID_TOKEN', message: 'Invalid token: malformed payload' })
    expect((caught as Error).cause).toEqual(new Error(cause))
  })

  test('the near miss, a large payload under the cap, verifies', () => {
    const id = 'x'.repeat(60_000)
    expect(verifySignedToken(tokenFor(`{"a":"${id}","t":${T}}`), { secrets: [SECRET], now: T })).toEqual({ id, token: 'dstok' })
  })
})

describe('verifySignedToken: error messages never contain the token or the secret', () => {
  test.each([
    ['wrong secret', createSignedToken({ actorId: 'bob', secret: SECRET, now: T }), ['another-secret-value']],
    ['expired', createSignedToken({ actorId: 'bob', secret: SECRET, now: T, expiresAfter: 1 }), [SECRET]],
  ])('%s', (_label, token, secrets) => {
    try {
      verifySignedToken(token, { secrets, now: T + 10 })
      throw new Error('expected a rejection')
    } catch (err) {
      const text = `${(err as Error).message} ${JSON.stringify(err)}`
      expect(err).toBeInstanceOf(InvalidTokenError)
      expect(text).not.toContain(token.slice(6, 20))
      expect(text).not.toContain(token.slice(-10))
      for (const s of secrets) expect(text).not.toContain(s)
    }
  })
})

describe('verifySignedToken: misuse', () => {
  const token = createSignedToken({ actorId: 'bob', secret: SECRET, now: T })
  test.each([
    ['no secrets while allowed', { secrets: [] }, '"secrets" must name at least one secret when signed tokens are allowed'],
    ['an empty secret', { secrets: [SECRET, ''] }, '"secrets[1]" must be a non-empty string, got an empty string'],
    ['a secret that is not a string', { secrets: [42] }, '"secrets[0]" must be a non-empty string, got 42'],
    ['secrets not a list', { secrets: { a: 1 } }, '"secrets" must be a string or an array of strings, got object'],
    ['a negative max TTL', { maxTtl: -1 }, '"maxTtl" must be a non-negative integer number of seconds (0 for no limit), got -1'],
    ['a fractional max TTL', { maxTtl: 0.5 }, '"maxTtl" must be a non-negative integer number of seconds (0 for no limit), got 0.5'],
    ['allowSignedTokens not a boolean', { allowSignedTokens: 'false' }, '"allowSignedTokens" must be a boolean, got a string'],
    ['now missing', { now: undefined }, '"now" must be a finite number of unix seconds, got undefined'],
    ['now NaN', { now: Number.NaN }, '"now" must be a finite number of unix seconds, got NaN'],
  ])('%s → TypeError', (_label, bad, message) => {
    const options = { secrets: [SECRET], now: T, ...bad } as unknown as Parameters<typeof verifySignedToken>[1]
    expect(() => verifySignedToken(token, options)).toThrow(new TypeError(message))
  })

  test('a non-string token is misuse', () => {
    expect(() => verifySignedToken(42 as unknown as string, { secrets: [SECRET], now: T })).toThrow(new TypeError('The token must be a string, got 42'))
  })
})

// ---------------------------------------------------------------------------------------------
// decodeSignedToken (no verification)
// ---------------------------------------------------------------------------------------------

describe('decodeSignedToken', () => {
  test('decodes without a secret and without checking the signature or expiry', () => {
    const token = createSignedToken({ actorId: 'bob', secret: SECRET, now: T, expiresAfter: 1 })
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.forged`
    expect(decodeSignedToken(forged)).toEqual({ payload: { a: 'bob', t: T, d: 1 }, compressed: false, json: `{"a":"bob","t":${T},"d":1}` })
  })

  test.each([
    ['not a dstok_ token', 'DSTOK_abc.def', 'Not a signed token: it does not start with "dstok_"'],
    ['no dot', 'dstok_abc', 'Invalid token: no signature'],
    ['an undecodable payload', 'dstok_!!.sig', 'Invalid token: malformed payload'],
  ])('%s → rejected', (_label, token, message) => {
    expectInvalid(() => decodeSignedToken(token), message)
  })
})

// ---------------------------------------------------------------------------------------------
// signedTokenSource
// ---------------------------------------------------------------------------------------------

describe('signedTokenSource', () => {
  test('is named dstok and verifies with the context time', () => {
    const source = signedTokenSource({ secrets: [SECRET], maxTtl: 10 })
    const token = createSignedToken({ actorId: 'bob', secret: SECRET, now: T })
    expect(source.name).toBe('dstok')
    expect(answerOf(source, token, T + 10)).toEqual({ actor: { id: 'bob', token: 'dstok', token_expires: T + 10 }, expiresAt: T + 10, ownerId: 'bob' })
    expect(source.cacheFor).toBe(Infinity)
    expectInvalid(() => actorOf(source, token, T + 11), 'Token has expired')
    expect(actorOf(source, 'not-mine', T)).toBeNull()
  })

  test('rotation: verifies tokens signed with any listed secret', () => {
    const source = signedTokenSource({ secrets: ['new', 'old'] })
    expect(actorOf(source, createSignedToken({ actorId: 'a', secret: 'old', now: T }), T)).toEqual({ id: 'a', token: 'dstok' })
    expect(actorOf(source, createSignedToken({ actorId: 'b', secret: 'new', now: T }), T)).toEqual({ id: 'b', token: 'dstok' })
    expectInvalid(() => actorOf(source, createSignedToken({ actorId: 'c', secret: 'gone', now: T }), T), 'Invalid token signature')
  })

  test('disabled: claims every dstok_ token and rejects it; needs no secret', () => {
    const source = signedTokenSource({ secrets: [], allowSignedTokens: false })
    expectInvalid(() => actorOf(source, createSignedToken({ actorId: 'a', secret: SECRET, now: T }), T), 'Signed tokens are not enabled')
    expect(actorOf(source, 'DSTOK_x.y', T)).toBeNull()
  })

  test('checks its settings once, when created', () => {
    expect(() => signedTokenSource({ secrets: [] })).toThrow(new TypeError('"secrets" must name at least one secret when signed tokens are allowed'))
    expect(() => signedTokenSource({ secrets: [SECRET], maxTtl: -5 })).toThrow(
      new TypeError('"maxTtl" must be a non-negative integer number of seconds (0 for no limit), got -5'),
    )
  })

  test('rejects a context without a usable time', () => {
    const source = signedTokenSource({ secrets: [SECRET] })
    expect(() => actorOf(source, 'dstok_x.y', Number.NaN)).toThrow(new TypeError('"now" must be a finite number of unix seconds, got NaN'))
  })
})
