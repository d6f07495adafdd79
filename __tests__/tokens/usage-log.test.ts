/**
 * Managed tokens' usage log (SPEC section 11) on the request path, on Express, Koa and Fastify alike:
 * each request made with a managed token is in its log (time, method, path without the query
 * string, the guard's action and place, outcome, status), newest first; written in batches after
 * the response, never delaying it; a store that cannot be written never fails a request and is
 * logged once; bounded by `usageLogSize`; `gate.tokens.usage` pages and refuses bad input.
 */
import { Router } from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import request from 'supertest'
import { type Gate, type GateOptions, type TokenStore, type UsageEntry, createGate, createMemoryTokenStore } from 'tokengate'
import * as expressAdapter from 'tokengate/express'
import * as fastifyAdapter from 'tokengate/fastify'
import * as koaAdapter from 'tokengate/koa'
import { internalsOf } from '../../lib/internal/gate-internals.js'
import { MAX_PENDING, UsageRecorder, newestPerToken } from '../../lib/tokens/usage-log.js'
import { EventScan } from '../helpers/event-scan.js'
import { fastifyListener } from '../helpers/fastify.js'

const NOW = 1_800_000_000
const ALICE = 'alice-static-token-for-usage-9a0c2e'
const CONFIG = {
  tokens: [{ token: ALICE, actor: { id: 'alice' } }],
  databases: { docs: { tables: { documents: { permissions: { 'insert-row': { id: 'alice' } } } } } },
}

const scan = new EventScan()
scan.remember(ALICE)
afterAll(async () => {
  await EventScan.delivered()
  expect(scan.leaks()).toEqual([])
})

type Send = (method: 'GET' | 'POST', path: string, authorization?: string) => Promise<request.Response>

/** The same routes on each adapter: a guarded insert, an unguarded read, a handler that fails. */
const ADAPTERS: readonly [string, (gate: Gate) => Send][] = [
  [
    'Express',
    (gate) => {
      const app = express()
      app.use(expressAdapter.tokenAuth(gate))
      app.post('/docs/documents/insert', expressAdapter.requirePermission('insert-row', 'docs', 'documents'), (_req, res) => {
        res.status(201).json({ ok: true })
      })
      app.get('/docs/create', expressAdapter.requirePermission('create-table', 'docs'), (_req, res) => {
        res.json({ ok: true })
      })
      app.get('/open', (_req, res) => {
        res.json({ ok: true })
      })
      app.get('/broken', expressAdapter.requireActor(), () => {
        throw new Error('the handler failed')
      })
      app.use(((_err, _req, res, _next) => {
        res.status(500).json({ ok: false })
      }) satisfies express.ErrorRequestHandler)
      return (method, path, authorization) => {
        scan.rememberRequest(path, authorization)
        const test = method === 'GET' ? request(app).get(path) : request(app).post(path)
        return authorization === undefined ? test : test.set('Authorization', authorization)
      }
    },
  ],
  [
    'Koa',
    (gate) => {
      const app = new Koa()
      app.silent = true
      app.use(koaAdapter.tokenAuth(gate))
      const router = new Router()
      router.post('/docs/documents/insert', koaAdapter.requirePermission('insert-row', 'docs', 'documents'), (ctx) => {
        ctx.status = 201
        ctx.body = { ok: true }
      })
      router.get('/docs/create', koaAdapter.requirePermission('create-table', 'docs'), (ctx) => {
        ctx.body = { ok: true }
      })
      router.get('/open', (ctx) => {
        ctx.body = { ok: true }
      })
      router.get('/broken', koaAdapter.requireActor(), () => {
        throw new Error('the handler failed')
      })
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
    (gate) => {
      const app = Fastify()
      app.register(fastifyAdapter.tokengate, { gate })
      app.post('/docs/documents/insert', { preHandler: fastifyAdapter.requirePermission('insert-row', 'docs', 'documents') }, async (_request, reply) => {
        reply.code(201)
        return { ok: true }
      })
      app.get('/docs/create', { preHandler: fastifyAdapter.requirePermission('create-table', 'docs') }, async () => ({ ok: true }))
      app.get('/open', async () => ({ ok: true }))
      app.get('/broken', { preHandler: fastifyAdapter.requireActor() }, async () => {
        throw new Error('the handler failed')
      })
      const server = fastifyListener(app)
      return (method, path, authorization) => {
        scan.rememberRequest(path, authorization)
        const test = method === 'GET' ? request(server).get(path) : request(server).post(path)
        return authorization === undefined ? test : test.set('Authorization', authorization)
      }
    },
  ],
]

function gateWith(options: GateOptions): Gate {
  return createGate(CONFIG, { now: () => NOW, onEvent: scan.listener, ...options })
}

/** A usage entry as `gate.tokens.usage` shows it. */
function entry(method: string, path: string, outcome: UsageEntry['outcome'], status: number, check: Partial<UsageEntry> = {}) {
  return { at: NOW, method, path, action: null, database: null, resource: null, outcome, status, ...check }
}

describe.each(ADAPTERS)('%s', (_name, appFor) => {
  test('each request made with a managed token is in its log, newest first; other tokens and static tokens are not', async () => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore(), rateLimit: { points: 6, duration: 60 } })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'logged' })
    const other = await gate.tokens!.create({ actorId: 'alice', name: 'other' })
    scan.remember(token, other.token)
    const send = appFor(gate)
    const bearer = `Bearer ${token}`
    expect((await send('POST', '/docs/documents/insert?_auth_token=not-logged&x=1', bearer)).status).toBe(201)
    expect((await send('GET', '/docs/create', bearer)).status).toBe(403)
    expect((await send('GET', '/open', bearer)).status).toBe(200)
    expect((await send('GET', '/broken', bearer)).status).toBe(500)
    expect((await send('GET', '/nowhere', bearer)).status).toBe(404)
    expect((await send('GET', '/open', bearer)).status).toBe(200)
    expect((await send('GET', '/open', bearer)).status).toBe(429)
    await send('GET', '/open', `Bearer ${other.token}`)
    await send('GET', '/open', `Bearer ${ALICE}`)
    // A forgery: its last character changed (never to itself), so its checksum fails before the store is asked.
    await send('GET', '/open', `Bearer ${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`)
    const insert = { action: 'insert-row', database: 'docs', resource: 'documents' }
    expect(await gate.tokens!.usage(record.id)).toEqual({
      entries: [
        entry('GET', '/open', 'limited', 429),
        entry('GET', '/open', 'authenticated', 200),
        entry('GET', '/nowhere', 'authenticated', 404),
        entry('GET', '/broken', 'allowed', 500),
        entry('GET', '/open', 'authenticated', 200),
        entry('GET', '/docs/create', 'denied', 403, { action: 'create-table', database: 'docs' }),
        entry('POST', '/docs/documents/insert', 'allowed', 201, insert),
      ],
      next: null,
    })
    expect((await gate.tokens!.usage(other.record.id)).entries).toEqual([entry('GET', '/open', 'authenticated', 200)])
  })

  test('entries are written after the response, in one batch: a store that never finishes writing delays nothing', async () => {
    const store = createMemoryTokenStore()
    const writes: number[] = []
    const stuck: TokenStore = {
      ...store,
      appendUsage(entries) {
        writes.push(entries.length)
        return new Promise<void>(() => {})
      },
    }
    const gate = gateWith({ tokenStore: stuck })
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'stuck' })
    scan.remember(token)
    const send = appFor(gate)
    const answers = await Promise.all(Array.from({ length: 5 }, () => send('GET', '/open', `Bearer ${token}`)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(writes).toEqual([])
    void internalsOf(gate, 'test').settle()
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes).toEqual([5])
  })

  test('a store that cannot be written fails no request, and says so once until it can again', async () => {
    const store = createMemoryTokenStore()
    let broken = true
    const lines: string[] = []
    const flaky: TokenStore = {
      ...store,
      appendUsage(entries, keep) {
        if (broken) return Promise.reject(new Error('disk full'))
        return store.appendUsage(entries, keep)
      },
    }
    const gate = gateWith({ tokenStore: flaky, logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) } })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'flaky' })
    scan.remember(token)
    const send = appFor(gate)
    for (let i = 0; i < 2; i++) {
      expect((await send('GET', '/open', `Bearer ${token}`)).status).toBe(200)
      await internalsOf(gate, 'test').settle()
    }
    expect(lines).toEqual(['tokengate: cannot write the usage log (disk full); entries are dropped until the token store can be written again'])
    broken = false
    expect((await send('GET', '/docs/create', `Bearer ${token}`)).status).toBe(403)
    expect((await gate.tokens!.usage(record.id)).entries).toEqual([entry('GET', '/docs/create', 'denied', 403, { action: 'create-table', database: 'docs' })])
    expect(lines).toEqual([
      'tokengate: cannot write the usage log (disk full); entries are dropped until the token store can be written again',
      'tokengate: the usage log is written again',
    ])
  })
})

describe("tokenAdmin's checks in the usage log", () => {
  test("a managed token's entry records the admin check of its own gate, never another gate's", async () => {
    const mayCreate = { permissions: { 'auth-tokens-create': { id: 'alice' } } }
    const own = createGate({ ...CONFIG, ...mayCreate }, { now: () => NOW, onEvent: scan.listener, tokenStore: createMemoryTokenStore() })
    const other = createGate(mayCreate, { now: () => NOW, tokenStore: createMemoryTokenStore() })
    const { token, record } = await own.tokens!.create({ actorId: 'alice', name: 'admin caller' })
    scan.remember(token)
    for (const [admin, action] of [[own, 'auth-tokens-create'], [other, null]] as const) {
      const app = express()
      app.use(expressAdapter.tokenAuth(own))
      app.use(expressAdapter.tokenAdmin(admin, { allowTokenCallers: true }))
      // No body: the check passes, then the body is refused.
      expect((await request(app).post('/-/api/tokens').set('Authorization', `Bearer ${token}`)).status).toBe(400)
      const [newest] = (await own.tokens!.usage(record.id, { limit: 1 })).entries
      expect(newest).toEqual(entry('POST', '/-/api/tokens', action === null ? 'authenticated' : 'allowed', 400, { action }))
    }
  })
})

describe('the bound and the pages', () => {
  test("usageLogSize bounds each token's log to its newest entries; usage pages with limit and cursor", async () => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore(), usageLogSize: 3 })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'bounded' })
    scan.remember(token)
    const send = ADAPTERS[0]![1](gate)
    for (let i = 1; i <= 5; i++) await send('GET', `/open/${i}`, `Bearer ${token}`)
    const all = await gate.tokens!.usage(record.id)
    expect(all.entries.map((e) => e.path)).toEqual(['/open/5', '/open/4', '/open/3'])
    const first = await gate.tokens!.usage(record.id, { limit: 2 })
    expect(first.entries.map((e) => e.path)).toEqual(['/open/5', '/open/4'])
    expect(first.next).toEqual(expect.any(String))
    const second = await gate.tokens!.usage(record.id, { limit: 2, cursor: first.next })
    expect(second).toEqual({ entries: [entry('GET', '/open/3', 'authenticated', 404)], next: null })
  })

  test("each token keeps its newest usageLogSize entries, however its requests fall into batches", async () => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore(), usageLogSize: 2 })
    const a = await gate.tokens!.create({ actorId: 'alice', name: 'busy' })
    const b = await gate.tokens!.create({ actorId: 'alice', name: 'quiet' })
    scan.remember(a.token)
    scan.remember(b.token)
    const send = ADAPTERS[0]![1](gate)
    for (const [i, token] of [a.token, a.token, b.token, a.token, a.token, b.token, b.token].entries()) {
      await send('GET', `/open/${i}`, `Bearer ${token}`)
    }
    expect((await gate.tokens!.usage(a.record.id)).entries.map((e) => e.path)).toEqual(['/open/4', '/open/3'])
    expect((await gate.tokens!.usage(b.record.id)).entries.map((e) => e.path)).toEqual(['/open/6', '/open/5'])
  })

  /** A recorder over a store that only remembers what each call was handed. */
  function recorderWith(keep: number): { recorder: UsageRecorder; written: UsageEntry[][] } {
    const written: UsageEntry[][] = []
    const store = { appendUsage: async (entries: readonly UsageEntry[]) => void written.push([...entries]) } as unknown as TokenStore
    const handle = { current: () => store, ready: async () => {}, close: async () => {} }
    return { recorder: new UsageRecorder(handle, keep, { warn: () => {}, error: () => {} }), written }
  }

  const noted = (tokenId: string, i: number): UsageEntry => ({ ...entry('GET', `/r/${i}`, 'authenticated', 200), tokenId, at: NOW })

  test("a batch hands the store only each token's newest entries, in arrival order, so a busy token's are not written to be pruned", async () => {
    const { recorder, written } = recorderWith(2)
    for (const [i, tokenId] of ['a', 'a', 'b', 'a', 'a', 'b', 'b'].entries()) recorder.note(noted(tokenId, i))
    await recorder.flush()
    expect(written.map((batch) => batch.map((e) => `${e.tokenId}${e.path}`))).toEqual([['a/r/3', 'a/r/4', 'b/r/5', 'b/r/6']])
  })

  test.each([
    ['no more entries than the bound: the batch as it is', 3, ['a', 'b', 'a'], ['a0', 'b1', 'a2']],
    ['exactly the bound for one token', 2, ['a', 'a'], ['a0', 'a1']],
    ['one token over, the other under', 1, ['a', 'b', 'a'], ['b1', 'a2']],
  ])('newestPerToken: %s', (_label, keep, tokens, kept) => {
    const batch = tokens.map((tokenId, i) => noted(tokenId, i))
    expect(newestPerToken(batch, keep).map((e) => `${e.tokenId}${e.path.slice(3)}`)).toEqual(kept)
  })

  test('one batch writes at most MAX_PENDING entries, the newest, however many requests came since the last', async () => {
    const { recorder, written } = recorderWith(1_000_000)
    const total = 2 * MAX_PENDING + 123
    for (let i = 0; i < total; i++) recorder.note(noted(`t${i % 7}`, i))
    await recorder.flush()
    expect(written).toHaveLength(1)
    expect(written[0]).toHaveLength(MAX_PENDING)
    expect(written[0]![0]!.path).toBe(`/r/${total - MAX_PENDING}`)
    expect(written[0]![MAX_PENDING - 1]!.path).toBe(`/r/${total - 1}`)
    await recorder.flush()
    expect(written).toHaveLength(1)
  })

  test('up to MAX_PENDING waiting entries are all written', async () => {
    const { recorder, written } = recorderWith(1_000_000)
    for (let i = 0; i < MAX_PENDING; i++) recorder.note(noted('t', i))
    await recorder.flush()
    expect(written[0]).toHaveLength(MAX_PENDING)
    expect(written[0]![0]!.path).toBe('/r/0')
  })

  test('usageLogSize: 0 keeps no log', async () => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore(), usageLogSize: 0 })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'unlogged' })
    scan.remember(token)
    await ADAPTERS[0]![1](gate)('GET', '/open', `Bearer ${token}`)
    expect(await gate.tokens!.usage(record.id)).toEqual({ entries: [], next: null })
  })

  test.each([
    ['an unknown id', 'ffffffffffffffff', {}, 'ERR_NOT_FOUND', 'No token has the id "ffffffffffffffff"'],
    ['a limit of 0', null, { limit: 0 }, 'ERR_INVALID_PARAMETER', 'limit must be a whole number from 1 to 1000, got number 0'],
    ['a limit past 1000', null, { limit: 1001 }, 'ERR_INVALID_PARAMETER', 'limit must be a whole number from 1 to 1000, got number 1001'],
    ['a cursor from elsewhere', null, { cursor: 'bm90IGEgY3Vyc29y' }, 'ERR_INVALID_PARAMETER', 'cursor is not one this server gave out: pass the "next" of the previous page as it is'],
    ['a list cursor', null, { cursor: 'WzE3MDAwMDAwMDAsImFiYyJd' }, 'ERR_INVALID_PARAMETER', 'cursor is not one this server gave out: pass the "next" of the previous page as it is'],
    ['an unknown field', null, { before: 3 }, 'ERR_INVALID_PARAMETER', 'Unknown field "before"'],
  ])('usage refuses %s', async (_label, id, query, code, message) => {
    const gate = gateWith({ tokenStore: createMemoryTokenStore() })
    const { record } = await gate.tokens!.create({ actorId: 'alice', name: 'queried' })
    await expect(gate.tokens!.usage(id ?? record.id, query as never)).rejects.toMatchObject({ code, message })
  })
})
