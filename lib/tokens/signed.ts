/**
 * Signed `dstok_` tokens, byte-compatible with Datasette's (SPEC section 6, "Signed dstok_
 * tokens"): creating them ({@link createSignedToken}), verifying them ({@link verifySignedToken},
 * {@link signedTokenSource}) and inspecting them without verification ({@link decodeSignedToken}).
 *
 * Wire format (what Datasette gets from itsdangerous's `URLSafeSerializer(secret, salt="token")`):
 *
 * ```text
 * "dstok_" + payload + "." + signature
 * payload   = base64url(json)            when zlib does not help, or
 *             "." + base64url(zlib(json)) when the zlib stream is shorter than len(json) - 1 bytes
 * json      = compact UTF-8 JSON of {"a": actorId, "t": createdSeconds, "d"?: lifetime, "_r"?: restrictions}
 * signature = base64url(HMAC-SHA1(SHA1("token" + "signer" + secret), payload))
 * ```
 *
 * base64url is unpadded. The signature covers the payload exactly as written (leading `.`
 * included), so a token verifies wherever the secret is known, whichever zlib produced it.
 *
 * "One model for every token": a signed token resolves to its owner actor (`id`) plus optional
 * restrictions (`_r`); what it may do is the owner's permissions AND the restrictions. This
 * module only produces the actor; the gate applies both.
 *
 * @module
 */
import { InvalidTokenError } from '../errors.js'
import { buildActor } from '../internal/actor.js'
import type { ActionRegistry } from '../permissions/actions.js'
import { compactRestrictions, restrictionsProblem } from '../permissions/restrictions.js'
import type { Restrictions, TokenContext, TokenSource, TokenSourceResult } from '../types.js'
import { checkOptionNames } from '../internal/options.js'
import { decodePayload as decodeBody, deriveSigningKey, encodePayload, signatureMatches, signatureOf } from '../internal/itsdangerous.js'

/** The prefix that marks a token as a signed token. Matched exactly and case-sensitively. */
const PREFIX = 'dstok_'

/** The itsdangerous salt Datasette signs tokens with (`datasette.sign(..., namespace="token")`). */
const SALT = 'token'

/** The exact messages of SPEC section 6, plus tokengate's own for cases Datasette does not check. */
const MESSAGES = {
  disabled: 'Signed tokens are not enabled',
  signature: 'Invalid token signature',
  noTimestamp: 'Invalid token: no timestamp',
  invalidTimestamp: 'Invalid token: invalid timestamp',
  invalidDuration: 'Invalid token: invalid duration',
  expired: 'Token has expired',
  future: 'Invalid token: timestamp in the future',
  malformedPayload: 'Invalid token: malformed payload',
  noActorId: 'Invalid token: no actor id',
  invalidActorId: 'Invalid token: invalid actor id',
} as const

const LONE_SURROGATE = /\p{Surrogate}/u

/** The signing key of a secret, with Datasette's salt for tokens. */
const deriveKey = (secret: string): Buffer => deriveSigningKey(secret, SALT)


function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value)
}

function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * The payload segment for an exact JSON text: zlib-compressed with a leading `.` when that is
 * shorter than the JSON's byte length minus one (itsdangerous's rule), else the plain JSON.
 * @internal
 */
export function encodeSignedTokenPayload(json: string): string {
  return encodePayload(json)
}

/**
 * A token made of a payload segment, exactly as given, signed with `secret`. Tests use it to
 * build tokens whose signature is valid while their contents break one rule.
 * @internal
 */
export function signSignedTokenBody(body: string, secret: string): string {
  return `${PREFIX}${body}.${signatureOf(deriveKey(secret), body)}`
}

/** What {@link createSignedToken} takes. */
export interface CreateSignedTokenOptions {
  /** The id of the actor the token acts for; becomes the actor's `id` when verified. Non-empty. */
  actorId: string
  /** The secret to sign with (with several secrets in rotation, the first, newest one). */
  secret: string
  /**
   * Lifetime in seconds, written as `d`. `0` or absent: no `d`, so only the verifier's max TTL
   * limits the token.
   * @defaultValue undefined
   */
  expiresAfter?: number | undefined
  /**
   * Restrictions, written as `_r` after {@link compactRestrictions}: known actions become their
   * abbreviations, unknown names stay as given, empty lists and keys are dropped, and when
   * nothing is left there is no `_r` at all.
   * @defaultValue undefined (an unrestricted token)
   */
  restrictions?: Restrictions | undefined
  /**
   * The creation time in unix seconds, written (floored) as `t`.
   * @defaultValue the current time
   */
  now?: number | undefined
  /**
   * The actions used to abbreviate `restrictions`.
   * @defaultValue the built-in actions
   */
  registry?: ActionRegistry | undefined
}

/**
 * Create a signed `dstok_` token, byte-compatible with Datasette's `create_token`: Datasette
 * verifies it with the same secret, and tokengate verifies Datasette's.
 *
 * The payload is `{"a", "t", "d"?, "_r"?}` in that order, as compact UTF-8 JSON (non-ASCII
 * characters are not `\u`-escaped, as in Python's `json.dumps(..., ensure_ascii=False)`).
 *
 * @param options - see {@link CreateSignedTokenOptions}.
 * @returns the token, `dstok_…`.
 * @throws TypeError when `actorId` is not a non-empty string (or has a lone surrogate), `secret`
 *   is not a non-empty string, `expiresAfter` is not a non-negative integer, `now` is not a
 *   non-negative finite number, or `restrictions` is not a well-formed `_r` object.
 * @example
 * ```ts
 * const token = createSignedToken({
 *   actorId: 'root',
 *   secret: process.env.TOKENGATE_SECRET!,
 *   expiresAfter: 3600,
 *   restrictions: { a: ['view-instance'], r: { docs: { documents: ['insert-row'] } } },
 * })
 * // 'dstok_.eJx…' whose payload is {"a":"root","t":…,"d":3600,"_r":{"a":["vi"],"r":{"docs":{"documents":["ir"]}}}}
 * ```
 */
export function createSignedToken(options: CreateSignedTokenOptions): string {
  checkOptionNames(options, ['actorId', 'secret', 'expiresAfter', 'restrictions', 'now', 'registry'], 'createSignedToken')
  const { actorId, secret, expiresAfter, restrictions, now, registry } = options
  if (typeof actorId !== 'string' || actorId === '') {
    throw new TypeError(`"actorId" must be a non-empty string, got ${describe(actorId)}`)
  }
  if (LONE_SURROGATE.test(actorId)) {
    throw new TypeError('"actorId" must be well-formed Unicode: it contains a lone surrogate, which UTF-8 cannot encode')
  }
  assertSecret(secret, '"secret"')
  if (expiresAfter !== undefined && !isNonNegativeSafeInteger(expiresAfter)) {
    throw new TypeError(`"expiresAfter" must be a non-negative integer number of seconds, got ${describe(expiresAfter)}`)
  }
  if (now !== undefined && (typeof now !== 'number' || !Number.isFinite(now) || now < 0)) {
    throw new TypeError(`"now" must be a non-negative finite number of unix seconds, got ${describe(now)}`)
  }
  if (restrictions !== undefined) {
    const problem = restrictionsProblem(restrictions)
    if (problem !== null) throw new TypeError(`"restrictions" is malformed: ${problem}`)
  }
  const payload: { a: string; t: number; d?: number; _r?: Restrictions } = {
    a: actorId,
    t: Math.floor(now ?? Date.now() / 1000),
  }
  if (expiresAfter !== undefined && expiresAfter > 0) payload.d = expiresAfter
  const compact = compactRestrictions(restrictions, registry)
  if (compact !== undefined) payload._r = compact
  return signSignedTokenBody(encodeSignedTokenPayload(JSON.stringify(payload)), secret)
}

/** What {@link decodeSignedToken} returns. */
export interface DecodedSignedToken {
  /** The decoded payload object, unknown keys included. NOT VERIFIED. */
  payload: { readonly [key: string]: unknown }
  /** Whether the payload was zlib-compressed (its segment starts with `.`). */
  compressed: boolean
  /** The exact JSON text inside the payload. */
  json: string
}

/**
 * Decode a `dstok_` token's payload **without verifying anything**: not the signature, not the
 * expiry, not the contents. Anyone can forge a token that decodes to anything, so NEVER use the
 * result to authenticate or authorize; it is for inspecting a token you already trust (a CLI
 * `--debug` flag, a support tool). To authenticate, use {@link verifySignedToken}.
 *
 * @param token - the whole token, `dstok_…`.
 * @throws InvalidTokenError (`ERR_INVALID_TOKEN`) with `Not a signed token: it does not start
 *   with "dstok_"`, `Invalid token: no signature` (no `.` after the payload), or
 *   `Invalid token: malformed payload` (bad base64url, zlib, UTF-8 or JSON, or not an object;
 *   the detail is in `cause`).
 * @example
 * ```ts
 * decodeSignedToken(token).payload // { a: 'root', t: 1670907246, _r: { … } }, UNVERIFIED
 * ```
 */
export function decodeSignedToken(token: string): DecodedSignedToken {
  if (typeof token !== 'string') throw new TypeError(`The token must be a string, got ${describe(token)}`)
  if (!token.startsWith(PREFIX)) throw new InvalidTokenError(`Not a signed token: it does not start with "${PREFIX}"`, { reason: 'malformed' })
  const rest = token.slice(PREFIX.length)
  const dot = rest.lastIndexOf('.')
  if (dot === -1) throw new InvalidTokenError('Invalid token: no signature', { reason: 'malformed' })
  const decoded = decodeBody(rest.slice(0, dot))
  if (!decoded.ok) throw new InvalidTokenError(MESSAGES.malformedPayload, { reason: 'malformed', cause: new Error(decoded.problem) })
  return { payload: decoded.payload, compressed: decoded.compressed, json: decoded.json }
}

/**
 * The actor a valid signed token resolves to (SPEC section 6): `id` from `a`, `token: "dstok"`,
 * `_r` when the token is restricted, `token_expires` (unix seconds) when it has a lifetime.
 */
export type SignedTokenActor = {
  readonly id: string
  readonly token: 'dstok'
  readonly _r?: Restrictions
  readonly token_expires?: number
}

/** The settings of signed-token verification, shared by {@link verifySignedToken} and {@link signedTokenSource}. */
export interface SignedTokenSettings {
  /**
   * The secrets a token may be signed with, newest first. Tokens are created with the first;
   * a token signed with any of them verifies, so a new secret can be put first while tokens
   * signed with the old one keep working until it is removed. A single string is one secret.
   * May be empty only when `allowSignedTokens` is false.
   */
  secrets: string | readonly string[]
  /**
   * Datasette's `allow_signed_tokens`. When false, every `dstok_` token is rejected with
   * `Signed tokens are not enabled` (it is still claimed, not passed on to other sources).
   * @defaultValue true
   */
  allowSignedTokens?: boolean | undefined
  /**
   * Datasette's `max_signed_tokens_ttl`, in seconds; 0 means no limit. When non-zero, a token
   * whose `d` is absent, `null`, 0 or larger lives this long instead.
   * @defaultValue 0
   */
  maxTtl?: number | undefined
  /**
   * How far in the future, in seconds, a token's creation time `t` may be (the clocks of the
   * machine that made it and of this one may differ a little). A token dated later is refused
   * with `Invalid token: timestamp in the future`: otherwise a token dated years ahead would
   * outlive any `maxTtl`. Datasette does not check this.
   * @defaultValue 5
   */
  clockSkew?: number | undefined
}

/** The default of {@link SignedTokenSettings.clockSkew}, in seconds. @internal */
export const DEFAULT_CLOCK_SKEW = 5

/** The names of {@link SignedTokenSettings}, for the strict option check. */
const SETTINGS_OPTIONS: readonly string[] = ['secrets', 'allowSignedTokens', 'maxTtl', 'clockSkew']

/** What {@link verifySignedToken} takes. */
export interface VerifySignedTokenOptions extends SignedTokenSettings {
  /** The current time in unix seconds. */
  now: number
}

interface Prepared {
  readonly keys: readonly Buffer[]
  readonly allowSignedTokens: boolean
  readonly maxTtl: number
  readonly clockSkew: number
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string'
  if (typeof value === 'number') return String(value)
  return typeof value
}

function assertSecret(secret: unknown, what: string): asserts secret is string {
  if (typeof secret !== 'string' || secret === '') {
    throw new TypeError(`${what} must be a non-empty string, got ${describe(secret)}`)
  }
}

function prepare(settings: SignedTokenSettings): Prepared {
  const { secrets, allowSignedTokens = true, maxTtl = 0, clockSkew = DEFAULT_CLOCK_SKEW } = settings
  if (typeof allowSignedTokens !== 'boolean') {
    throw new TypeError(`"allowSignedTokens" must be a boolean, got ${describe(allowSignedTokens)}`)
  }
  if (!isNonNegativeSafeInteger(maxTtl)) {
    throw new TypeError(`"maxTtl" must be a non-negative integer number of seconds (0 for no limit), got ${describe(maxTtl)}`)
  }
  if (!isNonNegativeSafeInteger(clockSkew)) {
    throw new TypeError(`"clockSkew" must be a non-negative integer number of seconds, got ${describe(clockSkew)}`)
  }
  if (typeof secrets !== 'string' && !Array.isArray(secrets)) {
    throw new TypeError(`"secrets" must be a string or an array of strings, got ${describe(secrets)}`)
  }
  const list: readonly unknown[] = typeof secrets === 'string' ? [secrets] : secrets
  if (list.length === 0 && allowSignedTokens) {
    throw new TypeError('"secrets" must name at least one secret when signed tokens are allowed')
  }
  list.forEach((secret, index) => assertSecret(secret, `"secrets[${index}]"`))
  return { keys: (list as readonly string[]).map(deriveKey), allowSignedTokens, maxTtl, clockSkew }
}

function assertNow(now: unknown): asserts now is number {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new TypeError(`"now" must be a finite number of unix seconds, got ${describe(now)}`)
  }
}

function verifyPrepared(token: string, settings: Prepared, now: number): SignedTokenActor | null {
  if (typeof token !== 'string') throw new TypeError(`The token must be a string, got ${describe(token)}`)
  if (!token.startsWith(PREFIX)) return null
  if (!settings.allowSignedTokens) throw new InvalidTokenError(MESSAGES.disabled, { reason: 'disabled' })

  const rest = token.slice(PREFIX.length)
  const dot = rest.lastIndexOf('.')
  if (dot === -1) throw new InvalidTokenError(MESSAGES.signature, { reason: 'bad_signature' })
  const body = rest.slice(0, dot)
  const signature = rest.slice(dot + 1)
  if (!signatureMatches(settings.keys, body, signature)) throw new InvalidTokenError(MESSAGES.signature, { reason: 'bad_signature' })

  const decoded = decodeBody(body)
  if (!decoded.ok) throw new InvalidTokenError(MESSAGES.malformedPayload, { reason: 'malformed', cause: new Error(decoded.problem) })
  const { payload } = decoded

  // Datasette's checks, in Datasette's order.
  if (!Object.hasOwn(payload, 't')) throw new InvalidTokenError(MESSAGES.noTimestamp, { reason: 'invalid_claims' })
  const created = payload['t']
  if (!isInteger(created)) throw new InvalidTokenError(MESSAGES.invalidTimestamp, { reason: 'invalid_claims' })
  const duration = Object.hasOwn(payload, 'd') ? payload['d'] : undefined
  let d: number | undefined
  if (duration === undefined || duration === null) d = undefined
  else if (isInteger(duration)) d = duration
  else throw new InvalidTokenError(MESSAGES.invalidDuration, { reason: 'invalid_claims' })
  // tokengate's own: a token dated beyond the clock skew would outlive any max TTL.
  if (created > now + settings.clockSkew) throw new InvalidTokenError(MESSAGES.future, { reason: 'not_yet_valid' })
  // Unlike Datasette, a `d` of 0 does not escape the max TTL (SPEC section 6).
  const lifetime =
    settings.maxTtl !== 0 && (d === undefined || d === 0 || d > settings.maxTtl) ? settings.maxTtl : (d ?? 0)
  if (lifetime !== 0 && now - created > lifetime) throw new InvalidTokenError(MESSAGES.expired, { reason: 'expired' })

  // tokengate's own checks, for what Datasette leaves unchecked (it would answer 500 or accept).
  if (!Object.hasOwn(payload, 'a')) throw new InvalidTokenError(MESSAGES.noActorId, { reason: 'invalid_claims' })
  const id = payload['a']
  if (typeof id !== 'string' || id === '') throw new InvalidTokenError(MESSAGES.invalidActorId, { reason: 'invalid_claims' })
  let restrictions: Restrictions | undefined
  if (Object.hasOwn(payload, '_r')) {
    const problem = restrictionsProblem(payload['_r'])
    if (problem !== null) throw new InvalidTokenError(`Invalid token: ${problem}`, { reason: 'invalid_restrictions' })
    restrictions = payload['_r'] as Restrictions
  }

  // Built as plain data (lib/internal/actor.ts): `_r` is copied into own properties.
  const built = buildActor({
    id,
    token: 'dstok',
    ...(restrictions === undefined ? {} : { _r: restrictions }),
    ...(lifetime === 0 ? {} : { token_expires: created + lifetime }),
  })
  // Unreachable: the payload is JSON, at most 64 KiB, and `_r` is three levels deep at most.
  if (!built.ok) throw new InvalidTokenError(MESSAGES.malformedPayload, { reason: 'malformed' })
  return built.actor as SignedTokenActor
}

/**
 * Verify a signed `dstok_` token (Datasette's or tokengate's) and return its actor.
 *
 * Returns `null` when the token does not start with exactly `dstok_` (not a signed token; let
 * another source try). Any `dstok_` token is claimed: it verifies, or this throws. The signature
 * is checked (in constant time, against each secret) before the payload is even decoded; then
 * the timestamp, duration and expiry as Datasette checks them; then the actor id and `_r`.
 * Unknown payload keys (older Datasette wrote `"token": "dstok"`) are ignored.
 *
 * @param token - the bearer token as presented.
 * @param options - the secrets, the current time and the settings; see {@link VerifySignedTokenOptions}.
 * @returns the actor, or `null` for a token that is not a signed token.
 * @throws InvalidTokenError (`ERR_INVALID_TOKEN`, status 401) with exactly one of:
 *   `Signed tokens are not enabled`, `Invalid token signature` (wrong secret, tampered, or no
 *   `.`), `Invalid token: malformed payload` (validly signed but not decodable; detail in
 *   `cause`), `Invalid token: no timestamp`, `Invalid token: invalid timestamp`,
 *   `Invalid token: invalid duration`, `Invalid token: timestamp in the future` (`t` later than
 *   `now` plus `clockSkew`), `Token has expired`, `Invalid token: no actor id`,
 *   `Invalid token: invalid actor id`, `Invalid token: <what is wrong with _r>`.
 * @throws TypeError when the options are invalid (no secret, a negative `maxTtl`, a `now` that
 *   is not a finite number).
 * @example
 * ```ts
 * const actor = verifySignedToken(token, { secrets: [newSecret, oldSecret], now: Date.now() / 1000, maxTtl: 86400 })
 * // { id: 'root', token: 'dstok', _r: { a: ['vi'] }, token_expires: 1700086400 }
 * ```
 */
export function verifySignedToken(token: string, options: VerifySignedTokenOptions): SignedTokenActor | null {
  checkOptionNames(options, [...SETTINGS_OPTIONS, 'now'], 'verifySignedToken')
  const prepared = prepare(options)
  assertNow(options.now)
  return verifyPrepared(token, prepared, options.now)
}

/**
 * A {@link TokenSource} named `dstok` for signed tokens, to chain with other sources. The
 * settings are checked and the signing keys derived once, here. Its answers may be cached until
 * the token expires (`cacheFor: Infinity`): a gate verifies a token's signature once.
 *
 * @param options - the secrets and settings; see {@link SignedTokenSettings}.
 * @throws TypeError when the settings are invalid.
 * @example
 * ```ts
 * const source = signedTokenSource({ secrets: [process.env.TOKENGATE_SECRET!], maxTtl: 86400 })
 * source.verify('dstok_…', { now, digest }) // { actor, expiresAt }, or throws InvalidTokenError
 * source.verify('abc', { now, digest })     // null: not a signed token
 * ```
 */
export function signedTokenSource(options: SignedTokenSettings): TokenSource {
  checkOptionNames(options, SETTINGS_OPTIONS, 'signedTokenSource')
  const prepared = prepare(options)
  return Object.freeze({
    name: 'dstok',
    // A valid signature stays valid: only expiry (checked on every request) can change the answer.
    cacheFor: Infinity,
    verify: function verifySignedTokenSource(token: string, context: TokenContext): TokenSourceResult | null {
      assertNow(context.now)
      const actor = verifyPrepared(token, prepared, context.now)
      return actor === null ? null : { actor, expiresAt: actor.token_expires ?? null, ownerId: actor.id }
    },
  })
}
