/**
 * Datasette's `ds_actor` cookie, byte-compatible both ways (SPEC section 10). The vectors in
 * fixtures/ds-actor-vectors.json were made with Python's itsdangerous 2.2.0 exactly as Datasette
 * makes the cookie (`URLSafeSerializer(secret, "actor").dumps({"a": actor, "e": base62(expiry)})`),
 * independently of this code.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createActorCookie, createGate, readActorCookie } from 'tokengate'
import type { Actor } from 'tokengate'
import { base62Decode, base62Encode, cookieValue } from '../../lib/sessions/actor-cookie.js'
import { decodePayload, deriveSigningKey, encodePayload, signatureOf } from '../../lib/internal/itsdangerous.js'
import { thrown } from '../helpers/thrown.js'

interface Vector {
  name: string
  secret: string
  actor: Actor
  expires_at: number | null
  e: string | null
  cookie: string
}
const { vectors } = JSON.parse(readFileSync(join(__dirname, '../fixtures/ds-actor-vectors.json'), 'utf8')) as { vectors: Vector[] }

/** A cookie signed with `secret` whose payload is exactly this JSON: only the rule under test is broken. */
function signedJson(json: string, secret = 'mysecret'): string {
  const body = encodePayload(json)
  return `${body}.${signatureOf(deriveSigningKey(secret, 'actor'), body)}`
}

describe("Datasette's cookies are read (itsdangerous vectors)", () => {
  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const before = v.expires_at === null ? 1_700_000_000 : v.expires_at - 1
    const read = readActorCookie(v.cookie, { secrets: v.secret, now: before })
    expect(read).toEqual(v.actor)
    // near misses: another secret, one character changed, and (when it has one) past its expiry
    expect(readActorCookie(v.cookie, { secrets: 'not-the-secret', now: before })).toBeNull()
    const last = v.cookie.at(-1) === 'A' ? 'B' : 'A'
    expect(readActorCookie(`${v.cookie.slice(0, -1)}${last}`, { secrets: v.secret, now: before })).toBeNull()
    if (v.expires_at !== null) {
      expect(readActorCookie(v.cookie, { secrets: v.secret, now: v.expires_at })).toEqual(v.actor) // Datasette: expired only when now > e
      expect(readActorCookie(v.cookie, { secrets: v.secret, now: v.expires_at + 1 })).toBeNull()
    }
  })

  test('a rotated secret: any of the secrets verifies', () => {
    const [v] = vectors
    expect(readActorCookie(v?.cookie ?? '', { secrets: ['new-secret', v?.secret ?? ''], now: 0 })).toEqual(v?.actor)
  })
})

describe('our cookies are what Datasette writes', () => {
  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const now = v.expires_at === null ? 1_700_000_000 : v.expires_at - 3600
    const made = createActorCookie({ actor: v.actor, secret: v.secret, now, expiresAfter: v.expires_at === null ? null : 3600 })
    if (v.cookie.startsWith('.')) {
      // Compressed: Node's zlib may write other (equally valid) deflate bytes; the JSON inside is the same.
      const ours = decodePayload(made.slice(0, made.lastIndexOf('.')))
      const theirs = decodePayload(v.cookie.slice(0, v.cookie.lastIndexOf('.')))
      expect(ours.ok && theirs.ok && ours.json === theirs.json).toBe(true)
      expect(made.startsWith('.')).toBe(true)
    } else {
      expect(made).toBe(v.cookie) // byte for byte
    }
    expect(readActorCookie(made, { secrets: v.secret, now })).toEqual(v.actor)
  })

  test('gate.createActorCookie signs with the gate secret and its clock; tokenAuth-style reading gives the actor back', () => {
    const gate = createGate({ secret: 'mysecret' }, { now: () => 1767225600 - 3600 })
    expect(gate.createActorCookie({ id: 'root' }, { expiresAfter: 3600 })).toBe(vectors[1]?.cookie)
    expect(gate.createActorCookie({ id: 'root' })).toBe(vectors[0]?.cookie)
  })

  test.each([
    ['no secret', () => createGate({}).createActorCookie({ id: 'root' }), 'No secret is configured'],
    ['an actor that is not an object', () => createActorCookie({ actor: 'root' as unknown as Actor, secret: 's' }), 'The actor of a cookie must be a JSON object'],
    ['expiresAfter 0', () => createActorCookie({ actor: { id: 'root' }, secret: 's', expiresAfter: 0 }), '"expiresAfter" must be a positive whole number of seconds'],
    ['an unknown option', () => createGate({ secret: 's' }).createActorCookie({ id: 'root' }, { expiresIn: 5 } as never), '"expiresIn" is not an option of createActorCookie'],
  ])('misuse: %s → TypeError', (_label, make, message) => {
    const error = thrown(make)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain(message)
  })
})

describe('a cookie that cannot be used is no cookie (anonymous, not an error)', () => {
  test.each([
    ['no "a"', '{"e":"BvbGGi"}'],
    ['"a" null', '{"a":null}'],
    ['"a" a string', '{"a":"root"}'],
    ['"a" a list', '{"a":["root"]}'],
    ['"e" not base62', '{"a":{"id":"root"},"e":"!!"}'],
    ['"e" a number', '{"a":{"id":"root"},"e":1767225600}'],
    ['"e" in the past', `{"a":{"id":"root"},"e":"${base62Encode(1_600_000_000)}"}`],
    ['not an object', '[1,2]'],
  ])('%s', (_label, json) => {
    expect(readActorCookie(signedJson(json), { secrets: 'mysecret', now: 1_700_000_000 })).toBeNull()
  })

  test.each([
    ['an empty "e" means no expiry', '{"a":{"id":"root"},"e":""}'],
    ['a null "e" means no expiry', '{"a":{"id":"root"},"e":null}'],
    ['unknown keys are ignored', '{"a":{"id":"root"},"x":1}'],
  ])('  near miss: %s', (_label, json) => {
    expect(readActorCookie(signedJson(json), { secrets: 'mysecret', now: 1_700_000_000 })).toEqual({ id: 'root' })
  })

  test.each(['', '.', 'abc', 'abc.', '.abc', 'eyJhIjp7ImlkIjoicm9vdCJ9fQ.J8Fcj1k_Povld0NENrqyp7GV8E', 'eyJhIjp7ImlkIjoicm9vdCJ9fQ.J8Fcj1k_Povld0NENrqyp7GV8Ec=='])('garbage %j', (value) => {
    expect(readActorCookie(value, { secrets: 'mysecret', now: 0 })).toBeNull()
  })

  test('the actor read is frozen', () => {
    const actor = readActorCookie(vectors[0]?.cookie ?? '', { secrets: 'mysecret', now: 0 })
    expect(Object.isFrozen(actor)).toBe(true)
  })
})

describe("Datasette's base62 and the Cookie header", () => {
  test.each([
    [0, 'A'],
    [61, 'z'],
    [62, 'BA'],
    [1767225600, 'BvbGGi'],
    [1600000000, 'BkR1Fc'],
  ])('%i ↔ %s', (value, text) => {
    expect(base62Encode(value)).toBe(text)
    expect(base62Decode(text)).toBe(value)
  })

  test.each(['', '-', 'a b', 'zzzzzzzzzz'])('base62Decode(%j) is null', (text) => {
    expect(base62Decode(text)).toBeNull()
  })

  test.each([
    ['ds_actor=abc', 'abc'],
    ['a=1; ds_actor=abc; b=2', 'abc'],
    ['ds_actor="abc"', 'abc'],
    ['x_ds_actor=abc', undefined],
    ['ds_actor=first; ds_actor=second', 'first'],
    ['', undefined],
  ])('cookieValue(%j)', (header, value) => {
    expect(cookieValue(header, 'ds_actor')).toBe(value)
  })
})

describe('cookie actors are bounded plain data (issue 9 applied to issue 12)', () => {
  const deep = (levels: number): string => `{"a":{"id":"alice","x":${'['.repeat(levels)}${']'.repeat(levels)}}}`

  test('a signed cookie whose actor nests 30,000 levels is no cookie: null, not a stack overflow', () => {
    const value = signedJson(deep(30_000))
    expect(value.length).toBeLessThan(300) // compressed: a tiny cookie
    expect(readActorCookie(value, { secrets: 'mysecret' })).toBeNull()
  })

  test('near miss: 30 levels deep is an actor', () => {
    expect(readActorCookie(signedJson(deep(30)), { secrets: 'mysecret' })).toMatchObject({ id: 'alice' })
  })

  test('a "__proto__" key of a cookie actor is an own key, never a prototype', () => {
    const actor = readActorCookie(signedJson('{"a":{"__proto__":{"id":"root"},"id":"alice"}}'), { secrets: 'mysecret' }) as Actor
    expect(Object.getPrototypeOf(actor)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(actor, '__proto__')?.value).toEqual({ id: 'root' })
    expect(actor['id']).toBe('alice')
    expect(createGate({}, { rootEnabled: true }).allowed(actor, 'permissions-debug')).toBe(false)
  })

  /** `n` characters that do not compress (hex of a hash chain), so a cookie grows with them. */
  const noise = (n: number): string => {
    let out = ''
    for (let i = 0; out.length < n; i++) out += createHash('sha256').update(String(i)).digest('hex')
    return out.slice(0, n)
  }

  test('a cookie value longer than browsers keep (4087 characters after "ds_actor=") is no cookie', () => {
    const cookie = (n: number): string => signedJson(JSON.stringify({ a: { id: 'alice', n: noise(n) } }))
    // The longest actor whose cookie fits, found from above; the next one does not fit.
    let n = 7000
    while (cookie(n).length > 4087 && n > 0) n--
    expect(cookie(n).length).toBeLessThanOrEqual(4087)
    expect(cookie(n + 1).length).toBeGreaterThan(4087)
    expect(readActorCookie(cookie(n), { secrets: 'mysecret' })).toMatchObject({ id: 'alice' })
    expect(readActorCookie(cookie(n + 1), { secrets: 'mysecret' })).toBeNull()
  })

  test('createActorCookie refuses a cookie browsers would drop, and an actor too deep or not JSON', () => {
    const big = { id: 'alice', n: noise(8000) }
    const error = thrown(() => createActorCookie({ actor: big, secret: 'mysecret' }))
    expect(error).toBeInstanceOf(TypeError)
    expect((error as TypeError).message).toMatch(/^The ds_actor cookie for this actor would be \d+ characters; browsers keep at most 4087 \(4096 bytes with its name\), so sign in a smaller actor$/)
    let nested: Record<string, unknown> = { id: 'alice' }
    for (let i = 0; i < 40; i++) nested = { n: nested }
    expect(thrown(() => createActorCookie({ actor: nested, secret: 'mysecret' }))).toEqual(new TypeError('The actor of a cookie is nested more than 32 levels deep'))
    expect(thrown(() => createActorCookie({ actor: { id: 'alice', at: new Date(0) } as unknown as Actor, secret: 'mysecret' }))).toEqual(
      new TypeError('The actor of a cookie is not JSON data: it holds a Date'),
    )
    // Near miss: a small actor signs.
    expect(readActorCookie(createActorCookie({ actor: { id: 'alice', n: big.n.slice(0, 2000) }, secret: 'mysecret' }), { secrets: 'mysecret' })).toMatchObject({ id: 'alice' })
  })
})
