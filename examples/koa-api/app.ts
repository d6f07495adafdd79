/**
 * The Datasette-style data API again, on Koa 3 and @koa/router, with tokengate's Koa adapter
 * (`tokengate/koa`). Same routes, same answers, same metadata.json and the same in-memory data
 * module as the Express example (`examples/datasette-api/`); only the framework glue differs:
 * the actor is `ctx.state.actor`, route parameters are `ctx.params`, and the JSON body is read
 * by a small reader here (Koa has no body parser of its own).
 *
 * @module
 */
import { Router } from '@koa/router'
import Koa, { type Context, type Middleware } from 'koa'
import { type Gate, type LoginLink, createLoginLink } from 'tokengate'
import { permissionsDebug, requirePermission, tokenAdmin, tokenAuth } from 'tokengate/koa'
import { type DatasetteAppOptions, gateForDemo } from '../datasette-api/demo-gate.js'
import { type ApiResult, DemoData } from '../datasette-api/data.js'

/** What {@link createApp} returns. */
export interface KoaDatasetteApp {
  /** The Koa app, not listening; `app.callback()` is its request listener. */
  app: Koa
  /** The gate behind the middleware, to sign tokens or explain checks. */
  gate: Gate
  /** The data the app serves. */
  data: DemoData
  /** One-time root login links for the token page (`/-/tokens`); `null` without a token store. */
  loginLink: LoginLink | null
}

/** The largest JSON body accepted, in bytes (the Express example's `express.json` limit). */
const BODY_LIMIT = 100 * 1024

/** An error this app answers itself, with its status and message. */
class HttpError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

function errorBody(status: number, message: string): { ok: false; error: string; errors: string[]; status: number } {
  return { ok: false, error: message, errors: [message], status }
}

/**
 * The request body as JSON, read as `express.json()` reads it: a body that is not
 * `application/json` is `undefined` and an empty one `{}` (the data module then answers 400);
 * anything but an object or a list at the top, or malformed JSON, is 400; too large a body is 413.
 */
async function readJson(ctx: Context): Promise<unknown> {
  if (typeof ctx.is('application/json') !== 'string') return undefined
  const declared = Number(ctx.get('Content-Length') || 0)
  if (declared > BODY_LIMIT) throw new HttpError(413, 'request entity too large')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of ctx.req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > BODY_LIMIT) throw new HttpError(413, 'request entity too large')
    chunks.push(buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {} // as express.json answers an empty JSON body
  // Like express.json's strict mode: only an object or a list at the top.
  if (!/^\s*[[{]/.test(text)) throw new HttpError(400, 'The request body is not valid JSON')
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON')
  }
}

/** Errors thrown further down: this app's own keep their status; anything else is a logged 500. */
const jsonErrors: Middleware = async (ctx, next) => {
  try {
    await next()
  } catch (error) {
    if (error instanceof HttpError) {
      ctx.status = error.status
      ctx.body = errorBody(error.status, error.message)
      return
    }
    ctx.status = 500
    ctx.body = errorBody(500, 'Internal Server Error')
    ctx.app.emit('error', error, ctx)
  }
}

function send(ctx: Context, result: ApiResult): void {
  ctx.status = result.status
  ctx.body = result.body
}

/** A route parameter; the routes below always have the ones they read. */
function param(ctx: Context, name: string): string {
  const value: unknown = (ctx as Context & { params?: { readonly [key: string]: unknown } }).params?.[name]
  return typeof value === 'string' ? value : ''
}

/**
 * Build the Datasette-style Koa app. Takes the Express example's options (configuration,
 * secret, env, rootEnabled, data) with the same defaults.
 *
 * @example
 * ```ts
 * const { app, gate } = createApp()
 * app.listen(8002)
 * ```
 * @throws ConfigError when the configuration is invalid.
 */
export function createApp(options: DatasetteAppOptions = {}): KoaDatasetteApp {
  const gate = gateForDemo(options)
  const data = options.data ?? new DemoData()
  const router = new Router()

  // The /-/ routes come first: /:db/:table would otherwise match /-/actor.
  router.get('/-/actor', (ctx) => {
    ctx.body = { actor: ctx.state.actor ?? null }
  })
  router.get('/-/permissions', permissionsDebug())

  router.get('/:db/-/query/:query', requirePermission('view-query', ':db', ':query'), (ctx) => {
    send(ctx, data.runQuery(param(ctx, 'db'), param(ctx, 'query')))
  })
  router.get('/:db/:table', requirePermission('view-table', ':db', ':table'), (ctx) => {
    send(ctx, data.viewTable(param(ctx, 'db'), param(ctx, 'table')))
  })
  router.post('/:db/:table/-/insert', requirePermission('insert-row', ':db', ':table'), async (ctx) => {
    send(ctx, data.insertRows(param(ctx, 'db'), param(ctx, 'table'), await readJson(ctx)))
  })
  router.post('/:db/:table/:id/-/update', requirePermission('update-row', ':db', ':table'), async (ctx) => {
    send(ctx, data.updateRow(param(ctx, 'db'), param(ctx, 'table'), param(ctx, 'id'), await readJson(ctx)))
  })
  router.post('/:db/:table/:id/-/delete', requirePermission('delete-row', ':db', ':table'), (ctx) => {
    send(ctx, data.deleteRow(param(ctx, 'db'), param(ctx, 'table'), param(ctx, 'id')))
  })

  const app = new Koa()
  app.use(jsonErrors)
  // With a token store, a browser may sign in (Datasette's ds_actor cookie, from a one-time
  // link) and manage tokens at /-/tokens and /-/api/tokens.
  const loginLink = options.tokenStore === undefined ? null : createLoginLink(gate)
  app.use(tokenAuth(gate, { actorCookie: loginLink !== null }))
  if (loginLink !== null) app.use(tokenAdmin(gate, { loginLink }))
  app.use(router.routes())
  app.use((ctx) => {
    // Nothing matched: a JSON 404 like the Express example's.
    ctx.status = 404
    ctx.body = errorBody(404, 'Not found')
  })
  return { app, gate, data, loginLink }
}
