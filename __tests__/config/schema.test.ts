import { ConfigError, loadConfig } from 'tokengate'
import { describeValue, schemaProblems } from '../../lib/config/schema.js'

const ALLOW_EXPECTED = 'must be true, false, null or an object such as {"id": "root"}'

/** The problems loadConfig reports for a configuration, or [] when it loads. */
function problemsOf(config: object): readonly { path: string; message: string }[] {
  try {
    loadConfig(config)
    return []
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems
  }
}

describe('allow block values (SPEC 2 rule 8), at databases.docs.tables.documents.allow', () => {
  const at = (allow: unknown): object => ({ databases: { docs: { tables: { documents: { allow } } } } })
  const path = 'databases.docs.tables.documents.allow'

  test.each<[unknown, { path: string; message: string }[]]>([
    // booleans and null; the numbers 1 and 0 mean true and false, any other number is an error
    [true, []],
    [false, []],
    [null, []],
    [1, []],
    [0, []],
    [1.0, []],
    [2, [{ path, message: `${ALLOW_EXPECTED}; got the number 2 (the only numbers accepted are 1 and 0, meaning true and false)` }]],
    [0.5, [{ path, message: `${ALLOW_EXPECTED}; got the number 0.5 (the only numbers accepted are 1 and 0, meaning true and false)` }]],
    [-0.0001, [{ path, message: `${ALLOW_EXPECTED}; got the number -0.0001 (the only numbers accepted are 1 and 0, meaning true and false)` }]],
    // strings are errors, even ones that look like booleans or numbers
    ['true', [{ path, message: `${ALLOW_EXPECTED}; got the string "true"` }]],
    ['1', [{ path, message: `${ALLOW_EXPECTED}; got the string "1"` }]],
    ['*', [{ path, message: `${ALLOW_EXPECTED}; got the string "*"` }]],
    // a list is an error, even a list of allow blocks
    [[], [{ path, message: `${ALLOW_EXPECTED}; got an empty list` }]],
    [[{ id: 'root' }], [{ path, message: `${ALLOW_EXPECTED}; got a list` }]],
    // objects: values are scalars or lists of scalars
    [{}, []],
    [{ id: 'root' }, []],
    [{ id: ['root', 'admin'] }, []],
    [{ id: '*' }, []],
    [{ unauthenticated: true }, []],
    [{ n: 1.5, flag: false, none: null, list: [null, false, 0, 'x'] }, []],
    [{ id: { name: 'root' } }, [{ path: `${path}.id`, message: 'must be a string, number, true, false, null or a list of those; got an object, which can never match an actor' }]],
    [{ id: [['root']] }, [{ path: `${path}.id[0]`, message: 'must be a string, number, true, false or null; got a list, which can never match an actor' }]],
    [{ id: ['ok', { a: 1 }] }, [{ path: `${path}.id[1]`, message: 'must be a string, number, true, false or null; got an object, which can never match an actor' }]],
  ])('%j', (allow, expected) => {
    expect(problemsOf(at(allow))).toEqual(expected)
  })
})

describe('every place an allow block is typed', () => {
  test.each([
    [{ allow: 'x' }, 'allow'],
    [{ allow_sql: 'x' }, 'allow_sql'],
    [{ permissions: { 'view-instance': 'x' } }, 'permissions.view-instance'],
    [{ databases: { d: { allow: 'x' } } }, 'databases.d.allow'],
    [{ databases: { d: { allow_sql: 'x' } } }, 'databases.d.allow_sql'],
    [{ databases: { d: { permissions: { 'create-table': 'x' } } } }, 'databases.d.permissions.create-table'],
    [{ databases: { d: { tables: { t: { allow: 'x' } } } } }, 'databases.d.tables.t.allow'],
    [{ databases: { d: { tables: { t: { permissions: { 'insert-row': 'x' } } } } } }, 'databases.d.tables.t.permissions.insert-row'],
    [{ databases: { d: { queries: { q: { allow: 'x' } } } } }, 'databases.d.queries.q.allow'],
    [{ databases: { d: { queries: { q: { permissions: { 'view-query': 'x' } } } } } }, 'databases.d.queries.q.permissions.view-query'],
  ])('%j is rejected at %s, and accepted with 1 instead', (config, path) => {
    expect(problemsOf(config)).toEqual([{ path, message: `${ALLOW_EXPECTED}; got the string "x"` }])
    const fixed = JSON.parse(JSON.stringify(config).replace('"x"', '1')) as object
    expect(problemsOf(fixed)).toEqual([])
  })

  test('allow_sql is not typed where Datasette has none (a table), so it is kept as an unknown key', () => {
    expect(problemsOf({ databases: { d: { tables: { t: { allow_sql: 'x' } } } } })).toEqual([])
  })
})

describe('unknown keys are allowed where Datasette metadata has its own keys, and nowhere else', () => {
  test.each([
    [{ title: 'x', unknown_top: { any: ['thing'] } }],
    [{ databases: { d: { source: 'x', hidden: true } } }],
    [{ databases: { d: { tables: { t: { facets: ['a'], sortable_columns: ['b'], hidden: true } } } } }],
    [{ databases: { d: { queries: { q: { sql: 'select 1', fragment: 'x', hide_sql: true } } } } }],
    [{ settings: { num_sql_threads: 3 } }],
    [{ plugins: { 'any-plugin': 'anything', 'datasette-auth-tokens': { manage_tokens: true } } }],
  ])('%j loads', (config) => {
    expect(problemsOf(config)).toEqual([])
  })

  test.each([
    [{ actions: { a: { scope: 'resource', extra: 1 } } }, 'actions.a.extra'],
    [{ jwt: { algorithms: ['HS256'], secret: 's', extra: 1 } }, 'jwt.extra'],
  ])('%j is rejected at %s', (config, path) => {
    const problems = problemsOf(config)
    expect(problems.map((p) => p.path)).toEqual([path])
    expect(problems[0]?.message).toMatch(/^unknown key "extra"; allowed keys are /)
  })

  // In a static token entry, a token may have been written as a key: the key is not named.
  test.each([
    [{ tokens: [{ token: 't', actor: {}, extra: 1 }] }, 'tokens[0]'],
    [{ plugins: { 'datasette-auth-tokens': [{ token: 't', actor: {}, extra: 1 }] } }, 'plugins.datasette-auth-tokens[0]'],
    [{ plugins: { 'datasette-auth-tokens': { tokens: [{ token: 't', actor: {}, extra: 1 }] } } }, 'plugins.datasette-auth-tokens.tokens[0]'],
  ])('%j is rejected at %s without naming the key', (config, path) => {
    const problems = problemsOf(config)
    expect(problems).toEqual([
      { path, message: 'has an unknown key, not named here because a token may have been written as a key; allowed keys are "token", "actor"' },
    ])
  })
})

describe('schemaProblems (internal)', () => {
  test('a string at the root', () => {
    expect(schemaProblems('metadata.json')).toEqual([{ path: '(root)', message: 'must be an object; got the string "metadata.json"' }])
  })
})

describe('describeValue (internal)', () => {
  test.each<[unknown, boolean, string]>([
    ['root', false, 'the string "root"'],
    ['root', true, 'a string'],
    ['x'.repeat(50), false, `the string "${'x'.repeat(40)}…"`],
    [2, false, 'the number 2'],
    [2, true, 'a number'],
    [true, false, 'true'],
    [null, false, 'null'],
    [[], false, 'an empty list'],
    [[1], false, 'a list'],
    [{}, false, 'an object'],
  ])('%j (secret: %p) → %s', (value, secret, expected) => {
    expect(describeValue(value, secret)).toBe(expected)
  })
})
