/**
 * Fastify guard `requireActor`: lets any authenticated caller through and answers 401 to an
 * anonymous one, for routes where who the caller is matters but no one action describes the
 * permission.
 *
 * @module
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { MiddlewareOrderError } from '../../errors.js'
import { checkOptionNames } from '../../internal/options.js'
import { ADAPTER_OPTIONS, type AdapterOptions, actorRequired, onErrorFrom } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import type { FastifyGuard } from './require-permission.js'
import { factsOf, fail, guardStateOf } from './state.js'

/**
 * Fastify guard: the request goes on when `request.actor` is set (any valid token); an anonymous
 * request gets 401 with `WWW-Authenticate: Bearer realm="…"` and the JSON body of SPEC section 8
 * (`Authentication required`), or the error goes to Fastify's error handler with
 * `onError: 'next'`. A request with an invalid token never gets here: the plugin already answered
 * 401.
 *
 * @param options - `onError`, overriding the plugin's for this guard.
 * @throws TypeError at once for an unknown option or a bad `onError`.
 * @example
 * ```ts
 * app.get('/-/me', { preHandler: requireActor() }, async (request) => ({ actor: request.actor }))
 * ```
 */
export function requireActor(options?: AdapterOptions): FastifyGuard {
  checkOptionNames(options, ADAPTER_OPTIONS, 'requireActor')
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return function requireActor(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const state = guardStateOf(request, 'requireActor()')
    if (state instanceof MiddlewareOrderError) {
      done(state)
      return
    }
    const error = actorRequired(state, request.actor, factsOf(request, state))
    if (error === null) {
      done()
      return
    }
    fail(withIgnoredCredentials(error, state.internals, request.headers.authorization), reply, done, override ?? state.onError)
  }
}
