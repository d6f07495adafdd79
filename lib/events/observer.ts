/**
 * What a gate observes of the requests it sees, in one place: the events it tells its `onEvent`
 * listener (SPEC section 11) and the usage log of managed tokens. The gate calls it at each step
 * of a request (authenticated or rejected, limited, allowed or denied, finished) and on every
 * token change; the adapters make one {@link RequestFacts} per request for it, and only when it
 * observes anything ({@link GateObserver.observing}), so a gate without a listener or usage log
 * pays nothing per request.
 *
 * @module
 * @internal
 */
import { type AnyTokengateError, InvalidTokenError } from '../errors.js'
import type { Place } from '../permissions/resolver.js'
import type { UsageOutcome } from '../store/token-store.js'
import type { TokenRecord } from '../tokens/token-manager.js'
import { type UsageRecorder, usagePath } from '../tokens/usage-log.js'
import type { Actor, VerifiedToken } from '../types.js'
import type { EventDispatcher } from './dispatcher.js'
import type { TokengateEvent, TokengateEventReason, TokengateEventType } from './event.js'

/**
 * What the gate knows of one request, made by the adapter when the gate observes requests, and
 * filled in as the request goes through tokenAuth and the guards. @internal
 */
export interface RequestFacts {
  readonly method: string
  /** Without the query string, which may carry a token. */
  readonly path: string
  readonly ip: string | null
  /** When the request came, whole unix seconds by the gate's clock. */
  readonly at: number
  /** The request's token, once verified. */
  verified: VerifiedToken | null
  /** The last check a guard made, and how the request fared. */
  action: string | null
  database: string | null
  resource: string | null
  outcome: UsageOutcome | null
  /** Whether the adapter must call `finished` when the response is sent (a managed token, with a usage log). */
  recordUsage: boolean
}

/** The name of the managed-token source (`tokens/managed.ts`), repeated to keep this module free of store code. */
const MANAGED = 'managed'

/** The actor's `id` as a string, or `null`. */
function actorIdOf(actor: Actor | null | undefined): string | null {
  const id = actor?.['id']
  if (typeof id === 'string') return id
  if (typeof id === 'number') return String(id)
  return null
}

/** A string field of an actor, or `null` (`token_id`, `token`: what a managed or signed token's actor says of it). */
function stringField(actor: Actor | null, key: string): string | null {
  const value = actor?.[key]
  return typeof value === 'string' ? value : null
}

/** A request's path without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/** The events and usage log of one gate. @internal */
export class GateObserver {
  readonly #events: EventDispatcher | null
  readonly #usage: UsageRecorder | null
  readonly #now: () => number
  /** Whether adapters should make {@link RequestFacts}: a listener or a usage log is there. */
  readonly observing: boolean

  constructor(events: EventDispatcher | null, usage: UsageRecorder | null, now: () => number) {
    this.#events = events
    this.#usage = usage
    this.#now = now
    this.observing = events !== null || usage !== null
  }

  /** The facts of a new request. */
  observe(method: string, url: string, ip: string | null): RequestFacts {
    return {
      method,
      path: pathOf(url),
      ip,
      at: Math.floor(this.#now()),
      verified: null,
      action: null,
      database: null,
      resource: null,
      outcome: null,
      recordUsage: false,
    }
  }

  #emit(
    type: TokengateEventType,
    facts: RequestFacts | undefined,
    fields: Partial<Omit<TokengateEvent, 'type' | 'at' | 'method' | 'path' | 'ip'>>,
  ): void {
    const events = this.#events
    if (events === null) return
    events.emit({
      type,
      at: facts?.at ?? Math.floor(this.#now()),
      actorId: fields.actorId ?? null,
      tokenId: fields.tokenId ?? null,
      source: fields.source ?? null,
      reason: fields.reason ?? null,
      action: fields.action ?? null,
      database: fields.database ?? null,
      resource: fields.resource ?? null,
      method: facts?.method ?? null,
      path: facts?.path ?? null,
      ip: facts?.ip ?? null,
      by: fields.by ?? null,
    })
  }

  /** A request's token verified. */
  authenticated(verified: VerifiedToken, facts: RequestFacts | undefined): void {
    if (facts !== undefined) {
      facts.verified = verified
      facts.recordUsage = this.#usage !== null && verified.source === MANAGED && verified.tokenId !== null
    }
    this.#emit('authenticated', facts, { actorId: actorIdOf(verified.actor), tokenId: verified.tokenId, source: verified.source })
  }

  /** A request's token (or header) was refused. */
  rejected(error: unknown, facts: RequestFacts | undefined): void {
    const code = (error as AnyTokengateError | undefined)?.code
    let reason: TokengateEventReason
    if (error instanceof InvalidTokenError) reason = error.reason
    else if (code === 'ERR_INVALID_REQUEST') reason = 'invalid_request'
    else return // a store that cannot answer (503) says nothing about the token
    this.#emit('rejected', facts, { reason })
  }

  /** Who a decision is about: the request's verified token when known, else what the actor says of its token. */
  #subject(actor: Actor | null, facts: RequestFacts | undefined): Pick<TokengateEvent, 'actorId' | 'tokenId' | 'source'> {
    const verified = facts?.verified
    if (verified !== null && verified !== undefined && verified.actor === actor) {
      return { actorId: actorIdOf(actor), tokenId: verified.tokenId, source: verified.source }
    }
    return { actorId: actorIdOf(actor), tokenId: stringField(actor, 'token_id'), source: stringField(actor, 'token') }
  }

  /** A guard decided (an action at a place, or `null` for requireActor). */
  decided(allowed: boolean, actor: Actor | null, action: string | null, place: Place, facts: RequestFacts | undefined): void {
    if (facts !== undefined) {
      // The usage log records the check a guard made; requireActor's (no action) keeps the last one.
      if (action !== null) {
        facts.action = action
        facts.database = place.database
        facts.resource = place.resource
      }
      facts.outcome = allowed ? 'allowed' : 'denied'
    }
    if (this.#events === null) return
    this.#emit(allowed ? 'allowed' : 'denied', facts, {
      ...this.#subject(actor, facts),
      reason: allowed ? null : actor === null ? 'authentication_required' : 'forbidden',
      action,
      database: place.database,
      resource: place.resource,
    })
  }

  /** A rate limit refused a request. */
  limited(verified: VerifiedToken, facts: RequestFacts | undefined): void {
    if (facts !== undefined) facts.outcome = 'limited'
    this.#emit('denied', facts, { actorId: actorIdOf(verified.actor), tokenId: verified.tokenId, source: verified.source, reason: 'rate_limited' })
  }

  /** A response was sent: the usage entry of a managed token's request. */
  finished(facts: RequestFacts, status: number): void {
    const verified = facts.verified
    if (this.#usage === null || verified === null || verified.tokenId === null) return
    this.#usage.note({
      tokenId: verified.tokenId,
      at: facts.at,
      method: facts.method,
      path: usagePath(facts.path),
      action: facts.action,
      database: facts.database,
      resource: facts.resource,
      outcome: facts.outcome ?? 'authenticated',
      status,
    })
  }

  /** A managed token was created, changed, revoked or rotated through `gate.tokens`. */
  tokenChanged(type: 'token.created' | 'token.updated' | 'token.revoked' | 'token.rotated', record: TokenRecord, by: string | null): void {
    this.#emit(type, undefined, { actorId: record.actorId, tokenId: record.id, source: MANAGED, by })
  }

  /** Deliver the queued events and write the waiting usage entries (tests, shutdown). */
  async settle(): Promise<void> {
    await this.#events?.settle()
    await this.#usage?.flush()
  }
}
