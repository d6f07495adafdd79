/**
 * Smoke tests of the BUILT executable (dist/lib/cli/bin.js), spawned: what bin.ts does and `main`
 * does not. Every other CLI test calls `main` in process (see run-cli.ts), so these are the only
 * ones that prove bin.ts hands `main` the process's arguments, environment, clock and working
 * directory, writes to the real streams, turns the status into the exit code, and reports a
 * rejected `main`. One per command and `--help`, one usage error, one broken stream; and what
 * needs real processes: parallel writers of one tokens file, a file size limit, a closed pipe.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { verifySignedToken } from 'tokengate'
import { BIN, lines, snapshot, spawnCli, tempDir } from './run-cli.js'

const SECRET = 'bin-smoke-secret'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
  // A relative tokens_file: found only if the configuration is read from the working directory.
  writeFileSync(
    join(dir, 'metadata.json'),
    JSON.stringify({ secret: SECRET, tokens_file: 'tokens.json', databases: { metrics: { allow: { id: 'bob' } } } }),
  )
  writeFileSync(
    join(dir, 'tokens.json'),
    JSON.stringify({ tokens: [{ token: `apiv3_${'a'.repeat(43)}`, name: 'dash', owner: 'bob', permissions: ['db:metrics:read'] }] }),
  )
})
afterEach(() => cleanup())

describe('the tokengate executable', () => {
  test('--help prints the usage on stdout and exits 0', () => {
    const result = spawnCli(['--help'])
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout.startsWith('Usage: tokengate COMMAND')).toBe(true)
  })

  test('create-token signs with the secret from the process environment, at the real time', () => {
    const before = Math.floor(Date.now() / 1000)
    const result = spawnCli(['create-token', 'root', '--all', 'view-instance', '--debug'], { env: { TOKENGATE_SECRET: SECRET } })
    const after = Math.floor(Date.now() / 1000)
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    const [token = '', , decoded, , ...json] = lines(result.stdout)
    expect(decoded).toBe('Decoded:')
    const payload = JSON.parse(json.join('\n')) as { t: number }
    expect(payload.t).toBeGreaterThanOrEqual(before)
    expect(payload.t).toBeLessThanOrEqual(after)
    expect(verifySignedToken(token, { secrets: [SECRET], now: Date.now() / 1000 })).toEqual({ id: 'root', token: 'dstok', _r: { a: ['vi'] } })
  })

  test('inspect reads a relative --config, and its relative tokens_file, from the working directory', () => {
    const result = spawnCli(['inspect', `apiv3_${'a'.repeat(43)}`, '--config', 'metadata.json'], { cwd: dir })
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    expect(lines(result.stdout)).toEqual([
      'Token:        tokens-file token "dash", verified',
      `Actor:        ${JSON.stringify({ id: 'bob', token: 'tokens_file', token_name: 'dash', _r: { d: { metrics: ['vd', 'vt', 'vq', 'es', 'vdd'] } } })}`,
      `Restrictions: ${JSON.stringify({ d: { metrics: ['vd', 'vt', 'vq', 'es', 'vdd'] } })}`,
      'Expires:      never',
      '',
      'Allowed under metadata.json:',
      '  view-database           metrics',
      '  view-database-download  metrics',
      '  execute-sql             metrics',
    ])
  })

  test('check exits 1 when the action is denied', () => {
    const result = spawnCli(['check', '--config', 'metadata.json', '--actor', '{"id":"alice"}', 'view-database', 'metrics'], { cwd: dir })
    expect(result.status).toBe(1)
    expect(result.stderr).toBe('')
    expect(lines(result.stdout)[0]).toBe('DENIED: view-database at database metrics')
  })

  test('a usage error reaches the shell: exit 2, one line on stderr, nothing on stdout, nothing written', () => {
    const before = snapshot(dir)
    const result = spawnCli(['create-token', '--offline', '--output-file', 'tokens.json', '--name', 'n', '--permission', 'db:a:read', '--bogus'], { cwd: dir })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('tokengate create-token: the 9th argument is not a known option\n')
    expect(snapshot(dir)).toEqual(before)
  })

  test('a main that rejects (here: stdout throws) is reported on stderr with exit 1', () => {
    const breakStdout = 'process.stdout.write = () => { throw new Error("stdout is broken") }'
    const result = spawnCli(['--help'], { nodeOptions: ['--import', `data:text/javascript,${encodeURIComponent(breakStdout)}`] })
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('tokengate: unexpected error: stdout is broken\n')
  })
})

/** Run the built CLI without waiting for it: its exit status and output, when it ends. */
function spawnCliAsync(args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

describe('tokens files written by real processes (security review, issue 9)', () => {
  test('20 create-token --offline runs started together keep 20 tokens', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `parallel-${i}`)
    const results = await Promise.all(
      names.map((name) => spawnCliAsync(['create-token', '--offline', '--output-file', 'parallel.json', '--name', name, '--permission', 'db:x:read'], dir)),
    )
    expect(results.map((r) => [r.status, r.stderr])).toEqual(names.map(() => [0, '']))
    const file = JSON.parse(readFileSync(join(dir, 'parallel.json'), 'utf8')) as { tokens: { name: string }[] }
    expect(file.tokens.map((t) => t.name).sort()).toEqual([...names].sort())
    expect(readdirSync(dir).sort()).toEqual(['metadata.json', 'parallel.json', 'tokens.json'])
  }, 60_000)

  test('a write cut short by the file size limit (ulimit -f) exits 1 and keeps the old file byte for byte', () => {
    // The existing file is larger than the 1 KiB limit, so its rewrite is cut short.
    const big = { tokens: Array.from({ length: 8 }, (_, i) => ({ token: `apiv3_${String(i).repeat(43)}`, name: `t${i}`, permissions: ['db:metrics:read'] })) }
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify(big, null, 2))
    const before = readFileSync(join(dir, 'tokens.json'))
    expect(before.length).toBeGreaterThan(1024)
    const command = `ulimit -f 1; exec "${process.execPath}" "${BIN}" create-token --offline --output-file tokens.json --name more --permission db:x:read`
    const result = spawnSyncShell(command, dir)
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('tokengate create-token: cannot write tokens.json: the file size limit was reached; the file was left as it was\n')
    expect(readFileSync(join(dir, 'tokens.json'))).toEqual(before)
    expect(readdirSync(dir).sort()).toEqual(['metadata.json', 'tokens.json'])
  })
})

function spawnSyncShell(command: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('/bin/sh', ['-c', command], { cwd, env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8', timeout: 15_000 })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('a closed pipe on stdout (tokengate … | head -1) (security review, issue 9)', () => {
  /** Run the built CLI with its stdout a pipe whose reading end is closed before it writes. */
  function withClosedStdout(args: readonly string[], cwd: string): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', TOKENGATE_SECRET: SECRET } })
      child.stdout.destroy() // the reader is gone: every write the CLI makes gets EPIPE
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('error', reject)
      child.on('close', (status, signal) => resolve({ status, signal, stderr }))
    })
  }

  test.each<[string, string[], number]>([
    ['--help', ['--help'], 0],
    ['check, allowed', ['check', '--config', 'metadata.json', '--actor', '{"id":"bob"}', 'view-database', 'metrics'], 0],
    ['check, denied', ['check', '--config', 'metadata.json', '--actor', '{"id":"alice"}', 'view-database', 'metrics'], 1],
    ['inspect', ['inspect', `apiv3_${'a'.repeat(43)}`, '--config', 'metadata.json'], 0],
    ['create-token', ['create-token', 'root', '--all', 'view-instance', '--debug'], 0],
    ['tokens create (a SQLite store)', ['tokens', 'create', 'alice', '--name', 'ci', '--permission', 'db:metrics:read', '--store', 'sqlite:tokens.db'], 0],
    ['tokens list (a SQLite store)', ['tokens', 'list', '--store', 'sqlite:tokens.db'], 0],
    ['tokens list --format json (a memory store)', ['tokens', 'list', '--store', 'memory:', '--format', 'json'], 0],
  ])('%s stops quietly: no stack trace, its own exit status', async (_label, args, status) => {
    const result = await withClosedStdout(args, dir)
    expect(result.stderr).toBe('')
    expect([result.status, result.signal]).toEqual([status, null])
  })

  test('near miss: a real pipe through head -1 gets the first line, and the pipeline ends cleanly', () => {
    const result = spawnSyncShell(`"${process.execPath}" "${BIN}" check --config metadata.json view-instance | head -1`, dir)
    expect(result).toEqual({ status: 0, stdout: 'ALLOWED: view-instance at instance level\n', stderr: '' })
  })
})
