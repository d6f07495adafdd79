/**
 * Restrictions from an identity provider's scope claim (`scopeClaim` / `jwt.scope_claim`, with
 * an optional `scopeMap` / `jwt.scope_map`): scopes through a table, scopes read as permission
 * strings, the claim's forms (`scope` string, `scp`, `permissions` list), and the fail-closed
 * rules: no claim is `_r: {}`, an `_r` claim beside a scope claim is refused, and a token never
 * exceeds its actor.
 */
import jwt from 'jsonwebtoken'
import { ConfigError, InvalidTokenError, createGate, defineAction, jwtTokenSource } from 'tokengate'
import type { Actor, Gate, GateOptions, JwtSourceOptions } from 'tokengate'
import { thrown } from '../helpers/thrown.js'
import { actorOf } from '../helpers/source.js'

const NOW = 1_700_000_000
const SECRET = 'a-scope-test-hmac-secret-of-32-bytes-or-more'

const sign = (claims: object): string => jwt.sign({ sub: 'alice', iat: NOW, ...claims }, SECRET, { algorithm: 'HS256' })
const source = (options: Partial<JwtSourceOptions>) => jwtTokenSource({ algorithms: ['HS256'], secret: SECRET, ...options })
const TABLE = { 'read:docs': 'db:docs:read', 'write:documents': ['table:docs/documents:write'], admin: ['db:*:read', 'system:*:read'] }

describe('scopes through a table (scopeMap)', () => {
  const withTable = source({ scopeClaim: 'scope', scopeMap: TABLE })

  test.each<[string, object, Actor['_r']]>([
    ['one scope', { scope: 'read:docs' }, { d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] } }],
    ['several scopes are a union', { scope: 'openid read:docs write:documents' }, { d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] }, r: { docs: { documents: ['ir', 'ur', 'dr'] } } }],
    ['scopes the table does not name add nothing', { scope: 'openid profile email' }, {}],
    ['a repeated scope counts once', { scope: 'read:docs  read:docs' }, { d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] } }],
    ['a list of strings is accepted too', { scope: ['admin'] }, { a: ['vd', 'vt', 'vq', 'es', 'vdd', 'vh', 'vm', 'vp', 'vr'] }],
    ['no scope claim at all: nothing', {}, {}],
    ['an empty scope string: nothing', { scope: '' }, {}],
  ])('%s', (_label, claims, restrictions) => {
    expect(actorOf(withTable, sign(claims), NOW)).toEqual({ id: 'alice', token: 'jwt', _r: restrictions })
  })

  test('scope names are matched exactly (no case folding)', () => {
    expect(actorOf(withTable, sign({ scope: 'READ:DOCS' }), NOW)).toEqual({ id: 'alice', token: 'jwt', _r: {} })
  })
})

describe('scopes read as permission strings (no scopeMap)', () => {
  test.each<[string, string, object, Actor['_r']]>([
    ['Auth0 permissions list', 'permissions', { permissions: ['db:docs:read', 'system:health:read'] }, { a: ['vh'], d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] } }],
    ['Azure scp string', 'scp', { scp: 'db:sales:write table:docs/notes:read' }, { d: { sales: ['ir', 'ur', 'dr'] }, r: { docs: { notes: ['vd', 'vt', 'vq', 'es', 'vdd'] } } }],
    ['scopes that are not permission strings add nothing', 'scope', { scope: 'openid read:docs db:docs:fly db:docs:read' }, { d: { docs: ['vd', 'vt', 'vq', 'es', 'vdd'] } }],
    ['none of them are: nothing', 'scope', { scope: 'openid profile' }, {}],
  ])('%s', (_label, claim, claims, restrictions) => {
    expect(actorOf(source({ scopeClaim: claim }), sign(claims), NOW)).toEqual({ id: 'alice', token: 'jwt', _r: restrictions })
  })
})

describe('failing closed', () => {
  function expectInvalid(options: Partial<JwtSourceOptions>, claims: object, message: string, reason: string): void {
    const error = thrown(() => actorOf(source(options), sign(claims), NOW))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({ message, reason })
  }

  test('an _r claim beside a configured scope claim is refused, even without scopes', () => {
    expectInvalid({ scopeClaim: 'scope', scopeMap: TABLE }, { scope: 'read:docs', _r: { a: ['vt'] } }, 'Invalid token: an _r claim is not accepted when restrictions come from the scope claim', 'invalid_restrictions')
    expectInvalid({ scopeClaim: 'scp' }, { _r: { a: ['vt'] } }, 'Invalid token: an _r claim is not accepted when restrictions come from the scp claim', 'invalid_restrictions')
    // near miss: without a scope claim configured, _r is read as before
    expect(actorOf(source({}), sign({ _r: { a: ['vt'] } }), NOW)).toEqual({ id: 'alice', token: 'jwt', _r: { a: ['vt'] } })
  })

  test.each([
    ['a number', 7],
    ['an object', { read: true }],
    ['a list with a number', ['read:docs', 1]],
    ['null', null],
  ])('a scope claim that is %s is refused', (_label, value) => {
    expectInvalid({ scopeClaim: 'scope', scopeMap: TABLE }, { scope: value }, 'Invalid token: the scope claim must be a space-separated string or a list of strings', 'invalid_claims')
  })

  describe('through a gate: scopes restrict the actor, never extend it', () => {
    const config = {
      databases: { docs: { tables: { documents: { permissions: { 'insert-row': { id: 'alice' } } } } } },
      jwt: { algorithms: ['HS256'], secret: SECRET, scope_claim: 'scope', scope_map: TABLE },
    }
    const gate: Gate = createGate(config, { now: () => NOW })
    const actorFor = (claims: object): Promise<Actor | null> => gate.authenticate({ authorization: `Bearer ${sign(claims)}` })
    const insert = { database: 'docs', resource: 'documents' }

    test('alice with write:documents may insert; without it, she may not', async () => {
      expect(gate.allowed(await actorFor({ scope: 'write:documents' }), 'insert-row', insert)).toBe(true)
      expect(gate.allowed(await actorFor({ scope: 'read:docs' }), 'insert-row', insert)).toBe(false)
      expect(gate.allowed(await actorFor({}), 'view-table', insert)).toBe(false)
    })

    test('bob with write:documents may not insert: the scope cannot grant what his actor lacks', async () => {
      expect(gate.allowed(await actorFor({ sub: 'bob', scope: 'write:documents' }), 'insert-row', insert)).toBe(false)
    })
  })

  test("a scope table may name the gate's own actions", async () => {
    const publish = defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })
    const options: GateOptions = { now: () => NOW, actions: [publish] }
    const gate = createGate({ jwt: { algorithms: ['HS256'], secret: SECRET, scope_claim: 'scope', scope_map: { publish: 'table:blog/posts:publish-post' } } }, options)
    expect(await gate.authenticate({ authorization: `Bearer ${sign({ scope: 'publish' })}` })).toEqual({ id: 'alice', token: 'jwt', _r: { r: { blog: { posts: ['pp'] } } } })
    // near miss: without the action registered, the same table is a configuration error
    expect(() => createGate({ jwt: { algorithms: ['HS256'], secret: SECRET, scope_claim: 'scope', scope_map: { publish: 'table:blog/posts:publish-post' } } })).toThrow(
      'Invalid tokengate configuration: jwt.scope_map.publish: action not supported, database action publish-post',
    )
  })
})

describe('misuse', () => {
  test.each<[string, Partial<JwtSourceOptions>, string]>([
    ['a table without a claim', { scopeMap: TABLE }, '"scopeMap" option needs the scope claim to read: set the scope claim too, such as "scope"'],
    ['an empty claim name', { scopeClaim: '' }, '"scopeClaim" option must be the name of a claim, such as "scope", "scp" or "permissions"'],
    ['the _r claim', { scopeClaim: '_r' }, '"scopeClaim" option cannot be "_r": name the claim your identity provider writes scopes into, such as "scope"'],
    ['a bad permission string', { scopeClaim: 'scope', scopeMap: { 'read:docs': 'db:docs:reed' } }, '"scopeMap" option: scope "read:docs" action not supported, database action reed'],
    ['an empty list', { scopeClaim: 'scope', scopeMap: { 'read:docs': [] } }, '"scopeMap" option: scope "read:docs" must be a permission string or a non-empty list of them'],
    ['a table that is a list', { scopeClaim: 'scope', scopeMap: ['db:docs:read'] as never }, '"scopeMap" option must be an object from scope to permission string(s), such as {"read:docs": "db:docs:read"}'],
  ])('%s → TypeError', (_label, options, message) => {
    expect(() => source(options)).toThrow(new TypeError(message))
  })

  test.each<[string, object, string]>([
    ['a table without a claim', { scope_map: TABLE }, 'jwt.scope_map: needs the scope claim to read'],
    ['a bad permission string', { scope_claim: 'scope', scope_map: { 'read:docs': 'db:docs:reed' } }, 'jwt.scope_map.read:docs: action not supported, database action reed'],
    ['a table value that is a number', { scope_claim: 'scope', scope_map: { 'read:docs': 7 } }, 'jwt.scope_map.read:docs: must be a string or a list; got the number 7'],
  ])('configuration: %s → ConfigError at its path', (_label, block, message) => {
    const make = (): Gate => createGate({ jwt: { algorithms: ['HS256'], secret: SECRET, ...block } } as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
