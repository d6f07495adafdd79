/**
 * `tokengate create-token`, run in process (bin.test.ts spawns the real executable): Datasette's
 * seed example byte for byte (token, blank line, "Decoded:", blank line, the payload), the token
 * verifying with the library, every option form, secrets from the environment, InfluxDB's options
 * and JSON output, JWTs, and every usage error: exit 2, one line on stderr naming the problem,
 * nothing on stdout, nothing written.
 */
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGate, parsePermissions, verifySignedToken } from 'tokengate'
import { type CliResult, lines, runCli, snapshot, tempDir } from './run-cli.js'

/** The seed's full example (docs: "Restricting the actions that a token can perform"). */
const SEED_ARGS = [
  'create-token', 'root',
  '--secret', 'mysecret',
  '--all', 'view-instance',
  '--all', 'view-table',
  '--database', 'docs', 'view-query',
  '--resource', 'docs', 'documents', 'insert-row',
  '--resource', 'docs', 'documents', 'update-row',
  '--debug',
]

/** The `_r` the seed's decoded output shows. */
const SEED_R = { a: ['vi', 'vt'], d: { docs: ['vq'] }, r: { docs: { documents: ['ir', 'ur'] } } }

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** The single token line of a successful text run. */
function tokenOf(result: CliResult): string {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  const [token = ''] = lines(result.stdout)
  return token
}

function verify(token: string, secret: string): ReturnType<typeof verifySignedToken> {
  return verifySignedToken(token, { secrets: [secret], now: Date.now() / 1000 })
}

describe("Datasette's seed example", () => {
  test('prints the token, a blank line, "Decoded:", a blank line and the payload with exactly the seed\'s _r', async () => {
    const before = nowSeconds()
    const result = await runCli(SEED_ARGS)
    const after = nowSeconds()
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    const [token = '', blank1, decoded, blank2, ...json] = lines(result.stdout)
    expect(token).toMatch(/^dstok_\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    expect([blank1, decoded, blank2]).toEqual(['', 'Decoded:', ''])
    const payload = JSON.parse(json.join('\n')) as { a: string; t: number; _r: unknown }
    expect(Object.keys(payload)).toEqual(['a', 't', '_r'])
    expect(payload.a).toBe('root')
    expect(payload.t).toBeGreaterThanOrEqual(before)
    expect(payload.t).toBeLessThanOrEqual(after)
    expect(payload._r).toEqual(SEED_R)
    // Indented exactly as Python's json.dumps(indent=2).
    expect(result.stdout).toBe(`${token}\n\nDecoded:\n\n${JSON.stringify(payload, null, 2)}\n`)
  })

  test('the token verifies with the same secret and no other', async () => {
    const token = tokenOf(await runCli(SEED_ARGS.filter((arg) => arg !== '--debug')))
    expect(verify(token, 'mysecret')).toEqual({ id: 'root', token: 'dstok', _r: SEED_R })
    expect(() => verify(token, 'not-my-secret')).toThrow('Invalid token signature')
  })

  // Every way of writing the same options gives the same restrictions.
  test.each([
    ['short options', ['root', '--secret', 'mysecret', '-a', 'view-instance', '-a', 'view-table', '-d', 'docs', 'view-query', '-r', 'docs', 'documents', 'insert-row', '-r', 'docs', 'documents', 'update-row']],
    ['--option=value forms', ['root', '--secret=mysecret', '--all=view-instance', '--all=view-table', '--database=docs', 'view-query', '--resource=docs', 'documents', 'insert-row', '--resource=docs', 'documents', 'update-row']],
    ['ACTOR_ID after the options', ['--secret', 'mysecret', '--all', 'view-instance', '--all', 'view-table', '-d', 'docs', 'view-query', '-r', 'docs', 'documents', 'insert-row', '-r', 'docs', 'documents', 'update-row', 'root']],
    ['ACTOR_ID after --', ['--secret', 'mysecret', '-a', 'vi', '-a', 'vt', '-d', 'docs', 'vq', '-r', 'docs', 'documents', 'ir', '-r', 'docs', 'documents', 'ur', '--', 'root']],
  ])('%s', async (_label, args) => {
    const token = tokenOf(await runCli(['create-token', ...args]))
    expect(verify(token, 'mysecret')).toMatchObject({ id: 'root', _r: SEED_R })
  })

  test('-- ends the options: a later "--all" is an ACTOR_ID-like argument', async () => {
    const token = tokenOf(await runCli(['create-token', '--secret', 's', '--', '--all']))
    expect(verify(token, 's')).toEqual({ id: '--all', token: 'dstok' })
  })
})

describe('create-token: Datasette options', () => {
  // The secret: --secret, else TOKENGATE_SECRET, else DATASETTE_SECRET; empty variables are unset.
  test.each([
    ['TOKENGATE_SECRET', [], { TOKENGATE_SECRET: 'tg' }, 'tg'],
    ['DATASETTE_SECRET', [], { DATASETTE_SECRET: 'ds' }, 'ds'],
    ['TOKENGATE_SECRET before DATASETTE_SECRET', [], { TOKENGATE_SECRET: 'tg', DATASETTE_SECRET: 'ds' }, 'tg'],
    ['an empty TOKENGATE_SECRET is unset', [], { TOKENGATE_SECRET: '', DATASETTE_SECRET: 'ds' }, 'ds'],
    ['--secret before both', ['--secret', 'flag'], { TOKENGATE_SECRET: 'tg', DATASETTE_SECRET: 'ds' }, 'flag'],
  ])('secret from %s', async (_label, args, env, secret) => {
    const token = tokenOf(await runCli(['create-token', 'root', ...args], { env }))
    expect(verify(token, secret)).toEqual({ id: 'root', token: 'dstok' })
  })

  test('without restrictions the token is unrestricted (no _r)', async () => {
    const token = tokenOf(await runCli(['create-token', 'alice', '--secret', 's']))
    expect(verify(token, 's')).toEqual({ id: 'alice', token: 'dstok' })
  })

  test('an unknown action is kept as given, with one warning line on stderr', async () => {
    const result = await runCli(['create-token', 'root', '--secret', 's', '--all', 'frobnicate', '--all', 'frobnicate', '-d', 'docs', 'vt'])
    expect(result.status).toBe(0)
    expect(lines(result.stderr)).toEqual(['tokengate create-token: warning: unknown action "frobnicate": kept as given'])
    expect(verify(lines(result.stdout)[0] ?? '', 's')).toMatchObject({ _r: { a: ['frobnicate', 'frobnicate'], d: { docs: ['vt'] } } })
  })

  test('a grant that can never apply is kept, with a warning', async () => {
    const result = await runCli(['create-token', 'root', '--secret', 's', '-d', 'docs', 'view-instance', '-r', 'docs', 't', 'create-table'])
    expect(result.status).toBe(0)
    expect(lines(result.stderr)).toEqual([
      'tokengate create-token: warning: view-instance is an instance action; a --database grant never allows it at instance level',
      'tokengate create-token: warning: create-table is a database action; a --resource grant never allows it at database level',
    ])
  })

  // Lifetimes: -e/--expires-after seconds (0: none, as in Datasette) or --expiry DURATION.
  test.each([
    [['-e', '3600'], 3600],
    [['--expires-after', '60'], 60],
    [['--expires-after=0'], undefined],
    [['--expiry', '1h 30m'], 5400],
    [['--expiry', '7d'], 604_800],
    [['--expiry', '1M'], 2_630_016],
    [['--expiry', '1y'], 31_557_600],
  ])('%j writes d = %s', async (args, d) => {
    const result = await runCli(['create-token', 'root', '--secret', 's', ...args, '--debug'])
    expect(result.status).toBe(0)
    const payload = JSON.parse(lines(result.stdout).slice(4).join('\n')) as { d?: number; t: number }
    expect(payload.d).toBe(d)
    const actor = verify(lines(result.stdout)[0] ?? '', 's')
    if (d === undefined) expect(actor).not.toHaveProperty('token_expires')
    else expect(actor).toMatchObject({ token_expires: payload.t + d })
  })
})

describe('create-token: InfluxDB options', () => {
  test('--permission strings compile into _r; --format json carries token, actor, restrictions, expiry and name', async () => {
    const before = Date.now()
    const result = await runCli([
      'create-token', 'alice', '--secret', 's',
      '--permission', 'db:sales,hr:read,write', '--permission', 'system:health:read',
      '--name', 'sales and hr', '--expiry', '7d', '--format', 'json',
    ])
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    const out = JSON.parse(result.stdout) as { token: string; type: string; actor: unknown; restrictions: unknown; expiry: string; name: string }
    const restrictions = parsePermissions(['db:sales,hr:read,write', 'system:health:read'])
    expect(out).toEqual({
      token: expect.stringMatching(/^dstok_/),
      type: 'dstok',
      actor: { id: 'alice' },
      restrictions,
      expiry: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      name: 'sales and hr',
    })
    const expiry = Date.parse(out.expiry)
    expect(expiry).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 604_800_000)
    expect(expiry).toBeLessThanOrEqual(Date.now() + 604_800_000)
    expect(verify(out.token, 's')).toEqual({ id: 'alice', token: 'dstok', _r: restrictions, token_expires: expiry / 1000 })
  })

  test('--format json without restrictions, expiry or name has nulls', async () => {
    const out = JSON.parse((await runCli(['create-token', 'bob', '--secret', 's', '--format', 'json'])).stdout) as Record<string, unknown>
    expect(out).toMatchObject({ type: 'dstok', actor: { id: 'bob' }, restrictions: null, expiry: null, name: null })
  })

  test('--permission and Datasette options together are a union', async () => {
    const token = tokenOf(await runCli(['create-token', 'root', '--secret', 's', '--all', 'view-instance', '-d', 'sales', 'vd', '--permission', 'db:sales:read']))
    expect(verify(token, 's')).toMatchObject({ _r: { a: ['vi'], d: { sales: ['vd', 'vt', 'vq', 'es', 'vdd'] } } })
  })

  test('--type jwt signs an HS256 JWT with the same secret: sub, _r and exp', async () => {
    const result = await runCli(['create-token', 'alice', '--secret', 'jwt-secret', '--type', 'jwt', '--all', 'view-instance', '-e', '60', '--debug'])
    expect(result.status).toBe(0)
    const [token = '', , decoded] = lines(result.stdout)
    expect(decoded).toBe('Decoded:')
    const payload = JSON.parse(lines(result.stdout).slice(4).join('\n')) as { sub: string; iat: number; exp: number; _r: unknown }
    expect(payload).toEqual({ sub: 'alice', iat: expect.any(Number), exp: payload.iat + 60, _r: { a: ['vi'] } })
    const gate = createGate({}, { jwt: { algorithms: ['HS256'], secret: 'jwt-secret' } })
    await expect(gate.authenticate({ authorization: `Bearer ${token}` })).resolves.toMatchObject({
      id: 'alice',
      token: 'jwt',
      _r: { a: ['vi'] },
      token_expires: payload.exp,
    })
  })

  test('--type jwt --format json', async () => {
    const out = JSON.parse((await runCli(['create-token', 'alice', '--secret', 's', '--type', 'jwt', '--format', 'json'])).stdout) as Record<string, unknown>
    expect(out).toMatchObject({ type: 'jwt', actor: { id: 'alice' }, restrictions: null, expiry: null })
    expect(String(out['token']).split('.')).toHaveLength(3)
  })

  test('the secret never appears in the output', async () => {
    const secret = 'a-very-recognisable-secret'
    const result = await runCli(['create-token', 'root', '--secret', secret, '--all', 'vi', '--debug'])
    expect(result.stdout + result.stderr).not.toContain(secret)
  })
})

describe('create-token usage errors: exit 2, one line on stderr naming the problem, nothing written', () => {
  const PEM_LIKE = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----'
  const rows: [string, string[], string][] = [
    // options and arguments
    ['an unknown option', ['root', '--secret', 's', '--bogus'], 'the 5th argument is not a known option'],
    ['a misspelt option', ['root', '--secret', 's', '--expirey', '1h'], 'the 5th argument is not a known option; did you mean --expiry?'],
    ['an unknown short option', ['root', '--secret', 's', '-x'], 'the 5th argument is not a known option'],
    ['bundled short options', ['root', '--secret', 's', '-ae', 'vi'], 'the 5th argument is not a known option'],
    ['no ACTOR_ID', ['--secret', 's'], 'missing ACTOR_ID'],
    ['two ACTOR_IDs', ['root', 'bob', '--secret', 's'], 'the 3rd argument is unexpected: create-token takes one ACTOR_ID'],
    ['an empty ACTOR_ID', ['', '--secret', 's'], 'ACTOR_ID must not be empty'],
    ['an option after -- is an extra argument', ['root', '--secret', 's', '--', '--all'], 'the 6th argument is unexpected'],
    // the secret
    ['no secret anywhere', ['root'], 'no secret to sign with: pass --secret or --config, or set TOKENGATE_SECRET (or DATASETTE_SECRET)'],
    ['an empty --secret', ['root', '--secret', ''], '--secret must not be empty'],
    ['--secret without its value', ['root', '--secret'], '--secret needs a value (SECRET)'],
    ['--secret followed by an option', ['root', '--secret', '--debug'], '--secret needs a value (SECRET)'],
    ['--secret twice', ['root', '--secret', 'a', '--secret', 'b'], '--secret was given more than once'],
    ['a PEM key as the JWT secret', ['root', `--secret=${PEM_LIKE}`, '--type', 'jwt'], 'looks like a PEM key'],
    // Datasette's multi-value options
    ['--all without its ACTION', ['root', '--secret', 's', '--all'], '--all needs a value (ACTION)'],
    ['-a followed by an option', ['root', '--secret', 's', '-a', '--debug'], '-a needs a value (ACTION)'],
    ['--database with one value', ['root', '--secret', 's', '--database', 'docs'], '--database needs 2 values (DB ACTION), got 1'],
    ['-d with no value', ['root', '--secret', 's', '-d'], '-d needs 2 values (DB ACTION), got 0'],
    ['--database=DB without its ACTION', ['root', '--secret', 's', '--database=docs'], '--database needs 2 values (DB ACTION), got 1'],
    ['--resource with two values', ['root', '--secret', 's', '--resource', 'docs', 'documents'], '--resource needs 3 values (DB RESOURCE ACTION), got 2'],
    ['-r cut short by an option', ['root', '--secret', 's', '-r', 'docs', '--debug'], '-r needs 3 values (DB RESOURCE ACTION), got 1'],
    ['--resource=DB with one more value', ['root', '--secret', 's', '--resource=docs', 't'], '--resource needs 3 values (DB RESOURCE ACTION), got 2'],
    ['an empty --all ACTION', ['root', '--secret', 's', '--all', ''], '--all needs a non-empty ACTION'],
    ['an empty --database DB', ['root', '--secret', 's', '--database', '', 'vt'], '--database needs a non-empty DB'],
    ['an empty --resource RESOURCE', ['root', '--secret', 's', '--resource', 'docs', '', 'vt'], '--resource needs a non-empty RESOURCE'],
    ['a value for --debug', ['root', '--secret', 's', '--debug=yes'], '--debug does not take a value'],
    // lifetimes
    ['--expires-after that is not a number', ['root', '--secret', 's', '-e', 'soon'], '--expires-after must be a whole number of seconds, got "soon"'],
    ['--expires-after with a fraction', ['root', '--secret', 's', '-e', '1.5'], '--expires-after must be a whole number of seconds, got "1.5"'],
    ['--expires-after that is negative', ['root', '--secret', 's', '--expires-after=-5'], '--expires-after must be a whole number of seconds, got "-5"'],
    ['a negative -e read as a missing value', ['root', '--secret', 's', '-e', '-5'], '-e needs a value (SECONDS)'],
    ['--expires-after and --expiry together', ['root', '--secret', 's', '-e', '60', '--expiry', '1h'], '--expires-after and --expiry both set a lifetime: give one of them'],
    ['an empty --expiry', ['root', '--secret', 's', '--expiry', ''], '--expiry "": the duration is empty'],
    ['--expiry without a unit', ['root', '--secret', 's', '--expiry', '10'], '--expiry "10": a time unit is needed after 10'],
    ['--expiry with a fraction', ['root', '--secret', 's', '--expiry', '1.5h'], '--expiry "1.5h": "." at position 2 is not allowed'],
    ['--expiry with an unknown unit', ['root', '--secret', 's', '--expiry', '5x'], '--expiry "5x": unknown time unit "x"'],
    ['--expiry in milliseconds', ['root', '--secret', 's', '--expiry', '100ms'], 'sub-second units such as "ms" are not supported'],
    ['--expiry of zero', ['root', '--secret', 's', '--expiry', '0s'], '--expiry must be longer than zero, got "0s"'],
    ['--expiry beyond what a date can hold', ['root', '--secret', 's', '--expiry', '300000y'], 'the expiry is too far in the future'],
    ['--expiry too large to add up', ['root', '--secret', 's', '--expiry', '99999999999999999999s'], 'the duration is too large'],
    // formats and types
    ['an unknown --format', ['root', '--secret', 's', '--format', 'yaml'], '--format must be text or json, got "yaml"'],
    ['an unknown --type', ['root', '--secret', 's', '--type', 'rsa'], '--type must be dstok or jwt, got "rsa"'],
    ['--debug with --format json', ['root', '--secret', 's', '--debug', '--format', 'json'], '--debug cannot be used with --format json'],
    ['an empty --name', ['root', '--secret', 's', '--name', ''], '--name must not be empty'],
    // permission strings (SPEC section 7)
    ['an unknown resource type', ['root', '--secret', 's', '--permission', 'foo:x:read'], '--permission "foo:x:read": resource type not supported foo'],
    ['a resource type in upper case', ['root', '--secret', 's', '--permission', 'DB:x:read'], 'resource type not supported DB'],
    ['the admin-only * type', ['root', '--secret', 's', '--permission', '*:*:read'], '* resource type can only be set for admin token'],
    ['* mixed with names', ['root', '--secret', 's', '--permission', 'db:*,sales:read'], 'mixed wildcard (*) and resource name'],
    ['an unknown database action', ['root', '--secret', 's', '--permission', 'db:sales:fly'], 'action not supported, database action fly'],
    ['an instance action on a database', ['root', '--secret', 's', '--permission', 'db:sales:view-instance'], 'action not supported, database action view-instance'],
    ['an empty action', ['root', '--secret', 's', '--permission', 'db:sales:'], 'action not supported, database action'],
    ['a system action other than read', ['root', '--secret', 's', '--permission', 'system:health:write'], 'action not supported, system action write'],
    ['an unknown system resource', ['root', '--secret', 's', '--permission', 'system:disk:read'], 'invalid resource name disk'],
    ['a name with leading whitespace', ['root', '--secret', 's', '--permission', 'db: sales:read'], 'invalid resource name  sales'],
    ['a table name without its database', ['root', '--secret', 's', '--permission', 'table:documents:read'], 'invalid resource name documents'],
    ['two fields', ['root', '--secret', 's', '--permission', 'db:sales'], 'invalid permission "db:sales": found 2 fields separated by ":", not 3'],
    ['four fields', ['root', '--secret', 's', '--permission', 'db:sales:read:x'], 'found 4 fields'],
    ['an empty type', ['root', '--secret', 's', '--permission', ':sales:read'], 'RESOURCE_TYPE is empty'],
    ['empty names', ['root', '--secret', 's', '--permission', 'db::read'], 'RESOURCE_NAMES is empty'],
    ['a bad string after a good one', ['root', '--secret', 's', '--permission', 'db:a:read', '--permission', 'nope'], 'invalid permission "nope"'],
    ['--permission without its value', ['root', '--secret', 's', '--permission'], '--permission needs a value (PERMISSION)'],
    // --offline and its companions
    ['--output-file without --offline', ['root', '--secret', 's', '--output-file', 'new.json'], '--output-file needs --offline'],
    ['--create-databases without --offline', ['root', '--secret', 's', '--create-databases', 'a'], '--create-databases needs --offline'],
    ['--offline without --output-file', ['--offline', '--name', 'n', '--permission', 'db:a:read'], '--offline needs --output-file FILE'],
    ['--offline without --name', ['--offline', '--output-file', 'new.json', '--permission', 'db:a:read'], '--offline needs --name NAME'],
    ['--offline without --permission', ['--offline', '--output-file', 'new.json', '--name', 'n'], '--offline needs at least one --permission'],
    ['--offline with --all', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '--all', 'vi'], '--all cannot be used with --offline'],
    ['--offline with --database', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '-d', 'a', 'vt'], '--database cannot be used with --offline'],
    ['--offline with --resource', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '-r', 'a', 't', 'vt'], '--resource cannot be used with --offline'],
    ['--offline with --debug', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '--debug'], '--debug cannot be used with --offline'],
    ['--offline with --type', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '--type', 'jwt'], '--type cannot be used with --offline'],
    ['--offline with --secret', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '--secret', 's'], '--secret cannot be used with --offline'],
    ['--offline with an empty database in --create-databases', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '--create-databases', 'a,,b'], '--create-databases must be a comma-separated list of database names, got "a,,b"'],
    ['--offline with a bad permission string', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:fly'], 'action not supported, database action fly'],
    ['--offline with a bad --expiry', ['--offline', '--output-file', 'new.json', '--name', 'n', '--permission', 'db:a:read', '--expiry', 'soon'], '--expiry "soon"'],
    ['--offline with a name already in the file', ['--offline', '--output-file', 'existing.json', '--name', 'taken', '--permission', 'db:a:read'], 'a token named "taken" already exists in existing.json; choose another --name'],
    ['--offline onto a file that is not a tokens file', ['--offline', '--output-file', 'not-tokens.json', '--name', 'n', '--permission', 'db:a:read'], 'not-tokens.json: tokens: is required: a list of tokens'],
    ['--offline onto a file that is not JSON', ['--offline', '--output-file', 'garbage.json', '--name', 'n', '--permission', 'db:a:read'], 'the tokens file is not valid JSON'],
  ]

  let dir: string
  let cleanup: () => void
  beforeEach(() => {
    ;({ dir, cleanup } = tempDir())
    writeFileSync(
      join(dir, 'existing.json'),
      `${JSON.stringify({ tokens: [{ token: `apiv3_${'x'.repeat(43)}`, name: 'taken', permissions: ['db:a:read'] }] }, null, 2)}\n`,
    )
    writeFileSync(join(dir, 'not-tokens.json'), '{"databases": {}}\n')
    writeFileSync(join(dir, 'garbage.json'), 'apiv3_secret-looking garbage')
  })
  afterEach(() => cleanup())

  test.each(rows)('%s', async (_label, args, message) => {
    const before = snapshot(dir)
    const result = await runCli(['create-token', ...args], { cwd: dir })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toHaveLength(1)
    expect(result.stderr).toMatch(/^tokengate create-token: .+\n$/)
    expect(result.stderr).toContain(message)
    expect(snapshot(dir)).toEqual(before)
  })

  test('an invalid existing tokens file is never quoted in the message', async () => {
    const result = await runCli(['create-token', '--offline', '--output-file', 'garbage.json', '--name', 'n', '--permission', 'db:a:read'], { cwd: dir })
    expect(result.stderr).not.toContain('secret-looking')
    expect(readFileSync(join(dir, 'garbage.json'), 'utf8')).toBe('apiv3_secret-looking garbage')
  })
})

describe('create-token --config: the secret from the configuration', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => {
    ;({ dir, cleanup } = tempDir())
    writeFileSync(
      join(dir, 'metadata.json'),
      JSON.stringify({
        secret: [{ $env: 'CT_SECRET' }, 'an-old-secret'],
        plugins: { 'datasette-auth-tokens': [{ token: { $env: 'BOT_TOKEN' }, actor: { bot_id: 'my-bot' } }] },
        jwt: { algorithms: ['RS256', 'HS512'], secret: 'config-jwt-secret-of-32-bytes-or-more', public_key: { $env: 'CT_PUBLIC_KEY' }, issuer: ['https://tokengate.example'], audience: 'docs-api' },
      }),
    )
  })
  afterEach(() => cleanup())

  const run = (args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(['create-token', ...args], { cwd: dir, env })

  test('a dstok_ token signed with the first secret verifies on a server with that configuration, BOT_TOKEN unset', async () => {
    const result = await run(['alice', '--config', 'metadata.json', '--all', 'view-instance'], { CT_SECRET: 'config-secret' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(verify(tokenOf(result), 'config-secret')).toEqual({ id: 'alice', token: 'dstok', _r: { a: ['vi'] } })
  })

  test('the configuration wins over TOKENGATE_SECRET; near miss: without --config the environment signs', async () => {
    const env = { CT_SECRET: 'config-secret', TOKENGATE_SECRET: 'environment-secret' }
    expect(verify(tokenOf(await run(['alice', '--config', 'metadata.json'], env)), 'config-secret')).toMatchObject({ id: 'alice' })
    expect(verify(tokenOf(await run(['alice'], env)), 'environment-secret')).toMatchObject({ id: 'alice' })
  })

  test("the configuration's actions are known and abbreviated, as on its server; near miss: without --config they are unknown", async () => {
    writeFileSync(
      join(dir, 'actions.json'),
      JSON.stringify({ secret: 'actions-secret', actions: { 'publish-post': { abbr: 'pp', scope: 'resource', description: 'Publish a post' } } }),
    )
    const args = ['alice', '--all', 'publish-post', '--resource', 'blog', 'posts', 'pp', '--permission', 'db:blog:read']
    const result = await run([...args, '--config', 'actions.json'])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const payload = verify(tokenOf(result), 'actions-secret')
    expect(payload).toEqual({ id: 'alice', token: 'dstok', _r: { a: ['pp'], d: { blog: ['vd', 'vt', 'vq', 'es', 'vdd'] }, r: { blog: { posts: ['pp'] } } } })
    // The server with that configuration reads the grant as publish-post on blog/posts.
    const gate = createGate({ secret: 'actions-secret', actions: { 'publish-post': { abbr: 'pp', scope: 'resource', default: true } } })
    const actor = await gate.authenticate({ authorization: `Bearer ${tokenOf(result)}` })
    expect(gate.allowed(actor, 'publish-post', { database: 'blog', resource: 'posts' })).toBe(true)

    const without = await run([...args, '--secret', 'actions-secret'])
    expect(without.status).toBe(0)
    expect(without.stderr).toBe('tokengate create-token: warning: unknown action "publish-post": kept as given\ntokengate create-token: warning: unknown action "pp": kept as given\n')
    expect(verify(lines(without.stdout)[0] ?? '', 'actions-secret')).toMatchObject({ _r: { a: ['publish-post'], r: { blog: { posts: ['pp'] } } } })
  })

  test('the secret variable unset: exit 2 naming it, nothing printed', async () => {
    const result = await run(['alice', '--config', 'metadata.json'], { TOKENGATE_SECRET: 'environment-secret' })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'tokengate create-token: Invalid tokengate configuration in metadata.json: secret[0]: environment variable CT_SECRET is not set in the environment; set it or remove the reference\n',
    )
  })

  test('--type jwt signs with the jwt block: its HS* algorithm, secret, issuer and audience, so the server accepts it', async () => {
    const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const result = await run(['alice', '--config', 'metadata.json', '--type', 'jwt'], { CT_PUBLIC_KEY: publicKey })
    expect(result.status).toBe(0)
    const token = tokenOf(result)
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toEqual({ alg: 'HS512', typ: 'JWT' })
    const gate = createGate({ jwt: { algorithms: ['HS512'], secret: 'config-jwt-secret-of-32-bytes-or-more', issuer: 'https://tokengate.example', audience: 'docs-api' } })
    expect(await gate.authenticate({ authorization: `Bearer ${token}` })).toMatchObject({ id: 'alice', token: 'jwt' })
  })

  test('--type jwt without an HMAC jwt block: exit 2', async () => {
    writeFileSync(join(dir, 'no-jwt.json'), JSON.stringify({ secret: 'a-secret' }))
    const result = await run(['alice', '--config', 'no-jwt.json', '--type', 'jwt'])
    expect(result.status).toBe(2)
    expect(result.stderr).toBe(
      'tokengate create-token: no-jwt.json accepts no HMAC-signed JWTs (its jwt block has no secret and HS* algorithm), so tokengate cannot sign one it would accept\n',
    )
  })

  test.each([
    ['--secret and --config together', ['alice', '--config', 'metadata.json', '--secret', 's'], '--secret and --config both give the secret: pass one of them'],
    ['a configuration without a secret', ['alice', '--config', 'no-secret.json'], 'no-secret.json has no "secret" to sign dstok_ tokens with; add one, or pass --secret'],
    ['--config with --offline', ['--offline', '--output-file', 't.json', '--name', 'n', '--permission', 'db:x:read', '--config', 'metadata.json'], '--config cannot be used with --offline: offline tokens are random, not signed with its secret'],
    ['an empty --config', ['alice', '--config', ''], '--config must not be empty'],
    // Mistakes of the command line itself come before the configuration is read.
    ['no ACTOR_ID, a --config that does not exist', ['--config', 'missing.json'], 'missing ACTOR_ID: the id of the actor the token acts as, such as root'],
    ['--output-file without --offline, a --config that does not exist', ['alice', '--config', 'missing.json', '--output-file', 'f.json'], '--output-file needs --offline'],
    ['--debug with --format json, a --config that does not exist', ['alice', '--config', 'missing.json', '--debug', '--format', 'json'], '--debug cannot be used with --format json: the JSON output already shows the restrictions and expiry'],
    ['--offline with --config and -a', ['--offline', '--output-file', 't.json', '--name', 'n', '--permission', 'db:x:read', '--config', 'metadata.json', '-a', 'vi'], '--all cannot be used with --offline: a tokens file holds permission strings; use --permission'],
  ])('%s: exit 2', async (_label, args, message) => {
    writeFileSync(join(dir, 'no-secret.json'), JSON.stringify({ databases: {} }))
    const result = await run(args, { CT_SECRET: 'config-secret' })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`tokengate create-token: ${message}\n`)
  })
})
