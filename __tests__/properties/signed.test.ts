/**
 * Property: a validly signed `dstok_` token with a hostile payload (every claim of any type,
 * `__proto__` and other keys, non-object payloads, compressed or not) verifies exactly as a
 * reference model written from SPEC section 6 and docs/tokens.md's verification order says:
 * the actor it describes, or a 401 with the documented message and reason. Nothing else is ever
 * thrown, and the actor is plain data.
 */
import fc from 'fast-check'
import { InvalidTokenError, verifySignedToken } from 'tokengate'
import { encodeSignedTokenPayload, signSignedTokenBody } from '../../lib/tokens/signed.js'
import { check, titled } from './runs.js'

const SECRET = 'the-property-test-secret'
const NOW = 1_700_000_000
const SKEW = 5

type Outcome = { actor: unknown } | { message: string; reason: string }

/** A well-formed `_r` by SPEC section 5 (and at most 10,000 grants; the generator stays far below). */
function restrictionsOk(value: unknown): boolean {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  const isList = (v: unknown): boolean => Array.isArray(v) && v.every((item) => typeof item === 'string')
  if (!isObject(value)) return false
  if (Object.keys(value).some((k) => k !== 'a' && k !== 'd' && k !== 'r')) return false
  if (Object.hasOwn(value, 'a') && !isList(value['a'])) return false
  if (Object.hasOwn(value, 'd') && !(isObject(value['d']) && Object.values(value['d']).every(isList))) return false
  if (Object.hasOwn(value, 'r')) {
    const r = value['r']
    if (!isObject(r) || !Object.values(r).every((children) => isObject(children) && Object.values(children).every(isList))) return false
  }
  return true
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)

/** SPEC section 6, in the documented order, for a payload that parsed as `payload`. */
function model(payload: unknown, maxTtl: number): Outcome {
  const fail = (message: string, reason: string): Outcome => ({ message, reason })
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return fail('Invalid token: malformed payload', 'malformed')
  const p = payload as Record<string, unknown>
  if (!Object.hasOwn(p, 't')) return fail('Invalid token: no timestamp', 'invalid_claims')
  const t = p['t']
  if (!isInteger(t)) return fail('Invalid token: invalid timestamp', 'invalid_claims')
  const d = Object.hasOwn(p, 'd') ? p['d'] : undefined
  if (d !== undefined && d !== null && !isInteger(d)) return fail('Invalid token: invalid duration', 'invalid_claims')
  if (t > NOW + SKEW) return fail('Invalid token: timestamp in the future', 'not_yet_valid')
  const given = d === undefined || d === null ? 0 : d
  const lifetime = maxTtl !== 0 && (given === 0 || given > maxTtl) ? maxTtl : given
  if (lifetime !== 0 && NOW - t > lifetime) return fail('Token has expired', 'expired')
  if (!Object.hasOwn(p, 'a')) return fail('Invalid token: no actor id', 'invalid_claims')
  const a = p['a']
  if (typeof a !== 'string' || a === '') return fail('Invalid token: invalid actor id', 'invalid_claims')
  const restricted = Object.hasOwn(p, '_r')
  if (restricted && !restrictionsOk(p['_r'])) return { message: 'invalid _r', reason: 'invalid_restrictions' }
  return {
    actor: { id: a, token: 'dstok', ...(restricted ? { _r: p['_r'] } : {}), ...(lifetime === 0 ? {} : { token_expires: t + lifetime }) },
  }
}

function actual(token: string, maxTtl: number): Outcome {
  try {
    const actor = verifySignedToken(token, { secrets: [SECRET], now: NOW, maxTtl })
    return { actor }
  } catch (error) {
    if (!(error instanceof InvalidTokenError) || error.status !== 401) throw error
    // _r problems are worded by lib/; the model only knows that the reason is invalid_restrictions.
    return { message: error.reason === 'invalid_restrictions' ? 'invalid _r' : error.message, reason: error.reason }
  }
}

// Hostile values for every claim: right and wrong types, boundaries, huge and fractional numbers.
const anyScalar = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, '', 'bob', '1700000000', 0, -1, 1.5, 1e21, 1e300, -0, NOW, NOW + SKEW, NOW + SKEW + 1, NOW - 3600),
  fc.integer({ min: NOW - 100_000, max: NOW + 100 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 4 }),
)
const anyValue = fc.oneof({ weight: 4, arbitrary: anyScalar }, { weight: 1, arbitrary: fc.array(anyScalar, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 2 }), anyScalar, { maxKeys: 2 }) })
const names = fc.array(fc.constantFrom('vt', 'view-table', 'ir', 'x', ''), { maxLength: 2 })
const restrictions = fc.oneof(
  { weight: 3, arbitrary: fc.record({ a: names, d: fc.dictionary(fc.constantFrom('db', '__proto__'), names, { maxKeys: 2 }), r: fc.dictionary(fc.constantFrom('db', 'constructor'), fc.dictionary(fc.constantFrom('t', '__proto__'), names, { maxKeys: 1 }), { maxKeys: 1 }) }, { requiredKeys: [] }) as fc.Arbitrary<unknown> },
  { weight: 1, arbitrary: anyValue },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'd', 'r', 'x', '__proto__'), anyValue, { maxKeys: 2 }) as fc.Arbitrary<unknown> },
)
/** A payload as JSON text: keys in any order, any of them missing, extra ones (`__proto__`) too. */
const payloadText = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record({ a: anyValue, t: anyScalar, d: anyScalar, _r: restrictions, extra: fc.tuple(fc.constantFrom('__proto__', 'token', 'constructor', 'x'), anyValue) }, { requiredKeys: [] })
      .chain((record) => fc.shuffledSubarray(Object.keys(record), { minLength: Object.keys(record).length }).map((order) => ({ record, order })))
      .map(({ record, order }) =>
        `{${order
          .map((key) => {
            if (key === 'extra') {
              const [name, value] = record.extra as [string, unknown]
              return `${JSON.stringify(name)}:${JSON.stringify(value) ?? 'null'}`
            }
            return `${JSON.stringify(key)}:${JSON.stringify((record as Record<string, unknown>)[key]) ?? 'null'}`
          })
          .join(',')}}`,
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom('[]', '"x"', 'null', '5', '{"t":1e400}', `{"t":${NOW},"a":"x","a":"y"}`) },
)

describe('dstok_ decoding of hostile payloads signed with the test secret', () => {
  test(titled('verification agrees with the model and throws nothing but a 401'), () => {
    check(
      fc.property(payloadText, fc.constantFrom(0, 60, 3600), (json, maxTtl) => {
        const token = signSignedTokenBody(encodeSignedTokenPayload(json), SECRET)
        const got = actual(token, maxTtl)
        const expected = model(JSON.parse(json), maxTtl)
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new Error(`verification gave ${JSON.stringify(got)}, the model ${JSON.stringify(expected)}`)
        }
        if ('actor' in got && Object.getPrototypeOf(got.actor) !== Object.prototype) throw new Error('the actor has another prototype')
      }),
    )
  })
})
