/**
 * Building a gate's token sources from a loaded configuration and the gate's options, in the
 * order the chain asks them:
 *
 * 1. static tokens: tokengate's own `tokens`, then `plugins["datasette-auth-tokens"]` in either
 *    of its forms (so with duplicate values an entry in `tokens` wins);
 * 2. the InfluxDB-style offline tokens file (`tokens_file`);
 * 2b. managed tokens (`tgk_…`), when the gate has a token store: after the sources that look
 *    tokens up by digest and decline the rest, so a static token wins over a look-alike;
 * 3. signed `dstok_` tokens (always present, so a `dstok_` token is always claimed, and refused
 *    with `Signed tokens are not enabled` when there is no secret);
 * 4. JWTs, when the `jwt` option or block is given;
 * 5. the application's own sources, in the order given.
 *
 * The configuration has been validated by `loadConfig` (shapes by the schema, `_r` of static
 * actors and JWT keys by its semantic checks), so nothing here validates it again.
 *
 * @module
 * @internal
 */
import { dirname, resolve } from 'node:path'
import type { JwtConfig, StaticTokenConfig, TokengateConfig } from '../config/config-types.js'
import { ConfigError } from '../errors.js'
import { formatPath } from '../internal/json-path.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import type { ActionRegistry } from '../permissions/actions.js'
import type { TokenSource } from '../types.js'
import { type JwtSourceOptions, jwtTokenSource } from './jwt.js'
import { compileScopes } from './jwt-scopes.js'
import { DEFAULT_CLOCK_SKEW, signedTokenSource } from './signed.js'
import { staticTokenSource } from './static.js'
import { tokensFileSource } from './tokens-file.js'

/** What {@link tokenSourcesFromConfig} needs besides the configuration. @internal */
export interface SourcesFromConfigOptions {
  readonly registry: ActionRegistry
  /** The `dstok_` secrets, newest first (the `secret` option, else the configuration's). */
  readonly secrets: readonly string[]
  /** The `jwt` option, which takes the place of the configuration's block. */
  readonly jwt: JwtSourceOptions | undefined
  /** The `signedTokensClockSkew` option, which takes the place of the setting. */
  readonly clockSkew?: number | undefined
  /** The configuration's file path, when it was given as one (relative `tokens_file` paths resolve against its directory). */
  readonly configFile: string | undefined
  /** The application's own sources. */
  readonly extra: readonly TokenSource[]
  /** The managed-token source, when the gate has a token store. */
  readonly managed?: TokenSource | undefined
}

/**
 * Every static token of a loaded configuration, in order: tokengate's own `tokens`, then
 * datasette-auth-tokens' (its 0.1 list form or `{ "tokens": [...] }`).
 * @internal
 */
export function staticTokensOf(config: TokengateConfig): StaticTokenConfig[] {
  const plugin: unknown = config.plugins?.['datasette-auth-tokens']
  const fromPlugin = Array.isArray(plugin) ? plugin : isPlainObject(plugin) ? plugin['tokens'] : undefined
  return [...(config.tokens ?? []), ...((fromPlugin ?? []) as readonly StaticTokenConfig[])]
}

/** The query parameter datasette-auth-tokens' object form names, or `null`. @internal */
export function queryParamOf(config: TokengateConfig): string | null {
  const plugin: unknown = config.plugins?.['datasette-auth-tokens']
  const param = isPlainObject(plugin) ? plugin['param'] : undefined
  return typeof param === 'string' ? param : null
}

/** The configuration's `jwt` block (snake_case) as the JWT source's options. @internal */
export function jwtOptionsOf(config: JwtConfig): JwtSourceOptions {
  const options: JwtSourceOptions = { algorithms: config.algorithms }
  if (config.secret !== undefined) options.secret = config.secret
  if (config.public_key !== undefined) options.publicKey = config.public_key
  if (config.issuer !== undefined) options.issuer = config.issuer
  if (config.audience !== undefined) options.audience = config.audience
  if (config.actor_claim !== undefined) options.actorClaim = config.actor_claim
  if (config.actor_id_key !== undefined) options.actorIdKey = config.actor_id_key
  if (config.clock_tolerance !== undefined) options.clockTolerance = config.clock_tolerance
  if (config.jwks_uri !== undefined) options.jwksUri = config.jwks_uri
  if (config.jwks_requests_per_minute !== undefined) options.jwksRequestsPerMinute = config.jwks_requests_per_minute
  if (config.jwks_cache_max_age !== undefined) options.jwksCacheMaxAge = config.jwks_cache_max_age
  if (config.jwks_timeout !== undefined) options.jwksTimeout = config.jwks_timeout
  if (config.scope_claim !== undefined) options.scopeClaim = config.scope_claim
  if (config.scope_map !== undefined) options.scopeMap = config.scope_map
  return options
}

/**
 * The JWT block's scope settings need the gate's actions (a permission string may name an
 * application's action), so they are checked here rather than by loadConfig, and reported the
 * same way: a ConfigError at the block's path.
 */
function checkConfigScopes(config: JwtConfig, registry: ActionRegistry, file: string | undefined): void {
  const checked = compileScopes(config.scope_claim, config.scope_map, registry)
  if (checked.ok) return
  const { input, scope, message } = checked.problem
  const path = formatPath(['jwt', input === 'scopeClaim' ? 'scope_claim' : 'scope_map', ...(scope === undefined ? [] : [scope])])
  throw new ConfigError([{ path, message }], file === undefined ? {} : { source: file })
}

/** The token sources of a gate, in the chain's order. @internal */
export function tokenSourcesFromConfig(config: TokengateConfig, options: SourcesFromConfigOptions): TokenSource[] {
  const sources: TokenSource[] = []
  const statics = staticTokensOf(config)
  if (statics.length > 0) sources.push(staticTokenSource(statics))
  if (config.tokens_file !== undefined) {
    // Relative to the configuration file's directory (like $file), or to the working directory
    // for a configuration object.
    const base = options.configFile === undefined ? process.cwd() : dirname(resolve(options.configFile))
    sources.push(tokensFileSource(resolve(base, config.tokens_file), { registry: options.registry }))
  }
  if (options.managed !== undefined) sources.push(options.managed)
  const settings = config.settings ?? {}
  sources.push(
    signedTokenSource({
      secrets: options.secrets,
      allowSignedTokens: options.secrets.length > 0 && settings.allow_signed_tokens !== false,
      maxTtl: settings.max_signed_tokens_ttl ?? 0,
      clockSkew: options.clockSkew ?? settings.signed_tokens_clock_skew ?? DEFAULT_CLOCK_SKEW,
    }),
  )
  if (options.jwt === undefined && config.jwt !== undefined) checkConfigScopes(config.jwt, options.registry, options.configFile)
  const jwt = options.jwt ?? (config.jwt === undefined ? undefined : jwtOptionsOf(config.jwt))
  // Scopes may name the gate's own actions, unless the option brings its own registry.
  if (jwt !== undefined) sources.push(jwtTokenSource({ registry: options.registry, ...jwt }))
  sources.push(...options.extra)
  return sources
}
