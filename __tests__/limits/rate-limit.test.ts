/**
 * Rate limits counted in one instance's memory (SPEC section 11), on Express, Koa and Fastify alike:
 * `{points: 5, duration: 60}` refuses the sixth request of a minute with 429 and exact headers;
 * the headers' values at the edges (the last allowed request, the first refused one, the reset)
 * under a clock the test moves; what a limit is keyed by (token id, else actor id; anonymous
 * never); a 401 never counts; a token's own limit over the gate's default, and a change of it;
 * concurrent requests never pass the limit; misuse refused at creation.
 */
import { Router } from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import request from 'supertest'
import { type Gate, type GateOptions, RateLimitError, createGate, createMemoryTokenStore, isTokengateError } from 'tokengate'
import * as expressAdapter from 'tokengate/express'
import * as fastifyAdapter from 'tokengate/fastify'
import * as koaAdapter from 'tokengate/koa'
import { createMemoryLimiter } from '../../lib/limits/rate-limiter.js'
import { EventScan } from '../helpers/event-scan.js'
import { fastifyListener } from '../helpers/fastify.js'
import { thrown } from '../helpers/thrown.js'
import { limitOf } from '../helpers/rate-limit-headers.js'

const ALICE = 'alice-static-token-for-limits-0c8e51'
const ALICE_TOO = 'alice-second-static-token-7d2b44'
const BOB = 'bob-static-token-for-limits-11f0aa'
const BOT = 'bot-static-token-without-an-id-3e9'
const CONFIG = {
  tokens: [
    { token: ALICE, actor: { id: 'alice' } },
    { token: ALICE_TOO, actor: { id: 'alice' } },
    { token: BOB, actor: { id: 'bob' } },
    { token: BOT, actor: { bot_id: 'my-bot' } },
  ],
}

const scan = new EventScan()
scan.remember(ALICE, ALICE_TOO, BOB, BOT)
afterAll(async () => {
  await EventScan.delivered()
  expect(scan.events.length).toBeGreaterThan(20)
  expect(scan.leaks()).toEqual([])
})

type Send = (authorization?: string) => Promise<request.Response>

/** `GET /open` behind tokenAuth, on each adapter. */
const ADAPTERS: readonly [string, (gate: Gate) => Send][] = [
  [
    'Express',
    (gate) => {
      const app = express()
      app.use(expressAdapter.tokenAuth(gate))
      app.get('/open', (_req, res) => {
        res.json({ ok: true })
      })
      return (authorization) => {
        scan.rememberRequest('/open', authorization)
        return authorization === undefined ? request(app).get('/open') : request(app).get('/open').set('Authorization', authorization)
      }
    },
  ],
  [
    'Koa',
    (gate) => {
      const app = new Koa()
      app.use(koaAdapter.tokenAuth(gate))
      const router = new Router()
      router.get('/open', (ctx) => {
        ctx.body = { ok: true }
      })
      app.use(router.routes())
      const server = app.callback()
      return (authorization) => {
        scan.rememberRequest('/open', authorization)
        return authorization === undefined ? request(server).get('/open') : request(server).get('/open').set('Authorization', authorization)
      }
    },
  ],
  [
    'Fastify',
    (gate) => {
      const app = Fastify()
      app.register(fastifyAdapter.tokengate, { gate })
      app.get('/open', async () => ({ ok: true }))
      const server = fastifyListener(app)
      return (authorization) => {
        scan.rememberRequest('/open', authorization)
        return authorization === undefined ? request(server).get('/open') : request(server).get('/open').set('Authorization', authorization)
      }
    },
  ],
]

function gateWith(options: GateOptions = {}): Gate {
  return createGate(CONFIG, { onEvent: scan.listener, ...options })
}

const POLICY = '"default";q=5;w=60'

describe.each(ADAPTERS)('%s', (_name, appFor) => {
  test('a managed token with {points: 5, duration: 60}: the sixth request in the minute is refused 429 with its headers', async () => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore() })
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'limited', rateLimit: { points: 5, duration: 60 } })
    scan.remember(token)
    const send = appFor(gate)
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await send(`Bearer ${token}`))
    expect(answers.slice(0, 5).map(limitOf)).toEqual([4, 3, 2, 1, 0].map((r) => ({ status: 200, policy: POLICY, state: `"default";r=${r};t=60` })))
    expect(limitOf(answers[5]!)).toEqual({ status: 429, policy: POLICY, state: '"default";r=0;t=60', retryAfter: '60' })
    expect(answers[5]!.body).toEqual({ ok: false, error: 'Rate limit exceeded', errors: ['Rate limit exceeded'], status: 429 })
    expect(answers[5]!.headers['www-authenticate']).toBeUndefined()
  })

  describe('the headers at the edges, under a clock the test moves', () => {
    // Only Date is faked: rate-limiter-flexible reads Date.now(); supertest keeps its real timers.
    beforeEach(() => {
      jest.useFakeTimers({
        doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
        now: new Date('2027-01-01T00:00:00Z'),
      })
    })
    afterEach(() => {
      jest.useRealTimers()
    })
    const advance = (ms: number): void => {
      jest.setSystemTime(Date.now() + ms)
    }

    test('the last allowed request, the first refused one, and the first after the reset', async () => {
      const send = appFor(gateWith({ rateLimit: { points: 5, duration: 60 } }))
      expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy: POLICY, state: '"default";r=4;t=60' })
      advance(20_000)
      expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy: POLICY, state: '"default";r=3;t=40' })
      advance(20_001)
      expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy: POLICY, state: '"default";r=2;t=20' })
      await send(`Bearer ${ALICE}`)
      advance(19_000)
      // The last allowed request: nothing remains, and the window ends in under a second (rounded up).
      expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy: POLICY, state: '"default";r=0;t=1' })
      // The first refused one: come back in a second.
      expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 429, policy: POLICY, state: '"default";r=0;t=1', retryAfter: '1' })
      advance(998)
      expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 429, policy: POLICY, state: '"default";r=0;t=1', retryAfter: '1' })
      // The window is over: a new one starts with this request.
      advance(1)
      expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy: POLICY, state: '"default";r=4;t=60' })
    })
  })

  test('the gate default counts per actor id for tokens without an id: two tokens of one actor share it, another actor has its own', async () => {
    const send = appFor(gateWith({ rateLimit: { points: 2, duration: 60 } }))
    expect(limitOf(await send(`Bearer ${ALICE}`)).state).toBe('"default";r=1;t=60')
    expect(limitOf(await send(`Bearer ${ALICE_TOO}`)).state).toBe('"default";r=0;t=60')
    expect(limitOf(await send(`Bearer ${ALICE}`)).status).toBe(429)
    expect(limitOf(await send(`Bearer ${BOB}`))).toEqual({ status: 200, policy: '"default";q=2;w=60', state: '"default";r=1;t=60' })
    // An actor without an id is counted by what it is.
    expect(limitOf(await send(`Bearer ${BOT}`)).state).toBe('"default";r=1;t=60')
    expect(limitOf(await send(`Bearer ${BOT}`)).state).toBe('"default";r=0;t=60')
    expect(limitOf(await send(`Bearer ${BOT}`)).status).toBe(429)
  })

  test('anonymous requests are never limited by the default, and carry no headers', async () => {
    const send = appFor(gateWith({ rateLimit: { points: 1, duration: 60 } }))
    for (let i = 0; i < 3; i++) expect(limitOf(await send())).toEqual({ status: 200 })
  })

  test('a 401 never counts', async () => {
    const send = appFor(gateWith({ rateLimit: { points: 2, duration: 60 } }))
    for (let i = 0; i < 5; i++) expect((await send('Bearer not-a-known-token-000000')).status).toBe(401)
    expect(limitOf(await send(`Bearer ${ALICE}`)).state).toBe('"default";r=1;t=60')
  })

  test('without any limit, no headers', async () => {
    const send = appFor(gateWith())
    expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200 })
  })

  test("managed tokens are counted by token id; a token's own limit takes the default's place; a changed limit applies at once", async () => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore(), rateLimit: { points: 100, duration: 60 } })
    const own = await gate.tokens!.create({ actorId: 'alice', name: 'own', rateLimit: { points: 3, duration: 10 } })
    const plain = await gate.tokens!.create({ actorId: 'alice', name: 'plain' })
    scan.remember(own.token, plain.token)
    const send = appFor(gate)
    expect(limitOf(await send(`Bearer ${own.token}`))).toEqual({ status: 200, policy: '"default";q=3;w=10', state: '"default";r=2;t=10' })
    expect(limitOf(await send(`Bearer ${plain.token}`))).toEqual({ status: 200, policy: '"default";q=100;w=60', state: '"default";r=99;t=60' })
    // Alice's static token is counted by her id, apart from her managed tokens.
    expect(limitOf(await send(`Bearer ${ALICE}`)).state).toBe('"default";r=99;t=60')
    await gate.tokens!.update(own.record.id, { rateLimit: { points: 1, duration: 30 } })
    expect(limitOf(await send(`Bearer ${own.token}`))).toEqual({ status: 200, policy: '"default";q=1;w=30', state: '"default";r=0;t=30' })
    expect(limitOf(await send(`Bearer ${own.token}`)).status).toBe(429)
    // Its limit removed: the gate's default applies again.
    await gate.tokens!.update(own.record.id, { rateLimit: null })
    expect(limitOf(await send(`Bearer ${own.token}`)).policy).toBe('"default";q=100;w=60')
  })

  test('concurrent requests never pass the limit', async () => {
    const send = appFor(gateWith({ rateLimit: { points: 10, duration: 60 } }))
    const answers = await Promise.all(Array.from({ length: 40 }, () => send(`Bearer ${ALICE}`)))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(10)
    expect(answers.filter((a) => a.status === 429)).toHaveLength(30)
    const remaining = answers.filter((a) => a.status === 200).map((a) => a.headers['ratelimit'])
    expect(new Set(remaining).size).toBe(10)
  })
})

describe("onError: 'next' hands the 429 to the framework, with its headers", () => {
  test('Express', async () => {
    const errors: unknown[] = []
    const app = express()
    app.use(expressAdapter.tokenAuth(gateWith({ rateLimit: { points: 1, duration: 60 } }), { onError: 'next' }))
    app.get('/open', (_req, res) => {
      res.json({ ok: true })
    })
    app.use(((err, _req, res, _next) => {
      errors.push(err)
      if (!isTokengateError(err)) throw err
      res.status(err.status).set(err.headers).json({ problem: err.code })
    }) satisfies express.ErrorRequestHandler)
    await request(app).get('/open').set('Authorization', `Bearer ${BOB}`)
    const res = await request(app).get('/open').set('Authorization', `Bearer ${BOB}`)
    expect(limitOf(res)).toEqual({ status: 429, policy: '"default";q=1;w=60', state: '"default";r=0;t=60', retryAfter: '60' })
    expect(res.body).toEqual({ problem: 'ERR_RATE_LIMITED' })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(RateLimitError)
    expect((errors[0] as RateLimitError).retryAfter).toBe(60)
  })

  test('Koa: the error reaches ctx.onerror, which sends its headers', async () => {
    const app = new Koa()
    app.silent = true
    app.use(koaAdapter.tokenAuth(gateWith({ rateLimit: { points: 1, duration: 60 } }), { onError: 'next' }))
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
    const server = app.callback()
    await request(server).get('/open').set('Authorization', `Bearer ${BOB}`)
    const res = await request(server).get('/open').set('Authorization', `Bearer ${BOB}`)
    expect(limitOf(res)).toEqual({ status: 429, policy: '"default";q=1;w=60', state: '"default";r=0;t=60', retryAfter: '60' })
  })

  test("Fastify: the error reaches Fastify's error handler, which sends its headers", async () => {
    const errors: unknown[] = []
    const app = Fastify()
    app.register(fastifyAdapter.tokengate, { gate: gateWith({ rateLimit: { points: 1, duration: 60 } }), onError: 'next' })
    app.setErrorHandler((error, _request, reply) => {
      errors.push(error)
      if (!isTokengateError(error)) throw error
      reply.code(error.status).headers(error.headers).send({ problem: error.code })
    })
    app.get('/open', async () => ({ ok: true }))
    const first = await app.inject({ url: '/open', headers: { authorization: `Bearer ${BOB}` } })
    expect([first.statusCode, first.headers['ratelimit']]).toEqual([200, '"default";r=0;t=60'])
    const res = await app.inject({ url: '/open', headers: { authorization: `Bearer ${BOB}` } })
    expect([res.statusCode, res.headers['ratelimit-policy'], res.headers['ratelimit'], res.headers['retry-after']]).toEqual([
      429,
      '"default";q=1;w=60',
      '"default";r=0;t=60',
      '60',
    ])
    expect(res.json()).toEqual({ problem: 'ERR_RATE_LIMITED' })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(RateLimitError)
  })
})

describe('the memory limiter', () => {
  test("counts synchronously, through rate-limiter-flexible's own storage", () => {
    const limiter = createMemoryLimiter()
    const outcome = limiter.consume('k', { points: 2, duration: 60 })
    expect(outcome).toEqual({ allowed: true, limit: { points: 2, duration: 60 }, remaining: 1, reset: 60 })
    expect(limiter.synchronous()).toBe(true)
  })
})

describe('misuse is refused at creation', () => {
  test.each([
    ['rateLimit: a number', { rateLimit: 5 }, '"rateLimit" option must be { points, duration }, such as { points: 100, duration: 60 }'],
    ['rateLimit: zero points', { rateLimit: { points: 0, duration: 60 } }, '"rateLimit" option points must be a whole number from 1 to 2147483647 (requests per window), such as { points: 100, duration: 60 }'],
    ['rateLimit: a fraction of a second', { rateLimit: { points: 5, duration: 0.5 } }, '"rateLimit" option duration must be a whole number of seconds from 1 to 2147483647, such as { points: 100, duration: 60 }'],
    ['rateLimit: an unknown key', { rateLimit: { points: 5, duration: 60, burst: 2 } }, '"rateLimit" option has an unknown key "burst"; it takes points and duration, such as { points: 100, duration: 60 }'],
    ['rateLimitStore: another scheme', { rateLimitStore: 'memcached://127.0.0.1' }, `"rateLimitStore" option must be 'memory' or a redis:// or rediss:// URL`],
    ['rateLimitStore: an object', { rateLimitStore: {} }, `"rateLimitStore" option must be 'memory' or a redis:// or rediss:// URL`],
    ['rateLimitPrefix: with a space', { rateLimitPrefix: 'my app' }, '"rateLimitPrefix" option must be 1 to 100 letters, digits, "_", ".", ":" or "-"'],
  ])('%s', (_label, options, message) => {
    const error = thrown(() => createGate({}, options as never))
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
  })

  test('the near misses are accepted', () => {
    expect(() => createGate({}, { rateLimit: { points: 1, duration: 1 }, rateLimitStore: 'memory', rateLimitPrefix: 'my-app:v1' })).not.toThrow()
    expect(() => createGate({}, { rateLimitStore: 'redis://user:pw@127.0.0.1:1/0' })).not.toThrow()
  })

  test('a managed token refuses a bad rate limit, naming the field', async () => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore() })
    await expect(gate.tokens!.create({ actorId: 'alice', name: 'x', rateLimit: { points: 0, duration: 60 } })).rejects.toMatchObject({
      code: 'ERR_INVALID_PARAMETER',
      parameter: 'rateLimit',
    })
  })
})
