/**
 * The HTTP cases both adapter suites run, so Express and Koa are proven to behave alike
 * (SPEC sections 6 and 8). Each suite builds the same app from {@link ROUTES} with its own
 * adapter, sends each case's request, and asserts the status, the exact JSON body, the
 * `WWW-Authenticate` header and whether the route's handler ran.
 *
 * Every route ends with a handler that records that it ran and answers
 * `{ "ok": true, "actor": <req.actor / ctx.state.actor> }`, so a 200 case also pins the actor.
 * The permissions-debug route has that handler after `permissionsDebug()`, which must answer
 * by itself: its handler never runs, on success as on failure.
 */
import jwt from 'jsonwebtoken'
import { createJwt, createSignedToken } from 'tokengate'
import type { Actor, ErrorBody, GateOptions, Restrictions, TokengateConfig } from 'tokengate'
import { encodeSignedTokenPayload, signSignedTokenBody } from '../../lib/tokens/signed.js'

/** The gate's clock in every case (unix seconds). */
export const NOW = 1_700_000_000

export const SECRET = 'adapter-suite-signing-secret'
export const JWT_SECRET = 'adapter-suite-jwt-secret-0123456789'

export const ALICE_STATIC = 'alice-static-token-5f9a486dd807de63'
export const DEBUGGER_STATIC = 'debugger-static-token-2200b17508c7'
export const BOT_OBJECT_FORM = 'bot-object-form-token-bb66ca6fde19'
export const BOT_LIST_FORM = 'bot-list-form-token-93db1de6cbd44636'

/**
 * The main configuration: tokengate's `tokens` list, datasette-auth-tokens in its object form
 * (with `param`), a signing secret, HS256 JWTs, and rules for the guarded routes.
 */
export const MAIN_CONFIG: TokengateConfig = {
  secret: SECRET,
  tokens: [
    { token: ALICE_STATIC, actor: { id: 'alice' } },
    { token: DEBUGGER_STATIC, actor: { id: 'debugger' } },
  ],
  plugins: {
    'datasette-auth-tokens': {
      tokens: [{ token: BOT_OBJECT_FORM, actor: { bot_id: 'my-bot' } }],
      param: '_auth_token',
    },
  },
  jwt: { algorithms: ['HS256'], secret: JWT_SECRET },
  permissions: { 'permissions-debug': { id: 'debugger' }, 'view-health': { id: 'alice' } },
  databases: {
    docs: { tables: { documents: { permissions: { 'insert-row': { id: 'alice' } } } } },
    ':memory:': {
      queries: { show_version: { sql: 'select sqlite_version()', allow: { bot_id: 'my-bot' } } },
    },
  },
}

/** datasette-auth-tokens in its 0.1 list form, which has no `param`. */
export const PLUGIN_LIST_CONFIG: TokengateConfig = {
  plugins: { 'datasette-auth-tokens': [{ token: BOT_LIST_FORM, actor: { bot_id: 'my-bot' } }] },
  databases: MAIN_CONFIG.databases ?? {},
}

const { secret: _secret, ...MAIN_WITHOUT_SECRET } = MAIN_CONFIG

/** A configuration and the options `tokenAuth` gets with it (plus `now: () => NOW`, always). */
export interface GateSetup {
  config: TokengateConfig
  options?: GateOptions
}

export const SETUPS = {
  main: { config: MAIN_CONFIG },
  pluginList: { config: PLUGIN_LIST_CONFIG },
  pluginListWithParam: { config: PLUGIN_LIST_CONFIG, options: { queryParam: 'token' } },
  queryParamOff: { config: MAIN_CONFIG, options: { queryParam: null } },
  signedDisabled: { config: { ...MAIN_CONFIG, settings: { allow_signed_tokens: false } } },
  noSecret: { config: MAIN_WITHOUT_SECRET },
  maxTtl: { config: { ...MAIN_CONFIG, settings: { max_signed_tokens_ttl: 60 } } },
  rootEnabled: { config: MAIN_CONFIG, options: { rootEnabled: true } },
  unknownAnonymous: { config: MAIN_CONFIG, options: { unknownTokens: 'anonymous' } },
  realm: { config: MAIN_CONFIG, options: { realm: 'docs-api' } },
  tokenScheme: { config: MAIN_CONFIG, options: { schemes: ['Token'] } },
} satisfies Record<string, GateSetup>

export type SetupName = keyof typeof SETUPS

/**
 * Where a guard's database or resource comes from, as data each adapter turns into its own
 * argument: a literal (`':memory:'` included), a `':param'` route parameter, or `{ query }` for a
 * function of the request that reads that query-string parameter (a string, else undefined; with
 * `raw`, whatever the framework parsed, unchecked, as a careless application would).
 */
export type TargetForm = string | { query: string; raw?: true }

export interface RouteSpec {
  path: string
  /** `null`: no guard. `'debug'`: the permissionsDebug endpoint. `'actor'`: requireActor. Otherwise a guard. */
  guard: null | 'debug' | 'actor' | { action: string; database?: TargetForm; resource?: TargetForm }
}

/** The routes of both apps. Paths use the syntax Express 5 and @koa/router 15 share. */
export const ROUTES: readonly RouteSpec[] = [
  { path: '/open', guard: null },
  { path: '/docs/documents/insert', guard: { action: 'insert-row', database: 'docs', resource: 'documents' } },
  { path: '/params/:db/:table/insert', guard: { action: 'insert-row', database: ':db', resource: ':table' } },
  { path: '/fn/insert', guard: { action: 'insert-row', database: { query: 'db' }, resource: { query: 'table' } } },
  { path: '/raw/insert', guard: { action: 'insert-row', database: 'docs', resource: { query: 'table', raw: true } } },
  { path: '/memory/show_version', guard: { action: 'view-query', database: ':memory:', resource: 'show_version' } },
  { path: '/docs/create-table', guard: { action: 'create-table', database: 'docs' } },
  { path: '/health', guard: { action: 'view-health' } },
  { path: '/abbr/insert', guard: { action: 'ir', database: 'docs', resource: 'documents' } },
  { path: '/-/permissions', guard: 'debug' },
  { path: '/me', guard: 'actor' },
]

// ---------------------------------------------------------------------------------------------
// Tokens

/** A signed token for an actor, made `age` seconds before NOW. */
export function signed(actorId: string, options: { age?: number; expiresAfter?: number; restrictions?: Restrictions; secret?: string } = {}): string {
  return createSignedToken({
    actorId,
    secret: options.secret ?? SECRET,
    now: NOW - (options.age ?? 10),
    ...(options.expiresAfter === undefined ? {} : { expiresAfter: options.expiresAfter }),
    ...(options.restrictions === undefined ? {} : { restrictions: options.restrictions }),
  })
}

/** A validly signed token whose payload is exactly this JSON: only the rule under test fails. */
export function signedJson(json: string): string {
  return signSignedTokenBody(encodeSignedTokenPayload(json), SECRET)
}

/** A JWT for an actor, issued 10 seconds before NOW. */
export function jwtFor(actorId: string, options: { algorithm?: string; expiresAfter?: number; age?: number; restrictions?: Restrictions; secret?: string } = {}): string {
  return createJwt({
    actorId,
    secret: options.secret ?? JWT_SECRET,
    algorithm: options.algorithm ?? 'HS256',
    now: NOW - (options.age ?? 10),
    expiresAfter: options.expiresAfter ?? 3600,
    ...(options.restrictions === undefined ? {} : { restrictions: options.restrictions }),
  })
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

/** An unsigned JWT (`alg: none`): never accepted. */
export const JWT_ALG_NONE = `${b64('{"alg":"none","typ":"JWT"}')}.${b64(`{"sub":"alice","iat":${NOW}}`)}.`

// ---------------------------------------------------------------------------------------------
// Expectations

export const REALM = 'tokengate'

/** The `WWW-Authenticate` value for a realm and an RFC 6750 error code (none: a bare challenge). */
export function challenge(error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | null, realm = REALM): string {
  return error === null ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="${error}"`
}

/** SPEC section 8's error body. */
export function errorBody(status: number, message: string): ErrorBody {
  return { ok: false, error: message, errors: [message], status }
}

export interface HttpCase {
  name: string
  /** @defaultValue `'main'` */
  setup?: SetupName
  /** Path and query string. */
  path: string
  authorization?: string
  status: number
  /** The exact body (`toEqual`), or with `partial` a subset (`toMatchObject`). */
  body: unknown
  partial?: boolean
  /** The exact `WWW-Authenticate` header, or `null` for none. */
  challenge: string | null
  handlerRan: boolean
}

const bearer = (token: string): string => `Bearer ${token}`

/** 200 from a route's handler with this actor. */
function ok(actor: Actor | null): Pick<HttpCase, 'status' | 'body' | 'challenge' | 'handlerRan'> {
  return { status: 200, body: { ok: true, actor }, challenge: null, handlerRan: true }
}

/** A tokengate error answer; the handler never runs. */
function fails(status: 400 | 401 | 403, message: string, wwwAuthenticate: string | null): Pick<HttpCase, 'status' | 'body' | 'challenge' | 'handlerRan'> {
  return { status, body: errorBody(status, message), challenge: wwwAuthenticate, handlerRan: false }
}

const badRequest = (message: string, realm = REALM) => fails(400, message, challenge('invalid_request', realm))
const invalidToken = (message: string, realm = REALM) => fails(401, message, challenge('invalid_token', realm))
const authRequired = (message: string, realm = REALM) => fails(401, message, challenge(null, realm))
const forbidden = (message: string, realm = REALM) => fails(403, message, challenge('insufficient_scope', realm))
const badParameter = (message: string) => fails(400, message, null)

const INSERT = '/docs/documents/insert'
const INSERT_AUTH = 'Authentication required: insert-row on docs/documents'
const INSERT_DENIED = 'Permission denied: insert-row on docs/documents'
const SHOW_VERSION = '/memory/show_version'
const SHOW_VERSION_AUTH = 'Authentication required: view-query on :memory:/show_version'

const ALICE_DSTOK = { id: 'alice', token: 'dstok' }
const ALICE_JWT = { id: 'alice', token: 'jwt', token_expires: NOW - 10 + 3600 }
const BOT = { bot_id: 'my-bot' }

export const HTTP_CASES: readonly HttpCase[] = [
  // No credentials: anonymous passes an unguarded route, gets a bare challenge from a guard.
  { name: 'no header, unguarded route: anonymous', path: '/open', ...ok(null) },
  { name: 'no header, guarded route: 401 bare challenge', path: INSERT, ...authRequired(INSERT_AUTH) },
  { name: 'no header, instance-level guard: 401', path: '/health', ...authRequired('Authentication required: view-health') },
  // requireActor: any authenticated caller, and nobody else
  { name: 'requireActor: anonymous → 401 with the bare challenge', path: '/me', ...authRequired('Authentication required') },
  { name: 'requireActor: a static token passes', path: '/me', authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: 'requireActor: a token restricted to something else still passes', path: '/me', authorization: bearer(signed('alice', { restrictions: { a: ['view-health'] } })), ...ok({ id: 'alice', token: 'dstok', _r: { a: ['vh'] } }) },
  { name: 'requireActor: an invalid token is still 401 invalid_token', path: '/me', authorization: bearer('unknown_format'), ...invalidToken('Unknown token') },
  { name: 'requireActor: the realm is the gate\'s', setup: 'realm', path: '/me', ...authRequired('Authentication required', 'docs-api') },
  { name: 'another scheme (Basic) is not read: anonymous', path: '/open', authorization: 'Basic dXNlcjpwYXNz', ...ok(null) },
  { name: 'another scheme (Token) is not read: anonymous on a guard, and the 401 says so', path: INSERT, authorization: `Token ${ALICE_STATIC}`, ...authRequired(`${INSERT_AUTH} (the Authorization header uses the "Token" scheme; this server reads Bearer)`) },
  { name: 'a configured scheme (Token) carries the token', setup: 'tokenScheme', path: INSERT, authorization: `Token ${ALICE_STATIC}`, ...ok({ id: 'alice' }) },
  { name: 'with only Token configured, Bearer is another scheme', setup: 'tokenScheme', path: '/open', authorization: bearer(ALICE_STATIC), ...ok(null) },

  // Header mistakes: still anonymous (a 401 from a guard, never another identity), but the 401
  // names what was seen and ignored. The token itself is never echoed: the exact bodies prove it.
  { name: 'header mistake: "Bearer:" with a colon', path: INSERT, authorization: `Bearer: ${ALICE_STATIC}`, ...authRequired(`${INSERT_AUTH} (the Authorization header writes the scheme with a colon ("Bearer:"); send "Bearer <token>", without the colon)`) },
  { name: 'header mistake: "bearer:" as written is echoed, it is the scheme', path: '/me', authorization: `bearer: ${ALICE_STATIC}`, ...authRequired('Authentication required (the Authorization header writes the scheme with a colon ("bearer:"); send "bearer <token>", without the colon)') },
  { name: 'header mistake: the JWT scheme', path: INSERT, authorization: `JWT ${jwtFor('alice')}`, ...authRequired(`${INSERT_AUTH} (the Authorization header uses the "JWT" scheme; this server reads Bearer)`) },
  { name: 'header mistake: a bare token, not echoed', path: INSERT, authorization: ALICE_STATIC, ...authRequired(`${INSERT_AUTH} (the Authorization header has a value but no scheme; this server reads "Bearer <token>")`) },
  { name: 'header mistake: a bare JWT on requireActor', path: '/me', authorization: jwtFor('alice'), ...authRequired('Authentication required (the Authorization header has a value but no scheme; this server reads "Bearer <token>")') },
  { name: 'header mistake: an unknown word before a space is not echoed (it may be a secret)', path: INSERT, authorization: `${ALICE_STATIC} extra`, ...authRequired(`${INSERT_AUTH} (the Authorization header uses a scheme this server does not read; it reads Bearer)`) },
  { name: 'header mistake: on permissionsDebug too', path: '/-/permissions?action=vi', authorization: `Token ${DEBUGGER_STATIC}`, ...authRequired('Authentication required: permissions-debug (the Authorization header uses the "Token" scheme; this server reads Bearer)') },
  { name: 'header mistake: an unguarded route still serves the anonymous request', path: '/open', authorization: `Token ${ALICE_STATIC}`, ...ok(null) },
  { name: 'header mistake near miss: the same token as Bearer passes', path: INSERT, authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: 'header mistake: with only Token configured, Bearer is the mistake', setup: 'tokenScheme', path: INSERT, authorization: bearer(ALICE_STATIC), ...authRequired(`${INSERT_AUTH} (the Authorization header uses the "Bearer" scheme; this server reads Token)`) },
  { name: 'header mistake: the custom realm stays on the challenge', setup: 'realm', path: INSERT, authorization: `Token ${ALICE_STATIC}`, ...authRequired(`${INSERT_AUTH} (the Authorization header uses the "Token" scheme; this server reads Bearer)`, 'docs-api') },

  // The header as RFC 6750 writes it.
  { name: 'the scheme is case-insensitive', path: INSERT, authorization: `bEaReR ${ALICE_STATIC}`, ...ok({ id: 'alice' }) },
  { name: 'several spaces after the scheme', path: INSERT, authorization: `Bearer    ${ALICE_STATIC}`, ...ok({ id: 'alice' }) },
  { name: 'Bearer with no token: 400', path: '/open', authorization: 'Bearer', ...badRequest('The Authorization header has the Bearer scheme but no token') },
  { name: 'bearer with no token: 400, the scheme as written', path: '/open', authorization: 'bearer', ...badRequest('The Authorization header has the bearer scheme but no token') },
  { name: 'a token with whitespace inside: 400', path: '/open', authorization: 'Bearer abc def', ...badRequest('The token in the Authorization header must not contain whitespace') },
  { name: 'a tab between scheme and token: 400', path: '/open', authorization: `Bearer\t${ALICE_STATIC}`, ...badRequest('Separate the Bearer scheme from the token with a space') },
  { name: 'the token is verbatim: no case folding', path: '/open', authorization: bearer(ALICE_STATIC.toUpperCase()), ...invalidToken('Unknown token') },

  // Unclaimed tokens.
  { name: 'an unknown token: 401 Unknown token', path: '/open', authorization: bearer('unknown_format'), ...invalidToken('Unknown token') },
  { name: 'DSTOK_ is not dstok_: 401 Unknown token', path: '/open', authorization: bearer('DSTOK_eyJhIjoiYWxpY2UifQ.c2ln'), ...invalidToken('Unknown token') },
  { name: 'JWT-shaped but not a JWT: 401 Unknown token', path: '/open', authorization: bearer('a.b.c'), ...invalidToken('Unknown token') },
  { name: "unknownTokens: 'anonymous', unguarded: anonymous", setup: 'unknownAnonymous', path: '/open', authorization: bearer('unknown_format'), ...ok(null) },
  { name: "unknownTokens: 'anonymous', guarded: 401 bare challenge, saying the token was unknown", setup: 'unknownAnonymous', path: INSERT, authorization: bearer('DSTOK_x.y'), ...authRequired(`${INSERT_AUTH} (the Bearer token is not one this server knows, and unknown tokens count as anonymous here)`) },
  { name: "unknownTokens: 'anonymous' still rejects a claimed bad token", setup: 'unknownAnonymous', path: '/open', authorization: bearer(signed('alice', { secret: 'another-secret' })), ...invalidToken('Invalid token signature') },
  { name: "unknownTokens: 'anonymous' still answers 400 for a malformed header", setup: 'unknownAnonymous', path: '/open', authorization: 'Bearer a b', ...badRequest('The token in the Authorization header must not contain whitespace') },

  // Static tokens: tokengate's list and both datasette-auth-tokens forms.
  { name: 'static token (tokens list)', path: INSERT, authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: 'static token (datasette-auth-tokens object form)', path: SHOW_VERSION, authorization: bearer(BOT_OBJECT_FORM), ...ok(BOT) },
  { name: 'static token (datasette-auth-tokens list form)', setup: 'pluginList', path: SHOW_VERSION, authorization: bearer(BOT_LIST_FORM), ...ok(BOT) },
  { name: 'the bot is denied what its allow blocks do not give', path: INSERT, authorization: bearer(BOT_OBJECT_FORM), ...forbidden(INSERT_DENIED) },

  // The query parameter.
  { name: 'query parameter, configured by the object form', path: `${SHOW_VERSION}?_auth_token=${BOT_OBJECT_FORM}`, ...ok(BOT) },
  { name: 'query parameter, not configured (list form): not read', setup: 'pluginList', path: `${SHOW_VERSION}?_auth_token=${BOT_LIST_FORM}`, ...authRequired(SHOW_VERSION_AUTH) },
  { name: 'query parameter turned off with queryParam: null', setup: 'queryParamOff', path: `${SHOW_VERSION}?_auth_token=${BOT_OBJECT_FORM}`, ...authRequired(SHOW_VERSION_AUTH) },
  { name: 'query parameter configured with the queryParam option', setup: 'pluginListWithParam', path: `${SHOW_VERSION}?token=${BOT_LIST_FORM}`, ...ok(BOT) },
  { name: 'query parameter with an unknown token: 401', path: `/open?_auth_token=nope`, ...invalidToken('Unknown token') },
  { name: 'an empty query parameter counts as absent', path: '/open?_auth_token=', ...ok(null) },
  { name: 'token in header and query parameter: 400', path: `/open?_auth_token=${BOT_OBJECT_FORM}`, authorization: bearer(ALICE_STATIC), ...badRequest('Send the token once: in the Authorization header or in the query string, not both') },
  { name: 'the query parameter twice: 400', path: `/open?_auth_token=a&_auth_token=b`, ...badRequest('Send the _auth_token query parameter once, not several times') },
  { name: 'another scheme in the header: the query parameter is not read', path: `${SHOW_VERSION}?_auth_token=${BOT_OBJECT_FORM}`, authorization: 'Basic dXNlcjpwYXNz', ...authRequired(`${SHOW_VERSION_AUTH} (the Authorization header uses the "Basic" scheme; this server reads Bearer)`) },

  // Signed dstok_ tokens: valid, and every message.
  { name: 'dstok_: a valid signed token', path: INSERT, authorization: bearer(signed('alice')), ...ok(ALICE_DSTOK) },
  { name: 'dstok_: with a lifetime, the actor carries token_expires', path: '/open', authorization: bearer(signed('alice', { expiresAfter: 600 })), ...ok({ ...ALICE_DSTOK, token_expires: NOW - 10 + 600 }) },
  { name: 'dstok_: bad signature', path: '/open', authorization: bearer(signed('alice', { secret: 'another-secret' })), ...invalidToken('Invalid token signature') },
  { name: 'dstok_: no signature at all', path: '/open', authorization: bearer('dstok_eyJhIjoiYWxpY2UifQ'), ...invalidToken('Invalid token signature') },
  { name: 'dstok_: expired', path: '/open', authorization: bearer(signed('alice', { age: 3600, expiresAfter: 60 })), ...invalidToken('Token has expired') },
  { name: 'dstok_: no timestamp', path: '/open', authorization: bearer(signedJson('{"a":"alice"}')), ...invalidToken('Invalid token: no timestamp') },
  { name: 'dstok_: invalid timestamp', path: '/open', authorization: bearer(signedJson('{"a":"alice","t":"yesterday"}')), ...invalidToken('Invalid token: invalid timestamp') },
  { name: 'dstok_: invalid duration', path: '/open', authorization: bearer(signedJson(`{"a":"alice","t":${NOW},"d":"1h"}`)), ...invalidToken('Invalid token: invalid duration') },
  { name: 'dstok_: malformed payload', path: '/open', authorization: bearer(signSignedTokenBody(b64('not json'), SECRET)), ...invalidToken('Invalid token: malformed payload') },
  { name: 'dstok_: no actor id', path: '/open', authorization: bearer(signedJson(`{"t":${NOW}}`)), ...invalidToken('Invalid token: no actor id') },
  { name: 'dstok_: invalid actor id', path: '/open', authorization: bearer(signedJson(`{"a":42,"t":${NOW}}`)), ...invalidToken('Invalid token: invalid actor id') },
  { name: 'dstok_: malformed _r', path: '/open', authorization: bearer(signedJson(`{"a":"alice","t":${NOW},"_r":null}`)), ...invalidToken('Invalid token: _r must be an object, got null') },
  { name: 'dstok_: signed tokens disabled by allow_signed_tokens', setup: 'signedDisabled', path: '/open', authorization: bearer(signed('alice')), ...invalidToken('Signed tokens are not enabled') },
  { name: 'dstok_: no secret configured means signed tokens are not enabled', setup: 'noSecret', path: '/open', authorization: bearer(signed('alice')), ...invalidToken('Signed tokens are not enabled') },
  { name: 'dstok_: max_signed_tokens_ttl expires a token without d', setup: 'maxTtl', path: '/open', authorization: bearer(signed('alice', { age: 100 })), ...invalidToken('Token has expired') },
  { name: 'dstok_: d: 0 does not escape max_signed_tokens_ttl', setup: 'maxTtl', path: '/open', authorization: bearer(signedJson(`{"a":"alice","t":${NOW - 100},"d":0}`)), ...invalidToken('Token has expired') },
  { name: 'dstok_: within max_signed_tokens_ttl, token_expires is t + max', setup: 'maxTtl', path: '/open', authorization: bearer(signed('alice', { age: 30 })), ...ok({ ...ALICE_DSTOK, token_expires: NOW - 30 + 60 }) },

  // JWTs.
  { name: 'JWT: valid', path: INSERT, authorization: bearer(jwtFor('alice')), ...ok(ALICE_JWT) },
  { name: 'JWT: expired', path: '/open', authorization: bearer(jwtFor('alice', { age: 7200, expiresAfter: 60 })), ...invalidToken('Token has expired') },
  { name: 'JWT: not yet valid', path: '/open', authorization: bearer(jwt.sign({ sub: 'alice', iat: NOW, nbf: NOW + 600 }, JWT_SECRET, { algorithm: 'HS256' })), ...invalidToken('Token is not yet valid') },
  { name: 'JWT: an algorithm outside the allow-list', path: '/open', authorization: bearer(jwtFor('alice', { algorithm: 'HS512' })), ...invalidToken('Invalid token: algorithm not allowed') },
  { name: 'JWT: alg none', path: '/open', authorization: bearer(JWT_ALG_NONE), ...invalidToken('Invalid token: algorithm not allowed') },
  { name: 'JWT: signed with another secret', path: '/open', authorization: bearer(jwtFor('alice', { secret: 'another-jwt-secret-0123456789abcd' })), ...invalidToken('Invalid token signature') },
  { name: 'JWT: no sub claim', path: '/open', authorization: bearer(jwt.sign({ iat: NOW }, JWT_SECRET, { algorithm: 'HS256' })), ...invalidToken('Invalid token: missing sub claim') },

  // Authenticated but denied; restricted tokens are their actor's permissions AND _r.
  { name: 'authenticated, denied: 403 insufficient_scope', path: INSERT, authorization: bearer(signed('carol')), ...forbidden(INSERT_DENIED) },
  { name: 'authenticated, instance-level deny: 403', path: '/health', authorization: bearer(DEBUGGER_STATIC), ...forbidden('Permission denied: view-health') },
  { name: 'authenticated, instance-level allow', path: '/health', authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: 'restricted to the table: allowed where actor and _r both allow', path: INSERT, authorization: bearer(signed('alice', { restrictions: { r: { docs: { documents: ['insert-row'] } } } })), ...ok({ ...ALICE_DSTOK, _r: { r: { docs: { documents: ['ir'] } } } }) },
  { name: 'restricted to the database: allowed where both allow', path: INSERT, authorization: bearer(signed('alice', { restrictions: { d: { docs: ['ir'] } } })), ...ok({ ...ALICE_DSTOK, _r: { d: { docs: ['ir'] } } }) },
  { name: 'restricted elsewhere: 403 although the actor is allowed', path: INSERT, authorization: bearer(signed('alice', { restrictions: { a: ['view-table'] } })), ...forbidden(INSERT_DENIED) },
  { name: 'restricted to another table: 403 although the actor is allowed', path: INSERT, authorization: bearer(signed('alice', { restrictions: { r: { docs: { drafts: ['ir'] } } } })), ...forbidden(INSERT_DENIED) },
  { name: '_r: {} is a valid token: an unguarded route passes', path: '/open', authorization: bearer(signedJson(`{"a":"alice","t":${NOW},"_r":{}}`)), ...ok({ ...ALICE_DSTOK, _r: {} }) },
  { name: '_r: {} on a guard: 403 although the actor is allowed', path: INSERT, authorization: bearer(signedJson(`{"a":"alice","t":${NOW},"_r":{}}`)), ...forbidden(INSERT_DENIED) },
  { name: 'restrictions never grant what the actor lacks: 403', path: INSERT, authorization: bearer(signed('carol', { restrictions: { a: ['insert-row'] } })), ...forbidden(INSERT_DENIED) },
  { name: 'a restricted JWT: 403 although the actor is allowed', path: INSERT, authorization: bearer(jwtFor('alice', { restrictions: { a: ['vt'] } })), ...forbidden(INSERT_DENIED) },
  { name: 'a guard named by abbreviation resolves to the action', path: '/abbr/insert', authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: 'a guard named by abbreviation: denied near miss', path: '/abbr/insert', authorization: bearer(BOT_OBJECT_FORM), ...forbidden(INSERT_DENIED) },

  // Root.
  { name: 'root disabled (default): root is an ordinary actor', path: '/docs/create-table', authorization: bearer(signed('root')), ...forbidden('Permission denied: create-table on docs') },
  { name: 'root enabled: root may do what no rule mentions', setup: 'rootEnabled', path: '/docs/create-table', authorization: bearer(signed('root')), ...ok({ id: 'root', token: 'dstok' }) },
  { name: 'root enabled: another actor is still denied', setup: 'rootEnabled', path: '/docs/create-table', authorization: bearer(signed('alice')), ...forbidden('Permission denied: create-table on docs') },
  { name: 'root enabled: a more specific deny still wins over root', setup: 'rootEnabled', path: INSERT, authorization: bearer(signed('root')), ...forbidden(INSERT_DENIED) },
  { name: 'root enabled: a restricted root token is still restricted', setup: 'rootEnabled', path: '/docs/create-table', authorization: bearer(signed('root', { restrictions: { a: ['vi'] } })), ...forbidden('Permission denied: create-table on docs') },

  // Guard targets: ':param', a function of the request, the literal ':memory:'.
  { name: "':param' targets: allowed", path: '/params/docs/documents/insert', authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: "':param' targets: another table is another check", path: '/params/docs/drafts/insert', authorization: bearer(ALICE_STATIC), ...forbidden('Permission denied: insert-row on docs/drafts') },
  { name: "':param' targets: anonymous", path: '/params/docs/documents/insert', ...authRequired(INSERT_AUTH) },
  { name: 'function targets: allowed', path: '/fn/insert?db=docs&table=documents', authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: 'function targets: another database is another check', path: '/fn/insert?db=other&table=documents', authorization: bearer(ALICE_STATIC), ...forbidden('Permission denied: insert-row on other/documents') },
  { name: 'a function target that returns a list (a repeated parameter): 400 invalid_request, not 500', path: '/raw/insert?table=documents&table=drafts', authorization: bearer(ALICE_STATIC), ...badRequest('The request gives the resource as a list, not a name') },
  { name: 'a function target that returns a list: 400 for anonymous too, the handler does not run', path: '/raw/insert?table=documents&table=drafts', ...badRequest('The request gives the resource as a list, not a name') },
  { name: 'near miss: the same raw function with one value is checked as usual', path: '/raw/insert?table=documents', authorization: bearer(ALICE_STATIC), ...ok({ id: 'alice' }) },
  { name: "literal ':memory:' is a database name, not a parameter: bot allowed", path: SHOW_VERSION, authorization: bearer(BOT_OBJECT_FORM), ...ok(BOT) },
  { name: "literal ':memory:': another actor denied", path: SHOW_VERSION, authorization: bearer(ALICE_STATIC), ...forbidden('Permission denied: view-query on :memory:/show_version') },
  { name: "literal ':memory:': anonymous", path: SHOW_VERSION, ...authRequired(SHOW_VERSION_AUTH) },

  // Custom realm, in every challenge.
  { name: 'custom realm: anonymous denied', setup: 'realm', path: INSERT, ...authRequired(INSERT_AUTH, 'docs-api') },
  { name: 'custom realm: invalid token', setup: 'realm', path: '/open', authorization: bearer('unknown_format'), ...invalidToken('Unknown token', 'docs-api') },
  { name: 'custom realm: forbidden', setup: 'realm', path: INSERT, authorization: bearer(BOT_OBJECT_FORM), ...forbidden(INSERT_DENIED, 'docs-api') },
  { name: 'custom realm: bad request', setup: 'realm', path: '/open', authorization: 'Bearer', ...badRequest('The Authorization header has the Bearer scheme but no token', 'docs-api') },

  // permissionsDebug: guarded by permissions-debug, then 400 for bad parameters.
  { name: 'permissionsDebug: anonymous → 401', path: '/-/permissions?action=insert-row', ...authRequired('Authentication required: permissions-debug') },
  { name: 'permissionsDebug: anonymous without action → 401, not 400', path: '/-/permissions', ...authRequired('Authentication required: permissions-debug') },
  { name: 'permissionsDebug: an actor without permissions-debug → 403', path: '/-/permissions?action=insert-row', authorization: bearer(ALICE_STATIC), ...forbidden('Permission denied: permissions-debug') },
  {
    name: 'permissionsDebug: an actor with permissions-debug gets the decision',
    path: '/-/permissions?action=insert-row&database=docs&resource=documents',
    authorization: bearer(DEBUGGER_STATIC),
    status: 200,
    partial: true,
    body: {
      ok: true,
      actor: { id: 'debugger' },
      decision: {
        allowed: false,
        action: 'insert-row',
        database: 'docs',
        resource: 'documents',
        level: 'child',
        decidingLevel: 'child',
        reason:
          'denied: databases.docs.tables.documents.permissions.insert-row does not match actor {"id":"debugger"}; the child level is the most specific level with a rule for insert-row on docs/documents',
      },
    },
    challenge: null,
    handlerRan: false,
  },
  {
    name: 'permissionsDebug: an abbreviation is explained under the full name',
    path: '/-/permissions?action=vi',
    authorization: bearer(DEBUGGER_STATIC),
    status: 200,
    partial: true,
    body: { ok: true, actor: { id: 'debugger' }, decision: { allowed: true, action: 'view-instance', database: null, resource: null, level: 'instance' } },
    challenge: null,
    handlerRan: false,
  },
  { name: 'permissionsDebug: missing action → 400', path: '/-/permissions', authorization: bearer(DEBUGGER_STATIC), ...badParameter('Name the action to explain: ?action=view-table&database=…&resource=…') },
  { name: 'permissionsDebug: empty action → 400', path: '/-/permissions?action=', authorization: bearer(DEBUGGER_STATIC), ...badParameter('Name the action to explain: ?action=view-table&database=…&resource=…') },
  { name: 'permissionsDebug: unknown action → 400', path: '/-/permissions?action=nope', authorization: bearer(DEBUGGER_STATIC), ...badParameter('Unknown action "nope"') },
  { name: 'permissionsDebug: action twice → 400', path: '/-/permissions?action=vi&action=vt', authorization: bearer(DEBUGGER_STATIC), ...badParameter('Send the action query parameter once, as a plain string') },
  { name: 'permissionsDebug: a resource without its database → 400', path: '/-/permissions?action=vt&resource=documents', authorization: bearer(DEBUGGER_STATIC), ...badParameter('A resource needs its database: add ?database=…') },
]

// ---------------------------------------------------------------------------------------------
// The datasette-auth-tokens README example (seeds/001), unchanged.

/** The metadata.json of the datasette-auth-tokens README, byte for byte as its users write it. */
export const SEED_METADATA_JSON = `{
    "plugins": {
        "datasette-auth-tokens": [
            {
                "token": {
                    "$env": "BOT_TOKEN"
                },
                "actor": {
                    "bot_id": "my-bot"
                }
            }
        ]
    },
    "databases": {
        ":memory:": {
            "queries": {
                "show_version": {
                    "sql": "select sqlite_version()",
                    "allow": {
                        "bot_id": "my-bot"
                    }
                }
            }
        }
    }
}
`

export const SEED_BOT_TOKEN = 'this-is-the-secret-token'

/** The route Datasette serves the query on: `/:memory:/show_version.json`. */
export const SEED_ROUTE = '/:db/:query.json'

/** What the route's handler answers, as Datasette's `?_shape=array` does. */
export const SEED_ROWS = [{ 'sqlite_version()': '3.45.1' }]

export interface SeedCase {
  name: string
  path: string
  authorization?: string
  status: number
  body: unknown
  challenge: string | null
  handlerRan: boolean
}

export const SEED_CASES: readonly SeedCase[] = [
  { name: 'the bot runs show_version', path: '/:memory:/show_version.json?_shape=array', authorization: bearer(SEED_BOT_TOKEN), status: 200, body: SEED_ROWS, challenge: null, handlerRan: true },
  { name: 'anonymous cannot run show_version', path: '/:memory:/show_version.json?_shape=array', ...fails(401, SHOW_VERSION_AUTH, challenge(null)) },
  { name: 'a wrong token is rejected, not anonymous', path: '/:memory:/show_version.json?_shape=array', authorization: bearer('this-is-not-the-secret-token'), ...fails(401, 'Unknown token', challenge('invalid_token')) },
  { name: 'another query stays open to anonymous (no rule mentions it)', path: '/:memory:/other.json', status: 200, body: SEED_ROWS, challenge: null, handlerRan: true },
]
