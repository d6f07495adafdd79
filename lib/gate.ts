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
import { AuthError, AuthenticationRequiredError, ConfigError, ForbiddenError } from './errors.js'
import { GATE_INTERNALS, type GateInternals } from './internal/gate-internals.js'
import { checkOptionNames } from './internal/options.js'
import { type Action, ActionRegistry, actionsFromConfig } from './permissions/actions.js'
import { type Place, createResolver, placeOf } from './permissions/resolver.js'
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
import { checkCacheBytes, checkCacheSize } from './tokens/verified-cache.js'
import type { Actor, CheckTarget, Decision, Restrictions, TokenSource } from './types.js'

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
   * migrated (it is otherwise opened on first use). Rejects with the store's error, such as a
   * `StoreUnavailableError` saying the file cannot be written.
   */
  ready(): Promise<void>
  /**
   * Write pending "last used" times and close the token store the gate opened from
   * `"token_store"` (a `tokenStore` passed in is the caller's to close). Idempotent.
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
  return { now, unknownTokens, realm, rootEnabled, schemes, tokenSources, tokenCacheSize, tokenPrefix, tokenCacheTtl, resolveActor, tokenStore, tokenCacheBytes }
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
  if (storeSource !== null) {
    // Changes made anywhere (this instance, or another sharing a PostgreSQL store) are forgotten
    // here; a `reset` (a LISTEN connection re-established) forgets everything.
    store = storeHandle(storeSource, (opened) =>
      opened.subscribe((event) => (event.type === 'reset' ? chain.clear() : chain.forget({ tokenId: event.tokenId }))),
    )
    lastUsed = new LastUsedRecorder(store)
  }
  const tokens =
    store === null
      ? null
      : createTokenManager({
          store,
          registry,
          prefix: checked.tokenPrefix,
          now,
          changed: (tokenId) => chain.forget({ tokenId }),
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
  function denied(actor: Actor | null, action: string, place: Place): never {
    const decision = resolver.explain(actor, action, place)
    const check = { action: decision.action, database: decision.database, resource: decision.resource }
    throw withRealm(actor === null ? new AuthenticationRequiredError(check, decision) : new ForbiddenError(check, decision))
  }

  const readCookie = actorCookieReader(secrets)
  const internals: GateInternals = {
    chain,
    now,
    resolveActor: checked.resolveActor ?? null,
    canReadActorCookie: secrets.length > 0,
    actorFromCookie(header) {
      const value = cookieValue(header, ACTOR_COOKIE_NAME)
      return value === undefined ? null : readCookie(value, now())
    },
    settle: async () => {
      await lastUsed?.flush()
    },
    authenticate(authorization, carrier, queryOf) {
      try {
        const presented = readPresentedToken(authorization, carrier, queryOf)
        if (presented === null) return null
        const verified = chain.verify(presented.token, now())
        return verified instanceof Promise ? verified.catch(rethrowWithRealm) : verified
      } catch (error) {
        throw withRealm(error)
      }
    },
    check(actor, action, database, resource) {
      const place = { database, resource }
      if (!resolver.decide(actor, registry.resolve(action), place)) denied(actor, action, place)
    },
    ignoredCredentials: (authorization) => ignoredCredentialsNote(authorization, { schemes, unknownTokens }),
  }

  const gate: Gate = {
    config: redactedView(config),
    actions: registry,
    realm,
    allowed: (actor, action, target) => resolver.allowed(actor, action, target),
    explain: (actor, action, target) => resolver.explain(actor, action, target),
    check(actor, action, target) {
      const place = placeOf(target)
      if (!resolver.decide(actor, registry.resolve(action), place)) denied(actor, action, place)
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
      await store?.ready()
    },
    async close() {
      await lastUsed?.flush()
      await store?.close()
    },
  }
  Object.defineProperty(gate, GATE_INTERNALS, { value: internals })
  return Object.freeze(gate)
}

const queryOfInput = (input: CredentialsInput): CredentialsInput['query'] => input.query

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
