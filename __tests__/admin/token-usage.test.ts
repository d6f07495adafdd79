/**
 * The handler of `GET /-/api/tokens/:id/usage` (SPEC section 11), called directly, as the admin
 * routers will mount it: the owner and a viewer with `auth-tokens-view-all` see the log; anyone
 * else gets the very 404 of an id no token has; anonymous 401 with the challenge; bad query
 * parameters 400 naming them; a store that cannot answer 503 with Retry-After; the body's shape,
 * RFC 3339 times and paging.
 */
import express from 'express'
import request from 'supertest'
import { type Gate, type TokenStore, createGate, createMemoryTokenStore, tokenAuth } from 'tokengate'
import { tokenUsageEndpoint } from '../../lib/admin/token-usage.js'
import { thrown } from '../helpers/thrown.js'

const NOW = 1_800_000_000 // 2027-01-15T08:00:00Z
const CONFIG = { permissions: { 'auth-tokens-view-all': { id: 'auditor' } } }

async function setup(store: TokenStore = createMemoryTokenStore()): Promise<{ gate: Gate; id: string; token: string }> {
  const gate = createGate(CONFIG, { now: () => NOW, tokenStore: store })
  const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'used' })
  // Two requests made with the token, through an app.
  const app = express()
  app.use(tokenAuth(gate))
  app.get('/docs/:n', (_req, res) => {
    res.json({ ok: true })
  })
  await request(app).get('/docs/1').set('Authorization', `Bearer ${token}`)
  await request(app).get('/docs/2?q=1').set('Authorization', `Bearer ${token}`)
  return { gate, id: record.id, token }
}

const ENTRY = { at: '2027-01-15T08:00:00Z', method: 'GET', action: null, database: null, resource: null, outcome: 'authenticated', status: 200 }

describe('who sees a token usage log', () => {
  test('the owner and a viewer with auth-tokens-view-all get it, newest first, with RFC 3339 times', async () => {
    const { gate, id } = await setup()
    const usage = tokenUsageEndpoint(gate)
    const expected = {
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
      body: { ok: true, token_id: id, entries: [{ ...ENTRY, path: '/docs/2' }, { ...ENTRY, path: '/docs/1' }], next: null },
    }
    expect(await usage({ actor: { id: 'alice' }, params: { id }, query: {} })).toEqual(expected)
    expect(await usage({ actor: { id: 'auditor' }, params: { id }, query: {} })).toEqual(expected)
  })

  test('anyone else gets the 404 of an id no token has', async () => {
    const { gate, id } = await setup()
    const usage = tokenUsageEndpoint(gate)
    const notFound = (missing: string) => ({
      status: 404,
      headers: {},
      body: { ok: false, error: `No token has the id "${missing}"`, errors: [`No token has the id "${missing}"`], status: 404 },
    })
    expect(await usage({ actor: { id: 'bob' }, params: { id }, query: {} })).toEqual(notFound(id))
    expect(await usage({ actor: { id: 'alice' }, params: { id: '0000000000000000' }, query: {} })).toEqual(notFound('0000000000000000'))
    // An actor with a token id but no id of its own is nobody's owner.
    expect(await usage({ actor: { bot_id: 'alice' }, params: { id }, query: {} })).toEqual(notFound(id))
  })

  test('anonymous: 401 with the challenge, naming the gate realm', async () => {
    const { gate, id } = await setup()
    expect(await tokenUsageEndpoint(gate)({ actor: null, params: { id }, query: {} })).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="tokengate"' },
      body: { ok: false, error: 'Authentication required', errors: ['Authentication required'], status: 401 },
    })
  })
})

describe('the query', () => {
  test('limit and cursor page through the log', async () => {
    const { gate, id } = await setup()
    const usage = tokenUsageEndpoint(gate)
    const first = await usage({ actor: { id: 'alice' }, params: { id }, query: { limit: '1' } })
    const body = first.body as { entries: { path: string }[]; next: string }
    expect(body.entries.map((e) => e.path)).toEqual(['/docs/2'])
    const second = await usage({ actor: { id: 'alice' }, params: { id }, query: { limit: '1', cursor: body.next } })
    expect(second.body).toMatchObject({ entries: [{ path: '/docs/1' }], next: null })
  })

  test.each([
    ['a limit that is not a number', { limit: 'ten' }, 'limit', 'limit must be a whole number from 1 to 1000'],
    ['a limit past 1000', { limit: '1001' }, 'limit', 'limit must be a whole number from 1 to 1000, got number 1001'],
    ['a limit given twice', { limit: ['1', '2'] }, 'limit', 'Send the limit query parameter once, as a plain string'],
    ['a cursor from elsewhere', { cursor: 'nonsense' }, 'cursor', 'cursor is not one this server gave out: pass the "next" of the previous page as it is'],
  ])('%s: 400 naming it', async (_label, query, _parameter, message) => {
    const { gate, id } = await setup()
    expect(await tokenUsageEndpoint(gate)({ actor: { id: 'alice' }, params: { id }, query })).toEqual({
      status: 400,
      headers: {},
      body: { ok: false, error: message, errors: [message], status: 400 },
    })
  })

  test('a store that cannot answer: 503 with Retry-After', async () => {
    const memory = createMemoryTokenStore()
    let down = false
    const store: TokenStore = {
      ...memory,
      get: (id) => (down ? Promise.reject(new Error('connection refused')) : memory.get(id)),
    }
    const { gate, id } = await setup(store)
    down = true
    expect(await tokenUsageEndpoint(gate)({ actor: { id: 'alice' }, params: { id }, query: {} })).toEqual({
      status: 503,
      headers: { 'Retry-After': '2' },
      body: { ok: false, error: 'Token store unavailable', errors: ['Token store unavailable'], status: 503 },
    })
  })
})

test('a gate without a token store cannot have the endpoint', () => {
  const error = thrown(() => tokenUsageEndpoint(createGate({})))
  expect(error).toBeInstanceOf(TypeError)
  expect((error as Error).message).toBe('The token usage endpoint needs a gate with a token store (the tokenStore option or "token_store")')
})
