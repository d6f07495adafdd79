/**
 * RFC 6750 (OAuth 2.0 Bearer Token Usage), section by section, through real Express and Koa
 * apps: "are we still RFC 6750 compliant?" is a question for this one file. The adapters' wider
 * behaviour (bodies, onError, wiring) is in adapters/; header parsing alone in tokens/bearer.test.ts.
 */
import { Router } from '@koa/router'
import express from 'express'
import Koa from 'koa'
import request from 'supertest'
import { createGate } from 'tokengate'
import type { Gate, TokengateConfig } from 'tokengate'
import * as expressAdapter from 'tokengate/express'
import * as koaAdapter from 'tokengate/koa'

const TOKEN = 'mF_9.B5f-4.1JqM' // RFC 6750's own example token (section 2.1)
const CONFIG: TokengateConfig = {
  tokens: [{ token: TOKEN, actor: { id: 'alice' } }],
  databases: { docs: { tables: { documents: { permissions: { 'insert-row': { id: 'root' } } } } } },
}

type Server = Parameters<typeof request>[0]

/** GET /resource is guarded by insert-row on docs/documents, which alice may not do. */
const APPS: [string, (gate: Gate) => Server][] = [
  [
    'Express',
    (gate) => {
      const app = express()
      app.use(expressAdapter.tokenAuth(gate))
      app.get('/open', (req, res) => res.json({ actor: req.actor }))
      app.get('/resource', expressAdapter.requirePermission('insert-row', 'docs', 'documents'), (_req, res) => res.json({ ok: true }))
      app.post('/open', express.urlencoded({ extended: false }), (req, res) => res.json({ actor: req.actor }))
      return app
    },
  ],
  [
    'Koa',
    (gate) => {
      const app = new Koa()
      const router = new Router()
      router.get('/open', (ctx) => {
        ctx.body = { actor: ctx.state.actor }
      })
      router.post('/open', (ctx) => {
        ctx.body = { actor: ctx.state.actor }
      })
      router.get('/resource', koaAdapter.requirePermission('insert-row', 'docs', 'documents'), (ctx) => {
        ctx.body = { ok: true }
      })
      app.use(koaAdapter.tokenAuth(gate))
      app.use(router.routes())
      return app.callback()
    },
  ],
]

describe.each(APPS)('RFC 6750 on %s', (_name, build) => {
  const server = (options: Parameters<typeof createGate>[1] = {}): Server => build(createGate(CONFIG, options))

  describe('2.1 Authorization Request Header Field', () => {
    test('credentials = "Bearer" 1*SP b64token: the RFC example authenticates', async () => {
      const res = await request(server()).get('/open').set('Authorization', `Bearer ${TOKEN}`)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ actor: { id: 'alice' } })
    })

    test.each(['bearer', 'BEARER', 'BeArEr'])('the scheme is case-insensitive (RFC 7235 2.1): %s', async (scheme) => {
      const res = await request(server()).get('/open').set('Authorization', `${scheme} ${TOKEN}`)
      expect(res.body).toEqual({ actor: { id: 'alice' } })
    })

    test('1*SP: several spaces before the token are allowed', async () => {
      const res = await request(server()).get('/open').set('Authorization', `Bearer   ${TOKEN}`)
      expect(res.body).toEqual({ actor: { id: 'alice' } })
    })

    test('the token is taken verbatim: no case folding', async () => {
      const res = await request(server()).get('/open').set('Authorization', `Bearer ${TOKEN.toLowerCase()}`)
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="invalid_token"')
    })
  })

  describe('2.2 Form-Encoded Body Parameter', () => {
    test('is not read: an access_token in the body leaves the request anonymous', async () => {
      const res = await request(server()).post('/open').type('form').send({ access_token: TOKEN })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ actor: null })
    })
  })

  describe('2.3 URI Query Parameter', () => {
    test('is read only when the application opts in', async () => {
      expect((await request(server()).get('/open').query({ access_token: TOKEN })).body).toEqual({ actor: null })
      const optedIn = server({ queryParam: 'access_token' })
      expect((await request(optedIn).get('/open').query({ access_token: TOKEN })).body).toEqual({ actor: { id: 'alice' } })
    })
  })

  describe('3 The WWW-Authenticate Response Header Field', () => {
    test('a request without credentials to a protected resource: 401, a challenge with the realm and no error code', async () => {
      const res = await request(server()).get('/resource')
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate"')
    })

    test('the realm is a quoted-string', async () => {
      const res = await request(server({ realm: 'docs api' })).get('/resource')
      expect(res.headers['www-authenticate']).toBe('Bearer realm="docs api"')
    })

    test('a request to an unprotected resource gets no challenge', async () => {
      const res = await request(server()).get('/open')
      expect(res.status).toBe(200)
      expect(res.headers['www-authenticate']).toBeUndefined()
    })
  })

  describe('3.1 Error Codes', () => {
    test('invalid_request: a malformed request (the token missing) is 400', async () => {
      const res = await request(server()).get('/open').set('Authorization', 'Bearer')
      expect(res.status).toBe(400)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="invalid_request"')
    })

    test('invalid_request: more than one method of sending the token is 400', async () => {
      const res = await request(server({ queryParam: 'access_token' }))
        .get('/open')
        .query({ access_token: TOKEN })
        .set('Authorization', `Bearer ${TOKEN}`)
      expect(res.status).toBe(400)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="invalid_request"')
    })

    test('invalid_token: an unknown token is 401, even on an unprotected resource', async () => {
      const res = await request(server()).get('/open').set('Authorization', 'Bearer not-a-known-token')
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="invalid_token"')
    })

    test('insufficient_scope: a valid token without the privilege is 403', async () => {
      const res = await request(server()).get('/resource').set('Authorization', `Bearer ${TOKEN}`)
      expect(res.status).toBe(403)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="insufficient_scope"')
    })
  })
})
