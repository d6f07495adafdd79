/**
 * The InfluxDB-3-style example (examples/influxdb-api) end to end with supertest, plus its line
 * protocol parser as a table.
 *
 * Tokens are minted as the example's server mints them: `dstok_` tokens of an actor, restricted
 * with `parsePermissions([...])`. root is the admin (may do everything); analyst may only read
 * the sales database. A token is admitted only where its permission strings AND its actor allow.
 * "Handler ran" is observed on the store: every route handler calls one of its methods.
 */
import request from 'supertest'
import { parsePermissions } from 'tokengate'
import { SEED, createApp } from '../../examples/influxdb-api/app.js'
import { LineProtocolError, TimeSeriesStore, VERSION, parseLine, parseLineProtocol } from '../../examples/influxdb-api/store.js'

const SECRET = 'test-secret-for-the-influxdb-example'
const REALM = 'Bearer realm="tokengate"'

/** Who sends the request: an actor and the permission strings of the token, or nobody. */
const TOKENS: Record<string, { actorId: string; permissions?: string[] } | null> = {
  anonymous: null,
  admin: { actorId: 'root' },
  'root db:sales:read + system:health:read': { actorId: 'root', permissions: ['db:sales:read', 'system:health:read'] },
  'root db:sales:write': { actorId: 'root', permissions: ['db:sales:write'] },
  'root db:ops:read': { actorId: 'root', permissions: ['db:ops:read'] },
  'root db:*:read': { actorId: 'root', permissions: ['db:*:read'] },
  'root system:*:read': { actorId: 'root', permissions: ['system:*:read'] },
  'root table:sales/orders:read': { actorId: 'root', permissions: ['table:sales/orders:read'] },
  analyst: { actorId: 'analyst' },
  'analyst db:sales:read,write': { actorId: 'analyst', permissions: ['db:sales:read,write'] },
}

type Who = keyof typeof TOKENS

const STORE_METHODS = ['health', 'ping', 'metrics', 'write', 'query'] as const

function setup() {
  const store = new TimeSeriesStore(SEED)
  const { app, gate } = createApp({ secret: SECRET, store })
  const spies = STORE_METHODS.map((method) => jest.spyOn(store, method))
  const handlerRan = (): boolean => spies.some((spy) => spy.mock.calls.length > 0)
  const header = (who: Who): string | undefined => {
    const token = TOKENS[who]
    if (token === undefined) throw new Error(`no such token in TOKENS: ${who}`)
    if (token === null) return undefined
    const restrictions = token.permissions === undefined ? {} : { restrictions: parsePermissions(token.permissions) }
    return `Bearer ${gate.createSignedToken({ actorId: token.actorId, ...restrictions })}`
  }
  const agent = request(app)
  const send = (method: 'GET' | 'POST', path: string, who: Who, body?: string): request.Test => {
    let req = method === 'GET' ? agent.get(path) : agent.post(path).set('Content-Type', 'text/plain')
    const value = header(who)
    if (value !== undefined) req = req.set('Authorization', value)
    return body === undefined ? req : req.send(body)
  }
  return { agent, store, handlerRan, send }
}

const QUERY_SALES = '/api/v3/query_sql?db=sales&q=SELECT%20*%20FROM%20orders'
const QUERY_OPS = '/api/v3/query_sql?db=ops&q=SELECT%20*%20FROM%20cpu'
const WRITE_SALES = '/api/v3/write_lp?db=sales'
const WRITE_OPS = '/api/v3/write_lp?db=ops'
const LINE = 'orders,region=eu item="cup",qty=1i 1700000120000000000'

describe('who may do what, through the real routes', () => {
  type Case = [who: Who, method: 'GET' | 'POST', path: string, status: number, denied?: string]
  const cases: Case[] = [
    // System endpoints: nothing is allowed without a token that grants it (default_deny).
    ['anonymous', 'GET', '/health', 401, 'Authentication required: view-health'],
    ['admin', 'GET', '/health', 200],
    ['root db:sales:read + system:health:read', 'GET', '/health', 200],
    ['root db:sales:write', 'GET', '/health', 403, 'Permission denied: view-health'],
    ['analyst', 'GET', '/health', 403, 'Permission denied: view-health'],
    ['root system:*:read', 'GET', '/ping', 200],
    ['root db:sales:read + system:health:read', 'GET', '/ping', 403, 'Permission denied: view-ping'],
    ['anonymous', 'GET', '/ping', 401, 'Authentication required: view-ping'],
    ['root system:*:read', 'GET', '/metrics', 200],
    ['root db:sales:read + system:health:read', 'GET', '/metrics', 403, 'Permission denied: view-metrics'],
    ['admin', 'GET', '/metrics', 200],

    // Queries need db:X:read (execute-sql and view-database on X).
    ['anonymous', 'GET', QUERY_SALES, 401, 'Authentication required: execute-sql on sales'],
    ['admin', 'GET', QUERY_SALES, 200],
    ['root db:sales:read + system:health:read', 'GET', QUERY_SALES, 200],
    ['root db:sales:read + system:health:read', 'GET', QUERY_OPS, 403, 'Permission denied: execute-sql on ops'],
    ['root db:sales:write', 'GET', QUERY_SALES, 403, 'Permission denied: execute-sql on sales'],
    ['root db:ops:read', 'GET', QUERY_OPS, 200],
    ['root db:ops:read', 'GET', QUERY_SALES, 403, 'Permission denied: execute-sql on sales'],
    ['root db:*:read', 'GET', QUERY_SALES, 200],
    ['root db:*:read', 'GET', QUERY_OPS, 200],
    // A table grant names a child; a query is a database-level check, which it never admits.
    ['root table:sales/orders:read', 'GET', QUERY_SALES, 403, 'Permission denied: execute-sql on sales'],
    // analyst may read sales, and nothing else, whatever the token says.
    ['analyst', 'GET', QUERY_SALES, 200],
    ['analyst', 'GET', QUERY_OPS, 403, 'Permission denied: execute-sql on ops'],
    ['analyst db:sales:read,write', 'GET', QUERY_SALES, 200],

    // Writes need db:X:write (insert-row on X).
    ['anonymous', 'POST', WRITE_SALES, 401, 'Authentication required: insert-row on sales'],
    ['admin', 'POST', WRITE_SALES, 204],
    ['root db:sales:write', 'POST', WRITE_SALES, 204],
    ['root db:sales:write', 'POST', WRITE_OPS, 403, 'Permission denied: insert-row on ops'],
    ['root db:sales:read + system:health:read', 'POST', WRITE_SALES, 403, 'Permission denied: insert-row on sales'],
    ['root db:*:read', 'POST', WRITE_SALES, 403, 'Permission denied: insert-row on sales'],
    // The token says write, but its creator may not: a token never exceeds its creator.
    ['analyst db:sales:read,write', 'POST', WRITE_SALES, 403, 'Permission denied: insert-row on sales'],
    ['analyst', 'POST', WRITE_SALES, 403, 'Permission denied: insert-row on sales'],
  ]

  // A rest parameter: jest would take a fifth named parameter of a four-element row for `done`.
  test.each(cases)('%s: %s %s → %i', async (...[who, method, path, status, denied]: Case) => {
    const s = setup()
    const res = await s.send(method, path, who, method === 'POST' ? LINE : undefined)
    expect(res.status).toBe(status)
    if (denied === undefined) {
      expect(s.handlerRan()).toBe(true)
      return
    }
    expect(res.headers['www-authenticate']).toBe(status === 401 ? REALM : `${REALM}, error="insufficient_scope"`)
    expect(res.body).toEqual({ ok: false, error: denied, errors: [denied], status })
    expect(s.handlerRan()).toBe(false)
  })

  test('a bad token is refused even by an endpoint the admin could reach', async () => {
    const s = setup()
    const res = await s.agent.get('/health').set('Authorization', 'Bearer apiv3_not-a-tokengate-token')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(`${REALM}, error="invalid_token"`)
    expect(res.body.error).toBe('Unknown token')
    expect(s.handlerRan()).toBe(false)
  })
})

describe('the endpoints', () => {
  test('/health, /ping and /metrics answer what InfluxDB-style clients expect', async () => {
    const s = setup()
    const health = await s.send('GET', '/health', 'admin')
    expect(health.text).toBe('OK')
    expect((await s.send('GET', '/ping', 'admin')).body).toEqual({ version: VERSION, revision: 'tokengate-demo' })
    const metrics = await s.send('GET', '/metrics', 'admin')
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/)
    expect(metrics.text).toContain('tokengate_demo_lines_written_total 0\n')
  })

  test('a write is served by the next query and counted in /metrics', async () => {
    const s = setup()
    expect((await s.send('POST', WRITE_SALES, 'root db:sales:write', `${LINE}\n# a comment\n\n`)).status).toBe(204)
    const rows = (await s.send('GET', QUERY_SALES, 'admin')).body
    expect(rows).toHaveLength(3)
    expect(rows[2]).toEqual({ time: '2023-11-14T22:15:20.000Z', region: 'eu', item: 'cup', qty: 1 })
    expect((await s.send('GET', '/metrics', 'admin')).text).toContain('tokengate_demo_lines_written_total 1\n')
  })

  test('a write to a new database creates it, as in InfluxDB 3', async () => {
    const s = setup()
    expect((await s.send('POST', '/api/v3/write_lp?db=iot', 'admin', 'temp,room=lab c=21.5')).status).toBe(204)
    const res = await s.send('GET', '/api/v3/query_sql?db=iot&q=SHOW%20TABLES', 'admin')
    expect(res.body).toEqual([{ table_name: 'temp' }])
  })

  test('LIMIT and SHOW TABLES', async () => {
    const s = setup()
    const limited = await s.send('GET', '/api/v3/query_sql?db=sales&q=select%20*%20from%20orders%20limit%201', 'admin')
    expect(limited.body).toEqual([{ time: '2023-11-14T22:13:20.000Z', region: 'eu', item: 'mug', qty: 2, price: 12.5 }])
    expect((await s.send('GET', '/api/v3/query_sql?db=sales&q=SHOW%20TABLES', 'admin')).body).toEqual([{ table_name: 'orders' }])
  })

  test.each([
    ['no db (even anonymous: the request is malformed)', 'GET', '/api/v3/query_sql?q=SELECT%201', 'anonymous', 'Name the database: ?db=NAME (once)'],
    ['an empty db', 'GET', '/api/v3/query_sql?db=&q=SELECT%201', 'admin', 'Name the database: ?db=NAME (once)'],
    ['db twice', 'POST', '/api/v3/write_lp?db=sales&db=ops', 'admin', 'Name the database: ?db=NAME (once)'],
    ['no q', 'GET', '/api/v3/query_sql?db=sales', 'admin', 'Send the query: ?q=SELECT * FROM table (once)'],
    ['unsupported SQL', 'GET', '/api/v3/query_sql?db=sales&q=DELETE%20FROM%20orders', 'admin', 'this demo understands only SELECT * FROM <table> [LIMIT n] and SHOW TABLES'],
    ['format=csv', 'GET', `${QUERY_SALES}&format=csv`, 'admin', 'This demo answers format=json only'],
  ] as const)('%s → 400', async (_label, method, path, who, message) => {
    const s = setup()
    const res = await s.send(method, path, who, method === 'POST' ? LINE : undefined)
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ ok: false, error: message, errors: [message], status: 400 })
  })

  test('a missing db is answered before the permission check, so no handler and no store call', async () => {
    const s = setup()
    const res = await s.send('POST', '/api/v3/write_lp', 'root db:sales:write', LINE)
    expect(res.status).toBe(400)
    expect(res.headers['www-authenticate']).toBeUndefined()
    expect(s.handlerRan()).toBe(false)
  })

  test.each([
    ['an unknown database', '/api/v3/query_sql?db=nope&q=SELECT%20*%20FROM%20orders', 'database not found: nope'],
    ['an unknown table', '/api/v3/query_sql?db=sales&q=SELECT%20*%20FROM%20nope', 'table not found: nope'],
  ])('%s → 404', async (_label, path, message) => {
    const s = setup()
    const res = await s.send('GET', path, 'admin')
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ ok: false, error: message, errors: [message], status: 404 })
  })

  test.each([
    ['an empty body', '', 'No data: send line protocol in the request body', []],
    ['only comments', '# nothing\n\n', 'No data: the body holds only comments and blank lines', []],
    ['a bad second line', `${LINE}\norders qty=`, 'parsing failed for write_lp endpoint', ['line 2: a field must be written key=value']],
  ])('write: %s → 400, nothing written', async (_label, body, message, errors) => {
    const s = setup()
    const res = await s.send('POST', WRITE_SALES, 'admin', body)
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ ok: false, error: message, status: 400 })
    if (errors.length > 0) expect(res.body.errors).toEqual(errors)
    expect((await s.send('GET', QUERY_SALES, 'admin')).body).toHaveLength(2)
  })
})

describe('line protocol', () => {
  test.each([
    ['a float field', 'm v=1.5', { table: 'm', tags: {}, fields: { v: 1.5 }, timestamp: null }],
    ['tags, an integer and a timestamp', 'm,host=a,dc=x v=3i 1700000000000000000', { table: 'm', tags: { host: 'a', dc: 'x' }, fields: { v: 3 }, timestamp: 1700000000000000000n }],
    ['an unsigned integer', 'm v=7u', { table: 'm', tags: {}, fields: { v: 7 }, timestamp: null }],
    ['booleans in every spelling', 'm a=t,b=FALSE,c=True,d=f', { table: 'm', tags: {}, fields: { a: true, b: false, c: true, d: false }, timestamp: null }],
    ['a string with spaces, commas and an escaped quote', 'm s="a b, \\"c\\""', { table: 'm', tags: {}, fields: { s: 'a b, "c"' }, timestamp: null }],
    ['escaped space and comma in names', 'my\\ m,ta\\,g=v\\ 1 f=1', { table: 'my m', tags: { 'ta,g': 'v 1' }, fields: { f: 1 }, timestamp: null }],
    ['an exponent', 'm v=-1e3', { table: 'm', tags: {}, fields: { v: -1000 }, timestamp: null }],
  ])('%s', (_label, line, point) => {
    expect(parseLine(line, 1)).toEqual(point)
  })

  test.each([
    ['no field set', 'm', 'expected "measurement[,tags] fields [timestamp]"'],
    ['too many sections', 'm v=1 1 2', 'expected "measurement[,tags] fields [timestamp]"'],
    ['no measurement', ',t=1 v=1', 'missing measurement name'],
    ['a tag without a value', 'm,t v=1', 'a tag must be written key=value'],
    ['a field without a value', 'm v=', 'a field must be written key=value'],
    ['a bare word value', 'm v=abc', 'field "v": invalid value (expected a number, 3i, true/false or "a string")'],
    ['an unterminated string', 'm v="abc', 'field "v": unterminated string'],
    ['a string whose last quote is escaped', 'm v="abc\\"', 'field "v": unterminated string'],
    ['a fractional integer', 'm v=1.5i', 'field "v": invalid value (expected a number, 3i, true/false or "a string")'],
    ['an integer out of range', 'm v=9007199254740993i', 'field "v": integer out of range'],
    ['a field named like a tag', 'm,a=1 a=2', 'field "a" clashes with a tag or the time column'],
    ['a field named time', 'm time=2', 'field "time" clashes with a tag or the time column'],
    ['a timestamp that is not an integer', 'm v=1 12:00', 'the timestamp must be an integer number of nanoseconds'],
  ])('rejects %s', (_label, line, message) => {
    expect(() => parseLine(line, 3)).toThrow(new LineProtocolError(3, message))
    expect(() => parseLine(line, 3)).toThrow(`line 3: ${message}`)
  })

  test('a body: blank lines, comments and CRLF are fine; the first bad line is reported by number', () => {
    expect(parseLineProtocol('# c\r\nm v=1\r\n\r\nm v=2\n')).toHaveLength(2)
    expect(() => parseLineProtocol('m v=1\n\nm v=')).toThrow('line 3: a field must be written key=value')
  })
})
