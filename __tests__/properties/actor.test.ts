/**
 * Property: however an actor is made (copied by lib/internal/actor.ts, from a JWT actor claim,
 * from a static token, from an application source), every key of the input is an own key of the
 * actor, no object of the actor has a prototype other than Object.prototype, no key reaches a
 * prototype chain, and Object.prototype itself is never changed. Keys are drawn with a bias to
 * `__proto__`, `constructor`, `prototype` and Object.prototype's own names.
 *
 * Inputs are made by JSON.parse of generated JSON text, as a token or a configuration file
 * gives them: that is how `"__proto__"` arrives as an ordinary own key.
 */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { createGate, jwtTokenSource } from 'tokengate'
import { buildActor } from '../../lib/internal/actor.js'
import { tokenDigest } from '../../lib/internal/token-digest.js'
import { RUNS, check, checkAsync, titled } from './runs.js'

const DANGEROUS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf', 'id']
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...DANGEROUS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) })

/** JSON text of an object, keys as generated (duplicates dropped), nested a few levels. */
const { json: jsonValue } = fc.letrec<{ json: string; object: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false', '0', '-1.5', '"root"', '""'),
    tie('object'),
    fc.array(tie('json'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  ),
  object: fc
    .uniqueArray(fc.tuple(key, tie('json')), { maxLength: 4, selector: ([k]) => k })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}))
const objectText = jsonValue.filter((text) => text.startsWith('{'))

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort()

/** Every object and array inside a value, the value included. */
function containers(value: unknown, out: object[] = []): object[] {
  if (typeof value !== 'object' || value === null) return out
  out.push(value)
  for (const item of Object.values(value)) containers(item, out)
  return out
}

/** The actor is the input, key for key, as own data, with Object.prototype everywhere. */
function expectPlainCopy(input: Record<string, unknown>, actor: Record<string, unknown>, added: readonly string[] = []): void {
  for (const object of containers(actor)) {
    const expected = Array.isArray(object) ? Array.prototype : Object.prototype
    if (Object.getPrototypeOf(object) !== expected) throw new Error('an object of the actor has another prototype')
  }
  for (const name of Object.keys(input)) {
    if (added.includes(name)) continue
    if (!Object.hasOwn(actor, name)) throw new Error(`key ${JSON.stringify(name)} is not an own key of the actor`)
    if (JSON.stringify(actor[name]) !== JSON.stringify(input[name])) throw new Error(`key ${JSON.stringify(name)} changed`)
  }
  // No inherited id, whatever the input said under "__proto__".
  if (!Object.hasOwn(actor, 'id') && actor['id'] !== undefined) throw new Error('the actor inherits an id')
  if (JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort()) !== JSON.stringify(PROTOTYPE_NAMES)) {
    throw new Error('Object.prototype changed')
  }
  if (({} as Record<string, unknown>)['polluted'] !== undefined) throw new Error('Object.prototype was polluted')
}

describe('actor construction never changes a prototype, for any key', () => {
  test(titled('buildActor copies own data properties only'), () => {
    check(
      fc.property(objectText, (text) => {
        const input = JSON.parse(text) as Record<string, unknown>
        const built = buildActor(input)
        if (!built.ok) throw new Error(`refused: ${built.problem}`)
        expectPlainCopy(input, built.actor as Record<string, unknown>)
        if (JSON.stringify(built.actor) !== JSON.stringify(input)) throw new Error('the copy serializes differently')
      }),
    )
  })

  const SECRET = 'a-property-test-hmac-secret-0123456789'
  const source = jwtTokenSource({ algorithms: ['HS256'], secret: SECRET })
  const b64 = (text: string): string => Buffer.from(text).toString('base64url')
  function jwtWithActor(actorJson: string): string {
    const input = `${b64('{"alg":"HS256"}')}.${b64(`{"sub":"alice","actor":${actorJson}}`)}`
    return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
  }

  test(titled('a JWT actor claim becomes a plain actor'), () => {
    check(
      fc.property(objectText, (text) => {
        const input = JSON.parse(text) as Record<string, unknown>
        if (Object.hasOwn(input, '_r')) return // refused on purpose: restrictions belong in the _r claim
        const token = jwtWithActor(text)
        const result = source.verify(token, { now: 1_700_000_000, digest: tokenDigest(token) })
        const actor = result?.actor as Record<string, unknown>
        expectPlainCopy(input, actor, ['token', 'token_expires'])
        if (actor['token'] !== 'jwt') throw new Error('token is not "jwt"')
      }),
    )
  })

  // A gate per run: a fifth of the runs, on top of the 10,000 of each property above.
  test(titled('static tokens and application sources give plain actors through the gate', Math.ceil(RUNS / 5)), async () => {
    await checkAsync(
      fc.asyncProperty(objectText, async (text) => {
        const input = JSON.parse(text) as Record<string, unknown>
        if (Object.hasOwn(input, '_r')) return
        const gate = createGate(
          { tokens: [{ token: 'static-token', actor: JSON.parse(text) as Record<string, unknown> }] },
          { tokenSources: [{ name: 'app', verify: (token) => (token === 'app-token' ? { actor: JSON.parse(text) as Record<string, unknown> } : null) }] },
        )
        for (const token of ['static-token', 'app-token']) {
          const actor = (await gate.authenticate({ authorization: `Bearer ${token}` })) as Record<string, unknown>
          expectPlainCopy(input, actor)
        }
      }),
      Math.ceil(RUNS / 5),
    )
  })
})
