/**
 * The Datasette-style data API again, on Fastify 5, with tokengate's Fastify plugin
 * (`tokengate/fastify`). Same routes, same answers, same metadata.json and the same in-memory
 * data module as the Express example (`examples/datasette-api/`); only the framework glue
 * differs: the plugin authenticates in an `onRequest` hook and sets `request.actor`, guards are
 * route hooks, and route parameters are `request.params`.
 *
 * | route | action checked |
 * | --- | --- |
 * | `GET /:db/:table` | `view-table` on db/table |
 * | `POST /:db/:table/-/insert` | `insert-row` on db/table |
 * | `POST /:db/:table/:id/-/update` | `update-row` on db/table |
 * | `POST /:db/:table/:id/-/delete` | `delete-row` on db/table |
 * | `GET /:db/-/query/:query` | `view-query` on db/query |
 * | `GET /-/permissions?action=…&database=…&resource=…` | `permissions-debug` |
 * | `GET /-/actor` | none: answers `{"actor": …}` for whoever calls |
 * | `/-/tokens`, `/-/api/tokens`, `/-/login` | with a token store: the token page, its API and one-time login links (`tokenAdmin`) |
 *
 * The guards of the routes that take a body run as `onRequest` hooks, so a caller who may not
 * write gets 401/403 before Fastify reads the body (as a `preHandler`, the default place for a
 * guard, it would run after the body is parsed). The read routes use `preHandler`.
 *
 * It does not load Express: the gate comes from `../datasette-api/demo-gate.ts`, which loads no
 * framework (tokengate's main entry loads its Express adapter's files, but not Express itself).
 *
 * @module
 */
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type Gate, type LoginLink, createLoginLink } from 'tokengate'
import { permissionsDebug, requirePermission, tokenAdmin, tokengate } from 'tokengate/fastify'
import { type ApiResult, DemoData } from '../datasette-api/data.js'
import { type DatasetteAppOptions, gateForDemo } from '../datasette-api/demo-gate.js'

export { DEMO_BOT_TOKEN } from '../datasette-api/demo-gate.js'

/** What {@link createApp} returns. */
export interface FastifyDatasetteApp {
  /** The Fastify app, not listening and not yet ready (`await app.ready()`, or `app.listen`). */
  app: FastifyInstance
  /** The gate behind the plugin, to sign tokens or explain checks. */
  gate: Gate
  /** The data the app serves. */
  data: DemoData
  /** One-time root login links for the token page (`/-/tokens`); `null` without a token store. */
  loginLink: LoginLink | null
}

/** The largest body accepted, in bytes (the Express example's `express.json` limit). */
const BODY_LIMIT = 100 * 1024

function errorBody(status: number, message: string): { ok: false; error: string; errors: string[]; status: number } {
  return { ok: false, error: message, errors: [message], status }
}

/** A 400 for a body that is not the JSON the routes take. */
function invalidJson(): Error & { statusCode: number } {
  return Object.assign(new Error('The request body is not valid JSON'), { statusCode: 400 })
}

/**
 * JSON bodies as `express.json()` reads them: an empty body is `{}` (the data module then answers
 * 400), and only an object or a list at the top is accepted (strict mode).
 */
function parseJson(_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8')
  if (text.trim() === '') {
    done(null, {})
    return
  }
  if (!/^\s*[[{]/.test(text)) {
    done(invalidJson())
    return
  }
  try {
    done(null, JSON.parse(text) as unknown)
  } catch {
    done(invalidJson())
  }
}

/** Any other content type: read (within the limit) and ignored, as `express.json()` ignores it. */
function ignoreBody(_request: FastifyRequest, _body: Buffer, done: (error: Error | null, body?: unknown) => void): void {
  done(null, undefined)
}

/**
 * Errors handed to Fastify: the body parser's (malformed JSON 400, too large 413) keep their
 * status; anything else is a bug, logged and answered 500.
 */
function jsonErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    const message = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request entity too large' : error.message
    reply.code(status).send(errorBody(status, message))
    return
  }
  console.error(error)
  reply.code(500).send(errorBody(500, 'Internal Server Error'))
}

function send(reply: FastifyReply, result: ApiResult): void {
  reply.code(result.status).send(result.body)
}

/** A route parameter; the routes below always have the ones they read. */
function param(request: FastifyRequest, name: string): string {
  const value = (request.params as { readonly [key: string]: unknown })[name]
  return typeof value === 'string' ? value : ''
}

/**
 * Build the Datasette-style Fastify app. Takes the Express example's options with the same
 * defaults.
 *
 * @example
 * ```ts
 * const { app, gate } = createApp({ secret: process.env.TOKENGATE_SECRET })
 * await app.listen({ port: 8003, host: '127.0.0.1' })
 * console.log(gate.createSignedToken({ actorId: 'root', expiresAfter: 3600 }))
 * ```
 * @throws ConfigError when the configuration is invalid (for example `BOT_TOKEN` set to "").
 */
export function createApp(options: DatasetteAppOptions = {}): FastifyDatasetteApp {
  const gate = gateForDemo(options)
  const data = options.data ?? new DemoData()

  const app = Fastify({ bodyLimit: BODY_LIMIT })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson)
  app.addContentTypeParser('*', { parseAs: 'buffer' }, ignoreBody)
  app.setErrorHandler(jsonErrors)
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send(errorBody(404, 'Not found'))
  })

  // With a token store, a browser may sign in (Datasette's ds_actor cookie, from a one-time
  // link) and manage tokens at /-/tokens and /-/api/tokens.
  const loginLink = options.tokenStore === undefined ? null : createLoginLink(gate)
  app.register(tokengate, { gate, actorCookie: loginLink !== null })
  if (loginLink !== null) app.register(tokenAdmin(gate, { loginLink }))

  app.get('/-/actor', (request, reply) => {
    reply.send({ actor: request.actor })
  })
  app.get('/-/permissions', permissionsDebug())

  app.get('/:db/-/query/:query', { preHandler: requirePermission('view-query', ':db', ':query') }, (request, reply) => {
    send(reply, data.runQuery(param(request, 'db'), param(request, 'query')))
  })
  app.get('/:db/:table', { preHandler: requirePermission('view-table', ':db', ':table') }, (request, reply) => {
    send(reply, data.viewTable(param(request, 'db'), param(request, 'table')))
  })
  app.post('/:db/:table/-/insert', { onRequest: requirePermission('insert-row', ':db', ':table') }, (request, reply) => {
    send(reply, data.insertRows(param(request, 'db'), param(request, 'table'), request.body))
  })
  app.post('/:db/:table/:id/-/update', { onRequest: requirePermission('update-row', ':db', ':table') }, (request, reply) => {
    send(reply, data.updateRow(param(request, 'db'), param(request, 'table'), param(request, 'id'), request.body))
  })
  app.post('/:db/:table/:id/-/delete', { onRequest: requirePermission('delete-row', ':db', ':table') }, (request, reply) => {
    send(reply, data.deleteRow(param(request, 'db'), param(request, 'table'), param(request, 'id')))
  })

  return { app, gate, data, loginLink }
}
