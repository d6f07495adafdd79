/**
 * The Koa adapter end to end, through a real Koa 3 app with @koa/router and supertest: the shared
 * case table (../cases.ts, also run by express/http-cases.test.ts), then what is Koa's own: `onError: 'next'`
 * with `app.on('error')` and `ctx.onerror`, middleware order, misuse at declaration time, the
 * datasette-auth-tokens README metadata.json behind tokenAuth.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Router } from '@koa/router'
import Koa from 'koa'
import type { Context, DefaultState, Middleware } from 'koa'
import request from 'supertest'
import { ConfigError, createGate, isTokengateError } from 'tokengate'
import type { Actor } from 'tokengate'
import { permissionsDebug, requireActor, requirePermission, tokenAuth } from 'tokengate/koa'
import type { AdapterOptions, KoaTarget, KoaTokenAuthOptions } from 'tokengate/koa'
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
import type { Equal, Expect } from '../../helpers/type-assert.js'

// Compile-time: importing 'tokengate/koa' types ctx.state.actor.
export type StateActorIsTyped = Expect<Equal<DefaultState['actor'], Actor | null | undefined>>

function target(form: TargetForm | undefined): KoaTarget | undefined {
  if (form === undefined || typeof form === 'string') return form
  return (ctx) => {
    const value = ctx.query[form.query]
    // raw: what the framework parsed, unchecked (a list for a repeated parameter)
    if (form.raw === true) return value as string | undefined
    return typeof value === 'string' ? value : undefined
  }
}

type Callback = ReturnType<Koa['callback']>

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
  app: Koa
  server: Callback
  state: { handlerRan: boolean }
  /** Every error Koa emitted on the app (`app.on('error')`). */
  errors: unknown[]
}

/**
 * An app with every route of cases.ts behind tokenAuth. `outer` runs first, around everything
 * (an application's own error-shaping middleware).
 */
function setup(gateSetup: GateSetup = SETUPS.main, adapterOptions: AdapterOptions = {}, outer?: Middleware): Setup {
  const state = { handlerRan: false }
  const errors: unknown[] = []
  const app = new Koa()
  app.on('error', (error: unknown) => errors.push(error))
  if (outer !== undefined) app.use(outer)
  app.use(tokenAuth(gateSetup.config, { now: () => NOW, onEvent: scan.listener, ...gateSetup.options, ...adapterOptions }))
  const router = new Router()
  const handler: Middleware = (ctx) => {
    state.handlerRan = true
    ctx.body = { ok: true, actor: ctx.state.actor }
  }
  for (const route of ROUTES) {
    if (route.guard === null) router.get(route.path, handler)
    else if (route.guard === 'debug') router.get(route.path, permissionsDebug(), handler)
    else if (route.guard === 'actor') router.get(route.path, requireActor(), handler)
    else router.get(route.path, requirePermission(route.guard.action, target(route.guard.database), target(route.guard.resource)), handler)
  }
  app.use(router.routes())
  return { app, server: app.callback(), state, errors }
}

function send(server: Callback, path: string, authorization?: string): request.Test {
  scan.rememberRequest(path, authorization)
  const test = request(server).get(path)
  return authorization === undefined ? test : test.set('Authorization', authorization)
}

describe('Koa: the shared HTTP cases (SPEC sections 6 and 8)', () => {
  test.each(HTTP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c: HttpCase) => {
    const { server, state, errors } = setup(SETUPS[c.setup ?? 'main'])
    const res = await send(server, c.path, c.authorization)
    expect(res.status).toBe(c.status)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    if (c.partial === true) expect(res.body).toMatchObject(c.body as object)
    else expect(res.body).toEqual(c.body)
    expect(res.headers['www-authenticate']).toBe(c.challenge ?? undefined)
    expect(state.handlerRan).toBe(c.handlerRan)
    expect(errors).toEqual([]) // answered by tokengate, nothing thrown to Koa
  })
})

describe("Koa: onError: 'next' throws the coded error for Koa", () => {
  test.each([
    ['an invalid token', '/open', 'Bearer unknown_format', 401, 'ERR_INVALID_TOKEN', 'Unknown token', challenge('invalid_token')],
    ['a malformed header', '/open', 'Bearer', 400, 'ERR_INVALID_REQUEST', 'The Authorization header has the Bearer scheme but no token', challenge('invalid_request')],
    ['an anonymous denial', '/docs/documents/insert', undefined, 401, 'ERR_AUTHENTICATION_REQUIRED', 'Authentication required: insert-row on docs/documents', challenge(null)],
    ['a forbidden actor', '/docs/create-table', `Bearer ${ALICE_STATIC}`, 403, 'ERR_FORBIDDEN', 'Permission denied: create-table on docs', challenge('insufficient_scope')],
    ['a bad permissionsDebug parameter', '/-/permissions', `Bearer ${DEBUGGER_STATIC}`, 400, 'ERR_INVALID_PARAMETER', 'Name the action to explain: ?action=view-table&database=…&resource=…', undefined],
  ])("%s: ctx.onerror renders status, challenge and message; app.on('error') sees the coded error", async (_label, path, authorization, status, code, message, wwwAuthenticate) => {
    const { server, state, errors } = setup(SETUPS.main, { onError: 'next' })
    const res = await send(server, path, authorization)
    expect(res.status).toBe(status)
    expect(res.headers['www-authenticate']).toBe(wwwAuthenticate)
    expect(res.text).toBe(message) // expose: true, so Koa shows the message
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code, status, statusCode: status, expose: true })
    expect(state.handlerRan).toBe(false)
  })

  test('the app can reshape the body in its own middleware; status and challenge survive', async () => {
    const reshape: Middleware = async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        if (!isTokengateError(error)) throw error
        ctx.status = error.status
        ctx.set(error.headers)
        ctx.body = { problem: error.code, detail: error.message }
      }
    }
    const { server, state, errors } = setup(SETUPS.main, { onError: 'next' }, reshape)
    const res = await send(server, '/docs/create-table', `Bearer ${ALICE_STATIC}`)
    expect(res.status).toBe(403)
    expect(res.body).toEqual({ problem: 'ERR_FORBIDDEN', detail: 'Permission denied: create-table on docs' })
    expect(res.headers['www-authenticate']).toBe(challenge('insufficient_scope'))
    expect(errors).toEqual([]) // caught by the app, so Koa never saw it
    expect(state.handlerRan).toBe(false)
  })

  test('the error carries the denied check and its decision', async () => {
    const { server, errors } = setup(SETUPS.main, { onError: 'next' })
    await send(server, '/docs/create-table', `Bearer ${ALICE_STATIC}`)
    expect(errors[0]).toMatchObject({
      check: { action: 'create-table', database: 'docs', resource: null },
      decision: { allowed: false, action: 'create-table', decidingLevel: null },
    })
  })

  test('the custom realm is on errors thrown to Koa too', async () => {
    const { server, errors } = setup(SETUPS.realm, { onError: 'next' })
    const res = await send(server, '/docs/documents/insert')
    expect(res.headers['www-authenticate']).toBe(challenge(null, 'docs-api'))
    expect(errors[0]).toMatchObject({ realm: 'docs-api' })
  })

  test("a guard's onError overrides tokenAuth's, both ways", async () => {
    let handlerRan = false
    const handler: Middleware = (ctx) => {
      handlerRan = true
      ctx.body = { ok: true }
    }

    const errors: unknown[] = []
    const app = new Koa()
    app.on('error', (error: unknown) => errors.push(error))
    app.use(tokenAuth(MAIN_CONFIG, { now: () => NOW }))
    const router = new Router()
    router.get('/next', requirePermission('create-table', 'docs', null, { onError: 'next' }), handler)
    app.use(router.routes())
    const res = await send(app.callback(), '/next')
    expect(res.status).toBe(401)
    expect(res.text).toBe('Authentication required: create-table on docs')
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_AUTHENTICATION_REQUIRED' })])

    const app2 = new Koa()
    app2.use(tokenAuth(MAIN_CONFIG, { now: () => NOW, onError: 'next' }))
    const router2 = new Router()
    router2.get('/respond', requirePermission('create-table', 'docs', null, { onError: 'respond' }), handler)
    app2.use(router2.routes())
    const res2 = await send(app2.callback(), '/respond')
    expect(res2.status).toBe(401)
    expect(res2.body).toEqual(errorBody(401, 'Authentication required: create-table on docs'))
    expect(res2.headers['www-authenticate']).toBe(challenge(null))
    expect(handlerRan).toBe(false)
  })
})

describe('Koa: wiring mistakes fail loudly', () => {
  function bare(middleware: Middleware): { server: Callback; errors: unknown[]; state: { handlerRan: boolean } } {
    const errors: unknown[] = []
    const state = { handlerRan: false }
    const app = new Koa()
    app.on('error', (error: unknown) => errors.push(error))
    const router = new Router()
    router.get('/x', middleware, (ctx: Context) => {
      state.handlerRan = true
      ctx.body = { ok: true }
    })
    app.use(router.routes())
    return { server: app.callback(), errors, state }
  }

  test.each([
    ['requirePermission', requirePermission('view-instance')],
    ['permissionsDebug', permissionsDebug()],
  ])('%s without tokenAuth in front: 500 ERR_MIDDLEWARE_ORDER, never anonymous', async (_label, middleware) => {
    const { server, errors, state } = bare(middleware)
    const res = await send(server, '/x')
    expect(res.status).toBe(500)
    expect(res.text).toBe('Internal Server Error') // expose: false
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_MIDDLEWARE_ORDER', status: 500, expose: false })])
    expect((errors[0] as Error).message).toMatch(/ran without tokenAuth in front of it/)
    expect(state.handlerRan).toBe(false)
  })

  test("a ':param' target on a route without that parameter: 500, handler not run", async () => {
    const errors: unknown[] = []
    let handlerRan = false
    const app = new Koa()
    app.on('error', (error: unknown) => errors.push(error))
    app.use(tokenAuth(MAIN_CONFIG, { now: () => NOW }))
    const router = new Router()
    router.get('/tables/:table', requirePermission('view-table', ':db', ':table'), (ctx: Context) => {
      handlerRan = true
      ctx.body = {}
    })
    app.use(router.routes())
    const res = await send(app.callback(), '/tables/documents')
    expect(res.status).toBe(500)
    expect(errors[0]).toBeInstanceOf(TypeError)
    expect((errors[0] as Error).message).toBe('The guard reads its database from route parameter "db", but this route has no such parameter')
    expect(handlerRan).toBe(false)
  })

  test('a guard naming an unregistered action: 500 ERR_UNKNOWN_ACTION, even for anonymous', async () => {
    const errors: unknown[] = []
    const app = new Koa()
    app.on('error', (error: unknown) => errors.push(error))
    app.use(tokenAuth(MAIN_CONFIG, { now: () => NOW }))
    app.use(requirePermission('publish-post'))
    const res = await send(app.callback(), '/x')
    expect(res.status).toBe(500)
    expect(errors[0]).toMatchObject({ code: 'ERR_UNKNOWN_ACTION', action: 'publish-post', expose: false })
  })

  test('a bug in a custom token source is thrown to Koa even with the default onError', async () => {
    const errors: unknown[] = []
    const app = new Koa()
    app.on('error', (error: unknown) => errors.push(error))
    app.use(tokenAuth({}, { tokenSources: [{ name: 'broken', verify: () => 'not an actor' as never }] }))
    app.use((ctx) => {
      ctx.body = {}
    })
    expect((await send(app.callback(), '/open', 'Bearer anything')).status).toBe(500)
    expect(errors[0]).toBeInstanceOf(TypeError)
  })
})

describe('Koa: misuse fails when the app is declared, not per request', () => {
  test.each([
    ['an empty action', () => requirePermission(''), 'requirePermission needs an action name, such as "view-table"'],
    ['a resource without database', () => requirePermission('view-table', null, 'documents'), 'requirePermission("view-table") has a resource but no database'],
    ['an empty resource', () => requirePermission('view-table', 'docs', ''), "A guard's resource must be a non-empty string, a ':param' reference or a function of the request"],
    ['a bad onError on a guard', () => requirePermission('view-instance', null, null, { onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
    ['a bad onError on tokenAuth', () => tokenAuth({}, { onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
    ['a bad onError on permissionsDebug', () => permissionsDebug({ onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
    ['gate options with an existing gate', () => tokenAuth(createGate({}), { rootEnabled: true }), 'Gate options (rootEnabled) cannot be applied to an existing gate: pass them to createGate instead'],
    ['a bad gate option', () => tokenAuth({}, { realm: 'say "hi"' }), '"realm" option must be a non-empty string without quotes, backslashes or line breaks'],
  ])('%s → TypeError', (_label, make, message) => {
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })

  test('an invalid configuration throws ConfigError from tokenAuth itself', () => {
    expect(() => tokenAuth({ allow: 'root' } as never)).toThrow(ConfigError)
  })
})

describe('Koa: one gate shared by several middlewares', () => {
  test('tokenAuth(gate) uses the gate as is, and ctx.state.actor is the gate-authenticated actor', async () => {
    const gate = createGate(MAIN_CONFIG, { now: () => NOW })
    const app = new Koa()
    app.use(tokenAuth(gate))
    app.use(requirePermission('view-health'))
    app.use((ctx) => {
      ctx.body = { actor: ctx.state.actor }
    })
    const server = app.callback()
    const res = await send(server, '/', `Bearer ${ALICE_STATIC}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ actor: { id: 'alice' } })
    // near miss: the same gate, anonymous
    expect((await send(server, '/')).status).toBe(401)
  })
})

describe("Koa: the datasette-auth-tokens README's metadata.json, unchanged", () => {
  let dir: string
  let metadataPath: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokengate-koa-'))
    metadataPath = join(dir, 'metadata.json')
    writeFileSync(metadataPath, SEED_METADATA_JSON)
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  function seedApp(options: KoaTokenAuthOptions): { server: Callback; state: { handlerRan: boolean } } {
    const state = { handlerRan: false }
    const app = new Koa()
    app.use(tokenAuth(metadataPath, options))
    const router = new Router()
    router.get(SEED_ROUTE, requirePermission('view-query', ':db', ':query'), (ctx: Context) => {
      state.handlerRan = true
      ctx.body = SEED_ROWS
    })
    app.use(router.routes())
    return { server: app.callback(), state }
  }

  test.each(SEED_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { server, state } = seedApp({ env: { BOT_TOKEN: SEED_BOT_TOKEN } })
    const res = await send(server, c.path, c.authorization)
    expect(res.status).toBe(c.status)
    expect(res.body).toEqual(c.body)
    expect(res.headers['www-authenticate']).toBe(c.challenge ?? undefined)
    expect(state.handlerRan).toBe(c.handlerRan)
  })

  test('without BOT_TOKEN in the environment, tokenAuth refuses to start', () => {
    expect(() => seedApp({ env: {} })).toThrow(ConfigError)
  })
})
