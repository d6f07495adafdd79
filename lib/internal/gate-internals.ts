/**
 * How the adapters reach a gate's request path: a module-private symbol on every gate that
 * `createGate` makes, holding the two calls each request needs, without a promise or a
 * credentials object when none is needed. Not part of the public API: an application uses
 * `gate.authenticate` and `gate.check`.
 *
 * @module
 * @internal
 */
import type { CredentialsInput } from '../tokens/bearer.js'
import type { TokenChain } from '../tokens/chain.js'
import type { ResolveActor } from '../tokens/owner.js'
import type { Actor, VerifiedToken } from '../types.js'

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
   * The actor of the request's `ds_actor` cookie (from its `Cookie` header), or `null` when there
   * is none or it is not usable (a bad signature, expired: Datasette's rule, no error).
   */
  actorFromCookie(cookieHeader: string | readonly string[] | undefined): Actor | null
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
  ): VerifiedToken | null | Promise<VerifiedToken | null>
  /**
   * `gate.check` for arguments already checked (strings or null, never a resource without its
   * database): returns when allowed, allocating nothing; throws the coded 401/403 otherwise.
   */
  check(actor: Actor | null, action: string, database: string | null, resource: string | null): void
  /**
   * Why a request with this Authorization header is anonymous (another scheme, `Bearer:`, a
   * bare token), for the 401 of a guard; `null` when there is nothing to say. Never the token.
   */
  ignoredCredentials(authorization: string | readonly string[] | undefined): string | null
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
