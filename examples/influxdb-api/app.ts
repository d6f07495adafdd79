/**
 * An InfluxDB-3-style API on Express 5, guarded by tokengate: the system endpoints and the
 * write/query endpoints of InfluxDB 3, with InfluxDB's resource tokens modelled the tokengate
 * way (SPEC section 6, "One model for every token").
 *
 * | route | action checked | InfluxDB permission that grants it |
 * | --- | --- | --- |
 * | `GET /health` | `view-health` | `system:health:read` |
 * | `GET /ping` | `view-ping` | `system:ping:read` |
 * | `GET /metrics` | `view-metrics` | `system:metrics:read` |
 * | `POST /api/v3/write_lp?db=X` | `insert-row` on database X | `db:X:write` |
 * | `GET /api/v3/query_sql?db=X&q=…` | `execute-sql` on X (which also requires `view-database` on X) | `db:X:read` |
 *
 * A resource token is a `dstok_` token of an actor, restricted with the `_r` that
 * `parsePermissions(['db:sales:read', …])` compiles. What it may do is what its actor may do AND
 * what the restrictions admit, so a token can never exceed its creator:
 *
 * - `root` is the admin (the gate's `rootEnabled`): it may do everything, so its tokens may do
 *   exactly what their permission strings say;
 * - `analyst` may only read the `sales` database (the configuration below), so even a token of
 *   analyst's that says `db:sales:read,write` cannot write.
 *
 * `settings.default_deny` drops Datasette's default allows: as in InfluxDB, nothing is allowed
 * without a token that grants it.
 *
 * The `db` parameter is checked (present, once, non-empty) before the permission, since the
 * permission is checked on that database; a request without it is malformed (400) whoever sends it.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express'
import { type Gate, type TokengateConfig, createGate, requirePermission, tokenAuth } from 'tokengate'
import { LineProtocolError, TimeSeriesStore, parseLineProtocol } from './store.js'

/**
 * The gate's configuration. A `permissions` block that does not match an actor is a deny at its
 * level, and a deny beats root's global allow at the same or a more specific level; that is why
 * `root` is listed next to `analyst`.
 */
export const CONFIG: TokengateConfig = {
  settings: { default_deny: true },
  databases: {
    sales: {
      permissions: {
        'view-database': { id: ['root', 'analyst'] },
        'execute-sql': { id: ['root', 'analyst'] },
      },
    },
  },
}

/** The data the example starts with, in line protocol. */
export const SEED = {
  sales: [
    'orders,region=eu item="mug",qty=2i,price=12.5 1700000000000000000',
    'orders,region=us item="sticker",qty=10i,price=3 1700000060000000000',
  ].join('\n'),
  ops: 'cpu,host=web1 usage=0.42 1700000000000000000',
}

/** Options of {@link createApp}. */
export interface InfluxAppOptions {
  /**
   * The secret that signs and verifies `dstok_` tokens.
   * @defaultValue a random secret, so tokens die with the process
   */
  secret?: string
  /** The store to serve. @defaultValue a store seeded with {@link SEED} */
  store?: TimeSeriesStore
}

/** What {@link createApp} returns. */
export interface InfluxApp {
  /** The Express app, not listening. */
  app: Express
  /** The gate behind the middleware, to mint tokens. */
  gate: Gate
  /** The data the app serves. */
  store: TimeSeriesStore
}

function errorBody(status: number, message: string, errors: readonly string[] = [message]): object {
  return { ok: false, error: message, errors: [...errors], status }
}

/** The `db` query parameter; {@link requireDb} has made sure it is one non-empty string. */
function dbOf(req: Request): string {
  return req.query['db'] as string
}

/** 400 unless the request names its database once: `?db=NAME`. */
const requireDb: RequestHandler = (req, res, next) => {
  const db: unknown = req.query['db']
  if (typeof db !== 'string' || db === '') {
    res.status(400).json(errorBody(400, 'Name the database: ?db=NAME (once)'))
    return
  }
  next()
}

/** Errors handed to Express: the body reader's keep their status; anything else is a logged 500. */
const jsonErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(error)
    return
  }
  const { status, expose } = error as { status?: unknown; expose?: unknown }
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    res.status(status).json(errorBody(status, (error as Error).message))
    return
  }
  console.error(error)
  res.status(500).json(errorBody(500, 'Internal Server Error'))
}

/**
 * Build the InfluxDB-3-style Express app.
 *
 * @example
 * ```ts
 * import { parsePermissions } from 'tokengate'
 *
 * const { app, gate } = createApp()
 * const token = gate.createSignedToken({
 *   actorId: 'root',
 *   restrictions: parsePermissions(['db:sales:read', 'system:health:read']),
 * })
 * app.listen(8181)
 * ```
 */
export function createApp(options: InfluxAppOptions = {}): InfluxApp {
  const gate = createGate(CONFIG, { rootEnabled: true, secret: options.secret ?? randomBytes(32).toString('hex') })
  const store = options.store ?? new TimeSeriesStore(SEED)
  const lineProtocol = express.text({ type: () => true, limit: '1mb' })

  const app = express()
  app.disable('x-powered-by')
  app.use(tokenAuth(gate))

  app.get('/health', requirePermission('view-health'), (_req, res) => {
    res.type('text/plain').send(store.health())
  })
  app.get('/ping', requirePermission('view-ping'), (_req, res) => {
    res.json(store.ping())
  })
  app.get('/metrics', requirePermission('view-metrics'), (_req, res) => {
    res.type('text/plain; version=0.0.4').send(store.metrics())
  })

  app.post('/api/v3/write_lp', requireDb, requirePermission('insert-row', dbOf), lineProtocol, (req, res) => {
    const body: unknown = req.body
    if (typeof body !== 'string' || body.trim() === '') {
      res.status(400).json(errorBody(400, 'No data: send line protocol in the request body'))
      return
    }
    let points
    try {
      points = parseLineProtocol(body)
    } catch (error) {
      if (!(error instanceof LineProtocolError)) throw error
      res.status(400).json(errorBody(400, 'parsing failed for write_lp endpoint', [error.message]))
      return
    }
    if (points.length === 0) {
      res.status(400).json(errorBody(400, 'No data: the body holds only comments and blank lines'))
      return
    }
    store.write(dbOf(req), points)
    res.status(204).end()
  })

  app.get('/api/v3/query_sql', requireDb, requirePermission('execute-sql', dbOf), (req, res) => {
    const sql: unknown = req.query['q']
    if (typeof sql !== 'string' || sql.trim() === '') {
      res.status(400).json(errorBody(400, 'Send the query: ?q=SELECT * FROM table (once)'))
      return
    }
    const format: unknown = req.query['format']
    if (format !== undefined && format !== 'json') {
      res.status(400).json(errorBody(400, 'This demo answers format=json only'))
      return
    }
    const result = store.query(dbOf(req), sql)
    if (result.ok) res.json(result.rows)
    else res.status(result.status).json(errorBody(result.status, result.error))
  })

  app.use((_req, res) => {
    res.status(404).json(errorBody(404, 'Not found'))
  })
  app.use(jsonErrors)
  return { app, gate, store }
}
