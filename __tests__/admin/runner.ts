/**
 * Runs the shared token-administration cases (./cases.ts) against one framework's mount: the
 * Express and Koa test files each call {@link describeAdminCases} with a function that builds
 * their app, so both frameworks answer the same table.
 */
import { createHash } from 'node:crypto'
import { createGate, createLoginLink, createMemoryTokenStore } from 'tokengate'
import type { Gate, TokenAdminOptions } from 'tokengate'
import {
  ADMIN_CASES,
  type AdminCase,
  type Fixtures,
  INFLUX_CONFIG,
  INFLUX_SEED_BODIES,
  NOW,
  OPTION_SETS,
  STATIC,
  buildFixtures,
  credentials,
  errorBody,
  suiteGate,
  suiteStore,
} from './cases.js'
import { type Target, http } from './client.js'

const at = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')

/** What a framework's test file gives the runner: an HTTP handler for supertest, or a client (Fastify's inject()). */
export type MakeServer = (gate: Gate, options: TokenAdminOptions) => Target

/** Every token and its audit entries, to prove a refused request wrote nothing. */
export async function snapshot(gate: Gate): Promise<string> {
  const tokens = gate.tokens
  if (tokens === null) return ''
  const { tokens: all } = await tokens.list({ limit: 1000 })
  const audits = await Promise.all(all.map((t) => tokens.audit(t.id)))
  return JSON.stringify([all, audits])
}

/** The fixtures' ids put into a path or message (`:aliceAll` → its id). */
export function withIds(text: string, fixtures: Fixtures): string {
  return text.replace(/:(aliceAll|aliceLimited|aliceInsertOnly|bobOwn|aliceRevoked|aliceThrottled)\b/g, (_m, name: keyof Fixtures) => fixtures[name].id)
}

export function describeAdminCases(framework: string, makeServer: MakeServer): void {
  describe(`${framework}: the token-administration cases (SPEC section 10)`, () => {
    test.each(ADMIN_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c: AdminCase) => {
      const gate = suiteGate()
      const fixtures = await buildFixtures(gate)
      const server = makeServer(gate, OPTION_SETS[c.options ?? 'default'])
      const before = await snapshot(gate)
      const path = withIds(c.path, fixtures)
      let req = http(server)[c.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](path)
      for (const [name, value] of Object.entries({ ...credentials(c.as, fixtures, gate), ...c.headers })) req = req.set(name, value)
      const body = typeof c.body === 'function' ? (c.body as (f: Fixtures) => unknown)(fixtures) : c.body
      if (c.raw !== undefined) req = req.send(c.raw)
      else if (body !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(body))
      const res = await req
      expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: c.status })
      if (c.error !== undefined) {
        expect(res.body).toEqual(errorBody(c.status, withIds(c.error, fixtures)))
        expect(res.headers['content-type']).toMatch(/^application\/json/)
      }
      if (c.match !== undefined) expect(res.body).toMatchObject(typeof c.match === 'function' ? c.match(fixtures) : c.match)
      c.check?.(res.body as Record<string, unknown>, fixtures)
      if (c.status >= 400) expect(await snapshot(gate)).toBe(before)
      if (res.status < 400 && String(res.headers['content-type'] ?? '').startsWith('application/json')) {
        expect(res.headers['cache-control']).toBe('no-store')
      }
      if (c.status === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate"')
      if (c.status === 403 && c.error?.startsWith('Cross-origin') === false) {
        expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate", error="insufficient_scope"')
      }
    })
  })
}

/** A gate for the InfluxDB cases: `root` (the admin token's actor) may do everything. */
export function influxGate(): Gate {
  return createGate(INFLUX_CONFIG, { now: () => NOW, rootEnabled: true, tokenStore: createMemoryTokenStore() })
}

const ROOT_BEARER = `Bearer ${(INFLUX_CONFIG.tokens ?? [])[0]?.token ?? ''}`

export function describeInfluxCases(framework: string, makeServer: MakeServer): void {
  describe(`${framework}: InfluxDB 3's token endpoints with influx: true`, () => {
    test.each(INFLUX_SEED_BODIES.map((c) => [c.name, c] as const))("the seed's curl body: %s → 201, a token that works", async (_name, seed) => {
      const gate = influxGate()
      const server = makeServer(gate, { influx: true })
      const res = await http(server)
        .post('/api/v3/enterprise/configure/token')
        .set('Accept', 'application/json')
        .set('Content-Type', 'application/json')
        .set('Authorization', ROOT_BEARER)
        .send(seed.body)
      expect(res.status).toBe(201)
      expect(res.headers['cache-control']).toBe('no-store')
      const name = (JSON.parse(seed.body) as { token_name: string }).token_name
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        name,
        token: expect.stringMatching(/^tgk_/),
        hash: createHash('sha256').update(String(res.body.token)).digest('hex'),
        created_at: at(NOW),
        expiry: seed.expiresAfter === null ? null : at(NOW + seed.expiresAfter),
      })
      const record = await gate.tokens?.get(String(res.body.id))
      expect(record).toMatchObject({ actorId: 'root', createdBy: 'root', permissions: seed.permissions })
      // The token works, within its permissions and nowhere else.
      const bearer = `Bearer ${String(res.body.token)}`
      const send = (method: 'get' | 'post', path: string) => http(server)[method](path).set('Authorization', bearer)
      if (seed.permissions[0]?.startsWith('system:') === true) {
        expect((await send('get', '/-/health')).status).toBe(200)
        expect((await send('get', '/DATABASE_NAME')).status).toBe(403)
      } else {
        const db = seed.permissions[0]?.startsWith('db:*') === true ? 'anything' : 'DATABASE_NAME'
        const first = seed.permissions[0]?.includes('DATABASE1') === true ? 'DATABASE1' : db
        expect((await send('get', `/${first}`)).status).toBe(200)
        expect((await send('post', `/${first}/t/-/insert`)).status).toBe(seed.permissions[0]?.endsWith('write') === true ? 200 : 403)
        if (db !== 'anything') expect((await send('get', '/another_db')).status).toBe(403)
        expect((await send('get', '/-/health')).status).toBe(403)
      }
    })

    test('both paths, resource_names as well as resource_identifier', async () => {
      const gate = influxGate()
      const server = makeServer(gate, { influx: true })
      const res = await http(server)
        .post('/api/v3/configure/token')
        .set('Authorization', ROOT_BEARER)
        .send({ token_name: 'n', permissions: [{ resource_type: 'db', resource_names: ['a'], actions: ['read'] }] })
      expect(res.status).toBe(201)
    })

    test("a taken name → 409 with InfluxDB's message; the name of a revoked token is free again", async () => {
      const gate = influxGate()
      const server = makeServer(gate, { influx: true })
      const body = { token_name: 'ingest', permissions: [{ resource_type: 'db', resource_names: ['a'], actions: ['write'] }] }
      const create = () => http(server).post('/api/v3/configure/token').set('Authorization', ROOT_BEARER).send(body)
      expect((await create()).status).toBe(201)
      const before = await snapshot(gate)
      const taken = await create()
      expect(taken.status).toBe(409)
      expect(taken.body).toEqual(errorBody(409, 'token name already exists, ingest'))
      expect(await snapshot(gate)).toBe(before)
      const del = () => http(server).delete('/api/v3/configure/token?token_name=ingest').set('Authorization', ROOT_BEARER)
      const deleted = await del()
      expect(deleted.status).toBe(200)
      expect(deleted.text).toBe('')
      const again = await del()
      expect(again.status).toBe(404)
      expect(again.body).toEqual(errorBody(404, 'the requested resource was not found: ingest'))
      expect((await create()).status).toBe(201)
    })

    test("DELETE revokes only the caller's own token of that name: the token stops working", async () => {
      const gate = influxGate()
      const server = makeServer(gate, { influx: true })
      const made = await http(server)
        .post('/api/v3/configure/token')
        .set('Authorization', `Bearer ${STATIC.bob}`)
        .send({ token_name: 'bobs', permissions: [{ resource_type: 'db', resource_names: ['a'], actions: ['read'] }] })
      expect(made.status).toBe(201)
      const use = () => http(server).get('/a').set('Authorization', `Bearer ${String(made.body.token)}`)
      expect((await use()).status).toBe(200)
      // root has no token named "bobs": 404, and bob's token still works
      const other = await http(server).delete('/api/v3/configure/token?token_name=bobs').set('Authorization', ROOT_BEARER)
      expect(other.status).toBe(404)
      expect((await use()).status).toBe(200)
      const own = await http(server).delete('/api/v3/configure/token?token_name=bobs').set('Authorization', `Bearer ${STATIC.bob}`)
      expect(own.status).toBe(200)
      const refused = await use()
      expect(refused.status).toBe(401)
      expect(refused.body).toEqual(errorBody(401, 'Token has been revoked'))
    })

    test.each([
      ['bob grants write, which bob lacks → 403', { token_name: 'w', permissions: [{ resource_type: 'db', resource_names: ['a'], actions: ['write'] }] }, 403, 'Cannot grant what bob may not do: insert-row on a, update-row on a, delete-row on a'],
      ['an admin-only resource type → 400', { token_name: 'w', permissions: [{ resource_type: '*', resource_names: ['*'], actions: ['*'] }] }, 400, 'permissions[0]: * resource type can only be set for admin token'],
      ['an unknown field → 400', { token_name: 'w', permissions: [], expiry_sec: 5 }, 400, 'Unknown field "expiry_sec"; did you mean "expiry_secs"?'],
      ['an unknown permission field → 400', { token_name: 'w', permissions: [{ resource_type: 'db', resource_name: ['a'], actions: ['read'] }] }, 400, 'Unknown field "permissions[0].resource_name"; did you mean "resource_names"?'],
      ['both names fields → 400', { token_name: 'w', permissions: [{ resource_type: 'db', resource_names: ['a'], resource_identifier: ['a'], actions: ['read'] }] }, 400, 'permissions[0] has both resource_names and resource_identifier; send one (resource_identifier is the older name)'],
      ['no permissions → 400', { token_name: 'w', permissions: [] }, 400, 'permissions must be a non-empty list of {resource_type, resource_names, actions}, got a list'],
      ['expiry_secs 0 → 400', { token_name: 'w', permissions: [{ resource_type: 'db', resource_names: ['a'], actions: ['read'] }], expiry_secs: 0 }, 400, 'expiry_secs must be a positive whole number of seconds, or null for no expiry; got number 0'],
      ['a name with a comma → 400', { token_name: 'w', permissions: [{ resource_type: 'db', resource_names: ['a,b'], actions: ['read'] }] }, 400, 'permissions[0]: "a,b" must not contain "," or ":"'],
    ])('%s, nothing written', async (_label, body, status, message) => {
      const gate = influxGate()
      const server = makeServer(gate, { influx: true })
      const before = await snapshot(gate)
      const res = await http(server).post('/api/v3/configure/token').set('Authorization', `Bearer ${STATIC.bob}`).send(body)
      expect(res.status).toBe(status)
      expect(res.body).toEqual(errorBody(status, message))
      expect(await snapshot(gate)).toBe(before)
    })

    test('  twin: bob grants read, which bob has → 201', async () => {
      const server = makeServer(influxGate(), { influx: true })
      const res = await http(server)
        .post('/api/v3/configure/token')
        .set('Authorization', `Bearer ${STATIC.bob}`)
        .send({ token_name: 'r', permissions: [{ resource_type: 'db', resource_names: ['a'], actions: ['read'] }] })
      expect(res.status).toBe(201)
    })

    test('without influx: true the endpoints are not served', async () => {
      const server = makeServer(influxGate(), {})
      const res = await http(server).post('/api/v3/configure/token').set('Authorization', ROOT_BEARER).send({ token_name: 'n', permissions: [] })
      expect(res.status).toBe(404)
      expect(res.body).toEqual({ app: 'not found' })
    })
  })
}

export function describePageCases(framework: string, makeServer: MakeServer): void {
  describe(`${framework}: the token page and the one-time login link`, () => {
    test('an anonymous visitor gets 401 with a pointer to how to sign in', async () => {
      const res = await http(makeServer(suiteGate(), {})).get('/-/tokens')
      expect(res.status).toBe(401)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tokengate"')
      expect(res.text).toContain('Open the one-time login link the server printed')
      const linked = await http(makeServer(suiteGate(), { signInUrl: '/login?next=/-/tokens' })).get('/-/tokens')
      expect(linked.status).toBe(401)
      expect(linked.text).toContain('<a href="/login?next=/-/tokens">Sign in</a>')
    })

    test('a signed-in visitor gets the page, with its own script and stylesheet, CSP and no-store', async () => {
      const gate = suiteGate()
      await buildFixtures(gate)
      const server = makeServer(gate, {})
      const res = await http(server).get('/-/tokens').set('Cookie', `ds_actor=${gate.createActorCookie({ id: 'alice' })}`)
      expect(res.status).toBe(200)
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.text).toContain('<script src="/-/tokens/page.js" defer></script>')
      expect(res.text).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/)
      expect(res.text).toContain('Signed in as <strong>alice</strong>')
      expect(res.text).toContain('alice-all')
      expect(res.text).not.toContain('bob-own')
      const script = await http(server).get('/-/tokens/page.js')
      expect(script.status).toBe(200)
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
      const style = await http(server).get('/-/tokens/page.css')
      expect(style.headers['content-type']).toBe('text/css; charset=utf-8')
    })

    test('every user string is escaped on the page', async () => {
      const gate = suiteGate()
      const evil = '<img src=x onerror=alert(1)>'
      await gate.tokens?.create({ actorId: 'alice', name: evil, description: '"><script>alert(2)</script>' })
      const res = await http(makeServer(gate, {})).get('/-/tokens').set('Authorization', `Bearer ${STATIC.alice}`)
      expect(res.status).toBe(200)
      expect(res.text).not.toContain('<img')
      expect(res.text).not.toContain('<script>alert')
      expect(res.text).toContain('&#60;img src=x onerror=alert(1)&#62;')
    })

    test("the list shows each token's rate limit and links to its usage; the form offers a rate limit", async () => {
      const gate = suiteGate()
      const fixtures = await buildFixtures(gate)
      const res = await http(makeServer(gate, {})).get('/-/tokens').set('Authorization', `Bearer ${STATIC.alice}`)
      expect(res.status).toBe(200)
      const row = (id: string) => /<tr data-id="[^"]+"[\s\S]*?<\/tr>/g.exec(res.text.slice(res.text.indexOf(`<tr data-id="${id}"`)))?.[0] ?? ''
      expect(row(fixtures.aliceThrottled.id)).toContain('<td>10 requests per minute</td>')
      expect(row(fixtures.aliceAll.id)).toContain('<td><span class="none">—</span></td>')
      expect(row(fixtures.aliceAll.id)).toContain(`<a href="/-/tokens?usage=${fixtures.aliceAll.id}#usage-heading">Usage<span class="visually-hidden"> of alice-all</span></a>`)
      expect(res.text).toContain('<label for="t-rate-points">At most</label>')
      expect(res.text).toContain('<select id="t-rate-window" name="rate_window" class="short"><option value="1">second</option><option value="60" selected>minute</option>')
      expect(res.text).not.toContain('id="usage"') // no token asked for
    })

    test('?usage=<id>: the owner sees its usage log, newest first and escaped, and a form to change its limit', async () => {
      const gate = suiteGate()
      const fixtures = await buildFixtures(gate)
      const server = makeServer(gate, {})
      const res = await http(server).get(`/-/tokens?usage=${fixtures.aliceAll.id}`).set('Cookie', `ds_actor=${gate.createActorCookie({ id: 'alice' })}`)
      expect(res.status).toBe(200)
      const section = res.text.slice(res.text.indexOf('<section id="usage"'), res.text.indexOf('</section>', res.text.indexOf('<section id="usage"')))
      expect(section).toContain('<h2 id="usage-heading">Usage of <span class="name">alice-all</span></h2>')
      expect(section).toContain('<p id="limit-current">No limit of its own (the server’s default limit, if any, applies).</p>')
      expect(section).toContain(`<form id="limit-form" data-id="${fixtures.aliceAll.id}" novalidate>`)
      const rows = [...section.matchAll(/<tr><td><time[^>]*>([^<]+)<\/time><\/td><td>([^<]+)<\/td><td><code>([^<]+)<\/code><\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td><span[^>]*>([^<]+)<\/span><\/td><td>(\d+)<\/td><\/tr>/g)].map((m) => m.slice(1))
      expect(rows).toEqual([
        ['2023-11-14 22:12 UTC', 'POST', '/docs/documents/-/insert', 'insert-row', 'docs/documents', 'allowed', '201'],
        ['2023-11-14 22:11 UTC', 'GET', '/docs/documents', 'view-table', 'docs/documents', 'allowed', '200'],
      ])
    })

    test('?usage=<id> escapes what a request put in the log, and pages with usage_cursor', async () => {
      const gate = suiteGate()
      const made = await gate.tokens!.create({ actorId: 'alice', name: 'busy' })
      // A request's path is the client's to choose: the log keeps it, the page escapes it.
      const entry = (i: number) => ({ tokenId: made.record.id, at: NOW - 100 + i, method: 'GET', path: `/p${i}/<img src=x onerror=alert(1)>`, action: null, database: null, resource: null, outcome: 'authenticated' as const, status: 404 })
      await suiteStore(gate).appendUsage(Array.from({ length: 60 }, (_, i) => entry(i)), 1000)
      const server = makeServer(gate, {})
      const first = await http(server).get(`/-/tokens?usage=${made.record.id}`).set('Authorization', `Bearer ${STATIC.alice}`)
      expect(first.status).toBe(200)
      expect(first.text).not.toContain('<img')
      expect(first.text).toContain('<code>/p59/&#60;img src=x onerror=alert(1)&#62;</code>')
      const paths = (html: string) => [...html.matchAll(/<code>\/p(\d+)\//g)].map((m) => Number(m[1]))
      expect(paths(first.text)).toEqual(Array.from({ length: 50 }, (_, i) => 59 - i))
      const older = /<a href="([^"]+)#usage-heading">Older requests<\/a>/.exec(first.text)?.[1]?.replace(/&amp;/g, '&')
      expect(older).toMatch(new RegExp(`^/-/tokens\\?usage=${made.record.id}&usage_cursor=`))
      const second = await http(server).get(older ?? '').set('Authorization', `Bearer ${STATIC.alice}`)
      expect(paths(second.text)).toEqual(Array.from({ length: 10 }, (_, i) => 9 - i))
      expect(second.text).not.toContain('Older requests')
    })

    test("?usage=<id> of a token the caller may not see → the page's 404; a viewer sees it without the form", async () => {
      const gate = suiteGate()
      const fixtures = await buildFixtures(gate)
      const server = makeServer(gate, {})
      const hidden = await http(server).get(`/-/tokens?usage=${fixtures.aliceAll.id}`).set('Authorization', `Bearer ${STATIC.bob}`)
      expect(hidden.status).toBe(404)
      expect(hidden.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(hidden.text).toContain(`No token has the id &#34;${fixtures.aliceAll.id}&#34;`)
      const viewer = await http(server).get(`/-/tokens?usage=${fixtures.aliceThrottled.id}`).set('Authorization', `Bearer ${STATIC.viewer}`)
      expect(viewer.status).toBe(200)
      expect(viewer.text).toContain('<p id="limit-current">10 requests per minute.</p>')
      expect(viewer.text).not.toContain('id="limit-form"')
      // near miss: admin (edit-all) gets the form, filled with the limit
      const admin = await http(server).get(`/-/tokens?usage=${fixtures.aliceThrottled.id}`).set('Authorization', `Bearer ${STATIC.admin}`)
      expect(admin.text).toContain('id="limit-form"')
      expect(admin.text).toContain('<input id="l-points" type="number" min="1" step="1" inputmode="numeric" class="short" value="10">')
    })

    test('a token caller gets 403 on the page; allowTokenCallers lets it in', async () => {
      const gate = suiteGate()
      const fixtures = await buildFixtures(gate)
      const bearer = `Bearer ${fixtures.aliceAll.token}`
      const refused = await http(makeServer(gate, {})).get('/-/tokens').set('Authorization', bearer)
      expect(refused.status).toBe(403)
      expect(refused.text).toContain('Tokens cannot manage tokens')
      expect((await http(makeServer(gate, { allowTokenCallers: true })).get('/-/tokens').set('Authorization', bearer)).status).toBe(200)
    })

    test('the login link signs in once, then refuses; the cookie opens the page', async () => {
      let clock = NOW
      const gate = suiteGate()
      const link = createLoginLink(gate, { now: () => clock, validFor: 300, actor: { id: 'admin' } })
      const server = makeServer(gate, { loginLink: link })
      const url = link.issue()
      expect(url).toMatch(/^\/-\/login\?token=[A-Za-z0-9_-]{43}$/)
      const first = await http(server).get(url)
      expect(first.status).toBe(302)
      expect(first.headers['location']).toBe('/-/tokens')
      const setCookie = (first.headers['set-cookie'] as unknown as string[])[0] ?? ''
      expect(setCookie).toMatch(/^ds_actor=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=86400$/)
      const cookie = setCookie.split(';')[0] ?? ''
      const page = await http(server).get('/-/tokens').set('Cookie', cookie)
      expect(page.status).toBe(200)
      expect(page.text).toContain('Signed in as <strong>admin</strong>')
      const second = await http(server).get(url)
      expect(second.status).toBe(403)
      expect(second.headers['set-cookie']).toBeUndefined()
      // an expired link
      const late = link.issue()
      clock += 300
      expect((await http(server).get(late)).status).toBe(403)
      // a guessed link
      expect((await http(server).get('/-/login?token=guess')).status).toBe(403)
    })
  })
}
