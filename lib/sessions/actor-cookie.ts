/**
 * Datasette's signed `ds_actor` cookie (SPEC section 10, "Sessions for the page"),
 * byte-compatible with Datasette's: a cookie from either one is accepted by the other when they
 * share a secret.
 *
 * Datasette writes it with `datasette.sign({"a": actor, "e": base62(expires_at)}, "actor")`:
 * itsdangerous's `URLSafeSerializer(secret, "actor")`, the same signing as `dstok_` tokens
 * with the salt `actor` (`lib/internal/itsdangerous.ts`). `e` is optional; its digits are
 * Datasette's base62 alphabet `A-Z a-z 0-9` in the order `ABC…XYZ012…789abc…xyz`
 * (`datasette.utils.baseconv.base62`), most significant first.
 *
 * Datasette's reader (`datasette/actor_auth_cookie.py`) treats a cookie it cannot use as no
 * cookie at all: a bad signature, a payload without `a`, or an expiry in the past leave the
 * request anonymous. tokengate does the same, and also for what Datasette would answer 500 to
 * (an `e` that is not base62, an `a` that is not an object).
 *
 * @module
 */
import { buildActor } from '../internal/actor.js'
import { deepFreeze } from '../internal/deep-freeze.js'
import { decodePayload, deriveSigningKey, encodePayload, signatureMatches, signatureOf } from '../internal/itsdangerous.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { checkOptionNames } from '../internal/options.js'
import type { Actor } from '../types.js'

/** The cookie's name, as Datasette sets it. */
export const ACTOR_COOKIE_NAME = 'ds_actor'

/**
 * The longest cookie value written or read: browsers keep a cookie of at most 4096 bytes of name,
 * `=` and value (RFC 6265 section 6.1), so a longer `ds_actor` would be dropped silently and the
 * sign-in lost. Reading stops there too, before any signature or decompression work.
 * @internal
 */
export const MAX_COOKIE_VALUE_LENGTH = 4096 - `${ACTOR_COOKIE_NAME}=`.length

/** The itsdangerous salt of the cookie (`datasette.sign(..., "actor")`). */
const SALT = 'actor'

/** `datasette.utils.baseconv.base62`'s digits, in its order (not the usual `0-9A-Za-z`). */
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz'

/** A non-negative whole number in Datasette's base62. @internal */
export function base62Encode(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`base62 encodes whole numbers from 0, got ${value}`)
  if (value === 0) return DIGITS[0] as string
  let out = ''
  for (let n = value; n > 0; n = Math.floor(n / 62)) out = (DIGITS[n % 62] as string) + out
  return out
}

/** Datasette's base62 back to a number, or `null` for a string that is not base62 (or too large). @internal */
export function base62Decode(text: string): number | null {
  if (text === '' || text.length > 9) return null
  let value = 0
  for (const char of text) {
    const digit = DIGITS.indexOf(char)
    if (digit === -1) return null
    value = value * 62 + digit
  }
  return Number.isSafeInteger(value) ? value : null
}

/** What {@link createActorCookie} takes. */
export interface CreateActorCookieOptions {
  /** The actor the cookie signs in, a JSON object such as `{ id: 'root' }`. */
  actor: Actor
  /** The secret to sign with (the gate's first secret). */
  secret: string
  /**
   * Seconds the cookie is valid for, written as `e` (its expiry time in base62). Absent or `null`
   * for a cookie that does not expire (Datasette's default).
   */
  expiresAfter?: number | null | undefined
  /** The current time in unix seconds. @defaultValue the current time */
  now?: number | undefined
}

/**
 * The value of a `ds_actor` cookie for an actor, as Datasette's `set_actor_cookie` writes it.
 * Set it as `ds_actor=<value>; Path=/; HttpOnly; SameSite=Lax` (Datasette's attributes).
 *
 * @throws TypeError for an actor that is not a JSON object (or holds something that is not JSON
 * data, or nests more than 32 levels), a cookie longer than browsers keep (4096 bytes with its
 * name), an empty secret, or an `expiresAfter` that is not a positive whole number of seconds.
 * @example
 * ```ts
 * const value = createActorCookie({ actor: { id: 'root' }, secret, expiresAfter: 86400 })
 * res.cookie('ds_actor', value, { httpOnly: true, sameSite: 'lax' })
 * ```
 */
export function createActorCookie(options: CreateActorCookieOptions): string {
  checkOptionNames(options, ['actor', 'secret', 'expiresAfter', 'now'], 'createActorCookie')
  const { actor, secret, expiresAfter, now } = options
  if (!isPlainObject(actor)) throw new TypeError('The actor of a cookie must be a JSON object, such as { id: "root" }')
  // The one actor builder: JSON data only, bounded in depth, a "__proto__" key kept as a key.
  const built = buildActor(actor)
  if (!built.ok) throw new TypeError(`The actor of a cookie ${built.problem}`)
  if (typeof secret !== 'string' || secret === '') throw new TypeError('"secret" must be a non-empty string')
  if (expiresAfter !== undefined && expiresAfter !== null && !(Number.isSafeInteger(expiresAfter) && expiresAfter > 0)) {
    throw new TypeError(`"expiresAfter" must be a positive whole number of seconds, or null for no expiry; got ${String(expiresAfter)}`)
  }
  if (now !== undefined && !(typeof now === 'number' && Number.isFinite(now) && now >= 0)) {
    throw new TypeError('"now" must be a non-negative number of unix seconds')
  }
  const data: { a: Actor; e?: string } = { a: built.actor }
  if (typeof expiresAfter === 'number') data.e = base62Encode(Math.floor(now ?? Date.now() / 1000) + expiresAfter)
  const body = encodePayload(JSON.stringify(data))
  const value = `${body}.${signatureOf(deriveSigningKey(secret, SALT), body)}`
  if (value.length > MAX_COOKIE_VALUE_LENGTH) {
    throw new TypeError(
      `The ds_actor cookie for this actor would be ${value.length} characters; browsers keep at most ${MAX_COOKIE_VALUE_LENGTH} (4096 bytes with its name), so sign in a smaller actor`,
    )
  }
  return value
}

/**
 * A reader of `ds_actor` cookie values for a list of secrets (any may have signed it), keys
 * derived once. It answers the actor, or `null` for anything it cannot use: Datasette's rule,
 * a bad cookie is no cookie.
 * @internal
 */
export function actorCookieReader(secrets: readonly string[]): (value: string, now: number) => Actor | null {
  const keys = secrets.map((secret) => deriveSigningKey(secret, SALT))
  return function readActorCookie(value: string, now: number): Actor | null {
    // Longer than any browser keeps, so not one a browser was given: no cookie.
    if (value.length > MAX_COOKIE_VALUE_LENGTH) return null
    const dot = value.lastIndexOf('.')
    if (dot <= 0 || keys.length === 0) return null
    const body = value.slice(0, dot)
    if (!signatureMatches(keys, body, value.slice(dot + 1))) return null
    const decoded = decodePayload(body)
    if (!decoded.ok || !Object.hasOwn(decoded.payload, 'a')) return null
    const actor = decoded.payload['a']
    if (!isPlainObject(actor)) return null
    const e = decoded.payload['e']
    // Datasette: an `e` that is present but falsy ("", null, 0) means no expiry.
    if (e !== undefined && e !== null && e !== '' && e !== 0 && e !== false) {
      const expiresAt = typeof e === 'string' ? base62Decode(e) : null
      if (expiresAt === null || now > expiresAt) return null
    }
    // Built as every actor is: own keys only, at most 32 levels (a deeper one is no cookie, as a
    // stack overflow would have been a 500 on every request that sent it).
    const built = buildActor(actor)
    return built.ok ? deepFreeze(built.actor) : null
  }
}

/** What {@link readActorCookie} takes. */
export interface ReadActorCookieOptions {
  /** The secrets a cookie may be signed with (newest first); a single string is one secret. */
  secrets: string | readonly string[]
  /** The current time in unix seconds. @defaultValue the current time */
  now?: number | undefined
}

/**
 * The actor a `ds_actor` cookie value signs in, or `null` when the cookie is not usable: a bad
 * signature, a payload without an actor object, an expiry in the past, a value longer than
 * browsers keep, an actor nested more than 32 levels (Datasette's rule: a bad cookie leaves the
 * request anonymous, it is not an error).
 *
 * @throws TypeError when no secret is given.
 * @example
 * ```ts
 * readActorCookie(value, { secrets: [secret] }) // { id: 'root' } or null
 * ```
 */
export function readActorCookie(value: string, options: ReadActorCookieOptions): Actor | null {
  checkOptionNames(options, ['secrets', 'now'], 'readActorCookie')
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : [...options.secrets]
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('"secrets" must be a non-empty string or a list of them')
  }
  if (typeof value !== 'string') return null
  return actorCookieReader(secrets)(value, options.now ?? Date.now() / 1000)
}

/**
 * The value of one cookie in a `Cookie` request header, or `undefined`. The first cookie of that
 * name wins (RFC 6265 section 5.4 puts the most specific path first); surrounding double quotes
 * are removed, as Python's cookie parser does.
 * @internal
 */
export function cookieValue(header: string | readonly string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  const text = typeof header === 'string' ? header : header.join('; ')
  for (const part of text.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue
    const value = part.slice(eq + 1).trim()
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
  }
  return undefined
}

/**
 * The `Set-Cookie` header that signs a browser in with a cookie value: Datasette's attributes
 * (`Path=/; HttpOnly; SameSite=Lax`), `Secure` over HTTPS, and `Max-Age` when it expires.
 * @internal
 */
export function actorCookieHeader(value: string, options: { secure: boolean; maxAge?: number | null | undefined }): string {
  const parts = [`${ACTOR_COOKIE_NAME}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax']
  if (typeof options.maxAge === 'number') parts.push(`Max-Age=${options.maxAge}`)
  if (options.secure) parts.push('Secure')
  return parts.join('; ')
}
