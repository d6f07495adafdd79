/**
 * `tokengate create-token --offline --output-file FILE`: InfluxDB's permission tokens file
 * created, appended to (create_databases merged), written atomically with mode 0600 and no
 * temporary file left behind, a duplicate name leaving the file byte-identical, a write failure
 * exiting 1, and the file serving its tokens through a configuration's "tokens_file".
 */
import fs, { chmodSync, lstatSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { createGate, readTokensFile } from 'tokengate'
import type { TokensFile } from 'tokengate'
import { lines, runCli, tempDir } from './run-cli.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

function offline(args: readonly string[]): ReturnType<typeof runCli> {
  return runCli(['create-token', '--offline', '--output-file', 'tokens.json', ...args], { cwd: dir })
}

function readFile(): TokensFile {
  return JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as TokensFile
}

describe('create-token --offline', () => {
  test('creates the file in InfluxDB\'s shape with mode 0600, and prints the name, never the token', async () => {
    const before = Date.now()
    const result = await offline(['--name', 'ingest', '--permission', 'db:sensors:write', '--expiry', '1y', '--create-databases', 'sensors,metrics'])
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    expect(lines(result.stdout)).toEqual(['Wrote token "ingest" (acting as root) to tokens.json'])
    const file = readFile()
    expect(file).toEqual({
      create_databases: ['sensors', 'metrics'],
      tokens: [{ token: expect.stringMatching(/^apiv3_[A-Za-z0-9_-]{43}$/), name: 'ingest', expiry_millis: expect.any(Number), permissions: ['db:sensors:write'] }],
    })
    const [entry] = file.tokens
    expect(entry?.expiry_millis).toBeGreaterThanOrEqual(before + 31_557_600_000)
    expect(entry?.expiry_millis).toBeLessThanOrEqual(Date.now() + 31_557_600_000)
    expect(result.stdout).not.toContain(entry?.token ?? 'apiv3_')
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
    expect(readTokensFile(join(dir, 'tokens.json'))).toEqual(file)
  })

  test('appends to an existing file, keeping what it had and merging create_databases', async () => {
    expect((await offline(['--name', 'ingest', '--permission', 'db:sensors:write', '--create-databases', 'sensors,metrics'])).status).toBe(0)
    const first = readFile()
    const result = await offline(['bob', '--name', 'dash', '--permission', 'db:sensors,metrics:read', '--permission', 'system:health:read', '--create-databases', 'metrics,logs'])
    expect(result.status).toBe(0)
    const second = readFile()
    expect(second.create_databases).toEqual(['sensors', 'metrics', 'logs'])
    expect(second.tokens[0]).toEqual(first.tokens[0])
    expect(second.tokens[1]).toEqual({
      token: expect.stringMatching(/^apiv3_/),
      name: 'dash',
      permissions: ['db:sensors,metrics:read', 'system:health:read'],
      owner: 'bob',
    })
    expect(second.tokens[1]?.token).not.toBe(second.tokens[0]?.token)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })

  test('keeps unknown keys of a hand-written file and rewrites it with mode 0600 (not run as root)', async () => {
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ comment: 'hand-written', owner: 'svc', tokens: [] }))
    chmodSync(join(dir, 'tokens.json'), 0o644)
    jest.spyOn(process, 'getuid').mockReturnValue(1000)
    const result = await offline(['--name', 'a', '--permission', 'db:x:read'])
    expect(lines(result.stdout)).toEqual(['Wrote token "a" (acting as svc) to tokens.json'])
    expect(readFile()).toMatchObject({ comment: 'hand-written', owner: 'svc', tokens: [{ name: 'a' }] })
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o600)
  })

  test('a duplicate name is a usage error and leaves the file byte-identical', async () => {
    expect((await offline(['--name', 'ingest', '--permission', 'db:sensors:write'])).status).toBe(0)
    const before = readFileSync(join(dir, 'tokens.json'))
    const result = await offline(['--name', 'ingest', '--permission', 'db:other:read'])
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toEqual([
      'tokengate create-token: a token named "ingest" already exists in tokens.json; choose another --name',
    ])
    expect(readFileSync(join(dir, 'tokens.json'))).toEqual(before)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })

  test('--format json describes the token without printing it', async () => {
    const result = await offline(['alice', '--name', 'r', '--permission', 'db:sales:read', '--expiry', '2h', '--format', 'json'])
    expect(result.status).toBe(0)
    const out = JSON.parse(result.stdout) as Record<string, unknown>
    expect(out).toEqual({
      type: 'offline',
      name: 'r',
      actor: { id: 'alice' },
      restrictions: { d: { sales: ['vd', 'vt', 'vq', 'es', 'vdd'] } },
      expiry: new Date(readFile().tokens[0]?.expiry_millis ?? 0).toISOString(),
      output_file: 'tokens.json',
    })
    expect(result.stdout).not.toContain('apiv3_')
  })

  test('a file that cannot be written is a refusal (exit 1) and leaves nothing behind', async () => {
    const result = await runCli(['create-token', '--offline', '--output-file', 'no-such-dir/tokens.json', '--name', 'a', '--permission', 'db:x:read'], { cwd: dir })
    expect(result.status).toBe(1)
    expect(lines(result.stderr)).toEqual(['tokengate create-token: cannot write no-such-dir/tokens.json: its directory does not exist'])
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('a failed write keeps the old file (security review, issue 9)', () => {
  afterEach(() => jest.restoreAllMocks())

  test('a short write then ENOSPC exits 1 without "Wrote token", and the file stays byte for byte', async () => {
    expect((await offline(['--name', 'first', '--permission', 'db:a:read'])).status).toBe(0)
    const before = readFileSync(join(dir, 'tokens.json'))
    let calls = 0
    const real = fs.writeSync.bind(fs) as (fd: number, data: Buffer, offset?: number, length?: number) => number
    jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: Buffer | string, offset?: number | null, length?: number) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data.subarray(offset ?? 0, (offset ?? 0) + (length ?? data.length))
      if (!bytes.includes('"tokens"') && calls === 0) return real(fd, bytes, 0, bytes.length) // the lock file
      calls += 1
      if (calls === 1) return real(fd, bytes, 0, 10)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    }) as never)
    const result = await offline(['--name', 'second', '--permission', 'db:b:read'])
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toEqual(['tokengate create-token: cannot write tokens.json: the disk is full; the file was left as it was'])
    expect(readFileSync(join(dir, 'tokens.json'))).toEqual(before)
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })

  test('a symbolic link is refused with exit 1, and neither the link nor its target changes', async () => {
    writeFileSync(join(dir, 'real.json'), JSON.stringify({ tokens: [] }))
    symlinkSync(join(dir, 'real.json'), join(dir, 'tokens.json'))
    const result = await offline(['--name', 'a', '--permission', 'db:x:read'])
    expect(result.status).toBe(1)
    expect(lines(result.stderr)).toEqual([
      'tokengate create-token: cannot write tokens.json: it is a symbolic link, which tokengate does not replace; give the path of the file it points to',
    ])
    expect(readFileSync(join(dir, 'real.json'), 'utf8')).toBe(JSON.stringify({ tokens: [] }))
    expect(lstatSync(join(dir, 'tokens.json')).isSymbolicLink()).toBe(true)
    expect(readdirSync(dir).sort()).toEqual(['real.json', 'tokens.json'])
  })

  test('a lock held by a running process makes the write wait, then fail with exit 1', async () => {
    writeFileSync(join(dir, 'tokens.json.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), nonce: 'held', at: Date.now() }))
    let clock = 0
    jest.spyOn(Date, 'now').mockImplementation(() => (clock += 5_000)) // every look at the clock: 5 s later
    const result = await offline(['--name', 'a', '--permission', 'db:x:read'])
    jest.restoreAllMocks()
    expect(result.status).toBe(1)
    expect(lines(result.stderr)[0]).toMatch(/^tokengate create-token: cannot write tokens\.json: it is locked by process \d+ on .*; try again, or remove the lock file if no tokengate is running$/)
    expect(readdirSync(dir)).toEqual(['tokens.json.lock'])
  })

  test('a lock left by a process that is gone is broken, and the token is written', async () => {
    writeFileSync(join(dir, 'tokens.json.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), nonce: 'stale', at: 0 }))
    const result = await offline(['--name', 'a', '--permission', 'db:x:read'])
    expect(result.status).toBe(0)
    expect(readFile().tokens.map((t) => t.name)).toEqual(['a'])
    expect(readdirSync(dir)).toEqual(['tokens.json'])
  })
})

describe('the written file as a configuration\'s "tokens_file"', () => {
  function tokenNamed(name: string): string {
    return readFile().tokens.find((entry) => entry.name === name)?.token ?? ''
  }

  test('each token acts as its owner, restricted by its permissions', async () => {
    await offline(['--name', 'writer', '--permission', 'db:sensors:write'])
    await offline(['--name', 'reader', '--permission', 'db:sensors:read'])
    await offline(['bob', '--name', 'bobs', '--permission', 'db:sensors:write'])
    writeFileSync(
      join(dir, 'metadata.json'),
      JSON.stringify({ tokens_file: 'tokens.json', databases: { sensors: { permissions: { 'insert-row': { id: 'root' } } } } }),
    )
    const gate = createGate(join(dir, 'metadata.json'))
    const actorOf = (name: string) => gate.authenticate({ authorization: `Bearer ${tokenNamed(name)}` })
    const target = { database: 'sensors', resource: 'readings' }

    const writer = await actorOf('writer')
    expect(writer).toEqual({ id: 'root', token: 'tokens_file', token_name: 'writer', _r: { d: { sensors: ['ir', 'ur', 'dr'] } } })
    expect(gate.allowed(writer, 'insert-row', target)).toBe(true)
    expect(gate.allowed(writer, 'view-table', target)).toBe(false) // write does not imply read
    expect(gate.allowed(await actorOf('reader'), 'insert-row', target)).toBe(false) // the token forbids it
    expect(gate.allowed(await actorOf('bobs'), 'insert-row', target)).toBe(false) // its owner may not
  })

  test('an expired token is rejected with 401 "Token has expired"', async () => {
    writeFileSync(
      join(dir, 'tokens.json'),
      JSON.stringify({ tokens: [{ token: `apiv3_${'e'.repeat(43)}`, name: 'old', expiry_millis: Date.now() - 1000, permissions: ['db:a:read'] }] }),
    )
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ tokens_file: 'tokens.json' }))
    const gate = createGate(join(dir, 'metadata.json'))
    await expect(gate.authenticate({ authorization: `Bearer apiv3_${'e'.repeat(43)}` })).rejects.toMatchObject({
      status: 401,
      message: 'Token has expired',
    })
  })
})
