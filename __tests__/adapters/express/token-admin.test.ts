/**
 * The Express `tokenAdmin` end to end, through a real Express 5 app and supertest: the shared
 * token-administration cases (../../admin/cases.ts, also run by koa/token-admin.test.ts), the
 * InfluxDB 3 endpoints with the seed's curl bodies, the page and the login link; then what is
 * Express's own: a body already parsed by express.json(), a mount point, wiring mistakes.
 */
import express from 'express'
import type { ErrorRequestHandler, Express } from 'express'
import request from 'supertest'
import { MiddlewareOrderError, createGate, createMemoryTokenStore, isTokengateError } from 'tokengate'
import type { Gate, TokenAdminOptions } from 'tokengate'
import { requirePermission, tokenAdmin, tokenAuth } from 'tokengate/express'
import { CONFIG, NOW, STATIC, buildFixtures, errorBody, suiteGate } from '../../admin/cases.js'
import { describeAdminCases, describeInfluxCases, describePageCases } from '../../admin/runner.js'

/** The suite's app: tokenAuth with cookies, tokenAdmin, a few guarded data routes and a JSON 404. */
function app(gate: Gate, options: TokenAdminOptions, before?: (app: Express) => void): Express {
  const server = express()
  before?.(server)
  server.use(tokenAuth(gate, { actorCookie: true }))
  server.use(tokenAdmin(gate, options))
  server.get('/-/health', requirePermission('view-health'), (_req, res) => res.json({ ok: true }))
  server.get('/:db', requirePermission('view-database', ':db'), (_req, res) => res.json({ ok: true }))
  server.post('/:db/:table/-/insert', requirePermission('insert-row', ':db', ':table'), (_req, res) => res.json({ ok: true }))
  server.use((_req, res) => res.status(404).json({ app: 'not found' }))
  server.use(((err, _req, res, _next) => {
    res.status(isTokengateError(err) ? err.status : 500).json({ app: 'error', code: (err as { code?: unknown }).code })
  }) satisfies ErrorRequestHandler)
  return server
}

describeAdminCases('Express', (gate, options) => app(gate, options))
describeInfluxCases('Express', (gate, options) => app(gate, options))
describePageCases('Express', (gate, options) => app(gate, options))

describe("Express: what is Express's own", () => {
  test('a body express.json() already read is used as it left it', async () => {
    const gate = suiteGate()
    const server = app(gate, {}, (s) => s.use(express.json()))
    const res = await request(server).post('/-/api/tokens').set('Authorization', `Bearer ${STATIC.alice}`).send({ name: 'parsed' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ name: 'parsed' })
    // near miss: an unknown field is refused all the same
    const bad = await request(server).post('/-/api/tokens').set('Authorization', `Bearer ${STATIC.alice}`).send({ name: 'x', nope: 1 })
    expect(bad.status).toBe(400)
  })

  test('mounted under a path, the page links to the mounted API', async () => {
    const gate = suiteGate()
    const server = express()
    server.use(tokenAuth(gate))
    server.use('/admin', tokenAdmin(gate))
    const page = await request(server).get('/admin/-/tokens').set('Authorization', `Bearer ${STATIC.alice}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('data-api="/admin/-/api/tokens"')
    expect(page.text).toContain('src="/admin/-/tokens/page.js"')
    expect((await request(server).get('/admin/-/api/tokens').set('Authorization', `Bearer ${STATIC.alice}`)).status).toBe(200)
  })

  test('without tokenAuth in front: 500 ERR_MIDDLEWARE_ORDER, never anonymous', async () => {
    const gate = suiteGate()
    const errors: unknown[] = []
    const server = express()
    server.use(tokenAdmin(gate))
    server.use(((err, _req, res, _next) => {
      errors.push(err)
      res.status(500).end()
    }) satisfies ErrorRequestHandler)
    expect((await request(server).get('/-/api/tokens')).status).toBe(500)
    expect(errors[0]).toBeInstanceOf(MiddlewareOrderError)
  })

  test("onError: 'next' hands the coded error to Express", async () => {
    const gate = suiteGate()
    const errors: unknown[] = []
    const server = express()
    server.use(tokenAuth(gate))
    server.use(tokenAdmin(gate, { onError: 'next' }))
    server.use(((err, _req, res, _next) => {
      errors.push(err)
      res.status(418).json({ reshaped: true })
    }) satisfies ErrorRequestHandler)
    const res = await request(server).post('/-/api/tokens').set('Authorization', `Bearer ${STATIC.bob}`).send({ name: 'x' })
    expect(res.status).toBe(418)
    expect(errors[0]).toMatchObject({ code: 'ERR_FORBIDDEN', status: 403 })
  })

  test('a store that is down: 503 with Retry-After, never a pass', async () => {
    const store = createMemoryTokenStore()
    const gate = createGate(CONFIG, { now: () => NOW, tokenStore: store })
    await buildFixtures(gate)
    const server = app(gate, {})
    store.list = () => Promise.reject(new Error('connection refused'))
    const res = await request(server).get('/-/api/tokens').set('Authorization', `Bearer ${STATIC.alice}`)
    expect([res.status, res.headers['retry-after']]).toEqual([503, '2'])
    expect(res.body).toEqual(errorBody(503, 'Token store unavailable'))
    // the page says so too, as a page
    const page = await request(server).get('/-/tokens').set('Authorization', `Bearer ${STATIC.alice}`)
    expect([page.status, page.headers['retry-after']]).toEqual([503, '2'])
    expect(page.text).toContain('Token store unavailable')
  })
})

describe('Express: misuse fails when the app is declared', () => {
  test.each([
    ['a gate without a store', () => tokenAdmin(createGate(CONFIG)), 'tokenAdmin needs a gate with a token store'],
    ['an unknown option', () => tokenAdmin(suiteGate(), { basepath: '/x' } as TokenAdminOptions), '"basepath" is not an option of tokenAdmin; did you mean "basePath"?'],
    ['a relative basePath', () => tokenAdmin(suiteGate(), { basePath: 'tokens' }), '"basePath" option must be a path'],
    ['a trailing slash', () => tokenAdmin(suiteGate(), { pagePath: '/tokens/' }), '"pagePath" option must be a path'],
    ['paths inside one another', () => tokenAdmin(suiteGate(), { basePath: '/t', pagePath: '/t/page' }), '"basePath" and "pagePath" must not contain one another'],
    ['maxExpiresAfter 0', () => tokenAdmin(suiteGate(), { maxExpiresAfter: 0 }), '"maxExpiresAfter" option must be a positive whole number of seconds, or null for no limit'],
    ['influx not a boolean', () => tokenAdmin(suiteGate(), { influx: 'yes' as unknown as boolean }), '"influx" option must be true or false'],
    ['actorCookie without a secret', () => tokenAuth(createGate({}), { actorCookie: true }), '"actorCookie" needs a secret'],
  ])('%s → TypeError', (_label, make, message) => {
    expect(make).toThrow(TypeError)
    expect(make).toThrow(message)
  })

  test('NOW is the suite clock', () => {
    expect(NOW).toBe(1_700_000_000)
  })
})
