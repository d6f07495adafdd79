/**
 * `tokengate tokens create | list | show | revoke | rotate`, in process: the store from --store,
 * --config's "token_store" or TOKENGATE_STORE; the token printed once with its warning; the
 * list table and JSON; exit statuses as create-token's (0 done, 1 refused, 2 usage, nothing
 * written).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openSqliteTokenStore } from 'tokengate'
import { lines, runCli, tempDir } from './run-cli.js'

const NOW = Date.UTC(2026, 0, 1) // 2026-01-01T00:00:00Z
let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

const store = (): string => `sqlite:${join(dir, 'tokens.db')}`
const cli = (args: string[], env: Record<string, string> = {}) => runCli(['tokens', ...args], { cwd: dir, env, now: () => NOW })

async function rowsIn(): Promise<number> {
  const opened = await openSqliteTokenStore(join(dir, 'tokens.db'))
  try {
    return (await opened.list({ limit: 1000, now: NOW / 1000 })).length
  } finally {
    await opened.close()
  }
}

describe('create', () => {
  test('prints the token once, says it will not be shown again, and stores only its hash', async () => {
    const result = await cli(['create', 'alice', '--name', 'ci', '--permission', 'db:docs:read', '--expiry', '7d', '--description', 'for CI', '--store', store()])
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    const out = lines(result.stdout)
    expect(out[0]).toMatch(/^tgk_[0-9A-Za-z]{38}$/)
    expect(out[2]).toBe('This token will not be shown again: copy it now. Only its SHA-256 hash is stored.')
    expect(result.stdout).toContain('Owner         alice')
    expect(result.stdout).toContain('Expires       2026-01-08T00:00:00Z')
    expect(result.stdout).toContain('Created       2026-01-01T00:00:00Z by cli')
    expect(result.stdout).toContain('Permissions   db:docs:read')
    const listed = await cli(['list', '--store', store(), '--format', 'json'])
    expect(listed.stdout).not.toContain(out[0]!.slice(4))
  })

  test('--format json: the token and the record, snake_case, RFC 3339 times; Datasette options union with --permission', async () => {
    const result = await cli(['create', 'bob', '--name', 'etl', '-a', 'view-instance', '-d', 'docs', 'vt', '-r', 'docs', 'documents', 'insert-row', '--permission', 'db:sales:read', '-e', '60', '--format', 'json', '--store', store()])
    expect(result.status).toBe(0)
    const body = JSON.parse(result.stdout)
    expect(body).toEqual({
      token: expect.stringMatching(/^tgk_/),
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'etl',
      description: null,
      actor_id: 'bob',
      restrictions: { a: ['view-instance'], d: { docs: ['vt'], sales: ['vd', 'vt', 'vq', 'es', 'vdd'] }, r: { docs: { documents: ['insert-row'] } } },
      permissions: ['db:sales:read'],
      status: 'active',
      created_at: '2026-01-01T00:00:00Z',
      created_by: 'cli',
      expires_at: '2026-01-01T00:01:00Z',
      last_used_at: null,
      revoked_at: null,
      revoked_by: null,
      start: body.token.slice(0, 8),
      rate_limit: null,
    })
  })

  test.each([
    [['create', 'alice', '--store', 'STORE'], '--name NAME is required'],
    [['create', '--name', 'x', '--store', 'STORE'], 'missing ACTOR_ID'],
    [['create', 'alice', '--name', '', '--store', 'STORE'], '--name: name must not be empty'],
    [['create', 'alice', '--name', 'x'.repeat(201), '--store', 'STORE'], '--name: name must be at most 200 characters, got 201'],
    [['create', 'alice', '--name', 'x', '--permission', 'db:docs', '--store', 'STORE'], '--permission: '],
    [['create', 'alice', '--name', 'x', '-a', 'fly', '--store', 'STORE'], '-a/-d/-r: restrictions name an unknown action "fly"'],
    [['create', 'alice', '--name', 'x', '--expiry', '7 parsecs', '--store', 'STORE'], '--expiry "7 parsecs"'],
    [['create', 'alice', '--name', 'x', '--expiry', '1d', '-e', '5', '--store', 'STORE'], 'give one of them'],
    [['create', 'alice', '--name', 'x', '--format', 'yaml', '--store', 'STORE'], '--format must be text or json'],
    [['create', 'alice', '--name', 'x', '--prefix', 'Nope', '--store', 'STORE'], '"tokenPrefix" option must be'],
    [['create', 'alice', '--name', 'x', '--store', 'mysql://x'], 'unknown scheme "mysql:"'],
    [['create', 'alice', '--name', 'x'], 'no token store'],
    [['frobnicate'], 'the 2nd argument is not a subcommand: use one of create, list, show, revoke, rotate'],
    [['create', 'alice', '--name', 'x', '--rate-limit', '100', '--store', 'STORE'], '--rate-limit must be POINTS/WINDOW, such as 100/1m (100 requests a minute) or 5/60 (5 requests per 60 seconds); got "100"'],
    [['create', 'alice', '--name', 'x', '--rate-limit', '0/60', '--store', 'STORE'], '--rate-limit: the number of requests must be a whole number from 1 to 2147483647, got "0"'],
    [['create', 'alice', '--name', 'x', '--rate-limit', 'five/60', '--store', 'STORE'], '--rate-limit must be POINTS/WINDOW'],
    [['create', 'alice', '--name', 'x', '--rate-limit', '5/0', '--store', 'STORE'], '--rate-limit: the window must be from 1 second to 2147483647 seconds, got "0"'],
    [['create', 'alice', '--name', 'x', '--rate-limit', '5/0s', '--store', 'STORE'], '--rate-limit: the window must be from 1 second to 2147483647 seconds, got "0s"'],
    [['create', 'alice', '--name', 'x', '--rate-limit', '5/fortnight', '--store', 'STORE'], '--rate-limit: the window "fortnight": '],
    [['create', 'alice', '--name', 'x', '--rate-limit', '3000000000/1m', '--store', 'STORE'], '--rate-limit: the number of requests must be a whole number from 1 to 2147483647, got "3000000000"'],
    [['list', '--status', 'live', '--store', 'STORE'], '--status: status must be one of'],
    [['list', '--limit', 'many', '--store', 'STORE'], '--limit must be a whole number'],
  ])('%j exits 2, writes nothing', async (args, message) => {
    await cli(['create', 'seed', '--name', 'seed', '--store', store()])
    const result = await cli(args.map((a) => (a === 'STORE' ? store() : a)))
    expect(result.stdout).toBe('')
    expect(result.status).toBe(2)
    expect(lines(result.stderr)).toHaveLength(1)
    expect(result.stderr).toContain(message)
    expect(await rowsIn()).toBe(1)
  })

  test.each([
    ['100/1m', { points: 100, duration: 60 }, '100 requests per 60 s'],
    ['5/60', { points: 5, duration: 60 }, '5 requests per 60 s'],
    ['1000/1d', { points: 1000, duration: 86400 }, '1000 requests per 86400 s'],
    ['2/1h 30m', { points: 2, duration: 5400 }, '2 requests per 5400 s'],
  ])('--rate-limit %s gives the token its own limit, shown and stored', async (value, limit, shown) => {
    const result = await cli(['create', 'alice', '--name', 'limited', '--rate-limit', value, '--store', store()])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`Rate limit    ${shown}`)
    const listed = JSON.parse((await cli(['list', '--store', store(), '--format', 'json'])).stdout) as { tokens: { rate_limit: unknown }[] }
    expect(listed.tokens.map((t) => t.rate_limit)).toEqual([limit])
  })

  test('  near miss: without --rate-limit the token has none of its own', async () => {
    const result = await cli(['create', 'alice', '--name', 'free', '--store', store(), '--format', 'json'])
    expect(JSON.parse(result.stdout)).toMatchObject({ rate_limit: null })
  })

  test('a name taken among the owner\'s live tokens exits 1; another owner may use it', async () => {
    expect((await cli(['create', 'alice', '--name', 'ci', '--store', store()])).status).toBe(0)
    const again = await cli(['create', 'alice', '--name', 'ci', '--store', store()])
    expect([again.status, again.stdout, again.stderr]).toEqual([1, '', 'tokengate tokens: alice already has a token named "ci" that is not revoked; choose another name\n'])
    expect((await cli(['create', 'bob', '--name', 'ci', '--store', store()])).status).toBe(0)
  })
})

describe('list, show, revoke, rotate', () => {
  async function create(owner: string, name: string): Promise<{ token: string; id: string }> {
    const body = JSON.parse((await cli(['create', owner, '--name', name, '--format', 'json', '--store', store()])).stdout)
    return { token: body.token, id: body.id }
  }

  test('list prints a table with id, name, owner, start, created, last used, expires and status', async () => {
    const a = await create('alice', 'first')
    const b = await create('bob', 'second')
    const result = await cli(['list', '--store', store()])
    expect(result.status).toBe(0)
    const out = lines(result.stdout)
    expect(out[0]).toMatch(/^ID +NAME +OWNER +START +CREATED +LAST USED +EXPIRES +STATUS$/)
    expect(out).toHaveLength(3)
    expect(out.slice(1).map((line) => line.split(/ {2,}/))).toEqual(
      expect.arrayContaining([
        [a.id, 'first', 'alice', `${a.token.slice(0, 8)}…`, '2026-01-01T00:00Z', 'never', 'never', 'active'],
        [b.id, 'second', 'bob', `${b.token.slice(0, 8)}…`, '2026-01-01T00:00Z', 'never', 'never', 'active'],
      ]),
    )
    const owned = await cli(['list', '--owner', 'bob', '--format', 'json', '--store', store()])
    expect(JSON.parse(owned.stdout)).toEqual({ tokens: [expect.objectContaining({ id: b.id, actor_id: 'bob' })], next: null })
    const paged = await cli(['list', '--limit', '1', '--store', store()])
    expect(paged.stdout).toMatch(/\nMore tokens: add --cursor \S+\n$/)
  })

  test('show, revoke (twice), rotate of a revoked token, and ids that do not exist', async () => {
    const { id } = await create('alice', 'x')
    const shown = await cli(['show', id, '--store', store()])
    expect([shown.status, shown.stdout]).toEqual([0, expect.stringContaining(`ID            ${id}\n`)])
    const revoked = await cli(['revoke', id, '--by', 'admin', '--store', store()])
    expect([revoked.status, revoked.stdout]).toEqual([0, `Revoked token ${id} (x, alice).\n`])
    expect((await cli(['revoke', id, '--store', store()])).status).toBe(0)
    const json = JSON.parse((await cli(['show', id, '--format', 'json', '--store', store()])).stdout)
    expect(json).toMatchObject({ status: 'revoked', revoked_by: 'admin', revoked_at: '2026-01-01T00:00:00Z' })
    const rotate = await cli(['rotate', id, '--store', store()])
    expect([rotate.status, rotate.stderr]).toEqual([1, `tokengate tokens: Token ${id} is revoked: it cannot be rotated\n`])
    for (const sub of ['show', 'revoke', 'rotate']) {
      const missing = await cli([sub, '0123456789abcdef', '--store', store()])
      expect([sub, missing.status, missing.stderr]).toEqual([sub, 1, 'tokengate tokens: No token has the id "0123456789abcdef"\n'])
    }
  })

  test('rotate prints the new token once; the old one is gone', async () => {
    const { token, id } = await create('alice', 'r')
    const result = await cli(['rotate', id, '--store', store()])
    expect(result.status).toBe(0)
    const fresh = lines(result.stdout)[0]!
    expect(fresh).toMatch(/^tgk_/)
    expect(fresh).not.toBe(token)
    expect(result.stdout).toContain('This token will not be shown again')
  })
})

describe('where the store comes from', () => {
  test('TOKENGATE_STORE, a relative sqlite: path relative to the working directory', async () => {
    const made = await cli(['create', 'alice', '--name', 'env'], { TOKENGATE_STORE: 'sqlite:tokens.db' })
    expect(made.status).toBe(0)
    expect(await rowsIn()).toBe(1)
  })

  test('--config: its "token_store" (relative to the file) and its actions', async () => {
    writeFileSync(
      join(dir, 'metadata.json'),
      JSON.stringify({ token_store: 'sqlite:tokens.db', actions: { 'publish-post': { abbr: 'pp', scope: 'resource' } } }),
    )
    const made = await cli(['create', 'alice', '--name', 'cfg', '-r', 'blog', 'posts', 'publish-post', '--config', 'metadata.json'])
    expect([made.status, made.stderr]).toEqual([0, ''])
    expect(await rowsIn()).toBe(1)
    const nostore = join(dir, 'plain.json')
    writeFileSync(nostore, '{}')
    const refused = await cli(['list', '--config', 'plain.json'])
    expect([refused.status, refused.stderr]).toEqual([2, 'tokengate tokens: plain.json has no "token_store": pass --store URL or set TOKENGATE_STORE\n'])
  })

  test('a store that cannot be opened exits 1 with its reason', async () => {
    const result = await cli(['list', '--store', 'sqlite:/proc/self/nope/tokens.db'])
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^tokengate tokens: Cannot open the token store sqlite:\/proc\/self\/nope\/tokens\.db: /)
  })

  test('--help', async () => {
    const result = await runCli(['tokens', '--help'])
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^Usage: tokengate tokens SUBCOMMAND/)
    expect(result.stdout).toContain('create ACTOR_ID')
    expect(result.stdout).toContain('Exit status: 0 done, 1 refused or failed')
  })
})

describe('a token or secret typed in the wrong place never reaches stderr (issue 9)', () => {
  const SECRET = `tgk_${'S'.repeat(38)}`
  test.each<[string[], string]>([
    [['create', 'alice', SECRET, '--name', 'x', '--store', 'STORE'], 'tokengate tokens: the 4th argument is unexpected: tokens create takes one ACTOR_ID\n'],
    [['list', SECRET, '--store', 'STORE'], 'tokengate tokens: the 3rd argument is unexpected: tokens list takes no arguments\n'],
    [['show', 'abc', SECRET, '--store', 'STORE'], 'tokengate tokens: the 4th argument is unexpected: tokens show takes one ID\n'],
    [['list', '--store', 'STORE', `--${SECRET}`], 'tokengate tokens: the 5th argument is not a known option\n'],
    [['list', '--stor', 'STORE'], 'tokengate tokens: the 3rd argument is not a known option; did you mean --store?\n'],
    [[SECRET, '--store', 'STORE'], 'tokengate tokens: the 2nd argument is not a subcommand: use one of create, list, show, revoke, rotate\n'],
    [['lst', '--store', 'STORE'], 'tokengate tokens: the 2nd argument is not a subcommand; did you mean list? Use one of create, list, show, revoke, rotate\n'],
  ])('%j: exit 2, the argument named by its position', async (args, stderr) => {
    const result = await cli(args.map((a) => (a === 'STORE' ? store() : a)))
    expect([result.status, result.stdout, result.stderr]).toEqual([2, '', stderr])
  })

  test.each(['show', 'revoke', 'rotate'])('%s of a token given in place of its id: exit 1, the token not shown', async (sub) => {
    const result = await cli([sub, SECRET, '--store', store()])
    expect([result.status, result.stderr]).toEqual([
      1,
      'tokengate tokens: No token has the id given: token ids are 16 hexadecimal characters (what was given is not shown, as it may be a token)\n',
    ])
  })
})
