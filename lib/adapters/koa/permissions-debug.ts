/**
 * Koa endpoint `permissionsDebug`: the Express endpoint's twin.
 *
 * @module
 */
import type { Context, Middleware } from 'koa'
import { InvalidParameterError, MiddlewareOrderError } from '../../errors.js'
import { type AdapterOptions, onErrorFrom } from '../shared.js'
import { fail, stateOf } from './token-auth.js'

function single(ctx: Context, name: string): string | null {
  const value: unknown = ctx.query[name]
  if (value === undefined || value === '') return null
  if (typeof value !== 'string') throw new InvalidParameterError(name, `Send the ${name} query parameter once, as a plain string`)
  return value
}

/**
 * Koa middleware answering `?action=…&database=…&resource=…` with the decision for
 * `ctx.state.actor`, guarded by `permissions-debug`. Same body and statuses as the Express one.
 */
export function permissionsDebug(options?: AdapterOptions): Middleware {
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return async function permissionsDebug(ctx: Context): Promise<void> {
    const state = stateOf(ctx)
    if (state === undefined) throw new MiddlewareOrderError('permissionsDebug() ran without tokenAuth in front of it: app.use(tokenAuth(config)) first')
    const actor = ctx.state.actor ?? null
    try {
      state.gate.check(actor, 'permissions-debug')
      const action = single(ctx, 'action')
      if (action === null) throw new InvalidParameterError('action', 'Name the action to explain: ?action=view-table&database=…&resource=…')
      if (state.gate.actions.get(action) === undefined) throw new InvalidParameterError('action', `Unknown action ${JSON.stringify(action)}`)
      const database = single(ctx, 'database')
      const resource = single(ctx, 'resource')
      if (resource !== null && database === null) throw new InvalidParameterError('database', 'A resource needs its database: add ?database=…')
      ctx.body = { ok: true, actor, decision: state.gate.explain(actor, action, { database, resource }) }
    } catch (error) {
      fail(error, ctx, override ?? state.onError)
    }
  }
}
