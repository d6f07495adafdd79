/**
 * The options of {@link createGate}: what each one means ({@link GateOptions}), and the one check
 * of them all, run before anything is built, so a misspelt name or a wrong value is a TypeError
 * at start-up, never a surprise on a request.
 *
 * @module
 */
import { checkEventListener } from './events/dispatcher.js'
import type { EventListener } from './events/event.js'
import { type Logger, checkLogger } from './events/logger.js'
import { checkOptionNames } from './internal/options.js'
import type { Action } from './permissions/actions.js'
import { type RateLimit, checkRateLimitOption } from './limits/rate-limit.js'
import { checkRateLimitStore } from './limits/rate-limiter.js'
import type { TokenStore } from './store/token-store.js'
import type { JwtSourceOptions } from './tokens/jwt.js'
import { checkTokenPrefix } from './tokens/managed-format.js'
import { type ResolveActor, checkResolveActor } from './tokens/owner.js'
import { checkUsageLogSize } from './tokens/usage-log.js'
import { checkCacheBytes, checkCacheSize } from './tokens/verified-cache.js'
import type { TokenSource } from './types.js'

/** Options of {@link createGate}. */
export interface GateOptions {
  /**
   * Let the actor whose `id` is `"root"` do everything (a global allow for every action; a more
   * specific deny in the configuration still wins).
   * @defaultValue false
   */
  rootEnabled?: boolean
  /** The clock, in unix seconds. @defaultValue `() => Date.now() / 1000` */
  now?: () => number
  /**
   * What `{"$env": NAME}` reads. It replaces `process.env` rather than adding to it: a variable
   * missing here is unset even when the process has it, and the error says "not set in the env
   * option". Pass `{ ...process.env, BOT_TOKEN }` to add to the environment.
   * @defaultValue `process.env`
   */
  env?: { readonly [name: string]: string | undefined }
  /** Application actions, in addition to the built-ins and the configuration's `actions`. */
  actions?: readonly Action[]
  /**
   * The secret that signs and verifies `dstok_` tokens; a list to rotate (sign with the first,
   * verify with any). Takes the place of the configuration's `secret` when given.
   */
  secret?: string | readonly string[]
  /** The realm named in `WWW-Authenticate` challenges. @defaultValue `"tokengate"` */
  realm?: string
  /**
   * What a well-formed token that no source claims means: `'reject'` answers 401
   * `Unknown token`; `'anonymous'` treats the request as anonymous, as Datasette does.
   * @defaultValue `'reject'`
   */
  unknownTokens?: 'reject' | 'anonymous'
  /**
   * A query-string parameter that may carry the token (read only when there is no Authorization
   * header). Takes the place of datasette-auth-tokens' `param` when given; `null` turns it off.
   * @defaultValue the configuration's `plugins["datasette-auth-tokens"].param`, else none
   */
  queryParam?: string | null
  /** Authorization schemes that carry a token, case-insensitive. @defaultValue `['Bearer']` */
  schemes?: readonly string[]
  /** JWT verification; takes the place of the configuration's `jwt` block when given. */
  jwt?: JwtSourceOptions
  /** More token sources, tried after the built-in ones, in order. */
  tokenSources?: readonly TokenSource[]
  /**
   * How many verified tokens the gate remembers (by SHA-256 digest), so a `dstok_` token or JWT
   * sent on every request pays for its signature check once. Expiry is checked on every request
   * all the same; failures are never remembered. 0 turns the cache off.
   * @defaultValue 1000
   */
  tokenCacheSize?: number
  /**
   * Where managed tokens are kept: a store from {@link openTokenStore} (or your own
   * {@link TokenStore}). It belongs to the caller: `gate.close()` does not close it. Takes the
   * place of the configuration's `"token_store"`, which the gate opens and closes itself.
   */
  tokenStore?: TokenStore
  /**
   * The prefix of managed tokens: 2 to 16 lower-case letters and digits, starting with a letter
   * (not `dstok`). Set your own to register a secret-scanning pattern for it.
   * @defaultValue `"tgk"`
   */
  tokenPrefix?: string
  /**
   * How long, in seconds, the gate may reuse a managed token's store lookup (and, with
   * `resolveActor`, any token's owner) before asking again. The worst case for a revocation made
   * by another process that shares a SQLite file, or whose notification was lost. 0 asks every
   * time.
   * @defaultValue 5
   */
  tokenCacheTtl?: number
  /**
   * The owner's current actor for a token that names one by id (managed tokens, `dstok_`, the
   * tokens file, a JWT's `sub`), or `null` when the owner no longer exists: the token is then
   * refused, 401 `Token owner no longer exists`. May be async. The token's own `token`,
   * `token_id`, `token_name`, `_r` and `token_expires` keys are kept over what it returns; a `_r`
   * it returns is dropped. Static tokens carry their own configured actor and are not resolved.
   */
  resolveActor?: ResolveActor
  /**
   * The most memory the verified-token cache may take, in estimated bytes (10 per character of
   * an actor's JSON, plus 512 per token); the least recently used tokens are dropped to stay
   * under it, and a token larger than the whole budget is not remembered. 0 turns the cache off.
   * @defaultValue 33554432 (32 MiB)
   */
  tokenCacheBytes?: number
  /**
   * How far in the future, in seconds, a signed `dstok_` token's creation time may be before it
   * is refused with `Invalid token: timestamp in the future` (the machines' clocks may differ a
   * little; a token dated years ahead would outlive `max_signed_tokens_ttl`). Takes the place of
   * the configuration's `settings.signed_tokens_clock_skew`.
   * @defaultValue the setting, else 5
   */
  signedTokensClockSkew?: number
  /**
   * Told of every authentication (`authenticated`, `rejected` with its reason), every guard's
   * decision (`allowed`, `denied`) and every change to a managed token (`token.created`, …),
   * with who, which token, what and the request's method, path and address: never a token or a
   * secret. Called after the request has moved on; what it throws is logged once, never
   * reaching a request. See docs/events-and-limits.md.
   */
  onEvent?: EventListener
  /**
   * Where the gate logs what an operator should know but no request fails for: a listener that
   * throws, Redis going away and coming back, usage-log writes that fail. Anything with
   * `warn(message)` and `error(message)`: `console`, a pino or winston logger.
   * @defaultValue `console`
   */
  logger?: Logger
  /**
   * A rate limit for every authenticated request: at most `points` requests per `duration`
   * seconds, counted per token id, else per actor id. A managed token's own `rateLimit` takes its
   * place for that token. Anonymous requests are not limited by it. Over the limit: 429 with
   * `Retry-After`; every limited response carries the `RateLimit-Policy` and `RateLimit` headers.
   */
  rateLimit?: RateLimit
  /**
   * Where rate limits are counted: `'memory'` (this process), or a `redis://` / `rediss://` URL
   * that many instances share (needs the `ioredis` package). When Redis cannot be reached, each
   * instance counts in its own memory until it is back, and says so once in the log.
   * @defaultValue `'memory'`
   */
  rateLimitStore?: string
  /**
   * What every Redis key of the rate limits starts with (several applications, or test runs, can
   * share one Redis).
   * @defaultValue `"tokengate"`
   */
  rateLimitPrefix?: string
  /**
   * How many requests each managed token's usage log keeps, newest first; 0 keeps none. Entries
   * are written in batches, off the request path.
   * @defaultValue 1000
   */
  usageLogSize?: number
}

/** Every option {@link createGate} takes, for the strict check. */
const GATE_OPTIONS: readonly (keyof GateOptions)[] = [
  'rootEnabled',
  'now',
  'env',
  'actions',
  'secret',
  'realm',
  'unknownTokens',
  'queryParam',
  'schemes',
  'jwt',
  'tokenSources',
  'tokenCacheSize',
  'tokenStore',
  'tokenPrefix',
  'tokenCacheTtl',
  'resolveActor',
  'tokenCacheBytes',
  'signedTokensClockSkew',
  'onEvent',
  'logger',
  'rateLimit',
  'rateLimitStore',
  'rateLimitPrefix',
  'usageLogSize',
]

/** The names of {@link GateOptions}, for adapters that take them with their own. @internal */
export const GATE_OPTION_NAMES: readonly string[] = GATE_OPTIONS

/** A secret, or a list of them, as a list. @internal */
export function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return []
  return typeof value === 'string' ? [value] : [...value]
}

/**
 * The gate's options, checked: misuse throws a TypeError naming the option, before anything is
 * built; unknown names are refused with the closest known one.
 * @internal
 */
export function checkGateOptions(options: GateOptions): {
  now: () => number
  unknownTokens: 'reject' | 'anonymous'
  realm: string
  rootEnabled: boolean
  schemes: readonly string[]
  tokenSources: readonly TokenSource[]
  tokenCacheSize: number
  tokenPrefix: string
  tokenCacheTtl: number
  resolveActor: ResolveActor | undefined
  tokenStore: TokenStore | undefined
  tokenCacheBytes: number
  onEvent: EventListener | undefined
  logger: Logger
  rateLimit: RateLimit | null
  rateLimitStore: ReturnType<typeof checkRateLimitStore>
  rateLimitPrefix: string
  usageLogSize: number
} {
  checkOptionNames(options, GATE_OPTIONS, 'createGate')
  const now = options.now ?? (() => Date.now() / 1000)
  if (typeof now !== 'function') throw new TypeError('"now" option must be a function returning unix seconds')
  const unknownTokens = options.unknownTokens ?? 'reject'
  if (unknownTokens !== 'reject' && unknownTokens !== 'anonymous') {
    throw new TypeError(`"unknownTokens" option must be 'reject' or 'anonymous', got ${JSON.stringify(unknownTokens)}`)
  }
  const realm = options.realm ?? 'tokengate'
  if (typeof realm !== 'string' || realm === '' || /["\\\r\n]/.test(realm)) {
    throw new TypeError('"realm" option must be a non-empty string without quotes, backslashes or line breaks')
  }
  const rootEnabled = options.rootEnabled ?? false
  if (typeof rootEnabled !== 'boolean') throw new TypeError('"rootEnabled" option must be true or false')
  const schemes = options.schemes ?? ['Bearer']
  if (!Array.isArray(schemes) || schemes.length === 0 || schemes.some((s) => typeof s !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(s))) {
    throw new TypeError('"schemes" option must be a non-empty list of authorization scheme names, such as ["Bearer"]')
  }
  if (options.queryParam !== undefined && options.queryParam !== null && (typeof options.queryParam !== 'string' || options.queryParam === '')) {
    throw new TypeError('"queryParam" option must be a non-empty query parameter name, or null for none')
  }
  const tokenSources = options.tokenSources ?? []
  if (!Array.isArray(tokenSources) || tokenSources.some((s) => typeof s !== 'object' || s === null || typeof s.verify !== 'function')) {
    throw new TypeError('"tokenSources" option must be a list of token sources, each an object with a name and a verify(token, context) function')
  }
  const tokenCacheSize = checkCacheSize(options.tokenCacheSize, 'tokenCacheSize')
  const tokenPrefix = checkTokenPrefix(options.tokenPrefix)
  const tokenCacheTtl = options.tokenCacheTtl ?? DEFAULT_TOKEN_CACHE_TTL
  if (typeof tokenCacheTtl !== 'number' || !Number.isFinite(tokenCacheTtl) || tokenCacheTtl < 0) {
    throw new TypeError('"tokenCacheTtl" option must be a number of seconds, 0 or more (0 asks the store on every request)')
  }
  const resolveActor = checkResolveActor(options.resolveActor)
  const tokenStore = options.tokenStore
  if (tokenStore !== undefined && (typeof tokenStore !== 'object' || tokenStore === null || typeof tokenStore.findByHash !== 'function')) {
    throw new TypeError('"tokenStore" option must be a token store, such as the one openTokenStore() resolves to')
  }
  const tokenCacheBytes = checkCacheBytes(options.tokenCacheBytes, 'tokenCacheBytes')
  const skew = options.signedTokensClockSkew
  if (skew !== undefined && (typeof skew !== 'number' || !Number.isSafeInteger(skew) || skew < 0)) {
    throw new TypeError(`"signedTokensClockSkew" option must be a non-negative integer number of seconds, got ${JSON.stringify(skew)}`)
  }
  const rateLimitPrefix = options.rateLimitPrefix ?? 'tokengate'
  if (typeof rateLimitPrefix !== 'string' || !/^[\w.:-]{1,100}$/.test(rateLimitPrefix)) {
    throw new TypeError('"rateLimitPrefix" option must be 1 to 100 letters, digits, "_", ".", ":" or "-"')
  }
  return {
    now,
    unknownTokens,
    realm,
    rootEnabled,
    schemes,
    tokenSources,
    tokenCacheSize,
    tokenPrefix,
    tokenCacheTtl,
    resolveActor,
    tokenStore,
    tokenCacheBytes,
    onEvent: checkEventListener(options.onEvent),
    logger: checkLogger(options.logger),
    rateLimit: checkRateLimitOption(options.rateLimit),
    rateLimitStore: checkRateLimitStore(options.rateLimitStore),
    rateLimitPrefix,
    usageLogSize: checkUsageLogSize(options.usageLogSize),
  }
}

/** How long a managed token's lookup (and a resolved owner) is reused, in seconds. */
const DEFAULT_TOKEN_CACHE_TTL = 5

/** The `secret` option as a list of secrets. @internal */
export function checkSecretOption(secret: unknown): string[] {
  const list = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...(secret as unknown[])] : null
  if (list === null || list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('"secret" option must be a non-empty string or a list of them')
  }
  return list as string[]
}

