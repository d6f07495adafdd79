/**
 * The Fastify adapter end to end, through a real Fastify 5 app and `inject()`: the shared case
 * table (../cases.ts, also run by the Express and Koa suites), then what is Fastify's own:
 * `onError: 'next'` with Fastify's default error handler and `setErrorHandler`, plugin
 * encapsulation, the plugin conventions (fastify-plugin's symbols, the name other plugins depend
 * on), misuse at registration, guards on a route the plugin does not cover
 * (`ERR_MIDDLEWARE_ORDER`), async token sources, and the datasette-auth-tokens README
 * metadata.json behind the plugin.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import fp from 'fastify-plugin'
import { ConfigError, InvalidTokenError, createGate, createMemoryTokenStore, isTokengateError } from 'tokengate'
import type { Actor, TokenSource, TokengateEvent } from 'tokengate'
import { permissionsDebug, requireActor, requirePermission, tokengate } from 'tokengate/fastify'
import type { AdapterOptions, FastifyTarget, FastifyTokengateOptions } from 'tokengate/fastify'
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

// Compile-time: importing 'tokengate/fastify' types request.actor on every Fastify request.
export type RequestActorIsTyped = Expect<Equal<FastifyRequest['actor'], Actor | null>>

function target(form: TargetForm | undefined): FastifyTarget | undefined {
  if (form === undefined || typeof form === 'string') return form
  return (request) => {
    const value = (request.query as Record<string, unknown>)[form.query]
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
  app: FastifyInstance
  state: { handlerRan: boolean }
  /** Every error that reached Fastify's error handling (its `onError` hook). */
  errors: unknown[]
}

/** Record every error Fastify's error handler sees, as Koa's `app.on('error')` would. */
function recordErrors(app: FastifyInstance): unknown[] {
  const errors: unknown[] = []
  app.addHook('onError', (_request, _reply, error, done) => {
    errors.push(error)
    done()
  })
  return errors
}

/** An app with every route of cases.ts behind the plugin. `extra` runs before the routes are declared. */
async function setup(gateSetup: GateSetup = SETUPS.main, adapterOptions: AdapterOptions = {}, extra?: (app: FastifyInstance) => void): Promise<Setup> {
  const state = { handlerRan: false }
  const app = Fastify()
  const errors = recordErrors(app)
  extra?.(app)
  app.register(tokengate, { config: gateSetup.config, now: () => NOW, onEvent: scan.listener, ...gateSetup.options, ...adapterOptions })
  const handler: RouteHandlerMethod = (request, reply) => {
    state.handlerRan = true
    reply.send({ ok: true, actor: request.actor })
  }
  for (const route of ROUTES) {
    if (route.guard === null) app.get(route.path, handler)
    else if (route.guard === 'debug') app.get(route.path, permissionsDebug()) // answers by itself: no handler after it
    else if (route.guard === 'actor') app.get(route.path, { preHandler: requireActor() }, handler)
    else app.get(route.path, { preHandler: requirePermission(route.guard.action, target(route.guard.database), target(route.guard.resource)) }, handler)
  }
  await app.ready()
  return { app, state, errors }
}

function send(app: FastifyInstance, url: string, authorization?: string) {
  scan.rememberRequest(url, authorization)
  return app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } })
}

describe('Fastify: the shared HTTP cases (SPEC sections 6 and 8)', () => {
  test.each(HTTP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c: HttpCase) => {
    const { app, state, errors } = await setup(SETUPS[c.setup ?? 'main'])
    const res = await send(app, c.path, c.authorization)
    expect(res.statusCode).toBe(c.status)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    if (c.partial === true) expect(res.json()).toMatchObject(c.body as object)
    else expect(res.json()).toEqual(c.body)
    expect(res.headers['www-authenticate']).toBe(c.challenge ?? undefined)
    expect(state.handlerRan).toBe(c.handlerRan)
    expect(errors).toEqual([]) // answered by tokengate, nothing handed to Fastify's error handler
  })
})

describe("Fastify: onError: 'next' hands the coded error to Fastify's error handler", () => {
  const NEXT_CASES = [
    ['an invalid token', '/open', 'Bearer unknown_format', 401, 'ERR_INVALID_TOKEN', 'Unknown token', challenge('invalid_token')],
    ['a malformed header', '/open', 'Bearer', 400, 'ERR_INVALID_REQUEST', 'The Authorization header has the Bearer scheme but no token', challenge('invalid_request')],
    ['an anonymous denial', '/docs/documents/insert', undefined, 401, 'ERR_AUTHENTICATION_REQUIRED', 'Authentication required: insert-row on docs/documents', challenge(null)],
    ['a forbidden actor', '/docs/create-table', `Bearer ${ALICE_STATIC}`, 403, 'ERR_FORBIDDEN', 'Permission denied: create-table on docs', challenge('insufficient_scope')],
    ['requireActor, anonymous', '/me', undefined, 401, 'ERR_AUTHENTICATION_REQUIRED', 'Authentication required', challenge(null)],
    ['a bad permissionsDebug parameter', '/-/permissions', `Bearer ${DEBUGGER_STATIC}`, 400, 'ERR_INVALID_PARAMETER', 'Name the action to explain: ?action=view-table&database=…&resource=…', undefined],
  ] as const

  test.each(NEXT_CASES)("%s: Fastify's default handler renders statusCode, code, message and the challenge", async (_label, path, authorization, status, code, message, wwwAuthenticate) => {
    const { app, state, errors } = await setup(SETUPS.main, { onError: 'next' })
    const res = await send(app, path, authorization)
    expect(res.statusCode).toBe(status)
    expect(res.headers['www-authenticate']).toBe(wwwAuthenticate)
    expect(res.json()).toEqual({ statusCode: status, code, error: expect.any(String), message })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code, status, statusCode: status, expose: true })
    expect(state.handlerRan).toBe(false)
  })

  test.each(NEXT_CASES)('%s: setErrorHandler reshapes the body; status and challenge survive', async (_label, path, authorization, status, code, message, wwwAuthenticate) => {
    const { app, state } = await setup(SETUPS.main, { onError: 'next' }, (app) => {
      app.setErrorHandler((error: FastifyError, _request, reply) => {
        if (!isTokengateError(error)) throw error
        reply.code(error.statusCode).headers(error.headers).send({ problem: error.code, detail: error.message })
      })
    })
    const res = await send(app, path, authorization)
    expect(res.statusCode).toBe(status)
    expect(res.headers['www-authenticate']).toBe(wwwAuthenticate)
    expect(res.json()).toEqual({ problem: code, detail: message })
    expect(state.handlerRan).toBe(false)
  })

  test('the error carries the denied check and its decision', async () => {
    const { app, errors } = await setup(SETUPS.main, { onError: 'next' })
    await send(app, '/docs/create-table', `Bearer ${ALICE_STATIC}`)
    expect(errors[0]).toMatchObject({
      check: { action: 'create-table', database: 'docs', resource: null },
      decision: { allowed: false, action: 'create-table', decidingLevel: null },
    })
  })

  test('the custom realm is on errors handed to Fastify too', async () => {
    const { app, errors } = await setup(SETUPS.realm, { onError: 'next' })
    const res = await send(app, '/docs/documents/insert')
    expect(res.headers['www-authenticate']).toBe(challenge(null, 'docs-api'))
    expect(errors[0]).toMatchObject({ realm: 'docs-api' })
  })

  test("a guard's onError overrides the plugin's, both ways", async () => {
    let handlerRan = false
    const handler: RouteHandlerMethod = (_request, reply) => {
      handlerRan = true
      reply.send({ ok: true })
    }

    const app = Fastify()
    const errors = recordErrors(app)
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.get('/next', { preHandler: requirePermission('create-table', 'docs', null, { onError: 'next' }) }, handler)
    app.get('/actor', { preHandler: requireActor({ onError: 'next' }) }, handler)
    app.get('/debug', permissionsDebug({ onError: 'next' }))
    for (const [path, code] of [['/next', 'ERR_AUTHENTICATION_REQUIRED'], ['/actor', 'ERR_AUTHENTICATION_REQUIRED'], ['/debug', 'ERR_AUTHENTICATION_REQUIRED']] as const) {
      const res = await send(app, path)
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ statusCode: 401, code })
    }
    expect(errors).toHaveLength(3)

    const app2 = Fastify()
    const errors2 = recordErrors(app2)
    app2.register(tokengate, { config: MAIN_CONFIG, now: () => NOW, onError: 'next' })
    app2.get('/respond', { preHandler: requirePermission('create-table', 'docs', null, { onError: 'respond' }) }, handler)
    app2.get('/actor', { preHandler: requireActor({ onError: 'respond' }) }, handler)
    app2.get('/debug', permissionsDebug({ onError: 'respond' }))
    const res2 = await send(app2, '/respond')
    expect(res2.statusCode).toBe(401)
    expect(res2.json()).toEqual(errorBody(401, 'Authentication required: create-table on docs'))
    expect(res2.headers['www-authenticate']).toBe(challenge(null))
    expect((await send(app2, '/actor')).json()).toEqual(errorBody(401, 'Authentication required'))
    expect((await send(app2, '/debug')).json()).toEqual(errorBody(401, 'Authentication required: permissions-debug'))
    expect(errors2).toEqual([])
    expect(handlerRan).toBe(false)
  })
})

describe('Fastify: the plugin is not encapsulated, and encapsulation scopes it', () => {
  const whoAmI: RouteHandlerMethod = (request, reply) => {
    reply.send({ actor: request.actor ?? 'not decorated' })
  }

  test('registered on the root, it covers routes declared in child contexts too', async () => {
    const app = Fastify()
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.register(async (child) => {
      child.get('/child/health', { preHandler: requirePermission('view-health') }, whoAmI)
    })
    expect((await send(app, '/child/health', `Bearer ${ALICE_STATIC}`)).json()).toEqual({ actor: { id: 'alice' } })
    // near miss: the same child route, anonymous
    expect((await send(app, '/child/health')).statusCode).toBe(401)
    expect((await send(app, '/child/health', 'Bearer unknown_format')).statusCode).toBe(401)
  })

  test('registered inside an encapsulated plugin, it covers that plugin only', async () => {
    const app = Fastify()
    const errors = recordErrors(app)
    app.register(
      async (api) => {
        api.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
        api.get('/me', whoAmI)
        api.get('/health', { preHandler: requirePermission('view-health') }, whoAmI)
      },
      { prefix: '/api' },
    )
    app.get('/public', whoAmI)
    app.get('/outside', { preHandler: requirePermission('view-health') }, whoAmI)

    expect((await send(app, '/api/me', `Bearer ${ALICE_STATIC}`)).json()).toEqual({ actor: { id: 'alice' } })
    expect((await send(app, '/api/health', `Bearer ${ALICE_STATIC}`)).statusCode).toBe(200)
    expect((await send(app, '/api/me', 'Bearer unknown_format')).statusCode).toBe(401)
    // Outside the plugin's context nothing reads the token: no decorator, no 401 for a bad token.
    const outside = await send(app, '/public', 'Bearer unknown_format')
    expect(outside.statusCode).toBe(200)
    expect(outside.json()).toEqual({ actor: 'not decorated' })
    // A guard outside it fails loudly rather than treating alice as anonymous (or letting her in).
    const guarded = await send(app, '/outside', `Bearer ${ALICE_STATIC}`)
    expect(guarded.statusCode).toBe(500)
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_MIDDLEWARE_ORDER' })])
  })

  test('sibling contexts may each register their own gate', async () => {
    const app = Fastify()
    app.register(async (a) => {
      a.register(tokengate, { config: { tokens: [{ token: 'token-of-a', actor: { id: 'a' } }] } })
      a.get('/a', whoAmI)
    })
    app.register(async (b) => {
      b.register(tokengate, { config: { tokens: [{ token: 'token-of-b', actor: { id: 'b' } }] } })
      b.get('/b', whoAmI)
    })
    expect((await send(app, '/a', 'Bearer token-of-a')).json()).toEqual({ actor: { id: 'a' } })
    expect((await send(app, '/b', 'Bearer token-of-b')).json()).toEqual({ actor: { id: 'b' } })
    // Each gate knows only its own token.
    expect((await send(app, '/a', 'Bearer token-of-b')).statusCode).toBe(401)
    expect((await send(app, '/b', 'Bearer token-of-a')).statusCode).toBe(401)
  })

  test("Fastify's 404 handler runs after the plugin's hook: a bad token on an unknown path is still 401", async () => {
    const app = Fastify()
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    expect((await send(app, '/nowhere', 'Bearer unknown_format')).statusCode).toBe(401)
    expect((await send(app, '/nowhere', `Bearer ${ALICE_STATIC}`)).statusCode).toBe(404)
  })
})

describe("Fastify: fastify-plugin's conventions", () => {
  const SYMBOLS = [Symbol.for('skip-override'), Symbol.for('fastify.display-name'), Symbol.for('plugin-meta')]

  test('the plugin carries exactly what fastify-plugin would set for name "tokengate", fastify "5.x"', () => {
    const reference = fp(function tokengate(_f: FastifyInstance, _o: unknown, done: () => void) {
      done()
    }, { name: 'tokengate', fastify: '5.x' })
    const read = (fn: unknown) => SYMBOLS.map((key) => (fn as Record<symbol, unknown>)[key])
    expect(read(tokengate)).toEqual(read(reference))
    expect(read(tokengate)).toEqual([true, 'tokengate', { name: 'tokengate', fastify: '5.x' }])
  })

  test('other plugins can depend on it by name', async () => {
    const dependent = fp((_f: FastifyInstance, _o: unknown, done: () => void) => done(), { name: 'needs-tokengate', dependencies: ['tokengate'] })
    const withIt = Fastify()
    withIt.register(tokengate, { config: {} })
    withIt.register(dependent)
    await expect(withIt.ready()).resolves.toBeDefined()

    // near miss: without tokengate registered first, Fastify refuses the dependent plugin
    const without = Fastify()
    without.register(dependent)
    await expect(without.ready()).rejects.toMatchObject({ code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
  })

  test('await app.register(tokengate, …) works, and routes declared after it are covered', async () => {
    const app = Fastify()
    await app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.get('/me', { preHandler: requireActor() }, (request, reply) => {
      reply.send({ actor: request.actor })
    })
    expect((await send(app, '/me', `Bearer ${ALICE_STATIC}`)).json()).toEqual({ actor: { id: 'alice' } })
    expect((await send(app, '/me')).statusCode).toBe(401)
  })
})

describe('Fastify: misuse fails at registration', () => {
  async function registrationError(options: unknown, before?: (app: FastifyInstance) => void): Promise<unknown> {
    const app = Fastify()
    before?.(app)
    app.register(tokengate, options as FastifyTokengateOptions)
    try {
      await app.ready()
    } catch (error) {
      return error
    }
    throw new Error('expected app.ready() to reject')
  }

  test.each([
    ['an unknown option, with the closest name', { config: {}, relam: 'x' }, '"relam" is not an option of the tokengate plugin; did you mean "realm"?'],
    ['a misspelt gate', { gtae: createGate({}) }, '"gtae" is not an option of the tokengate plugin; did you mean "gate"?'],
    ['gate and config together', { gate: createGate({}), config: {} }, 'Give the tokengate plugin either "gate" or "config", not both'],
    ['gate options beside a gate', { gate: createGate({}), rootEnabled: true }, 'Gate options (rootEnabled) cannot be applied to an existing gate: pass them to createGate instead'],
    ['a gate that is not a gate', { gate: { check() {} } }, 'The "gate" option of the tokengate plugin must be a gate made by createGate()'],
    ['a gate given as config', { config: createGate({}) }, 'The "config" option of the tokengate plugin got a gate: pass it as "gate" instead'],
    ['a bad onError', { config: {}, onError: 'throw' }, `"onError" option must be 'respond' or 'next', got "throw"`],
    ['a bad gate option', { config: {}, realm: 'say "hi"' }, '"realm" option must be a non-empty string without quotes, backslashes or line breaks'],
  ])('%s → TypeError', async (_label, options, message) => {
    const error = await registrationError(options)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
  })

  test("Fastify's prefix is refused: the plugin is not encapsulated, so it would not scope anything", async () => {
    const error = await registrationError({ config: {}, prefix: '/api' })
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toMatch(/^The tokengate plugin does not take Fastify's "prefix" option: it is not encapsulated/)
  })

  test('a second registration in the same context, or in a child of it, is refused', async () => {
    const twice = await registrationError({ config: {} }, (app) => app.register(tokengate, { config: {} }))
    expect(twice).toBeInstanceOf(TypeError)
    expect((twice as Error).message).toMatch(/^The tokengate plugin is already registered in this Fastify context or a parent of it/)

    const app = Fastify()
    app.register(tokengate, { config: {} })
    app.register(async (child) => {
      child.register(tokengate, { config: {} })
    })
    await expect(app.ready()).rejects.toThrow(/already registered in this Fastify context or a parent of it/)
  })

  test('another plugin owning request.actor is refused', async () => {
    const error = await registrationError({ config: {} }, (app) => app.decorateRequest('actor', null))
    expect((error as Error).message).toBe('request.actor is already decorated by another plugin: the tokengate plugin cannot set it')
  })

  test('an invalid configuration is a ConfigError at registration', async () => {
    expect(await registrationError({ config: { allow: 'root' } })).toBeInstanceOf(ConfigError)
  })

  test('an unset $env variable fails at registration, naming it', async () => {
    const error = await registrationError({ config: { tokens: [{ token: { $env: 'NOT_SET_ANYWHERE' }, actor: { id: 'x' } }] }, env: {} })
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain('NOT_SET_ANYWHERE')
  })

  test('no options at all is an empty gate: every request anonymous, every token unknown', async () => {
    const app = Fastify()
    app.register(tokengate)
    app.get('/', (request, reply) => {
      reply.send({ actor: request.actor })
    })
    expect((await send(app, '/')).json()).toEqual({ actor: null })
    expect((await send(app, '/', 'Bearer anything')).statusCode).toBe(401)
  })

  test.each([
    ['an empty action', () => requirePermission(''), 'requirePermission needs an action name, such as "view-table"'],
    ['a resource without database', () => requirePermission('view-table', null, 'documents'), 'requirePermission("view-table") has a resource but no database'],
    ['an empty resource', () => requirePermission('view-table', 'docs', ''), "A guard's resource must be a non-empty string, a ':param' reference or a function of the request"],
    ['a bad onError on a guard', () => requirePermission('view-instance', null, null, { onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
    ['an unknown option on requireActor', () => requireActor({ onErorr: 'next' } as AdapterOptions), '"onErorr" is not an option of requireActor; did you mean "onError"?'],
    ['a bad onError on permissionsDebug', () => permissionsDebug({ onError: 'throw' as 'next' }), `"onError" option must be 'respond' or 'next', got "throw"`],
  ])('%s → TypeError when the guard is made', (_label, make, message) => {
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })
})

describe('Fastify: guards on a route the plugin does not cover fail loudly', () => {
  async function bare(hook: 'preHandler' | 'handler', fn: unknown): Promise<{ app: FastifyInstance; errors: unknown[]; state: { handlerRan: boolean } }> {
    const app = Fastify()
    const errors = recordErrors(app)
    const state = { handlerRan: false }
    if (hook === 'handler') app.get('/x', fn as RouteHandlerMethod)
    else {
      app.get('/x', { preHandler: fn as ReturnType<typeof requireActor> }, (_request, reply) => {
        state.handlerRan = true
        reply.send({ ok: true })
      })
    }
    await app.ready()
    return { app, errors, state }
  }

  test.each([
    ['requirePermission', 'preHandler', requirePermission('view-instance'), /^requirePermission\("view-instance"\) ran on a route the tokengate plugin does not cover/],
    ['requireActor', 'preHandler', requireActor(), /^requireActor\(\) ran on a route the tokengate plugin does not cover/],
    ['permissionsDebug', 'handler', permissionsDebug(), /^permissionsDebug\(\) ran on a route the tokengate plugin does not cover/],
  ] as const)('%s without the plugin: 500 ERR_MIDDLEWARE_ORDER, never anonymous', async (_label, hook, fn, message) => {
    const { app, errors, state } = await bare(hook, fn)
    const res = await send(app, '/x', `Bearer ${ALICE_STATIC}`)
    expect(res.statusCode).toBe(500)
    expect(res.headers['www-authenticate']).toBeUndefined()
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_MIDDLEWARE_ORDER', status: 500, expose: false })])
    expect((errors[0] as Error).message).toMatch(message)
    expect(state.handlerRan).toBe(false)
  })

  test('a guard added as a hook ahead of the plugin: 500 ERR_MIDDLEWARE_ORDER, not taken for anonymous; after it, it works', async () => {
    const app = (guardFirst: boolean) => {
      const instance = Fastify()
      const errors = recordErrors(instance)
      const guard = requirePermission('view-health')
      if (guardFirst) instance.addHook('onRequest', guard)
      instance.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
      if (!guardFirst) instance.addHook('onRequest', guard)
      instance.get('/health', (_request, reply) => {
        reply.send({ ok: true })
      })
      return { instance, errors }
    }
    const misordered = app(true)
    expect((await send(misordered.instance, '/health', `Bearer ${ALICE_STATIC}`)).statusCode).toBe(500)
    expect(misordered.errors).toEqual([expect.objectContaining({ code: 'ERR_MIDDLEWARE_ORDER' })])
    expect((misordered.errors[0] as Error).message).toBe(
      'requirePermission("view-health") ran before the tokengate plugin authenticated the request: register the plugin before adding hooks that guard (await app.register(tokengate, { config }))',
    )
    // near miss: the same guard added after the plugin
    const ordered = app(false)
    expect((await send(ordered.instance, '/health', `Bearer ${ALICE_STATIC}`)).statusCode).toBe(200)
    expect((await send(ordered.instance, '/health')).statusCode).toBe(401)
    expect(ordered.errors).toEqual([])
  })

  test("a ':param' target on a route without that parameter: 500, handler not run", async () => {
    let handlerRan = false
    const app = Fastify()
    const errors = recordErrors(app)
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.get('/tables/:table', { preHandler: requirePermission('view-table', ':db', ':table') }, (_request, reply) => {
      handlerRan = true
      reply.send({})
    })
    const res = await send(app, '/tables/documents')
    expect(res.statusCode).toBe(500)
    expect(errors[0]).toBeInstanceOf(TypeError)
    expect((errors[0] as Error).message).toBe('The guard reads its database from route parameter "db", but this route has no such parameter')
    expect(handlerRan).toBe(false)
  })

  test('a guard naming an unregistered action: 500 ERR_UNKNOWN_ACTION, even for anonymous, even with the default onError', async () => {
    const app = Fastify()
    const errors = recordErrors(app)
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.get('/x', { preHandler: requirePermission('publish-post') }, (_request, reply) => {
      reply.send({})
    })
    expect((await send(app, '/x')).statusCode).toBe(500)
    expect(errors[0]).toMatchObject({ code: 'ERR_UNKNOWN_ACTION', action: 'publish-post', expose: false })
  })

  test('a bug in a custom token source goes to Fastify even with the default onError', async () => {
    const app = Fastify()
    const errors = recordErrors(app)
    app.register(tokengate, { config: {}, tokenSources: [{ name: 'broken', verify: () => 'not an actor' as never }] })
    app.get('/open', (_request, reply) => {
      reply.send({})
    })
    expect((await send(app, '/open', 'Bearer anything')).statusCode).toBe(500)
    expect(errors[0]).toBeInstanceOf(TypeError)
  })
})

describe('Fastify: guards as onRequest hooks, and function targets', () => {
  test('as a route onRequest hook, a guard refuses before the body is parsed', async () => {
    let parsed = 0
    const app = Fastify()
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      parsed += 1
      done(null, JSON.parse(body as string))
    })
    app.post('/docs/documents', { onRequest: requirePermission('insert-row', 'docs', 'documents') }, (request, reply) => {
      reply.send({ got: request.body })
    })
    const post = (authorization?: string) =>
      app.inject({ method: 'POST', url: '/docs/documents', payload: '{"row": 1}', headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) } })
    const refused = await post()
    expect(refused.statusCode).toBe(401)
    expect(refused.json()).toEqual(errorBody(401, 'Authentication required: insert-row on docs/documents'))
    expect(parsed).toBe(0)
    // near miss: alice may insert, and then the body is parsed
    const allowed = await post(`Bearer ${ALICE_STATIC}`)
    expect(allowed.json()).toEqual({ got: { row: 1 } })
    expect(parsed).toBe(1)
  })

  test('as a preHandler, a function target may read the parsed body', async () => {
    const app = Fastify()
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.post(
      '/insert',
      { preHandler: requirePermission('insert-row', 'docs', (request) => (request.body as { table?: string }).table) },
      (_request, reply) => {
        reply.send({ ok: true })
      },
    )
    const post = (table: string) => app.inject({ method: 'POST', url: '/insert', payload: { table }, headers: { authorization: `Bearer ${ALICE_STATIC}` } })
    expect((await post('documents')).statusCode).toBe(200)
    expect((await post('drafts')).json()).toEqual(errorBody(403, 'Permission denied: insert-row on docs/drafts'))
  })

  test('an async (promise-style) route handler after a guard', async () => {
    const app = Fastify()
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.get('/health', { preHandler: requirePermission('view-health') }, async (request) => ({ actor: request.actor }))
    expect((await send(app, '/health', `Bearer ${ALICE_STATIC}`)).json()).toEqual({ actor: { id: 'alice' } })
    expect((await send(app, '/health', `Bearer ${DEBUGGER_STATIC}`)).statusCode).toBe(403)
  })
})

describe("Fastify: the HEAD route Fastify adds to every GET route is guarded too", () => {
  test.each([['preHandler'], ['onRequest']] as const)('guard as %s', async (hook) => {
    let handlerRan = 0
    const app = Fastify()
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.get('/health', { [hook]: requirePermission('view-health') }, (_request, reply) => {
      handlerRan += 1
      reply.send({ ok: true })
    })
    const anonymous = await app.inject({ method: 'HEAD', url: '/health' })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.headers['www-authenticate']).toBe(challenge(null))
    expect((await app.inject({ method: 'HEAD', url: '/health', headers: { authorization: `Bearer ${DEBUGGER_STATIC}` } })).statusCode).toBe(403)
    expect(handlerRan).toBe(0)
    // near miss: alice may view-health
    expect((await app.inject({ method: 'HEAD', url: '/health', headers: { authorization: `Bearer ${ALICE_STATIC}` } })).statusCode).toBe(200)
    expect(handlerRan).toBe(1)
  })
})

describe('Fastify: typed routes take the guards as they are', () => {
  // Compile-time as much as run-time: a route with its own generics accepts the guards in
  // onRequest and preHandler, alone or in a list, and app-level hooks accept them too.
  test('a route with Params and Body generics, guards in lists and app-level hooks', async () => {
    const app = Fastify()
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW })
    app.register(async (api) => {
      api.addHook('preHandler', requireActor())
      api.post<{ Params: { db: string; table: string }; Body: { note?: string } }>(
        '/:db/:table/insert',
        { onRequest: [requirePermission('insert-row', ':db', ':table')], preHandler: [requireActor()] },
        async (request) => ({ db: request.params.db, note: request.body.note ?? null, actor: request.actor }),
      )
    })
    const post = (authorization?: string) =>
      app.inject({ method: 'POST', url: '/docs/documents/insert', payload: { note: 'hi' }, headers: authorization === undefined ? {} : { authorization } })
    expect((await post(`Bearer ${ALICE_STATIC}`)).json()).toEqual({ db: 'docs', note: 'hi', actor: { id: 'alice' } })
    expect((await post(`Bearer ${DEBUGGER_STATIC}`)).statusCode).toBe(403)
    expect((await post()).statusCode).toBe(401)
  })
})

describe('Fastify: async token sources', () => {
  /** A source that answers later: `async-<id>` is the actor `<id>`; `async-bad` is refused. */
  const asyncSource: TokenSource = {
    name: 'async',
    async verify(token) {
      await new Promise((resolve) => setImmediate(resolve))
      if (!token.startsWith('async-')) return null
      if (token === 'async-bad') throw new InvalidTokenError('Token has been revoked', { reason: 'revoked' })
      if (token === 'async-bug') throw new Error('the store fell over')
      return { actor: { id: token.slice('async-'.length) } }
    },
  }

  async function asyncApp(onError: 'respond' | 'next' = 'respond'): Promise<{ app: FastifyInstance; errors: unknown[] }> {
    const app = Fastify()
    const errors = recordErrors(app)
    app.register(tokengate, { config: MAIN_CONFIG, now: () => NOW, tokenSources: [asyncSource], onError })
    app.get('/health', { preHandler: requirePermission('view-health') }, (request: FastifyRequest, reply: FastifyReply) => {
      reply.send({ actor: request.actor })
    })
    await app.ready()
    return { app, errors }
  }

  test('an async source sets request.actor before the guards run', async () => {
    const { app } = await asyncApp()
    expect((await send(app, '/health', 'Bearer async-alice')).json()).toEqual({ actor: { id: 'alice' } })
    // near miss: another actor from the same source is denied by the guard
    expect((await send(app, '/health', 'Bearer async-bob')).json()).toEqual(errorBody(403, 'Permission denied: view-health'))
  })

  test('a refusal from an async source is answered 401, or handed to Fastify', async () => {
    const respond = await asyncApp()
    const res = await send(respond.app, '/health', 'Bearer async-bad')
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(errorBody(401, 'Token has been revoked'))
    expect(res.headers['www-authenticate']).toBe(challenge('invalid_token'))
    expect(respond.errors).toEqual([])

    const next = await asyncApp('next')
    const res2 = await send(next.app, '/health', 'Bearer async-bad')
    expect(res2.statusCode).toBe(401)
    expect(res2.json()).toMatchObject({ code: 'ERR_INVALID_TOKEN', message: 'Token has been revoked' })
    expect(next.errors).toEqual([expect.objectContaining({ reason: 'revoked' })])
  })

  test('an async source that fails is a 500 from Fastify, never a pass', async () => {
    const { app, errors } = await asyncApp()
    expect((await send(app, '/health', 'Bearer async-bug')).statusCode).toBe(500)
    expect(errors).toEqual([expect.objectContaining({ message: 'the store fell over' })])
  })
})

describe('Fastify: events, the usage log and rate limits through inject() (SPEC section 11)', () => {
  test('a managed token limited to 2 a minute: RateLimit headers, the third refused 429; every step an event; every request in its usage log', async () => {
    const events: TokengateEvent[] = []
    const gate = createGate(MAIN_CONFIG, { now: () => NOW, tokenStore: createMemoryTokenStore(), onEvent: (event) => void events.push(event) })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'inject', rateLimit: { points: 2, duration: 60 } })
    scan.remember(token)
    const app = Fastify()
    app.register(tokengate, { gate })
    app.post('/docs/documents/insert', { preHandler: requirePermission('insert-row', 'docs', 'documents') }, async (_request, reply) => reply.code(201).send({ ok: true }))
    app.get('/docs/create-table', { preHandler: requirePermission('create-table', 'docs') }, async () => ({ ok: true }))
    const headers = { authorization: `Bearer ${token}` }
    const created = await app.inject({ method: 'POST', url: '/docs/documents/insert?x=1', headers })
    const forbidden = await app.inject({ method: 'GET', url: '/docs/create-table', headers })
    const limited = await app.inject({ method: 'POST', url: '/docs/documents/insert', headers })
    expect([created, forbidden, limited].map((r) => [r.statusCode, r.headers['ratelimit-policy'], r.headers['ratelimit']])).toEqual([
      [201, '"default";q=2;w=60', '"default";r=1;t=60'],
      [403, '"default";q=2;w=60', '"default";r=0;t=60'],
      [429, '"default";q=2;w=60', '"default";r=0;t=60'],
    ])
    expect(limited.headers['retry-after']).toBe('60')
    expect(limited.json()).toEqual(errorBody(429, 'Rate limit exceeded'))
    await EventScan.delivered()
    const subject = { actorId: 'alice', tokenId: record.id, source: 'managed', ip: '127.0.0.1' }
    expect(events.map((e) => ({ type: e.type, reason: e.reason, action: e.action, method: e.method, path: e.path }))).toEqual([
      { type: 'token.created', reason: null, action: null, method: null, path: null },
      { type: 'authenticated', reason: null, action: null, method: 'POST', path: '/docs/documents/insert' },
      { type: 'allowed', reason: null, action: 'insert-row', method: 'POST', path: '/docs/documents/insert' },
      { type: 'authenticated', reason: null, action: null, method: 'GET', path: '/docs/create-table' },
      { type: 'denied', reason: 'forbidden', action: 'create-table', method: 'GET', path: '/docs/create-table' },
      { type: 'authenticated', reason: null, action: null, method: 'POST', path: '/docs/documents/insert' },
      { type: 'denied', reason: 'rate_limited', action: null, method: 'POST', path: '/docs/documents/insert' },
    ])
    expect(events.slice(1)).toEqual(Array.from({ length: 6 }, () => expect.objectContaining(subject)))
    // Written once the responses finished (inject's too), read newest first.
    const { entries } = await gate.tokens!.usage(record.id)
    expect(entries.map((e) => [e.method, e.path, e.action, e.outcome, e.status])).toEqual([
      ['POST', '/docs/documents/insert', null, 'limited', 429],
      ['GET', '/docs/create-table', 'create-table', 'denied', 403],
      ['POST', '/docs/documents/insert', 'insert-row', 'allowed', 201],
    ])
  })

  test('  near miss: a gate without a listener or a store observes nothing, and without a limit sends no RateLimit headers', async () => {
    const { app } = await setup()
    const res = await send(app, '/docs/documents/insert', `Bearer ${ALICE_STATIC}`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['ratelimit']).toBeUndefined()
  })
})

describe('Fastify: one gate shared with the app', () => {
  test('{ gate } uses the gate as is, and request.actor is the gate-authenticated actor', async () => {
    const gate = createGate(MAIN_CONFIG, { now: () => NOW })
    const app = Fastify()
    app.register(tokengate, { gate })
    app.get('/health', { preHandler: requirePermission('view-health') }, (request, reply) => {
      reply.send({ actor: request.actor, allowed: gate.allowed(request.actor, 'view-health') })
    })
    const res = await send(app, '/health', `Bearer ${ALICE_STATIC}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ actor: { id: 'alice' }, allowed: true })
    // near miss: the same gate, anonymous
    expect((await send(app, '/health')).statusCode).toBe(401)
  })

  test('{ gate, onError } is allowed: onError is the adapter\'s', async () => {
    const app = Fastify()
    app.register(tokengate, { gate: createGate(MAIN_CONFIG, { now: () => NOW }), onError: 'next' })
    app.get('/health', { preHandler: requirePermission('view-health') }, (_request, reply) => {
      reply.send({})
    })
    expect((await send(app, '/health')).json()).toMatchObject({ code: 'ERR_AUTHENTICATION_REQUIRED' })
  })
})

describe("Fastify: the datasette-auth-tokens README's metadata.json, unchanged", () => {
  let dir: string
  let metadataPath: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokengate-fastify-'))
    metadataPath = join(dir, 'metadata.json')
    writeFileSync(metadataPath, SEED_METADATA_JSON)
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  function seedApp(env: Record<string, string>): { app: FastifyInstance; state: { handlerRan: boolean } } {
    const state = { handlerRan: false }
    const app = Fastify()
    app.register(tokengate, { config: metadataPath, env })
    app.get(SEED_ROUTE, { preHandler: requirePermission('view-query', ':db', ':query') }, (_request, reply) => {
      state.handlerRan = true
      reply.send(SEED_ROWS)
    })
    return { app, state }
  }

  test.each(SEED_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { app, state } = seedApp({ BOT_TOKEN: SEED_BOT_TOKEN })
    const res = await send(app, c.path, c.authorization)
    expect(res.statusCode).toBe(c.status)
    expect(res.json()).toEqual(c.body)
    expect(res.headers['www-authenticate']).toBe(c.challenge ?? undefined)
    expect(state.handlerRan).toBe(c.handlerRan)
  })

  test('without BOT_TOKEN in the environment, the plugin refuses to register', async () => {
    await expect(seedApp({}).app.ready()).rejects.toBeInstanceOf(ConfigError)
  })
})
