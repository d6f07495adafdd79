/**
 * A Datasette-style data API on Express 5, guarded by tokengate and driven by `metadata.json`
 * (Datasette's own format: allow blocks, permissions blocks, named queries and a
 * datasette-auth-tokens static token for a bot).
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
 * Permission comes first, existence second: a caller who may not see a table gets 401/403 even
 * when the table does not exist, so the answers reveal nothing to them. Bodies are parsed only
 * after the guard has let the request through.
 *
 * This module builds the app and never listens; `server.ts` does, and the tests drive
 * {@link createApp} with supertest.
 *
 * @module
 */
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express'
import {
  type Gate,
  type LoginLink,
  createLoginLink,
  permissionsDebug,
  requirePermission,
  tokenAdmin,
  tokenAuth,
} from 'tokengate'
import { type ApiResult, DemoData } from './data.js'
import { type DatasetteAppOptions, gateForDemo } from './demo-gate.js'

export { DEMO_BOT_TOKEN, METADATA, type DatasetteAppOptions, gateForDemo } from './demo-gate.js'

/** What {@link createApp} returns. */
export interface DatasetteApp {
  /** The Express app, not listening. */
  app: Express
  /** The gate behind the middleware, to sign tokens or explain checks. */
  gate: Gate
  /** The data the app serves. */
  data: DemoData
  /**
   * One-time root login links for the token page (`/-/tokens`), as `datasette --root` prints;
   * `null` without a token store.
   */
  loginLink: LoginLink | null
}


/** A route parameter; the routes below always have the ones they read. */
function param(req: Request, name: string): string {
  const value = req.params[name]
  return typeof value === 'string' ? value : ''
}

function send(res: Response, result: ApiResult): void {
  res.status(result.status).json(result.body)
}

function errorBody(status: number, message: string): { ok: false; error: string; errors: string[]; status: number } {
  return { ok: false, error: message, errors: [message], status }
}

/** Unknown paths: a JSON 404 instead of Express's HTML page. */
const notFound: RequestHandler = (_req, res) => {
  res.status(404).json(errorBody(404, 'Not found'))
}

/**
 * Errors handed to Express: the JSON body parser's (malformed JSON 400, too large 413, bad
 * charset 415) keep their status; anything else is a bug, logged and answered 500.
 */
const jsonErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(error)
    return
  }
  const { status, expose, type } = error as { status?: unknown; expose?: unknown; type?: unknown }
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    const message = type === 'entity.parse.failed' ? 'The request body is not valid JSON' : (error as Error).message
    res.status(status).json(errorBody(status, message))
    return
  }
  console.error(error)
  res.status(500).json(errorBody(500, 'Internal Server Error'))
}

/**
 * Build the Datasette-style Express app.
 *
 * @example
 * ```ts
 * const { app, gate } = createApp({ secret: process.env.TOKENGATE_SECRET })
 * app.listen(8001)
 * console.log(gate.createSignedToken({ actorId: 'root', expiresAfter: 3600 }))
 * ```
 * @throws ConfigError when the configuration is invalid (for example `BOT_TOKEN` set to "").
 */
export function createApp(options: DatasetteAppOptions = {}): DatasetteApp {
  const gate = gateForDemo(options)
  const data = options.data ?? new DemoData()
  const json = express.json({ limit: '100kb' })

  const app = express()
  app.disable('x-powered-by')
  // With a token store, a browser may sign in (Datasette's ds_actor cookie, from a one-time
  // link) and manage tokens at /-/tokens and /-/api/tokens.
  const loginLink = options.tokenStore === undefined ? null : createLoginLink(gate)
  app.use(tokenAuth(gate, { actorCookie: loginLink !== null }))
  if (loginLink !== null) app.use(tokenAdmin(gate, { loginLink }))

  // The /-/ routes come first: /:db/:table would otherwise match /-/actor.
  app.get('/-/actor', (req, res) => {
    res.json({ actor: req.actor ?? null })
  })
  app.get('/-/permissions', permissionsDebug())

  app.get('/:db/-/query/:query', requirePermission('view-query', ':db', ':query'), (req, res) => {
    send(res, data.runQuery(param(req, 'db'), param(req, 'query')))
  })
  app.get('/:db/:table', requirePermission('view-table', ':db', ':table'), (req, res) => {
    send(res, data.viewTable(param(req, 'db'), param(req, 'table')))
  })
  app.post('/:db/:table/-/insert', requirePermission('insert-row', ':db', ':table'), json, (req, res) => {
    send(res, data.insertRows(param(req, 'db'), param(req, 'table'), req.body))
  })
  app.post('/:db/:table/:id/-/update', requirePermission('update-row', ':db', ':table'), json, (req, res) => {
    send(res, data.updateRow(param(req, 'db'), param(req, 'table'), param(req, 'id'), req.body))
  })
  app.post('/:db/:table/:id/-/delete', requirePermission('delete-row', ':db', ':table'), (req, res) => {
    send(res, data.deleteRow(param(req, 'db'), param(req, 'table'), param(req, 'id')))
  })

  app.use(notFound)
  app.use(jsonErrors)
  return { app, gate, data, loginLink }
}
