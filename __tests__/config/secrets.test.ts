import { join, relative } from 'node:path'
import { createGate, resolveSecrets, verifySignedToken } from 'tokengate'
import { formatPath } from '../../lib/internal/json-path.js'
import { resolveSecretsDetailed } from '../../lib/config/secrets.js'
import { configError } from '../helpers/thrown.js'

const FIXTURES = join(__dirname, '..', 'fixtures', 'config')
const SECRETS = join(FIXTURES, 'secrets')


describe('resolveSecrets: what is a reference', () => {
  const env = { BOT_TOKEN: 'env-secret' }

  test.each([
    // the only key is $env (a string): resolved; near misses are left alone
    [{ $env: 'BOT_TOKEN' }, 'env-secret'],
    [{ $ENV: 'BOT_TOKEN' }, { $ENV: 'BOT_TOKEN' }],
    [{ env: 'BOT_TOKEN' }, { env: 'BOT_TOKEN' }],
    [{ $env: 'BOT_TOKEN', note: 'x' }, { $env: 'BOT_TOKEN', note: 'x' }],
    [{ $env: 42 }, { $env: 42 }],
    [{ $env: ['BOT_TOKEN'] }, { $env: ['BOT_TOKEN'] }],
    // the same for $file
    [{ $file: 'bot-token.txt' }, 'file-token-value\n'],
    [{ $FILE: 'bot-token.txt' }, { $FILE: 'bot-token.txt' }],
    [{ $file: 'bot-token.txt', $env: 'BOT_TOKEN' }, { $file: 'bot-token.txt', $env: 'BOT_TOKEN' }],
    [{ $file: null }, { $file: null }],
    // an object left alone is still searched inside
    [
      { $env: 'BOT_TOKEN', inner: { $env: 'BOT_TOKEN' } },
      { $env: 'BOT_TOKEN', inner: 'env-secret' },
    ],
    [{ $env: { $env: 'BOT_TOKEN' } }, { $env: 'env-secret' }],
    // references inside lists, at any depth; other values are copied as they are
    [[{ $env: 'BOT_TOKEN' }, 'plain', 1, null, true], ['env-secret', 'plain', 1, null, true]],
    [{ a: [{ b: [{ $file: 'bot-token.txt' }] }] }, { a: [{ b: ['file-token-value\n'] }] }],
    ['plain string', 'plain string'],
    [null, null],
  ])('%j → %j', (input, expected) => {
    expect(resolveSecrets(input, { env, baseDir: SECRETS })).toEqual(expected)
  })
})

describe('resolveSecrets: values', () => {
  // a file is read verbatim: newlines (LF or CRLF) are kept
  test.each([
    ['bot-token.txt', 'file-token-value\n'],
    ['crlf-token.txt', 'crlf-token-value\r\n'],
    ['two-newlines-token.txt', 'two-newlines-token\n\n'],
  ])('$file %s is returned verbatim', (file, contents) => {
    expect(resolveSecrets({ token: { $file: file } }, { baseDir: SECRETS })).toEqual({ token: contents })
  })

  test('a variable is returned verbatim, empty or with a newline', () => {
    expect(resolveSecrets([{ $env: 'A' }, { $env: 'B' }], { env: { A: '', B: 'x\n' } })).toEqual(['', 'x\n'])
  })

  test('an absolute $file path ignores baseDir', () => {
    const absolute = join(SECRETS, 'bot-token.txt')
    expect(resolveSecrets({ $file: absolute }, { baseDir: '/nonexistent' })).toBe('file-token-value\n')
  })

  test('a relative $file path resolves against process.cwd() by default', () => {
    const fromCwd = relative(process.cwd(), join(SECRETS, 'bot-token.txt'))
    expect(resolveSecrets({ $file: fromCwd })).toBe('file-token-value\n')
    // near miss: the same relative path against another directory is not found
    configError(() => resolveSecrets({ $file: fromCwd }, { baseDir: SECRETS }))
  })

  test('env defaults to process.env', () => {
    const name = 'TOKENGATE_SECRETS_TEST_VARIABLE'
    process.env[name] = 'from-process-env'
    try {
      expect(resolveSecrets({ $env: name })).toBe('from-process-env')
    } finally {
      delete process.env[name]
    }
    configError(() => resolveSecrets({ $env: name }))
  })

  test('the input is not mutated and the result shares no objects with it', () => {
    const input = { plugins: { p: [{ token: { $env: 'BOT_TOKEN' }, actor: { id: 'bot' } }] }, other: { a: [1] } }
    const before = structuredClone(input)
    const out = resolveSecrets(input, { env: { BOT_TOKEN: 'x' } }) as typeof input
    expect(input).toEqual(before)
    expect(out.other).not.toBe(input.other)
    expect(out.other.a).not.toBe(input.other.a)
    expect(out.plugins.p[0]?.actor).not.toBe(input.plugins.p[0]?.actor)
  })

  test('a "__proto__" key stays an ordinary key', () => {
    const input = JSON.parse('{"__proto__": {"$env": "BOT_TOKEN"}}') as unknown
    const out = resolveSecrets(input, { env: { BOT_TOKEN: 'x' } }) as object
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('x')
  })
})

describe('an unset variable: the message names where it was looked up', () => {
  // A variable of this process's environment, set only for these tests.
  const EXPORTED = 'TOKENGATE_TEST_EXPORTED_SECRET'
  beforeAll(() => {
    process.env[EXPORTED] = 'exported-in-the-shell'
  })
  afterAll(() => {
    delete process.env[EXPORTED]
  })

  test('with the env option, a variable exported in the process is still unset: the option replaces process.env', () => {
    const error = configError(() => resolveSecrets({ secret: { $env: EXPORTED }, bot: { $env: 'BOT_TOKEN' } }, { env: { BOT_TOKEN: 'bot' } }))
    expect(error.problems).toEqual([
      {
        path: 'secret',
        message: `environment variable ${EXPORTED} is not set in the env option, which replaces process.env (it is not merged with it); add ${EXPORTED} to the env option or remove the reference`,
      },
    ])
  })

  test('near miss: without the env option the same reference resolves from process.env', () => {
    expect(resolveSecrets({ secret: { $env: EXPORTED } })).toEqual({ secret: 'exported-in-the-shell' })
  })

  test('without the env option, or with process.env itself, an unset variable is "not set in the environment"', () => {
    for (const options of [{}, { env: process.env }]) {
      expect(configError(() => resolveSecrets({ $env: 'TOKENGATE_TEST_NEVER_SET' }, options)).problems).toEqual([
        { path: '(root)', message: 'environment variable TOKENGATE_TEST_NEVER_SET is not set in the environment; set it or remove the reference' },
      ])
    }
  })

  test('createGate says the same through its env option', () => {
    expect(() => createGate({ secret: { $env: EXPORTED } }, { env: { BOT_TOKEN: 'bot' } })).toThrow(
      `secret: environment variable ${EXPORTED} is not set in the env option`,
    )
    // gate.config shows the secret redacted (issue 9); the gate signs with the resolved value.
    const gate = createGate({ secret: { $env: EXPORTED } }, { env: { ...process.env, BOT_TOKEN: 'bot' } })
    expect(gate.config.secret).toBe('[redacted]')
    const token = gate.createSignedToken({ actorId: 'alice' })
    expect(verifySignedToken(token, { secrets: 'exported-in-the-shell', now: Date.now() / 1000 })).toEqual({ id: 'alice', token: 'dstok' })
  })
})

describe('resolveSecrets: problems', () => {
  test('an unset variable names the variable, the path and the fix', () => {
    const error = configError(() =>
      resolveSecrets(
        { plugins: { 'datasette-auth-tokens': [{ token: { $env: 'BOT_TOKEN' }, actor: { bot_id: 'my-bot' } }] } },
        { env: {} },
      ),
    )
    expect(error.path).toBe('plugins.datasette-auth-tokens[0].token')
    expect(error.message).toBe(
      'Invalid tokengate configuration: plugins.datasette-auth-tokens[0].token: environment variable BOT_TOKEN is not set in the env option, which replaces process.env (it is not merged with it); add BOT_TOKEN to the env option or remove the reference',
    )
  })

  test('inherited members of the env object do not count as set', () => {
    const error = configError(() => resolveSecrets({ $env: 'toString' }, { env: {} }))
    expect(error.problems).toEqual([
      { path: '(root)', message: 'environment variable toString is not set in the env option, which replaces process.env (it is not merged with it); add toString to the env option or remove the reference' },
    ])
  })

  test('every problem is listed, and no resolved value appears in the message', () => {
    const error = configError(() =>
      resolveSecrets(
        { ok: { $env: 'SET' }, a: { $env: 'MISSING_A' }, list: [{ $file: 'missing.txt' }], 'my.db': { $env: 'MISSING_B' } },
        { env: { SET: 'super-secret-value' }, baseDir: SECRETS },
      ),
    )
    expect(error.problems).toEqual([
      { path: 'a', message: 'environment variable MISSING_A is not set in the env option, which replaces process.env (it is not merged with it); add MISSING_A to the env option or remove the reference' },
      {
        path: 'list[0]',
        message: `file "missing.txt" does not exist (looked for ${join(SECRETS, 'missing.txt')}); create it or fix the path`,
      },
      { path: '["my.db"]', message: 'environment variable MISSING_B is not set in the env option, which replaces process.env (it is not merged with it); add MISSING_B to the env option or remove the reference' },
    ])
    expect(error.path).toBe('a')
    expect(error.message).not.toContain('super-secret-value')
  })

  test('the path option prefixes every path', () => {
    const error = configError(() =>
      resolveSecrets([{ token: { $env: 'NOPE' } }], { env: {}, path: 'plugins.datasette-auth-tokens' }),
    )
    expect(error.path).toBe('plugins.datasette-auth-tokens[0].token')
  })

  test.each([
    [{ $file: 'missing.txt' }, `file "missing.txt" does not exist (looked for ${join(SECRETS, 'missing.txt')}); create it or fix the path`],
    [{ $file: join(SECRETS, 'missing.txt') }, `file ${JSON.stringify(join(SECRETS, 'missing.txt'))} does not exist; create it or fix the path`],
    [{ $file: 'bot-token.txt/x' }, `file "bot-token.txt/x" does not exist (looked for ${join(SECRETS, 'bot-token.txt/x')}); create it or fix the path`],
    [{ $file: '..' }, `".." is a directory (looked for ${FIXTURES}); point "$file" at a file`],
    [{ $file: '' }, '"$file" must name a file; got an empty string'],
    [{ $env: '' }, '"$env" must name an environment variable; got an empty string'],
  ])('%j is a problem: %s', (reference, message) => {
    const error = configError(() => resolveSecrets({ secret: reference }, { env: {}, baseDir: SECRETS }))
    expect(error.problems).toEqual([{ path: 'secret', message }])
  })
})

describe('resolveSecretsDetailed: origins (internal)', () => {
  test('records where each resolved value came from, by path', () => {
    const result = resolveSecretsDetailed(
      { tokens: [{ token: { $file: 'bot-token.txt' } }, { token: { $env: 'T' } }, { token: 'inline' }] },
      { env: { T: 'x' }, baseDir: SECRETS },
    )
    expect(result.problems).toEqual([])
    expect([...result.origins]).toEqual([
      ['tokens[0].token', { kind: 'file', file: 'bot-token.txt' }],
      ['tokens[1].token', { kind: 'env', name: 'T' }],
    ])
  })
})

describe('formatPath (internal)', () => {
  test.each([
    [[], '(root)'],
    [['databases', 'docs', 'allow'], 'databases.docs.allow'],
    [['plugins', 'datasette-auth-tokens', 0, 'token'], 'plugins.datasette-auth-tokens[0].token'],
    [['databases', ':memory:', 'queries'], 'databases.:memory:.queries'],
    // keys with dots, spaces, brackets or quotes, and empty keys, are bracketed
    [['databases', 'my.db', 'allow'], 'databases["my.db"].allow'],
    [['databases', 'my db'], 'databases["my db"]'],
    [['databases', 'a[0]'], 'databases["a[0]"]'],
    [['databases', 'say "hi"'], 'databases["say \\"hi\\""]'],
    [['databases', ''], 'databases[""]'],
    [['my.db'], '["my.db"]'],
    [[0, 'a'], '[0].a'],
  ])('%j → %s', (segments, expected) => {
    expect(formatPath(segments)).toBe(expected)
  })
})
