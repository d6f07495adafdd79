/**
 * The Fastify `tokenAdmin` end to end, through a real Fastify 5 app and `inject()`: the same
 * shared token-administration cases, InfluxDB seed bodies, page and login link as the Express and
 * Koa suites (../../admin/runner.ts, through ../../admin/client.ts's inject client); then what is
 * Fastify's own: a `prefix`, errors handed to Fastify's error handler, the plugin's body reading
 * scoped to its own context, routes declared in Fastify's router, misuse at registration.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { createGate, createMemoryTokenStore, isTokengateError } from 'tokengate'
import type { Gate, TokenAdminOptions } from 'tokengate'
import { requirePermission, tokenAdmin, tokengate } from 'tokengate/fastify'
import { CONFIG, NOW, STATIC, buildFixtures, errorBody, suiteGate } from '../../admin/cases.js'
import { injectClient } from '../../admin/client.js'
import { describeAdminCases, describeInfluxCases, describePageCases } from '../../admin/runner.js'

/** The suite's app: the plugin with cookies, tokenAdmin, a few guarded data routes, a JSON 404 and error handler. */
function app(gate: Gate, options: TokenAdminOptions, before?: (app: FastifyInstance) => void): FastifyInstance {
  const server = Fastify()
  server.setErrorHandler((error, _request, reply) => {
    void reply.code(isTokengateError(error) ? error.status : 500).send({ app: 'error', code: (error as { code?: unknown }).code })
  })
  server.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send({ app: 'not found' })
  })
  before?.(server)
  server.register(tokengate, { gate, actorCookie: true })
  server.register(tokenAdmin(gate, options))
  const ok = async () => ({ ok: true })
  server.get('/-/health', { preHandler: requirePermission('view-health') }, ok)
  server.get('/:db', { preHandler: requirePermission('view-database', ':db') }, ok)
  server.post('/:db/:table/-/insert', { preHandler: requirePermission('insert-row', ':db', ':table') }, ok)
  return server
}

describeAdminCases('Fastify', (gate, options) => injectClient(app(gate, options)))
describeInfluxCases('Fastify', (gate, options) => injectClient(app(gate, options)))
describePageCases('Fastify', (gate, options) => injectClient(app(gate, options)))

const alice = { authorization: `Bearer ${STATIC.alice}` }

describe("Fastify: what is Fastify's own", () => {
  test("registered with a prefix, it is served below it, and the page links to the prefixed API", async () => {
    const gate = suiteGate()
    const server = Fastify()
    await server.register(tokengate, { gate })
    await server.register(tokenAdmin(gate), { prefix: '/admin' })
    const page = await server.inject({ url: '/admin/-/tokens', headers: alice })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('data-api="/admin/-/api/tokens"')
    expect(page.body).toContain('src="/admin/-/tokens/page.js"')
    expect((await server.inject({ url: '/admin/-/api/tokens', headers: alice })).statusCode).toBe(200)
    // near miss: not at the root
    expect((await server.inject({ url: '/-/api/tokens', headers: alice })).statusCode).toBe(404)
  })

  test("each endpoint is a route of Fastify's router", async () => {
    const gate = suiteGate()
    const server = Fastify()
    server.register(tokengate, { gate })
    server.register(tokenAdmin(gate, { influx: true }))
    await server.ready()
    for (const [method, url] of [
      ['POST', '/-/api/tokens'],
      ['GET', '/-/api/tokens/:id'],
      ['GET', '/-/api/tokens/:id/usage'],
      ['PATCH', '/-/api/tokens/:id'],
      ['DELETE', '/api/v3/configure/token'],
      ['GET', '/-/tokens/page.js'],
    ] as const) {
      expect([method, url, server.hasRoute({ method, url })]).toEqual([method, url, true])
    }
    // near miss: a method the admin does not serve is not routed
    expect(server.hasRoute({ method: 'PUT', url: '/-/api/tokens/:id' })).toBe(false)
  })

  test('the app may not declare a route the admin serves: Fastify refuses at start-up', async () => {
    const gate = suiteGate()
    const server = Fastify()
    server.register(tokengate, { gate })
    server.register(tokenAdmin(gate))
    server.get('/-/tokens', async () => 'mine')
    await expect(server.ready()).rejects.toThrow("Method 'GET' already declared for route '/-/tokens'")
  })

  test("its body reading stays in its own context: the app's JSON routes are parsed by Fastify as before", async () => {
    const gate = suiteGate()
    const server = Fastify()
    server.register(tokengate, { gate })
    server.register(tokenAdmin(gate))
    server.post('/echo', async (request) => ({ got: request.body }))
    const echoed = await server.inject({ method: 'POST', url: '/echo', payload: { a: 1 } })
    expect(echoed.json()).toEqual({ got: { a: 1 } })
    // and the admin's own reader answers its own 415 and 413, as on Express and Koa
    const form = await server.inject({ method: 'POST', url: '/-/api/tokens', headers: { ...alice, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=ci' })
    expect([form.statusCode, form.json()]).toEqual([415, errorBody(415, 'The request body must be JSON: send Content-Type: application/json')])
    const created = await server.inject({ method: 'POST', url: '/-/api/tokens', headers: alice, payload: { name: 'ci' } })
    expect(created.statusCode).toBe(201)
  })

  test("without the tokengate plugin over it: 500 ERR_MIDDLEWARE_ORDER, never anonymous", async () => {
    const errors: unknown[] = []
    const server = Fastify()
    server.addHook('onError', (_request, _reply, error, done) => {
      errors.push(error)
      done()
    })
    server.register(tokenAdmin(suiteGate()))
    const res = await server.inject({ url: '/-/api/tokens', headers: alice })
    expect(res.statusCode).toBe(500)
    expect(errors[0]).toMatchObject({ code: 'ERR_MIDDLEWARE_ORDER' })
    expect((errors[0] as Error).message).toMatch(/^tokenAdmin\(\) ran on a route the tokengate plugin does not cover/)
  })

  test("onError: 'next' hands the coded error to Fastify's error handler, status and challenge kept", async () => {
    const gate = suiteGate()
    const errors: unknown[] = []
    const server = Fastify()
    server.setErrorHandler((error, _request, reply) => {
      errors.push(error)
      if (!isTokengateError(error)) throw error
      void reply.code(error.status).headers(error.headers).send({ reshaped: error.code })
    })
    server.register(tokengate, { gate })
    server.register(tokenAdmin(gate, { onError: 'next' }))
    const res = await server.inject({ method: 'POST', url: '/-/api/tokens', headers: { authorization: `Bearer ${STATIC.bob}` }, payload: { name: 'x' } })
    expect([res.statusCode, res.json(), res.headers['www-authenticate']]).toEqual([
      403,
      { reshaped: 'ERR_FORBIDDEN' },
      'Bearer realm="tokengate", error="insufficient_scope"',
    ])
    expect(errors).toHaveLength(1)
  })

  test('a store that is down: 503 with Retry-After, never a pass; the page says so as a page', async () => {
    const store = createMemoryTokenStore()
    const gate = createGate(CONFIG, { now: () => NOW, tokenStore: store })
    await buildFixtures(gate)
    const server = app(gate, {})
    store.list = () => Promise.reject(new Error('connection refused'))
    const res = await server.inject({ url: '/-/api/tokens', headers: alice })
    expect([res.statusCode, res.headers['retry-after'], res.json()]).toEqual([503, '2', errorBody(503, 'Token store unavailable')])
    const page = await server.inject({ url: '/-/tokens', headers: alice })
    expect([page.statusCode, page.headers['retry-after']]).toEqual([503, '2'])
    expect(page.body).toContain('Token store unavailable')
  })
})

describe('Fastify: misuse fails when the app is declared or registered', () => {
  test.each([
    ['a gate without a store', () => tokenAdmin(createGate(CONFIG)), 'tokenAdmin needs a gate with a token store'],
    ['an unknown option', () => tokenAdmin(suiteGate(), { basepath: '/x' } as TokenAdminOptions), '"basepath" is not an option of tokenAdmin; did you mean "basePath"?'],
    ['a basePath Fastify reads as a parameter', () => tokenAdmin(suiteGate(), { basePath: '/api/v1:tokens' }), 'tokenAdmin on Fastify cannot serve "/api/v1:tokens": Fastify\'s router reads ":", "*", "(" and ")" as route syntax'],
    ['a pagePath with a wildcard', () => tokenAdmin(suiteGate(), { pagePath: '/tokens*' }), 'tokenAdmin on Fastify cannot serve "/tokens*"'],
  ])('%s → TypeError', (_label, make, message) => {
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })

  test("  near miss: the same paths without route syntax are fine", () => {
    expect(() => tokenAdmin(suiteGate(), { basePath: '/api/v1/tokens', pagePath: '/tokens' })).not.toThrow()
  })

  test("tokenAdmin's options given to register instead are refused at registration", async () => {
    const gate = suiteGate()
    const server = Fastify()
    server.register(tokengate, { gate })
    server.register(tokenAdmin(gate), { influx: true } as never)
    await expect(server.ready()).rejects.toThrow(
      '"influx" is not an option of app.register(tokenAdmin(gate, options), …): pass tokenAdmin\'s options to tokenAdmin(gate, options); register takes Fastify\'s prefix',
    )
  })

  test('the tokengate plugin takes actorCookie, which needs a secret', async () => {
    const server = Fastify()
    server.register(tokengate, { config: {}, actorCookie: true })
    await expect(server.ready()).rejects.toThrow('"actorCookie" needs a secret to verify cookies with')
  })
})
