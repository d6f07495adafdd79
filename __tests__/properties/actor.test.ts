/**
 * Property: however an actor is made (copied by lib/internal/actor.ts, from a JWT actor claim,
 * from a static token, from an application source, from what resolveActor answers for a token's
 * owner, from a ds_actor cookie, from a managed token's stored restrictions), every key of the input is an own key of the
 * actor, no object of the actor has a prototype other than Object.prototype, no key reaches a
 * prototype chain, and Object.prototype itself is never changed. Keys are drawn with a bias to
 * `__proto__`, `constructor`, `prototype` and Object.prototype's own names.
 *
 * Inputs are made by JSON.parse of generated JSON text, as a token or a configuration file
 * gives them: that is how `"__proto__"` arrives as an ordinary own key.
 */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { createActorCookie, createGate, createMemoryTokenStore, jwtTokenSource, readActorCookie } from 'tokengate'
import type { Restrictions, StoredToken, TokenStore, VerifiedToken } from 'tokengate'
import { buildActor } from '../../lib/internal/actor.js'
import { tokenDigest } from '../../lib/internal/token-digest.js'
import { createTokenChain } from '../../lib/tokens/chain.js'
import { managedTokenSource } from '../../lib/tokens/managed.js'
import { generateManagedToken } from '../../lib/tokens/managed-format.js'
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

  // One gate for every run: resolveActor answers what the run generated; nothing is cached
  // (tokenCacheTtl 0), so every authentication resolves again.
  const TOKEN_KEYS = ['token', 'token_id', 'token_name', '_r', 'token_expires']
  let answer = '{}'
  const resolving = createGate(
    {},
    { rootEnabled: true, secret: SECRET, tokenStore: createMemoryTokenStore(), tokenCacheTtl: 0, resolveActor: () => JSON.parse(answer) as Record<string, unknown> },
  )
  const signed = resolving.createSignedToken({ actorId: 'alice' })
  const managed = resolving.tokens!.create({ actorId: 'alice', name: 'property' })

  test(titled('what resolveActor answers becomes a plain actor, and root only by an own id'), async () => {
    const { token } = await managed
    await checkAsync(
      fc.asyncProperty(objectText, async (text) => {
        answer = text
        const input = JSON.parse(text) as Record<string, unknown>
        for (const presented of [signed, token]) {
          const actor = (await resolving.authenticate({ authorization: `Bearer ${presented}` })) as Record<string, unknown>
          expectPlainCopy(input, actor, TOKEN_KEYS)
          const root = Object.hasOwn(input, 'id') && input['id'] === 'root'
          if (resolving.allowed(actor, 'permissions-debug') !== root) throw new Error(`root is ${String(!root)}, but the own id is ${JSON.stringify(input['id'])}`)
        }
      }),
    )
  })

  test(titled('a ds_actor cookie gives back a plain actor'), () => {
    check(
      fc.property(objectText, (text) => {
        const input = JSON.parse(text) as Record<string, unknown>
        const actor = readActorCookie(createActorCookie({ actor: JSON.parse(text) as Record<string, unknown>, secret: SECRET }), { secrets: SECRET })
        if (actor === null) throw new Error('the cookie was not read back')
        expectPlainCopy(input, actor as Record<string, unknown>)
        if (JSON.stringify(actor) !== JSON.stringify(input)) throw new Error('the cookie actor serializes differently')
      }),
    )
  })

  // Restrictions whose database and resource names are drawn like the keys above: they reach the
  // store, and come back as the managed token's _r.
  const ACTIONS = ['vt', 'vd', 'ir']
  const actionList = fc.uniqueArray(fc.constantFrom(...ACTIONS), { minLength: 1, maxLength: 3 }).map((list) => JSON.stringify(list))
  const objectOf = (value: fc.Arbitrary<string>) =>
    fc.uniqueArray(fc.tuple(key, value), { maxLength: 3, selector: ([k]) => k }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`)
  const restrictionsText = fc
    .record({ a: fc.option(actionList, { nil: undefined }), d: fc.option(objectOf(actionList), { nil: undefined }), r: fc.option(objectOf(objectOf(actionList)), { nil: undefined }) })
    .map(({ a, d, r }) => `{${[a === undefined ? '' : `"a":${a}`, d === undefined ? '' : `"d":${d}`, r === undefined ? '' : `"r":${r}`].filter((p) => p !== '').join(',')}}`)
  const own = (value: unknown, name: string): unknown => (typeof value === 'object' && value !== null && Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined)
  const namesVt = (list: unknown): boolean => Array.isArray(list) && list.includes('vt')
  /** Whether restrictions (as data) name view-table on `database`/x, reading own keys only. */
  const allowsViewTable = (restrictions: Record<string, unknown>, database: string): boolean =>
    namesVt(restrictions['a']) || namesVt(own(restrictions['d'], database)) || namesVt(own(own(restrictions['r'], database), 'x'))

  // The managed source and the chain, over a store row as SQLite or PostgreSQL gives it back
  // (JSON.parse of the stored restrictions): every run, cheaply.
  let row: StoredToken | null = null
  const rowStore = { findByHash: () => row } as unknown as TokenStore
  const chain = createTokenChain({ sources: [managedTokenSource({ store: () => rowStore, prefix: 'tgk', cacheFor: 0 })], unknownTokens: 'reject', cacheSize: 0 })
  const decider = createGate({})
  const presented = generateManagedToken('tgk')

  test(titled('a managed token carries its stored restrictions as plain data, and they decide'), () => {
    check(
      fc.property(restrictionsText, key, (text, database) => {
        const restrictions = JSON.parse(text) as Record<string, unknown>
        row = {
          id: '0123456789abcdef', hash: '', name: 'p', description: null, actorId: 'alice', restrictions: JSON.parse(text) as Restrictions, permissions: null,
          createdAt: 0, createdBy: null, expiresAt: null, lastUsedAt: null, revokedAt: null, revokedBy: null, start: 'tgk_', rateLimit: null,
        }
        const verified = chain.verify(presented, 1_700_000_000) as VerifiedToken
        const actor = verified.actor as Record<string, unknown>
        expectPlainCopy({ _r: restrictions }, actor)
        if (decider.allowed(actor, 'view-table', { database, resource: 'x' }) !== allowsViewTable(restrictions, database)) {
          throw new Error(`view-table on ${JSON.stringify(database)}/x is not ${String(allowsViewTable(restrictions, database))}`)
        }
      }),
    )
  })

  // The same through a gate, its token manager and a memory store: a store per run is slower, so
  // a fifth of the runs.
  const store = createGate({}, { tokenStore: createMemoryTokenStore() })
  let made = 0

  test(titled('a managed token made through gate.tokens carries its restrictions as plain data', Math.ceil(RUNS / 5)), async () => {
    await checkAsync(
      fc.asyncProperty(restrictionsText, key, async (text, database) => {
        const restrictions = JSON.parse(text) as Record<string, unknown>
        const { token } = await store.tokens!.create({ actorId: 'alice', name: `p${made++}`, restrictions })
        const actor = (await store.authenticate({ authorization: `Bearer ${token}` })) as Record<string, unknown>
        expectPlainCopy({ _r: restrictions }, actor)
        // The decision reads own keys only: view-table on `database`/`x` is allowed exactly when _r names it.
        const expected = allowsViewTable(restrictions, database)
        if (store.allowed(actor, 'view-table', { database, resource: 'x' }) !== expected) throw new Error(`view-table on ${JSON.stringify(database)}/x is not ${String(expected)}`)
      }),
      Math.ceil(RUNS / 5),
    )
  })
})
