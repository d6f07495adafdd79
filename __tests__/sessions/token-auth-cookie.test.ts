/**
 * `tokenAuth(gate, { actorCookie: true })` on Express and Koa, and the Fastify plugin's
 * `actorCookie` (SPEC section 10): the `ds_actor`
 * cookie signs a request in when it has no Authorization header; a bad cookie is anonymous;
 * every change that carries a cookie is checked for cross-origin use before any route runs.
 */
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import request from 'supertest'
import { createGate, readActorCookie } from 'tokengate'
import type { Actor, Gate, TokengateEvent } from 'tokengate'
import { tokenAuth as expressTokenAuth } from 'tokengate/express'
import { tokengate as fastifyTokengate } from 'tokengate/fastify'
import { tokenAuth as koaTokenAuth } from 'tokengate/koa'
import { deriveSigningKey, encodePayload, signatureOf } from '../../lib/internal/itsdangerous.js'
import { fastifyListener } from '../helpers/fastify.js'

const NOW = 1_700_000_000

/** A cookie value signed with the suite's secret whose payload is exactly this JSON. */
function signed(json: string): string {
  const body = encodePayload(json)
  return `${body}.${signatureOf(deriveSigningKey('cookie-suite-secret', 'actor'), body)}`
}
const STATIC = 'bob-static-token-for-cookie-suite'

function gate(): Gate {
  return createGate({ secret: 'cookie-suite-secret', tokens: [{ token: STATIC, actor: { id: 'bob' } }] }, { now: () => NOW })
}

type Server = Parameters<typeof request>[0]
interface Built {
  server: Server
  ran: { count: number }
}

function expressApp(g: Gate, actorCookie: boolean): Built {
  const ran = { count: 0 }
  const app = express()
  app.use(expressTokenAuth(g, { actorCookie }))
  app.all('/whoami', (req, res) => {
    ran.count++
    res.json({ actor: req.actor })
  })
  return { server: app, ran }
}

function koaApp(g: Gate, actorCookie: boolean): Built {
  const ran = { count: 0 }
  const app = new Koa()
  app.use(koaTokenAuth(g, { actorCookie }))
  const router = new Router()
  router.all('/whoami', (ctx) => {
    ran.count++
    ctx.body = { actor: ctx.state.actor }
  })
  app.use(router.routes())
  return { server: app.callback(), ran }
}

function fastifyApp(g: Gate, actorCookie: boolean): Built {
  const ran = { count: 0 }
  const app = Fastify()
  app.register(fastifyTokengate, { gate: g, actorCookie })
  app.all('/whoami', async (request) => {
    ran.count++
    return { actor: request.actor }
  })
  return { server: fastifyListener(app), ran }
}

describe.each([
  ['Express', expressApp],
  ['Koa', koaApp],
  ['Fastify', fastifyApp],
])('%s: tokenAuth with actorCookie', (_framework, make) => {
  const g = gate()
  const cookie = (actor: Actor, expiresAfter?: number) => `ds_actor=${g.createActorCookie(actor, expiresAfter === undefined ? {} : { expiresAfter })}`

  test('a valid cookie signs the request in', async () => {
    const { server } = make(g, true)
    const res = await request(server).get('/whoami').set('Cookie', cookie({ id: 'root' }))
    expect(res.body).toEqual({ actor: { id: 'root' } })
  })

  test('  near miss: without actorCookie the cookie is not read', async () => {
    const { server } = make(g, false)
    const res = await request(server).get('/whoami').set('Cookie', cookie({ id: 'root' }))
    expect(res.body).toEqual({ actor: null })
  })

  test('an Authorization header wins; the cookie is read only without one', async () => {
    const { server } = make(g, true)
    const bearer = await request(server).get('/whoami').set('Cookie', cookie({ id: 'root' })).set('Authorization', `Bearer ${STATIC}`)
    expect(bearer.body).toEqual({ actor: { id: 'bob' } })
    const basic = await request(server).get('/whoami').set('Cookie', cookie({ id: 'root' })).set('Authorization', 'Basic Ym9iOnB3')
    expect(basic.body).toEqual({ actor: null })
  })

  test.each([
    ['another secret', () => `ds_actor=${createGate({ secret: 'other' }).createActorCookie({ id: 'root' })}`],
    ['expired', () => `ds_actor=${createGate({ secret: 'cookie-suite-secret' }, { now: () => NOW - 7200 }).createActorCookie({ id: 'root' }, { expiresAfter: 3600 })}`],
    ['garbage', () => 'ds_actor=garbage'],
    // Issue 9: a validly signed actor nested 30,000 levels deep was a stack overflow, a 500.
    ['an actor nested 30,000 levels deep', () => `ds_actor=${signed(`{"a":{"id":"root","x":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`)}`],
  ])('a cookie signed with %s is anonymous, not an error', async (_label, value) => {
    const { server } = make(g, true)
    const res = await request(server).get('/whoami').set('Cookie', value())
    expect([res.status, res.body]).toEqual([200, { actor: null }])
  })

  test('a cross-site change carrying a cookie → 403 before the route runs', async () => {
    const { server, ran } = make(g, true)
    const res = await request(server).post('/whoami').set('Cookie', cookie({ id: 'root' })).set('Sec-Fetch-Site', 'cross-site')
    expect(res.status).toBe(403)
    expect(res.body).toEqual({
      ok: false,
      error: 'Cross-origin request refused: Sec-Fetch-Site is "cross-site", not same-origin',
      errors: ['Cross-origin request refused: Sec-Fetch-Site is "cross-site", not same-origin'],
      status: 403,
    })
    expect(ran.count).toBe(0)
  })

  test('  near misses: same-origin, its own Origin, a bearer client without a cookie', async () => {
    const { server, ran } = make(g, true)
    expect((await request(server).post('/whoami').set('Cookie', cookie({ id: 'root' })).set('Sec-Fetch-Site', 'same-origin')).status).toBe(200)
    expect((await request(server).post('/whoami').set('Cookie', cookie({ id: 'root' })).set('Host', 'h.example').set('Origin', 'http://h.example')).status).toBe(200)
    expect((await request(server).post('/whoami').set('Authorization', `Bearer ${STATIC}`).set('Sec-Fetch-Site', 'cross-site')).status).toBe(200)
    expect(ran.count).toBe(3)
  })

  test('the cookie the gate writes is the one Datasette reads (same secret)', () => {
    const value = g.createActorCookie({ id: 'root' }, { expiresAfter: 60 })
    expect(readActorCookie(value, { secrets: 'cookie-suite-secret', now: NOW })).toEqual({ id: 'root' })
  })
})

describe.each([
  ['Express', expressApp],
  ['Koa', koaApp],
  ['Fastify', fastifyApp],
])('%s: a cookie session is an authenticated caller for events and rate limits (SPEC sections 10 and 11)', (_framework, make) => {
  function observed(): { g: Gate; events: TokengateEvent[]; cookie: (actor: Actor) => string } {
    const events: TokengateEvent[] = []
    const g = createGate(
      { secret: 'cookie-suite-secret', tokens: [{ token: STATIC, actor: { id: 'bob' } }] },
      { now: () => NOW, onEvent: (event) => void events.push(event), rateLimit: { points: 2, duration: 60 } },
    )
    return { g, events, cookie: (actor) => `ds_actor=${g.createActorCookie(actor)}` }
  }

  test('a signed-in request is told as authenticated from the ds_actor source, never with the cookie', async () => {
    const { g, events, cookie } = observed()
    const { server } = make(g, true)
    const value = cookie({ id: 'root' })
    await request(server).get('/whoami?x=1').set('Cookie', value)
    await new Promise((resolve) => setImmediate(resolve))
    expect(events).toEqual([
      expect.objectContaining({ type: 'authenticated', actorId: 'root', source: 'ds_actor', tokenId: null, method: 'GET', path: '/whoami' }),
    ])
    expect(JSON.stringify(events)).not.toContain(value.slice('ds_actor='.length))
  })

  test('  near miss: a bad cookie is anonymous, and tells nothing', async () => {
    const { g, events } = observed()
    const { server } = make(g, true)
    await request(server).get('/whoami').set('Cookie', 'ds_actor=garbage')
    await new Promise((resolve) => setImmediate(resolve))
    expect(events).toEqual([])
  })

  test("the gate's rateLimit counts a cookie session by its actor id: the third request in the window is 429", async () => {
    const { g, cookie } = observed()
    const { server, ran } = make(g, true)
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await request(server).get('/whoami').set('Cookie', cookie({ id: 'root' })))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429])
    expect(answers.map((a) => a.headers['ratelimit-policy'])).toEqual(['"default";q=2;w=60', '"default";q=2;w=60', '"default";q=2;w=60'])
    expect(answers[2]?.body).toEqual({ ok: false, error: 'Rate limit exceeded', errors: ['Rate limit exceeded'], status: 429 })
    expect(ran.count).toBe(2)
    // Another actor's session has its own count.
    expect((await request(server).get('/whoami').set('Cookie', cookie({ id: 'alice' }))).status).toBe(200)
  })

  test('  near miss: anonymous requests (no cookie, a bad one) are never limited by the gate default', async () => {
    const { g } = observed()
    const { server } = make(g, true)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await request(server).get('/whoami').set('Cookie', 'ds_actor=garbage')).status)
    expect(statuses).toEqual([200, 200, 200, 200])
  })
})
