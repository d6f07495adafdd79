/**
 * tokengate: bearer-token authentication and Datasette/InfluxDB-style fine-grained permissions
 * for Node web apps. This file is the whole public API of the `tokengate` entry point; anything
 * not exported here (or from `tokengate/express` and `tokengate/koa`) is internal.
 *
 * @module
 */

// Errors
export {
  TokengateError,
  AuthError,
  HttpError,
  ConfigError,
  UnknownActionError,
  InvalidRequestError,
  InvalidTokenError,
  AuthenticationRequiredError,
  ForbiddenError,
  PermissionStringError,
  MiddlewareOrderError,
  InvalidParameterError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  StoreUnavailableError,
  CrossOriginError,
  UnsupportedMediaTypeError,
  PayloadTooLargeError,
  isTokengateError,
} from './errors.js'
export type { TokengateErrorCode, AnyTokengateError, InvalidTokenReason, ErrorBody, DeniedCheck, HttpErrorOptions } from './errors.js'

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
  TokenSourceResult,
  VerifiedToken,
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
export { loadConfig } from './config/load-config.js'
export type { LoadConfigOptions } from './config/load-config.js'
export { resolveSecrets } from './config/secrets.js'
export type { ResolveSecretsOptions } from './config/secrets.js'

// Permissions
export { defineAction, ActionRegistry, BUILTIN_ACTIONS } from './permissions/actions.js'
export type { Action, ActionInit, ActionScope } from './permissions/actions.js'
export { actorMatchesAllow } from './permissions/allow-block.js'
export { restrictionsAllow, isRestrictions, compactRestrictions, RestrictionsBuilder } from './permissions/restrictions.js'
export { parsePermissions } from './permissions/permission-strings.js'

// Token sources
export { readToken } from './tokens/bearer.js'
export type { CredentialsInput, ReadTokenOptions, PresentedToken } from './tokens/bearer.js'
export { createSignedToken, verifySignedToken, decodeSignedToken, signedTokenSource } from './tokens/signed.js'
export type {
  CreateSignedTokenOptions,
  VerifySignedTokenOptions,
  SignedTokenSettings,
  SignedTokenActor,
  DecodedSignedToken,
} from './tokens/signed.js'
export { staticTokenSource } from './tokens/static.js'
export type { StaticTokenSource, StaticTokenSourceOptions } from './tokens/static.js'
export { jwtTokenSource, createJwt } from './tokens/jwt.js'
export type { JwtTokenSource, JwksTokenSource, JwtSourceOptions, JwtKey, CreateJwtOptions } from './tokens/jwt.js'
export { tokensFileSource, readTokensFile, writeTokensFile, updateTokensFile, createOfflineToken } from './tokens/tokens-file.js'
export type { TokensFile, TokensFileEntry, TokensFileActor, TokensFileSourceOptions } from './tokens/tokens-file.js'

// Managed tokens and their stores
export { checkManagedTokenShape, managedTokenPattern, DEFAULT_TOKEN_PREFIX } from './tokens/managed-format.js'
export type { ManagedTokenShape } from './tokens/managed-format.js'
export type {
  TokenManager,
  TokenRecord,
  CreateTokenInput,
  UpdateTokenInput,
  ListTokensQuery,
  TokenList,
  IssuedToken,
  TokenAuditEntry,
  TokenUsageEntry,
  TokenUsageQuery,
  TokenUsage,
} from './tokens/token-manager.js'
export type { ResolveActor } from './tokens/owner.js'
export { openTokenStore } from './store/open-token-store.js'
export type { OpenTokenStoreOptions } from './store/open-token-store.js'
export { createMemoryTokenStore } from './store/memory.js'
export { openSqliteTokenStore } from './store/sqlite.js'
export type { SqliteTokenStoreOptions } from './store/sqlite.js'
export { openPostgresTokenStore } from './store/postgres.js'
export type { PostgresTokenStoreOptions, PgPoolLike } from './store/postgres.js'
export { statusOf } from './store/token-store.js'
export type {
  TokenStore,
  StoredToken,
  TokenPatch,
  TokenStatus,
  TokenRateLimit,
  AuditAction,
  AuditEntry,
  StoredAuditEntry,
  TokenStoreQuery,
  TokenStoreEvent,
  TokenStoreListener,
  WriteDone,
  WriteRefused,
  UsageEntry,
  StoredUsageEntry,
  UsageOutcome,
  UsageQuery,
} from './store/token-store.js'

// The gate
export { createGate } from './gate.js'
export type { Gate, GateOptions, GateTokenOptions, ActorCookieOptions } from './gate.js'

// Cookie sessions (Datasette's ds_actor) and one-time login links
export { createActorCookie, readActorCookie, ACTOR_COOKIE_NAME } from './sessions/actor-cookie.js'
export type { CreateActorCookieOptions, ReadActorCookieOptions } from './sessions/actor-cookie.js'
export { checkCrossOrigin } from './sessions/cross-origin.js'
export type { CrossOriginRequest } from './sessions/cross-origin.js'
export { createLoginLink } from './sessions/login-link.js'
export type { LoginLink, LoginLinkOptions, LoginLinkSession } from './sessions/login-link.js'

// Events, logging and rate limits
export type { TokengateEvent, TokengateEventType, TokengateEventReason, EventListener } from './events/event.js'
export type { Logger } from './events/logger.js'
export type { RateLimit } from './limits/rate-limit.js'

// The Express adapter (also the `tokengate/express` entry point; Koa: `tokengate/koa`)
export { tokenAuth, requirePermission, requireActor, permissionsDebug, tokenAdmin } from './adapters/express/index.js'
export type {
  TokenAuthOptions,
  ExpressTarget,
  AdapterOptions,
  OnError,
  SessionOptions,
  TargetSpec,
  ExpressTokenAdminOptions,
  TokenAdminOptions,
} from './adapters/express/index.js'
