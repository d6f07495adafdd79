/**
 * The gate: one object that composes a loaded configuration, the actions registry, the resolver
 * (`permissions/resolver.ts`, where every decision is made) and the token chain
 * (`tokens/chain.ts`, where every token is verified). It only composes: each concept lives in
 * its own module. Framework adapters (Express, Koa) and the CLI are thin layers over it.
 *
 * @module
 */
import { dirname, resolve } from 'node:path'
import type { TokengateConfig, TokengateConfigInput } from './config/config-types.js'
import { loadConfig } from './config/load-config.js'
import { redactedView } from './config/redact.js'
import { AuthError, AuthenticationRequiredError, ConfigError, ForbiddenError, RateLimitError } from './errors.js'
import { checkEventListener, createEventDispatcher } from './events/dispatcher.js'
import type { EventListener } from './events/event.js'
import { type Logger, checkLogger } from './events/logger.js'
import { GateObserver, type RequestFacts } from './events/observer.js'
import { GATE_INTERNALS, type GateInternals, type LimitVerdict } from './internal/gate-internals.js'
import { tokenDigest } from './internal/token-digest.js'
import { checkOptionNames } from './internal/options.js'
import { type Action, ActionRegistry, actionsFromConfig } from './permissions/actions.js'
import { type Place, createResolver, placeOf } from './permissions/resolver.js'
import { type LimitOutcome, type RateLimit, checkRateLimitOption, rateLimitPolicy, rateLimitState } from './limits/rate-limit.js'
import { type Limiter, checkRateLimitStore, createMemoryLimiter, createRedisLimiter } from './limits/rate-limiter.js'
import { parseStoreUrl } from './store/open-token-store.js'
import { type StoreHandle, storeHandle } from './store/store-handle.js'
import type { TokenStore } from './store/token-store.js'
import { type CredentialsInput, compileTokenReader } from './tokens/bearer.js'
import { createTokenChain } from './tokens/chain.js'
import { ignoredCredentialsNote } from './tokens/ignored-credentials.js'
import type { JwtSourceOptions } from './tokens/jwt.js'
import { LastUsedRecorder } from './tokens/last-used.js'
import { MANAGED_SOURCE, managedTokenSource } from './tokens/managed.js'
import { checkTokenPrefix } from './tokens/managed-format.js'
import { type ResolveActor, checkResolveActor } from './tokens/owner.js'
import { createSignedToken } from './tokens/signed.js'
import { ACTOR_COOKIE_NAME, actorCookieReader, cookieValue, createActorCookie } from './sessions/actor-cookie.js'
import { queryParamOf, tokenSourcesFromConfig } from './tokens/sources-from-config.js'
import { type TokenManager, createTokenManager } from './tokens/token-manager.js'
import { UsageRecorder, checkUsageLogSize } from './tokens/usage-log.js'
import { checkCacheBytes, checkCacheSize } from './tokens/verified-cache.js'
import type { Actor, CheckTarget, Decision, Restrictions, TokenSource, VerifiedToken } from './types.js'

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

/** What {@link Gate.createSignedToken} takes. */
export interface GateTokenOptions {
  /** The id of the actor the token stands for. */
  actorId: string
  /** Lifetime in seconds; omitted or 0 for none (the configured maximum still applies). */
  expiresAfter?: number
  /** Restrictions (`_r`) written into the token. */
  restrictions?: Restrictions
}

/** What {@link Gate.createActorCookie} takes. */
export interface ActorCookieOptions {
  /** Seconds the cookie signs the browser in for; absent or `null` for no expiry (Datasette's default). */
  expiresAfter?: number | null | undefined
}

/**
 * A configured permission engine and token verifier. Create one with {@link createGate}.
 */
export interface Gate {
  /**
   * The loaded, frozen configuration, redacted: every secret (the `dstok_` secrets, static
   * tokens, the JWT `secret` and `public_key`, and any value read from `$env` or `$file`) reads
   * `"[redacted]"`, so logging the gate or its configuration prints none. Every other key is
   * as configured.
   */
  readonly config: TokengateConfig
  /** Every known action. */
  readonly actions: ActionRegistry
  /** The realm named in challenges. */
  readonly realm: string
  /**
   * Whether an actor may perform an action.
   * @param actor - the actor, or `null` for anonymous.
   * @param action - an action name or abbreviation.
   * @param target - the database and resource; omit both for an instance-level check.
   * @throws UnknownActionError (`ERR_UNKNOWN_ACTION`) when the action is not registered;
   * TypeError when a resource is given without its database.
   */
  allowed(actor: Actor | null, action: string, target?: CheckTarget): boolean
  /** The whole decision: the verdict, a reason sentence, the rules, the restriction verdict, the also-requires decisions. */
  explain(actor: Actor | null, action: string, target?: CheckTarget): Decision
  /**
   * Returns `true` when the actor may perform the action (no explanation is built on that fast
   * path); otherwise throws {@link AuthenticationRequiredError} (401) for
   * an anonymous actor or {@link ForbiddenError} (403) for an authenticated one, each carrying
   * the decision.
   */
  check(actor: Actor | null, action: string, target?: CheckTarget): true
  /**
   * The actor a request's token stands for, or `null` when the request presents no token.
   * @throws InvalidRequestError (`ERR_INVALID_REQUEST`, 400) for a malformed header or a token
   * given twice; InvalidTokenError (`ERR_INVALID_TOKEN`, 401) for an invalid, expired or
   * unknown token.
   */
  authenticate(input: CredentialsInput): Promise<Actor | null>
  /**
   * Sign a Datasette-compatible `dstok_` token with the first configured secret.
   * @throws TypeError when no secret is configured.
   */
  createSignedToken(options: GateTokenOptions): string
  /**
   * The value of a Datasette-compatible `ds_actor` cookie that signs a browser in as `actor`,
   * signed with the first configured secret (salt `actor`, expiry as Datasette writes it).
   * `tokenAuth(gate, { actorCookie: true })` reads it back; so does Datasette with the same
   * secret. Set it as `ds_actor=<value>; Path=/; HttpOnly; SameSite=Lax`.
   * @throws TypeError when no secret is configured, the actor is not a JSON object, or
   * `expiresAfter` is not a positive whole number of seconds.
   * @example
   * ```ts
   * res.cookie('ds_actor', gate.createActorCookie({ id: 'root' }, { expiresAfter: 86400 }), { httpOnly: true, sameSite: 'lax' })
   * ```
   */
  createActorCookie(actor: Actor, options?: ActorCookieOptions): string
  /**
   * Managed tokens: create, list, get, update, revoke, rotate (see {@link TokenManager}); `null`
   * when the gate has no token store (neither the `tokenStore` option nor `"token_store"`).
   */
  readonly tokens: TokenManager | null
  /**
   * Resolves when the gate is ready to serve: a configured `"token_store"` is opened and
   * migrated (it is otherwise opened on first use), and a Redis `rateLimitStore` has answered or
   * failed to (an unreachable Redis does not reject: requests are limited in memory meanwhile).
   * Rejects with the store's error, such as a `StoreUnavailableError` saying the file cannot be
   * written or that the `ioredis` package is not installed.
   */
  ready(): Promise<void>
  /**
   * Write pending "last used" times and usage entries, deliver pending events, close the token
   * store the gate opened from `"token_store"` (a `tokenStore` passed in is the caller's to
   * close) and disconnect from a Redis `rateLimitStore`. Idempotent.
   */
  close(): Promise<void>
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

function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return []
  return typeof value === 'string' ? [value] : [...value]
}

/** The gate's options, checked: misuse throws a TypeError naming the option, before anything is built. */
function checkOptions(options: GateOptions): {
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

function checkSecretOption(secret: unknown): string[] {
  const list = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...(secret as unknown[])] : null
  if (list === null || list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('"secret" option must be a non-empty string or a list of them')
  }
  return list as string[]
}

/**
 * Create a gate from a configuration object (Datasette's metadata.json shape plus tokengate's
 * keys) or the path of a JSON file. Everything is validated and compiled here, once: a bad
 * configuration throws {@link ConfigError} now, not on a request.
 *
 * @example
 * ```ts
 * const gate = createGate('metadata.json', { rootEnabled: false })
 * gate.allowed({ id: 'bob' }, 'insert-row', { database: 'docs', resource: 'documents' }) // boolean
 * gate.explain(null, 'view-table', { database: 'docs', resource: 'documents' }).reason
 * ```
 * @throws ConfigError (`ERR_CONFIG_INVALID`) for an invalid configuration; TypeError for
 * invalid or unknown options.
 */
export function createGate(configOrPath: TokengateConfigInput | string = {}, options: GateOptions = {}): Gate {
  const checked = checkOptions(options)
  const { now, unknownTokens, realm, rootEnabled, schemes, tokenSources, tokenCacheSize, tokenCacheBytes } = checked
  const config = loadConfig(configOrPath, {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.actions === undefined ? {} : { actions: options.actions }),
  })
  const registry = new ActionRegistry([...actionsFromConfig(config.actions), ...(options.actions ?? [])])
  const resolver = createResolver(config, registry, { rootEnabled })
  const configFile = typeof configOrPath === 'string' ? configOrPath : undefined

  // Managed tokens: the store passed in, else the configuration's, opened on first use.
  const storeSource = checked.tokenStore ?? configuredStore(config, configFile)
  let store: StoreHandle | null = null
  let lastUsed: LastUsedRecorder | null = null
  const secrets = options.secret === undefined ? toList(config.secret) : checkSecretOption(options.secret)
  const chain = createTokenChain({
    sources: tokenSourcesFromConfig(config, {
      registry,
      secrets,
      jwt: options.jwt,
      configFile,
      clockSkew: options.signedTokensClockSkew,
      extra: tokenSources,
      managed:
        storeSource === null
          ? undefined
          : managedTokenSource({ store: () => (store as StoreHandle).current(), prefix: checked.tokenPrefix, cacheFor: checked.tokenCacheTtl }),
    }),
    unknownTokens,
    cacheSize: tokenCacheSize,
    cacheBytes: tokenCacheBytes,
    resolveActor: checked.resolveActor,
    ownerCacheFor: checked.tokenCacheTtl,
    onVerified:
      storeSource === null
        ? undefined
        : (verified, at) => {
            if (verified.source === MANAGED_SOURCE && verified.tokenId !== null) lastUsed?.seen(verified.tokenId, at)
          },
  })
  let usage: UsageRecorder | null = null
  if (storeSource !== null) {
    // Changes made anywhere (this instance, or another sharing a PostgreSQL store) are forgotten
    // here; a `reset` (a LISTEN connection re-established) forgets everything.
    store = storeHandle(storeSource, (opened) =>
      opened.subscribe((event) => (event.type === 'reset' ? chain.clear() : chain.forget({ tokenId: event.tokenId }))),
    )
    lastUsed = new LastUsedRecorder(store)
    if (checked.usageLogSize > 0) usage = new UsageRecorder(store, checked.usageLogSize, checked.logger)
  }
  // Events and the usage log (`events/observer.ts`); rate limits (`limits/`).
  const observer = new GateObserver(
    checked.onEvent === undefined ? null : createEventDispatcher(checked.onEvent, checked.logger),
    usage,
    now,
  )
  const limiter: Limiter =
    checked.rateLimitStore.kind === 'redis'
      ? createRedisLimiter({ url: checked.rateLimitStore.url, prefix: checked.rateLimitPrefix, logger: checked.logger })
      : createMemoryLimiter()
  const defaultLimit = checked.rateLimit
  const tokens =
    store === null
      ? null
      : createTokenManager({
          store,
          registry,
          prefix: checked.tokenPrefix,
          now,
          changed: (tokenId) => chain.forget({ tokenId }),
          announce: (type, record, by) => observer.tokenChanged(type, record, by),
          beforeUsage: () => usage?.flush() ?? Promise.resolve(),
        })
  const readPresentedToken = compileTokenReader({
    schemes,
    queryParam: options.queryParam === undefined ? queryParamOf(config) : options.queryParam,
  })

  /** Every credential error leaves the gate naming the gate's realm. */
  function withRealm(error: unknown): unknown {
    if (error instanceof AuthError) error.realm = realm
    return error
  }
  const rethrowWithRealm = (error: unknown): never => {
    throw withRealm(error)
  }

  /** The error for a denied check, with its explained decision. */
  function denied(actor: Actor | null, action: string, place: Place, facts: RequestFacts | undefined): never {
    const decision = resolver.explain(actor, action, place)
    const check = { action: decision.action, database: decision.database, resource: decision.resource }
    observer.decided(false, actor, decision.action, place, facts)
    throw withRealm(actor === null ? new AuthenticationRequiredError(check, decision) : new ForbiddenError(check, decision))
  }

  /** Check an action at a place: returns when allowed (telling the observer), throws the 401/403 otherwise. */
  function checkAt(actor: Actor | null, action: string, place: Place, facts: RequestFacts | undefined): void {
    const resolved = registry.resolve(action)
    if (!resolver.decide(actor, resolved, place)) denied(actor, action, place, facts)
    if (observer.observing) observer.decided(true, actor, resolved.name, place, facts)
  }

  /** A verified token's answer, told to the observer; a refusal, told and rethrown with the realm. */
  const verifiedFor = (facts: RequestFacts | undefined) => (verified: VerifiedToken | null) => {
    if (verified !== null) observer.authenticated(verified, facts)
    return verified
  }
  const refused = (facts: RequestFacts | undefined) => (error: unknown) => {
    observer.rejected(error, facts)
    return rethrowWithRealm(error)
  }

  /** Who a rate limit counts: the token, else the actor (computed once per verified token). */
  const limitKeys = new WeakMap<VerifiedToken, string>()
  function limitKeyOf(verified: VerifiedToken): string {
    let key = limitKeys.get(verified)
    if (key === undefined) {
      const id = verified.actor['id']
      key =
        verified.tokenId !== null
          ? `token:${verified.source}:${verified.tokenId}`
          : typeof id === 'string' || typeof id === 'number'
            ? `actor:${String(id)}`
            : `actor#${tokenDigest(JSON.stringify(verified.actor))}`
      limitKeys.set(verified, key)
    }
    return key
  }
  /** The `RateLimit-Policy` header of each limit, made once. */
  const policies = new WeakMap<RateLimit, string>()
  function verdictOf(outcome: LimitOutcome, verified: VerifiedToken, facts: RequestFacts | undefined): LimitVerdict {
    let policy = policies.get(outcome.limit)
    if (policy === undefined) policies.set(outcome.limit, (policy = rateLimitPolicy(outcome.limit)))
    const state = rateLimitState(outcome)
    if (outcome.allowed) return { policy, state, error: null }
    observer.limited(verified, facts)
    return { policy, state, error: new RateLimitError(outcome.reset, { headers: { 'RateLimit-Policy': policy, RateLimit: state } }) }
  }

  const readCookie = actorCookieReader(secrets)
  const internals: GateInternals = {
    chain,
    now,
    resolveActor: checked.resolveActor ?? null,
    canReadActorCookie: secrets.length > 0,
    sessionFromCookie(header, facts) {
      const value = cookieValue(header, ACTOR_COOKIE_NAME)
      const actor = value === undefined ? null : readCookie(value, now())
      if (actor === null) return null
      const session: VerifiedToken = { actor, source: ACTOR_COOKIE_NAME, tokenId: null, expiresAt: null, rateLimit: null }
      if (observer.observing) observer.authenticated(session, facts)
      return session
    },
    settle: async () => {
      await lastUsed?.flush()
      await observer.settle()
    },
    authenticate(authorization, carrier, queryOf, facts) {
      try {
        const presented = readPresentedToken(authorization, carrier, queryOf)
        if (presented === null) return null
        const verified = chain.verify(presented.token, now())
        if (!observer.observing) return verified instanceof Promise ? verified.catch(rethrowWithRealm) : verified
        return verified instanceof Promise ? verified.then(verifiedFor(facts), refused(facts)) : verifiedFor(facts)(verified)
      } catch (error) {
        observer.rejected(error, facts)
        throw withRealm(error)
      }
    },
    check(actor, action, database, resource, facts) {
      checkAt(actor, action, { database, resource }, facts)
    },
    ignoredCredentials: (authorization) => ignoredCredentialsNote(authorization, { schemes, unknownTokens }),
    requireActor(actor, facts) {
      const allowed = actor !== null && actor !== undefined
      if (observer.observing) observer.decided(allowed, actor ?? null, null, NO_PLACE, facts)
      if (allowed) return null
      const error = new AuthenticationRequiredError()
      error.realm = realm
      return error
    },
    limit(verified, facts) {
      const limit = verified.rateLimit ?? defaultLimit
      if (limit === null) return null
      const outcome = limiter.consume(limitKeyOf(verified), limit)
      return outcome instanceof Promise ? outcome.then((counted) => verdictOf(counted, verified, facts)) : verdictOf(outcome, verified, facts)
    },
    observing: observer.observing,
    observe: (method, url, ip) => observer.observe(method, url, ip),
    finished: (facts, status) => observer.finished(facts, status),
  }

  const gate: Gate = {
    config: redactedView(config),
    actions: registry,
    realm,
    allowed: (actor, action, target) => resolver.allowed(actor, action, target),
    explain: (actor, action, target) => resolver.explain(actor, action, target),
    check(actor, action, target) {
      checkAt(actor, action, placeOf(target), undefined)
      return true
    },
    async authenticate(input) {
      const verified = await internals.authenticate(input.authorization, input, queryOfInput)
      return verified === null ? null : verified.actor
    },
    createSignedToken({ actorId, expiresAfter, restrictions }) {
      const [secret] = secrets
      if (secret === undefined) {
        throw new TypeError('No secret is configured: set "secret" in the configuration or the gate options to sign tokens')
      }
      return createSignedToken({
        actorId,
        secret,
        now: now(),
        registry,
        ...(expiresAfter === undefined ? {} : { expiresAfter }),
        ...(restrictions === undefined ? {} : { restrictions }),
      })
    },
    createActorCookie(actor, cookieOptions) {
      const [secret] = secrets
      if (secret === undefined) {
        throw new TypeError('No secret is configured: set "secret" in the configuration or the gate options to sign cookies')
      }
      checkOptionNames(cookieOptions, ['expiresAfter'], 'createActorCookie')
      return createActorCookie({ actor, secret, now: now(), expiresAfter: cookieOptions?.expiresAfter })
    },
    tokens,
    async ready() {
      await Promise.all([store?.ready(), limiter.ready()])
    },
    async close() {
      await lastUsed?.flush()
      await observer.settle()
      await store?.close()
      await limiter.close()
    },
  }
  Object.defineProperty(gate, GATE_INTERNALS, { value: internals })
  return Object.freeze(gate)
}

const queryOfInput = (input: CredentialsInput): CredentialsInput['query'] => input.query

/** Where `requireActor` checks: nowhere in particular. */
const NO_PLACE: Place = Object.freeze({ database: null, resource: null })

/**
 * The configuration's `"token_store"`, checked: its URL, and the directory a relative `sqlite:`
 * path is relative to (the configuration file's, else the working directory).
 * @throws ConfigError for a URL of no known form (never quoting it: it may hold a password).
 */
function configuredStore(config: TokengateConfig, configFile: string | undefined): { url: string; baseDir: string } | null {
  const url = config.token_store
  if (url === undefined) return null
  const baseDir = configFile === undefined ? process.cwd() : dirname(resolve(configFile))
  const location = parseStoreUrl(url, baseDir)
  if ('problem' in location) {
    throw new ConfigError([{ path: 'token_store', message: location.problem }], configFile === undefined ? undefined : { source: configFile })
  }
  return { url, baseDir }
}
