/**
 * InfluxDB-style offline tokens files (lib/tokens/tokens-file.ts): reading and validating one
 * (every problem at its path, never quoting a token), writing one atomically with mode 0600,
 * the token source (hashed lookup, owner, permissions compiled into _r, expiry), and the file
 * named by a configuration's "tokens_file" through createGate.
 */
import fs, { chmodSync, chownSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ActionRegistry,
  ConfigError,
  InvalidTokenError,
  createGate,
  createOfflineToken,
  defineAction,
  readTokensFile,
  tokensFileSource,
  writeTokensFile,
} from 'tokengate'
import type { TokensFile } from 'tokengate'
import { actorOf } from '../helpers/source.js'

const TOKEN_A = 'apiv3_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const TOKEN_B = 'apiv3_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const NOW = 1_700_000_000 // unix seconds
const context = { now: NOW }

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokengate-tokens-file-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

function setup(data: unknown, name = 'tokens.json'): string {
  const file = join(dir, name)
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data, null, 2))
  return file
}

function validFile(): TokensFile {
  return {
    create_databases: ['sensors'],
    tokens: [
      { token: TOKEN_A, name: 'ingest', expiry_millis: (NOW + 60) * 1000, permissions: ['db:sensors:write'] },
      { token: TOKEN_B, name: 'dashboard', permissions: ['db:sensors,metrics:read', 'system:health:read'], owner: 'bob' },
    ],
  }
}

function configError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('readTokensFile', () => {
  test('returns null when the file does not exist', () => {
    expect(readTokensFile(join(dir, 'absent.json'))).toBeNull()
  })

  test('returns the parsed file, unknown keys included', () => {
    const data = { ...validFile(), comment: 'kept' }
    expect(readTokensFile(setup(data))).toEqual(data)
  })

  test('accepts InfluxDB\'s own example shape (no owner, no create_databases, expiry_millis null)', () => {
    const data = { tokens: [{ token: TOKEN_A, name: 'x', expiry_millis: null, permissions: ['db:db1,db2:read,write', 'db:db3:read'] }] }
    expect(readTokensFile(setup(data))).toEqual(data)
  })

  // Each problem at its JSON path; the file is named; a token is never quoted.
  test.each([
    ['not JSON', 'not json', '(root)', 'the tokens file is not valid JSON'],
    ['an empty file', '  \n', '(root)', 'the tokens file is empty'],
    ['a list at the top', [], '(root)', 'must be an object such as {"tokens": [...]}, got a list'],
    ['no tokens', {}, 'tokens', 'is required: a list of tokens'],
    ['tokens not a list', { tokens: {} }, 'tokens', 'must be a list of tokens, got object'],
    ['an entry that is a string', { tokens: [TOKEN_A] }, 'tokens[0]', 'must be an object'],
    ['a token that is a number', { tokens: [{ token: 1, name: 'x', permissions: ['db:a:read'] }] }, 'tokens[0].token', 'must be a string, got number'],
    ['a token without the apiv3_ prefix', { tokens: [{ token: 'x'.repeat(40), name: 'x', permissions: ['db:a:read'] }] }, 'tokens[0].token', 'must start with "apiv3_"'],
    ['a token too short', { tokens: [{ token: 'apiv3_short', name: 'x', permissions: ['db:a:read'] }] }, 'tokens[0].token', 'at least 16 random characters'],
    [
      'the same token twice',
      { tokens: [{ token: TOKEN_A, name: 'x', permissions: ['db:a:read'] }, { token: TOKEN_A, name: 'y', permissions: ['db:a:read'] }] },
      'tokens[1].token',
      'is the same token as tokens[0]',
    ],
    [
      'the same name twice',
      { tokens: [{ token: TOKEN_A, name: 'x', permissions: ['db:a:read'] }, { token: TOKEN_B, name: 'x', permissions: ['db:a:read'] }] },
      'tokens[1].name',
      '"x" is already the name of tokens[0]; names must be unique',
    ],
    ['an empty name', { tokens: [{ token: TOKEN_A, name: '', permissions: ['db:a:read'] }] }, 'tokens[0].name', 'must be a non-empty string'],
    ['no name', { tokens: [{ token: TOKEN_A, permissions: ['db:a:read'] }] }, 'tokens[0].name', 'must be a non-empty string, got undefined'],
    ['a negative expiry', { tokens: [{ token: TOKEN_A, name: 'x', expiry_millis: -1, permissions: ['db:a:read'] }] }, 'tokens[0].expiry_millis', 'got -1'],
    ['a fractional expiry', { tokens: [{ token: TOKEN_A, name: 'x', expiry_millis: 1.5, permissions: ['db:a:read'] }] }, 'tokens[0].expiry_millis', 'whole number'],
    ['an expiry as a string', { tokens: [{ token: TOKEN_A, name: 'x', expiry_millis: '1', permissions: ['db:a:read'] }] }, 'tokens[0].expiry_millis', 'got string'],
    ['no permissions', { tokens: [{ token: TOKEN_A, name: 'x' }] }, 'tokens[0].permissions', 'must be a list of permission strings'],
    ['empty permissions', { tokens: [{ token: TOKEN_A, name: 'x', permissions: [] }] }, 'tokens[0].permissions', 'must list at least one permission string'],
    ['a permission that is not a string', { tokens: [{ token: TOKEN_A, name: 'x', permissions: ['db:a:read', 3] }] }, 'tokens[0].permissions[1]', 'must be a string, got number'],
    ['an empty owner', { tokens: [{ token: TOKEN_A, name: 'x', permissions: ['db:a:read'], owner: '' }] }, 'tokens[0].owner', 'must be a non-empty string (an actor id)'],
    ['a file owner that is a number', { owner: 7, tokens: [] }, 'owner', 'must be a non-empty string'],
    ['create_databases not a list', { create_databases: 'a,b', tokens: [] }, 'create_databases', 'must be a list of database names'],
    ['an empty database name', { create_databases: ['a', ''], tokens: [] }, 'create_databases[1]', 'must be a non-empty string'],
  ])('rejects %s', (_label, data, path, message) => {
    const file = setup(data)
    const error = configError(() => readTokensFile(file))
    expect(error.problems).toEqual(expect.arrayContaining([{ path, message: expect.stringContaining(message) }]))
    expect(error.message).toContain(file)
    expect(error.message).not.toContain(TOKEN_A)
    expect(error.message).not.toContain('x'.repeat(40))
  })

  test('reports every problem at once', () => {
    const error = configError(() => readTokensFile(setup({ owner: '', tokens: [{ token: 1, name: '', permissions: [] }] })))
    expect(error.problems.map((p) => p.path)).toEqual(['owner', 'tokens[0].token', 'tokens[0].name', 'tokens[0].permissions'])
  })

  test('a directory is a ConfigError, not a crash', () => {
    const error = configError(() => readTokensFile(dir))
    expect(error.message).toContain('is a directory')
  })
})

describe('writeTokensFile', () => {
  test('writes pretty JSON with mode 0600 and leaves no temporary file', () => {
    const file = join(dir, 'tokens.json')
    writeTokensFile(file, validFile())
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(validFile())
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(validFile(), null, 2)}\n`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })

  test('replaces an existing file, which ends up with mode 0600 whatever it had (not run as root)', () => {
    const file = setup({ tokens: [] })
    chmodSync(file, 0o644)
    jest.spyOn(process, 'getuid').mockReturnValue(1000)
    writeTokensFile(file, validFile())
    expect(readTokensFile(file)).toEqual(validFile())
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })

  test('refuses data that is not a tokens file and leaves the old file untouched', () => {
    const file = setup(validFile())
    const before = readFileSync(file)
    const bad = { tokens: [...validFile().tokens, { token: TOKEN_A, name: 'again', permissions: ['db:a:read'] }] }
    expect(() => writeTokensFile(file, bad)).toThrow(new TypeError('Not a valid tokens file: tokens[2].token: is the same token as tokens[0]; every token must be different'))
    expect(readFileSync(file)).toEqual(before)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })

  test('a failed write throws the system error and leaves nothing behind', () => {
    expect(() => writeTokensFile(join(dir, 'missing-dir', 'tokens.json'), validFile())).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('writeTokensFile survives failures (security review, issue 9)', () => {
  afterEach(() => jest.restoreAllMocks())

  /** The first write stops after `first` bytes, as on a full disk; the next write fails with `code`. */
  function shortWriteThen(first: number, code: string | null): void {
    let calls = 0
    const real = fs.writeSync.bind(fs) as (fd: number, data: Buffer, offset?: number, length?: number) => number
    jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: Buffer | string, offset?: number | null, length?: number) => {
      // Either form of writeSync: (fd, buffer, offset, length) or (fd, string, position, encoding).
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data.subarray(offset ?? 0, (offset ?? 0) + (length ?? data.length))
      // Only the tokens file's own bytes (those after the first call included), not the lock file's.
      if (calls === 0 && !bytes.includes('"tokens"')) return real(fd, bytes, 0, bytes.length)
      calls += 1
      if (calls === 1) return real(fd, bytes, 0, Math.min(first, bytes.length))
      if (code !== null) throw Object.assign(new Error(`${code}: simulated`), { code })
      return real(fd, bytes, 0, bytes.length)
    }) as never)
  }

  test('a short write followed by ENOSPC throws, and the old file stays byte for byte', () => {
    const file = setup(validFile())
    const before = readFileSync(file)
    shortWriteThen(100, 'ENOSPC')
    const grown = { ...validFile(), comment: 'x'.repeat(500) }
    expect(() => writeTokensFile(file, grown)).toThrow(expect.objectContaining({ code: 'ENOSPC' }))
    expect(readFileSync(file)).toEqual(before)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })

  test('near miss: a short write that the next write completes gives the whole file', () => {
    const file = setup({ tokens: [] })
    shortWriteThen(100, null)
    writeTokensFile(file, validFile())
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(validFile(), null, 2)}\n`)
    expect(fs.writeSync).toHaveBeenCalledTimes(3) // the lock, then the file in two writes
  })

  test('a symbolic link is not replaced: ERR_TOKENS_FILE_SYMLINK, link and target untouched', () => {
    const target = setup(validFile(), 'real.json')
    const before = readFileSync(target)
    const link = join(dir, 'tokens.json')
    symlinkSync(target, link)
    expect(() => writeTokensFile(link, { tokens: [] })).toThrow(expect.objectContaining({ code: 'ERR_TOKENS_FILE_SYMLINK' }))
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target)).toEqual(before)
    expect(readdirSync(dir).sort()).toEqual(['real.json', 'tokens.json'])
  })

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0 ? test : test.skip
  if (asRoot === test.skip) console.log('skipped: the owner-preserving test needs root (chown to another user)')
  asRoot('run as root, the new file keeps the old one\'s owner, group and mode', () => {
    const file = setup({ tokens: [] })
    chownSync(file, 4321, 4322)
    chmodSync(file, 0o640)
    writeTokensFile(file, validFile())
    const stats = statSync(file)
    expect([stats.uid, stats.gid, stats.mode & 0o7777]).toEqual([4321, 4322, 0o640])
    expect(readTokensFile(file)).toEqual(validFile())
  })
})

describe('createOfflineToken', () => {
  test('is apiv3_ and 32 random bytes in base64url, different every time', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => createOfflineToken()))
    expect(tokens.size).toBe(50)
    for (const token of tokens) expect(token).toMatch(/^apiv3_[A-Za-z0-9_-]{43}$/)
  })

  test('is accepted by readTokensFile', () => {
    const file = setup({ tokens: [{ token: createOfflineToken(), name: 'x', permissions: ['db:a:read'] }] })
    expect(readTokensFile(file)?.tokens).toHaveLength(1)
  })
})

describe('tokensFileSource', () => {
  test('resolves a token to its owner restricted by its compiled permissions', () => {
    const source = tokensFileSource(setup(validFile()))
    expect(source.name).toBe('tokens_file')
    expect(actorOf(source, TOKEN_A, context.now)).toEqual({
      id: 'root',
      token: 'tokens_file',
      token_name: 'ingest',
      _r: { d: { sensors: ['ir', 'ur', 'dr'] } },
      token_expires: NOW + 60,
    })
    expect(actorOf(source, TOKEN_B, context.now)).toEqual({
      id: 'bob',
      token: 'tokens_file',
      token_name: 'dashboard',
      _r: { a: ['vh'], d: { sensors: ['vd', 'vt', 'vq', 'es', 'vdd'], metrics: ['vd', 'vt', 'vq', 'es', 'vdd'] } },
    })
  })

  // Owner: the entry's, else the file's, else root.
  test.each([
    ['entry owner wins', { owner: 'file-owner', tokens: [{ token: TOKEN_A, name: 'x', permissions: ['db:a:read'], owner: 'entry-owner' }] }, 'entry-owner'],
    ['file owner', { owner: 'file-owner', tokens: [{ token: TOKEN_A, name: 'x', permissions: ['db:a:read'] }] }, 'file-owner'],
    ['root by default', { tokens: [{ token: TOKEN_A, name: 'x', permissions: ['db:a:read'] }] }, 'root'],
  ])('owner: %s', (_label, data, owner) => {
    expect(actorOf(tokensFileSource(setup(data)), TOKEN_A, context.now)).toMatchObject({ id: owner })
  })

  // Lookup: only the exact token; anything else is not mine (null).
  test.each([
    ['an unknown apiv3_ token', 'apiv3_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'],
    ['the token with one more character', `${TOKEN_A}A`],
    ['the token missing its last character', TOKEN_A.slice(0, -1)],
    ['the token in lower case', TOKEN_A.toLowerCase()],
    ['a dstok_ token', 'dstok_abc.def'],
    ['the empty string', ''],
  ])('%s is not mine', (_label, token) => {
    expect(actorOf(tokensFileSource(setup(validFile())), token, context.now)).toBeNull()
  })

  // Expiry: valid up to and including expiry_millis, rejected after it.
  test.each([
    ['a second before', NOW + 59, true],
    ['exactly at expiry_millis', NOW + 60, true],
    ['a millisecond after', NOW + 60.001, false],
    ['a day after', NOW + 86_400, false],
  ])('%s', (_label, now, valid) => {
    const source = tokensFileSource(setup(validFile()))
    if (valid) expect(actorOf(source, TOKEN_A, now)).toMatchObject({ token_name: 'ingest' })
    else expect(() => actorOf(source, TOKEN_A, now)).toThrow(new InvalidTokenError('Token has expired'))
  })

  test('the actor is frozen all the way down and the same object every time', () => {
    const source = tokensFileSource(setup(validFile()))
    const actor = actorOf(source, TOKEN_A, context.now)
    expect(Object.isFrozen(actor)).toBe(true)
    expect(Object.isFrozen((actor as { _r: { d: object } })._r.d)).toBe(true)
    expect(actorOf(source, TOKEN_A, context.now)).toBe(actor)
  })

  test('an invalid permission string is a ConfigError at its path, listing every one', () => {
    const file = setup({
      tokens: [
        { token: TOKEN_A, name: 'x', permissions: ['db:a:read', 'foo:b:read'] },
        { token: TOKEN_B, name: 'y', permissions: ['db:*,a:read'] },
      ],
    })
    const error = configError(() => tokensFileSource(file))
    expect(error.problems).toEqual([
      { path: 'tokens[0].permissions[1]', message: 'resource type not supported foo' },
      { path: 'tokens[1].permissions[0]', message: 'mixed wildcard (*) and resource name' },
    ])
    expect(error.message).toContain(file)
  })

  test('a missing file is a ConfigError (fail closed at start-up)', () => {
    const file = join(dir, 'absent.json')
    const error = configError(() => tokensFileSource(file))
    expect(error.message).toContain('the tokens file does not exist')
    expect(error.message).toContain(file)
  })

  test('permission strings may name the registry\'s application actions', () => {
    const registry = new ActionRegistry([defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })])
    const file = setup({ tokens: [{ token: TOKEN_A, name: 'x', permissions: ['table:blog/posts:publish-post'] }] })
    expect(() => tokensFileSource(file)).toThrow(ConfigError)
    expect(actorOf(tokensFileSource(file, { registry }), TOKEN_A, context.now)).toMatchObject({ _r: { r: { blog: { posts: ['pp'] } } } })
  })
})

describe('"tokens_file" in a configuration, through createGate', () => {
  /** A config whose root may insert rows into sensors.readings, and everything else by default. */
  function setupGate(entry: { permissions: string[]; owner?: string; expiry_millis?: number }): ReturnType<typeof createGate> {
    setup({ tokens: [{ token: TOKEN_A, name: 'app', ...entry }] })
    const config = {
      tokens_file: 'tokens.json',
      databases: { sensors: { permissions: { 'insert-row': { id: 'root' } } } },
    }
    const configFile = setup(config, 'metadata.json')
    return createGate(configFile, { now: () => NOW })
  }
  const insert = { database: 'sensors', resource: 'readings' }

  test('a relative tokens_file is read from the configuration file\'s directory', async () => {
    const gate = setupGate({ permissions: ['db:sensors:write'] })
    await expect(gate.authenticate({ authorization: `Bearer ${TOKEN_A}` })).resolves.toMatchObject({
      id: 'root',
      token: 'tokens_file',
      token_name: 'app',
    })
  })

  // One model for every token: the owner's permissions AND the token's.
  test.each([
    ['the owner may and the token allows it', { permissions: ['db:sensors:write'] }, true],
    ['the owner may but the token only reads', { permissions: ['db:sensors:read'] }, false],
    ['the token allows it but its owner may not', { permissions: ['db:sensors:write'], owner: 'bob' }, false],
    ['a table grant on that table', { permissions: ['table:sensors/readings:write'] }, true],
    ['a table grant on another table', { permissions: ['table:sensors/other:write'] }, false],
  ])('insert-row: %s', async (_label, entry, allowed) => {
    const gate = setupGate(entry)
    const actor = await gate.authenticate({ authorization: `Bearer ${TOKEN_A}` })
    expect(gate.allowed(actor, 'insert-row', insert)).toBe(allowed)
  })

  test('an expired token is rejected with 401 "Token has expired"', async () => {
    const gate = setupGate({ permissions: ['db:sensors:write'], expiry_millis: (NOW - 1) * 1000 })
    const rejected = gate.authenticate({ authorization: `Bearer ${TOKEN_A}` })
    await expect(rejected).rejects.toThrow(new InvalidTokenError('Token has expired'))
    await expect(rejected).rejects.toMatchObject({ status: 401, code: 'ERR_INVALID_TOKEN' })
  })

  test('an unknown apiv3_ token is an unknown token', async () => {
    const gate = setupGate({ permissions: ['db:sensors:write'] })
    await expect(gate.authenticate({ authorization: `Bearer ${TOKEN_B}` })).rejects.toThrow(new InvalidTokenError('Unknown token'))
  })

  test('a configuration naming a missing or invalid tokens file fails at createGate', () => {
    const missing = setup({ tokens_file: 'nope.json' }, 'metadata.json')
    expect(() => createGate(missing)).toThrow(ConfigError)
    setup({ tokens: [{ token: TOKEN_A, name: 'x', permissions: ['nope'] }] }, 'bad.json')
    const invalid = setup({ tokens_file: 'bad.json' }, 'metadata.json')
    expect(() => createGate(invalid)).toThrow(/tokens\[0\]\.permissions\[0\]: invalid permission "nope"/)
  })
})
