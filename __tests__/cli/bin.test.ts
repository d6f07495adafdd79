/**
 * Smoke tests of the BUILT executable (dist/lib/cli/bin.js), spawned: what bin.ts does and `main`
 * does not. Every other CLI test calls `main` in process (see run-cli.ts), so these are the only
 * ones that prove bin.ts hands `main` the process's arguments, environment, clock and working
 * directory, writes to the real streams, turns the status into the exit code, and reports a
 * rejected `main`. One per command and `--help`, one usage error, one broken stream.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { verifySignedToken } from 'tokengate'
import { lines, snapshot, spawnCli, tempDir } from './run-cli.js'

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
    expect(result.stderr).toBe('tokengate create-token: unknown option --bogus\n')
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
