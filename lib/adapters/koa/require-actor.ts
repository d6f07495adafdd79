/**
 * Koa guard `requireActor`: the Express guard's twin, reading `ctx.state.actor`.
 *
 * @module
 */
import type { Context, Middleware, Next } from 'koa'
import { MiddlewareOrderError } from '../../errors.js'
import { checkOptionNames } from '../../internal/options.js'
import { ADAPTER_OPTIONS, type AdapterOptions, actorRequired, onErrorFrom } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, stateOf } from './token-auth.js'

/**
 * Koa guard: any authenticated caller goes on; an anonymous request gets 401 with the challenge
 * (`Authentication required`). Without `tokenAuth` in front it throws `ERR_MIDDLEWARE_ORDER`.
 *
 * @example
 * ```ts
 * router.get('/-/me', requireActor(), (ctx) => { ctx.body = { actor: ctx.state.actor } })
 * ```
 */
export function requireActor(options?: AdapterOptions): Middleware {
  checkOptionNames(options, ADAPTER_OPTIONS, 'requireActor')
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return async function requireActor(ctx: Context, next: Next): Promise<void> {
    const state = stateOf(ctx)
    if (state === undefined) {
      throw new MiddlewareOrderError('requireActor() ran without tokenAuth in front of it: app.use(tokenAuth(config)) before the guarded routes')
    }
    const error = actorRequired(state, ctx.state.actor, factsOf(ctx, state))
    if (error !== null) {
      fail(withIgnoredCredentials(error, state.internals, ctx.headers.authorization), ctx, override ?? state.onError)
      return
    }
    await next()
  }
}
