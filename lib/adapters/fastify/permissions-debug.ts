/**
 * Fastify route handler `permissionsDebug`: explains a check for the current actor as JSON
 * (Datasette's permissions-debug idea). It is itself guarded by the `permissions-debug` action.
 *
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { MiddlewareOrderError } from '../../errors.js'
import { checkOptionNames } from '../../internal/options.js'
import { ADAPTER_OPTIONS, type AdapterOptions, explainForDebug, onErrorFrom } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, guardStateOf } from './state.js'

/** A Fastify route handler that answers by itself (through `reply`). */
export type FastifyEndpoint = (request: FastifyRequest, reply: FastifyReply) => void

/**
 * A GET handler answering `?action=…&database=…&resource=…` with the decision for
 * `request.actor`: `{"ok": true, "actor": …, "decision": {allowed, reason, rules, restriction, alsoRequires, …}}`.
 * The actor needs `permissions-debug` (instance level; denied by default) or gets 401/403.
 * A missing, empty, unknown or repeated action, or a resource without its database, answers 400
 * (`ERR_INVALID_PARAMETER`).
 *
 * @param options - `onError`, overriding the plugin's for this endpoint.
 * @throws TypeError at once for an unknown option or a bad `onError`.
 * @example
 * ```ts
 * app.get('/-/permissions', permissionsDebug())
 * // curl -H 'Authorization: Bearer …' 'http://localhost:3000/-/permissions?action=insert-row&database=docs&resource=documents'
 * ```
 */
export function permissionsDebug(options?: AdapterOptions): FastifyEndpoint {
  checkOptionNames(options, ADAPTER_OPTIONS, 'permissionsDebug')
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return function permissionsDebug(request: FastifyRequest, reply: FastifyReply): void {
    const toFastify = (error: Error): void => {
      reply.send(error)
    }
    const state = guardStateOf(request, 'permissionsDebug()')
    if (state instanceof MiddlewareOrderError) {
      toFastify(state)
      return
    }
    const query = request.query as { readonly [key: string]: unknown } | undefined
    let body: ReturnType<typeof explainForDebug>
    try {
      body = explainForDebug(state.gate, request.actor, (name) => query?.[name], factsOf(request, state))
    } catch (error) {
      fail(withIgnoredCredentials(error, state.internals, request.headers.authorization), reply, toFastify, override ?? state.onError)
      return
    }
    reply.send(body)
  }
}
