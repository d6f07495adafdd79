/**
 * Managed tokens on the request path, through a real Express app: the checks in SPEC 9's order
 * (shape and checksum without asking the store, the cache, the store), the exact messages and
 * reasons, 503 with Retry-After when the store cannot answer (never 500, never a pass), the
 * cache lifetime, a revocation racing its own lookup, and a "token_store" named by the
 * configuration (opened lazily, ready(), close()); the same answers over Koa and Fastify.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import request from 'supertest'
import { ConfigError, type Gate, StoreUnavailableError, type TokenStore, createGate, createMemoryTokenStore, requirePermission, tokenAuth } from 'tokengate'
import { thrown } from '../helpers/thrown.js'

const T = 1_800_000_000
const CONFIG = { databases: { docs: { tables: { documents: { allow: { id: 'alice' } } } } } }

function appFor(gate: Gate): express.Express {
  const app = express()
  app.use(tokenAuth(gate))
  app.get('/:db/:table', requirePermission('view-table', ':db', ':table'), (req, res) => {
    res.json({ actor: req.actor })
  })
  return app
}

/** A store whose lookups can be counted, failed or held back. */
function instrumented(store: TokenStore = createMemoryTokenStore()) {
  const state = { lookups: 0, fail: null as Error | null, hold: null as Promise<void> | null }
  const wrapped: TokenStore = {
    ...store,
    findByHash(hash) {
      state.lookups++
      if (state.fail !== null) throw state.fail
      if (state.hold !== null) {
        const held = state.hold
        return held.then(() => store.findByHash(hash))
      }
      return store.findByHash(hash)
    },
  }
  return { store: wrapped, state }
}

describe('over HTTP', () => {
  let now = T
  const { store, state } = instrumented()
  const gate = createGate(CONFIG, { tokenStore: store, now: () => now })
  const app = appFor(gate)

  test('a valid token authenticates and its permission check runs; a near miss of another owner is 403', async () => {
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'http' })
    const res = await request(app).get('/docs/documents').set('Authorization', `Bearer ${token}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ actor: { id: 'alice', token: 'managed', token_id: record.id } })
    const { token: bobs } = await gate.tokens!.create({ actorId: 'bob', name: 'http' })
    const denied = await request(app).get('/docs/documents').set('Authorization', `Bearer ${bobs}`)
    expect(denied.status).toBe(403)
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="insufficient_scope"')
  })

  test.each([
    ['a wrong checksum', (t: string) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`, 'Invalid token: checksum mismatch'],
    ['a truncated token', (t: string) => t.slice(0, -3), 'Invalid token: malformed'],
    ['a character outside base62', (t: string) => `${t.slice(0, 10)}~${t.slice(11)}`, 'Invalid token: malformed'],
  ])('%s is refused 401 without asking the store', async (_what, spoil, message) => {
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: `spoiled ${message} ${Math.random()}` })
    const before = state.lookups
    const res = await request(app).get('/docs/documents').set('Authorization', `Bearer ${spoil(token)}`)
    expect([res.status, res.body.error]).toEqual([401, message])
    expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="invalid_token"')
    expect(state.lookups).toBe(before)
  })

  test('a well-formed token the store does not know: 401 Unknown token', async () => {
    const res = await request(app).get('/docs/documents').set('Authorization', 'Bearer tgk_000000000000000000000000000000002wjyrI')
    expect([res.status, res.body]).toEqual([401, { ok: false, error: 'Unknown token', errors: ['Unknown token'], status: 401 }])
  })

  test('revoked and expired tokens: 401 with their messages', async () => {
    const revoked = await gate.tokens!.create({ actorId: 'alice', name: 'to revoke' })
    await gate.tokens!.revoke(revoked.record.id)
    const res = await request(app).get('/docs/documents').set('Authorization', `Bearer ${revoked.token}`)
    expect([res.status, res.body.error]).toEqual([401, 'Token has been revoked'])
    const expiring = await gate.tokens!.create({ actorId: 'alice', name: 'to expire', expiresAfter: 10 })
    now = T + 10
    const expired = await request(app).get('/docs/documents').set('Authorization', `Bearer ${expiring.token}`)
    expect([expired.status, expired.body.error]).toEqual([401, 'Token has expired'])
    now = T
  })

  test('a store that throws: 503 Token store unavailable with Retry-After, the handler never runs', async () => {
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'outage' })
    state.fail = new Error('SQLITE_IOERR: disk I/O error')
    try {
      const res = await request(app).get('/docs/documents').set('Authorization', `Bearer ${token}`)
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toBe('2')
      expect(res.body).toEqual({ ok: false, error: 'Token store unavailable', errors: ['Token store unavailable'], status: 503 })
      expect(JSON.stringify(res.body)).not.toContain('SQLITE')
    } finally {
      state.fail = null
    }
    const back = await request(app).get('/docs/documents').set('Authorization', `Bearer ${token}`)
    expect(back.status).toBe(200)
  })

  test('with onError: next, the 503 reaches the app as a StoreUnavailableError with its cause', async () => {
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'next' })
    const seen: unknown[] = []
    const nextApp = express()
    nextApp.use((req, res, next) => tokenAuth(gate, { onError: 'next' })(req, res, next))
    nextApp.get('/x', (_req, res) => {
      res.send('ran')
    })
    nextApp.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen.push(error)
      res.status(599).end()
    })
    state.fail = new Error('boom')
    try {
      await request(nextApp).get('/x').set('Authorization', `Bearer ${token}`).expect(599)
    } finally {
      state.fail = null
    }
    expect(seen[0]).toBeInstanceOf(StoreUnavailableError)
    expect((seen[0] as StoreUnavailableError).cause).toEqual(new Error('boom'))
  })
})

describe('the cache', () => {
  test('a token is looked up once per cache lifetime; tokenCacheTtl 0 asks every time', async () => {
    let now = T
    const { store, state } = instrumented()
    const gate = createGate({}, { tokenStore: store, now: () => now })
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'cached' })
    const auth = { authorization: `Bearer ${token}` }
    await gate.authenticate(auth)
    await gate.authenticate(auth)
    expect(state.lookups).toBe(1)
    now = T + 5
    await gate.authenticate(auth)
    expect(state.lookups).toBe(2)

    const uncached = createGate({}, { tokenStore: store, tokenCacheTtl: 0, now: () => now })
    await uncached.authenticate(auth)
    await uncached.authenticate(auth)
    expect(state.lookups).toBe(4)
  })

  test('a cached token is served while the store is down (the 503 is for tokens not cached)', async () => {
    const { store, state } = instrumented()
    const gate = createGate({}, { tokenStore: store, now: () => T })
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'cached' })
    const { token: fresh } = await gate.tokens!.create({ actorId: 'alice', name: 'fresh' })
    await gate.authenticate({ authorization: `Bearer ${token}` })
    state.fail = new Error('down')
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({ id: 'alice' })
    await expect(gate.authenticate({ authorization: `Bearer ${fresh}` })).rejects.toBeInstanceOf(StoreUnavailableError)
  })

  test('a lookup that answered "active" just before a revoke landed is not remembered', async () => {
    const memory = createMemoryTokenStore()
    let release!: () => void
    let held = false
    const store: TokenStore = {
      ...memory,
      findByHash(hash) {
        const row = memory.findByHash(hash) // read now (active) …
        if (!held) return row
        return new Promise((resolve) => {
          release = () => resolve(row) // … answered later, after the revoke
        })
      },
    }
    const gate = createGate({}, { tokenStore: store, now: () => T })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'stale' })
    held = true
    const inFlight = gate.authenticate({ authorization: `Bearer ${token}` })
    await gate.tokens!.revoke(record.id)
    held = false
    release()
    await expect(inFlight).resolves.toMatchObject({ id: 'alice' }) // it began before the revoke
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ message: 'Token has been revoked' })
  })
})

describe('tokenPrefix', () => {
  test('a gate with its own prefix makes and accepts its tokens, and leaves tgk_ tokens to other sources', async () => {
    const gate = createGate({}, { tokenStore: createMemoryTokenStore(), tokenPrefix: 'acme' })
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'acme' })
    expect(token).toMatch(/^acme_[0-9A-Za-z]{38}$/)
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({ id: 'alice' })
    await expect(gate.authenticate({ authorization: 'Bearer tgk_000000000000000000000000000000002wjyrI' })).rejects.toMatchObject({ message: 'Unknown token' })
  })

  test.each([['TGK'], ['x'], ['dstok'], [5]])('%p is a TypeError at creation', (prefix) => {
    expect(thrown(() => createGate({}, { tokenPrefix: prefix as string }))).toBeInstanceOf(TypeError)
  })

  test('tokenCacheTtl and tokenStore are checked at creation', () => {
    expect(thrown(() => createGate({}, { tokenCacheTtl: -1 }))).toBeInstanceOf(TypeError)
    expect(thrown(() => createGate({}, { tokenStore: {} as TokenStore }))).toBeInstanceOf(TypeError)
  })
})

describe('"token_store" in the configuration', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokengate-config-store-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  test('a relative sqlite: path is relative to the configuration file; opened lazily, kept across gates', async () => {
    const file = join(dir, 'metadata.json')
    writeFileSync(file, JSON.stringify({ token_store: { $env: 'TOKENS' } }))
    const gate = createGate(file, { env: { TOKENS: 'sqlite:data/tokens.db' } })
    expect(gate.tokens).not.toBeNull()
    await gate.ready()
    const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'persisted' })
    await gate.close()
    await gate.close()
    const again = createGate(file, { env: { TOKENS: 'sqlite:data/tokens.db' } })
    // Opened by the first request that needs it, not before.
    await expect(again.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({ id: 'alice', token: 'managed' })
    expect((await again.tokens!.list()).tokens.map((t) => t.name)).toEqual(['persisted'])
    await again.close()
  })

  test('a store that cannot be opened: ready() rejects with its error; requests get 503; it is retried', async () => {
    const gate = createGate({ token_store: 'sqlite:/proc/self/no/tokens.db' })
    const error = await gate.ready().then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as Error).message).toMatch(/^Cannot open the token store sqlite:\/proc\/self\/no\/tokens\.db: /)
    const res = await request(appFor(gate)).get('/docs/documents').set('Authorization', 'Bearer tgk_000000000000000000000000000000002wjyrI')
    expect([res.status, res.body.error, res.headers['retry-after']]).toEqual([503, 'Token store unavailable', '2'])
    await gate.close()
  })

  test('a URL of no known form is a ConfigError that does not quote it', () => {
    const error = thrown(() => createGate({ token_store: 'mysql://root:hunter2@db/app' })) as ConfigError
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.problems).toEqual([{ path: 'token_store', message: 'unknown scheme "mysql:"; use memory:, sqlite:PATH, postgres://… or postgresql://…' }])
    expect(error.message).not.toContain('hunter2')
  })

  test('the tokenStore option takes the place of "token_store", and is not closed by the gate', async () => {
    const store = createMemoryTokenStore()
    const gate = createGate({ token_store: 'sqlite:/proc/self/never-opened.db' }, { tokenStore: store })
    await gate.ready()
    await gate.tokens!.create({ actorId: 'alice', name: 'x' })
    await gate.close()
    expect((await store.list({ limit: 10, now: T })).length).toBe(1)
  })
})

describe('over Koa', () => {
  test('the same answers: 200 with the managed actor, 401 revoked, 503 with Retry-After', async () => {
    const { default: Koa } = await import('koa')
    const koa = await import('tokengate/koa')
    const { store, state } = instrumented()
    const gate = createGate(CONFIG, { tokenStore: store })
    const app = new Koa()
    app.use(koa.tokenAuth(gate))
    app.use((ctx) => {
      ctx.body = { actor: ctx.state['actor'] }
    })
    const server = app.callback()
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'koa' })
    const ok = await request(server).get('/').set('Authorization', `Bearer ${token}`)
    expect([ok.status, ok.body]).toEqual([200, { actor: { id: 'alice', token: 'managed', token_id: record.id } }])
    const { token: other } = await gate.tokens!.create({ actorId: 'alice', name: 'koa 2' })
    state.fail = new Error('down')
    const down = await request(server).get('/').set('Authorization', `Bearer ${other}`)
    state.fail = null
    expect([down.status, down.headers['retry-after'], down.body.error]).toEqual([503, '2', 'Token store unavailable'])
    await gate.tokens!.revoke(record.id)
    const revoked = await request(server).get('/').set('Authorization', `Bearer ${token}`)
    expect([revoked.status, revoked.body.error]).toEqual([401, 'Token has been revoked'])
  })
})

describe('over Fastify', () => {
  test('the same answers, also when the store answers with a promise: 200, 403 near miss, 401 revoked, 503 with Retry-After', async () => {
    const { default: Fastify } = await import('fastify')
    const fastify = await import('tokengate/fastify')
    const { store, state } = instrumented()
    const gate = createGate(CONFIG, { tokenStore: store, tokenCacheTtl: 0 })
    const app = Fastify()
    await app.register(fastify.tokengate, { gate })
    app.get('/:db/:table', { preHandler: fastify.requirePermission('view-table', ':db', ':table') }, async (request) => ({ actor: request.actor }))
    const get = (token: string) => app.inject({ url: '/docs/documents', headers: { authorization: `Bearer ${token}` } })
    const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'fastify' })
    const ok = await get(token)
    expect([ok.statusCode, ok.json()]).toEqual([200, { actor: { id: 'alice', token: 'managed', token_id: record.id } }])
    // A store that answers asynchronously (PostgreSQL's does): the plugin's hook waits for it.
    let release = (): void => {}
    state.hold = new Promise((resolve) => (release = resolve))
    const held = get(token)
    release()
    expect((await held).statusCode).toBe(200)
    state.hold = null
    const { token: bobs } = await gate.tokens!.create({ actorId: 'bob', name: 'fastify' })
    const denied = await get(bobs)
    expect([denied.statusCode, denied.headers['www-authenticate']]).toEqual([403, 'Bearer realm="tokengate", error="insufficient_scope"'])
    state.fail = new Error('down')
    const down = await get(token)
    state.fail = null
    expect([down.statusCode, down.headers['retry-after'], down.json().error]).toEqual([503, '2', 'Token store unavailable'])
    await gate.tokens!.revoke(record.id)
    const revoked = await get(token)
    expect([revoked.statusCode, revoked.json().error]).toEqual([401, 'Token has been revoked'])
    await app.close()
  })
})

describe('no token in a log, an error message or the store', () => {
  test('through a whole lifecycle, with failures', async () => {
    const logged: string[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${String(a.stack)}` : String(a))).join(' '))
      }),
    )
    const errors: unknown[] = []
    const { store, state } = instrumented()
    try {
      const gate = createGate(CONFIG, { tokenStore: store })
      const app = appFor(gate)
      const made = await gate.tokens!.create({ actorId: 'alice', name: 'secretive' })
      const rotated = await gate.tokens!.rotate(made.record.id)
      const tokens = [made.token, rotated.token]
      const spoiled = tokens.map((t) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`)
      const bodies: string[] = []
      for (const presented of [...tokens, ...spoiled, `${made.token}x`]) {
        bodies.push(JSON.stringify((await request(app).get('/docs/documents').set('Authorization', `Bearer ${presented}`)).body))
        errors.push(await gate.authenticate({ authorization: `Bearer ${presented}` }).then(() => null, (e: unknown) => e))
      }
      state.fail = new Error('store down')
      errors.push(await gate.authenticate({ authorization: `Bearer ${spoiled[0]!.slice(0, -6)}${made.token.slice(-6)}` }).then(() => null, (e: unknown) => e))
      state.fail = null
      await gate.tokens!.revoke(made.record.id)
      errors.push(await gate.authenticate({ authorization: `Bearer ${rotated.token}` }).then(() => null, (e: unknown) => e))
      errors.push(await gate.tokens!.rotate(made.record.id).then(() => null, (e: unknown) => e))
      const rows = JSON.stringify([await store.list({ limit: 100, now: T }), await store.audit(made.record.id)])
      const text = [
        ...logged,
        ...bodies,
        rows,
        ...errors.filter((e) => e !== null).map((e) => `${(e as Error).message} ${JSON.stringify(e)} ${String((e as Error).cause)}`),
      ].join('\n')
      expect(errors.filter((e) => e !== null).length).toBeGreaterThan(4)
      for (const token of [...tokens, ...spoiled]) {
        expect(text).not.toContain(token)
        expect(text).not.toContain(token.slice(8, 36)) // nor its secret part beyond the display start
      }
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })
})

test('"token_store" that is not a string is a ConfigError that does not quote the value', () => {
  const error = thrown(() => createGate({ token_store: 42 as unknown as string })) as ConfigError
  expect(error.problems).toEqual([{ path: 'token_store', message: 'must be a string; got a number' }])
})
