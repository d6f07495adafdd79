/**
 * Koa endpoint `permissionsDebug`: the Express endpoint's twin.
 *
 * @module
 */
import type { Context, Middleware } from 'koa'
import { MiddlewareOrderError } from '../../errors.js'
import { checkOptionNames } from '../../internal/options.js'
import { ADAPTER_OPTIONS, type AdapterOptions, explainForDebug, onErrorFrom } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, stateOf } from './token-auth.js'

/**
 * Koa middleware answering `?action=…&database=…&resource=…` with the decision for
 * `ctx.state.actor`, guarded by `permissions-debug`. Same body and statuses as the Express one.
 */
export function permissionsDebug(options?: AdapterOptions): Middleware {
  checkOptionNames(options, ADAPTER_OPTIONS, 'permissionsDebug')
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return async function permissionsDebug(ctx: Context): Promise<void> {
    const state = stateOf(ctx)
    if (state === undefined) throw new MiddlewareOrderError('permissionsDebug() ran without tokenAuth in front of it: app.use(tokenAuth(config)) first')
    try {
      ctx.body = explainForDebug(state.gate, ctx.state.actor ?? null, (name) => ctx.query[name], factsOf(ctx, state))
    } catch (error) {
      fail(withIgnoredCredentials(error, state.internals, ctx.headers.authorization), ctx, override ?? state.onError)
    }
  }
}
