/**
 * The Datasette-style examples end to end, through their real routes with supertest: the Express
 * app (examples/datasette-api), the Koa app (examples/koa-api) and the Fastify app
 * (examples/fastify-api) run the same tables, since they serve the same metadata.json and data
 * module and must answer alike.
 *
 * Who may do what comes from examples/datasette-api/metadata.json (root is enabled):
 * - anyone reads docs/documents, shop/products and the recent_documents query;
 * - only root and alice read docs/staff_notes; root, alice and the bot read the drafts query;
 * - documents: root, alice and the bot insert, root and alice update, root deletes;
 * - bob is authenticated and has no rule of his own.
 *
 * "Handler ran" is observed on the data module: every route handler calls exactly one of its
 * methods, so a 401/403/400-from-tokengate must leave every spy untouched.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import request from 'supertest'
import { createSignedToken } from 'tokengate'
import type { Restrictions } from 'tokengate'
import { type DatasetteAppOptions, DEMO_BOT_TOKEN, METADATA, createApp as createExpressApp } from '../../examples/datasette-api/app.js'
import { DemoData, MAX_INSERT_ROWS } from '../../examples/datasette-api/data.js'
import { createApp as createFastifyApp } from '../../examples/fastify-api/app.js'
import { createApp as createKoaApp } from '../../examples/koa-api/app.js'

const SECRET = 'test-secret-for-the-datasette-examples'
const BOT = 'test-bot-token'
const REALM = 'Bearer realm="tokengate"'

type Listener = Parameters<typeof request>[0]

interface Flavour {
  name: string
  /** Build the app and give supertest its request listener. */
  listen: (options: DatasetteAppOptions) => { listener: Listener; gate: ReturnType<typeof createExpressApp>['gate'] }
}

const FLAVOURS: Flavour[] = [
  {
    name: 'Express (examples/datasette-api)',
    listen: (options) => {
      const { app, gate } = createExpressApp(options)
      return { listener: app, gate }
    },
  },
  {
    name: 'Koa (examples/koa-api)',
    listen: (options) => {
      const { app, gate } = createKoaApp(options)
      return { listener: app.callback() as unknown as Server, gate }
    },
  },
  {
    name: 'Fastify (examples/fastify-api)',
    listen: (options) => {
      const { app, gate } = createFastifyApp(options)
      // Fastify's own request handler, once the app is ready (plugins and routes load then).
      const ready = app.ready()
      const listener = (req: IncomingMessage, res: ServerResponse): void => {
        void ready.then(() => app.routing(req, res))
      }
      return { listener: listener as unknown as Server, gate }
    },
  },
]

/** Everyone the tables name: plain actors, the bot, and restricted tokens. */
const WHO: Record<string, { actorId: string; restrictions?: Restrictions } | 'anonymous' | 'bot'> = {
  anonymous: 'anonymous',
  bot: 'bot',
  root: { actorId: 'root' },
  alice: { actorId: 'alice' },
  bob: { actorId: 'bob' },
  // Restricted tokens: the restriction gate AND the actor's own permissions.
  'alice, r docs/documents [vt]': { actorId: 'alice', restrictions: { r: { docs: { documents: ['vt'] } } } },
  'root, d docs [ir]': { actorId: 'root', restrictions: { d: { docs: ['ir'] } } },
  'bob, a [ir]': { actorId: 'bob', restrictions: { a: ['ir'] } },
  'alice, a [insert-row, view-table]': { actorId: 'alice', restrictions: { a: ['insert-row', 'view-table'] } },
  'root, a [vt]': { actorId: 'root', restrictions: { a: ['vt'] } },
}

type Who = keyof typeof WHO

const VALID_ROWS: Record<string, object> = {
  'docs/documents': { row: { title: 'New', published: false } },
  'docs/staff_notes': { row: { author: 'bob', note: 'Hello' } },
  'shop/products': { row: { name: 'Pen', price_cents: 150 } },
}

const DATA_METHODS = ['viewTable', 'insertRows', 'updateRow', 'deleteRow', 'runQuery'] as const

describe.each(FLAVOURS)('$name', ({ listen }) => {
  function setup(options: DatasetteAppOptions = {}) {
    const data = new DemoData()
    const { listener, gate } = listen({ secret: SECRET, env: { BOT_TOKEN: BOT }, data, ...options })
    const spies = DATA_METHODS.map((method) => jest.spyOn(data, method))
    const handlerRan = (): boolean => spies.some((spy) => spy.mock.calls.length > 0)
    const authorization = (who: Who): string | undefined => {
      const entry = WHO[who]
      if (entry === undefined) throw new Error(`no such actor in WHO: ${who}`)
      if (entry === 'anonymous') return undefined
      if (entry === 'bot') return `Bearer ${BOT}`
      return `Bearer ${gate.createSignedToken(entry)}`
    }
    const agent = request(listener)
    return { agent, data, gate, handlerRan, authorization }
  }

  type Setup = ReturnType<typeof setup>

  function send(s: Setup, method: 'GET' | 'POST', path: string, who: Who, body?: object): request.Test {
    let req = method === 'GET' ? s.agent.get(path) : s.agent.post(path)
    const header = s.authorization(who)
    if (header !== undefined) req = req.set('Authorization', header)
    return body === undefined ? req : req.send(body)
  }

  /** The denial answer of SPEC 8: status, challenge, body, and no handler. */
  function expectDenied(s: Setup, res: request.Response, status: 401 | 403, message: string): void {
    expect(res.status).toBe(status)
    expect(res.headers['www-authenticate']).toBe(status === 401 ? REALM : `${REALM}, error="insufficient_scope"`)
    expect(res.body).toEqual({ ok: false, error: message, errors: [message], status })
    expect(s.handlerRan()).toBe(false)
  }

  // -------------------------------------------------------------------------------------------
  describe('who may do what, through the real routes', () => {
    type Case = [who: Who, method: 'GET' | 'POST', path: string, status: number, denied?: string]
    const cases: Case[] = [
      // Reading a public table: anyone; a private one: root and alice only.
      ['anonymous', 'GET', '/docs/documents', 200],
      ['bob', 'GET', '/docs/documents', 200],
      ['anonymous', 'GET', '/docs/staff_notes', 401, 'Authentication required: view-table on docs/staff_notes'],
      ['bob', 'GET', '/docs/staff_notes', 403, 'Permission denied: view-table on docs/staff_notes'],
      ['bot', 'GET', '/docs/staff_notes', 403, 'Permission denied: view-table on docs/staff_notes'],
      ['alice', 'GET', '/docs/staff_notes', 200],
      ['root', 'GET', '/docs/staff_notes', 200],
      // Named queries: recent_documents is public, drafts has an allow block.
      ['anonymous', 'GET', '/docs/-/query/recent_documents', 200],
      ['anonymous', 'GET', '/docs/-/query/drafts', 401, 'Authentication required: view-query on docs/drafts'],
      ['bob', 'GET', '/docs/-/query/drafts', 403, 'Permission denied: view-query on docs/drafts'],
      ['bot', 'GET', '/docs/-/query/drafts', 200],
      ['alice', 'GET', '/docs/-/query/drafts', 200],
      // Inserting into documents: root, alice and the bot.
      ['anonymous', 'POST', '/docs/documents/-/insert', 401, 'Authentication required: insert-row on docs/documents'],
      ['bob', 'POST', '/docs/documents/-/insert', 403, 'Permission denied: insert-row on docs/documents'],
      ['bot', 'POST', '/docs/documents/-/insert', 201],
      ['alice', 'POST', '/docs/documents/-/insert', 201],
      ['root', 'POST', '/docs/documents/-/insert', 201],
      // shop/products has no rule: insert-row is denied by default, root is allowed everything.
      ['alice', 'POST', '/shop/products/-/insert', 403, 'Permission denied: insert-row on shop/products'],
      ['bot', 'POST', '/shop/products/-/insert', 403, 'Permission denied: insert-row on shop/products'],
      ['root', 'POST', '/shop/products/-/insert', 201],
      // Updating: root and alice; the bot may insert but not update.
      ['alice', 'POST', '/docs/documents/1/-/update', 200],
      ['bot', 'POST', '/docs/documents/1/-/update', 403, 'Permission denied: update-row on docs/documents'],
      ['anonymous', 'POST', '/docs/documents/1/-/update', 401, 'Authentication required: update-row on docs/documents'],
      // Deleting: root only.
      ['root', 'POST', '/docs/documents/1/-/delete', 200],
      ['alice', 'POST', '/docs/documents/1/-/delete', 403, 'Permission denied: delete-row on docs/documents'],
      ['anonymous', 'POST', '/docs/documents/1/-/delete', 401, 'Authentication required: delete-row on docs/documents'],

      // Restricted tokens: admitted only where the restriction AND the actor allow.
      // alice limited to viewing docs/documents:
      ['alice, r docs/documents [vt]', 'GET', '/docs/documents', 200],
      ['alice, r docs/documents [vt]', 'GET', '/docs/staff_notes', 403, 'Permission denied: view-table on docs/staff_notes'],
      ['alice, r docs/documents [vt]', 'GET', '/shop/products', 403, 'Permission denied: view-table on shop/products'],
      ['alice, r docs/documents [vt]', 'POST', '/docs/documents/-/insert', 403, 'Permission denied: insert-row on docs/documents'],
      // root limited to inserting in docs (every table of it), nothing else:
      ['root, d docs [ir]', 'POST', '/docs/documents/-/insert', 201],
      ['root, d docs [ir]', 'POST', '/docs/staff_notes/-/insert', 201],
      ['root, d docs [ir]', 'POST', '/shop/products/-/insert', 403, 'Permission denied: insert-row on shop/products'],
      ['root, d docs [ir]', 'GET', '/docs/documents', 403, 'Permission denied: view-table on docs/documents'],
      ['root, d docs [ir]', 'POST', '/docs/documents/1/-/update', 403, 'Permission denied: update-row on docs/documents'],
      // The restriction admits inserting everywhere, but bob himself may not: still denied.
      ['bob, a [ir]', 'POST', '/docs/documents/-/insert', 403, 'Permission denied: insert-row on docs/documents'],
      // Full action names in _r work like abbreviations.
      ['alice, a [insert-row, view-table]', 'POST', '/docs/documents/-/insert', 201],
      ['alice, a [insert-row, view-table]', 'GET', '/docs/staff_notes', 200],
      ['alice, a [insert-row, view-table]', 'POST', '/docs/documents/1/-/update', 403, 'Permission denied: update-row on docs/documents'],
      ['alice, a [insert-row, view-table]', 'GET', '/docs/-/query/recent_documents', 403, 'Permission denied: view-query on docs/recent_documents'],
    ]

    // A rest parameter: jest would take a fifth named parameter of a four-element row for `done`.
    test.each(cases)('%s: %s %s → %i', async (...[who, method, path, status, denied]: Case) => {
      const s = setup()
      const table = /^\/(\w+\/\w+)\//.exec(path)?.[1] ?? ''
      const body = path.endsWith('/-/insert')
        ? VALID_ROWS[table]
        : path.endsWith('/-/update')
          ? { update: { title: 'Renamed' } }
          : undefined
      const res = await send(s, method, path, who, body)
      if (denied !== undefined) {
        expectDenied(s, res, status as 401 | 403, denied)
      } else {
        expect(res.status).toBe(status)
        expect(res.body.ok).toBe(true)
        expect(s.handlerRan()).toBe(true)
      }
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('tokens that are not accepted', () => {
    // Each on a public table: a bad token is refused even where anonymous would be let in.
    test.each([
      ['garbage with the dstok_ prefix', 'dstok_garbage', 'Invalid token signature'],
      ['an unknown static token', 'not-the-bot-token', 'Unknown token'],
      ['the bot token in upper case', BOT.toUpperCase(), 'Unknown token'],
      ['a DSTOK_ prefix (prefixes are case-sensitive)', 'DSTOK_abc.def', 'Unknown token'],
    ])('%s → 401 invalid_token', async (_label, token, message) => {
      const s = setup()
      const res = await s.agent.get('/docs/documents').set('Authorization', `Bearer ${token}`)
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`)
      expect(res.body).toEqual({ ok: false, error: message, errors: [message], status: 401 })
      expect(s.handlerRan()).toBe(false)
    })

    test('a token signed with another secret → 401 Invalid token signature', async () => {
      const s = setup()
      const forged = createSignedToken({ actorId: 'root', secret: 'another-secret' })
      const res = await s.agent.get('/docs/documents').set('Authorization', `Bearer ${forged}`)
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('Invalid token signature')
      expect(s.handlerRan()).toBe(false)
    })

    test('an expired token → 401 Token has expired; the same token unexpired is accepted', async () => {
      const s = setup()
      const now = Math.floor(Date.now() / 1000)
      const expired = createSignedToken({ actorId: 'root', secret: SECRET, now: now - 120, expiresAfter: 60 })
      const res = await s.agent.get('/docs/staff_notes').set('Authorization', `Bearer ${expired}`)
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`)
      expect(res.body.error).toBe('Token has expired')
      expect(s.handlerRan()).toBe(false)
      const fresh = createSignedToken({ actorId: 'root', secret: SECRET, now: now - 30, expiresAfter: 60 })
      expect((await s.agent.get('/docs/staff_notes').set('Authorization', `Bearer ${fresh}`)).status).toBe(200)
    })

    test.each([
      ['Bearer with no token', 'Bearer'],
      ['a token with a space in it', `Bearer ${BOT} extra`],
      // (A trailing space cannot be tested over HTTP: Node's parser strips it from header values.)
    ])('%s → 400 invalid_request', async (_label, header) => {
      const s = setup()
      const res = await s.agent.get('/docs/documents').set('Authorization', header)
      expect(res.status).toBe(400)
      expect(res.headers['www-authenticate']).toBe(`${REALM}, error="invalid_request"`)
      expect(res.body).toMatchObject({ ok: false, status: 400 })
      expect(s.handlerRan()).toBe(false)
    })

    test('another scheme is not read: the request is anonymous', async () => {
      const basic = `Basic ${Buffer.from(`bot:${BOT}`).toString('base64')}`
      const open = setup()
      expect((await open.agent.get('/docs/documents').set('Authorization', basic)).status).toBe(200)
      const s = setup()
      const res = await s.agent.get('/docs/staff_notes').set('Authorization', basic)
      // Still anonymous, and the 401 says why the header was not read (never the credential).
      expectDenied(s, res, 401, 'Authentication required: view-table on docs/staff_notes (the Authorization header uses the "Basic" scheme; this server reads Bearer)')
    })
  })

  // -------------------------------------------------------------------------------------------
  describe("the bot's static token (metadata.json's datasette-auth-tokens block)", () => {
    test('BOT_TOKEN from the env option is the bot', async () => {
      const s = setup()
      const res = await s.agent.get('/-/actor').set('Authorization', `Bearer ${BOT}`)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ actor: { bot_id: 'my-bot' } })
    })

    test("the block's param carries the token in the query string", async () => {
      const s = setup()
      const res = await s.agent.get(`/-/actor?_auth_token=${BOT}`)
      expect(res.body).toEqual({ actor: { bot_id: 'my-bot' } })
      const wrong = await s.agent.get('/docs/documents?_auth_token=wrong')
      expect(wrong.status).toBe(401)
      expect(wrong.body.error).toBe('Unknown token')
      expect(s.handlerRan()).toBe(false)
    })

    test('a token in both the header and the query string → 400', async () => {
      const s = setup()
      const res = await s.agent.get(`/docs/documents?_auth_token=${BOT}`).set('Authorization', `Bearer ${BOT}`)
      expect(res.status).toBe(400)
      expect(res.headers['www-authenticate']).toBe(`${REALM}, error="invalid_request"`)
      expect(s.handlerRan()).toBe(false)
    })

    describe('without an env option', () => {
      const saved = process.env['BOT_TOKEN']
      afterEach(() => {
        if (saved === undefined) delete process.env['BOT_TOKEN']
        else process.env['BOT_TOKEN'] = saved
      })

      test('BOT_TOKEN unset: the embedded demo token is the bot', async () => {
        delete process.env['BOT_TOKEN']
        const { listener } = listen({ secret: SECRET })
        const res = await request(listener).get('/-/actor').set('Authorization', `Bearer ${DEMO_BOT_TOKEN}`)
        expect(res.body).toEqual({ actor: { bot_id: 'my-bot' } })
      })

      test('BOT_TOKEN set: it replaces the demo token, which is then unknown', async () => {
        process.env['BOT_TOKEN'] = 'from-the-environment'
        const { listener } = listen({ secret: SECRET })
        const agent = request(listener)
        expect((await agent.get('/-/actor').set('Authorization', 'Bearer from-the-environment')).body).toEqual({
          actor: { bot_id: 'my-bot' },
        })
        const stale = await agent.get('/-/actor').set('Authorization', `Bearer ${DEMO_BOT_TOKEN}`)
        expect(stale.status).toBe(401)
        expect(stale.body.error).toBe('Unknown token')
      })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('GET /-/actor', () => {
    test.each([
      ['anonymous', null],
      ['alice', { id: 'alice', token: 'dstok' }],
      ['alice, r docs/documents [vt]', { id: 'alice', token: 'dstok', _r: { r: { docs: { documents: ['vt'] } } } }],
    ] as const)('%s', async (who, actor) => {
      const s = setup()
      const res = await send(s, 'GET', '/-/actor', who)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ actor })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('GET /-/permissions (permissions-debug: root only)', () => {
    const query = '/-/permissions?action=insert-row&database=docs&resource=documents'

    test('root gets the decision for its own check', async () => {
      const s = setup()
      const res = await send(s, 'GET', query, 'root')
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({
        ok: true,
        actor: { id: 'root', token: 'dstok' },
        decision: { allowed: true, action: 'insert-row', database: 'docs', resource: 'documents' },
      })
      expect(typeof res.body.decision.reason).toBe('string')
    })

    test('root through a token restricted to view-table may not debug', async () => {
      const s = setup()
      expectDenied(s, await send(s, 'GET', query, 'root, a [vt]'), 403, 'Permission denied: permissions-debug')
    })

    test('alice → 403, anonymous → 401', async () => {
      const s = setup()
      expectDenied(s, await send(s, 'GET', query, 'alice'), 403, 'Permission denied: permissions-debug')
      expectDenied(s, await send(s, 'GET', query, 'anonymous'), 401, 'Authentication required: permissions-debug')
    })

    test('a missing action → 400', async () => {
      const s = setup()
      const res = await send(s, 'GET', '/-/permissions', 'root')
      expect(res.status).toBe(400)
      expect(res.body.ok).toBe(false)
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('reading and writing rows', () => {
    test('an inserted row gets the next id and is then listed', async () => {
      const s = setup()
      const res = await send(s, 'POST', '/docs/documents/-/insert', 'alice', { row: { title: 'Fourth', published: true } })
      expect(res.status).toBe(201)
      expect(res.body).toEqual({ ok: true, rows: [{ id: 4, title: 'Fourth', body: null, published: true }] })
      const list = await send(s, 'GET', '/docs/documents', 'anonymous')
      expect(list.body.rows.map((row: { id: number }) => row.id)).toEqual([1, 2, 3, 4])
      expect(list.body.columns).toEqual(['id', 'title', 'body', 'published'])
    })

    test('"rows" inserts several, with or without ids', async () => {
      const s = setup()
      const res = await send(s, 'POST', '/shop/products/-/insert', 'root', {
        rows: [
          { id: 10, name: 'Pen', price_cents: 150 },
          { name: 'Cap', price_cents: 900 },
        ],
      })
      expect(res.status).toBe(201)
      expect(res.body.rows).toEqual([
        { id: 10, name: 'Pen', price_cents: 150 },
        { id: 3, name: 'Cap', price_cents: 900 },
      ])
    })

    test('update changes the named columns only; the new values are served', async () => {
      const s = setup()
      const res = await send(s, 'POST', '/docs/documents/3/-/update', 'alice', { update: { published: true } })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ ok: true, row: { id: 3, title: 'Restricted tokens', body: 'A token never exceeds its actor.', published: true } })
      const drafts = await send(s, 'GET', '/docs/-/query/drafts', 'alice')
      expect(drafts.body).toEqual({ ok: true, database: 'docs', query: 'drafts', rows: [] })
    })

    test('delete removes the row; deleting it again is 404', async () => {
      const s = setup()
      expect((await send(s, 'POST', '/docs/documents/2/-/delete', 'root')).body).toEqual({ ok: true })
      const list = await send(s, 'GET', '/docs/documents', 'anonymous')
      expect(list.body.rows.map((row: { id: number }) => row.id)).toEqual([1, 3])
      const again = await send(s, 'POST', '/docs/documents/2/-/delete', 'root')
      expect(again.status).toBe(404)
      expect(again.body).toEqual({ ok: false, error: 'Row not found: 2', errors: ['Row not found: 2'], status: 404 })
    })

    test('named queries answer their rows', async () => {
      const s = setup()
      const res = await send(s, 'GET', '/docs/-/query/recent_documents', 'anonymous')
      expect(res.body).toEqual({
        ok: true,
        database: 'docs',
        query: 'recent_documents',
        rows: [
          { id: 3, title: 'Restricted tokens' },
          { id: 2, title: 'Allow blocks' },
          { id: 1, title: 'Getting started' },
        ],
      })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('bad input → 400, nothing written', () => {
    const tooMany = { rows: Array.from({ length: MAX_INSERT_ROWS + 1 }, (_, i) => ({ title: `t${i}`, published: false })) }
    test.each([
      ['a list instead of an object', [{ title: 'x', published: false }], 'The request body must be a JSON object such as {"row": {...}}'],
      ['an empty object', {}, 'Send exactly one of "row" or "rows"'],
      ['both row and rows', { row: { title: 'x', published: false }, rows: [] }, 'Send exactly one of "row" or "rows"'],
      ['an unknown key', { row: { title: 'x', published: false }, return: true }, 'Unknown key "return": send {"row": {...}} or {"rows": [...]}'],
      ['row that is a string', { row: 'x' }, 'each row must be a JSON object, got the string "x"'],
      ['rows that is not a list', { rows: { title: 'x' } }, '"rows" must be a list of objects'],
      ['an empty rows list', { rows: [] }, '"rows" is empty: send at least one row'],
      ['too many rows', tooMany, `Too many rows: at most ${MAX_INSERT_ROWS} per request`],
      ['an unknown column', { row: { title: 'x', published: false, colour: 'red' } }, 'unknown column "colour"'],
      ['a string for a boolean', { row: { title: 'x', published: 'yes' } }, 'column "published" must be a boolean, got the string "yes"'],
      ['a number for text', { row: { title: 42, published: false } }, 'column "title" must be a text, got the number 42'],
      ['a fractional id', { row: { id: 1.5, title: 'x', published: false } }, 'column "id" must be an integer, got the number 1.5'],
      ['a negative id', { row: { id: -1, title: 'x', published: false } }, 'column "id" must be a positive integer'],
      ['an existing id', { row: { id: 1, title: 'x', published: false } }, 'a row with id 1 already exists'],
      ['a missing required column', { row: { published: false } }, 'column "title" is required'],
      ['null in a required column', { row: { title: null, published: false } }, 'column "title" may not be null'],
      ['an object as a value', { row: { title: { a: 1 }, published: false } }, 'column "title" must be a text, got an object'],
    ])('insert: %s', async (_label, body, message) => {
      const s = setup()
      const before = s.data.viewTable('docs', 'documents').body
      const res = await send(s, 'POST', '/docs/documents/-/insert', 'root', body)
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ ok: false, error: message, status: 400 })
      expect(res.body.errors).toContain(message)
      expect(s.data.viewTable('docs', 'documents').body).toEqual(before)
    })

    test('insert: one bad row among good ones rejects the batch and lists every problem', async () => {
      const s = setup()
      const res = await send(s, 'POST', '/docs/documents/-/insert', 'root', {
        rows: [{ title: 'good', published: true }, { title: 7 }, { id: 2, title: 'dup', published: true }],
      })
      expect(res.status).toBe(400)
      expect(res.body.errors).toEqual([
        'row 2: column "title" must be a text, got the number 7',
        'row 2: column "published" is required',
        'row 3: a row with id 2 already exists',
      ])
      expect(s.data.viewTable('docs', 'documents').body['rows']).toHaveLength(3)
    })

    test('insert: malformed JSON → 400 before the handler', async () => {
      const s = setup()
      const res = await s.agent
        .post('/docs/documents/-/insert')
        .set('Authorization', s.authorization('root') as string)
        .set('Content-Type', 'application/json')
        .send('{"row": {"title": "x",')
      expect(res.status).toBe(400)
      expect(res.body).toEqual({ ok: false, error: 'The request body is not valid JSON', errors: ['The request body is not valid JSON'], status: 400 })
      expect(s.data.viewTable('docs', 'documents').body['rows']).toHaveLength(3)
    })

    test.each([
      ['a JSON string at the top', '"just a string"', 'The request body is not valid JSON'],
      ['a JSON number at the top', '42', 'The request body is not valid JSON'],
      ['an empty body', '', 'Send exactly one of "row" or "rows"'],
    ])('insert: %s → 400', async (_label, body, message) => {
      const s = setup()
      const res = await s.agent
        .post('/docs/documents/-/insert')
        .set('Authorization', s.authorization('root') as string)
        .set('Content-Type', 'application/json')
        .send(body)
      expect(res.status).toBe(400)
      expect(res.body.error).toBe(message)
    })

    test('insert: too large a body → 413', async () => {
      const s = setup()
      const res = await send(s, 'POST', '/docs/documents/-/insert', 'root', { row: { title: 'x'.repeat(200 * 1024), published: false } })
      expect(res.status).toBe(413)
      expect(res.body).toMatchObject({ ok: false, status: 413 })
      expect(s.data.viewTable('docs', 'documents').body['rows']).toHaveLength(3)
    })

    test('insert: a body that is not JSON at all → 400', async () => {
      const s = setup()
      const res = await s.agent
        .post('/docs/documents/-/insert')
        .set('Authorization', s.authorization('root') as string)
        .set('Content-Type', 'text/plain')
        .send('title=x')
      expect(res.status).toBe(400)
      expect(res.body.error).toBe('The request body must be a JSON object such as {"row": {...}}')
    })

    test.each([
      ['the primary key', { update: { id: 9 } }, 'column "id" is the primary key and cannot be updated'],
      ['an unknown column', { update: { colour: 'red' } }, 'unknown column "colour"'],
      ['a wrong type', { update: { published: 1 } }, 'column "published" must be a boolean, got the number 1'],
      ['null in a required column', { update: { title: null } }, 'column "title" may not be null'],
      ['an empty update', { update: {} }, '"update" is empty: name at least one column'],
      ['update that is not an object', { update: 'x' }, '"update" must be an object of column values'],
      ['an unknown key', { update: { title: 'x' }, alter: true }, 'Unknown key "alter": send {"update": {...}}'],
    ])('update: %s', async (_label, body, message) => {
      const s = setup()
      const res = await send(s, 'POST', '/docs/documents/1/-/update', 'root', body)
      expect(res.status).toBe(400)
      expect(res.body.errors).toEqual([message])
      expect(s.data.viewTable('docs', 'documents').body['rows']).toContainEqual(
        expect.objectContaining({ id: 1, title: 'Getting started', published: true }),
      )
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('unknown things → 404, after the permission check', () => {
    test.each([
      ['GET', '/nope/documents', 'Database not found: nope'],
      ['GET', '/docs/nope', 'Table not found: nope'],
      ['GET', '/docs/-/query/nope', 'Query not found: nope'],
      ['GET', '/nope/-/query/recent_documents', 'Database not found: nope'],
      ['POST', '/docs/documents/99/-/update', 'Row not found: 99'],
      ['POST', '/docs/documents/abc/-/delete', 'Row not found: abc'],
      ['POST', '/docs/documents/01/-/delete', 'Row not found: 01'],
      ['POST', '/docs/nope/-/insert', 'Table not found: nope'],
    ] as const)('root: %s %s', async (method, path, message) => {
      const s = setup()
      const res = await send(s, method, path, 'root', path.endsWith('/update') ? { update: { title: 'x' } } : undefined)
      expect(res.status).toBe(404)
      expect(res.body).toEqual({ ok: false, error: message, errors: [message], status: 404 })
    })

    test('an actor without permission learns nothing: 401/403, not 404', async () => {
      const s = setup()
      expectDenied(s, await send(s, 'POST', '/docs/nope/-/insert', 'anonymous', {}), 401, 'Authentication required: insert-row on docs/nope')
      expectDenied(s, await send(s, 'POST', '/nope/t/-/insert', 'bob', {}), 403, 'Permission denied: insert-row on nope/t')
    })

    test('a path no route serves → JSON 404', async () => {
      const s = setup()
      const res = await s.agent.get('/a/b/c/d')
      expect(res.status).toBe(404)
      expect(res.body).toEqual({ ok: false, error: 'Not found', errors: ['Not found'], status: 404 })
    })
  })
})

describe('metadata.json and the data module agree', () => {
  test('every named query in metadata.json is implemented, and nothing else is', () => {
    const inMetadata = Object.fromEntries(
      Object.entries(METADATA.databases ?? {})
        .filter(([, db]) => db.queries !== undefined)
        .map(([name, db]) => [name, Object.keys(db.queries ?? {})]),
    )
    expect(DemoData.namedQueries()).toEqual(inMetadata)
  })

  test('every table in metadata.json exists in the data', () => {
    const data = new DemoData()
    for (const [db, config] of Object.entries(METADATA.databases ?? {})) {
      for (const table of Object.keys(config.tables ?? {})) expect(data.viewTable(db, table).status).toBe(200)
    }
  })
})
