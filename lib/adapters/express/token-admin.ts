/**
 * Express mount of token administration, `tokenAdmin(gate, options)` (SPEC section 10): the JSON
 * API, InfluxDB 3's token endpoints (`influx: true`), the token page and a one-time login link.
 * It only translates: the handlers are framework-neutral (`lib/admin/`), and this file turns an
 * Express request into their plain request and their plain response into an Express response.
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { readJsonBody } from '../../admin/body.js'
import { adminOrderError, queryValues } from '../../admin/mount.js'
import { createTokenAdminCore } from '../../admin/token-admin.js'
import type { AdminResponse, TokenAdminOptions } from '../../admin/types.js'
import type { Gate } from '../../gate.js'
import { crossOriginRefusal } from '../../sessions/cross-origin.js'
import { type AdapterOptions, onErrorFrom } from '../shared.js'
import { factsOf, fail, originOf, stateOf } from './token-auth.js'

/** Options of the Express {@link tokenAdmin}. */
export interface ExpressTokenAdminOptions extends TokenAdminOptions, AdapterOptions {}

function send(res: Response, response: AdminResponse): void {
  res.status(response.status)
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
  if (response.body === null) {
    res.end()
  } else if (typeof response.body === 'string') {
    res.send(response.body)
  } else {
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.send(JSON.stringify(response.body))
  }
}

/**
 * Express middleware serving token administration: mount it after `tokenAuth`, which says who
 * the caller is. Requests for other paths go on to the rest of the app.
 *
 * | method and path | answer |
 * | --- | --- |
 * | `POST /-/api/tokens` | 201 the record and the token (`auth-tokens-create`) |
 * | `GET /-/api/tokens` | 200 `{tokens, next}`: your tokens, everyone's with `auth-tokens-view-all` |
 * | `GET /-/api/tokens/:id` | 200 the record and its audit history; 404 when not yours to see |
 * | `PATCH /-/api/tokens/:id` | 200 the changed record (owner or `auth-tokens-edit-all`) |
 * | `POST /-/api/tokens/:id/revoke`, `DELETE /-/api/tokens/:id` | 200, idempotent (owner or `auth-tokens-revoke-all`) |
 * | `POST /-/api/tokens/:id/rotate` | 201 with the new token (owner or `auth-tokens-edit-all`) |
 * | `GET /-/tokens` | the token page |
 *
 * Bodies are read here (JSON only, `bodyLimit` bytes). A request that changes something and
 * carries a cookie is checked for cross-origin use first. No token can be granted more than its
 * owner may do, and token callers are refused unless `allowTokenCallers`.
 *
 * @param gate - the gate, with a token store (`gate.tokens`).
 * @param options - paths, `influx`, `allowTokenCallers`, `maxExpiresAfter`, `bodyLimit`,
 * `loginLink`, `signInUrl` and `onError`; see {@link TokenAdminOptions}.
 * @throws TypeError at once for a gate without a token store, or a bad or unknown option.
 * @example
 * ```ts
 * const gate = createGate('metadata.json', { tokenStore: await openTokenStore('sqlite:tokens.db') })
 * app.use(tokenAuth(gate, { actorCookie: true }))
 * app.use(tokenAdmin(gate, { influx: true, maxExpiresAfter: 90 * 86400 }))
 * ```
 */
export function tokenAdmin(gate: Gate, options: ExpressTokenAdminOptions = {}): RequestHandler {
  const core = createTokenAdminCore(gate, options)
  const override = options.onError === undefined ? undefined : onErrorFrom(options)
  return function tokenAdmin(req: Request, res: Response, next: NextFunction): void {
    const matched = core.match(req.method, req.path)
    if (matched === null) {
      next()
      return
    }
    const state = stateOf(req)
    if (state === undefined) {
      next(adminOrderError())
      return
    }
    const onError = override ?? state.onError
    const run = async (): Promise<void> => {
      const refused = crossOriginRefusal({ method: req.method, headers: req.headers, origin: () => originOf(req) })
      if (refused !== null) throw refused
      const body = matched.route.body ? await readJsonBody(req, core.bodyLimit, (req as { body?: unknown }).body) : undefined
      const question = req.originalUrl.indexOf('?')
      const response = await core.handle(matched, {
        method: req.method.toUpperCase(),
        path: req.path,
        params: matched.params,
        query: queryValues(question === -1 ? '' : req.originalUrl.slice(question + 1)),
        body,
        actor: req.actor ?? null,
        headers: req.headers,
        mountPath: req.baseUrl,
        facts: core.ownsFacts(state.internals) ? factsOf(req, state) : undefined,
        secure: req.secure,
      })
      send(res, response)
    }
    run().catch((error: unknown) => fail(error, res, next, onError))
  }
}
