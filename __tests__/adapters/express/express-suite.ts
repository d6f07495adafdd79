/**
 * The Express adapter end to end, through a real Express app and supertest, for one Express
 * major: the shared case table (../cases.ts, also run by koa/http-cases.test.ts), then what is
 * Express's own: `onError: 'next'` and Express's error handlers, middleware order, misuse at
 * declaration time, the datasette-auth-tokens README metadata.json behind tokenAuth.
 *
 * `http-cases.test.ts` runs it on Express 5 and `http-cases-express4.test.ts` on Express 4 (the
 * `express4` dev dependency, an npm alias of express@4), so both majors answer every case alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type express from 'express'
import type { ErrorRequestHandler, Express, RequestHandler } from 'express'
import request from 'supertest'
import { ConfigError, createGate, isTokengateError } from 'tokengate'
import { permissionsDebug, requireActor, requirePermission, tokenAuth } from 'tokengate/express'
import type { AdapterOptions, ExpressTarget, TokenAuthOptions } from 'tokengate/express'
import {
  ALICE_STATIC,
  BOT_LIST_FORM,
  BOT_OBJECT_FORM,
  DEBUGGER_STATIC,
  JWT_SECRET,
  HTTP_CASES,
  MAIN_CONFIG,
  NOW,
  ROUTES,
  SEED_BOT_TOKEN,
  SEED_CASES,
  SEED_METADATA_JSON,
  SEED_ROUTE,
  SEED_ROWS,
  SETUPS,
  challenge,
  errorBody,
  type GateSetup,
  type HttpCase,
  type TargetForm,
} from '../cases.js'
import { EventScan } from '../../helpers/event-scan.js'

/** The `express` function of the major under test. */
export type ExpressFactory = typeof express

/**
 * Declare the Express suite for one Express major.
 * @param label - the major, such as `Express 4`, prefixed to every describe.
 * @param express - that major's `express` function.
 */
export function describeExpressSuite(label: string, express: ExpressFactory): void {
  function target(form: TargetForm | undefined): ExpressTarget | undefined {
    if (form === undefined || typeof form === 'string') return form
    return (req) => {
      const value = req.query[form.query]
      // raw: what the framework parsed, unchecked (a list for a repeated parameter)
      if (form.raw === true) return value as string | undefined
      return typeof value === 'string' ? value : undefined
    }
  }

  /**
   * Every event of every app that setup() makes, scanned at the end for the tokens and secrets
   * the suite used (SPEC section 11: never a token or a secret in an event).
   */
  const scan = new EventScan()
  scan.remember(...Object.values(SETUPS).flatMap((s) => [s.config.secret as string | undefined, ...(s.config.tokens ?? []).map((t) => t.token as string)]))
  scan.remember(JWT_SECRET, BOT_OBJECT_FORM, BOT_LIST_FORM, SEED_BOT_TOKEN)
  afterAll(async () => {
    await EventScan.delivered()
    expect(scan.events.length).toBeGreaterThan(100)
    expect(new Set(scan.events.map((e) => e.type))).toEqual(new Set(['authenticated', 'rejected', 'allowed', 'denied']))
    expect(scan.secrets.length).toBeGreaterThan(40)
    expect(scan.leaks()).toEqual([])
  })

  interface Setup {
    app: Express
    state: { handlerRan: boolean }
    /** Errors that reached the app's error handler (only with `errorHandler`). */
    errors: unknown[]
  }

  /** An app with every route of cases.ts behind tokenAuth; optionally an error handler at the end. */
  function setup(gateSetup: GateSetup = SETUPS.main, adapterOptions: AdapterOptions = {}, errorHandler?: ErrorRequestHandler): Setup {
    const state = { handlerRan: false }
    const errors: unknown[] = []
    const app = express()
    app.use(tokenAuth(gateSetup.config, { now: () => NOW, onEvent: scan.listener, ...gateSetup.options, ...adapterOptions }))
    const handler: RequestHandler = (req, res) => {
      state.handlerRan = true
      res.json({ ok: true, actor: req.actor })
    }
    for (const route of ROUTES) {
      if (route.guard === null) app.get(route.path, handler)
      else if (route.guard === 'debug') app.get(route.path, permissionsDebug(), handler)
      else if (route.guard === 'actor') app.get(route.path, requireActor(), handler)
      else app.get(route.path, requirePermission(route.guard.action, target(route.guard.database), target(route.guard.resource)), handler)
    }
    if (errorHandler !== undefined) {
      app.use(((err, req, res, next) => {
        errors.push(err)
        errorHandler(err, req, res, next)
      }) satisfies ErrorRequestHandler)
    }
    return { app, state, errors }
  }

  function send(app: Express, path: string, authorization?: string): request.Test {
    scan.rememberRequest(path, authorization)
    const test = request(app).get(path)
    return authorization === undefined ? test : test.set('Authorization', authorization)
  }

  describe(`${label}: the shared HTTP cases (SPEC sections 6 and 8)`, () => {
    test.each(HTTP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c: HttpCase) => {
      const { app, state } = setup(SETUPS[c.setup ?? 'main'])
      const res = await send(app, c.path, c.authorization)
      expect(res.status).toBe(c.status)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      if (c.partial === true) expect(res.body).toMatchObject(c.body as object)
      else expect(res.body).toEqual(c.body)
      expect(res.headers['www-authenticate']).toBe(c.challenge ?? undefined)
      expect(state.handlerRan).toBe(c.handlerRan)
    })
  })

  describe(`${label}: onError: 'next' hands the coded error to Express`, () => {
    /** An application error handler that reshapes the body but keeps status and headers. */
    const reshape: ErrorRequestHandler = (err, _req, res, next) => {
      if (!isTokengateError(err)) {
        next(err)
        return
      }
      res.status(err.status).set(err.headers).json({ problem: err.code, detail: err.message })
    }

    test.each([
      ['an invalid token', '/open', 'Bearer unknown_format', 401, 'ERR_INVALID_TOKEN', 'Unknown token', challenge('invalid_token')],
      ['a malformed header', '/open', 'Bearer', 400, 'ERR_INVALID_REQUEST', 'The Authorization header has the Bearer scheme but no token', challenge('invalid_request')],
      ['an anonymous denial', '/docs/documents/insert', undefined, 401, 'ERR_AUTHENTICATION_REQUIRED', 'Authentication required: insert-row on docs/documents', challenge(null)],
      ['a forbidden actor', '/docs/create-table', `Bearer ${ALICE_STATIC}`, 403, 'ERR_FORBIDDEN', 'Permission denied: create-table on docs', challenge('insufficient_scope')],
      ['a bad permissionsDebug parameter', '/-/permissions', `Bearer ${DEBUGGER_STATIC}`, 400, 'ERR_INVALID_PARAMETER', 'Name the action to explain: ?action=view-table&database=…&resource=…', undefined],
    ])('%s: the app reshapes the body, status and challenge survive', async (_label, path, authorization, status, code, message, wwwAuthenticate) => {
      const { app, state, errors } = setup(SETUPS.main, { onError: 'next' }, reshape)
      const res = await send(app, path, authorization)
      expect(res.status).toBe(status)
      expect(res.body).toEqual({ problem: code, detail: message })
      expect(res.headers['www-authenticate']).toBe(wwwAuthenticate)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ code, status, statusCode: status, expose: true })
      expect(state.handlerRan).toBe(false)
    })

    test('the error carries the denied check and its decision', async () => {
      const { app, errors } = setup(SETUPS.main, { onError: 'next' }, reshape)
      await send(app, '/docs/create-table', `Bearer ${ALICE_STATIC}`)
      expect(errors[0]).toMatchObject({
        check: { action: 'create-table', database: 'docs', resource: null },
        decision: { allowed: false, action: 'create-table', decidingLevel: null },
      })
    })

    test("Express's own final handler renders status and WWW-Authenticate unaided", async () => {
      const { app, state } = setup(SETUPS.main, { onError: 'next' })
      const invalid = await send(app, '/open', 'Bearer unknown_format')
      expect(invalid.status).toBe(401)
      expect(invalid.headers['www-authenticate']).toBe(challenge('invalid_token'))
      const forbidden = await send(app, '/docs/create-table', `Bearer ${ALICE_STATIC}`)
      expect(forbidden.status).toBe(403)
      expect(forbidden.headers['www-authenticate']).toBe(challenge('insufficient_scope'))
      expect(state.handlerRan).toBe(false)
    })

    test('the custom realm is on errors handed to Express too', async () => {
      const { app, errors } = setup(SETUPS.realm, { onError: 'next' }, reshape)
      const res = await send(app, '/docs/documents/insert')
      expect(res.headers['www-authenticate']).toBe(challenge(null, 'docs-api'))
      expect(errors[0]).toMatchObject({ realm: 'docs-api' })
    })

    test("a guard's onError overrides tokenAuth's, both ways", async () => {
      const errors: unknown[] = []
      let handlerRan = false
      const app = express()
      app.use(tokenAuth(MAIN_CONFIG, { now: () => NOW }))
      const handler: RequestHandler = (_req, res) => {
        handlerRan = true
        res.json({ ok: true })
      }
      app.get('/next', requirePermission('create-table', 'docs', null, { onError: 'next' }), handler)
      app.use(((err, _req, res, _next) => {
        errors.push(err)
        res.status(418).json({ handledBy: 'app' })
      }) satisfies ErrorRequestHandler)
      const res = await send(app, '/next')
      expect(res.status).toBe(418)
      expect(res.body).toEqual({ handledBy: 'app' })
      expect(errors).toEqual([expect.objectContaining({ code: 'ERR_AUTHENTICATION_REQUIRED' })])

      const app2 = express()
      app2.use(tokenAuth(MAIN_CONFIG, { now: () => NOW, onError: 'next' }))
      app2.get('/respond', requirePermission('create-table', 'docs', null, { onError: 'respond' }), handler)
      const res2 = await send(app2, '/respond')
      expect(res2.status).toBe(401)
      expect(res2.body).toEqual(errorBody(401, 'Authentication required: create-table on docs'))
      expect(res2.headers['www-authenticate']).toBe(challenge(null))
      expect(handlerRan).toBe(false)
    })
  })

  describe(`${label}: wiring mistakes fail loudly`, () => {
    function bare(middleware: RequestHandler): { app: Express; errors: unknown[]; state: { handlerRan: boolean } } {
      const errors: unknown[] = []
      const state = { handlerRan: false }
      const app = express()
      app.get('/x', middleware, (_req, res) => {
        state.handlerRan = true
        res.json({ ok: true })
      })
      app.use(((err, _req, res, _next) => {
        errors.push(err)
        res.status(isTokengateError(err) ? err.status : 500).json(isTokengateError(err) ? err.toJSON() : { ok: false })
      }) satisfies ErrorRequestHandler)
      return { app, errors, state }
    }

    test.each([
      ['requirePermission', requirePermission('view-instance')],
      ['permissionsDebug', permissionsDebug()],
    ])('%s without tokenAuth in front: 500 ERR_MIDDLEWARE_ORDER, never anonymous', async (_label, middleware) => {
      const { app, errors, state } = bare(middleware)
      const res = await send(app, '/x')
      expect(res.status).toBe(500)
      expect(res.body).toEqual(errorBody(500, 'Internal Server Error')) // expose: false
      expect(errors).toEqual([expect.objectContaining({ code: 'ERR_MIDDLEWARE_ORDER', status: 500, expose: false })])
      expect((errors[0] as Error).message).toMatch(/ran without tokenAuth in front of it/)
      expect(state.handlerRan).toBe(false)
    })

    test('without tokenAuth, even an allowed check does not pass', async () => {
      // view-instance is allowed to everyone by default: a guard that treated a missing tokenAuth
      // as anonymous would let this through.
      const { app, state } = bare(requirePermission('view-instance'))
      expect((await send(app, '/x')).status).toBe(500)
      expect(state.handlerRan).toBe(false)
    })

    test("a ':param' target on a route without that parameter: 500, handler not run", async () => {
      const errors: unknown[] = []
      let handlerRan = false
      const app = express()
      app.use(tokenAuth(MAIN_CONFIG, { now: () => NOW }))
      app.get('/tables/:table', requirePermission('view-table', ':db', ':table'), (_req, res) => {
        handlerRan = true
        res.json({})
      })
      app.use(((err, _req, res, _next) => {
        errors.push(err)
        res.status(500).end()
      }) satisfies ErrorRequestHandler)
      const res = await send(app, '/tables/documents')
      expect(res.status).toBe(500)
      expect(errors[0]).toBeInstanceOf(TypeError)
      expect((errors[0] as Error).message).toBe('The guard reads its database from route parameter "db", but this route has no such parameter')
      expect(handlerRan).toBe(false)
    })

    test('a guard naming an unregistered action: 500 ERR_UNKNOWN_ACTION, even for anonymous', async () => {
      const errors: unknown[] = []
      const app = express()
      app.use(tokenAuth(MAIN_CONFIG, { now: () => NOW }))
      app.get('/x', requirePermission('publish-post'), (_req, res) => res.json({}))
      app.use(((err, _req, res, _next) => {
        errors.push(err)
        res.status(500).end()
      }) satisfies ErrorRequestHandler)
      expect((await send(app, '/x')).status).toBe(500)
      expect(errors[0]).toMatchObject({ code: 'ERR_UNKNOWN_ACTION', action: 'publish-post', expose: false })
    })

    test('a bug in a custom token source goes to next(err) even with the default onError', async () => {
      const errors: unknown[] = []
      const app = express()
      app.use(tokenAuth({}, { tokenSources: [{ name: 'broken', verify: () => 'not an actor' as never }] }))
      app.get('/open', (_req, res) => res.json({}))
      app.use(((err, _req, res, _next) => {
        errors.push(err)
        res.status(500).end()
      }) satisfies ErrorRequestHandler)
      expect((await send(app, '/open', 'Bearer anything')).status).toBe(500)
      expect(errors[0]).toBeInstanceOf(TypeError)
    })
  })

  describe(`${label}: misuse fails when the app is declared, not per request`, () => {
    test.each([
      ['an empty action', () => requirePermission(''), 'requirePermission needs an action name, such as "view-table"'],
      ['a resource without database', () => requirePermission('view-table', null, 'documents'), 'requirePermission("view-table") has a resource but no database'],
      ['an empty database', () => requirePermission('view-database', ''), "A guard's database must be a non-empty string, a ':param' reference or a function of the request"],
      ['a bad onError on a guard', () => requirePermission('view-instance', null, null, { onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
      ['a bad onError on tokenAuth', () => tokenAuth({}, { onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
      ['a bad onError on permissionsDebug', () => permissionsDebug({ onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
      ['gate options with an existing gate', () => tokenAuth(createGate({}), { realm: 'x' }), 'Gate options (realm) cannot be applied to an existing gate: pass them to createGate instead'],
      ['a bad gate option', () => tokenAuth({}, { unknownTokens: 'ignore' as 'anonymous' }), `"unknownTokens" option must be 'reject' or 'anonymous', got "ignore"`],
    ])('%s → TypeError', (_label, make, message) => {
      expect(make).toThrow(TypeError)
      expect(make).toThrow(message)
    })

    test('an invalid configuration throws ConfigError from tokenAuth itself', () => {
      expect(() => tokenAuth({ allow: 'root' } as never)).toThrow(ConfigError)
    })

    test('an unset $env variable fails at start-up, naming the path and the variable', () => {
      const config = { plugins: { 'datasette-auth-tokens': [{ token: { $env: 'BOT_TOKEN' }, actor: { bot_id: 'my-bot' } }] } }
      expect(() => tokenAuth(config as never, { env: {} })).toThrow(/plugins\.datasette-auth-tokens\[0\]\.token: environment variable BOT_TOKEN is not set/)
    })
  })

  describe(`${label}: one gate shared by several middlewares`, () => {
    test('tokenAuth(gate) uses the gate as is, and req.actor is the gate-authenticated actor', async () => {
      const gate = createGate(MAIN_CONFIG, { now: () => NOW })
      const app = express()
      app.use('/a', tokenAuth(gate))
      app.use('/b', tokenAuth(gate, { onError: 'next' }))
      app.get(['/a/x', '/b/x'], requirePermission('view-health'), (req, res) => res.json({ actor: req.actor }))
      const a = await send(app, '/a/x', `Bearer ${ALICE_STATIC}`)
      expect(a.body).toEqual({ actor: { id: 'alice' } })
      expect(a.status).toBe(200)
      expect((await send(app, '/b/x', `Bearer ${ALICE_STATIC}`)).body).toEqual({ actor: { id: 'alice' } })
      // near miss: the same gate, anonymous
      expect((await send(app, '/a/x')).status).toBe(401)
    })
  })

  describe(`${label}: the datasette-auth-tokens README's metadata.json, unchanged`, () => {
    let dir: string
    let metadataPath: string

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'tokengate-express-'))
      metadataPath = join(dir, 'metadata.json')
      writeFileSync(metadataPath, SEED_METADATA_JSON)
    })

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true })
    })

    function seedApp(options: TokenAuthOptions): { app: Express; state: { handlerRan: boolean } } {
      const state = { handlerRan: false }
      const app = express()
      app.use(tokenAuth(metadataPath, options))
      app.get(SEED_ROUTE, requirePermission('view-query', ':db', ':query'), (_req, res) => {
        state.handlerRan = true
        res.json(SEED_ROWS)
      })
      return { app, state }
    }

    test.each(SEED_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const { app, state } = seedApp({ env: { BOT_TOKEN: SEED_BOT_TOKEN } })
      const res = await send(app, c.path, c.authorization)
      expect(res.status).toBe(c.status)
      expect(res.body).toEqual(c.body)
      expect(res.headers['www-authenticate']).toBe(c.challenge ?? undefined)
      expect(state.handlerRan).toBe(c.handlerRan)
    })

    test('without BOT_TOKEN in the environment, tokenAuth refuses to start', () => {
      expect(() => seedApp({ env: {} })).toThrow(ConfigError)
    })
  })
}
