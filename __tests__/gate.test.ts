/**
 * createGate: option misuse, the token-source chain, custom sources, gate.check's errors,
 * signing through the gate (secrets, rotation, settings), and explain()'s reason sentences.
 * HTTP behaviour is in __tests__/adapters/.
 */
import util from 'node:util'
import jwt from 'jsonwebtoken'
import {
  AuthenticationRequiredError,
  ForbiddenError,
  InvalidTokenError,
  UnknownActionError,
  createGate,
  createSignedToken,
  loadConfig,
} from 'tokengate'
import type { Actor, GateOptions, TokenSource, TokengateConfig, TokengateConfigInput } from 'tokengate'
import { encodeSignedTokenPayload, signSignedTokenBody } from '../lib/tokens/signed.js'
import { thrown } from './helpers/thrown.js'

const NOW = 1_700_000_000
const SECRET = 'gate-suite-signing-secret'
const JWT_SECRET = 'gate-suite-jwt-secret-0123456789ab'

/** A fresh gate with a fixed clock. */
function setup(config: TokengateConfig = {}, options: GateOptions = {}) {
  return createGate(config, { now: () => NOW, ...options })
}

/** The rejection of a promise, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}


const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('createGate: misuse throws a TypeError before any request', () => {
  test.each<[string, GateOptions, string]>([
    ['now is not a function', { now: 1_700_000_000 as never }, '"now" option must be a function returning unix seconds'],
    ['unknownTokens is not reject/anonymous', { unknownTokens: 'allow' as never }, `"unknownTokens" option must be 'reject' or 'anonymous', got "allow"`],
    ['realm is empty', { realm: '' }, '"realm" option must be a non-empty string without quotes, backslashes or line breaks'],
    ['realm has a quote', { realm: 'my "api"' }, '"realm" option must be a non-empty string without quotes, backslashes or line breaks'],
    ['realm has a backslash', { realm: 'a\\b' }, '"realm" option must be a non-empty string without quotes, backslashes or line breaks'],
    ['realm has a line break', { realm: 'a\r\nSet-Cookie: x' }, '"realm" option must be a non-empty string without quotes, backslashes or line breaks'],
    ['secret is empty', { secret: '' }, '"secret" option must be a non-empty string or a list of them'],
    ['a listed secret is empty', { secret: ['new', ''] }, '"secret" option must be a non-empty string or a list of them'],
    ['jwt without algorithms', { jwt: { algorithms: [] } }, '"algorithms" option is required: list the algorithms you accept, such as ["HS256"]'],
    ['jwt with alg none', { jwt: { algorithms: ['none'], secret: JWT_SECRET } }, '"algorithms" option: "none" is refused: unsigned tokens are never accepted'],
    ['actions is not a list', { actions: 'publish' as never }, 'loadConfig: "actions" option must be an array of actions made with defineAction()'],
  ])('%s', (_label, options, message) => {
    const error = thrown(() => createGate({}, options))
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
  })

  test('a configuration that is neither a path nor an object', () => {
    expect(() => createGate(42 as never)).toThrow(new TypeError('loadConfig expects a configuration file path or a configuration object, got number'))
  })

  // Misuse fails at start-up with a TypeError naming the option (STYLE habit 4): otherwise each
  // would throw an unrelated message, fail on the first request, or silently turn a feature on.
  test('a secret that is neither a string nor a list names the option', () => {
    expect(() => createGate({}, { secret: 42 as never })).toThrow('"secret" option must be a non-empty string or a list of them')
  })
  test('rootEnabled must be a boolean', () => {
    expect(() => createGate({}, { rootEnabled: 'no' as never })).toThrow(TypeError)
  })
  test('schemes must be a list', () => {
    expect(() => createGate({}, { schemes: 'Bearer' as never })).toThrow(TypeError)
  })
  test('tokenSources must be a list of sources', () => {
    expect(() => createGate({}, { tokenSources: { name: 'x', verify: () => null } as never })).toThrow(/tokenSources/)
  })
  test('queryParam must be a non-empty string or null', () => {
    expect(() => createGate({}, { queryParam: 5 as never })).toThrow(TypeError)
  })

  test('the gate and its configuration are frozen', () => {
    const gate = setup({ allow: true })
    expect(Object.isFrozen(gate)).toBe(true)
    expect(Object.isFrozen(gate.config)).toBe(true)
    expect(gate.realm).toBe('tokengate')
    expect(setup({}, { realm: 'docs-api' }).realm).toBe('docs-api')
  })
})

describe('gate.authenticate: the token-source chain', () => {
  // A JWT-shaped string that is also a configured static token: static is asked first.
  const jwtShaped = jwt.sign({ sub: 'mallory', iat: NOW }, 'not-the-configured-jwt-secret-0123', { algorithm: 'HS256' })
  const dstokShaped = 'dstok_a-static-token-that-looks-signed.c2ln'
  const config: TokengateConfig = {
    secret: SECRET,
    tokens: [
      { token: jwtShaped, actor: { id: 'service-a' } },
      { token: dstokShaped, actor: { id: 'service-b' } },
    ],
    jwt: { algorithms: ['HS256'], secret: JWT_SECRET },
  }

  test('a static token that looks like a JWT is claimed by the static source first', async () => {
    await expect(setup(config).authenticate(bearer(jwtShaped))).resolves.toEqual({ id: 'service-a' })
  })
  test('near miss: the same shape, not configured, goes to the JWT source and fails there', async () => {
    const other = jwt.sign({ sub: 'mallory', iat: NOW + 1 }, 'not-the-configured-jwt-secret-0123', { algorithm: 'HS256' })
    const error = await rejection(setup(config).authenticate(bearer(other)))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({ message: 'Invalid token signature', status: 401 })
  })
  test('a static token that starts with dstok_ is claimed by the static source first', async () => {
    await expect(setup(config).authenticate(bearer(dstokShaped))).resolves.toEqual({ id: 'service-b' })
  })
  test('near miss: an unconfigured dstok_ token is claimed by the signed source and fails', async () => {
    await expect(setup(config).authenticate(bearer('dstok_something-else.c2ln'))).rejects.toThrow('Invalid token signature')
  })
  test('a valid JWT and a valid signed token each reach their source', async () => {
    const gate = setup(config)
    const token = jwt.sign({ sub: 'alice', iat: NOW }, JWT_SECRET, { algorithm: 'HS256' })
    await expect(gate.authenticate(bearer(token))).resolves.toEqual({ id: 'alice', token: 'jwt' })
    await expect(gate.authenticate(bearer(gate.createSignedToken({ actorId: 'bob' })))).resolves.toEqual({ id: 'bob', token: 'dstok' })
  })

  test('no credentials → null; an unclaimed token → 401 Unknown token', async () => {
    const gate = setup(config)
    await expect(gate.authenticate({})).resolves.toBeNull()
    const error = await rejection(gate.authenticate(bearer('never-configured')))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({
      message: 'Unknown token',
      code: 'ERR_INVALID_TOKEN',
      headers: { 'WWW-Authenticate': 'Bearer realm="tokengate", error="invalid_token"' },
    })
  })
  test("unknownTokens: 'anonymous' makes an unclaimed token anonymous, not a claimed bad one", async () => {
    const gate = setup(config, { unknownTokens: 'anonymous' })
    await expect(gate.authenticate(bearer('never-configured'))).resolves.toBeNull()
    await expect(gate.authenticate(bearer('dstok_something-else.c2ln'))).rejects.toThrow('Invalid token signature')
  })
  test('errors leave the gate with its realm in the challenge', async () => {
    const gate = setup(config, { realm: 'docs-api' })
    const error = await rejection(gate.authenticate(bearer('never-configured')))
    expect(error).toMatchObject({ realm: 'docs-api', headers: { 'WWW-Authenticate': 'Bearer realm="docs-api", error="invalid_token"' } })
    const malformed = await rejection(gate.authenticate({ authorization: 'Bearer a b' }))
    expect(malformed).toMatchObject({ status: 400, headers: { 'WWW-Authenticate': 'Bearer realm="docs-api", error="invalid_request"' } })
  })

  test("the query parameter comes from datasette-auth-tokens' param, and the option overrides it", async () => {
    const withParam: TokengateConfig = {
      plugins: { 'datasette-auth-tokens': { tokens: [{ token: 'bot-secret', actor: { bot_id: 'b' } }], param: '_auth_token' } },
    }
    await expect(setup(withParam).authenticate({ query: { _auth_token: 'bot-secret' } })).resolves.toEqual({ bot_id: 'b' })
    await expect(setup(withParam, { queryParam: null }).authenticate({ query: { _auth_token: 'bot-secret' } })).resolves.toBeNull()
    await expect(setup(withParam, { queryParam: 'key' }).authenticate({ query: { key: 'bot-secret' } })).resolves.toEqual({ bot_id: 'b' })
  })
})

describe('gate.authenticate: custom token sources', () => {
  const prefixed: TokenSource = {
    name: 'api-key',
    verify: (token) => (token.startsWith('key_') ? { actor: { id: token.slice(4), via: 'api-key' } } : null),
  }

  test('a custom source claims its tokens; others still reach the built-ins', async () => {
    const gate = setup({ secret: SECRET }, { tokenSources: [prefixed] })
    await expect(gate.authenticate(bearer('key_alice'))).resolves.toEqual({ id: 'alice', via: 'api-key' })
    await expect(gate.authenticate(bearer(gate.createSignedToken({ actorId: 'bob' })))).resolves.toEqual({ id: 'bob', token: 'dstok' })
    await expect(gate.authenticate(bearer('nokey_alice'))).rejects.toThrow('Unknown token')
  })

  test('custom sources run after the built-ins, in order, and may be async', async () => {
    const calls: string[] = []
    const first: TokenSource = { name: 'first', verify: async (token) => (calls.push(`first:${token}`), null) }
    const second: TokenSource = { name: 'second', verify: async () => (calls.push('second'), { actor: { id: 'from-second' } }) }
    const gate = setup({ tokens: [{ token: 'static-one', actor: { id: 'static' } }] }, { tokenSources: [first, second] })
    await expect(gate.authenticate(bearer('static-one'))).resolves.toEqual({ id: 'static' })
    expect(calls).toEqual([]) // static claimed it; custom sources were never asked
    await expect(gate.authenticate(bearer('opaque'))).resolves.toEqual({ id: 'from-second' })
    expect(calls).toEqual(['first:opaque', 'second'])
  })

  test('custom sources see the gate clock', async () => {
    let seen: number | undefined
    const gate = setup({}, { tokenSources: [{ name: 'clock', verify: (_t, context) => ((seen = context.now), { actor: { id: 'x' } }) }] })
    await gate.authenticate(bearer('anything'))
    expect(seen).toBe(NOW)
  })

  test("a source's InvalidTokenError is the request's 401, with the gate's realm", async () => {
    const revoked: TokenSource = { name: 'revoked', verify: () => { throw new InvalidTokenError('Token has been revoked', { reason: 'revoked' }) } }
    const error = await rejection(setup({}, { tokenSources: [revoked], realm: 'docs-api' }).authenticate(bearer('anything')))
    expect(error).toMatchObject({ status: 401, message: 'Token has been revoked', reason: 'revoked', headers: { 'WWW-Authenticate': 'Bearer realm="docs-api", error="invalid_token"' } })
  })

  test.each<[string, unknown, string]>([
    ['null', null, 'Invalid token: _r must be an object, got null'],
    ['a list', [], 'Invalid token: _r must be an object, got a list'],
    ['a string list', { a: 'vt' }, 'Invalid token: _r.a must be a list of action names'],
    ['an unknown key', { x: [] }, 'Invalid token: _r has an unknown key "x"; only "a", "d" and "r" are allowed'],
  ])('an actor from a custom source with _r %s → 401', async (_label, restrictions, message) => {
    const source: TokenSource = { name: 'custom', verify: () => ({ actor: { id: 'alice', _r: restrictions } }) }
    const error = await rejection(setup({}, { tokenSources: [source] }).authenticate(bearer('anything')))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toMatchObject({ status: 401, message, reason: 'invalid_restrictions' })
  })

  test('near miss: a well-formed _r from a custom source is kept, and restricts', async () => {
    const source: TokenSource = { name: 'custom', verify: () => ({ actor: { id: 'alice', _r: { a: ['vi'] } } }) }
    const gate = setup({}, { tokenSources: [source] })
    const actor = await gate.authenticate(bearer('anything'))
    expect(actor).toEqual({ id: 'alice', _r: { a: ['vi'] } })
    expect(gate.allowed(actor, 'view-instance')).toBe(true)
    expect(gate.allowed(actor, 'view-table', { database: 'docs', resource: 't' })).toBe(false)
  })

  test('a source returning something other than an object or null is a bug: TypeError', async () => {
    const broken: TokenSource = { name: 'broken', verify: () => 'alice' as never }
    await expect(setup({}, { tokenSources: [broken] }).authenticate(bearer('anything'))).rejects.toThrow(
      new TypeError('Token source "broken" must answer null or { actor, tokenId?, expiresAt? } with a plain-object actor'),
    )
  })
})

describe('gate.check', () => {
  const config: TokengateConfig = {
    databases: { docs: { tables: { documents: { permissions: { 'insert-row': { id: 'alice' } } } } } },
  }
  const target = { database: 'docs', resource: 'documents' }

  test('returns true when allowed (also by abbreviation)', () => {
    const gate = setup(config)
    expect(gate.check({ id: 'alice' }, 'insert-row', target)).toBe(true)
    expect(gate.check({ id: 'alice' }, 'ir', target)).toBe(true)
  })

  test('anonymous denied → AuthenticationRequiredError with the check and the decision', () => {
    const gate = setup(config)
    const error = thrown(() => gate.check(null, 'ir', target))
    expect(error).toBeInstanceOf(AuthenticationRequiredError)
    expect(error).toMatchObject({
      code: 'ERR_AUTHENTICATION_REQUIRED',
      status: 401,
      message: 'Authentication required: insert-row on docs/documents',
      check: { action: 'insert-row', database: 'docs', resource: 'documents' },
      headers: { 'WWW-Authenticate': 'Bearer realm="tokengate"' },
    })
    expect((error as AuthenticationRequiredError).decision).toEqual(gate.explain(null, 'insert-row', target))
  })

  test('an actor denied → ForbiddenError with the check and the decision', () => {
    const gate = setup(config, { realm: 'docs-api' })
    const error = thrown(() => gate.check({ id: 'bob' }, 'insert-row', target))
    expect(error).toBeInstanceOf(ForbiddenError)
    expect(error).toMatchObject({
      code: 'ERR_FORBIDDEN',
      status: 403,
      message: 'Permission denied: insert-row on docs/documents',
      check: { action: 'insert-row', database: 'docs', resource: 'documents' },
      headers: { 'WWW-Authenticate': 'Bearer realm="docs-api", error="insufficient_scope"' },
    })
    expect((error as ForbiddenError).decision).toEqual(gate.explain({ id: 'bob' }, 'insert-row', target))
  })

  test('an empty actor {} is not anonymous: 403, not 401', () => {
    expect(thrown(() => setup(config).check({}, 'insert-row', target))).toBeInstanceOf(ForbiddenError)
  })

  test('an instance-level and a database-level denial name their check', () => {
    const gate = setup()
    expect(thrown(() => gate.check({ id: 'a' }, 'view-health'))).toMatchObject({ message: 'Permission denied: view-health', check: { database: null, resource: null } })
    expect(thrown(() => gate.check(null, 'create-table', { database: 'docs' }))).toMatchObject({ message: 'Authentication required: create-table on docs' })
  })

  test('an unknown action is a programming error, not a denial', () => {
    const error = thrown(() => setup().check({ id: 'alice' }, 'publish-post'))
    expect(error).toBeInstanceOf(UnknownActionError)
    expect(error).toMatchObject({ code: 'ERR_UNKNOWN_ACTION', status: 500, expose: false, action: 'publish-post' })
  })

  test('a resource without its database is a TypeError', () => {
    expect(() => setup().check(null, 'view-table', { resource: 'documents' })).toThrow(
      new TypeError('A check on resource "documents" needs its database as well'),
    )
  })
})

describe('gate.createSignedToken and signed-token settings', () => {
  test('without a secret, signing throws and dstok_ tokens are not enabled', async () => {
    const gate = setup()
    expect(() => gate.createSignedToken({ actorId: 'alice' })).toThrow(
      new TypeError('No secret is configured: set "secret" in the configuration or the gate options to sign tokens'),
    )
    const token = createSignedToken({ actorId: 'alice', secret: SECRET, now: NOW })
    await expect(gate.authenticate(bearer(token))).rejects.toThrow('Signed tokens are not enabled')
  })

  test('signs with the gate clock, abbreviates restrictions with the gate actions, and verifies', async () => {
    const gate = setup({ secret: SECRET })
    const token = gate.createSignedToken({ actorId: 'alice', expiresAfter: 600, restrictions: { a: ['view-instance'], d: { docs: [] } } })
    await expect(gate.authenticate(bearer(token))).resolves.toEqual({ id: 'alice', token: 'dstok', _r: { a: ['vi'] }, token_expires: NOW + 600 })
  })

  test('the secret option takes the place of the configuration secret', async () => {
    const token = setup({ secret: 'from-config' }, { secret: 'from-option' }).createSignedToken({ actorId: 'alice' })
    await expect(setup({}, { secret: 'from-option' }).authenticate(bearer(token))).resolves.toEqual({ id: 'alice', token: 'dstok' })
    await expect(setup({ secret: 'from-config' }).authenticate(bearer(token))).rejects.toThrow('Invalid token signature')
  })

  describe('secret rotation', () => {
    const oldToken = createSignedToken({ actorId: 'alice', secret: 'old-secret', now: NOW - 60 })

    test('a token signed with the old secret verifies while the old secret is second', async () => {
      await expect(setup({ secret: ['new-secret', 'old-secret'] }).authenticate(bearer(oldToken))).resolves.toEqual({ id: 'alice', token: 'dstok' })
    })
    test('and fails once the old secret is removed', async () => {
      await expect(setup({ secret: ['new-secret'] }).authenticate(bearer(oldToken))).rejects.toThrow('Invalid token signature')
    })
    test('new tokens are signed with the first secret', async () => {
      const token = setup({}, { secret: ['new-secret', 'old-secret'] }).createSignedToken({ actorId: 'bob' })
      await expect(setup({ secret: 'new-secret' }).authenticate(bearer(token))).resolves.toEqual({ id: 'bob', token: 'dstok' })
      await expect(setup({ secret: 'old-secret' }).authenticate(bearer(token))).rejects.toThrow('Invalid token signature')
    })
  })

  describe('settings from the configuration', () => {
    const made = (age: number, expiresAfter?: number) =>
      createSignedToken({ actorId: 'alice', secret: SECRET, now: NOW - age, ...(expiresAfter === undefined ? {} : { expiresAfter }) })
    const gate = (settings: TokengateConfig['settings']) => setup({ secret: SECRET, ...(settings === undefined ? {} : { settings }) })

    test('max_signed_tokens_ttl limits a token without d', async () => {
      await expect(gate({ max_signed_tokens_ttl: 60 }).authenticate(bearer(made(61)))).rejects.toThrow('Token has expired')
      await expect(gate({ max_signed_tokens_ttl: 60 }).authenticate(bearer(made(60)))).resolves.toEqual({ id: 'alice', token: 'dstok', token_expires: NOW })
      await expect(gate({}).authenticate(bearer(made(1_000_000)))).resolves.toEqual({ id: 'alice', token: 'dstok' })
    })
    test('max_signed_tokens_ttl caps a longer d, and a shorter d stands', async () => {
      await expect(gate({ max_signed_tokens_ttl: 60 }).authenticate(bearer(made(100, 3600)))).rejects.toThrow('Token has expired')
      await expect(gate({ max_signed_tokens_ttl: 60 }).authenticate(bearer(made(20, 30)))).resolves.toMatchObject({ token_expires: NOW - 20 + 30 })
    })
    test('d: 0 does not escape max_signed_tokens_ttl (unlike Datasette)', async () => {
      const token = signSignedTokenBody(encodeSignedTokenPayload(`{"a":"alice","t":${NOW - 100},"d":0}`), SECRET)
      await expect(gate({ max_signed_tokens_ttl: 60 }).authenticate(bearer(token))).rejects.toThrow('Token has expired')
      await expect(gate({}).authenticate(bearer(token))).resolves.toEqual({ id: 'alice', token: 'dstok' })
    })
    test('allow_signed_tokens: false rejects every dstok_ token, valid or not', async () => {
      await expect(gate({ allow_signed_tokens: false }).authenticate(bearer(made(1)))).rejects.toThrow('Signed tokens are not enabled')
      await expect(gate({ allow_signed_tokens: false }).authenticate(bearer('dstok_x.y'))).rejects.toThrow('Signed tokens are not enabled')
      await expect(gate({ allow_signed_tokens: true }).authenticate(bearer(made(1)))).resolves.toEqual({ id: 'alice', token: 'dstok' })
    })
  })
})

describe('gate.explain: reason sentences', () => {
  const config: TokengateConfig = {
    allow: { id: ['alice', 'bob'], unauthenticated: false },
    settings: { default_allow_sql: false },
    databases: {
      docs: {
        allow: { team: 'docs' },
        tables: { documents: { permissions: { 'insert-row': { id: 'alice' } } } },
      },
    },
  }
  const gate = setup(config, { rootEnabled: true })
  const documents = { database: 'docs', resource: 'documents' }

  test.each<[string, Actor | null, string, { database?: string; resource?: string } | undefined, boolean, string]>([
    [
      'a global allow block that does not match anonymous',
      null, 'view-instance', undefined, false,
      'denied: allow does not match the anonymous actor; the global level is the most specific level with a rule for view-instance',
    ],
    [
      'a default allow and a matching allow block, at the same level',
      { id: 'alice' }, 'view-instance', undefined, true,
      'allowed: view-instance is allowed by default; allow matches actor {"id":"alice"}; the global level is the most specific level with a rule for view-instance',
    ],
    [
      'a child-level permissions block that matches',
      { id: 'alice' }, 'insert-row', documents, true,
      'allowed: databases.docs.tables.documents.permissions.insert-row matches actor {"id":"alice"}; the child level is the most specific level with a rule for insert-row on docs/documents',
    ],
    [
      'the same block, near miss',
      { id: 'bob' }, 'insert-row', documents, false,
      'denied: databases.docs.tables.documents.permissions.insert-row does not match actor {"id":"bob"}; the child level is the most specific level with a rule for insert-row on docs/documents',
    ],
    [
      'the database level overrides the global level',
      { id: 'alice' }, 'view-table', documents, false,
      'denied: databases.docs.allow does not match actor {"id":"alice"}; the database level is the most specific level with a rule for view-table on docs/documents',
    ],
    [
      'no rule at any level',
      { id: 'bob' }, 'create-table', { database: 'docs' }, false,
      'denied: no rule allows create-table on docs for actor {"id":"bob"} at any level, and create-table is not allowed by default',
    ],
    [
      'root, when enabled',
      { id: 'root' }, 'create-table', { database: 'docs' }, true,
      'allowed: the root actor may do everything (rootEnabled); the global level is the most specific level with a rule for create-table on docs',
    ],
    [
      'default_allow_sql: false',
      { id: 'alice' }, 'execute-sql', { database: 'docs' }, false,
      'denied: settings.default_allow_sql is false; the global level is the most specific level with a rule for execute-sql on docs',
    ],
    [
      'restrictions deny what the rules allow (the actor is shown without _r)',
      { id: 'alice', _r: { a: ['vt'] } }, 'insert-row', documents, false,
      'denied: the token\'s restrictions do not allow insert-row for docs/documents (the rules alone would allow it: databases.docs.tables.documents.permissions.insert-row matches actor {"id":"alice"})',
    ],
    [
      'restrictions that admit the check are named',
      { id: 'alice', _r: { r: { docs: { documents: ['ir'] } } } }, 'insert-row', documents, true,
      'allowed: databases.docs.tables.documents.permissions.insert-row matches actor {"id":"alice"}; the child level is the most specific level with a rule for insert-row on docs/documents; _r.r.docs.documents names insert-row',
    ],
    [
      'an also-requires action that is denied',
      { id: 'alice' }, 'view-database-download', { database: 'docs' }, false,
      'denied: view-database-download on docs also requires view-database on docs, which is denied: databases.docs.allow does not match actor {"id":"alice"}; the database level is the most specific level with a rule for view-database on docs',
    ],
  ])('%s', (_label, actor, action, target, allowed, reason) => {
    const decision = gate.explain(actor, action, target)
    expect(decision.reason).toBe(reason)
    expect(decision.allowed).toBe(allowed)
    expect(gate.allowed(actor, action, target)).toBe(allowed) // the fast path agrees
  })

  test('the decision lists its rules, most specific first, with paths and sources', () => {
    const decision = gate.explain({ id: 'alice', team: 'docs' }, 'view-table', documents)
    expect(decision).toMatchObject({ allowed: true, level: 'child', decidingLevel: 'database', baseAllowed: true })
    // Root rules do not apply to alice, so they are not listed.
    expect(decision.rules.map((r) => [r.level, r.effect, r.source, r.path])).toEqual([
      ['database', 'allow', 'config', 'databases.docs.allow'],
      ['instance', 'allow', 'defaults', null],
      ['instance', 'allow', 'config', 'allow'],
    ])
    expect(decision.restriction).toEqual({ restricted: false, allowed: true, reason: 'the actor has no restrictions' })
  })
})

describe('a password in a URL is redacted by its position: token_store and jwt.jwks_uri (issue 9 applied to issues 8 and 10)', () => {
  const STORE_PASSWORD = 'store-password-Kd40'
  const JWKS_PASSWORD = 'jwks-password-Wq73'
  const config: TokengateConfigInput = {
    token_store: `postgres://tokengate:${STORE_PASSWORD}@127.0.0.1:1/tokens`,
    jwt: { algorithms: ['RS256'], jwks_uri: `https://reader:${JWKS_PASSWORD}@id.example/.well-known/jwks.json`, scope_claim: 'scope' },
  }
  // The store is opened lazily: nothing connects here.
  const gate = createGate(config)

  test('gate.config reads "[redacted]" there, and keeps the public jwt keys', () => {
    expect(gate.config.token_store).toBe('[redacted]')
    expect(gate.config.jwt).toEqual({ algorithms: ['RS256'], jwks_uri: '[redacted]', scope_claim: 'scope' })
  })

  test.each([STORE_PASSWORD, JWKS_PASSWORD])('no printed form contains %s', (password) => {
    for (const text of [util.inspect(gate, { depth: Infinity, showHidden: true }), JSON.stringify(gate.config), util.inspect(loadConfig(config), { depth: Infinity })]) {
      expect(text).not.toContain(password)
    }
  })

  test('near miss: the configuration loadConfig returns keeps the URLs for the gate to use', () => {
    expect(loadConfig(config).token_store).toBe(`postgres://tokengate:${STORE_PASSWORD}@127.0.0.1:1/tokens`)
  })
})

describe('inspecting a gate or its configuration shows no secret (security review, issue 9)', () => {
  const SECRETS = {
    signing: 'signing-secret-Qx81',
    rotated: 'rotated-secret-Lm27',
    staticToken: 'static-token-Pz55',
    pluginToken: 'plugin-token-Hb32',
    jwtSecret: 'jwt-hmac-secret-of-32-bytes-Vn19xx',
    fromEnv: 'env-resolved-Rt66',
  }
  const config: TokengateConfigInput = {
    secret: [SECRETS.signing, SECRETS.rotated],
    tokens: [{ token: SECRETS.staticToken, actor: { id: 'bot' } }],
    plugins: { 'datasette-auth-tokens': { tokens: [{ token: SECRETS.pluginToken, actor: { bot_id: 'b' } }], param: '_auth_token' } },
    jwt: { algorithms: ['HS256'], secret: SECRETS.jwtSecret, issuer: 'https://id.example' },
    databases: { docs: { allow: { id: 'bot' }, title: { $env: 'TITLE' } } },
  }
  const gate = createGate(config, { env: { TITLE: SECRETS.fromEnv } })
  const printed = [
    util.inspect(gate, { depth: Infinity, showHidden: true }),
    util.inspect(gate.config, { depth: Infinity }),
    util.format('%o', gate.config),
    JSON.stringify(gate.config),
    util.inspect(loadConfig(config, { env: { TITLE: SECRETS.fromEnv } }), { depth: Infinity }),
  ]

  test.each(Object.entries(SECRETS))('no printed form contains the %s', (_name, secret) => {
    for (const text of printed) expect(text).not.toContain(secret)
  })

  test('gate.config keeps every other key, with the secrets replaced by "[redacted]"', () => {
    expect(gate.config.secret).toEqual(['[redacted]', '[redacted]'])
    expect(gate.config.tokens).toEqual([{ token: '[redacted]', actor: { id: 'bot' } }])
    expect(gate.config.jwt).toEqual({ algorithms: ['HS256'], secret: '[redacted]', issuer: 'https://id.example' })
    expect(gate.config.plugins?.['datasette-auth-tokens']).toEqual({ tokens: [{ token: '[redacted]', actor: { bot_id: 'b' } }], param: '_auth_token' })
    expect(gate.config.databases).toEqual({ docs: { allow: { id: 'bot' }, title: '[redacted]' } })
    expect(Object.isFrozen(gate.config.jwt)).toBe(true)
  })

  test('near miss: the gate still verifies with the real secrets', async () => {
    await expect(gate.authenticate({ authorization: `Bearer ${SECRETS.staticToken}` })).resolves.toEqual({ id: 'bot' })
    const signed = gate.createSignedToken({ actorId: 'alice' })
    await expect(gate.authenticate({ authorization: `Bearer ${signed}` })).resolves.toMatchObject({ id: 'alice' })
    expect(loadConfig(config, { env: { TITLE: SECRETS.fromEnv } }).secret).toEqual([SECRETS.signing, SECRETS.rotated])
  })
})
