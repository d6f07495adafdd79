/**
 * JWT signing keys from an identity provider's JWKS URL (a JSON Web Key Set, such as
 * `https://id.example.com/.well-known/jwks.json`), through `jwks-rsa`, the companion of
 * `jsonwebtoken`.
 *
 * What this module guarantees:
 * - **kid selection.** A token's `kid` header picks the key. A token without `kid` is verified
 *   only when the set holds exactly one signing key.
 * - **Rotation and caching.** A key, once fetched, is kept for `cacheMaxAge` seconds; a `kid`
 *   that is not cached makes one fetch of the whole set, so a key the provider has just added
 *   verifies at once. A key the provider removed stops verifying within `cacheMaxAge`.
 * - **Rate-limited refetching.** At most `requestsPerMinute` fetches a minute, whatever the
 *   tokens say: a flood of made-up `kid`s cannot make the server hammer the provider.
 * - **Fail closed.** The algorithm still comes from the configured allow-list, never from the
 *   key set: a key whose JWK names another `alg`, or whose type cannot verify the token's `alg`
 *   (an EC key for RS256), refuses the token. A set that cannot be fetched, or a refetch the rate
 *   limit forbids, gives a 503 {@link StoreUnavailableError} with `Retry-After` for a key that
 *   is not cached: the request is neither let through nor told its token is bad.
 *
 * `jwks-rsa` is loaded on the first token that needs it, so a gate without a JWKS URL never
 * loads it.
 *
 * @module
 * @internal
 */
import { KeyObject, createPublicKey } from 'node:crypto'
import { InvalidTokenError, StoreUnavailableError } from '../errors.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { keyMisfit } from './jwt-keys.js'

/** What {@link createJwksKeys} takes, checked by {@link jwksSettingsProblem}. @internal */
export interface JwksSettings {
  /** The JWKS URL: https, or http on a loopback host (localhost, 127.0.0.1, [::1]). */
  readonly uri: string
  /** How many times a minute the set may be fetched. */
  readonly requestsPerMinute: number
  /** How long a fetched key is kept, in seconds. */
  readonly cacheMaxAge: number
  /** How long one fetch may take, in seconds. */
  readonly timeout: number
}

/** The defaults of the settings besides the URL (those of jwks-rsa, but a 5 s timeout, not 30 s). @internal */
export const JWKS_DEFAULTS = { requestsPerMinute: 10, cacheMaxAge: 600, timeout: 5 } as const

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Why a JWKS URL cannot be used, as a predicate of its name ("must be …"), or `null`.
 * @internal
 */
export function jwksUriProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return 'must be the https:// URL of a JSON Web Key Set'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a valid URL; write the https:// URL of the JSON Web Key Set, such as https://id.example.com/.well-known/jwks.json'
  }
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null
  if (url.protocol === 'http:') {
    return 'must use https: keys fetched over plain http could be replaced on the way (http is accepted only for localhost, 127.0.0.1 and [::1])'
  }
  return `must be an https:// URL, got the ${url.protocol} scheme`
}

/**
 * Why a number setting cannot be used, or `null`.
 * @internal
 */
export function jwksNumberProblem(value: unknown, integer: boolean): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    return integer ? 'must be a whole number, 1 or more' : 'must be a number of seconds, more than 0'
  }
  return null
}

/** A JWKS key source: the key a token's `kid` names, for its `alg`. @internal */
export interface JwksKeys {
  /**
   * The verification key for a token.
   * @param token - the compact JWS (its header is read for `kid`).
   * @param alg - the token's `alg`, already checked against the allow-list.
   * @throws InvalidTokenError (401) when no key of the set fits the token;
   *   StoreUnavailableError (503) when the set cannot be fetched now.
   */
  keyFor(token: string, alg: string): Promise<KeyObject>
}

/** The part of jwks-rsa this module uses. */
interface SigningKey {
  readonly kid?: string
  readonly alg?: string
  getPublicKey(): string
}
interface JwksClientLike {
  getSigningKey(kid?: string | null): Promise<SigningKey>
}
type JwksFactory = (options: {
  jwksUri: string
  cache: boolean
  cacheMaxEntries: number
  cacheMaxAge: number
  rateLimit: boolean
  jwksRequestsPerMinute: number
  timeout: number
}) => JwksClientLike

let factory: Promise<JwksFactory> | undefined

/** jwks-rsa, loaded once, on first use. */
function loadFactory(): Promise<JwksFactory> {
  factory ??= import('jwks-rsa').then((module) => module.default as unknown as JwksFactory)
  return factory
}

/** The `kid` of a token's header: a string, `undefined` when absent. */
function kidOf(token: string): string | undefined {
  const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'))
  const kid = isPlainObject(header) ? header['kid'] : undefined
  if (kid === undefined) return undefined
  if (typeof kid !== 'string' || kid === '') throw new InvalidTokenError('Invalid token: the kid header must be a non-empty string', { reason: 'malformed' })
  return kid
}

/**
 * The key source for a JWKS URL. Nothing is fetched until the first token asks.
 * @param settings - checked beforehand ({@link jwksUriProblem}, {@link jwksNumberProblem}).
 * @internal
 */
export function createJwksKeys(settings: JwksSettings): JwksKeys {
  let client: Promise<JwksClientLike> | undefined
  const keyObjects = new WeakMap<SigningKey, KeyObject>()
  const unavailable = (message: string, cause: unknown, retryAfter = 5): StoreUnavailableError =>
    new StoreUnavailableError(`Signing keys unavailable: ${message}`, { cause, retryAfter })

  return {
    async keyFor(token, alg) {
      const kid = kidOf(token)
      client ??= loadFactory().then((create) =>
        create({
          jwksUri: settings.uri,
          cache: true,
          cacheMaxEntries: 10,
          cacheMaxAge: settings.cacheMaxAge * 1000,
          rateLimit: true,
          jwksRequestsPerMinute: settings.requestsPerMinute,
          timeout: settings.timeout * 1000,
        }),
      )
      let signingKey: SigningKey
      try {
        signingKey = await (await client).getSigningKey(kid)
      } catch (cause) {
        const name = cause instanceof Error ? cause.name : ''
        if (name === 'SigningKeyNotFoundError') {
          throw kid === undefined
            ? new InvalidTokenError('Invalid token: it names no kid, and the key set holds several keys', { reason: 'bad_signature', cause })
            : new InvalidTokenError('Invalid token: no key in the key set matches its kid', { reason: 'bad_signature', cause })
        }
        if (name === 'JwksRateLimitError') {
          throw unavailable('the key set was fetched too often; try again later', cause, Math.ceil(60 / settings.requestsPerMinute))
        }
        // A refused or timed-out connection, an HTTP error status, a body that is not a key set.
        throw unavailable('the key set could not be fetched', cause)
      }
      if (signingKey.alg !== undefined && signingKey.alg !== alg) {
        throw new InvalidTokenError(`Invalid token: its key is for ${signingKey.alg}, not ${alg}`, { reason: 'algorithm_not_allowed' })
      }
      let key = keyObjects.get(signingKey)
      if (key === undefined) {
        key = createPublicKey(signingKey.getPublicKey())
        keyObjects.set(signingKey, key)
      }
      if (keyMisfit(key, [alg]) !== null) {
        throw new InvalidTokenError(`Invalid token: its key cannot verify ${alg}`, { reason: 'algorithm_not_allowed' })
      }
      return key
    },
  }
}
