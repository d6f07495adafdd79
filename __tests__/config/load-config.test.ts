import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGate, defineAction, loadConfig, resolveSecrets } from 'tokengate'
import { configError } from '../helpers/thrown.js'

const FIXTURES = join(__dirname, '..', 'fixtures', 'config')
const fixture = (name: string): string => join(FIXTURES, name)


const ALLOW_EXPECTED = 'must be true, false, null or an object such as {"id": "root"}'
const publishPost = defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })

describe('loadConfig: a bad configuration is one ConfigError with the exact path and message', () => {
  test.each<[string, object, { env?: Record<string, string>; actions?: ReturnType<typeof defineAction>[] }, string, string]>([
    // allow blocks: a bad value deep inside, strings, numbers other than 1/0, lists
    [
      'a string allow block at a deep path',
      { databases: { docs: { tables: { documents: { allow: 'root' } } } } },
      {},
      'databases.docs.tables.documents.allow',
      `${ALLOW_EXPECTED}; got the string "root"`,
    ],
    ['allow 2', { allow: 2 }, {}, 'allow', `${ALLOW_EXPECTED}; got the number 2 (the only numbers accepted are 1 and 0, meaning true and false)`],
    ['allow -1', { allow: -1 }, {}, 'allow', `${ALLOW_EXPECTED}; got the number -1 (the only numbers accepted are 1 and 0, meaning true and false)`],
    ['allow []', { databases: { docs: { allow: [] } } }, {}, 'databases.docs.allow', `${ALLOW_EXPECTED}; got an empty list`],
    ['allow [{id}]', { allow: [{ id: 'root' }] }, {}, 'allow', `${ALLOW_EXPECTED}; got a list`],
    ['a string allow_sql', { allow_sql: 'root' }, {}, 'allow_sql', `${ALLOW_EXPECTED}; got the string "root"`],
    ['a string database allow_sql', { databases: { docs: { allow_sql: 'true' } } }, {}, 'databases.docs.allow_sql', `${ALLOW_EXPECTED}; got the string "true"`],
    [
      'a string permissions block',
      { databases: { docs: { queries: { q: { permissions: { 'view-query': 'root' } } } } } },
      {},
      'databases.docs.queries.q.permissions.view-query',
      `${ALLOW_EXPECTED}; got the string "root"`,
    ],
    [
      'an object inside an allow block can never match',
      { allow: { id: { name: 'root' } } },
      {},
      'allow.id',
      'must be a string, number, true, false, null or a list of those; got an object, which can never match an actor',
    ],
    [
      'a list inside an allow list can never match',
      { allow: { id: ['a', ['b']] } },
      {},
      'allow.id[1]',
      'must be a string, number, true, false or null; got a list, which can never match an actor',
    ],
    [
      'a key with a dot is bracketed in the path',
      { databases: { 'my.db': { allow: 'x' } } },
      {},
      'databases["my.db"].allow',
      `${ALLOW_EXPECTED}; got the string "x"`,
    ],
    // databases, tables, queries
    ['databases is a list', { databases: [] }, {}, 'databases', 'must be an object; got an empty list'],
    ['a database is a string', { databases: { docs: 'docs.db' } }, {}, 'databases.docs', 'must be an object; got the string "docs.db"'],
    ['tables is a list', { databases: { docs: { tables: ['t'] } } }, {}, 'databases.docs.tables', 'must be an object; got a list'],
    [
      'a query is a number',
      { databases: { docs: { queries: { q: 5 } } } },
      {},
      'databases.docs.queries.q',
      'must be a SQL string or an object with "sql", "allow" and "permissions"; got the number 5',
    ],
    ['query sql is a number', { databases: { docs: { queries: { q: { sql: 1 } } } } }, {}, 'databases.docs.queries.q.sql', 'must be a string; got the number 1'],
    // settings
    ['default_deny "yes"', { settings: { default_deny: 'yes' } }, {}, 'settings.default_deny', 'must be true or false; got the string "yes"'],
    ['default_allow_sql 0', { settings: { default_allow_sql: 0 } }, {}, 'settings.default_allow_sql', 'must be true or false; got the number 0'],
    ['allow_signed_tokens null', { settings: { allow_signed_tokens: null } }, {}, 'settings.allow_signed_tokens', 'must be true or false; got null'],
    ['a fractional max TTL', { settings: { max_signed_tokens_ttl: 1.5 } }, {}, 'settings.max_signed_tokens_ttl', 'must be an integer; got the number 1.5'],
    ['a string max TTL', { settings: { max_signed_tokens_ttl: '3600' } }, {}, 'settings.max_signed_tokens_ttl', 'must be an integer; got the string "3600"'],
    ['a negative max TTL', { settings: { max_signed_tokens_ttl: -1 } }, {}, 'settings.max_signed_tokens_ttl', 'must be at least 0; got the number -1'],
    // actions: shape
    ['an action without scope', { actions: { publish: {} } }, {}, 'actions.publish.scope', 'is required: one of "instance", "database" or "resource"'],
    [
      'an action with a bad scope',
      { actions: { publish: { scope: 'table' } } },
      {},
      'actions.publish.scope',
      'must be one of "instance", "database" or "resource"; got the string "table"',
    ],
    [
      'an action with an unknown key',
      { actions: { publish: { scope: 'resource', abrv: 'pp' } } },
      {},
      'actions.publish.abrv',
      'unknown key "abrv" (did you mean "abbr"?); allowed keys are "abbr", "scope", "default", "also_requires", "description"',
    ],
    ['an empty abbreviation', { actions: { publish: { scope: 'resource', abbr: '' } } }, {}, 'actions.publish.abbr', 'must not be an empty string'],
    ['a string default', { actions: { publish: { scope: 'resource', default: 'allow' } } }, {}, 'actions.publish.default', 'must be true or false; got the string "allow"'],
    // actions: the registry
    [
      'an abbreviation taken by a built-in',
      { actions: { publish: { scope: 'resource', abbr: 'vt' } } },
      {},
      'actions.publish',
      'abbreviation "vt" is already the abbreviation of the built-in action "view-table"; choose another abbreviation',
    ],
    [
      'an abbreviation taken by another configured action',
      { actions: { publish: { scope: 'resource', abbr: 'pp' }, preview: { scope: 'resource', abbr: 'pp' } } },
      {},
      'actions.preview',
      'abbreviation "pp" is already the abbreviation of the action "publish" declared in "actions"; choose another abbreviation',
    ],
    [
      'an abbreviation taken by an action of the option',
      { actions: { preview: { scope: 'resource', abbr: 'pp' } } },
      { actions: [publishPost] },
      'actions.preview',
      'abbreviation "pp" is already the abbreviation of the action "publish-post" passed in the "actions" option; choose another abbreviation',
    ],
    [
      'a name that is a built-in',
      { actions: { 'view-table': { scope: 'resource' } } },
      {},
      'actions.view-table',
      'name "view-table" is already the name of the built-in action "view-table"; choose another name',
    ],
    [
      'a name that is a built-in abbreviation',
      { actions: { vt: { scope: 'resource' } } },
      {},
      'actions.vt',
      'name "vt" is already the abbreviation of the built-in action "view-table"; choose another name',
    ],
    [
      'an invalid action name',
      { actions: { 'Publish Post': { scope: 'resource' } } },
      {},
      'actions["Publish Post"]',
      '"Publish Post" is not a valid action name; use letters, digits, "-" and "_", starting with a letter or digit, such as "publish-post"',
    ],
    [
      'an invalid abbreviation',
      { actions: { publish: { scope: 'resource', abbr: '-p' } } },
      {},
      'actions.publish',
      'abbreviation "-p" is not valid; use letters, digits, "-" and "_", starting with a letter or digit, such as "pp"',
    ],
    [
      'also_requires names nothing',
      { actions: { publish: { scope: 'resource', also_requires: 'reveiw' }, review: { scope: 'resource' } } },
      {},
      'actions.publish',
      'also_requires names an unknown action "reveiw"; did you mean "review"?',
    ],
    [
      'also_requires names an abbreviation',
      { actions: { publish: { scope: 'resource', also_requires: 'vt' } } },
      {},
      'actions.publish',
      'also_requires names an unknown action "vt"; it is an abbreviation: use the full name "view-table"',
    ],
    [
      'also_requires makes a cycle',
      { actions: { a: { scope: 'resource', also_requires: 'b' }, b: { scope: 'resource', also_requires: 'a' } } },
      {},
      'actions.a',
      'also_requires makes a cycle (a → b → a); remove one of the links',
    ],
    // permissions keys must be registered full action names
    [
      'an unknown action in a table permissions block',
      { databases: { docs: { tables: { documents: { permissions: { 'insert-rows': { id: 'root' } } } } } } },
      {},
      'databases.docs.tables.documents.permissions.insert-rows',
      'unknown action "insert-rows"; did you mean "insert-row"?',
    ],
    [
      'an abbreviation in a permissions block',
      { permissions: { ir: true } },
      {},
      'permissions.ir',
      'unknown action "ir"; it is an abbreviation: use the full name "insert-row"',
    ],
    [
      'an unknown action with no close name',
      { databases: { docs: { permissions: { 'launch-the-rockets': true } } } },
      {},
      'databases.docs.permissions.launch-the-rockets',
      'unknown action "launch-the-rockets"; declare it in "actions" or pass it in the "actions" option',
    ],
    [
      'an option action used by its abbreviation',
      { databases: { docs: { queries: { q: { sql: 'select 1', permissions: { pp: true } } } } } },
      { actions: [publishPost] },
      'databases.docs.queries.q.permissions.pp',
      'unknown action "pp"; it is an abbreviation: use the full name "publish-post"',
    ],
    // secrets
    [
      'an unset $env',
      { tokens: [{ token: { $env: 'BOT_TOKEN' }, actor: { id: 'bot' } }] },
      { env: {} },
      'tokens[0].token',
      'environment variable BOT_TOKEN is not set in the env option, which replaces process.env (it is not merged with it); add BOT_TOKEN to the env option or remove the reference',
    ],
    ['an empty secret', { secret: '' }, {}, 'secret', 'must not be an empty string'],
    ['an empty secret list', { secret: [] }, {}, 'secret', 'must not be an empty list'],
    ['an empty string in a secret list', { secret: ['a', ''] }, {}, 'secret[1]', 'must not be an empty string'],
    ['a numeric secret is not quoted', { secret: 12345 }, {}, 'secret', 'must be a string or a list; got a number'],
    // static tokens
    ['a token without actor', { tokens: [{ token: 't' }] }, {}, 'tokens[0].actor', 'is required: the actor this token stands for, such as {"id": "bot"}'],
    ['a token without token', { tokens: [{ actor: { id: 'bot' } }] }, {}, 'tokens[0].token', 'is required: the secret token string'],
    ['an empty token', { tokens: [{ token: '', actor: { id: 'bot' } }] }, {}, 'tokens[0].token', 'must not be an empty string'],
    ['a numeric token is not quoted', { tokens: [{ token: 12345, actor: { id: 'bot' } }] }, {}, 'tokens[0].token', 'must be a string; got a number'],
    ['a string actor', { tokens: [{ token: 't', actor: 'bot' }] }, {}, 'tokens[0].actor', 'must be an object; got the string "bot"'],
    [
      'a token entry with an unknown key',
      { tokens: [{ token: 't', actor: { id: 'bot' }, actr: {} }] },
      {},
      'tokens[0]',
      'has an unknown key, not named here because a token may have been written as a key (did you mean "actor"?); allowed keys are "token", "actor"',
    ],
    [
      'a token entry that is a string',
      { plugins: { 'datasette-auth-tokens': ['secret-token'] } },
      {},
      'plugins.datasette-auth-tokens[0]',
      'must be an object with "token" and "actor", such as {"token": {"$env": "BOT_TOKEN"}, "actor": {"id": "bot"}}; got a string',
    ],
    ['tokens is an object', { tokens: { token: 't' } }, {}, 'tokens', 'must be a list; got an object'],
    ['datasette-auth-tokens is a string', { plugins: { 'datasette-auth-tokens': 'x' } }, {}, 'plugins.datasette-auth-tokens', 'must be a list or an object; got a string'],
    ['an empty param', { plugins: { 'datasette-auth-tokens': { param: '' } } }, {}, 'plugins.datasette-auth-tokens.param', 'must not be an empty string'],
    ['an empty tokens_file', { tokens_file: '' }, {}, 'tokens_file', 'must not be an empty string'],
    // jwt
    [
      'jwt without algorithms',
      { jwt: { secret: 'x' } },
      {},
      'jwt.algorithms',
      'is required: list the algorithms to accept, such as ["HS256"]; they are never taken from the token',
    ],
    ['jwt with no algorithms', { jwt: { algorithms: [], secret: 'x' } }, {}, 'jwt.algorithms', 'must not be an empty list'],
    [
      'jwt with algorithm none',
      { jwt: { algorithms: ['none'], secret: 'x' } },
      {},
      'jwt.algorithms[0]',
      'must be one of "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" or "EdDSA"; got the string "none"',
    ],
    [
      'jwt with an unknown key',
      { jwt: { algorithms: ['HS256'], secret: 'x', leeway: 5 } },
      {},
      'jwt.leeway',
      'unknown key "leeway"; allowed keys are "algorithms", "secret", "public_key", "issuer", "audience", "actor_claim", "actor_id_key", "clock_tolerance", "jwks_uri", "jwks_requests_per_minute", "jwks_cache_max_age", "jwks_timeout", "scope_claim", "scope_map"',
    ],
    [
      'jwt with EdDSA, which jsonwebtoken cannot verify',
      { jwt: { algorithms: ['ES256', 'EdDSA'], public_key: 'x' } },
      {},
      'jwt.algorithms[1]',
      'EdDSA is not supported (jsonwebtoken 9 cannot verify it); use ES256, RS256 or PS256',
    ],
    ['jwt with a negative tolerance', { jwt: { algorithms: ['HS256'], secret: 'x', clock_tolerance: -5 } }, {}, 'jwt.clock_tolerance', 'must be at least 0; got the number -5'],
    // JWT keys: the same rules as the jwt option (lib/tokens/jwt-keys.ts), so the messages are
    // that check's, at the configuration's paths. (Changed when the two checks became one: the
    // configuration used to refuse HS* and RS* together, which the option accepted with one key
    // per family; both now accept it.)
    ['jwt without a key', { jwt: { algorithms: ['HS256'] } }, {}, 'jwt.secret', 'is required for HS256: pass the HMAC secret'],
    [
      'jwt mixing algorithm families with one key',
      { jwt: { algorithms: ['HS256', 'RS256'], secret: 'x' } },
      {},
      'jwt.public_key',
      "is required for RS256: pass the PEM public key, or the key set's URL as jwt.jwks_uri",
    ],
    [
      'jwt RS256 with a secret',
      { jwt: { algorithms: ['RS256'], secret: 'x' } },
      {},
      'jwt.secret',
      'is set but no HS* algorithm is accepted: an HMAC secret cannot verify RS*, PS* or ES* tokens; remove it, or add HS256 to jwt.algorithms',
    ],
    [
      'jwt HS256 with a public key',
      { jwt: { algorithms: ['HS512'], public_key: 'x' } },
      {},
      'jwt.public_key',
      'is set but only HS* algorithms are accepted: a public key cannot verify HS* tokens; remove it, or add RS256 (or another algorithm for the key) to jwt.algorithms',
    ],
    [
      'jwt with a public key that is not a key',
      { jwt: { algorithms: ['ES256'], public_key: 'not a key' } },
      {},
      'jwt.public_key',
      'is not a valid PEM public key (such as "-----BEGIN PUBLIC KEY-----\\n…"); check the key or the file it is read from',
    ],
    // the root
    ['the configuration is a list', [], {}, '(root)', 'must be an object; got an empty list'],
  ])('%s', (_name, config, options, path, message) => {
    const error = configError(() => loadConfig(config, options))
    expect(error.problems).toEqual([{ path, message }])
    expect(error.path).toBe(path)
    expect(error.message).toBe(`Invalid tokengate configuration: ${path}: ${message}`)
  })
})

describe('loadConfig: every problem is reported at once', () => {
  test('shape problems first (in document order), then action names', () => {
    const error = configError(() =>
      loadConfig({
        allow: 'root',
        permissions: { 'view-tables': true },
        databases: { docs: { allow: 2, tables: { t: { permissions: { 'drop-tabel': false } } } } },
        settings: { default_deny: 'no' },
        jwt: { secret: 'x' },
      }),
    )
    expect(error.problems).toEqual([
      { path: 'allow', message: `${ALLOW_EXPECTED}; got the string "root"` },
      {
        path: 'databases.docs.allow',
        message: `${ALLOW_EXPECTED}; got the number 2 (the only numbers accepted are 1 and 0, meaning true and false)`,
      },
      { path: 'settings.default_deny', message: 'must be true or false; got the string "no"' },
      {
        path: 'jwt.algorithms',
        message: 'is required: list the algorithms to accept, such as ["HS256"]; they are never taken from the token',
      },
      { path: 'permissions.view-tables', message: 'unknown action "view-tables"; did you mean "view-table"?' },
      { path: 'databases.docs.tables.t.permissions.drop-tabel', message: 'unknown action "drop-tabel"; did you mean "drop-table"?' },
    ])
    expect(error.path).toBe('allow')
    expect(error.message).toBe(
      'Invalid tokengate configuration: ' +
        error.problems.map((p) => `\n  - ${p.path}: ${p.message}`).join(''),
    )
  })

  test('every unset variable is reported, and nothing else is checked before secrets resolve', () => {
    const error = configError(() =>
      loadConfig({ allow: 'root', secret: { $env: 'SECRET_A' }, tokens: [{ token: { $env: 'TOKEN_B' }, actor: {} }] }, { env: {} }),
    )
    expect(error.problems.map((p) => p.path)).toEqual(['secret', 'tokens[0].token'])
  })
})

describe('loadConfig: messages never contain a secret', () => {
  test('a value resolved from $env is described by where it came from, not quoted', () => {
    const error = configError(() =>
      loadConfig({ allow: { $env: 'SIGNING' }, jwt: { algorithms: { $env: 'SIGNING' } } }, { env: { SIGNING: 'hunter2' } }),
    )
    expect(error.problems).toEqual([
      { path: 'allow', message: `${ALLOW_EXPECTED}; got a string (from the environment variable SIGNING)` },
      { path: 'jwt.algorithms', message: 'must be a list; got a string (from the environment variable SIGNING)' },
    ])
    expect(error.message).not.toContain('hunter2')
  })

  test('a value resolved from $file is described by the file, not quoted', () => {
    const error = configError(() => loadConfig({ allow: { $file: 'secrets/bot-token.txt' } }, { baseDir: FIXTURES }))
    expect(error.problems).toEqual([
      { path: 'allow', message: `${ALLOW_EXPECTED}; got a string (from the file "secrets/bot-token.txt")` },
    ])
    expect(error.message).not.toContain('file-token-value')
  })

  test('a bad JSON file is located without quoting it', () => {
    const file = fixture('bad-token-in-json.json')
    const error = configError(() => loadConfig(file))
    expect(error.problems).toEqual([
      { path: '(root)', message: 'not valid JSON: expected "," or "}" after a value in an object at line 2, column 31 (character 33)' },
    ])
    expect(error.message).not.toContain('do-not-print-me')
    expect(error.cause).toBeUndefined()
  })
})

describe('loadConfig: a secret is known by its position, never by a key name (security review, issue 9)', () => {
  const SECRET = 'Zq8-secret-Mk41wP'
  // Every position that holds or may hold a secret, each written wrongly so that it is reported.
  test.each<[string, object]>([
    ['a token where an entry belongs, in tokens', { tokens: [SECRET] }],
    ['a token as the whole tokens list', { tokens: SECRET }],
    ['a token where an entry belongs, in datasette-auth-tokens 0.1', { plugins: { 'datasette-auth-tokens': [SECRET] } }],
    ['a token where an entry belongs, in datasette-auth-tokens\' object form', { plugins: { 'datasette-auth-tokens': { tokens: [SECRET] } } }],
    ['a token as the whole plugin block', { plugins: { 'datasette-auth-tokens': SECRET } }],
    ['a token written as the key of an entry', { tokens: [{ [SECRET]: { id: 'bot' } }] }],
    ['a token under a misspelt key', { tokens: [{ tokn: SECRET, actor: { id: 'bot' } }] }],
    ['a token beside a bad actor', { tokens: [{ token: SECRET, actor: 'bot' }] }],
    ['a secret in an object', { secret: { value: SECRET } }],
    ['a secret where the jwt block belongs', { jwt: SECRET }],
    ['a JWT secret that is a PEM-less string for RS256', { jwt: { algorithms: ['RS256'], secret: SECRET } }],
    ['a JWT secret under a misspelt key', { jwt: { algorithms: ['HS256'], secret: 'x', secert: SECRET } }],
  ])('%s: reported without the secret', (_label, config) => {
    const error = configError(() => loadConfig(config))
    expect(error.message).not.toContain(SECRET)
    expect(error.message).not.toContain(SECRET.slice(0, 8))
    expect(JSON.stringify(error.problems)).not.toContain(SECRET.slice(0, 8))
  })

  test('near miss: a key named "token" or "secret" elsewhere is no secret position, so its value is quoted', () => {
    const error = configError(() => loadConfig({ databases: { token: { allow: 'public-value' } }, settings: { secret: 1 }, allow: { secret: ['x', { a: 1 }] } }))
    expect(error.problems).toEqual([
      { path: 'allow.secret[1]', message: 'must be a string, number, true, false or null; got an object, which can never match an actor' },
      { path: 'databases.token.allow', message: `${ALLOW_EXPECTED}; got the string "public-value"` },
    ])
  })
})

describe('loadConfig: files', () => {
  test('bad JSON names the file and the position', () => {
    const file = fixture('trailing-comma.json')
    const error = configError(() => loadConfig(file))
    expect(error.path).toBe('(root)')
    expect(error.message).toBe(
      `Invalid tokengate configuration in ${file}: (root): not valid JSON: expected a key in double quotes (JSON allows no trailing comma) at line 4, column 3 (character 53)`,
    )
  })

  test.each([
    ['missing.json', (f: string) => `the configuration file does not exist (looked for ${f}); check the path`],
    ['empty.json', () => 'the configuration file is empty; write a JSON object such as {}'],
    ['secrets', (f: string) => `${f} is a directory; pass the path of the JSON configuration file`],
  ])('%s', (name, message) => {
    const file = fixture(name)
    const error = configError(() => loadConfig(file))
    expect(error.message).toBe(`Invalid tokengate configuration in ${file}: (root): ${message(file)}`)
  })

  test('a $file problem names the configuration file and resolves against its directory', () => {
    const file = fixture('missing-file-ref.json')
    const error = configError(() => loadConfig(file))
    expect(error.message).toBe(
      `Invalid tokengate configuration in ${file}: tokens[0].token: file "secrets/nope.txt" does not exist (looked for ${join(FIXTURES, 'secrets', 'nope.txt')}); create it or fix the path`,
    )
  })

  test('a schema problem in a file names the file', () => {
    const error = configError(() => loadConfig(fixture('datasette-auth-tokens.json'), { env: { BOT_TOKEN: '' } }))
    expect(error.message).toBe(
      `Invalid tokengate configuration in ${fixture('datasette-auth-tokens.json')}: plugins.datasette-auth-tokens[0].token: must not be an empty string`,
    )
  })
})

describe('loadConfig: good configurations', () => {
  test('the datasette-auth-tokens seed metadata loads unchanged with $env', () => {
    const file = fixture('datasette-auth-tokens.json')
    const config = loadConfig(file, { env: { BOT_TOKEN: 'this-is-the-secret-token' } })
    const expected = JSON.parse(readFileSync(file, 'utf8')) as { plugins: { 'datasette-auth-tokens': { token: unknown }[] } }
    const [entry] = expected.plugins['datasette-auth-tokens']
    if (entry !== undefined) entry.token = 'this-is-the-secret-token'
    expect(config).toEqual(expected)
  })

  test('Datasette metadata keys tokengate does not know are kept as they are', () => {
    const metadata = {
      title: 'Docs',
      license: 'CC BY 4.0',
      license_url: 'https://creativecommons.org/licenses/by/4.0/',
      source: 'Somewhere',
      extra_css_urls: ['/static/x.css'],
      settings: { default_page_size: 50, sql_time_limit_ms: 3500, default_deny: false },
      plugins: { 'datasette-cluster-map': { latitude_column: 'lat' }, 'datasette-auth-tokens': { param: '_auth_token', manage_tokens: true } },
      databases: {
        docs: {
          title: 'Documents',
          tables: { documents: { sort_desc: 'created', facets: ['tag'], label_column: 'title', units: { size: 'm' } } },
          queries: { latest: 'select * from documents limit 10', by_tag: { sql: 'select 1', title: 'By tag', write: false, params: ['tag'] } },
        },
      },
    }
    expect(loadConfig(metadata)).toEqual(metadata)
  })

  test('a static token from $file loses exactly one trailing newline; resolveSecrets keeps it', () => {
    const file = fixture('file-tokens.json')
    const config = loadConfig(file, { env: { ENV_TOKEN: 'env-token\n' } })
    expect(config.tokens).toEqual([
      { token: 'file-token-value', actor: { id: 'bot' } },
      { token: 'crlf-token-value', actor: { id: 'crlf' } },
      { token: 'two-newlines-token\n', actor: { id: 'two' } },
      // near miss: a token from $env keeps its newline
      { token: 'env-token\n', actor: { id: 'env' } },
    ])
    expect(config.plugins?.['datasette-auth-tokens']).toEqual({
      param: '_auth_token',
      tokens: [{ token: 'file-token-value', actor: { bot_id: 'plugin-bot' } }],
    })
    // near miss: a $file value that is not a static token (the signing secret) is verbatim
    expect(config.secret).toBe('signing-secret\n')
    // resolveSecrets itself returns the file verbatim
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown
    const resolved = resolveSecrets(raw, { env: { ENV_TOKEN: 'env-token\n' }, baseDir: FIXTURES }) as typeof config
    expect(resolved.tokens?.[0]?.token).toBe('file-token-value\n')
    expect(resolved.tokens?.[1]?.token).toBe('crlf-token-value\r\n')
  })

  test('the datasette-auth-tokens list form is trimmed too', () => {
    const config = loadConfig(fixture('plugin-list-file-token.json'))
    expect(config.plugins?.['datasette-auth-tokens']).toEqual([{ token: 'crlf-token-value', actor: { bot_id: 'list-bot' } }])
  })

  test('relative $file paths resolve against the config file directory, or baseDir', () => {
    // process.cwd() is the repository root, where "secrets/..." does not exist
    expect(loadConfig(fixture('plugin-list-file-token.json'))).toBeDefined()
    const object = { tokens: [{ token: { $file: 'secrets/bot-token.txt' }, actor: { id: 'bot' } }] }
    expect(loadConfig(object, { baseDir: FIXTURES }).tokens?.[0]?.token).toBe('file-token-value')
    // near miss: an object's relative paths resolve against process.cwd() by default
    expect(configError(() => loadConfig(object)).path).toBe('tokens[0].token')
  })

  test('the result is a deep-frozen copy and the input is not mutated', () => {
    const input = {
      databases: { docs: { tables: { documents: { allow: { id: ['a', 'b'] } } } } },
      tokens: [{ token: { $env: 'T' }, actor: { id: 'bot', roles: ['x'] } }],
    }
    const before = structuredClone(input)
    const config = loadConfig(input, { env: { T: 'tok' } })
    expect(input).toEqual(before)
    expect(Object.isFrozen(input)).toBe(false)
    expect(Object.isFrozen(input.databases.docs.tables.documents.allow)).toBe(false)
    expect(config).not.toBe(input)
    const allow = config.databases?.['docs']?.tables?.['documents']?.allow as { id: string[] }
    for (const value of [config, config.databases, allow, allow.id, config.tokens, config.tokens?.[0], config.tokens?.[0]?.actor]) {
      expect(Object.isFrozen(value)).toBe(true)
    }
    expect(() => {
      allow.id.push('c')
    }).toThrow(TypeError)
  })

  test('1 and 0 are accepted as allow blocks wherever allow blocks are', () => {
    const config = {
      allow: 1,
      allow_sql: 0,
      permissions: { 'view-instance': 1 },
      databases: {
        docs: {
          allow: 0,
          allow_sql: 1,
          permissions: { 'execute-sql': 0 },
          tables: { t: { allow: 1, permissions: { 'insert-row': 0 } } },
          queries: { q: { sql: 'select 1', allow: 0, permissions: { 'view-query': 1 } } },
        },
      },
    }
    expect(loadConfig(config)).toEqual(config)
  })

  test('actions from the config and from the option may be used in permissions blocks', () => {
    const config = {
      actions: { 'review-post': { scope: 'resource', abbr: 'rp', default: false, also_requires: 'view-table', description: 'Review a post' } },
      permissions: { 'publish-post': { id: 'editor' }, 'review-post': true },
    }
    const alsoRequiresConfig = defineAction({ name: 'archive-post', scope: 'resource', alsoRequires: 'review-post' })
    expect(loadConfig(config, { actions: [publishPost, alsoRequiresConfig] })).toEqual(config)
    // near miss: without the option, publish-post is unknown
    expect(configError(() => loadConfig(config)).path).toBe('permissions.publish-post')
  })

  test('jwt accepts a secret with HS* and a PEM public key with RS*', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const hs = { jwt: { algorithms: ['HS256', 'HS512'], secret: 'shh', issuer: ['a', 'b'], audience: 'api', actor_claim: 'sub', actor_id_key: 'id', clock_tolerance: 5 } }
    expect(loadConfig(hs)).toEqual(hs)
    const rs = { jwt: { algorithms: ['RS256', 'PS256'], public_key: pem } }
    expect(loadConfig(rs)).toEqual(rs)
  })

  test('the full example of docs/configuration.md loads', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8')
    const example = /## A full example\s+```json\n([\s\S]*?)\n```/.exec(doc)?.[1]
    expect(example).toBeDefined()
    const dir = mkdtempSync(join(tmpdir(), 'tokengate-config-'))
    try {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      mkdirSync(join(dir, 'secrets'))
      mkdirSync(join(dir, 'keys'))
      writeFileSync(join(dir, 'secrets', 'ci-token'), 'ci-token-value\n')
      writeFileSync(join(dir, 'keys', 'jwt.pub'), publicKey.export({ type: 'spki', format: 'pem' }))
      writeFileSync(join(dir, 'metadata.json'), example ?? '')
      const env = { TOKENGATE_SECRET: 'new', TOKENGATE_OLD_SECRET: 'old', BOT_TOKEN: 'bot' }
      const config = loadConfig(join(dir, 'metadata.json'), { env })
      expect(config.secret).toEqual(['new', 'old'])
      expect(config.tokens?.[0]?.token).toBe('ci-token-value')
      // near miss: without the variables it does not load
      expect(configError(() => loadConfig(join(dir, 'metadata.json'), { env: {} })).problems.map((p) => p.path)).toEqual([
        'secret[0]',
        'secret[1]',
        'plugins.datasette-auth-tokens.tokens[0].token',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('an empty configuration is valid', () => {
    expect(loadConfig({})).toEqual({})
  })
})

describe('loadConfig: misuse of the API is a TypeError', () => {
  test.each([[null], [42], [undefined]])('source %p', (source) => {
    expect(() => loadConfig(source as unknown as object)).toThrow(
      new TypeError(`loadConfig expects a configuration file path or a configuration object, got ${source === null ? 'null' : typeof source}`),
    )
  })

  test('option actions that collide with a built-in', () => {
    const clash = defineAction({ name: 'my-view', abbr: 'vt', scope: 'resource' })
    // The registry and the loader share one check (actionProblems), so option actions get the
    // configuration's wording, prefixed with the action.
    expect(() => loadConfig({}, { actions: [clash] })).toThrow(
      new TypeError(
        'Action "my-view" passed in the "actions" option: abbreviation "vt" is already the abbreviation of the built-in action "view-table"; choose another abbreviation',
      ),
    )
  })

  test('an option action that also requires an action nobody registers', () => {
    const orphan = defineAction({ name: 'publish-post', scope: 'resource', alsoRequires: 'review-post' })
    expect(() => loadConfig({}, { actions: [orphan] })).toThrow(
      new TypeError(
        'Action "publish-post" passed in the "actions" option: also_requires names an unknown action "review-post"; declare it in "actions" or pass it in the "actions" option',
      ),
    )
    // near miss: the configuration declares it
    expect(() => loadConfig({ actions: { 'review-post': { scope: 'resource' } } }, { actions: [orphan] })).not.toThrow()
  })
})

describe('loadConfig and createGate accept the same jwt blocks', () => {
  test('one key per family: HS256 with the secret, RS256 with the public key', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwt = { algorithms: ['HS256', 'RS256'], secret: 'hmac-secret', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
    expect(() => loadConfig({ jwt })).not.toThrow()
    expect(() => createGate({ jwt })).not.toThrow()
    // near miss: the public key without an asymmetric algorithm
    for (const load of [() => loadConfig({ jwt: { ...jwt, algorithms: ['HS256'] } }), () => createGate({ jwt: { ...jwt, algorithms: ['HS256'] } })]) {
      expect(load).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', path: 'jwt.public_key' }))
    }
  })
})

describe('loadConfig: an allow block keyed on _r is refused (security review, issue 9)', () => {
  const MESSAGE =
    'an allow block cannot match _r: it holds a token\'s restrictions, so {"_r": "*"} would let any restricted token do what its owner cannot; match the actor\'s own keys instead'
  test.each<[string, object, string]>([
    ['the top-level allow', { allow: { _r: '*' } }, 'allow._r'],
    ['the top-level allow_sql', { allow_sql: { id: 'x', _r: ['x'] } }, 'allow_sql._r'],
    ['a top-level permissions block', { permissions: { 'view-instance': { _r: '*' } } }, 'permissions.view-instance._r'],
    ['a database allow', { databases: { docs: { allow: { _r: '*' } } } }, 'databases.docs.allow._r'],
    ['a database allow_sql', { databases: { docs: { allow_sql: { _r: null } } } }, 'databases.docs.allow_sql._r'],
    ['a database permissions block', { databases: { docs: { permissions: { 'insert-row': { _r: '*' } } } } }, 'databases.docs.permissions.insert-row._r'],
    ['a table allow', { databases: { docs: { tables: { t: { allow: { _r: '*' } } } } } }, 'databases.docs.tables.t.allow._r'],
    ['a table permissions block', { databases: { docs: { tables: { t: { permissions: { 'insert-row': { _r: '*' } } } } } } }, 'databases.docs.tables.t.permissions.insert-row._r'],
    ['a query allow', { databases: { docs: { queries: { q: { sql: 'select 1', allow: { _r: '*' } } } } } }, 'databases.docs.queries.q.allow._r'],
  ])('%s', (_label, config, path) => {
    const error = configError(() => loadConfig(config))
    expect(error.problems).toEqual([{ path, message: MESSAGE }])
  })

  test('near miss: the keys tokens add (token, token_expires) match like any actor key, as in Datasette', () => {
    const gate = createGate({ allow: { token: 'dstok' }, secret: 's' }, { now: () => 1_700_000_000 })
    expect(gate.allowed({ id: 'a', token: 'dstok' }, 'view-instance')).toBe(true)
    expect(gate.allowed({ id: 'a' }, 'view-instance')).toBe(false)
  })
})
