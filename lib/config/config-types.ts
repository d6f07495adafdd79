/**
 * The TypeScript shape of a tokengate configuration (a Datasette metadata.json plus tokengate's
 * own keys). The JSON Schema in `schema.ts` is the validator; these types describe what a
 * validated configuration looks like.
 *
 * @module
 */
import type { Actor } from '../types.js'

/**
 * A Datasette allow block: `true`/`false` (or `1`/`0` in a configuration), `null`, or an object
 * whose keys are actor keys and whose values are a value, a list of values, or `"*"`.
 */
export type AllowBlock = boolean | 0 | 1 | null | { readonly [key: string]: unknown }

/** `permissions` blocks: an allow block per action name. */
export type PermissionsBlocks = { readonly [action: string]: AllowBlock }

/** A `$env` / `$file` secret reference, resolved when the configuration is loaded. */
export type SecretReference = { readonly $env: string } | { readonly $file: string }

/** Configuration of one table, view or named query. Other Datasette keys are kept as they are. */
export interface ChildConfig {
  readonly allow?: AllowBlock
  readonly permissions?: PermissionsBlocks
  readonly sql?: string
  readonly [key: string]: unknown
}

/** Configuration of one database. Other Datasette keys are kept as they are. */
export interface DatabaseConfig {
  readonly allow?: AllowBlock
  readonly allow_sql?: AllowBlock
  readonly permissions?: PermissionsBlocks
  readonly tables?: { readonly [table: string]: ChildConfig }
  /** Named queries: a SQL string, or an object with `sql`, `allow`, `permissions`. */
  readonly queries?: { readonly [query: string]: string | ChildConfig }
  readonly [key: string]: unknown
}

/** Datasette's settings that tokengate reads. Other settings are kept as they are. */
export interface SettingsConfig {
  /** Drop every default allow: only explicit rules (and root) allow. @defaultValue false */
  readonly default_deny?: boolean
  /** Whether `execute-sql` is allowed by default. @defaultValue true */
  readonly default_allow_sql?: boolean
  /** Whether signed `dstok_` tokens are accepted. @defaultValue true */
  readonly allow_signed_tokens?: boolean
  /** The longest lifetime of a signed token in seconds; 0 means no limit. @defaultValue 0 */
  readonly max_signed_tokens_ttl?: number
  /**
   * tokengate's own setting: how far in the future, in seconds, a signed token's creation time
   * `t` may be; a token dated later is refused. @defaultValue 5
   */
  readonly signed_tokens_clock_skew?: number
  readonly [key: string]: unknown
}

/** A custom action declared in the configuration's `actions` object. */
export interface ActionConfig {
  /** A short name used in token restrictions; unique among every name and abbreviation. */
  readonly abbr?: string | null
  /** What the action applies to. */
  readonly scope: 'instance' | 'database' | 'resource'
  /** Whether the action is allowed when no rule says otherwise. @defaultValue false */
  readonly default?: boolean
  /** Another action that must also be allowed, on the same database and child. */
  readonly also_requires?: string | null
  readonly description?: string
}

/** A static token: a secret and the actor it stands for. */
export interface StaticTokenConfig {
  readonly token: string
  readonly actor: Actor
}

/** The `datasette-auth-tokens` plugin configuration: the 0.1 list form, or the object form. */
export type DatasetteAuthTokensConfig =
  | readonly StaticTokenConfig[]
  | {
      readonly tokens?: readonly StaticTokenConfig[]
      /** A query-string parameter that may carry the token, such as `_auth_token`. */
      readonly param?: string
      readonly [key: string]: unknown
    }

/** JWT verification settings (tokens verified with `jsonwebtoken`). */
export interface JwtConfig {
  /** Accepted algorithms (HS*, RS*, PS*, ES*; EdDSA is refused because jsonwebtoken 9 cannot verify it); required, never inferred from the token. */
  readonly algorithms: readonly string[]
  /** HMAC secret (for HS* algorithms). */
  readonly secret?: string
  /** PEM public key (for RS*, PS*, ES*). */
  readonly public_key?: string
  readonly issuer?: string | readonly string[]
  readonly audience?: string | readonly string[]
  /** The claim holding the actor id. @defaultValue "sub" */
  readonly actor_claim?: string
  /** The key the actor id is stored under in the actor object. @defaultValue "id" */
  readonly actor_id_key?: string
  /** Seconds of leeway for `exp` and `nbf`. @defaultValue 0 */
  readonly clock_tolerance?: number
  /**
   * The URL of the identity provider's JSON Web Key Set (https; http only on a loopback host),
   * in place of `public_key`: RS*, PS* and ES* tokens are verified with the key their `kid` names.
   */
  readonly jwks_uri?: string
  /** How many times a minute the key set may be fetched (an unknown `kid` makes one fetch). @defaultValue 10 */
  readonly jwks_requests_per_minute?: number
  /** How long a fetched key is kept, in seconds. @defaultValue 600 */
  readonly jwks_cache_max_age?: number
  /** How long one fetch of the key set may take, in seconds. @defaultValue 5 */
  readonly jwks_timeout?: number
  /** The claim scopes are read from (`scope`, `scp`, `permissions`); restrictions then come from it, not from `_r`. */
  readonly scope_claim?: string
  /** Scope → permission string(s), such as `{"read:docs": "db:docs:read"}`; without it, scopes are read as permission strings. */
  readonly scope_map?: { readonly [scope: string]: string | readonly string[] }
}

/** A whole configuration, after `$env` / `$file` secrets are resolved. */
export interface TokengateConfig {
  /** Top-level allow block: view-instance, view-database, view-table, view-query. */
  readonly allow?: AllowBlock
  /** Top-level allow block for execute-sql. */
  readonly allow_sql?: AllowBlock
  /** Top-level (global) `permissions` blocks. */
  readonly permissions?: PermissionsBlocks
  readonly databases?: { readonly [database: string]: DatabaseConfig }
  readonly settings?: SettingsConfig
  /** Custom actions, keyed by name. */
  readonly actions?: { readonly [name: string]: ActionConfig }
  /** The signing secret for `dstok_` tokens; a list to rotate (sign with the first, verify with any). */
  readonly secret?: string | readonly string[]
  /** Static tokens (tokengate's own form). */
  readonly tokens?: readonly StaticTokenConfig[]
  /** An InfluxDB-style offline permission tokens file (written by `tokengate create-token --offline`). */
  readonly tokens_file?: string
  readonly jwt?: JwtConfig
  /**
   * Where managed tokens are kept: `sqlite:PATH` (relative to the configuration file),
   * `postgres://…` / `postgresql://…`, or `memory:`. The gate opens it lazily, on first use or
   * `gate.ready()`, and closes it in `gate.close()`. Often `{"$env": "TOKENGATE_STORE"}`.
   */
  readonly token_store?: string
  readonly plugins?: {
    readonly 'datasette-auth-tokens'?: DatasetteAuthTokensConfig
    readonly [plugin: string]: unknown
  }
  readonly [key: string]: unknown
}

/** `T` with a `$env` / `$file` reference allowed wherever `T` has a string. */
export type WithSecretReferences<T> = T extends string
  ? T | SecretReference
  : T extends readonly (infer U)[]
    ? readonly WithSecretReferences<U>[]
    : T extends object
      ? { readonly [K in keyof T]: WithSecretReferences<T[K]> }
      : T

/**
 * A configuration as written, before `$env` / `$file` references are resolved: what
 * `createGate`, `tokenAuth` and `loadConfig` accept.
 *
 * @example
 * ```ts
 * const config: TokengateConfigInput = { secret: { $env: 'TOKENGATE_SECRET' } }
 * ```
 */
export type TokengateConfigInput = WithSecretReferences<TokengateConfig>
