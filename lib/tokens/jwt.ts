/**
 * JWTs (SPEC section 6, "JWTs" and "One model for every token"): a token source that verifies
 * JSON Web Tokens with `jsonwebtoken` and maps their claims to an actor, the mapping of the
 * configuration's `jwt` block to its options, and {@link createJwt} for the CLI.
 *
 * What this module guarantees:
 * - An algorithms allow-list is required and is the only source of truth: the token's `alg` must
 *   be in it (checked before anything else), `none` can never be listed, and each algorithm
 *   family is verified only with its own key (HS* with the HMAC secret, every other family with
 *   the public key), which rules out the HS256-with-the-public-key confusion attack.
 * - Keys are converted once, at construction, to `KeyObject`s. `jsonwebtoken` converts a string
 *   or Buffer key on every call (first trying it as a public key, failing, then as a secret), which
 *   costs about fifty times the verification itself.
 * - A token is claimed ("mine") only when it has the JWS compact shape: three base64url segments
 *   separated by dots, the first decoding to a JSON object with a string `alg`. Static tokens and
 *   `dstok_` tokens (one dot, or `dstok_.` plus two segments when compressed, whose first segment
 *   is not JSON) are never claimed.
 * - Failures become {@link InvalidTokenError}s with stable messages; `jsonwebtoken`'s own error is
 *   kept as `cause`. No message contains the token.
 *
 * @module
 */
import { KeyObject, createPrivateKey } from 'node:crypto'
import jwt from 'jsonwebtoken'
import type { Algorithm, VerifyOptions } from 'jsonwebtoken'
import { InvalidTokenError } from '../errors.js'
import { compactRestrictions, restrictionsProblem } from '../permissions/restrictions.js'
import type { Actor, Restrictions, TokenContext, TokenSource, TokenSourceResult } from '../types.js'
import { buildActor, defineOwn, newActor } from '../internal/actor.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { checkOptionNames } from '../internal/options.js'
import type { ActionRegistry } from '../permissions/actions.js'
import { JWKS_DEFAULTS, type JwksKeys, createJwksKeys, jwksNumberProblem } from './jwks.js'
import { type JwtKeyNames, OPTION_NAMES, algorithmProblem, isHmac, jwtKeys, keyMisfit, optionMessage } from './jwt-keys.js'
import { type ScopeProblem, compileScopes } from './jwt-scopes.js'

/** Key material: a string, a Buffer, or a Node `KeyObject`. */
export type JwtKey = string | Buffer | KeyObject

/** The JWT token source: a {@link TokenSource} whose `verify` is synchronous. */
export interface JwtTokenSource extends TokenSource {
  /**
   * The actor for a JWT with its expiry, `null` when the token is not JWS-shaped ("not mine").
   * @throws InvalidTokenError (`ERR_INVALID_TOKEN`) when it is a JWT but not a valid one.
   */
  verify(token: string, context: TokenContext): TokenSourceResult | null
}

/**
 * The JWT token source with a JWKS URL (`jwksUri`): an RS*, PS* or ES* token is answered with a
 * promise, since its key may have to be fetched; an HS* token (with `secret`) and a token that is
 * not a JWT are still answered synchronously.
 */
export interface JwksTokenSource extends TokenSource {
  /**
   * As {@link JwtTokenSource.verify}, with a promise for a token verified with the key set.
   * @throws InvalidTokenError (`ERR_INVALID_TOKEN`, 401) when it is a JWT but not a valid one;
   *   the promise rejects with StoreUnavailableError (`ERR_STORE_UNAVAILABLE`, 503) when the key
   *   it needs is not cached and the key set cannot be fetched.
   */
  verify(token: string, context: TokenContext): TokenSourceResult | null | Promise<TokenSourceResult>
}

/** What {@link jwtTokenSource} takes. */
export interface JwtSourceOptions {
  /**
   * The algorithms a token may be signed with; required and non-empty. Any of `HS256`, `HS384`,
   * `HS512` (with `secret`), `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`, `ES256`,
   * `ES384`, `ES512` (with `publicKey`). `none` is refused, and so is `EdDSA`, which
   * `jsonwebtoken` 9 cannot verify.
   */
  algorithms: readonly string[]
  /** The HMAC secret, for the HS* algorithms. */
  secret?: JwtKey | undefined
  /** The public key (PEM, or a `KeyObject`), for the RS*, PS* and ES* algorithms. */
  publicKey?: JwtKey | undefined
  /** The issuer (`iss`) a token must name; with a list, any one of them. */
  issuer?: string | readonly string[] | undefined
  /** The audience (`aud`) a token must name; with a list, any one of them. */
  audience?: string | readonly string[] | undefined
  /**
   * The claim holding the actor id.
   * @defaultValue `"sub"`
   */
  actorClaim?: string | undefined
  /**
   * The key the actor id is stored under in the actor.
   * @defaultValue `"id"`
   */
  actorIdKey?: string | undefined
  /**
   * Seconds of leeway for `exp` and `nbf`.
   * @defaultValue 0
   */
  clockTolerance?: number | undefined
  /**
   * The URL of an identity provider's JSON Web Key Set, such as
   * `https://id.example.com/.well-known/jwks.json`, in place of `publicKey`: RS*, PS* and ES*
   * tokens are verified with the key their `kid` header names, fetched with jwks-rsa, cached,
   * and fetched again (rate-limited) when an unknown `kid` arrives. https, or http on a loopback
   * host. `algorithms` is still required and still the only source of truth.
   */
  jwksUri?: string | undefined
  /** How many times a minute the key set may be fetched. @defaultValue 10 */
  jwksRequestsPerMinute?: number | undefined
  /** How long a fetched key is kept, in seconds: a key the provider removed verifies no longer than this. @defaultValue 600 */
  jwksCacheMaxAge?: number | undefined
  /** How long one fetch of the key set may take, in seconds. @defaultValue 5 */
  jwksTimeout?: number | undefined
  /**
   * The claim an identity provider writes scopes into (`scope`, `scp`, `permissions`): a
   * space-separated string or a list. When set, a token's restrictions come from it (through
   * `scopeMap`, or read as permission strings), and a token with an `_r` claim is refused.
   */
  scopeClaim?: string | undefined
  /**
   * Scope → permission string(s), such as `{ 'read:docs': 'db:docs:read' }`. Scopes it does not
   * name add nothing. Without it, scopes that are permission strings are used as such.
   */
  scopeMap?: { readonly [scope: string]: string | readonly string[] } | undefined
  /**
   * The actions permission strings in scopes may name.
   * @defaultValue the built-in actions (a gate passes its own registry)
   */
  registry?: ActionRegistry | undefined
}

/** Keys the actor gets from the token itself; `actorIdKey` may not be one of them. */
const RESERVED_ACTOR_KEYS = ['token', '_r', 'token_expires'] as const

/** The longest `actor` claim accepted, in characters of JSON (64 KiB); it is also at most 32 levels deep. */
const MAX_ACTOR_CLAIM_LENGTH = 64 * 1024

const OPTION_KEYS: readonly string[] = [
  'algorithms', 'secret', 'publicKey', 'issuer', 'audience', 'actorClaim', 'actorIdKey', 'clockTolerance',
  'jwksUri', 'jwksRequestsPerMinute', 'jwksCacheMaxAge', 'jwksTimeout', 'scopeClaim', 'scopeMap', 'registry',
]

/** A scope problem as a TypeError says it. @internal */
export function scopeOptionMessage(problem: ScopeProblem): string {
  return problem.scope === undefined
    ? `"${problem.input}" option ${problem.message}`
    : `"${problem.input}" option: scope ${JSON.stringify(problem.scope)} ${problem.message}`
}

function jwksNumber(value: unknown, name: string, integer: boolean, fallback: number): number {
  if (value === undefined) return fallback
  const problem = jwksNumberProblem(value, integer)
  if (problem !== null) throw new TypeError(`"${name}" option ${problem}, got ${JSON.stringify(value)}`)
  return value as number
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (value instanceof KeyObject) return `a ${value.type} KeyObject`
  return typeof value
}

function checkClaimList(value: unknown, name: string): string | [string, ...string[]] | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string' && value !== '') return value
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item !== '')) {
    return [...(value as string[])] as [string, ...string[]]
  }
  throw new TypeError(`"${name}" option must be a non-empty string or a non-empty list of non-empty strings, got ${describe(value)}`)
}

function checkName(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value === 'string' && value !== '') return value
  throw new TypeError(`"${name}" option must be a non-empty string, got ${describe(value)}`)
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Whether an unpadded base64url segment is the one canonical spelling of its bytes: its length
 * is possible and the low bits of its last character that carry no data are zero. A decoder
 * ignores those bits, so without this check one signature has 4 or 16 spellings, each a
 * different token string (a different cache entry, a way past a deny-list keyed on the string).
 */
function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const unused = rest === 2 ? 0b1111 : 0b11
  return (BASE64URL_ALPHABET.indexOf(segment[segment.length - 1] ?? '') & unused) === 0
}

/**
 * Why a claimed JWS is refused before any verification, or `null`: a segment that is not
 * canonical base64url, or a `crit` header (RFC 7515 section 4.1.11: a recipient must refuse
 * critical extensions it does not understand, and this library understands none).
 */
function jwsFormProblem(token: string, header: { readonly critical: boolean }): string | null {
  if (!token.split('.').every(isCanonicalBase64url)) return 'Invalid token: not canonical base64url'
  if (header.critical) return 'Invalid token: unsupported critical header parameters'
  return null
}

/** The decoded JOSE header when a string has the JWS compact shape, else `null`. */
function jwsHeader(token: string): { alg: string; critical: boolean } | null {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return null
  const encoded = token.slice(0, token.indexOf('.'))
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!isPlainObject(header) || typeof header['alg'] !== 'string') return null
  return { alg: header['alg'], critical: Object.hasOwn(header, 'crit') }
}

/** Stable messages and reasons for `jsonwebtoken`'s failures. */
function invalid(cause: unknown): InvalidTokenError {
  if (cause instanceof jwt.TokenExpiredError) return new InvalidTokenError('Token has expired', { reason: 'expired', cause })
  if (cause instanceof jwt.NotBeforeError) return new InvalidTokenError('Token is not yet valid', { reason: 'not_yet_valid', cause })
  const text = cause instanceof jwt.JsonWebTokenError ? cause.message : ''
  if (text === 'invalid signature' || text === 'jwt signature is required') {
    return new InvalidTokenError('Invalid token signature', { reason: 'bad_signature', cause })
  }
  if (text === 'invalid algorithm') {
    return new InvalidTokenError('Invalid token: algorithm not allowed', { reason: 'algorithm_not_allowed', cause })
  }
  if (text.startsWith('jwt issuer invalid')) return new InvalidTokenError('Invalid token: issuer mismatch', { reason: 'invalid_claims', cause })
  if (text.startsWith('jwt audience invalid')) return new InvalidTokenError('Invalid token: audience mismatch', { reason: 'invalid_claims', cause })
  return new InvalidTokenError('Invalid token: malformed JWT', { reason: 'malformed', cause })
}

/**
 * A token source for JWTs, verified with `jsonwebtoken`.
 *
 * A token is this source's when it has the JWS compact shape (three base64url segments, the
 * first a JSON header with a string `alg`); anything else gives `null` ("not mine"). A claimed
 * token must be signed with an accepted algorithm and its family's key, and pass `exp`, `nbf`
 * (against the gate's clock, `context.now`, with `clockTolerance`), `iss` and `aud`.
 *
 * The actor: when the payload has an `actor` claim (which must be an object), a copy of it, with
 * the actor id added under `actorIdKey` when it has none and the `actorClaim` claim is present;
 * otherwise `{ [actorIdKey]: payload[actorClaim] }`, where the claim must be a non-empty string
 * or a finite number. Then `token: "jwt"`, `_r` from an `_r` claim (validated), and
 * `token_expires` from `exp` when present. The actor is frozen.
 *
 * @param options - see {@link JwtSourceOptions}.
 * @returns a {@link JwtTokenSource} named `jwt`.
 * @throws TypeError at construction when an option is missing, unknown or misused (no
 *   algorithms, `none` or an unknown algorithm, an HS* algorithm without `secret`, an RS*, PS*
 *   or ES* algorithm without `publicKey`, a key that no accepted algorithm uses or that does not
 *   fit an accepted algorithm, a PEM given as `secret`).
 * @throws InvalidTokenError (`ERR_INVALID_TOKEN`) from `verify` for a claimed token that is bad:
 *   `Token has expired`, `Token is not yet valid`, `Invalid token signature`,
 *   `Invalid token: algorithm not allowed`, `Invalid token: not canonical base64url`,
 *   `Invalid token: unsupported critical header parameters`, `Invalid token: issuer mismatch`,
 *   `Invalid token: audience mismatch`, `Invalid token: malformed JWT`,
 *   `Invalid token: missing <claim> claim`, `Invalid token: <claim> claim must be a non-empty
 *   string or a number`, `Invalid token: actor claim must be an object`,
 *   `Invalid token: restrictions belong in the _r claim, not inside the actor claim`, or
 *   `Invalid token: <problem with _r>`.
 * @example
 * ```ts
 * const source = jwtTokenSource({ algorithms: ['RS256'], publicKey: fs.readFileSync('jwt.pub'), issuer: 'https://id.example' })
 * source.verify(token, { now: Math.floor(Date.now() / 1000) }) // { id: 'alice', token: 'jwt', token_expires: 1767225600 }
 * ```
 */
export function jwtTokenSource(options: JwtSourceOptions & { jwksUri?: undefined }): JwtTokenSource
export function jwtTokenSource(options: JwtSourceOptions): JwksTokenSource
export function jwtTokenSource(options: JwtSourceOptions): JwtTokenSource | JwksTokenSource {
  if (!isPlainObject(options)) {
    throw new TypeError('jwtTokenSource expects an options object such as { algorithms: ["HS256"], secret }')
  }
  checkOptionNames(options, OPTION_KEYS, 'jwtTokenSource')
  const checked = jwtKeys(
    { algorithms: options.algorithms, secret: options.secret, publicKey: options.publicKey, jwksUri: options.jwksUri },
    OPTION_NAMES,
  )
  if (!checked.ok) throw new TypeError(optionMessage(checked.problem))
  const { algorithms, hmacKey, verifyKey, jwksUri } = checked.keys
  const jwksSettings = {
    requestsPerMinute: jwksNumber(options.jwksRequestsPerMinute, 'jwksRequestsPerMinute', true, JWKS_DEFAULTS.requestsPerMinute),
    cacheMaxAge: jwksNumber(options.jwksCacheMaxAge, 'jwksCacheMaxAge', false, JWKS_DEFAULTS.cacheMaxAge),
    timeout: jwksNumber(options.jwksTimeout, 'jwksTimeout', false, JWKS_DEFAULTS.timeout),
  }
  if (jwksUri === null) {
    for (const name of ['jwksRequestsPerMinute', 'jwksCacheMaxAge', 'jwksTimeout'] as const) {
      if (options[name] !== undefined) throw new TypeError(`"${name}" option needs "jwksUri": it tunes how the key set is fetched`)
    }
  }
  const jwks: JwksKeys | null = jwksUri === null ? null : createJwksKeys({ uri: jwksUri, ...jwksSettings })
  const scopes = compileScopes(options.scopeClaim, options.scopeMap, options.registry)
  if (!scopes.ok) throw new TypeError(scopeOptionMessage(scopes.problem))
  const scopeMapping = scopes.mapping

  const issuer = checkClaimList(options.issuer, 'issuer')
  const audience = checkClaimList(options.audience, 'audience')
  const actorClaim = checkName(options.actorClaim, 'actorClaim', 'sub')
  const actorIdKey = checkName(options.actorIdKey, 'actorIdKey', 'id')
  if ((RESERVED_ACTOR_KEYS as readonly string[]).includes(actorIdKey)) {
    throw new TypeError(`"actorIdKey" option must not be ${JSON.stringify(actorIdKey)}: tokengate sets that key itself`)
  }
  const clockTolerance = options.clockTolerance ?? 0
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new TypeError(`"clockTolerance" option must be a number of seconds, 0 or more, got ${JSON.stringify(clockTolerance)}`)
  }

  const baseOptions: VerifyOptions = {
    algorithms: algorithms as Algorithm[],
    clockTolerance,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
  }

  /** Verify the signature and claims with the token's key, and map the claims to the answer. */
  function verifyWith(token: string, key: KeyObject, context: TokenContext): TokenSourceResult {
    let payload: unknown
    try {
      payload = jwt.verify(token, key, { ...baseOptions, clockTimestamp: context.now })
    } catch (cause) {
      throw invalid(cause)
    }
    if (!isPlainObject(payload)) throw new InvalidTokenError('Invalid token: malformed JWT', { reason: 'malformed' })
    const scoped = scopeMapping === null ? undefined : scopeMapping.restrictionsOf(payload)
    const actor = actorFromClaims(payload, actorClaim, actorIdKey)
    if (scoped !== undefined) (actor as Record<string, unknown>)['_r'] = scoped
    const { exp, nbf } = payload
    const ownerId = actor[actorIdKey]
    return {
      actor,
      expiresAt: typeof exp === 'number' ? exp : null,
      notBefore: typeof nbf === 'number' ? nbf : null,
      ownerId: typeof ownerId === 'string' || typeof ownerId === 'number' ? ownerId : null,
    }
  }

  return {
    name: 'jwt',
    // A valid signature stays valid: only exp and nbf (checked on every request) can change the
    // answer. With a key set, no longer than its keys are kept, so a key the provider removed
    // stops verifying tokens already seen too.
    cacheFor: jwks === null ? Infinity : jwksSettings.cacheMaxAge,
    verify(token: string, context: TokenContext): TokenSourceResult | null | Promise<TokenSourceResult> {
      if (typeof token !== 'string') return null
      const header = jwsHeader(token)
      if (header === null) return null
      const form = jwsFormProblem(token, header)
      if (form !== null) throw new InvalidTokenError(form, { reason: 'malformed' })
      if (!algorithms.includes(header.alg)) throw new InvalidTokenError('Invalid token: algorithm not allowed', { reason: 'algorithm_not_allowed' })
      if (jwks !== null && !isHmac(header.alg)) return jwks.keyFor(token, header.alg).then((key) => verifyWith(token, key, context))
      const key = isHmac(header.alg) ? hmacKey : verifyKey
      // Unreachable: construction requires the key of every accepted family. Fail closed anyway.
      if (key === null) throw new InvalidTokenError('Invalid token: algorithm not allowed', { reason: 'algorithm_not_allowed' })
      return verifyWith(token, key, context)
    },
  } as JwksTokenSource
}

function actorFromClaims(
  payload: { readonly [key: string]: unknown },
  actorClaim: string,
  actorIdKey: string,
): Actor {
  const hasId = Object.prototype.hasOwnProperty.call(payload, actorClaim)
  const id = payload[actorClaim]
  if (hasId && !((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id)))) {
    throw new InvalidTokenError(`Invalid token: ${actorClaim} claim must be a non-empty string or a number`, { reason: 'invalid_claims' })
  }

  let actor: Record<string, unknown>
  if (Object.prototype.hasOwnProperty.call(payload, 'actor')) {
    const claim = payload['actor']
    if (!isPlainObject(claim)) throw new InvalidTokenError('Invalid token: actor claim must be an object', { reason: 'invalid_claims' })
    if (Object.prototype.hasOwnProperty.call(claim, '_r')) {
      throw new InvalidTokenError('Invalid token: restrictions belong in the _r claim, not inside the actor claim', { reason: 'invalid_restrictions' })
    }
    // A bounded copy of own data properties: "__proto__" stays a key, a deep claim is a 401.
    const copied = buildActor(claim, { maxLength: MAX_ACTOR_CLAIM_LENGTH })
    if (!copied.ok) throw new InvalidTokenError(`Invalid token: the actor claim ${copied.problem}`, { reason: 'invalid_claims' })
    actor = copied.actor as Record<string, unknown>
    delete actor['token_expires']
    if (!Object.prototype.hasOwnProperty.call(actor, actorIdKey) && hasId) defineOwn(actor, actorIdKey, id)
  } else {
    if (!hasId) throw new InvalidTokenError(`Invalid token: missing ${actorClaim} claim`, { reason: 'invalid_claims' })
    actor = newActor()
    defineOwn(actor, actorIdKey, id)
  }

  actor['token'] = 'jwt'
  if (Object.prototype.hasOwnProperty.call(payload, '_r')) {
    const problem = restrictionsProblem(payload['_r'])
    if (problem !== null) throw new InvalidTokenError(`Invalid token: ${problem}`, { reason: 'invalid_restrictions' })
    actor['_r'] = payload['_r']
  }
  if (typeof payload['exp'] === 'number') actor['token_expires'] = payload['exp']
  return actor
}

/** How {@link createJwt}'s options are named in its messages. */
const SIGNING_NAMES: JwtKeyNames = { algorithms: '"algorithm"', secret: '"secret"', publicKey: '"privateKey"', jwksUri: '"jwksUri"' }

/** What {@link createJwt} takes. */
export interface CreateJwtOptions {
  /** The actor id, written as the `sub` claim. */
  actorId: string
  /** The HMAC secret, for HS* algorithms. */
  secret?: JwtKey | undefined
  /** The private key (PEM, or a `KeyObject`), for RS*, PS* and ES* algorithms. */
  privateKey?: JwtKey | undefined
  /**
   * The signing algorithm.
   * @defaultValue `"HS256"`
   */
  algorithm?: string | undefined
  /** Lifetime in seconds: `exp` is `now + expiresAfter`. No `exp` when absent. */
  expiresAfter?: number | undefined
  /** Restrictions, written as the `_r` claim in compact form (abbreviations, no empty keys). */
  restrictions?: Restrictions | undefined
  /** The `iss` claim. */
  issuer?: string | undefined
  /** The `aud` claim. */
  audience?: string | readonly string[] | undefined
  /**
   * The current time in unix seconds, written as `iat`.
   * @defaultValue the system clock
   */
  now?: number | undefined
}

/**
 * Create a signed JWT for an actor (used by `tokengate create-token --type jwt`). The payload is
 * `{ sub, iat, exp?, iss?, aud?, _r? }`; restrictions go through {@link compactRestrictions}, so
 * known actions are abbreviated and empty restrictions are left out.
 *
 * @param options - see {@link CreateJwtOptions}.
 * @returns the compact JWS string.
 * @throws TypeError when the actor id, algorithm, key, lifetime, time or restrictions are not
 *   valid (an HS* algorithm needs `secret`, the others need `privateKey`).
 * @example
 * ```ts
 * const token = createJwt({ actorId: 'alice', secret, expiresAfter: 3600, restrictions: { a: ['view-instance'] } })
 * ```
 */
export function createJwt(options: CreateJwtOptions): string {
  checkOptionNames(options, ['actorId', 'secret', 'privateKey', 'algorithm', 'expiresAfter', 'restrictions', 'issuer', 'audience', 'now'], 'createJwt')
  const { actorId, expiresAfter, restrictions, issuer, audience } = options
  if (typeof actorId !== 'string' || actorId === '') {
    throw new TypeError(`"actorId" option must be a non-empty string, got ${describe(actorId)}`)
  }
  const algorithm: unknown = options.algorithm ?? 'HS256'
  const problem = algorithmProblem(algorithm)
  if (problem !== null) throw new TypeError(`"algorithm" option: ${problem}`)
  const alg = algorithm as string
  let key: KeyObject
  if (isHmac(alg)) {
    if (options.privateKey !== undefined) throw new TypeError(`"privateKey" option cannot sign ${alg}: pass the HMAC secret as "secret"`)
    if (options.secret === undefined) throw new TypeError(`"secret" option is required for ${alg}: pass the HMAC secret`)
    const checked = jwtKeys({ algorithms: [alg], secret: options.secret, publicKey: undefined }, SIGNING_NAMES)
    if (!checked.ok) throw new TypeError(optionMessage(checked.problem, SIGNING_NAMES))
    key = checked.keys.hmacKey as KeyObject
  } else {
    if (options.secret !== undefined) throw new TypeError(`"secret" option cannot sign ${alg}: pass the PEM private key as "privateKey"`)
    const given: unknown = options.privateKey
    if (given === undefined) throw new TypeError(`"privateKey" option is required for ${alg}: pass the PEM private key`)
    if (given instanceof KeyObject) {
      if (given.type !== 'private') throw new TypeError(`"privateKey" option must be a private key, got ${describe(given)}`)
      key = given
    } else if (typeof given === 'string' || Buffer.isBuffer(given)) {
      try {
        key = createPrivateKey(given)
      } catch (cause) {
        throw new TypeError('"privateKey" option is not a valid private key: pass a PEM such as "-----BEGIN PRIVATE KEY-----…"', { cause })
      }
    } else {
      throw new TypeError(`"privateKey" option must be a PEM string, a Buffer or a private KeyObject, got ${describe(given)}`)
    }
    const misfit = keyMisfit(key, [alg])
    if (misfit !== null) throw new TypeError(`"privateKey" option ${misfit}`)
  }

  const now = options.now ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(now) || now <= 0) {
    throw new TypeError(`"now" option must be a positive integer of unix seconds, got ${JSON.stringify(now)}`)
  }
  if (expiresAfter !== undefined && (!Number.isSafeInteger(expiresAfter) || expiresAfter <= 0)) {
    throw new TypeError(`"expiresAfter" option must be a positive integer of seconds, got ${JSON.stringify(expiresAfter)}`)
  }
  if (issuer !== undefined && (typeof issuer !== 'string' || issuer === '')) {
    throw new TypeError(`"issuer" option must be a non-empty string, got ${describe(issuer)}`)
  }
  const aud = checkClaimList(audience, 'audience')
  if (restrictions !== undefined) {
    const problem = restrictionsProblem(restrictions)
    if (problem !== null) throw new TypeError(`"restrictions" option is malformed: ${problem}`)
  }

  const payload: Record<string, unknown> = { sub: actorId, iat: now }
  if (expiresAfter !== undefined) payload['exp'] = now + expiresAfter
  if (issuer !== undefined) payload['iss'] = issuer
  if (aud !== undefined) payload['aud'] = aud
  const compact = compactRestrictions(restrictions)
  if (compact !== undefined) payload['_r'] = compact
  return jwt.sign(payload, key, { algorithm: alg as Algorithm })
}
