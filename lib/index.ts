/**
 * tokengate: bearer-token authentication and Datasette/InfluxDB-style fine-grained permissions
 * for Node web apps. This file is the whole public API of the `tokengate` entry point; anything
 * not exported here is internal.
 *
 * @module
 */

// Errors
export {
  TokengateError,
  ConfigError,
  UnknownActionError,
  InvalidRequestError,
  InvalidTokenError,
  AuthenticationRequiredError,
  ForbiddenError,
  PermissionStringError,
  MiddlewareOrderError,
  InvalidParameterError,
  isTokengateError,
} from './errors.js'
export type { TokengateErrorCode, ErrorBody, DeniedCheck } from './errors.js'

// Shared types
export type {
  Actor,
  Restrictions,
  CheckTarget,
  Level,
  RuleSource,
  RuleRecord,
  RestrictionVerdict,
  Decision,
  TokenContext,
  TokenSource,
} from './types.js'

// Configuration
export type {
  AllowBlock,
  PermissionsBlocks,
  SecretReference,
  ChildConfig,
  DatabaseConfig,
  SettingsConfig,
  ActionConfig,
  StaticTokenConfig,
  DatasetteAuthTokensConfig,
  JwtConfig,
  TokengateConfig,
  TokengateConfigInput,
  WithSecretReferences,
} from './config/config-types.js'

// Permissions
export { defineAction, ActionRegistry, BUILTIN_ACTIONS } from './permissions/actions.js'
export type { Action, ActionInit, ActionScope } from './permissions/actions.js'
export { actorMatchesAllow } from './permissions/allow-block.js'
export {
  restrictionsAllow,
  isRestrictions,
  compactRestrictions,
  RestrictionsBuilder,
} from './permissions/restrictions.js'

// Permission strings (InfluxDB-style)
export { parsePermissions } from './permissions/permission-strings.js'
// -- exports for lib/permissions/permission-strings.ts go here --

// Configuration loading
export { loadConfig } from './config/load-config.js'
export type { LoadConfigOptions } from './config/load-config.js'
export { resolveSecrets } from './config/secrets.js'
export type { ResolveSecretsOptions } from './config/secrets.js'
// -- exports for lib/config/*.ts go here --

// Token sources: signed dstok_ tokens
export { createSignedToken, verifySignedToken, decodeSignedToken, signedTokenSource } from './tokens/signed.js'
export type {
  CreateSignedTokenOptions,
  VerifySignedTokenOptions,
  SignedTokenSettings,
  SignedTokenActor,
  DecodedSignedToken,
} from './tokens/signed.js'
// -- exports for lib/tokens/signed.ts go here --

// Token sources: static tokens and JWTs
export { staticTokenSource, staticTokensFromConfig } from './tokens/static.js'
export type { StaticTokenSource, StaticTokenSourceOptions, StaticTokensFromConfig } from './tokens/static.js'
export { jwtTokenSource, jwtOptionsFromConfig, createJwt } from './tokens/jwt.js'
export type { JwtTokenSource, JwtSourceOptions, JwtKey, CreateJwtOptions } from './tokens/jwt.js'
// -- exports for lib/tokens/static.ts and lib/tokens/jwt.ts go here --

// Token sources: InfluxDB-style offline tokens files
export { tokensFileSource, readTokensFile, writeTokensFile, createOfflineToken } from './tokens/tokens-file.js'
export type { TokensFile, TokensFileEntry, TokensFileActor, TokensFileSourceOptions } from './tokens/tokens-file.js'

// The gate (resolver and authentication)
export { createGate } from './gate.js'
export type { Gate, GateOptions, GateTokenOptions } from './gate.js'
export { readToken } from './tokens/bearer.js'
export type { CredentialsInput, ReadTokenOptions, PresentedToken } from './tokens/bearer.js'

// Express adapter (Koa: the `tokengate/koa` entry point)
export { tokenAuth } from './adapters/express/token-auth.js'
export type { TokenAuthOptions } from './adapters/express/token-auth.js'
export { requirePermission } from './adapters/express/require-permission.js'
export type { ExpressTarget } from './adapters/express/require-permission.js'
export { permissionsDebug } from './adapters/express/permissions-debug.js'
export type { AdapterOptions, OnError, TargetSpec } from './adapters/shared.js'
