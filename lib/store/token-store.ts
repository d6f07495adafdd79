/**
 * The `TokenStore` contract: what every backend of managed tokens (SPEC section 9) implements,
 * and the record types it keeps. tokengate ships three (memory, SQLite, PostgreSQL); an
 * application may write its own against this interface (see docs/managed-tokens.md, "Writing
 * your own store"), and must then pass the same contract suite
 * (`__tests__/store/contract.ts`).
 *
 * Division of labour: the gate's token manager validates every argument, makes ids, tokens and
 * hashes, and turns the outcomes below into coded errors. A store only keeps rows, and makes the
 * few decisions that must be atomic where the data lives:
 * - a name is unique among one owner's tokens that are not revoked (`name_taken`);
 * - a revoked token cannot be updated or rotated (`revoked`);
 * - every change and its audit entry are written together, or not at all;
 * - every change is announced to {@link TokenStore.subscribe} listeners (on every instance that
 *   shares the store, where the backend can: PostgreSQL does, with LISTEN/NOTIFY).
 *
 * A store never sees a token: it keeps the SHA-256 of the token (hex) and a display start.
 *
 * @module
 */
import type { Restrictions } from '../types.js'

/** Where a token stands: `active`, `revoked`, or `expired` (a token both revoked and expired is `revoked`). */
export type TokenStatus = 'active' | 'revoked' | 'expired'

/** A per-token rate limit (SPEC section 11): at most `points` requests per `duration` seconds. */
export interface TokenRateLimit {
  readonly points: number
  readonly duration: number
}

/**
 * One managed token as a store keeps it. Every field is present; `null` when empty. Times are
 * whole unix seconds. The status is not stored: it follows from `revokedAt`, `expiresAt` and the
 * time of asking.
 */
export interface StoredToken {
  /** Random, 16 lower-case hex characters; not guessable from other ids. */
  readonly id: string
  /** SHA-256 of the whole token, lower-case hex: what a presented token is looked up by. Unique. */
  readonly hash: string
  /** Unique among one owner's tokens that are not revoked; 1 to 200 characters. */
  readonly name: string
  readonly description: string | null
  /** The owner: the id of the actor the token acts as. */
  readonly actorId: string
  /** The token's `_r` restrictions, or `null` for none (the token may do all its owner may). */
  readonly restrictions: Restrictions | null
  /** The permission strings the token was given, as given (compiled into `restrictions`), or `null`. */
  readonly permissions: readonly string[] | null
  readonly createdAt: number
  readonly createdBy: string | null
  readonly expiresAt: number | null
  readonly lastUsedAt: number | null
  readonly revokedAt: number | null
  readonly revokedBy: string | null
  /** What a person is shown to recognise the token: the prefix, `_` and 4 characters (`tgk_8kQ2`). */
  readonly start: string
  readonly rateLimit: TokenRateLimit | null
}

/** What a change to a token can set. Absent keys are left as they are; `null` clears. */
export interface TokenPatch {
  readonly name?: string
  readonly description?: string | null
  readonly restrictions?: Restrictions | null
  readonly permissions?: readonly string[] | null
  readonly expiresAt?: number | null
  readonly rateLimit?: TokenRateLimit | null
}

/** What the audit log records a change as. */
export type AuditAction = 'create' | 'update' | 'revoke' | 'rotate'

/**
 * One audit entry: who changed which token, when, how, and what changed (never a token or a
 * hash; for `rotate`, only the new display start).
 */
export interface AuditEntry {
  readonly tokenId: string
  readonly action: AuditAction
  /** Unix seconds. */
  readonly at: number
  /** Who made the change (an actor id, or a label such as `cli`), or `null` when unknown. */
  readonly by: string | null
  /** The fields the change set, by their record names, with their new values (JSON). */
  readonly changes: { readonly [field: string]: unknown }
}

/** An audit entry as read back, with its place in the log. */
export interface StoredAuditEntry extends AuditEntry {
  /** Increases with every entry the store appends. */
  readonly seq: number
}

/** Which tokens {@link TokenStore.list} returns: newest first, by `(createdAt, id)` descending. */
export interface TokenStoreQuery {
  /** Only this owner's tokens. */
  readonly actorId?: string | undefined
  /** Only tokens with this status at `now`. */
  readonly status?: TokenStatus | undefined
  /** At most this many rows. */
  readonly limit: number
  /** Only rows strictly after this one in the order (the last row of the previous page). */
  readonly after?: { readonly createdAt: number; readonly id: string } | undefined
  /** The time `status` is judged at, unix seconds. */
  readonly now: number
}

/** A write that did what was asked, with the row as it now is. */
export interface WriteDone {
  readonly ok: true
  readonly token: StoredToken
}

/** A write the store refused; nothing was written. */
export interface WriteRefused<P extends 'not_found' | 'revoked' | 'name_taken'> {
  readonly ok: false
  /** `not_found`: no token has the id. `revoked`: it is revoked. `name_taken`: the owner has a live token of that name. */
  readonly problem: P
}

/**
 * How a request made with a managed token ended, for its usage log:
 * - `allowed`: a guard allowed it (the last guard's check is recorded);
 * - `denied`: a guard denied it (401 or 403);
 * - `limited`: a rate limit refused it (429);
 * - `authenticated`: the token verified and no guard checked anything.
 */
export type UsageOutcome = 'allowed' | 'denied' | 'limited' | 'authenticated'

/**
 * One request made with a managed token (SPEC section 11): when, what was asked, the check a
 * guard made (the action and its place), and how it ended. Never the token, never a query
 * string.
 */
export interface UsageEntry {
  readonly tokenId: string
  /** When the request came, in whole unix seconds. */
  readonly at: number
  readonly method: string
  /** The path, without the query string (at most 2000 characters). */
  readonly path: string
  /** The checked action's full name, or `null` when no guard checked one. */
  readonly action: string | null
  readonly database: string | null
  readonly resource: string | null
  readonly outcome: UsageOutcome
  /** The HTTP status the response was sent with. */
  readonly status: number
}

/** A usage entry as read back, with its place in the log. */
export interface StoredUsageEntry extends UsageEntry {
  /** Increases with every entry the store appends. */
  readonly seq: number
}

/** Which usage entries {@link TokenStore.usage} returns: one token's, newest first. */
export interface UsageQuery {
  /** At most this many. */
  readonly limit: number
  /** Only entries older than this one (the `seq` of the last entry of the previous page). */
  readonly before?: number | undefined
}

/** What a store tells its listeners. */
export type TokenStoreEvent =
  /** A token was created, changed, revoked or rotated (maybe by another instance). */
  | { readonly type: 'changed'; readonly tokenId: string }
  /**
   * Changes may have been missed (a PostgreSQL LISTEN connection was re-established): forget
   * everything remembered about any token.
   */
  | { readonly type: 'reset' }

/** A listener of {@link TokenStore.subscribe}. It must not throw; what it throws is ignored. */
export type TokenStoreListener = (event: TokenStoreEvent) => void

/**
 * A backend for managed tokens. Every method but {@link TokenStore.findByHash} and
 * {@link TokenStore.subscribe} returns a promise. A method that cannot reach its data rejects (or
 * throws) with any error: the gate answers requests 503 `Token store unavailable` and the token
 * manager rejects with a `StoreUnavailableError`, keeping the error as `cause`.
 *
 * @example
 * ```ts
 * const store: TokenStore = await openTokenStore('sqlite:tokens.db')
 * const gate = createGate('metadata.json', { tokenStore: store })
 * ```
 */
export interface TokenStore {
  /** A short description for messages, never a password: `memory:`, `sqlite:/srv/tokens.db`, `postgres://db.internal/app`. */
  readonly description: string
  /**
   * The token whose hash this is, or `null`. On every request that presents a managed token the
   * gate's cache cannot answer, so keep it fast: it may answer synchronously (memory, SQLite),
   * which keeps the request path free of promises.
   */
  findByHash(hash: string): StoredToken | null | Promise<StoredToken | null>
  /** The token with this id, or `null`. */
  get(id: string): Promise<StoredToken | null>
  /** Tokens matching the query, newest first. */
  list(query: TokenStoreQuery): Promise<StoredToken[]>
  /** Add a token and its `create` audit entry. */
  insert(token: StoredToken, audit: AuditEntry): Promise<WriteDone | WriteRefused<'name_taken'>>
  /** Change a token that is not revoked, and append the `update` audit entry. */
  update(id: string, patch: TokenPatch, audit: AuditEntry): Promise<WriteDone | WriteRefused<'not_found' | 'revoked' | 'name_taken'>>
  /**
   * Revoke a token (set `revokedAt`, `revokedBy`) and append the `revoke` audit entry, unless it
   * is revoked already: then nothing is written and `changed` is false.
   */
  revoke(id: string, audit: AuditEntry): Promise<(WriteDone & { readonly changed: boolean }) | WriteRefused<'not_found'>>
  /** Give a token that is not revoked a new hash and start, and append the `rotate` audit entry. */
  rotate(
    id: string,
    secret: { readonly hash: string; readonly start: string },
    audit: AuditEntry,
  ): Promise<WriteDone | WriteRefused<'not_found' | 'revoked'>>
  /**
   * Record when tokens were last used: for each id, `lastUsedAt` becomes the later of its value
   * and the given time. Unknown ids are ignored. No audit entry, no event.
   */
  touch(uses: ReadonlyMap<string, number>): Promise<void>
  /** A token's audit entries, oldest first. */
  audit(tokenId: string): Promise<StoredAuditEntry[]>
  /**
   * Append requests to the tokens' usage logs, in one batch, then drop each token's entries but
   * its newest `keep`. Entries of unknown token ids are kept all the same (the token may have
   * been made by another instance a moment ago). No event.
   */
  appendUsage(entries: readonly UsageEntry[], keep: number): Promise<void>
  /** A token's usage entries, newest first, a page at a time. */
  usage(tokenId: string, query: UsageQuery): Promise<StoredUsageEntry[]>
  /**
   * Be told of changes: after every write this store makes, and, where the backend can, of
   * writes other instances make. Returns the function that stops it.
   */
  subscribe(listener: TokenStoreListener): () => void
  /** Release connections and files. Idempotent. */
  close(): Promise<void>
}

/** The status of a stored token at `now` (unix seconds): revoked wins over expired. */
export function statusOf(token: Pick<StoredToken, 'revokedAt' | 'expiresAt'>, now: number): TokenStatus {
  if (token.revokedAt !== null) return 'revoked'
  if (token.expiresAt !== null && now >= token.expiresAt) return 'expired'
  return 'active'
}

/**
 * Call every listener with an event; a listener that throws does not stop the others.
 * @internal
 */
export function emit(listeners: ReadonlySet<TokenStoreListener>, event: TokenStoreEvent): void {
  for (const listener of listeners) {
    try {
      listener(event)
    } catch {
      // A listener must not throw; if it does, the store and the other listeners carry on.
    }
  }
}
