/**
 * `tokengate inspect TOKEN`: valid tokens of every kind (dstok_, JWT, tokens-file), invalid,
 * expired and unknown ones refused with exit 1 and the verification message, an unverifiable
 * dstok_ printed UNVERIFIED with exit 1, the configuration's settings applied as a server would,
 * the allowed-actions listing, usage errors, and the secret never echoed.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createSignedToken } from 'tokengate'
import { encodeSignedTokenPayload, signSignedTokenBody } from '../../lib/tokens/signed.js'
import { lines, runCli, tempDir } from './run-cli.js'

const SECRET = 'inspect-secret-value'
const NOW = () => Math.floor(Date.now() / 1000)

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
  writeFileSync(
    join(dir, 'metadata.json'),
    JSON.stringify({
      secret: SECRET,
      tokens_file: 'tokens.json',
      databases: {
        sensors: { tables: { readings: {} }, permissions: { 'insert-row': { id: 'root' } } },
        metrics: { allow: { id: ['root', 'bob'] } },
      },
    }),
  )
  writeFileSync(
    join(dir, 'tokens.json'),
    JSON.stringify({
      tokens: [
        { token: `apiv3_${'a'.repeat(43)}`, name: 'dash', owner: 'bob', permissions: ['db:metrics:read'] },
        { token: `apiv3_${'b'.repeat(43)}`, name: 'old', expiry_millis: Date.now() - 60_000, permissions: ['db:metrics:read'] },
      ],
    }),
  )
  writeFileSync(join(dir, 'short-ttl.json'), JSON.stringify({ secret: SECRET, settings: { max_signed_tokens_ttl: 60 } }))
})
afterEach(() => cleanup())

function inspect(args: readonly string[], env: Record<string, string> = {}): ReturnType<typeof runCli> {
  return runCli(['inspect', ...args], { cwd: dir, env })
}

function token(options: { expiresAfter?: number; now?: number; secret?: string } = {}): string {
  return createSignedToken({
    actorId: 'root',
    secret: options.secret ?? SECRET,
    now: options.now ?? NOW(),
    expiresAfter: options.expiresAfter,
    restrictions: { a: ['view-instance'], r: { sensors: { readings: ['insert-row'] } } },
  })
}

describe('inspect: valid tokens (exit 0)', () => {
  test('a dstok_ token verified with --secret: actor, restrictions, expiry', async () => {
    const t = NOW()
    const result = await inspect([token({ expiresAfter: 3600, now: t }), '--secret', SECRET])
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    const r = { a: ['vi'], r: { sensors: { readings: ['ir'] } } }
    expect(lines(result.stdout)).toEqual([
      'Token:        signed dstok_ token, verified',
      `Actor:        ${JSON.stringify({ id: 'root', token: 'dstok', _r: r, token_expires: t + 3600 })}`,
      `Restrictions: ${JSON.stringify(r)}`,
      `Expires:      ${new Date((t + 3600) * 1000).toISOString()}`,
    ])
  })

  test.each([
    ['TOKENGATE_SECRET', { TOKENGATE_SECRET: SECRET }],
    ['DATASETTE_SECRET', { DATASETTE_SECRET: SECRET }],
  ])('the secret from %s', async (_label, env) => {
    expect((await inspect([token()], env)).status).toBe(0)
  })

  test('--format json', async () => {
    const result = await inspect([token(), '--secret', SECRET, '--format', 'json'])
    expect(JSON.parse(result.stdout)).toEqual({
      verified: true,
      type: 'signed dstok_ token',
      actor: { id: 'root', token: 'dstok', _r: { a: ['vi'], r: { sensors: { readings: ['ir'] } } } },
      restrictions: { a: ['vi'], r: { sensors: { readings: ['ir'] } } },
      expires: null,
    })
  })

  test('with --config: the configuration\'s secret, and where each action is allowed', async () => {
    const result = await inspect([token(), '--config', 'metadata.json'])
    expect(result.status).toBe(0)
    expect(lines(result.stdout).slice(4)).toEqual(['', 'Allowed under metadata.json:', '  view-instance  instance level', '  insert-row     sensors/readings'])
    const json = JSON.parse((await inspect([token(), '--config', 'metadata.json', '--format', 'json'])).stdout) as { allowed: unknown }
    expect(json.allowed).toEqual([
      { action: 'view-instance', database: null, resource: null },
      { action: 'insert-row', database: 'sensors', resource: 'readings' },
    ])
  })

  test('an unrestricted token under a configuration lists every default-allowed action', async () => {
    const unrestricted = createSignedToken({ actorId: 'alice', secret: SECRET })
    const result = await inspect([unrestricted, '--config', 'metadata.json'])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('Restrictions: none (the token may do whatever its actor may)')
    expect(result.stdout).toContain('  view-database           sensors\n') // not metrics: alice is not in its allow block
    expect(result.stdout).not.toContain('insert-row')
  })

  test('a tokens-file token through --config acts as its owner', async () => {
    const result = await inspect([`apiv3_${'a'.repeat(43)}`, '--config', 'metadata.json', '--format', 'json'])
    expect(result.status).toBe(0)
    const out = JSON.parse(result.stdout) as { type: string; actor: unknown; allowed: { action: string; database: string | null }[] }
    expect(out.type).toBe('tokens-file token "dash"')
    expect(out.actor).toEqual({ id: 'bob', token: 'tokens_file', token_name: 'dash', _r: { d: { metrics: ['vd', 'vt', 'vq', 'es', 'vdd'] } } })
    expect(out.allowed).toContainEqual({ action: 'view-database', database: 'metrics', resource: null })
  })

  test('a JWT made by create-token --type jwt verifies with the same secret', async () => {
    const jwt = (await runCli(['create-token', 'alice', '--secret', SECRET, '--type', 'jwt', '--all', 'vi'])).stdout.trim()
    const result = await inspect([jwt, '--secret', SECRET, '--format', 'json'])
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'JWT', actor: { id: 'alice', token: 'jwt', _r: { a: ['vi'] } } })
  })
})

describe('inspect: refused (exit 1, one line on stderr)', () => {
  test.each([
    ['the wrong secret', () => [token(), '--secret', 'wrong'], 'Invalid token signature'],
    ['a tampered token', () => [`${token()}x`, '--secret', SECRET], 'Invalid token signature'],
    ['an expired token', () => [token({ expiresAfter: 60, now: NOW() - 3600 }), '--secret', SECRET], 'Token has expired'],
    ['a token past the configuration\'s max_signed_tokens_ttl', () => [token({ now: NOW() - 120 }), '--config', 'short-ttl.json'], 'Token has expired'],
    ['an expired tokens-file token', () => [`apiv3_${'b'.repeat(43)}`, '--config', 'metadata.json'], 'Token has expired'],
    ['an unknown tokens-file token', () => [`apiv3_${'c'.repeat(43)}`, '--config', 'metadata.json'], 'Unknown token (no token source of this configuration claims it)'],
    ['an apiv3_ token without --config', () => [`apiv3_${'a'.repeat(43)}`, '--secret', SECRET], 'Unknown token: an apiv3_ token is looked up in the tokens file a configuration names; pass --config'],
    ['a static-looking token without --config or secret', () => ['some-opaque-token'], 'Unknown token: pass --secret'],
    ['a JWT signed with another secret', async () => [(await runCli(['create-token', 'a', '--secret', 'other', '--type', 'jwt'])).stdout.trim(), '--secret', SECRET], 'Invalid token'],
  ])('%s', async (_label, args, message) => {
    const result = await inspect(await args())
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toHaveLength(1)
    expect(result.stderr).toMatch(/^tokengate inspect: /)
    expect(result.stderr).toContain(message)
  })

  test('without any secret a dstok_ token is printed UNVERIFIED and refused', async () => {
    const t = token({ expiresAfter: 60 })
    const result = await inspect([t])
    expect(result.status).toBe(1)
    expect(lines(result.stdout)[0]).toBe('UNVERIFIED: the signature was not checked. Decoded payload:')
    expect(result.stdout).toContain('"a": "root"')
    expect(lines(result.stderr)).toEqual([
      'tokengate inspect: the token was not verified: no secret (pass --secret, set TOKENGATE_SECRET, or give a --config with a secret)',
    ])
    const json = await inspect([t, '--format', 'json'])
    expect(json.status).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: false, payload: { a: 'root', d: 60 } })
  })

  test('the secret is never printed, whatever happens', async () => {
    for (const args of [[token(), '--secret', SECRET], [token(), '--secret', `${SECRET}x`], [token(), '--config', 'metadata.json']]) {
      const result = await inspect(args)
      expect(result.stdout + result.stderr).not.toContain(SECRET)
    }
  })
})

describe('inspect usage errors (exit 2, one line)', () => {
  test.each([
    ['no TOKEN', [], 'missing TOKEN'],
    ['two tokens', ['a', 'b'], 'the 3rd argument is unexpected: inspect takes one TOKEN'],
    ['an empty TOKEN', [''], 'TOKEN must not be empty'],
    ['a TOKEN with whitespace', ['dstok_a b'], 'TOKEN must not contain whitespace'],
    ['an unknown option', ['x', '--secrets', 's'], 'the 3rd argument is not a known option; did you mean --secret?'],
    ['an unknown --format', ['x', '--format', 'xml'], '--format must be text or json, got "xml"'],
    ['a missing --config file', ['x', '--config', 'nope.json'], 'the configuration file does not exist'],
    ['a --config that is not JSON', ['x', '--config', 'tokens-bad.json'], 'not valid JSON'],
    ['--config naming a bad tokens file', ['x', '--config', 'bad-tokens-file.json'], 'tokens[0].permissions[0]: resource type not supported foo'],
  ])('%s', async (_label, args, message) => {
    writeFileSync(join(dir, 'tokens-bad.json'), '{"secret": "abc",}')
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ tokens: [{ token: `apiv3_${'d'.repeat(43)}`, name: 'x', permissions: ['foo:a:read'] }] }))
    writeFileSync(join(dir, 'bad-tokens-file.json'), JSON.stringify({ tokens_file: 'bad.json' }))
    const result = await inspect(args)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toHaveLength(1)
    expect(result.stderr).toContain(message)
  })
})

describe('inspect --config asks only for the variables the token needs', () => {
  beforeEach(() => {
    writeFileSync(
      join(dir, 'env.json'),
      JSON.stringify({
        secret: { $env: 'INSPECT_SECRET' },
        plugins: { 'datasette-auth-tokens': [{ token: { $env: 'BOT_TOKEN' }, actor: { bot_id: 'my-bot' } }] },
        jwt: { algorithms: ['HS256'], secret: { $env: 'INSPECT_JWT_SECRET' } },
        databases: { sensors: { tables: { readings: {} }, permissions: { 'insert-row': { id: 'root' } } } },
      }),
    )
  })

  test('a dstok_ token needs the secret, not BOT_TOKEN nor the JWT secret', async () => {
    const result = await inspect([token(), '--config', 'env.json'], { INSPECT_SECRET: SECRET })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(lines(result.stdout)).toContain('  insert-row     sensors/readings')
  })

  test('near miss: without the secret variable, exit 2 naming it (and only it)', async () => {
    const result = await inspect([token(), '--config', 'env.json'])
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'tokengate inspect: Invalid tokengate configuration in env.json: secret: environment variable INSPECT_SECRET is not set in the environment; set it or remove the reference\n',
    )
  })

  test('with --secret, the configuration secret variable is not needed either', async () => {
    expect((await inspect([token(), '--config', 'env.json', '--secret', SECRET])).status).toBe(0)
  })

  test('a JWT needs the jwt block and its variable', async () => {
    const jwt = (await runCli(['create-token', 'root', '--secret', 'jwt-secret-for-inspect-tests', '--type', 'jwt'])).stdout.trim()
    expect((await inspect([jwt, '--config', 'env.json'], { INSPECT_JWT_SECRET: 'jwt-secret-for-inspect-tests' })).status).toBe(0)
    const missing = await inspect([jwt, '--config', 'env.json'])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('jwt.secret: environment variable INSPECT_JWT_SECRET is not set in the environment')
  })

  test('a static-looking token: the entries that could not be compared are named, not their values', async () => {
    const result = await inspect(['some-static-token', '--config', 'env.json'], { INSPECT_SECRET: SECRET })
    expect(result.status).toBe(1)
    expect(result.stderr).toBe(
      'tokengate inspect: Unknown token (no token source of this configuration claims it; not compared, because their variables are not set: plugins.datasette-auth-tokens[0].token (BOT_TOKEN), jwt.secret (INSPECT_JWT_SECRET))\n',
    )
  })

  test('a variable in an allow block is always needed: the listing depends on it', async () => {
    writeFileSync(join(dir, 'rule-env.json'), JSON.stringify({ secret: SECRET, databases: { sensors: { allow: { id: { $env: 'SENSORS_OWNER' } } } } }))
    const result = await inspect([token(), '--config', 'rule-env.json'])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('databases.sensors.allow.id: environment variable SENSORS_OWNER is not set in the environment')
  })
})

describe('inspect lists each action where it can apply', () => {
  test('view-query on named queries, view-table and insert-row on tables, never the other way round', async () => {
    writeFileSync(
      join(dir, 'kinds.json'),
      JSON.stringify({ secret: SECRET, databases: { docs: { tables: { documents: {} }, queries: { recent: { sql: 'select 1' } } } } }),
    )
    const unrestricted = createSignedToken({ actorId: 'alice', secret: SECRET })
    const out = JSON.parse((await inspect([unrestricted, '--config', 'kinds.json', '--format', 'json'])).stdout) as { allowed: { action: string; resource: string | null }[] }
    const on = (resource: string): string[] => out.allowed.filter((a) => a.resource === resource).map((a) => a.action)
    expect(on('recent')).toEqual(['view-query'])
    expect(on('documents')).toEqual(['view-table'])
  })

  test('a child named only in the token restrictions is checked for every resource action', async () => {
    writeFileSync(join(dir, 'plain.json'), JSON.stringify({ secret: SECRET, permissions: { 'view-query': true } }))
    const restricted = createSignedToken({ actorId: 'alice', secret: SECRET, restrictions: { r: { docs: { mystery: ['vq', 'vt'] } } } })
    const out = JSON.parse((await inspect([restricted, '--config', 'plain.json', '--format', 'json'])).stdout) as { allowed: { action: string; resource: string | null }[] }
    expect(out.allowed.filter((a) => a.resource === 'mystery').map((a) => a.action)).toEqual(['view-table', 'view-query'])
  })
})

describe('inspect handles any integer timestamp (security review, issue 9)', () => {
  const tokenOf = (json: string): string => signSignedTokenBody(encodeSignedTokenPayload(json), SECRET)

  test('a token dated far in the future is refused with exit 1 and the server\'s message', async () => {
    const result = await runCli(['inspect', tokenOf(`{"a":"bob","t":${NOW() + 5 * 365 * 86_400}}`), '--secret', SECRET])
    expect(result.status).toBe(1)
    expect(lines(result.stderr)).toEqual(['tokengate inspect: Invalid token: timestamp in the future'])
  })

  test.each<[string, string, (now: number) => string]>([
    ['a lifetime beyond the dates JavaScript can show', `,"d":${10 ** 17}`, (now) => `${now + 10 ** 17} (unix seconds, beyond the dates JavaScript can show)`],
    ['a lifetime of 1e300', ',"d":1e300', () => '1e+300 (unix seconds, beyond the dates JavaScript can show)'],
  ])('%s: exit 0, the expiry shown as unix seconds', async (_label, d, shown) => {
    const now = NOW()
    const result = await runCli(['inspect', tokenOf(`{"a":"bob","t":${now}${d}}`), '--secret', SECRET], { now: () => now * 1000 })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(lines(result.stdout)).toContain(`Expires:      ${shown(now)}`)
    const json = await runCli(['inspect', tokenOf(`{"a":"bob","t":${now}${d}}`), '--secret', SECRET, '--format', 'json'], { now: () => now * 1000 })
    expect(json.status).toBe(0)
    expect((JSON.parse(json.stdout) as { expires: string }).expires).toBe(shown(now))
  })

  test('near miss: an ordinary lifetime is shown as an ISO date', async () => {
    const now = NOW()
    const result = await runCli(['inspect', tokenOf(`{"a":"bob","t":${now},"d":60}`), '--secret', SECRET], { now: () => now * 1000 })
    expect(lines(result.stdout)).toContain(`Expires:      ${new Date((now + 60) * 1000).toISOString()}`)
  })
})
