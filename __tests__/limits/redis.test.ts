/**
 * Rate limits shared through Redis (SPEC section 11), on the server `TOKENGATE_TEST_REDIS` names
 * (skipped, saying so, without it), each test under a key prefix of its own, deleted afterwards:
 * - two gates sharing one Redis enforce one combined limit, and `{points: 5, duration: 60}`
 *   refuses the sixth request across both with 429 and exact headers (one gate behind Express,
 *   the other behind Fastify, whose hook then waits for Redis's answer);
 * - the headers' values at the edges (the last allowed request, the first refused one, the
 *   reset), with a short window: Redis keeps its own time;
 * - concurrent requests on two gates never pass the limit (the margin is 0 while Redis answers),
 *   and during an outage each instance allows its own quota, no more (the documented margin);
 * - Redis stopping mid-run (a TCP proxy in front of it, stopped and started: never the shared
 *   server itself) switches each gate to counting in memory, said once in the log, no request
 *   failing, and back to Redis when it returns;
 * - a Redis that cannot be reached from the start, and a missing ioredis package, count in memory.
 */
import express from 'express'
import Fastify from 'fastify'
import request from 'supertest'
import { type Gate, type GateOptions, type TokenStore, createGate, createMemoryTokenStore } from 'tokengate'
import { tokenAuth } from 'tokengate/express'
import { tokengate } from 'tokengate/fastify'
import { StoreUnavailableError } from '../../lib/errors.js'
import { createRedisLimiter } from '../../lib/limits/rate-limiter.js'
import { EventScan } from '../helpers/event-scan.js'
import { fastifyListener } from '../helpers/fastify.js'
import { REDIS_URL, describeRedis, dropPrefixes, freshPrefix, keysUnder, redisClient, redisTarget } from '../helpers/redis.js'
import { tcpProxy } from '../helpers/tcp-proxy.js'
import { limitOf } from '../helpers/rate-limit-headers.js'

const ALICE = 'alice-static-token-for-redis-52a9d1'
const CONFIG = { tokens: [{ token: ALICE, actor: { id: 'alice' } }] }

const prefixes: string[] = []
const gates: Gate[] = []
const closers: (() => Promise<unknown>)[] = []
afterAll(async () => {
  await Promise.all(gates.map((gate) => gate.close()))
  for (const close of closers) await close()
  await dropPrefixes(prefixes)
})

const scan = new EventScan()
scan.remember(ALICE)
afterAll(async () => {
  await EventScan.delivered()
  expect(scan.leaks()).toEqual([])
})

/** What a gate logged. */
function memoryLog(): { lines: string[]; warn: (m: string) => void; error: (m: string) => void } {
  const lines: string[] = []
  return { lines, warn: (m) => lines.push(`warn: ${m}`), error: (m) => lines.push(`error: ${m}`) }
}

/** A gate counting in Redis (at `url`, the test server by default) under `prefix`, made ready. */
async function redisGate(prefix: string, options: GateOptions = {}, url = REDIS_URL!): Promise<Gate> {
  const gate = createGate(CONFIG, { rateLimitStore: url, rateLimitPrefix: prefix, onEvent: scan.listener, ...options })
  gates.push(gate)
  await gate.ready()
  return gate
}

function sender(gate: Gate): (authorization: string) => Promise<request.Response> {
  const app = express()
  app.use(tokenAuth(gate))
  app.get('/open', (_req, res) => {
    res.json({ ok: true })
  })
  return (authorization) => {
    scan.rememberRequest('/open', authorization)
    return request(app).get('/open').set('Authorization', authorization)
  }
}

/** The same route behind the Fastify plugin. */
function fastifySender(gate: Gate): (authorization: string) => Promise<request.Response> {
  const app = Fastify()
  app.register(tokengate, { gate })
  app.get('/open', async () => ({ ok: true }))
  const server = fastifyListener(app)
  return (authorization) => {
    scan.rememberRequest('/open', authorization)
    return request(server).get('/open').set('Authorization', authorization)
  }
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describeRedis('rate limits in Redis', () => {
  test('two gates sharing one Redis: a managed token with {points: 5, duration: 60} gets its sixth request refused 429 with its headers', async () => {
    const prefix = freshPrefix()
    prefixes.push(prefix)
    const store: TokenStore = createMemoryTokenStore()
    const a = await redisGate(prefix, { tokenStore: store })
    const b = await redisGate(prefix, { tokenStore: store })
    const { token, record } = await a.tokens!.create({ actorId: 'alice', name: 'shared', rateLimit: { points: 5, duration: 60 } })
    scan.remember(token)
    const [sendA, sendB] = [sender(a), fastifySender(b)]
    const answers = []
    for (const send of [sendA, sendB, sendA, sendB, sendA, sendB]) answers.push(limitOf(await send(`Bearer ${token}`)))
    const policy = '"default";q=5;w=60'
    expect(answers).toEqual([
      ...[4, 3, 2, 1, 0].map((r) => ({ status: 200, policy, state: `"default";r=${r};t=60` })),
      { status: 429, policy, state: '"default";r=0;t=60', retryAfter: '60' },
    ])
    // One counter, in Redis, under the prefix: six requests counted.
    const client = redisClient()
    closers.push(() => client.quit())
    expect(await keysUnder(client, prefix)).toEqual({ [`${prefix}:5:60:token:managed:${record.id}`]: '6' })
  })

  test('the headers at the edges: the last allowed request, the first refused one, the reset', async () => {
    const prefix = freshPrefix()
    prefixes.push(prefix)
    const send = sender(await redisGate(prefix, { rateLimit: { points: 3, duration: 2 } }))
    const policy = '"default";q=3;w=2'
    const started = Date.now()
    expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy, state: '"default";r=2;t=2' })
    expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy, state: '"default";r=1;t=2' })
    const last = limitOf(await send(`Bearer ${ALICE}`))
    const refused = limitOf(await send(`Bearer ${ALICE}`))
    // Seconds to the reset, rounded up, as Redis counts them (PTTL); exact unless this machine stalled for a second.
    const t = String(Math.max(1, Math.ceil((2000 - (Date.now() - started)) / 1000)))
    expect(last).toEqual({ status: 200, policy, state: `"default";r=0;t=${t}` })
    expect(refused).toEqual({ status: 429, policy, state: `"default";r=0;t=${t}`, retryAfter: t })
    // After the window: a new one, started by this request.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2050 - (Date.now() - started))))
    expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy, state: '"default";r=2;t=2' })
  })

  test('concurrent requests on two gates never pass the limit', async () => {
    const prefix = freshPrefix()
    prefixes.push(prefix)
    const options = { rateLimit: { points: 20, duration: 60 } }
    const [sendA, sendB] = [sender(await redisGate(prefix, options)), sender(await redisGate(prefix, options))]
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? sendA : sendB)(`Bearer ${ALICE}`)))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(20)
    expect(answers.filter((a) => a.status === 429)).toHaveLength(40)
    expect(new Set(answers.filter((a) => a.status === 200).map((a) => a.headers['ratelimit'])).size).toBe(20)
  })

  test('Redis going away mid-run: counted in memory, said once, no request failing; back to Redis when it returns', async () => {
    const prefix = freshPrefix()
    prefixes.push(prefix)
    const proxy = tcpProxy(redisTarget())
    const port = await proxy.start()
    closers.push(() => proxy.stop())
    const log = memoryLog()
    const url = `redis://127.0.0.1:${port}`
    const send = sender(await redisGate(prefix, { rateLimit: { points: 5, duration: 60 }, logger: log }, url))
    const client = redisClient()
    closers.push(() => client.quit())
    const key = `${prefix}:5:60:actor:alice`

    expect((await send(`Bearer ${ALICE}`)).status).toBe(200)
    expect((await send(`Bearer ${ALICE}`)).status).toBe(200)
    expect(await keysUnder(client, prefix)).toEqual({ [key]: '2' })
    expect(log.lines).toEqual([])

    await proxy.stop()
    // Still limited, in this instance's memory (a fresh count: the margin of an outage).
    const during = []
    for (let i = 0; i < 7; i++) during.push(limitOf(await send(`Bearer ${ALICE}`)))
    expect(during.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429])
    expect(during[4]).toEqual({ status: 200, policy: '"default";q=5;w=60', state: '"default";r=0;t=60' })
    // Said once (the detail is the first sign of the outage ioredis saw: the connection closing, or a failed write).
    expect(log.lines).toHaveLength(1)
    expect(log.lines[0]).toMatch(
      new RegExp(`^warn: tokengate: Redis at redis://127\\.0\\.0\\.1:${port} cannot be reached \\(.+\\); rate limits are counted in this instance's memory until it is back$`),
    )
    expect(await keysUnder(client, prefix)).toEqual({ [key]: '2' })

    await proxy.start()
    await waitFor(() => log.lines.length === 2, 5000, 'the gate to reconnect')
    expect(log.lines[1]).toBe(`warn: tokengate: Redis at redis://127.0.0.1:${port} is reachable again; rate limits are shared again`)
    // Counted in Redis again, where the count went on from before the outage.
    expect(limitOf(await send(`Bearer ${ALICE}`))).toEqual({ status: 200, policy: '"default";q=5;w=60', state: expect.stringMatching(/^"default";r=2;t=\d+$/) })
    expect(await keysUnder(client, prefix)).toEqual({ [key]: '3' })
    expect(log.lines).toHaveLength(2)
  })

  test('the margin during an outage: each instance allows its own quota, no more', async () => {
    const proxy = tcpProxy(redisTarget())
    const port = await proxy.start()
    await proxy.stop()
    const url = `redis://127.0.0.1:${port}`
    const options = { rateLimit: { points: 5, duration: 60 }, logger: memoryLog() }
    const prefix = freshPrefix()
    const [sendA, sendB] = [sender(await redisGate(prefix, options, url)), sender(await redisGate(prefix, options, url))]
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? sendA : sendB)(`Bearer ${ALICE}`)))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(10)
    expect(answers.filter((a) => a.status === 429)).toHaveLength(20)
  })

  test('a Redis that cannot be reached from the start: ready() resolves, requests are limited in memory, said once', async () => {
    const proxy = tcpProxy(redisTarget())
    const port = await proxy.start()
    await proxy.stop() // a port where nothing listens now
    const log = memoryLog()
    const send = sender(await redisGate(freshPrefix(), { rateLimit: { points: 2, duration: 60 }, logger: log }, `redis://:hunter2@127.0.0.1:${port}`))
    expect((await Promise.all([1, 2, 3].map(() => send(`Bearer ${ALICE}`)))).map((a) => a.status).sort()).toEqual([200, 200, 429])
    expect(log.lines).toHaveLength(1)
    expect(log.lines[0]).toMatch(new RegExp(`^warn: tokengate: Redis at redis://127\\.0\\.0\\.1:${port} cannot be reached \\(.*ECONNREFUSED.*\\); rate limits are counted in this instance's memory until it is back$`))
    expect(log.lines[0]).not.toContain('hunter2')
  })
})

describe('the Redis limiter without ioredis', () => {
  test('a missing package is logged once, limits are counted in memory, and ready() rejects saying what to install', async () => {
    const log = memoryLog()
    const limiter = createRedisLimiter({
      url: 'redis://127.0.0.1:6379',
      prefix: 'never-used',
      logger: log,
      connect: () => Promise.reject(new StoreUnavailableError('rateLimitStore is a Redis URL, but the ioredis package is not installed: npm install ioredis@6')),
    })
    const limit = { points: 1, duration: 60 }
    expect(await limiter.consume('k', limit)).toEqual({ allowed: true, limit, remaining: 0, reset: 60 })
    await expect(limiter.ready()).rejects.toThrow(new StoreUnavailableError('rateLimitStore is a Redis URL, but the ioredis package is not installed: npm install ioredis@6'))
    expect(await limiter.consume('k', limit)).toEqual({ allowed: false, limit, remaining: 0, reset: 60 })
    expect(log.lines).toEqual([
      "error: tokengate: rateLimitStore is a Redis URL, but the ioredis package is not installed: npm install ioredis@6; rate limits are counted in this instance's memory",
    ])
    await limiter.close()
  })
})
