/**
 * How the adapters reach a gate's request path: a module-private symbol on every gate that
 * `createGate` makes, holding the calls each request needs (authenticate, limit, check), without
 * a promise or a credentials object when none is needed, and the request facts that events and
 * the usage log need, only when the gate has either. Not part of the public API: an application uses
 * `gate.authenticate` and `gate.check`.
 *
 * @module
 * @internal
 */
import type { AuthenticationRequiredError, RateLimitError } from '../errors.js'
import type { RequestFacts } from '../events/observer.js'
import type { CredentialsInput } from '../tokens/bearer.js'
import type { TokenChain } from '../tokens/chain.js'
import type { ResolveActor } from '../tokens/owner.js'
import type { Actor, VerifiedToken } from '../types.js'

/**
 * A rate limit's verdict on one request: the `RateLimit-Policy` and `RateLimit` headers every
 * limited response carries, and the 429 to answer when the request is over the limit (its
 * headers include them, and `Retry-After`). @internal
 */
export interface LimitVerdict {
  /** The `RateLimit-Policy` header: `"default";q=<points>;w=<seconds>`. */
  readonly policy: string
  /** The `RateLimit` header: `"default";r=<remaining>;t=<seconds to reset>`. */
  readonly state: string
  readonly error: RateLimitError | null
}

/** The key of a gate's internals. @internal */
export const GATE_INTERNALS: unique symbol = Symbol('tokengate.gate')

/** What the adapters call on every request. @internal */
export interface GateInternals {
  /** The gate's token chain (revocation forgets tokens through it). */
  readonly chain: TokenChain
  /** The gate's clock, in unix seconds. */
  readonly now: () => number
  /** The gate's `resolveActor` option, or `null`: token administration asks it for a token's owner. */
  readonly resolveActor: ResolveActor | null
  /** Whether the gate has a secret, so `ds_actor` cookies can be read. */
  readonly canReadActorCookie: boolean
  /**
   * The session of the request's `ds_actor` cookie (from its `Cookie` header), as a verified
   * token of source `ds_actor` (no token id, no limit of its own: the gate's `rateLimit` counts it
   * by actor id), told to the observer as `authenticated`; or `null` when there is no cookie or it
   * is not usable (a bad signature, expired: Datasette's rule, no error, no event).
   */
  sessionFromCookie(cookieHeader: string | readonly string[] | undefined, facts?: RequestFacts): VerifiedToken | null
  /** Write what is pending in the background now ("last used" times); for tests and shutdown. */
  settle(): Promise<void>
  /**
   * Authenticate a request: `null` when it presents no token, else the verified token.
   * Synchronous while every token source asked is; the query string is read (through
   * `queryOf`) only when a query parameter is configured. Errors carry the gate's realm.
   */
  authenticate<C>(
    authorization: string | readonly string[] | undefined,
    carrier: C,
    queryOf: (carrier: C) => CredentialsInput['query'],
    facts?: RequestFacts,
  ): VerifiedToken | null | Promise<VerifiedToken | null>
  /**
   * `gate.check` for arguments already checked (strings or null, never a resource without its
   * database): returns when allowed, allocating nothing; throws the coded 401/403 otherwise.
   */
  check(actor: Actor | null, action: string, database: string | null, resource: string | null, facts?: RequestFacts): void
  /**
   * Why a request with this Authorization header is anonymous (another scheme, `Bearer:`, a
   * bare token), for the 401 of a guard; `null` when there is nothing to say. Never the token.
   */
  ignoredCredentials(authorization: string | readonly string[] | undefined): string | null
  /** `requireActor`'s decision: `null` to go on, else the 401 to answer (with the gate's realm). */
  requireActor(actor: Actor | null | undefined, facts?: RequestFacts): AuthenticationRequiredError | null
  /**
   * Count a verified request against its rate limit (the token's own, else the gate's default):
   * `null` when no limit applies, else the verdict, at once when counted in memory. Never
   * rejects: Redis trouble is counted in memory.
   */
  limit(verified: VerifiedToken, facts?: RequestFacts): LimitVerdict | Promise<LimitVerdict> | null
  /**
   * Whether adapters should make {@link RequestFacts} for each request (with `observe`) and hand
   * them to every call above: true when the gate has an `onEvent` listener or a usage log.
   */
  readonly observing: boolean
  /** The facts of a new request: its method, its URL (the query string is dropped) and the client's address. */
  observe(method: string, url: string, ip: string | null): RequestFacts
  /** A response was sent (call it when `facts.recordUsage` is set): writes the usage entry, off the request path. */
  finished(facts: RequestFacts, status: number): void
}

/**
 * The internals of a gate made by `createGate`.
 * @throws TypeError naming `who` for anything else.
 * @internal
 */
export function internalsOf(gate: unknown, who: string): GateInternals {
  const internals =
    typeof gate === 'object' && gate !== null ? (gate as { [GATE_INTERNALS]?: GateInternals })[GATE_INTERNALS] : undefined
  if (internals === undefined) {
    throw new TypeError(`${who} needs a gate made by createGate(), a configuration object or the path of a metadata.json`)
  }
  return internals
}
