/**
 * examples/events-pino: the gate's events as pino JSON lines. Through the app, with pino writing
 * into the test: a managed token's creation, its requests (allowed), a made-up token (rejected,
 * with its reason), anonymous (denied), the rate limit's sixth request (denied, rate_limited),
 * each one line with the event's fields at the right level; and no line holds the token.
 */
import request from 'supertest'
import { RATE_LIMIT, createApp } from '../../examples/events-pino/app.js'
import { internalsOf } from '../../lib/internal/gate-internals.js'

/** pino's lines, parsed, as the app wrote them. */
function sink(): { lines: Record<string, unknown>[]; raw: string[]; write(line: string): void } {
  const raw: string[] = []
  return {
    raw,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>)
    },
    write(line: string) {
      raw.push(line)
    },
  }
}

/** The event fields of a line, without pino's own (time). */
function eventOf(line: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, at: _at, ip, ...rest } = line
  return { ...rest, ip: typeof ip === 'string' && /127\.0\.0\.1$/.test(ip) ? 'loopback' : ip }
}

test('every event is one pino line, at info or warn, with its fields; the token is in none', async () => {
  const out = sink()
  const { app, gate } = createApp({ destination: out })
  const { token, record } = await gate.tokens!.create({ actorId: 'alice', name: 'demo', createdBy: 'test' })
  const statuses: number[] = []
  for (let i = 0; i < RATE_LIMIT.points + 1; i++) {
    statuses.push((await request(app).get('/docs/documents').set('Authorization', `Bearer ${token}`)).status)
  }
  statuses.push((await request(app).get('/docs/documents').set('Authorization', 'Bearer made-up-token-0123456789')).status)
  statuses.push((await request(app).get('/docs/documents')).status)
  await internalsOf(gate, 'test').settle()
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 401, 401])

  const common = { component: 'tokengate', action: null, database: null, resource: null, by: null, reason: null }
  const request_ = { method: 'GET', path: '/docs/documents', ip: 'loopback' }
  const managed = { actorId: 'alice', tokenId: record.id, source: 'managed' }
  const allowed = { ...common, ...request_, ...managed, action: 'view-table', database: 'docs', resource: 'documents' }
  const authenticated = { level: 30, msg: 'tokengate authenticated', type: 'authenticated', ...common, ...request_, ...managed }
  expect(out.lines.map(eventOf)).toEqual([
    { level: 30, msg: 'tokengate token.created', type: 'token.created', ...common, method: null, path: null, ip: null, ...managed, by: 'test' },
    ...Array.from({ length: 5 }, () => [authenticated, { level: 30, msg: 'tokengate allowed', type: 'allowed', ...allowed }]).flat(),
    authenticated,
    { level: 40, msg: 'tokengate denied', type: 'denied', ...common, ...request_, ...managed, reason: 'rate_limited' },
    { level: 40, msg: 'tokengate rejected', type: 'rejected', ...common, ...request_, actorId: null, tokenId: null, source: null, reason: 'unknown' },
    {
      level: 40,
      msg: 'tokengate denied',
      type: 'denied',
      ...common,
      ...request_,
      actorId: null,
      tokenId: null,
      source: null,
      reason: 'authentication_required',
      action: 'view-table',
      database: 'docs',
      resource: 'documents',
    },
  ])
  for (const line of out.raw) {
    expect(line).not.toContain(token)
    expect(line).not.toContain('made-up-token-0123456789')
  }
})
