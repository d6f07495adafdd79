/**
 * The gate: one object that composes a loaded configuration, the actions registry, the resolver
 * (`permissions/resolver.ts`, where every decision is made) and the token chain
 * (`tokens/chain.ts`, where every token is verified), and around them the managed-token store
 * (`store/`), events and the usage log (`events/`) and rate limits (`limits/`). Its options and
 * their checks are in `gate-options.ts`. It only composes: each concept lives in its own module.
 * Framework adapters (Express, Koa, Fastify) and the CLI are thin layers over it.
 *
 * @module
 */
import { dirname, resolve } from 'node:path'
import type { TokengateConfig, TokengateConfigInput } from './config/config-types.js'
import { loadConfig } from './config/load-config.js'
import { redactedView } from './config/redact.js'
import { AuthError, AuthenticationRequiredError, ConfigError, ForbiddenError } from './errors.js'
import { createEventDispatcher } from './events/dispatcher.js'
import { GateObserver, type RequestFacts } from './events/observer.js'
import { GATE_INTERNALS, type GateInternals } from './internal/gate-internals.js'
import { checkOptionNames } from './internal/options.js'
import { ActionRegistry, actionsFromConfig } from './permissions/actions.js'
import { type Place, createResolver, placeOf } from './permissions/resolver.js'
import { createRequestLimits } from './limits/request-limits.js'
import { type Limiter, createMemoryLimiter, createRedisLimiter } from './limits/rate-limiter.js'
import { parseStoreUrl } from './store/open-token-store.js'
import { type StoreHandle, storeHandle } from './store/store-handle.js'
import { type CredentialsInput, compileTokenReader } from './tokens/bearer.js'
import { createTokenChain } from './tokens/chain.js'
import { ignoredCredentialsNote } from './tokens/ignored-credentials.js'
import { LastUsedRecorder } from './tokens/last-used.js'
import { MANAGED_SOURCE, managedTokenSource } from './tokens/managed.js'
import { createSignedToken } from './tokens/signed.js'
import { ACTOR_COOKIE_NAME, actorCookieReader, cookieValue, createActorCookie } from './sessions/actor-cookie.js'
import { queryParamOf, tokenSourcesFromConfig } from './tokens/sources-from-config.js'
import { type TokenManager, createTokenManager } from './tokens/token-manager.js'
import { UsageRecorder } from './tokens/usage-log.js'
import type { Actor, CheckTarget, Decision, Restrictions, VerifiedToken } from './types.js'
import { type GateOptions, checkGateOptions, checkSecretOption, toList } from './gate-options.js'

export type { GateOptions } from './gate-options.js'

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
  const checked = checkGateOptions(options)
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
  const limitRequest = createRequestLimits<RequestFacts | undefined>({
    limiter,
    defaultLimit: checked.rateLimit,
    onLimited: (verified, facts) => observer.limited(verified, facts),
  })
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
    limit: limitRequest,
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
