/**
 * Koa middleware `tokenAuth`: the Express adapter's twin, writing `ctx.state.actor`.
 *
 * @module
 */
import type { Context, Middleware, Next } from 'koa'
import type { TokengateConfigInput } from '../../config/config-types.js'
import { isTokengateError } from '../../errors.js'
import { type Gate, type GateOptions, authenticateNow } from '../../gate.js'
import type { CredentialsInput } from '../../tokens/bearer.js'
import type { Actor } from '../../types.js'
import { type AdapterOptions, type OnError, gateFrom, onErrorFrom } from '../shared.js'

declare module 'koa' {
  interface DefaultState {
    /** The actor set by tokengate's `tokenAuth`; `null` for an anonymous request. */
    actor?: Actor | null
  }
}

/** Options of the Koa {@link tokenAuth}: the gate's options plus the adapter's. */
export interface KoaTokenAuthOptions extends GateOptions, AdapterOptions {}

/** What tokenAuth leaves on the context for the guards. @internal */
export interface KoaState {
  readonly gate: Gate
  readonly onError: OnError
}

/** The context property under which tokenAuth leaves its state. @internal */
export const STATE: unique symbol = Symbol('tokengate')

type WithState = Context & { [STATE]?: KoaState }

/** The state tokenAuth left on a context, if it ran. @internal */
export function stateOf(ctx: Context): KoaState | undefined {
  return (ctx as WithState)[STATE]
}

/**
 * Answer an error as the options say: a tokengate client error (4xx) becomes the response
 * (status, challenge, JSON body); with `onError: 'next'`, and for anything else, it is thrown
 * for Koa's `ctx.onerror` and `app.on('error')`. Koa renders the error's `status`, `headers`
 * and (when `expose`) message unaided.
 * @internal
 */
export function fail(error: unknown, ctx: Context, onError: OnError): void {
  if (onError === 'respond' && isTokengateError(error) && error.status < 500) {
    ctx.status = error.status
    ctx.set(error.headers)
    ctx.body = error.toJSON()
    return
  }
  throw error
}

/**
 * Koa middleware that authenticates the request's bearer token and sets `ctx.state.actor`
 * (`null` when anonymous). Same behaviour and options as the Express `tokenAuth`.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { tokenAuth, requirePermission } from 'tokengate/koa'
 *
 * const app = new Koa()
 * app.use(tokenAuth('metadata.json'))
 * ```
 */
export function tokenAuth(config?: TokengateConfigInput | string | Gate, options: KoaTokenAuthOptions = {}): Middleware {
  const onError = onErrorFrom(options)
  const gate = gateFrom(config, options)
  const state: KoaState = Object.freeze({ gate, onError })
  return async function tokenAuth(ctx: Context, next: Next): Promise<void> {
    ;(ctx as WithState)[STATE] = state
    let actor: Actor | null
    try {
      const result = authenticateNow(gate, new KoaCredentials(ctx))
      actor = result instanceof Promise ? await result : result
    } catch (error) {
      fail(error, ctx, onError)
      return
    }
    ctx.state.actor = actor
    await next()
  }
}

/** What the gate reads from a Koa context; the query string only if the gate asks for it. */
class KoaCredentials implements CredentialsInput {
  readonly authorization: string | undefined
  readonly #ctx: Context

  constructor(ctx: Context) {
    this.authorization = ctx.headers.authorization
    this.#ctx = ctx
  }

  get query(): { readonly [key: string]: unknown } {
    return this.#ctx.query
  }
}
