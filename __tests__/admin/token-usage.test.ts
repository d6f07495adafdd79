/**
 * The usage route of token administration, `GET {basePath}/:id/usage` (SPEC section 11), through
 * the framework-neutral core the Express, Koa and Fastify mounts share: the body's shape with
 * RFC 3339 times, paging, what a store that cannot answer gives, and that it is matched under
 * the configured basePath only. Who may read which log (and the token-caller and 404 rules) is in
 * the shared HTTP table, ./cases.ts, which every framework runs.
 */
import express from 'express'
import request from 'supertest'
import { type Gate, type TokenStore, createGate, createMemoryTokenStore, tokenAuth } from 'tokengate'
import { createTokenAdminCore } from '../../lib/admin/token-admin.js'
import type { AdminRequest, AdminResponse, TokenAdminOptions } from '../../lib/admin/types.js'

const NOW = 1_800_000_000 // 2027-01-15T08:00:00Z
const CONFIG = { permissions: { 'auth-tokens-view-all': { id: 'auditor' } } }

async function setup(store: TokenStore = createMemoryTokenStore()): Promise<{ gate: Gate; id: string }> {
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
  return { gate, id: record.id }
}

/** Ask the core for a path, as alice unless told otherwise. */
async function ask(gate: Gate, path: string, query: AdminRequest['query'] = {}, options: TokenAdminOptions = {}, actor = { id: 'alice' }): Promise<AdminResponse | null> {
  const core = createTokenAdminCore(gate, options)
  const matched = core.match('GET', path)
  if (matched === null) return null
  return core.handle(matched, { method: 'GET', path, params: matched.params, query, body: undefined, actor, headers: {}, mountPath: '', secure: false })
}

const ENTRY = { at: '2027-01-15T08:00:00Z', method: 'GET', action: null, database: null, resource: null, outcome: 'authenticated', status: 200 }

test('the body: the entries newest first, times in RFC 3339, never cached', async () => {
  const { gate, id } = await setup()
  expect(await ask(gate, `/-/api/tokens/${id}/usage`)).toEqual({
    status: 200,
    headers: { 'Cache-Control': 'no-store' },
    body: { ok: true, token_id: id, entries: [{ ...ENTRY, path: '/docs/2' }, { ...ENTRY, path: '/docs/1' }], next: null },
  })
})

test('limit and cursor page through the log', async () => {
  const { gate, id } = await setup()
  const first = (await ask(gate, `/-/api/tokens/${id}/usage`, { limit: ['1'] }))?.body as { entries: { path: string }[]; next: string }
  expect(first.entries.map((e) => e.path)).toEqual(['/docs/2'])
  const second = await ask(gate, `/-/api/tokens/${id}/usage`, { limit: ['1'], cursor: [first.next] })
  expect(second?.body).toMatchObject({ entries: [{ path: '/docs/1' }], next: null })
})

test('a store that cannot answer: 503 with Retry-After, thrown for the mount to render', async () => {
  const memory = createMemoryTokenStore()
  let down = false
  const store: TokenStore = { ...memory, get: (id) => (down ? Promise.reject(new Error('connection refused')) : memory.get(id)) }
  const { gate, id } = await setup(store)
  down = true
  await expect(ask(gate, `/-/api/tokens/${id}/usage`)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503, message: 'Token store unavailable', headers: { 'Retry-After': '2' } })
})

test('the route is under the configured basePath only, and only for GET (and HEAD)', async () => {
  const { gate, id } = await setup()
  expect(await ask(gate, `/-/api/tokens/${id}/usage`, {}, { basePath: '/admin/tokens' })).toBeNull()
  expect((await ask(gate, `/admin/tokens/${id}/usage`, {}, { basePath: '/admin/tokens' }))?.status).toBe(200)
  const core = createTokenAdminCore(gate)
  expect(core.match('POST', `/-/api/tokens/${id}/usage`)).toBeNull()
  expect(core.match('HEAD', `/-/api/tokens/${id}/usage`)?.params).toEqual({ id })
})

test('the viewer with auth-tokens-view-all reads the log; a stranger gets the 404 of a missing id', async () => {
  const { gate, id } = await setup()
  expect((await ask(gate, `/-/api/tokens/${id}/usage`, {}, {}, { id: 'auditor' }))?.status).toBe(200)
  await expect(ask(gate, `/-/api/tokens/${id}/usage`, {}, {}, { id: 'bob' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', message: `No token has the id "${id}"` })
})
