/**
 * The gate: one object that holds a loaded configuration, the actions registry, the compiled
 * resolver and the chain of token sources. Framework adapters (Express, Koa) and the CLI are
 * thin layers over it.
 *
 * @module
 */
import { dirname, resolve } from 'node:path'
import type { TokengateConfig, TokengateConfigInput } from './config/config-types.js'
import { loadConfig } from './config/load-config.js'
import {
  AuthenticationRequiredError,
  ForbiddenError,
  InvalidTokenError,
  isTokengateError,
} from './errors.js'
import { type Action, ActionRegistry, actionsFromConfig } from './permissions/actions.js'
import { createResolver } from './permissions/resolver.js'
import { restrictionsProblem } from './permissions/restrictions.js'
import { type CredentialsInput, compileTokenReader } from './tokens/bearer.js'
import { type JwtSourceOptions, jwtOptionsFromConfig, jwtTokenSource } from './tokens/jwt.js'
import { createSignedToken, signedTokenSource } from './tokens/signed.js'
import { staticTokenSource, staticTokensFromConfig } from './tokens/static.js'
import { checkCacheSize } from './tokens/verified-cache.js'
import { tokensFileSource } from './tokens/tokens-file.js'
import type { Actor, CheckTarget, Decision, Restrictions, TokenContext, TokenSource } from './types.js'
import { isPlainObject } from './internal/is-plain-object.js'

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
  /** What `{"$env": NAME}` reads. @defaultValue `process.env` */
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
   * How many verified `dstok_` tokens and JWTs each source remembers (by SHA-256 digest), so a
   * token sent on every request pays for its signature check once. Expiry is checked on every
   * request all the same; failures are never remembered. 0 turns the caches off.
   * @defaultValue 1000
   */
  tokenCacheSize?: number
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

/**
 * A configured permission engine and token verifier. Create one with {@link createGate}.
 */
export interface Gate {
  /** The loaded, frozen configuration. */
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
}

const ALLOWED = true as const


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
} {
  if (typeof options !== 'object' || options === null) throw new TypeError('The options of createGate must be an object')
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
  return { now, unknownTokens, realm, rootEnabled, schemes, tokenSources, tokenCacheSize }
}

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
 * invalid options.
 */
export function createGate(configOrPath: TokengateConfigInput | string = {}, options: GateOptions = {}): Gate {
  const { now, unknownTokens, realm, rootEnabled, schemes, tokenSources, tokenCacheSize } = checkOptions(options)
  const config = loadConfig(configOrPath, {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.actions === undefined ? {} : { actions: options.actions }),
  })
  const registry = new ActionRegistry([...actionsFromConfig(config.actions), ...(options.actions ?? [])])
  const resolver = createResolver(config, registry, { rootEnabled })

  const secrets = options.secret === undefined ? toList(config.secret) : checkSecretOption(options.secret)
  const settings = config.settings ?? {}
  const fromConfig = staticTokensFromConfig(config)
  const queryParam = options.queryParam === undefined ? fromConfig.param : options.queryParam
  const jwtOptions = options.jwt ?? (config.jwt === undefined ? undefined : jwtOptionsFromConfig(config.jwt))
  const sources: TokenSource[] = []
  if (fromConfig.tokens.length > 0) sources.push(staticTokenSource(fromConfig.tokens))
  if (config.tokens_file !== undefined) {
    // A relative tokens_file is relative to the configuration file's directory (like $file), or
    // to the working directory for a configuration object.
    const base = typeof configOrPath === 'string' ? dirname(resolve(configOrPath)) : process.cwd()
    sources.push(tokensFileSource(resolve(base, config.tokens_file), { registry }))
  }
  sources.push(
    signedTokenSource({
      secrets,
      allowSignedTokens: secrets.length > 0 && settings.allow_signed_tokens !== false,
      maxTtl: settings.max_signed_tokens_ttl ?? 0,
      cacheSize: tokenCacheSize,
    }),
  )
  if (jwtOptions !== undefined) sources.push(jwtTokenSource({ cacheSize: tokenCacheSize, ...jwtOptions }))
  sources.push(...tokenSources)

  const readPresentedToken = compileTokenReader({ schemes, queryParam })

  function withRealm<E>(error: E): E {
    if (isTokengateError(error)) error.realm = realm
    return error
  }

  function checked(actor: unknown, source: TokenSource): Actor {
    if (!isPlainObject(actor)) throw new TypeError(`Token source "${source.name}" returned an actor that is not an object`)
    if (Object.prototype.hasOwnProperty.call(actor, '_r')) {
      const problem = restrictionsProblem(actor['_r'])
      if (problem !== null) throw new InvalidTokenError(`Invalid token: ${problem}`)
    }
    return actor
  }

  /**
   * Ask the sources in order, starting at `from`. Synchronous while every source answers
   * synchronously (the built-in ones do); switches to a promise at the first source that
   * returns one, so an application source may be asynchronous.
   */
  function resolveToken(token: string, context: TokenContext, from: number): Actor | null | Promise<Actor | null> {
    for (let index = from; index < sources.length; index++) {
      const source = sources[index] as TokenSource
      const result = source.verify(token, context)
      if (result !== null && typeof (result as PromiseLike<Actor | null>).then === 'function') {
        return Promise.resolve(result).then((actor) =>
          actor === null ? resolveToken(token, context, index + 1) : checked(actor, source),
        )
      }
      if (result !== null) return checked(result, source)
    }
    if (unknownTokens === 'anonymous') return null
    throw new InvalidTokenError('Unknown token')
  }

  const rethrowWithRealm = (error: unknown): never => {
    throw withRealm(error)
  }

  /** {@link Gate.authenticate} without the promise when none is needed (the adapters' path). */
  const authenticateNow: FastPath = (authorization, carrier, queryOf) => {
    try {
      const presented = readPresentedToken(authorization, carrier, queryOf)
      if (presented === null) return null
      const result = resolveToken(presented.token, { now: now() }, 0)
      return result instanceof Promise ? result.catch(rethrowWithRealm) : result
    } catch (error) {
      throw withRealm(error)
    }
  }

  const gate: Gate = {
    config,
    actions: registry,
    realm,
    allowed: (actor, action, target) => resolver.allowed(actor, action, target),
    explain: (actor, action, target) => resolver.explain(actor, action, target),
    check(actor, action, target) {
      if (resolver.allowed(actor, action, target)) return ALLOWED
      const decision = resolver.explain(actor, action, target)
      const denied = { action: decision.action, database: decision.database, resource: decision.resource }
      throw withRealm(
        actor === null ? new AuthenticationRequiredError(denied, decision) : new ForbiddenError(denied, decision),
      )
    },
    async authenticate(input) {
      return authenticateNow(input.authorization, input, queryOfInput)
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
  }
  Object.freeze(gate)
  FAST_PATHS.set(gate, {
    authenticate: authenticateNow,
    check(actor, action, database, resource) {
      // A resource without its database goes the long way, which throws the usual TypeError.
      if ((resource === null || database !== null) && resolver.allowedAt(actor, action, database, resource)) return
      gate.check(actor, action, { database, resource })
    },
  })
  return gate
}

/** How an adapter reaches the query string of its request, only when it is needed. @internal */
type FastPath = <C>(
  authorization: string | readonly string[] | undefined,
  carrier: C,
  queryOf: (carrier: C) => CredentialsInput['query'],
) => Actor | null | Promise<Actor | null>

/** What the adapters call on every request, per gate made by {@link createGate}. */
interface FastPaths {
  readonly authenticate: FastPath
  readonly check: (actor: Actor | null, action: string, database: string | null, resource: string | null) => void
}

const FAST_PATHS = new WeakMap<Gate, FastPaths>()

const queryOfInput = (input: CredentialsInput): CredentialsInput['query'] => input.query

/**
 * Authenticate a request through a gate, synchronously when every source that is asked answers
 * synchronously, so the adapters skip a promise per request, and without building a credentials
 * object: the adapter passes the header, its request, and how to get the request's query string
 * (read only when a query parameter is configured). Same results and errors as
 * {@link Gate.authenticate} (thrown rather than rejected on the synchronous path). A gate not
 * made by {@link createGate} is authenticated through its own `authenticate`.
 * @internal
 */
export function authenticateNow<C>(
  gate: Gate,
  authorization: string | readonly string[] | undefined,
  carrier: C,
  queryOf: (carrier: C) => CredentialsInput['query'],
): Actor | null | Promise<Actor | null> {
  const fast = FAST_PATHS.get(gate)
  if (fast !== undefined) return fast.authenticate(authorization, carrier, queryOf)
  return gate.authenticate({
    authorization,
    get query() {
      return queryOf(carrier)
    },
  })
}

/**
 * {@link Gate.check} for the guards: returns when allowed, throws the same coded errors when
 * not, and allocates nothing on the allowed path. A gate not made by {@link createGate} is
 * checked through its own `check`.
 * @internal
 */
export function checkNow(gate: Gate, actor: Actor | null, action: string, database: string | null, resource: string | null): void {
  const fast = FAST_PATHS.get(gate)
  if (fast !== undefined) fast.check(actor, action, database, resource)
  else gate.check(actor, action, { database, resource })
}
