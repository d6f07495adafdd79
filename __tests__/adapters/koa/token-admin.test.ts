/**
 * The Koa `tokenAdmin` end to end, through a real Koa 3 app and supertest: the same shared
 * token-administration cases, InfluxDB seed bodies, page and login link as the Express suite;
 * then what is Koa's own: errors thrown for Koa with `onError: 'next'`, a body a Koa body parser
 * already read.
 */
import { once } from 'node:events'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import Koa from 'koa'
import type { Middleware } from 'koa'
import request from 'supertest'
import { isTokengateError } from 'tokengate'
import type { Gate, TokenAdminOptions } from 'tokengate'
import { requirePermission, tokenAdmin, tokenAuth } from 'tokengate/koa'
import { STATIC, suiteGate } from '../../admin/cases.js'
import { describeAdminCases, describeInfluxCases, describePageCases } from '../../admin/runner.js'

function app(gate: Gate, options: TokenAdminOptions, before?: Middleware): ReturnType<Koa['callback']> {
  const server = new Koa()
  server.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      ctx.status = isTokengateError(error) ? error.status : 500
      ctx.body = { app: 'error', code: (error as { code?: unknown }).code }
    }
  })
  if (before !== undefined) server.use(before)
  server.use(tokenAuth(gate, { actorCookie: true }))
  server.use(tokenAdmin(gate, options))
  const router = new Router()
  const ok: Middleware = (ctx) => {
    ctx.body = { ok: true }
  }
  router.get('/-/health', requirePermission('view-health'), ok)
  router.get('/:db', requirePermission('view-database', ':db'), ok)
  router.post('/:db/:table/-/insert', requirePermission('insert-row', ':db', ':table'), ok)
  server.use(router.routes())
  server.use((ctx) => {
    ctx.status = 404
    ctx.body = { app: 'not found' }
  })
  return server.callback()
}

describeAdminCases('Koa', (gate, options) => app(gate, options))
describeInfluxCases('Koa', (gate, options) => app(gate, options))
describePageCases('Koa', (gate, options) => app(gate, options))

describe("Koa: what is Koa's own", () => {
  test('a body a body parser already read is used as it left it', async () => {
    const parser: Middleware = async (ctx, next) => {
      const chunks: Buffer[] = []
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
      ;(ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
      await next()
    }
    const server = app(suiteGate(), {}, parser)
    const res = await request(server).post('/-/api/tokens').set('Authorization', `Bearer ${STATIC.alice}`).send({ name: 'parsed' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ name: 'parsed' })
  })

  test('mounted under a path (as koa-mount does: the prefix taken off ctx.path), the page links to the mounted API', async () => {
    const gate = suiteGate()
    const admin = tokenAdmin(gate)
    const server = new Koa()
    server.use(tokenAuth(gate))
    server.use(async (ctx, next) => {
      if (!ctx.path.startsWith('/admin/')) return next()
      const whole = ctx.path
      ctx.path = whole.slice('/admin'.length)
      try {
        await admin(ctx, next)
      } finally {
        ctx.path = whole
      }
    })
    const listener = server.callback()
    const page = await request(listener).get('/admin/-/tokens?x=1').set('Authorization', `Bearer ${STATIC.alice}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('data-api="/admin/-/api/tokens"')
    expect(page.text).toContain('src="/admin/-/tokens/page.js"')
    expect((await request(listener).get('/admin/-/api/tokens').set('Authorization', `Bearer ${STATIC.alice}`)).status).toBe(200)
    // near miss: at the root, nothing is prefixed
    const root = new Koa()
    root.use(tokenAuth(gate))
    root.use(admin)
    const atRoot = await request(root.callback()).get('/-/tokens').set('Authorization', `Bearer ${STATIC.alice}`)
    expect(atRoot.text).toContain('data-api="/-/api/tokens"')
  })

  test('a request line in absolute form, or a path starting with //, never turns the links into another site', async () => {
    const gate = suiteGate()
    const server = new Koa()
    server.use(tokenAuth(gate))
    server.use(tokenAdmin(gate))
    const listening = createServer(server.callback()).listen(0, '127.0.0.1')
    await once(listening, 'listening')
    const { port } = listening.address() as AddressInfo
    try {
      // A client (or a proxy passing it on) may send the absolute form; Node and Koa accept it.
      for (const target of ['http://evil.example/-/tokens', '//evil.example/-/tokens']) {
        const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { Authorization: `Bearer ${STATIC.alice}` } }, (res) => {
            let body = ''
            res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
          })
          req.on('error', reject)
          req.end()
        })
        expect(page.body).not.toContain('evil.example')
        if (page.status === 200) expect(page.body).toContain('data-api="/-/api/tokens"')
      }
    } finally {
      listening.close()
    }
  })

  test("onError: 'next' throws the coded error for Koa", async () => {
    const gate = suiteGate()
    const errors: unknown[] = []
    const server = new Koa()
    server.on('error', (error: unknown) => errors.push(error))
    server.use(tokenAuth(gate))
    server.use(tokenAdmin(gate, { onError: 'next' }))
    const res = await request(server.callback()).post('/-/api/tokens').set('Authorization', `Bearer ${STATIC.bob}`).send({ name: 'x' })
    expect(res.status).toBe(403)
    expect(res.text).toBe('Permission denied: auth-tokens-create')
    expect(errors[0]).toMatchObject({ code: 'ERR_FORBIDDEN' })
  })

  test('without tokenAuth in front: 500 ERR_MIDDLEWARE_ORDER', async () => {
    const errors: unknown[] = []
    const server = new Koa()
    server.on('error', (error: unknown) => errors.push(error))
    server.use(tokenAdmin(suiteGate()))
    expect((await request(server.callback()).get('/-/api/tokens')).status).toBe(500)
    expect(errors[0]).toMatchObject({ code: 'ERR_MIDDLEWARE_ORDER' })
  })
})
