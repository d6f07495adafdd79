/**
 * `onEvent` (SPEC section 11) end to end, on Express, Koa and Fastify alike: every event type with every
 * field, from every path (tokenAuth, requirePermission, requireActor, permissionsDebug, a rate
 * limit, gate.check, gate.tokens), the request's method, path (never its query string) and
 * address; delivery after the request has moved on; a listener that throws or rejects never
 * breaks a request and is logged once; a gate without a listener observes nothing. Every event
 * of the suite is scanned for the tokens and secrets it used.
 */
import { Router } from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import request from 'supertest'
import { type Gate, type TokengateEvent, createGate, createMemoryTokenStore, createSignedToken } from 'tokengate'
import * as expressAdapter from 'tokengate/express'
import * as fastifyAdapter from 'tokengate/fastify'
import * as koaAdapter from 'tokengate/koa'
import { internalsOf } from '../../lib/internal/gate-internals.js'
import { EventScan } from '../helpers/event-scan.js'
import { fastifyListener } from '../helpers/fastify.js'
import { thrown } from '../helpers/thrown.js'

const NOW = 1_800_000_000
const SECRET = 'events-suite-signing-secret-4e1c9a'
const ALICE = 'alice-static-token-for-events-8d2f0b'
const DEBUGGER = 'debugger-static-token-events-77aa1c'
const BOT = 'bot-static-token-without-id-5b3e90'

const CONFIG = {
  secret: SECRET,
  tokens: [
    { token: ALICE, actor: { id: 'alice' } },
    { token: DEBUGGER, actor: { id: 'debugger' } },
    { token: BOT, actor: { bot_id: 'my-bot' } },
  ],
  plugins: { 'datasette-auth-tokens': { tokens: [], param: '_auth_token' } },
  permissions: { 'permissions-debug': { id: 'debugger' }, 'auth-tokens-create': { id: 'alice' } },
  databases: { docs: { tables: { documents: { permissions: { 'insert-row': { id: 'alice' } } } } } },
}

const scan = new EventScan()
scan.remember(SECRET, ALICE, DEBUGGER, BOT)
afterAll(async () => {
  await EventScan.delivered()
  expect(scan.events.length).toBeGreaterThan(40)
  expect(new Set(scan.events.map((e) => e.type)).size).toBe(8)
  expect(scan.leaks()).toEqual([])
})

/** Every event a gate told, also handed to the suite's scan. */
function recorder(): { events: TokengateEvent[]; listener: (event: TokengateEvent) => void } {
  const events: TokengateEvent[] = []
  return {
    events,
    listener: (event) => {
      events.push(event)
      scan.listener(event)
    },
  }
}

/** An event with every field, `null` unless given. */
function event(type: TokengateEvent['type'], fields: Partial<TokengateEvent>): TokengateEvent {
  return {
    type,
    at: NOW,
    actorId: null,
    tokenId: null,
    source: null,
    reason: null,
    action: null,
    database: null,
    resource: null,
    method: null,
    path: null,
    ip: null,
    by: null,
    ...fields,
  }
}

type Send = (method: 'GET' | 'POST', path: string, authorization?: string) => Promise<request.Response>

/** The same routes on each adapter; every response says whether the request's events had been delivered yet. */
const ADAPTERS: readonly [string, (gate: Gate, delivered: () => number) => Send][] = [
  [
    'Express',
    (gate, delivered) => {
      const { tokenAuth, requirePermission, requireActor, permissionsDebug } = expressAdapter
      const app = express()
      app.use(tokenAuth(gate))
      const handler: express.RequestHandler = (_req, res) => {
        res.json({ deliveredBeforeAnswer: delivered() })
      }
      app.post('/docs/documents/insert', requirePermission('insert-row', 'docs', 'documents'), handler)
      app.get('/me', requireActor(), handler)
      app.get('/-/permissions', permissionsDebug())
      app.get('/open', handler)
      app.use(expressAdapter.tokenAdmin(gate))
      return (method, path, authorization) => {
        scan.rememberRequest(path, authorization)
        const test = method === 'GET' ? request(app).get(path) : request(app).post(path)
        return authorization === undefined ? test : test.set('Authorization', authorization)
      }
    },
  ],
  [
    'Koa',
    (gate, delivered) => {
      const { tokenAuth, requirePermission, requireActor, permissionsDebug } = koaAdapter
      const app = new Koa()
      app.use(tokenAuth(gate))
      const router = new Router()
      const handler: Koa.Middleware = (ctx) => {
        ctx.body = { deliveredBeforeAnswer: delivered() }
      }
      router.post('/docs/documents/insert', requirePermission('insert-row', 'docs', 'documents'), handler)
      router.get('/me', requireActor(), handler)
      router.get('/-/permissions', permissionsDebug())
      router.get('/open', handler)
      app.use(koaAdapter.tokenAdmin(gate))
      app.use(router.routes())
      const server = app.callback()
      return (method, path, authorization) => {
        scan.rememberRequest(path, authorization)
        const test = method === 'GET' ? request(server).get(path) : request(server).post(path)
        return authorization === undefined ? test : test.set('Authorization', authorization)
      }
    },
  ],
  [
    'Fastify',
    (gate, delivered) => {
      const { tokengate, requirePermission, requireActor, permissionsDebug } = fastifyAdapter
      const app = Fastify()
      app.register(tokengate, { gate })
      const handler = async () => ({ deliveredBeforeAnswer: delivered() })
      app.post('/docs/documents/insert', { preHandler: requirePermission('insert-row', 'docs', 'documents') }, handler)
      app.get('/me', { preHandler: requireActor() }, handler)
      app.get('/-/permissions', permissionsDebug())
      app.get('/open', handler)
      app.register(fastifyAdapter.tokenAdmin(gate))
      const server = fastifyListener(app)
      return (method, path, authorization) => {
        scan.rememberRequest(path, authorization)
        const test = method === 'GET' ? request(server).get(path) : request(server).post(path)
        return authorization === undefined ? test : test.set('Authorization', authorization)
      }
    },
  ],
]

const IP = expect.stringMatching(/127\.0\.0\.1$/) as unknown as string

describe.each(ADAPTERS)('%s: events from every path', (_name, appFor) => {
  const { events, listener } = recorder()
  const store = createMemoryTokenStore()
  const gate = createGate(CONFIG, { now: () => NOW, onEvent: listener, tokenStore: store, rateLimit: { points: 100, duration: 60 } })
  const send = appFor(gate, () => events.length)

  /** Send a request and return the events it caused, once delivered. */
  async function eventsOf(method: 'GET' | 'POST', path: string, authorization?: string): Promise<{ status: number; events: TokengateEvent[] }> {
    await EventScan.delivered()
    const from = events.length
    const res = await send(method, path, authorization)
    await EventScan.delivered()
    return { status: res.status, events: events.slice(from) }
  }

  test("tokenAdmin's own checks tell the request's method and path, allowed and denied", async () => {
    const request = { method: 'POST', path: '/-/api/tokens', ip: IP }
    // alice may create tokens: the check passes, then the missing body is a 400.
    expect(await eventsOf('POST', '/-/api/tokens', `Bearer ${ALICE}`)).toEqual({
      status: 400,
      events: [
        event('authenticated', { ...request, actorId: 'alice', source: 'static' }),
        event('allowed', { ...request, actorId: 'alice', source: 'static', action: 'auth-tokens-create' }),
      ],
    })
    // near miss: the debugger may not.
    expect(await eventsOf('POST', '/-/api/tokens', `Bearer ${DEBUGGER}`)).toEqual({
      status: 403,
      events: [
        event('authenticated', { ...request, actorId: 'debugger', source: 'static' }),
        event('denied', { ...request, actorId: 'debugger', source: 'static', action: 'auth-tokens-create', reason: 'forbidden' }),
      ],
    })
  })

  test('a static token allowed by requirePermission: authenticated, then allowed, with the request', async () => {
    const request = { method: 'POST', path: '/docs/documents/insert', ip: IP }
    expect(await eventsOf('POST', '/docs/documents/insert', `Bearer ${ALICE}`)).toEqual({
      status: 200,
      events: [
        event('authenticated', { ...request, actorId: 'alice', source: 'static' }),
        event('allowed', { ...request, actorId: 'alice', source: 'static', action: 'insert-row', database: 'docs', resource: 'documents' }),
      ],
    })
  })

  test('the near miss, denied: forbidden for an actor, authentication_required for anonymous', async () => {
    const request = { method: 'POST', path: '/docs/documents/insert', ip: IP }
    const check = { action: 'insert-row', database: 'docs', resource: 'documents' }
    const signed = createSignedToken({ actorId: 'bob', secret: SECRET, now: NOW - 5 })
    expect(await eventsOf('POST', '/docs/documents/insert', `Bearer ${signed}`)).toEqual({
      status: 403,
      events: [
        event('authenticated', { ...request, actorId: 'bob', source: 'dstok' }),
        event('denied', { ...request, actorId: 'bob', source: 'dstok', reason: 'forbidden', ...check }),
      ],
    })
    expect(await eventsOf('POST', '/docs/documents/insert')).toEqual({
      status: 401,
      events: [event('denied', { ...request, reason: 'authentication_required', ...check })],
    })
  })

  test.each([
    ['an unknown token', `Bearer unknown-token-0123456789abcdef`, 'unknown', 401],
    ['an expired signed token', `Bearer ${createSignedToken({ actorId: 'alice', secret: SECRET, now: NOW - 100, expiresAfter: 10 })}`, 'expired', 401],
    ['a forged signature', `Bearer ${createSignedToken({ actorId: 'alice', secret: 'another-secret-0000', now: NOW })}`, 'bad_signature', 401],
    ['a malformed managed token', 'Bearer tgk_short', 'malformed', 401],
    ['a header without a token', 'Bearer', 'invalid_request', 400],
    ['a token with a space', 'Bearer two words', 'invalid_request', 400],
  ])('%s: rejected with its reason, and nothing else', async (_label, authorization, reason, status) => {
    expect(await eventsOf('GET', '/open', authorization)).toEqual({
      status,
      events: [event('rejected', { method: 'GET', path: '/open', ip: IP, reason: reason as TokengateEvent['reason'] })],
    })
  })

  test('a token in the query string: the path has no query string', async () => {
    const result = await eventsOf('GET', `/open?_auth_token=${ALICE}&x=1`)
    expect(result.events).toEqual([event('authenticated', { method: 'GET', path: '/open', ip: IP, actorId: 'alice', source: 'static' })])
  })

  test('requireActor: allowed with no action for an actor; denied for anonymous; an actor without an id has actorId null', async () => {
    expect((await eventsOf('GET', '/me', `Bearer ${BOT}`)).events).toEqual([
      event('authenticated', { method: 'GET', path: '/me', ip: IP, source: 'static' }),
      event('allowed', { method: 'GET', path: '/me', ip: IP, source: 'static' }),
    ])
    expect((await eventsOf('GET', '/me')).events).toEqual([
      event('denied', { method: 'GET', path: '/me', ip: IP, reason: 'authentication_required' }),
    ])
  })

  test('permissionsDebug: its own check is an event; the near miss is denied', async () => {
    const path = '/-/permissions?action=view-table&database=docs'
    expect((await eventsOf('GET', path, `Bearer ${DEBUGGER}`)).events).toEqual([
      event('authenticated', { method: 'GET', path: '/-/permissions', ip: IP, actorId: 'debugger', source: 'static' }),
      event('allowed', { method: 'GET', path: '/-/permissions', ip: IP, actorId: 'debugger', source: 'static', action: 'permissions-debug' }),
    ])
    expect((await eventsOf('GET', path, `Bearer ${ALICE}`)).events.at(-1)).toEqual(
      event('denied', { method: 'GET', path: '/-/permissions', ip: IP, actorId: 'alice', source: 'static', reason: 'forbidden', action: 'permissions-debug' }),
    )
  })

  test('a managed token: its id and source; revoked, it is rejected; rate-limited, denied with rate_limited', async () => {
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: `events ${_name}`, rateLimit: { points: 1, duration: 60 }, createdBy: 'admin' })
    scan.remember(token)
    const request = { method: 'POST', path: '/docs/documents/insert', ip: IP }
    const subject = { actorId: 'alice', tokenId: record.id, source: 'managed' }
    expect((await eventsOf('POST', '/docs/documents/insert', `Bearer ${token}`)).events).toEqual([
      event('authenticated', { ...request, ...subject }),
      event('allowed', { ...request, ...subject, action: 'insert-row', database: 'docs', resource: 'documents' }),
    ])
    expect(await eventsOf('POST', '/docs/documents/insert', `Bearer ${token}`)).toEqual({
      status: 429,
      events: [event('authenticated', { ...request, ...subject }), event('denied', { ...request, ...subject, reason: 'rate_limited' })],
    })
    await gate.tokens!.revoke(record.id, { by: 'admin' })
    expect(await eventsOf('POST', '/docs/documents/insert', `Bearer ${token}`)).toEqual({
      status: 401,
      events: [event('rejected', { ...request, reason: 'revoked' })],
    })
  })

  test('events are delivered after the request has moved on: the handler answered before any was delivered', async () => {
    await EventScan.delivered()
    const before = events.length
    const res = await send('POST', '/docs/documents/insert', `Bearer ${ALICE}`)
    expect(res.body).toEqual({ deliveredBeforeAnswer: before })
    await EventScan.delivered()
    expect(events.length).toBe(before + 2)
  })
})

describe('events outside a request', () => {
  test('gate.check: allowed and denied, without request fields; a managed actor names its token', () => {
    const { events, listener } = recorder()
    const gate = createGate(CONFIG, { now: () => NOW, onEvent: listener })
    expect(gate.check({ id: 'alice' }, 'ir', { database: 'docs', resource: 'documents' })).toBe(true)
    expect(thrown(() => gate.check({ id: 'bob', token: 'managed', token_id: 'abcdef0123456789' }, 'insert-row', { database: 'docs', resource: 'documents' }))).toMatchObject({
      code: 'ERR_FORBIDDEN',
    })
    expect(thrown(() => gate.check(null, 'permissions-debug'))).toMatchObject({ code: 'ERR_AUTHENTICATION_REQUIRED' })
    expect(events).toEqual([])
    return EventScan.delivered().then(() => {
      const place = { action: 'insert-row', database: 'docs', resource: 'documents' }
      expect(events).toEqual([
        event('allowed', { actorId: 'alice', ...place }),
        event('denied', { actorId: 'bob', tokenId: 'abcdef0123456789', source: 'managed', reason: 'forbidden', ...place }),
        event('denied', { reason: 'authentication_required', action: 'permissions-debug' }),
      ])
    })
  })

  test('gate.authenticate tells authenticated and rejected, without request fields', async () => {
    const { events, listener } = recorder()
    const gate = createGate(CONFIG, { now: () => NOW, onEvent: listener })
    await gate.authenticate({ authorization: `Bearer ${ALICE}` })
    await expect(gate.authenticate({ authorization: 'Bearer nobody-knows-this-token' })).rejects.toMatchObject({ reason: 'unknown' })
    await EventScan.delivered()
    expect(events).toEqual([event('authenticated', { actorId: 'alice', source: 'static' }), event('rejected', { reason: 'unknown' })])
  })

  test('gate.tokens: created, updated, revoked (once) and rotated, with the owner, the token id and who did it; never the token', async () => {
    const { events, listener } = recorder()
    let now = NOW
    const gate = createGate({}, { now: () => now, onEvent: listener, tokenStore: createMemoryTokenStore() })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'ci', createdBy: 'admin' })
    now += 10
    await gate.tokens!.update(record.id, { description: 'for CI', by: 'alice' })
    await gate.tokens!.update(record.id, {}) // changes nothing, tells nothing
    const rotated = await gate.tokens!.rotate(record.id, { by: 'alice' })
    await gate.tokens!.revoke(record.id, { by: 'admin' })
    await gate.tokens!.revoke(record.id, { by: 'admin' }) // already revoked: nothing
    await expect(gate.tokens!.rotate(record.id)).rejects.toMatchObject({ code: 'ERR_CONFLICT' }) // refused: nothing
    scan.remember(token, rotated.token)
    await EventScan.delivered()
    const subject = { actorId: 'alice', tokenId: record.id, source: 'managed' }
    expect(events).toEqual([
      event('token.created', { ...subject, by: 'admin' }),
      event('token.updated', { ...subject, at: NOW + 10, by: 'alice' }),
      event('token.rotated', { ...subject, at: NOW + 10, by: 'alice' }),
      event('token.revoked', { ...subject, at: NOW + 10, by: 'admin' }),
    ])
  })

  test('events are frozen', async () => {
    const { events, listener } = recorder()
    const gate = createGate(CONFIG, { now: () => NOW, onEvent: listener })
    gate.check({ id: 'alice' }, 'view-instance')
    await EventScan.delivered()
    expect(Object.isFrozen(events[0])).toBe(true)
  })
})

describe('a listener that fails never breaks a request, and is logged once', () => {
  function logger() {
    const lines: { level: 'warn' | 'error'; message: string }[] = []
    return { lines, warn: (message: string) => lines.push({ level: 'warn', message }), error: (message: string) => lines.push({ level: 'error', message }) }
  }

  test.each([
    [
      'a listener that throws',
      () => {
        throw new Error('listener exploded')
      },
    ],
    ['a listener whose promise rejects', () => Promise.reject(new Error('listener exploded'))],
  ])('%s', async (_label, onEvent) => {
    const log = logger()
    const gate = createGate(CONFIG, { now: () => NOW, onEvent, logger: log })
    const app = express()
    app.use(expressAdapter.tokenAuth(gate))
    app.get('/open', (_req, res) => {
      res.json({ ok: true })
    })
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/open').set('Authorization', `Bearer ${ALICE}`)
      expect([res.status, res.body]).toEqual([200, { ok: true }])
      await EventScan.delivered()
    }
    expect(log.lines).toEqual([
      { level: 'error', message: 'tokengate: the onEvent listener failed (listener exploded); requests go on, and its later failures are not logged' },
    ])
  })

  test('a listener that never settles its promise does not hold requests back', async () => {
    let calls = 0
    const gate = createGate(CONFIG, {
      now: () => NOW,
      onEvent: () => {
        calls++
        return new Promise<void>(() => {})
      },
    })
    const app = express()
    app.use(expressAdapter.tokenAuth(gate))
    app.get('/open', (_req, res) => {
      res.json({ ok: true })
    })
    const answers = await Promise.all(Array.from({ length: 5 }, () => request(app).get('/open').set('Authorization', `Bearer ${ALICE}`)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    await EventScan.delivered()
    expect(calls).toBe(5)
  })

  test('the logger defaults to console.error', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const gate = createGate(CONFIG, {
        onEvent: () => {
          throw new TypeError('oops')
        },
      })
      gate.check({ id: 'alice' }, 'view-instance')
      await EventScan.delivered()
      expect(spy.mock.calls).toEqual([['tokengate: the onEvent listener failed (oops); requests go on, and its later failures are not logged']])
    } finally {
      spy.mockRestore()
    }
  })
})

describe('a gate that observes nothing pays nothing', () => {
  test('without a listener or a store, adapters make no request facts', () => {
    expect(internalsOf(createGate(CONFIG), 'test').observing).toBe(false)
    // Near misses: a listener, or a store (its usage log), makes the gate observe.
    expect(internalsOf(createGate(CONFIG, { onEvent: () => {} }), 'test').observing).toBe(true)
    expect(internalsOf(createGate(CONFIG, { tokenStore: createMemoryTokenStore() }), 'test').observing).toBe(true)
    expect(internalsOf(createGate(CONFIG, { tokenStore: createMemoryTokenStore(), usageLogSize: 0 }), 'test').observing).toBe(false)
  })

  test.each([
    ['onEvent', { onEvent: 'log' }, '"onEvent" option must be a function of one event'],
    ['logger', { logger: { warn: () => {} } }, '"logger" option must have warn(message) and error(message) methods, such as console or a pino logger'],
    ['usageLogSize', { usageLogSize: -1 }, '"usageLogSize" option must be a whole number from 0 (no usage log) to 1000000'],
  ])('a bad %s option is a TypeError at creation', (_name, options, message) => {
    const error = thrown(() => createGate({}, options as never))
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
  })
})
