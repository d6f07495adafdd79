/**
 * Public types shared by every part of tokengate: actors, restrictions, checks and decisions,
 * token sources.
 *
 * @module
 */
import type { RateLimit } from './limits/rate-limit.js'

/**
 * Who is calling: a JSON object such as `{ id: 'root' }` or `{ bot_id: 'my-bot' }`. `null` means
 * anonymous. An actor that came from a restricted token carries `_r` (see {@link Restrictions}).
 *
 * An interface, so an application can say what its actors look like and have `req.actor.id`
 * typed everywhere:
 *
 * @example
 * ```ts
 * declare module 'tokengate' {
 *   interface Actor {
 *     readonly id?: string
 *   }
 * }
 * ```
 */
export interface Actor {
  readonly [key: string]: unknown
}

/**
 * Token restrictions, Datasette's `_r` object: `a` lists actions allowed everywhere, `d` actions
 * allowed per database (and every child of it), `r` actions allowed per database and child.
 * Lists mix full action names and abbreviations.
 *
 * @example
 * ```json
 * { "a": ["vi", "vt"], "d": { "docs": ["vq"] }, "r": { "docs": { "documents": ["ir", "ur"] } } }
 * ```
 */
export interface Restrictions {
  a?: string[]
  d?: Record<string, string[]>
  r?: Record<string, Record<string, string[]>>
}

/**
 * Where a check points. No database: an instance-level check. A database: a database-level
 * check. A database and a resource (table, view or named query): a child-level check.
 */
export interface CheckTarget {
  database?: string | null | undefined
  resource?: string | null | undefined
}

/** The level a rule or a check sits at. */
export type Level = 'instance' | 'database' | 'child'

/** Which rule source produced a rule. */
export type RuleSource = 'defaults' | 'root' | 'config'

/** One rule the resolver considered, with where it came from and why it says what it says. */
export interface RuleRecord {
  /** The level of the rule: global (`instance`), `database` or `child`. */
  level: Level
  database: string | null
  child: string | null
  /** Whether this rule allows or denies. */
  effect: 'allow' | 'deny'
  /** The rule source: built-in defaults, the root actor, or the configuration. */
  source: RuleSource
  /** The configuration path of the block that produced the rule, such as `databases.docs.allow`. */
  path: string | null
  /** A sentence saying why the rule has this effect for this actor. */
  reason: string
}

/** The restriction gate's verdict on a check (SPEC section 5). */
export interface RestrictionVerdict {
  /** Whether the actor carries restrictions at all. */
  restricted: boolean
  /** Whether the gate admits the check (always true when unrestricted). */
  allowed: boolean
  reason: string
}

/**
 * The outcome of a check, with everything that produced it. {@link Gate.allowed} returns only
 * `allowed`; {@link Gate.explain} returns this whole object.
 */
export interface Decision {
  allowed: boolean
  /** A sentence a person can read, saying why. */
  reason: string
  /** The canonical action name (an abbreviation in the check is resolved). */
  action: string
  database: string | null
  resource: string | null
  /** The level of the check, from its arguments. */
  level: Level
  /**
   * The level whose rules decided the base result, or `null` when no rule applied at any level.
   */
  decidingLevel: Level | null
  /** The base result from the rules alone, before restrictions and also-requires. */
  baseAllowed: boolean
  /** Every rule that applied to the check, at every level, most specific first. */
  rules: RuleRecord[]
  /** The restriction gate's verdict. */
  restriction: RestrictionVerdict
  /** The verdicts on the actions this action also requires, on the same database and child. */
  alsoRequires: Decision[]
}

/** What a token source sees of the request besides the token. */
export interface TokenContext {
  /** The current time in unix seconds (the gate's `now` option). */
  readonly now: number
  /**
   * SHA-256 of the token's UTF-8 bytes, lower-case hex: computed once per request and shared by
   * every source and the cache, so a source that looks tokens up by hash never hashes again.
   */
  readonly digest: string
}

/**
 * What a token source answers for a token that is its own and valid: the actor it stands for,
 * and what the chain needs to know about the token.
 */
export interface TokenSourceResult {
  /** The actor the token stands for (with `_r` when the token is restricted). */
  readonly actor: Actor
  /** The token's own id, when it has one (a managed token's record id). @defaultValue null */
  readonly tokenId?: string | null | undefined
  /** When the token stops being valid, in unix seconds; `null` for never. @defaultValue null */
  readonly expiresAt?: number | null | undefined
  /** When the token starts being valid, in unix seconds (a JWT's `nbf`). @defaultValue null */
  readonly notBefore?: number | null | undefined
  /**
   * The id of the actor the token acts as, when the token names one: the gate's `resolveActor`
   * option then replaces the actor with the owner's current one (keeping the token's `token`,
   * `token_id`, `token_name`, `_r` and `token_expires`). Leave it out for a token that carries a
   * whole configured actor. @defaultValue null
   */
  readonly ownerId?: string | number | null | undefined
  /**
   * The token's own rate limit, which takes the place of the gate's `rateLimit` for it (a managed
   * token's `rateLimit`). @defaultValue null
   */
  readonly rateLimit?: RateLimit | null | undefined
}

/**
 * A token the chain verified: the actor, which source claimed the token, the token's id when it
 * has one, and its expiry. `gate.authenticate` returns the actor alone; adapters, events and
 * rate limits see the whole of it.
 */
export interface VerifiedToken {
  /** The actor the token stands for, frozen. */
  readonly actor: Actor
  /** The name of the source that claimed the token, such as `static`, `dstok` or `jwt`. */
  readonly source: string
  /** The token's own id, or `null` when it has none. */
  readonly tokenId: string | null
  /** When the token stops being valid, in unix seconds, or `null` for never. */
  readonly expiresAt: number | null
  /** The token's own rate limit, or `null` when the gate's default (if any) applies. */
  readonly rateLimit: RateLimit | null
}

/**
 * Turns a presented token into an actor. Returns `null` when the token is not this source's
 * ("not mine": the next source tries), a {@link TokenSourceResult} when it is this source's and
 * valid, and throws {@link InvalidTokenError} when it is this source's token but bad ("mine but
 * bad"). May answer with a promise (a store lookup); the chain stays synchronous while every
 * source it asks answers synchronously.
 *
 * @example
 * ```ts
 * const apiKeys: TokenSource = {
 *   name: 'api-keys',
 *   verify(token, { digest }) {
 *     const key = keysByHash.get(digest) // look tokens up by hash, never by value
 *     return key === undefined ? null : { actor: { id: key.owner }, tokenId: key.id }
 *   },
 * }
 * ```
 */
export interface TokenSource {
  /** A short name for logs and explanations, such as `static` or `dstok`. */
  readonly name: string
  /**
   * How long, in seconds, the chain may reuse this source's answer for the same token without
   * asking again: `Infinity` for answers that can only change with the token's expiry (a
   * signature that verified), a few seconds for a store that may revoke it, 0 or absent to ask
   * every time. Expiry (`expiresAt`, `notBefore`) is honoured on every request either way.
   * @defaultValue 0
   */
  readonly cacheFor?: number
  verify(token: string, context: TokenContext): TokenSourceResult | null | Promise<TokenSourceResult | null>
}
