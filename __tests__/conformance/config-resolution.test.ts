/**
 * Conformance: resolving a check from a configuration (SPEC sections 3 and 4, with the
 * restriction gate of section 5), against Datasette's own behaviour.
 *
 * Sources (simonw/datasette at 481df7ff6d78a8ccf919984d27f27201b081bd53, 1.0a37): the tests named
 * in each group's heading, from `tests/test_permissions.py`, `tests/test_config_permission_rules.py`,
 * `tests/test_default_deny.py`, `tests/test_restriction_sql.py`, `tests/test_actor_restriction_bug.py`,
 * `tests/test_allowed_many.py`, `tests/test_allowed_resources.py` and `tests/test_actions_sql.py`,
 * read against `datasette/default_permissions/` (the rule sources) and
 * `datasette/utils/actions_sql.py` (the resolution). A test that requests a page is translated
 * into the one check that gates that page (`/` view-instance, `/db` view-database, `/db/t` and
 * its rows view-table, `/db/q` view-query, `/db.db` view-database-download, `/db/-/query`
 * execute-sql); a test that registers a rules plugin is translated into the `permissions` blocks
 * that give the tested actor the same rules. Rows where tokengate deliberately differs from
 * Datasette carry `// differs from Datasette: <SPEC rule>`. See README.md in this folder.
 *
 * Every row goes through the public `createGate` and asks the gate three ways, `allowed`,
 * `explain().allowed` and `check`, which must agree: they are views of one decision.
 */
import { type Action, createGate, defineAction } from 'tokengate'
import type { Actor, AllowBlock, CheckTarget, Gate, TokengateConfig } from 'tokengate'

type Row = [config: TokengateConfig, actor: Actor | null, action: string, target: CheckTarget, expected: boolean]

const NAME = '%j | actor %j | %s at %j -> %s'

const INSTANCE: CheckTarget = {}
const db = (database: string): CheckTarget => ({ database })
const child = (database: string, resource: string): CheckTarget => ({ database, resource })

const ANON = null
const ALICE: Actor = { id: 'alice' }
const BOB: Actor = { id: 'bob' }
const ROOT: Actor = { id: 'root' }

function resolve(config: TokengateConfig, rootEnabled: boolean, actions: readonly Action[] = []): Gate {
  return createGate(config, { rootEnabled, actions })
}

/** The gate's answer, asked as `allowed`, `explain().allowed` and `check`, which must agree. */
function decide(gate: Gate, actor: Actor | null, action: string, target: CheckTarget): boolean {
  const allowed = gate.allowed(actor, action, target)
  expect(gate.explain(actor, action, target).allowed).toBe(allowed)
  let checked = false
  try {
    checked = gate.check(actor, action, target)
  } catch (error) {
    expect(error).toMatchObject({ code: actor === null ? 'ERR_AUTHENTICATION_REQUIRED' : 'ERR_FORBIDDEN' })
  }
  expect(checked).toBe(allowed)
  return allowed
}

/** Root disabled, the default. */
function check(config: TokengateConfig, actor: Actor | null, action: string, target: CheckTarget, expected: boolean): void {
  expect(decide(resolve(config, false), actor, action, target)).toBe(expected)
}

/** Root enabled (Datasette's `--root`, tokengate's `rootEnabled`). */
function checkRoot(config: TokengateConfig, actor: Actor | null, action: string, target: CheckTarget, expected: boolean): void {
  expect(decide(resolve(config, true), actor, action, target)).toBe(expected)
}

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

// SPEC 3's table; Datasette's DEFAULT_ALLOW_ACTIONS (default_permissions/defaults.py) are the six
// view/execute actions allowed here, every other action is denied when no rule speaks.
const DEFAULTS: [action: string, target: CheckTarget, expected: boolean][] = [
  ['view-instance', INSTANCE, true],
  ['permissions-debug', INSTANCE, false],
  ['debug-menu', INSTANCE, false],
  ['view-database', db('data'), true],
  ['view-database-download', db('data'), true],
  ['execute-sql', db('data'), true],
  ['execute-write-sql', db('data'), false],
  ['create-table', db('data'), false],
  ['create-view', db('data'), false],
  ['store-query', db('data'), false],
  ['view-table', child('data', 't'), true],
  ['insert-row', child('data', 't'), false],
  ['delete-row', child('data', 't'), false],
  ['update-row', child('data', 't'), false],
  ['alter-table', child('data', 't'), false],
  ['set-column-type', child('data', 't'), false],
  ['drop-table', child('data', 't'), false],
  ['drop-view', child('data', 'v'), false],
  ['view-query', child('data', 'q'), true],
  ['update-query', child('data', 'q'), false],
  ['delete-query', child('data', 'q'), false],
  // tokengate's own actions: all default deny
  ['view-health', INSTANCE, false],
  ['view-metrics', INSTANCE, false],
  ['view-ping', INSTANCE, false],
  ['view-ready', INSTANCE, false],
  ['auth-tokens-create', INSTANCE, false],
  ['auth-tokens-view-all', INSTANCE, false],
  ['auth-tokens-revoke-all', INSTANCE, false],
  ['auth-tokens-edit-all', INSTANCE, false],
]

describe('defaults per action, empty configuration (SPEC 3; Datasette DEFAULT_ALLOW_ACTIONS)', () => {
  test.each<Row>(
    DEFAULTS.flatMap(([action, target, expected]): Row[] => [
      [{}, ANON, action, target, expected],
      [{}, ALICE, action, target, expected],
      // an actor called root is nobody special while root is disabled
      [{}, ROOT, action, target, expected],
    ]),
  )(NAME, check)
})

describe('defaults: Datasette tests that check them (test_permissions_in_config, test_allowed_many.py, test_permission_check_explains_default_deny)', () => {
  test.each<Row>([
    // test_permissions_in_config: simple view-instance default=True example
    [{}, ANON, 'view-instance', INSTANCE, true],
    // test_permission_check_explains_default_deny
    [{}, ALICE, 'insert-row', child('analytics', 'users'), false],
    // test_allowed_many_no_query_when_no_rules
    [{}, BOB, 'drop-table', child('analytics', 'users'), false],
    [{}, BOB, 'delete-row', child('analytics', 'users'), false],
    [{}, BOB, 'view-table', child('analytics', 'users'), true],
    // test_allowed_many_global_actions_without_resource (root not enabled there)
    [{}, ROOT, 'view-instance', INSTANCE, true],
    [{}, ROOT, 'permissions-debug', INSTANCE, false],
    [{}, ANON, 'permissions-debug', INSTANCE, false],
  ])(NAME, check)
})

// ---------------------------------------------------------------------------------------------
// settings.default_deny
// ---------------------------------------------------------------------------------------------

describe('default_deny drops every default allow (tests/test_default_deny.py)', () => {
  const DENY: TokengateConfig = { settings: { default_deny: true } }
  test.each<Row>([
    // test_default_deny_basic_permissions
    [DENY, ANON, 'view-instance', INSTANCE, false],
    [DENY, ANON, 'view-database', db('test_db'), false],
    [DENY, ANON, 'view-table', child('test_db', 'test_table'), false],
    [DENY, ANON, 'execute-sql', db('test_db'), false],
    [DENY, { id: 'user' }, 'view-instance', INSTANCE, false],
    // test_default_deny_denies_default_permissions: the same checks without default_deny
    [{}, ANON, 'view-instance', INSTANCE, true],
    [{}, ANON, 'view-database', db('test_db_normal'), true],
    [{}, ANON, 'view-table', child('test_db_normal', 'test_table'), true],
    [{ settings: { default_deny: false } }, ANON, 'view-instance', INSTANCE, true],
    // test_default_deny_with_config_allow
    [{ settings: { default_deny: true }, allow: { id: 'user1' } }, ANON, 'view-instance', INSTANCE, false],
    [{ settings: { default_deny: true }, allow: { id: 'user1' } }, { id: 'user1' }, 'view-instance', INSTANCE, true],
    [{ settings: { default_deny: true }, allow: { id: 'user1' } }, { id: 'user2' }, 'view-instance', INSTANCE, false],
    // test_allowed_resources_view_query_includes_actor_specific_query_permissions (its plugin
    // rule written as a permissions block)
    [
      { settings: { default_deny: true }, databases: { testdb: { queries: { user_only: { sql: 'select 1 as n', permissions: { 'view-query': { id: 'alice' } } } } } } },
      ALICE,
      'view-query',
      child('testdb', 'user_only'),
      true,
    ],
    [
      { settings: { default_deny: true }, databases: { testdb: { queries: { user_only: { sql: 'select 1 as n', permissions: { 'view-query': { id: 'alice' } } } } } } },
      BOB,
      'view-query',
      child('testdb', 'user_only'),
      false,
    ],
    [
      { settings: { default_deny: true }, databases: { testdb: { queries: { user_only: { sql: 'select 1 as n', permissions: { 'view-query': { id: 'alice' } } } } } } },
      ALICE,
      'view-query',
      child('testdb', 'other'),
      false,
    ],
    // SPEC 4: also-requires still applies: download needs view-database, which is gone too
    [{ settings: { default_deny: true }, permissions: { 'view-database-download': true } }, ALICE, 'view-database-download', db('data'), false],
    [
      { settings: { default_deny: true }, permissions: { 'view-database-download': true, 'view-database': true } },
      ALICE,
      'view-database-download',
      db('data'),
      true,
    ],
    // Actions that are denied by default are unaffected, and explicit rules still grant them
    [{ settings: { default_deny: true }, permissions: { 'insert-row': { id: 'alice' } } }, ALICE, 'insert-row', child('data', 't'), true],
    [{ settings: { default_deny: true }, permissions: { 'insert-row': { id: 'alice' } } }, BOB, 'insert-row', child('data', 't'), false],
  ])(NAME, check)
})

describe('default_deny with root enabled (test_default_deny.py::test_default_deny_with_root_user)', () => {
  const DENY: TokengateConfig = { settings: { default_deny: true } }
  test.each<Row>([
    [DENY, ROOT, 'view-instance', INSTANCE, true],
    [DENY, ROOT, 'view-database', db('test_db'), true],
    [DENY, ROOT, 'view-table', child('test_db', 'test_table'), true],
    [DENY, ROOT, 'execute-sql', db('test_db'), true],
    // Near misses: anyone else, and an id that only looks like root
    [DENY, ALICE, 'view-instance', INSTANCE, false],
    [DENY, { id: 'Root' }, 'view-instance', INSTANCE, false],
  ])(NAME, checkRoot)
})

// ---------------------------------------------------------------------------------------------
// settings.default_allow_sql
// ---------------------------------------------------------------------------------------------

describe('default_allow_sql false denies execute-sql by default (Datasette default_allow_sql_check)', () => {
  const NOSQL = { default_allow_sql: false } as const
  test.each<Row>([
    [{ settings: NOSQL }, ANON, 'execute-sql', db('data'), false],
    [{ settings: NOSQL }, ALICE, 'execute-sql', db('data'), false],
    [{ settings: NOSQL }, ALICE, 'execute-sql', child('data', 't'), false],
    // Near misses: only SQL is affected; the setting at its default, or true, allows SQL
    [{ settings: NOSQL }, ALICE, 'view-database', db('data'), true],
    [{ settings: NOSQL }, ALICE, 'view-table', child('data', 't'), true],
    [{ settings: { default_allow_sql: true } }, ALICE, 'execute-sql', db('data'), true],
    [{}, ALICE, 'execute-sql', db('data'), true],
    // A database-level allow_sql is more specific than the default deny (Datasette agrees)
    [{ settings: NOSQL, databases: { data: { allow_sql: { id: 'alice' } } } }, ALICE, 'execute-sql', db('data'), true],
    [{ settings: NOSQL, databases: { data: { allow_sql: { id: 'alice' } } } }, BOB, 'execute-sql', db('data'), false],
    [{ settings: NOSQL, databases: { data: { allow_sql: { id: 'alice' } } } }, ALICE, 'execute-sql', db('other'), false],
    [{ settings: NOSQL, databases: { data: { permissions: { 'execute-sql': true } } } }, ANON, 'execute-sql', db('data'), true],
    [{ settings: NOSQL, databases: { data: { permissions: { 'execute-sql': true } } } }, ANON, 'execute-sql', db('other'), false],
    // ... and so is a child-level rule, for a check at child level
    [{ settings: NOSQL, databases: { data: { tables: { t: { permissions: { 'execute-sql': true } } } } } }, ANON, 'execute-sql', child('data', 't'), true],
    [{ settings: NOSQL, databases: { data: { tables: { t: { permissions: { 'execute-sql': true } } } } } }, ANON, 'execute-sql', db('data'), false],
    // An explicit top-level allow_sql or permissions.execute-sql re-enables SQL
    [{ settings: NOSQL, allow_sql: { id: 'alice' } }, ALICE, 'execute-sql', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
    [{ settings: NOSQL, allow_sql: { id: 'alice' } }, BOB, 'execute-sql', db('data'), false],
    [{ settings: NOSQL, allow_sql: true }, ANON, 'execute-sql', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
    [{ settings: NOSQL, allow_sql: 1 }, ANON, 'execute-sql', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
    [{ settings: NOSQL, allow_sql: false }, ANON, 'execute-sql', db('data'), false],
    [{ settings: NOSQL, allow_sql: 0 }, ANON, 'execute-sql', db('data'), false],
    [{ settings: NOSQL, permissions: { 'execute-sql': { id: 'alice' } } }, ALICE, 'execute-sql', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
    [{ settings: NOSQL, permissions: { 'execute-sql': { id: 'alice' } } }, BOB, 'execute-sql', db('data'), false],
    [{ settings: NOSQL, permissions: { 'execute-sql': true } }, ANON, 'execute-sql', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
    [{ settings: NOSQL, permissions: { 'execute-sql': false } }, ANON, 'execute-sql', db('data'), false],
    // A null block is not explicit: the default deny stays
    [{ settings: NOSQL, allow_sql: null }, ANON, 'execute-sql', db('data'), false],
    [{ settings: NOSQL, permissions: { 'execute-sql': null } }, ANON, 'execute-sql', db('data'), false],
    // Only the top level re-enables; a rule for another action does not
    [{ settings: NOSQL, permissions: { 'execute-write-sql': true } }, ANON, 'execute-sql', db('data'), false],
    // The explicit top-level rule and default_deny together: the rules alone decide (and
    // execute-sql still needs view-database, which default_deny no longer gives)
    [{ settings: { ...NOSQL, default_deny: true }, allow_sql: { id: 'alice' }, permissions: { 'view-database': true } }, ALICE, 'execute-sql', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
    [{ settings: { ...NOSQL, default_deny: true }, allow_sql: { id: 'alice' }, permissions: { 'view-database': true } }, BOB, 'execute-sql', db('data'), false],
    [{ settings: { ...NOSQL, default_deny: true }, allow_sql: { id: 'alice' } }, ALICE, 'execute-sql', db('data'), false],
    // store-query also requires execute-sql
    [{ settings: NOSQL, permissions: { 'store-query': true } }, ALICE, 'store-query', db('data'), false],
    [{ settings: NOSQL, permissions: { 'store-query': true }, allow_sql: true }, ALICE, 'store-query', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
    [{ settings: NOSQL, permissions: { 'store-query': true }, databases: { data: { allow_sql: true } } }, ALICE, 'store-query', db('data'), true],
  ])(NAME, check)
})

describe('default_allow_sql false with root enabled: the global deny beats root at the same level (Datasette agrees)', () => {
  test.each<Row>([
    [{ settings: { default_allow_sql: false } }, ROOT, 'execute-sql', db('data'), false],
    [{ settings: { default_allow_sql: false } }, ROOT, 'view-database', db('data'), true],
    [{ settings: { default_allow_sql: false }, databases: { data: { allow_sql: { id: 'root' } } } }, ROOT, 'execute-sql', db('data'), true],
    [{ settings: { default_allow_sql: false }, allow_sql: { id: 'root' } }, ROOT, 'execute-sql', db('data'), true], // differs from Datasette: SPEC 4 (default_allow_sql is a default, not a veto)
  ])(NAME, checkRoot)
})

// ---------------------------------------------------------------------------------------------
// allow blocks
// ---------------------------------------------------------------------------------------------

// test_view_padlock: top-level allow of None, {} and {"id": "root"}; anonymous and the root
// actor (root not enabled) request /, /-/api, /fixtures, a table and a row.
const PADLOCK_ALLOWS: [allow: AllowBlock, anon: boolean, root: boolean][] = [
  [null, true, true],
  [{}, false, false],
  [{ id: 'root' }, false, true],
]
const PADLOCK_PAGES: [page: string, action: string, target: CheckTarget][] = [
  ['/', 'view-instance', INSTANCE],
  ['/-/api', 'view-instance', INSTANCE],
  ['/fixtures', 'view-database', db('fixtures')],
  ['/fixtures/compound_three_primary_keys', 'view-table', child('fixtures', 'compound_three_primary_keys')],
]

describe('top-level allow feeds view-instance, view-database, view-table, view-query (test_view_padlock)', () => {
  test.each<Row>(
    PADLOCK_ALLOWS.flatMap(([allow, anon, root]) =>
      PADLOCK_PAGES.flatMap(([, action, target]): Row[] => [
        [{ allow }, ANON, action, target, anon],
        [{ allow }, ROOT, action, target, root],
      ]),
    ),
  )(NAME, check)
})

describe('top-level allow: test_view_instance_allow_block, test_allow_unauthenticated, test_view_instance, test_api_explorer_visibility', () => {
  test.each<Row>([
    // test_view_instance_allow_block
    [{ allow: { id: 'alice' } }, ALICE, 'view-instance', INSTANCE, true],
    [{ allow: { id: 'alice' } }, BOB, 'view-instance', INSTANCE, false],
    // test_allow_unauthenticated
    [{ allow: { id: 'root' } }, ANON, 'view-instance', INSTANCE, false],
    [{ allow: { id: 'root', unauthenticated: true } }, ANON, 'view-instance', INSTANCE, true],
    // test_view_instance: allow {} closes every page
    [{ allow: {} }, ANON, 'view-instance', INSTANCE, false],
    [{ allow: {} }, ANON, 'view-database', db('fixtures'), false],
    [{ allow: {} }, ANON, 'view-table', child('fixtures', 'facetable'), false],
    [{ allow: {} }, ANON, 'permissions-debug', INSTANCE, false],
    // test_api_explorer_visibility: a fully protected instance shows the logged-out user nothing
    [{ allow: { id: 'user' } }, ANON, 'view-instance', INSTANCE, false],
    [{ allow: { id: 'user' } }, { id: 'user' }, 'view-instance', INSTANCE, true],
    // It feeds view-query too
    [{ allow: { id: 'alice' } }, ALICE, 'view-query', child('fixtures', 'q'), true],
    [{ allow: { id: 'alice' } }, BOB, 'view-query', child('fixtures', 'q'), false],
    // It feeds nothing else: actions without also-requires keep their own defaults and rules
    [{ allow: {} }, ALICE, 'view-health', INSTANCE, false],
    [{ allow: {}, permissions: { 'insert-row': true } }, ALICE, 'insert-row', child('fixtures', 't'), true],
    [{ allow: {}, permissions: { 'permissions-debug': { id: 'alice' } } }, ALICE, 'permissions-debug', INSTANCE, true],
    // ... but execute-sql and download also require view-database, which the block denies
    [{ allow: {} }, ALICE, 'execute-sql', db('fixtures'), false],
    [{ allow: {} }, ALICE, 'view-database-download', db('fixtures'), false],
    [{ allow: { id: 'alice' } }, ALICE, 'execute-sql', db('fixtures'), true],
    // A global rule applies at every level, so it also decides an instance action checked on a database
    [{ allow: {} }, ALICE, 'view-instance', db('fixtures'), false],
  ])(NAME, check)
})

// test_view_database (its "config" variant): databases.fixtures.allow of None, {} and
// {"id": "root"}; /fixtures, a table and a row, anonymous and root.
describe('database allow feeds view-database, view-table, view-query on that database (test_view_database)', () => {
  test.each<Row>(
    PADLOCK_ALLOWS.flatMap(([allow, anon, root]) =>
      (
        [
          ['view-database', db('fixtures')],
          ['view-table', child('fixtures', 'compound_three_primary_keys')],
          ['view-query', child('fixtures', 'neighborhood_search')],
        ] as const
      ).flatMap(([action, target]): Row[] => [
        [{ databases: { fixtures: { allow } } }, ANON, action, target, anon],
        [{ databases: { fixtures: { allow } } }, ROOT, action, target, root],
      ]),
    ),
  )(NAME, check)
})

describe('database allow: listings and other databases (test_database_list_respects_view_database, test_tables_endpoint_config_database_allow, test_api_explorer_visibility)', () => {
  test.each<Row>([
    // test_database_list_respects_view_database
    [{ databases: { fixtures: { allow: { id: 'root' } } } }, ANON, 'view-database', db('data'), true],
    [{ databases: { fixtures: { allow: { id: 'root' } } } }, ANON, 'view-database', db('fixtures'), false],
    [{ databases: { fixtures: { allow: { id: 'root' } } } }, ROOT, 'view-database', db('data'), true],
    [{ databases: { fixtures: { allow: { id: 'root' } } } }, ROOT, 'view-database', db('fixtures'), true],
    // test_tables_endpoint_config_database_allow
    [{ databases: { restricted_db: { allow: { id: 'root' } } } }, ROOT, 'view-table', child('restricted_db', 'users'), true],
    [{ databases: { restricted_db: { allow: { id: 'root' } } } }, ROOT, 'view-table', child('restricted_db', 'posts'), true],
    [{ databases: { restricted_db: { allow: { id: 'root' } } } }, ALICE, 'view-table', child('restricted_db', 'users'), false],
    [{ databases: { restricted_db: { allow: { id: 'root' } } } }, ALICE, 'view-table', child('public_db', 'articles'), true],
    // test_api_explorer_visibility: one database for the user, the other closed to everyone
    [{ databases: { perms_ds_one: { allow: { id: 'user' } }, perms_ds_two: { allow: false } } }, { id: 'user' }, 'view-table', child('perms_ds_one', 't1'), true],
    [{ databases: { perms_ds_one: { allow: { id: 'user' } }, perms_ds_two: { allow: false } } }, { id: 'user' }, 'view-table', child('perms_ds_one', 't2'), true],
    [{ databases: { perms_ds_one: { allow: { id: 'user' } }, perms_ds_two: { allow: false } } }, { id: 'user' }, 'view-table', child('perms_ds_two', 't1'), false],
    // ... and a table closed inside the open database
    [
      { databases: { perms_ds_one: { allow: { id: 'user' }, tables: { t2: { allow: false } } }, perms_ds_two: { allow: false } } },
      { id: 'user' },
      'view-table',
      child('perms_ds_one', 't1'),
      true,
    ],
    [
      { databases: { perms_ds_one: { allow: { id: 'user' }, tables: { t2: { allow: false } } }, perms_ds_two: { allow: false } } },
      { id: 'user' },
      'view-table',
      child('perms_ds_one', 't2'),
      false,
    ],
    // A database rule never decides an instance-level check
    [{ databases: { fixtures: { allow: {} } } }, ANON, 'view-instance', INSTANCE, true],
    [{ databases: { fixtures: { allow: {} } } }, ANON, 'view-database', db('fixtures'), false],
    // It does not feed execute-sql directly; execute-sql fails through its also-requires
    [{ databases: { fixtures: { allow: { id: 'root' } } } }, ANON, 'execute-sql', db('fixtures'), false],
    [{ databases: { fixtures: { allow: { id: 'root' } } } }, ROOT, 'execute-sql', db('fixtures'), true],
    // Nor any other action
    [{ databases: { fixtures: { allow: {} } } }, ANON, 'insert-row', child('fixtures', 't'), false],
    [{ databases: { fixtures: { allow: {} } }, permissions: { 'insert-row': true } }, ANON, 'insert-row', child('fixtures', 't'), true],
  ])(NAME, check)
})

describe('database allow with root enabled (test_databases_json_respects_view_database)', () => {
  test.each<Row>([
    [{ databases: { private: { allow: { id: 'root' } } } }, ANON, 'view-database', db('public'), true],
    [{ databases: { private: { allow: { id: 'root' } } } }, ANON, 'view-database', db('private'), false],
    [{ databases: { private: { allow: { id: 'root' } } } }, ROOT, 'view-database', db('private'), true],
    [{ databases: { private: { allow: { id: 'root' } } } }, ROOT, 'view-database', db('public'), true],
  ])(NAME, checkRoot)
})

describe('table allow feeds view-table on that table only (test_view_table, test_config_permission_rules.py)', () => {
  test.each<Row>([
    // test_view_table (config variant)
    ...PADLOCK_ALLOWS.flatMap(([allow, anon, root]): Row[] => [
      [{ databases: { fixtures: { tables: { compound_three_primary_keys: { allow } } } } }, ANON, 'view-table', child('fixtures', 'compound_three_primary_keys'), anon],
      [{ databases: { fixtures: { tables: { compound_three_primary_keys: { allow } } } } }, ROOT, 'view-table', child('fixtures', 'compound_three_primary_keys'), root],
    ]),
    // test_view_table_allow_block
    [{ databases: { content: { tables: { repos: { allow: { id: 'alice' } } } } } }, ALICE, 'view-table', child('content', 'repos'), true],
    [{ databases: { content: { tables: { repos: { allow: { id: 'alice' } } } } } }, BOB, 'view-table', child('content', 'repos'), false],
    [{ databases: { content: { tables: { repos: { allow: { id: 'alice' } } } } } }, BOB, 'view-table', child('content', 'other'), true],
    // test_view_table_allow_false_blocks
    [{ databases: { content: { tables: { repos: { allow: false } } } } }, ALICE, 'view-table', child('content', 'repos'), false],
    [{ databases: { content: { tables: { repos: { allow: true } } } } }, ALICE, 'view-table', child('content', 'repos'), true],
    // test_table_list_respects_view_table (a table and a SQL view)
    [{ databases: { fixtures: { tables: { compound_three_primary_keys: { allow: { id: 'root' } }, paginated_view: { allow: { id: 'root' } } } } } }, ANON, 'view-table', child('fixtures', 'paginated_view'), false],
    [{ databases: { fixtures: { tables: { compound_three_primary_keys: { allow: { id: 'root' } }, paginated_view: { allow: { id: 'root' } } } } } }, ROOT, 'view-table', child('fixtures', 'paginated_view'), true],
    // test_database_list_respects_view_table
    [{ databases: { data: { tables: { names: { allow: { id: 'root' } }, v: { allow: { id: 'root' } } } } } }, ANON, 'view-table', child('data', 'names'), false],
    [{ databases: { data: { tables: { names: { allow: { id: 'root' } }, v: { allow: { id: 'root' } } } } } }, ANON, 'view-table', child('data', 'v'), false],
    [{ databases: { data: { tables: { names: { allow: { id: 'root' } }, v: { allow: { id: 'root' } } } } } }, ROOT, 'view-table', child('data', 'names'), true],
    // It never feeds the database, nor a named query of the same name
    [{ databases: { content: { tables: { repos: { allow: false } } } } }, ALICE, 'view-database', db('content'), true],
    [{ databases: { content: { tables: { repos: { allow: false } } } } }, ALICE, 'view-query', child('content', 'repos'), true],
    [{ databases: { content: { tables: { repos: { allow: false } } } } }, ALICE, 'insert-row', child('content', 'repos'), false],
    // ... and a child rule never decides a database-level check, even of view-table itself
    [{ databases: { content: { tables: { repos: { allow: false } } } } }, ALICE, 'view-table', db('content'), true],
  ])(NAME, check)
})

describe('test_padlocks_on_database_page: a database for one actor, with children opened to everyone', () => {
  const CONFIG: TokengateConfig = {
    databases: {
      fixtures: {
        allow: { id: 'test' },
        tables: { '123_starts_with_digits': { allow: true }, simple_view: { allow: true } },
        queries: { query_two: { allow: true, sql: 'select 2' } },
      },
    },
  }
  test.each<Row>([
    // No padlock: anonymous can see them too (a child allow beats the database deny)
    [CONFIG, ANON, 'view-table', child('fixtures', '123_starts_with_digits'), true],
    [CONFIG, ANON, 'view-table', child('fixtures', 'simple_view'), true],
    [CONFIG, ANON, 'view-query', child('fixtures', 'query_two'), true],
    // Padlocked: only the actor "test" can see them
    [CONFIG, ANON, 'view-table', child('fixtures', 'table/with/slashes.csv'), false],
    [CONFIG, ANON, 'view-table', child('fixtures', 'paginated_view'), false],
    [CONFIG, ANON, 'view-database', db('fixtures'), false],
    [CONFIG, { id: 'test' }, 'view-table', child('fixtures', 'paginated_view'), true],
    [CONFIG, { id: 'test' }, 'view-table', child('fixtures', '123_starts_with_digits'), true],
    [CONFIG, { id: 'test' }, 'view-database', db('fixtures'), true],
  ])(NAME, check)
})

describe('query allow feeds view-query on that query only (test_view_query, test_query_list_respects_view_query)', () => {
  test.each<Row>([
    ...PADLOCK_ALLOWS.flatMap(([allow, anon, root]): Row[] => [
      [{ databases: { fixtures: { queries: { q: { sql: 'select 1 + 1', allow } } } } }, ANON, 'view-query', child('fixtures', 'q'), anon],
      [{ databases: { fixtures: { queries: { q: { sql: 'select 1 + 1', allow } } } } }, ROOT, 'view-query', child('fixtures', 'q'), root],
    ]),
    // Other queries, and a table of the same name, are unaffected
    [{ databases: { fixtures: { queries: { q: { sql: 'select 1 + 1', allow: {} } } } } }, ANON, 'view-query', child('fixtures', 'q2'), true],
    [{ databases: { fixtures: { queries: { q: { sql: 'select 1 + 1', allow: {} } } } } }, ANON, 'view-table', child('fixtures', 'q'), true],
    [{ databases: { fixtures: { queries: { q: { sql: 'select 1 + 1', allow: {} } } } } }, ANON, 'view-database', db('fixtures'), true],
    // A named query given as a bare SQL string has no rules (Datasette skips non-dict queries)
    [{ databases: { fixtures: { queries: { q: 'select 1 + 1' } } } }, ANON, 'view-query', child('fixtures', 'q'), true],
    [{ settings: { default_deny: true }, databases: { fixtures: { queries: { q: 'select 1 + 1' } } } }, ANON, 'view-query', child('fixtures', 'q'), false],
  ])(NAME, check)
})

// test_permissions_cascade: actor {"id": "test"}; each of the instance, the database, the
// table binary_data and the query magic_parameters is allowed with {"id": "*"} when named in the
// row's permissions, and denied with {} otherwise ("download" also opens the database).
describe('the cascade: each level decides on its own (test_permissions_cascade, every row)', () => {
  type Level = 'instance' | 'database' | 'table' | 'query' | 'download'
  const cascadeConfig = (levels: Level[]): TokengateConfig => {
    const on = (level: Level) => (levels.includes(level) ? { id: '*' } : {})
    return {
      allow: on('instance'),
      databases: {
        fixtures: {
          allow: levels.includes('database') || levels.includes('download') ? { id: '*' } : {},
          tables: { binary_data: { allow: on('table') } },
          queries: { magic_parameters: { sql: 'select :name', allow: on('query') } },
        },
      },
    }
  }
  const PAGES: Record<string, [action: string, target: CheckTarget]> = {
    '/': ['view-instance', INSTANCE],
    '/fixtures': ['view-database', db('fixtures')],
    '/fixtures.db': ['view-database-download', db('fixtures')],
    '/fixtures/binary_data': ['view-table', child('fixtures', 'binary_data')],
    '/fixtures/binary_data/1': ['view-table', child('fixtures', 'binary_data')],
    '/fixtures/magic_parameters': ['view-query', child('fixtures', 'magic_parameters')],
  }
  const ROWS: [page: string, levels: Level[], status: 200 | 403][] = [
    ['/', [], 403],
    ['/', ['instance'], 200],
    // Can view table even if not allowed database or instance
    ['/fixtures/binary_data', [], 403],
    ['/fixtures/binary_data', ['database'], 403],
    ['/fixtures/binary_data', ['instance'], 403],
    ['/fixtures/binary_data', ['table'], 200],
    ['/fixtures/binary_data', ['table', 'database'], 200],
    ['/fixtures/binary_data', ['table', 'database', 'instance'], 200],
    // ... same for row
    ['/fixtures/binary_data/1', [], 403],
    ['/fixtures/binary_data/1', ['database'], 403],
    ['/fixtures/binary_data/1', ['instance'], 403],
    ['/fixtures/binary_data/1', ['table'], 200],
    ['/fixtures/binary_data/1', ['table', 'database'], 200],
    ['/fixtures/binary_data/1', ['table', 'database', 'instance'], 200],
    // Can view query even if not allowed database or instance
    ['/fixtures/magic_parameters', [], 403],
    ['/fixtures/magic_parameters', ['database'], 403],
    ['/fixtures/magic_parameters', ['instance'], 403],
    ['/fixtures/magic_parameters', ['query'], 200],
    ['/fixtures/magic_parameters', ['query', 'database'], 200],
    ['/fixtures/magic_parameters', ['query', 'database', 'instance'], 200],
    // Can view database even if not allowed instance
    ['/fixtures', [], 403],
    ['/fixtures', ['instance'], 403],
    ['/fixtures', ['database'], 200],
    // Downloading the fixtures.db file
    ['/fixtures.db', [], 403],
    ['/fixtures.db', ['instance'], 403],
    ['/fixtures.db', ['database'], 200],
    ['/fixtures.db', ['download'], 200],
  ]
  test.each<Row>(
    ROWS.map(([page, levels, status]): Row => {
      const [action, target] = PAGES[page] ?? ['no-such-page', INSTANCE]
      const actor: Actor = levels.includes('download') ? { id: 'test', can_download: 1 } : { id: 'test' }
      return [cascadeConfig(levels), actor, action, target, status === 200]
    }),
  )(NAME, check)
})

describe('allow_sql at the top and database levels feeds execute-sql (test_allow_sql_blocks, test_execute_sql)', () => {
  test.each<Row>([
    // test_allow_sql_blocks
    [{ allow_sql: { id: 'alice' } }, ALICE, 'execute-sql', db('content'), true],
    [{ allow_sql: { id: 'alice' } }, BOB, 'execute-sql', db('content'), false],
    [{ databases: { content: { allow_sql: { id: 'bob' } } } }, BOB, 'execute-sql', db('content'), true],
    [{ databases: { content: { allow_sql: { id: 'bob' } } } }, ALICE, 'execute-sql', db('content'), false],
    [{ allow_sql: false }, ALICE, 'execute-sql', db('content'), false],
    // test_execute_sql: the query page and ?_where= on a table both need execute-sql
    [{ allow_sql: { id: 'root' } }, ANON, 'execute-sql', db('fixtures'), false],
    [{ allow_sql: { id: 'root' } }, ROOT, 'execute-sql', db('fixtures'), true],
    [{ databases: { fixtures: { allow_sql: { id: 'root' } } } }, ANON, 'execute-sql', db('fixtures'), false],
    [{ databases: { fixtures: { allow_sql: { id: 'root' } } } }, ROOT, 'execute-sql', db('fixtures'), true],
    // The database-level block leaves other databases to the default
    [{ databases: { fixtures: { allow_sql: { id: 'root' } } } }, ANON, 'execute-sql', db('other'), true],
    // The database level beats the top level, both ways
    [{ allow_sql: false, databases: { fixtures: { allow_sql: true } } }, ANON, 'execute-sql', db('fixtures'), true],
    [{ allow_sql: false, databases: { fixtures: { allow_sql: true } } }, ANON, 'execute-sql', db('other'), false],
    [{ allow_sql: true, databases: { fixtures: { allow_sql: false } } }, ANON, 'execute-sql', db('fixtures'), false],
    // allow_sql feeds nothing but execute-sql
    [{ allow_sql: false }, ANON, 'view-database', db('fixtures'), true],
    [{ allow_sql: false }, ANON, 'execute-write-sql', db('fixtures'), false],
    [{ allow_sql: true }, ANON, 'execute-write-sql', db('fixtures'), false],
  ])(NAME, check)
})

// ---------------------------------------------------------------------------------------------
// permissions blocks
// ---------------------------------------------------------------------------------------------

describe('permissions blocks at every level (test_permissions_in_config, every row)', () => {
  test.each<Row>([
    // debug-menu on root
    [{ permissions: { 'debug-menu': { id: 'user' } } }, { id: 'user' }, 'debug-menu', INSTANCE, true],
    // debug-menu on root, wrong actor
    [{ permissions: { 'debug-menu': { id: 'user' } } }, { id: 'user2' }, 'debug-menu', INSTANCE, false],
    // create-table on root
    [{ permissions: { 'create-table': { id: 'user' } } }, { id: 'user' }, 'create-table', INSTANCE, true],
    // create-table on database - no resource specified
    [{ databases: { perms_ds_one: { permissions: { 'create-table': { id: 'user' } } } } }, { id: 'user' }, 'create-table', INSTANCE, false],
    // create-table on database
    [{ databases: { perms_ds_one: { permissions: { 'create-table': { id: 'user' } } } } }, { id: 'user' }, 'create-table', db('perms_ds_one'), true],
    // insert-row on root, wrong actor
    [{ permissions: { 'insert-row': { id: 'user' } } }, { id: 'user2' }, 'insert-row', child('perms_ds_one', 't1'), false],
    // insert-row on root, right actor
    [{ permissions: { 'insert-row': { id: 'user' } } }, { id: 'user' }, 'insert-row', child('perms_ds_one', 't1'), true],
    // set-column-type on specific table
    [{ databases: { perms_ds_one: { tables: { t1: { permissions: { 'set-column-type': { id: 'user' } } } } } } }, { id: 'user' }, 'set-column-type', child('perms_ds_one', 't1'), true],
    // insert-row on database
    [{ databases: { perms_ds_one: { permissions: { 'insert-row': { id: 'user' } } } } }, { id: 'user' }, 'insert-row', db('perms_ds_one'), true],
    // insert-row on table, wrong table
    [{ databases: { perms_ds_one: { tables: { t1: { permissions: { 'insert-row': { id: 'user' } } } } } } }, { id: 'user' }, 'insert-row', child('perms_ds_one', 't2'), false],
    // insert-row on table, right table
    [{ databases: { perms_ds_one: { tables: { t1: { permissions: { 'insert-row': { id: 'user' } } } } } } }, { id: 'user' }, 'insert-row', child('perms_ds_one', 't1'), true],
    // view-query on stored query, wrong actor
    [{ databases: { perms_ds_one: { queries: { q1: { sql: 'select 1 + 1', permissions: { 'view-query': { id: 'user' } } } } } } }, { id: 'user2' }, 'view-query', child('perms_ds_one', 'q1'), false],
    // view-query on stored query, right actor
    [{ databases: { perms_ds_one: { queries: { q1: { sql: 'select 1 + 1', permissions: { 'view-query': { id: 'user' } } } } } } }, { id: 'user' }, 'view-query', child('perms_ds_one', 'q1'), true],
  ])(NAME, check)
})

describe('permissions blocks: tests/test_config_permission_rules.py and test_permissions_debug_numeric_boolean', () => {
  test.each<Row>([
    // test_root_permissions_allow
    [{ permissions: { 'execute-sql': { id: 'alice' } } }, ALICE, 'execute-sql', db('content'), true],
    [{ permissions: { 'execute-sql': { id: 'alice' } } }, BOB, 'execute-sql', db('content'), false],
    // test_database_permission
    [{ databases: { content: { permissions: { 'insert-row': { id: 'alice' } } } } }, ALICE, 'insert-row', child('content', 'repos'), true],
    [{ databases: { content: { permissions: { 'insert-row': { id: 'alice' } } } } }, BOB, 'insert-row', child('content', 'repos'), false],
    // test_table_permission
    [{ databases: { content: { tables: { repos: { permissions: { 'delete-row': { id: 'alice' } } } } } } }, ALICE, 'delete-row', child('content', 'repos'), true],
    [{ databases: { content: { tables: { repos: { permissions: { 'delete-row': { id: 'alice' } } } } } } }, BOB, 'delete-row', child('content', 'repos'), false],
    // test_permissions_debug_numeric_boolean: 1 and 0 are true and false
    [{ permissions: { 'permissions-debug': 1 } }, ANON, 'permissions-debug', INSTANCE, true],
    [{ permissions: { 'permissions-debug': 0 } }, ANON, 'permissions-debug', INSTANCE, false],
    [{ permissions: { 'permissions-debug': true } }, ANON, 'permissions-debug', INSTANCE, true],
    [{ permissions: { 'permissions-debug': false } }, ANON, 'permissions-debug', INSTANCE, false],
  ])(NAME, check)
})

describe('permissions blocks: a block that does not match is a deny at its level; null adds no rule (SPEC 4)', () => {
  test.each<Row>([
    // A non-matching block at the top level denies even a default-allow action
    [{ permissions: { 'view-database': { id: 'alice' } } }, BOB, 'view-database', db('data'), false],
    [{ permissions: { 'view-database': { id: 'alice' } } }, ALICE, 'view-database', db('data'), true],
    // At database level it denies on that database only
    [{ databases: { data: { permissions: { 'view-table': { id: 'alice' } } } } }, BOB, 'view-table', child('data', 't'), false],
    [{ databases: { data: { permissions: { 'view-table': { id: 'alice' } } } } }, BOB, 'view-table', child('other', 't'), true],
    // At query level
    [{ databases: { data: { queries: { q: { sql: 'select 1', permissions: { 'update-query': { id: 'alice' } } } } } } }, ALICE, 'update-query', child('data', 'q'), true],
    [{ databases: { data: { queries: { q: { sql: 'select 1', permissions: { 'update-query': { id: 'alice' } } } } } } }, BOB, 'update-query', child('data', 'q'), false],
    [{ databases: { data: { queries: { q: { sql: 'select 1', permissions: { 'delete-query': true } } } } } }, BOB, 'delete-query', child('data', 'q'), true],
    [{ databases: { data: { queries: { q: { sql: 'select 1', permissions: { 'delete-query': true } } } } } }, BOB, 'delete-query', child('data', 'q2'), false],
    // null blocks add no rule: the defaults decide
    [{ allow: null }, ANON, 'view-instance', INSTANCE, true],
    [{ permissions: { 'view-instance': null } }, ANON, 'view-instance', INSTANCE, true],
    [{ databases: { data: { allow: null, allow_sql: null, permissions: { 'view-database': null } } } }, ANON, 'view-database', db('data'), true],
    [{ databases: { data: { allow: null, allow_sql: null } } }, ANON, 'execute-sql', db('data'), true],
    [{ databases: { data: { tables: { t: { allow: null, permissions: { 'view-table': null } } } } } }, ANON, 'view-table', child('data', 't'), true],
    [{ settings: { default_deny: true }, allow: null }, ANON, 'view-instance', INSTANCE, false],
    // Near miss: an empty object is a block that matches nobody
    [{ allow: {} }, ANON, 'view-instance', INSTANCE, false],
    [{ permissions: { 'view-instance': {} } }, ANON, 'view-instance', INSTANCE, false],
    // A block's unauthenticated key reaches anonymous, not an empty actor
    [{ permissions: { 'view-instance': { unauthenticated: true } } }, ANON, 'view-instance', INSTANCE, true],
    [{ permissions: { 'view-instance': { unauthenticated: true } } }, {}, 'view-instance', INSTANCE, false],
  ])(NAME, check)
})

// ---------------------------------------------------------------------------------------------
// Levels
// ---------------------------------------------------------------------------------------------

describe('the most specific level with a rule decides (test_permission_check_explains_specificity_for_hypothetical_actor, test_actions_sql.py, test_allowed_resources.py, test_allowed_many_basic)', () => {
  // test_permission_check_explains_specificity_for_hypothetical_actor
  const SPECIFICITY: TokengateConfig = {
    permissions: { 'view-table': { id: 'alice' } },
    databases: { analytics: { permissions: { 'view-table': false }, tables: { public: { permissions: { 'view-table': { id: 'alice' } } } } } },
  }
  // The plugin rules of test_actions_sql.py / test_allowed_resources.py, as config rules
  const CHILD_DENY: TokengateConfig = {
    databases: { analytics: { permissions: { 'view-table': true }, tables: { sensitive: { permissions: { 'view-table': false } } } } },
  }
  const CHILD_ALLOW: TokengateConfig = {
    databases: { production: { permissions: { 'view-table': false }, tables: { orders: { permissions: { 'view-table': true } } } } },
  }
  const GLOBAL_DENY_CHILD_ALLOW: TokengateConfig = {
    permissions: { 'view-table': false },
    databases: { analytics: { tables: { users: { permissions: { 'view-table': true } } } } },
  }
  const GLOBAL_DENY_DB_ALLOW: TokengateConfig = {
    permissions: { 'view-table': false },
    databases: { analytics: { permissions: { 'view-table': true } } },
  }
  const TABLE_EXCEPTION: TokengateConfig = {
    databases: { analytics: { permissions: { 'view-table': false }, tables: { users: { permissions: { 'view-table': true } } } } },
  }
  // test_allowed_many_basic's MatrixRulesPlugin, for carol
  const MATRIX: TokengateConfig = {
    permissions: { 'view-table': true },
    databases: { analytics: { permissions: { 'insert-row': true }, tables: { sensitive: { permissions: { 'view-table': false } } } } },
  }
  const ANALYST: Actor = { id: 'bob', role: 'analyst' }
  test.each<Row>([
    [SPECIFICITY, ALICE, 'view-table', child('analytics', 'public'), true],
    [SPECIFICITY, ALICE, 'view-table', child('analytics', 'private'), false],
    [SPECIFICITY, ALICE, 'view-table', child('other', 'private'), true],
    [SPECIFICITY, BOB, 'view-table', child('analytics', 'public'), false],
    [SPECIFICITY, BOB, 'view-table', child('other', 'private'), false],
    // test_child_deny_overrides_parent_allow, test_tables_endpoint_deny_overrides_allow
    [CHILD_DENY, ANALYST, 'view-table', child('analytics', 'users'), true],
    [CHILD_DENY, ANALYST, 'view-table', child('analytics', 'events'), true],
    [CHILD_DENY, ANALYST, 'view-table', child('analytics', 'sensitive'), false],
    // test_child_allow_overrides_parent_deny
    [CHILD_ALLOW, { id: 'carol' }, 'view-table', child('production', 'orders'), true],
    [CHILD_ALLOW, { id: 'carol' }, 'view-table', child('production', 'customers'), false],
    // test_sql_does_filtering_not_python
    [GLOBAL_DENY_CHILD_ALLOW, { id: 'dave' }, 'view-table', child('analytics', 'users'), true],
    [GLOBAL_DENY_CHILD_ALLOW, { id: 'dave' }, 'view-table', child('analytics', 'events'), false],
    // test_allowed_specific_resource
    [GLOBAL_DENY_DB_ALLOW, ANALYST, 'view-table', child('analytics', 'users'), true],
    [GLOBAL_DENY_DB_ALLOW, ANALYST, 'view-table', child('analytics', 'events'), true],
    [GLOBAL_DENY_DB_ALLOW, ANALYST, 'view-table', child('production', 'orders'), false],
    // test_tables_endpoint_table_exception
    [TABLE_EXCEPTION, { id: 'carol' }, 'view-table', child('analytics', 'users'), true],
    [TABLE_EXCEPTION, { id: 'carol' }, 'view-table', child('analytics', 'events'), false],
    [TABLE_EXCEPTION, { id: 'carol' }, 'view-table', child('analytics', 'sensitive'), false],
    [TABLE_EXCEPTION, { id: 'carol' }, 'view-table', child('production', 'orders'), true],
    // test_allowed_many_basic
    [MATRIX, { id: 'carol' }, 'view-table', child('analytics', 'users'), true],
    [MATRIX, { id: 'carol' }, 'insert-row', child('analytics', 'users'), true],
    [MATRIX, { id: 'carol' }, 'drop-table', child('analytics', 'users'), false],
    [MATRIX, { id: 'carol' }, 'view-table', child('analytics', 'sensitive'), false],
    // Allow blocks obey the same levels: a table allow beats a database deny and vice versa
    [{ databases: { d: { allow: false, tables: { t: { allow: true } } } } }, ANON, 'view-table', child('d', 't'), true],
    [{ databases: { d: { allow: false, tables: { t: { allow: true } } } } }, ANON, 'view-table', child('d', 'u'), false],
    [{ databases: { d: { allow: true, tables: { t: { allow: false } } } } }, ANON, 'view-table', child('d', 't'), false],
    [{ databases: { d: { allow: true, tables: { t: { allow: false } } } } }, ANON, 'view-table', child('d', 'u'), true],
    [{ allow: false, databases: { d: { allow: true } } }, ANON, 'view-database', db('d'), true],
    [{ allow: false, databases: { d: { allow: true } } }, ANON, 'view-database', db('e'), false],
    [{ allow: true, databases: { d: { allow: false } } }, ANON, 'view-database', db('d'), false],
    // Allow blocks and permissions blocks meet at the same levels
    [{ databases: { d: { allow: false, tables: { t: { permissions: { 'view-table': true } } } } } }, ANON, 'view-table', child('d', 't'), true],
    [{ databases: { d: { permissions: { 'view-table': false } } }, allow: true }, ANON, 'view-table', child('d', 't'), false],
  ])(NAME, check)
})

describe('any deny at the deciding level wins (test_permission_check_explains_deny_wins_at_same_scope)', () => {
  test.each<Row>([
    // The default allow and a non-matching global block: deny
    [{ permissions: { 'view-table': { id: 'someone-else' } } }, ALICE, 'view-table', child('analytics', 'users'), false],
    [{ permissions: { 'view-table': { id: 'someone-else' } } }, { id: 'someone-else' }, 'view-table', child('analytics', 'users'), true],
    // Two blocks at database level: the allow block matches, the permissions block does not
    [{ databases: { d: { allow: { id: 'alice' }, permissions: { 'view-table': { id: 'bob' } } } } }, ALICE, 'view-table', child('d', 't'), false],
    [{ databases: { d: { allow: { id: ['alice', 'bob'] }, permissions: { 'view-table': { id: 'bob' } } } } }, BOB, 'view-table', child('d', 't'), true],
    // Two blocks at child level
    [{ databases: { d: { tables: { t: { allow: { id: 'alice' }, permissions: { 'view-table': false } } } } } }, ALICE, 'view-table', child('d', 't'), false],
    [{ databases: { d: { tables: { t: { allow: { id: 'alice' }, permissions: { 'view-table': true } } } } } }, ALICE, 'view-table', child('d', 't'), true],
    // Top-level allow and allow_sql do not meet: different actions
    [{ allow: { id: 'alice' }, permissions: { 'view-instance': { id: 'bob' } } }, ALICE, 'view-instance', INSTANCE, false],
    [{ allow: { id: 'alice' }, permissions: { 'view-instance': { id: 'alice' } } }, ALICE, 'view-instance', INSTANCE, true],
    // A deny at a less specific level does not count once a more specific level has a rule
    [{ permissions: { 'view-table': false }, databases: { d: { permissions: { 'view-table': true } } } }, ALICE, 'view-table', child('d', 't'), true],
  ])(NAME, check)
})

describe('a check at a level lower (or higher) than the action scope takes its level from its arguments (SPEC 4.2)', () => {
  test.each<Row>([
    // An instance action checked on a database meets that database's rules
    [{ databases: { d: { permissions: { 'view-instance': false } } } }, ALICE, 'view-instance', db('d'), false],
    [{ databases: { d: { permissions: { 'view-instance': false } } } }, ALICE, 'view-instance', INSTANCE, true],
    [{ databases: { d: { permissions: { 'view-instance': false } } } }, ALICE, 'view-instance', db('e'), true],
    // A database action checked on a child meets that child's rules
    [{ databases: { d: { tables: { t: { permissions: { 'create-table': true } } } } } }, ALICE, 'create-table', child('d', 't'), true],
    [{ databases: { d: { tables: { t: { permissions: { 'create-table': true } } } } } }, ALICE, 'create-table', db('d'), false],
    [{ databases: { d: { tables: { t: { permissions: { 'execute-sql': false } } } } } }, ALICE, 'execute-sql', child('d', 't'), false],
    [{ databases: { d: { tables: { t: { permissions: { 'execute-sql': false } } } } } }, ALICE, 'execute-sql', db('d'), true],
    // A resource action checked on a database meets that database's rules, never a child's
    [{ databases: { d: { permissions: { 'drop-table': true } } } }, ALICE, 'drop-table', db('d'), true],
    [{ databases: { d: { tables: { t: { permissions: { 'drop-table': true } } } } } }, ALICE, 'drop-table', db('d'), false],
    // ... and checked at instance level, neither
    [{ databases: { d: { permissions: { 'drop-table': true } } } }, ALICE, 'drop-table', INSTANCE, false],
    [{ permissions: { 'drop-table': true } }, ALICE, 'drop-table', INSTANCE, true],
    // Global rules (the defaults among them) reach every level
    [{}, ALICE, 'view-instance', child('d', 't'), true],
    [{}, ALICE, 'permissions-debug', child('d', 't'), false],
    [{}, ALICE, 'view-table', INSTANCE, true],
    [{}, ALICE, 'view-table', db('d'), true],
  ])(NAME, check)
})

// ---------------------------------------------------------------------------------------------
// also-requires
// ---------------------------------------------------------------------------------------------

describe('also-requires: execute-sql and download need view-database, store-query needs execute-sql (SPEC 3/4.4)', () => {
  // test_allowed_many_also_requires's AlsoRequiresRulesPlugin, as config rules for each actor
  const DAVE: TokengateConfig = { permissions: { 'store-query': { id: ['dave', 'erin'] }, 'execute-sql': { id: 'erin' } } }
  // test_permission_check_explains_required_actions's StoreQueryPermissions, for alice
  const STORE: TokengateConfig = { databases: { analytics: { permissions: { 'store-query': true, 'execute-sql': false } } } }
  test.each<Row>([
    // test_allowed_many_also_requires: dave may store queries but not run SQL
    [DAVE, { id: 'dave' }, 'store-query', db('analytics'), false],
    [DAVE, { id: 'dave' }, 'execute-sql', db('analytics'), false],
    [DAVE, { id: 'dave' }, 'view-database', db('analytics'), true],
    [DAVE, { id: 'erin' }, 'store-query', db('analytics'), true],
    // test_permission_check_explains_required_actions
    [STORE, ALICE, 'store-query', db('analytics'), false],
    [STORE, ALICE, 'store-query', db('other'), false],
    [{ databases: { analytics: { permissions: { 'store-query': true } } } }, ALICE, 'store-query', db('analytics'), true],
    // The chain is followed to the end: store-query -> execute-sql -> view-database
    [{ permissions: { 'store-query': true }, allow_sql: true, databases: { d: { allow: false } } }, ALICE, 'store-query', db('d'), false],
    [{ permissions: { 'store-query': true }, allow_sql: true, databases: { d: { allow: true } } }, ALICE, 'store-query', db('d'), true],
    // execute-write-sql needs view-database too
    [{ permissions: { 'execute-write-sql': true }, databases: { d: { allow: {} } } }, ALICE, 'execute-write-sql', db('d'), false],
    [{ permissions: { 'execute-write-sql': true } }, ALICE, 'execute-write-sql', db('d'), true],
    // view-database-download needs view-database
    [{ databases: { d: { permissions: { 'view-database': false } } } }, ALICE, 'view-database-download', db('d'), false],
    [{ databases: { d: { permissions: { 'view-database-download': false } } } }, ALICE, 'view-database', db('d'), true],
    // The required action is checked on the same database and child: here, at child level
    [{ databases: { d: { tables: { t: { permissions: { 'view-database': false } } } } } }, ALICE, 'execute-sql', child('d', 't'), false],
    [{ databases: { d: { tables: { t: { permissions: { 'view-database': false } } } } } }, ALICE, 'execute-sql', db('d'), true],
    [{ databases: { d: { tables: { t: { permissions: { 'view-database': false } } } } } }, ALICE, 'execute-sql', child('d', 'u'), true],
    // Actions without also-requires do not need view-database
    [{ databases: { d: { allow: false, permissions: { 'create-table': true } } } }, ALICE, 'create-table', db('d'), true],
    [{ databases: { d: { allow: false }, }, permissions: { 'insert-row': true } }, ALICE, 'insert-row', child('d', 't'), true],
  ])(NAME, check)
})

// ---------------------------------------------------------------------------------------------
// root
// ---------------------------------------------------------------------------------------------

describe('root enabled: a global allow of every action for id "root" (test_permission_check_view_requires_debug_permission, test_default_deny_with_root_user)', () => {
  test.each<Row>([
    [{}, ROOT, 'permissions-debug', INSTANCE, true],
    [{}, { id: 'user' }, 'permissions-debug', INSTANCE, false],
    [{}, ANON, 'permissions-debug', INSTANCE, false],
    [{}, ROOT, 'drop-table', child('d', 't'), true],
    [{}, ROOT, 'store-query', db('d'), true],
    [{}, ROOT, 'auth-tokens-revoke-all', INSTANCE, true],
    [{}, ROOT, 'auth-tokens-edit-all', INSTANCE, true],
    // test_permission_check_view_query_actions: root may check query actions
    [{}, ROOT, 'update-query', child('mydb', 'myquery'), true],
    [{}, ROOT, 'delete-query', child('mydb', 'myquery'), true],
    // The id must be exactly the string "root"
    [{}, { id: 'Root' }, 'permissions-debug', INSTANCE, false],
    [{}, { id: ['root'] }, 'permissions-debug', INSTANCE, false],
    [{}, { id: 'root ' }, 'permissions-debug', INSTANCE, false],
    [{}, { root: true }, 'permissions-debug', INSTANCE, false],
    [{}, { bot_id: 'root' }, 'permissions-debug', INSTANCE, false],
    // A config deny at a more specific level beats root's global allow
    [{ databases: { d: { allow: false } } }, ROOT, 'view-database', db('d'), false],
    [{ databases: { d: { allow: false } } }, ROOT, 'view-database', db('e'), true],
    [{ databases: { d: { tables: { t: { permissions: { 'drop-table': false } } } } } }, ROOT, 'drop-table', child('d', 't'), false],
    [{ databases: { d: { tables: { t: { permissions: { 'drop-table': false } } } } } }, ROOT, 'drop-table', child('d', 'u'), true],
    [{ databases: { d: { allow: { id: 'alice' } } } }, ROOT, 'view-table', child('d', 't'), false],
    // ... and a config deny at the global level meets root at the same level: deny wins
    [{ allow: {} }, ROOT, 'view-instance', INSTANCE, false],
    [{ permissions: { 'permissions-debug': false } }, ROOT, 'permissions-debug', INSTANCE, false],
    [{ allow: { id: 'root' } }, ROOT, 'view-instance', INSTANCE, true],
    // Root is still subject to the restriction gate (test_allowed_many_respects_restrictions)
    [{}, { id: 'root', _r: { d: { analytics: ['vt'] } } }, 'view-table', child('analytics', 'users'), true],
    [{}, { id: 'root', _r: { d: { analytics: ['vt'] } } }, 'drop-table', child('analytics', 'users'), false],
    [{}, { id: 'root', _r: { d: { analytics: ['vt'] } } }, 'view-table', child('production', 'stuff'), false],
    [{}, { id: 'root', _r: { a: ['dt'] } }, 'drop-table', child('analytics', 'users'), true],
  ])(NAME, checkRoot)
})

describe('root disabled: id "root" is an ordinary actor (test_allowed_many_respects_restrictions runs without --root)', () => {
  test.each<Row>([
    [{}, ROOT, 'permissions-debug', INSTANCE, false],
    [{}, ROOT, 'drop-table', child('d', 't'), false],
    [{}, { id: 'root', _r: { d: { analytics: ['vt'] } } }, 'view-table', child('analytics', 'users'), true],
    [{}, { id: 'root', _r: { d: { analytics: ['vt'] } } }, 'drop-table', child('analytics', 'users'), false],
    [{}, { id: 'root', _r: { a: ['dt'] } }, 'drop-table', child('analytics', 'users'), false],
  ])(NAME, check)
})

// ---------------------------------------------------------------------------------------------
// Restrictions AND-ed with the base decision
// ---------------------------------------------------------------------------------------------

describe('restricted actors with the defaults (test_actor_restricted_permissions, every row)', () => {
  test.each<Row>([
    // Without restrictions the defaults apply
    [{}, { id: 't' }, 'view-instance', INSTANCE, true],
    [{}, { id: 't' }, 'view-database', db('one'), true],
    [{}, { id: 't' }, 'view-table', child('one', 't1'), true],
    // If there is an _r block, everything gets denied unless explicitly allowed
    [{}, { id: 't', _r: {} }, 'view-instance', INSTANCE, false],
    [{}, { id: 't', _r: {} }, 'view-database', db('one'), false],
    [{}, { id: 't', _r: {} }, 'view-table', child('one', 't1'), false],
    // Explicit allowing works at the "a" for all level:
    [{}, { id: 't', _r: { a: ['vi'] } }, 'view-instance', INSTANCE, true],
    [{}, { id: 't', _r: { a: ['vd'] } }, 'view-database', db('one'), true],
    [{}, { id: 't', _r: { a: ['vt'] } }, 'view-table', child('one', 't1'), true],
    // But not if it's the wrong permission
    [{}, { id: 't', _r: { a: ['vi'] } }, 'view-database', db('one'), false],
    [{}, { id: 't', _r: { a: ['vd'] } }, 'view-table', child('one', 't1'), false],
    // Works at the "d" for database level:
    [{}, { id: 't', _r: { d: { one: ['vd'] } } }, 'view-database', db('one'), true],
    // view-database-download requires view-database too (also_requires)
    [{}, { id: 't', _r: { d: { one: ['vdd', 'vd'] } } }, 'view-database-download', db('one'), true],
    [{}, { id: 't', _r: { d: { one: ['vdd'] } } }, 'view-database-download', db('one'), false],
    // execute-sql requires view-database too (also_requires)
    [{}, { id: 't', _r: { d: { one: ['es', 'vd'] } } }, 'execute-sql', db('one'), true],
    [{}, { id: 't', _r: { d: { one: ['es'] } } }, 'execute-sql', db('one'), false],
    // Works at the "r" for table level:
    [{}, { id: 't', _r: { r: { one: { t1: ['vt'] } } } }, 'view-table', child('one', 't1'), true],
    [{}, { id: 't', _r: { r: { one: { t1: ['vt'] } } } }, 'view-table', child('one', 't2'), false],
    // non-abbreviations should work too
    [{}, { id: 't', _r: { a: ['view-instance'] } }, 'view-instance', INSTANCE, true],
    [{}, { id: 't', _r: { d: { one: ['view-database'] } } }, 'view-database', db('one'), true],
    [{}, { id: 't', _r: { r: { one: { t1: ['view-table'] } } } }, 'view-table', child('one', 't1'), true],
    // view-database does NOT grant view-instance (no upward cascading)
    [{}, { id: 't', _r: { a: ['vd'] } }, 'view-instance', INSTANCE, false],
  ])(NAME, check)
})

describe('restricted actors, page by page (test_actor_restrictions and its #2534 companions)', () => {
  const USER = (r?: unknown): Actor => (r === undefined ? { id: 'user' } : { id: 'user', _r: r })
  test.each<Row>([
    // No restrictions
    [{}, USER(), 'view-instance', INSTANCE, true],
    [{}, USER(), 'view-database', db('perms_ds_one'), true],
    [{}, USER(), 'view-table', child('perms_ds_one', 't1'), true],
    [{}, USER(), 'view-table', child('perms_ds_one', 'v1'), true],
    // Restricted to just view-instance (also test_actor_restrictions_view_instance_only)
    [{}, USER({ a: ['vi'] }), 'view-instance', INSTANCE, true],
    [{}, USER({ a: ['vi'] }), 'view-database', db('perms_ds_one'), false],
    [{}, USER({ a: ['vi'] }), 'view-table', child('perms_ds_one', 't1'), false],
    [{}, USER({ a: ['vi'] }), 'view-table', child('perms_ds_one', 'v1'), false],
    // Restricted to just view-database
    [{}, USER({ a: ['vd'] }), 'view-instance', INSTANCE, false],
    [{}, USER({ a: ['vd'] }), 'view-database', db('perms_ds_one'), true],
    [{}, USER({ a: ['vd'] }), 'view-table', child('perms_ds_one', 't1'), false],
    // Restricted to just view-table for specific database
    [{}, USER({ d: { perms_ds_one: ['vt'] } }), 'view-instance', INSTANCE, false],
    [{}, USER({ d: { perms_ds_one: ['vt'] } }), 'view-database', db('perms_ds_one'), false],
    [{}, USER({ d: { perms_ds_one: ['vt'] } }), 'view-database', db('perms_ds_two'), false],
    [{}, USER({ d: { perms_ds_one: ['vt'] } }), 'view-table', child('perms_ds_one', 't1'), true],
    [{}, USER({ d: { perms_ds_one: ['vt'] } }), 'view-table', child('perms_ds_one', 'v1'), true],
    // view-table access to a specific table (also ..._json_endpoints_show_filtered_listings)
    [{}, USER({ r: { perms_ds_one: { t1: ['vt'] } } }), 'view-instance', INSTANCE, false],
    [{}, USER({ r: { perms_ds_one: { t1: ['vt'] } } }), 'view-database', db('perms_ds_one'), false],
    [{}, USER({ r: { perms_ds_one: { t1: ['vt'] } } }), 'view-table', child('perms_ds_one', 't1'), true],
    [{}, USER({ r: { perms_ds_one: { t1: ['vt'] } } }), 'view-table', child('perms_ds_one', 't2'), false],
    [{}, USER({ r: { perms_ds_one: { t1: ['vt'] } } }), 'view-table', child('perms_ds_one', 'v1'), false],
    // test_actor_restrictions_empty_allowlist
    [{}, USER({}), 'view-instance', INSTANCE, false],
    [{}, USER({}), 'view-database', db('perms_ds_one'), false],
    [{}, USER({}), 'view-table', child('perms_ds_one', 't1'), false],
    // test_also_requires_with_restrictions
    [{}, USER({ d: { db1_also_requires: ['vd', 'es'], db2_also_requires: ['es'] } }), 'execute-sql', db('db1_also_requires'), true],
    [{}, USER({ d: { db1_also_requires: ['vd', 'es'], db2_also_requires: ['es'] } }), 'execute-sql', db('db2_also_requires'), false],
    // test_cache_keyed_on_full_actor_identity (its plugin's global allow for alice, as config)
    [{ permissions: { 'drop-table': { id: 'alice' } } }, ALICE, 'drop-table', child('analytics', 'users'), true],
    [{ permissions: { 'drop-table': { id: 'alice' } } }, BOB, 'drop-table', child('analytics', 'users'), false],
    [{ permissions: { 'drop-table': { id: 'alice' } } }, { id: 'alice', _r: { a: [] } }, 'drop-table', child('analytics', 'users'), false],
  ])(NAME, check)
})

describe('a restricted token never exceeds its actor (test_permissions.py, test_actor_restriction_bug.py)', () => {
  test.each<Row>([
    // test_view_table_token_cannot_gain_access_without_base_permission
    [{ databases: { perms_ds_two: { allow: { id: 'someone-else' } } } }, { id: 'restricted-token', token: 'dstok', _r: { r: { perms_ds_two: { t1: ['vt'] } } } }, 'view-table', child('perms_ds_two', 't1'), false],
    [{ databases: { perms_ds_two: { allow: { id: 'someone-else' } } } }, { id: 'someone-else', token: 'dstok', _r: { r: { perms_ds_two: { t1: ['vt'] } } } }, 'view-table', child('perms_ds_two', 't1'), true],
    // test_actor_restrictions_do_not_expand_allowed_resources
    [{ databases: { perms_ds_one: { allow: { id: 'someone-else' } } } }, { id: 'user', _r: { r: { perms_ds_one: { t1: ['vt'] } } } }, 'view-table', child('perms_ds_one', 't1'), false],
    // test_actor_restrictions_cannot_be_overridden_by_config
    [{ databases: { test_db: { tables: { t1: { allow: { id: 'user' } }, t2: { allow: { id: 'user' } } } } } }, { id: 'user', _r: { r: { test_db: { t1: ['vt'] } } } }, 'view-table', child('test_db', 't1'), true],
    [{ databases: { test_db: { tables: { t1: { allow: { id: 'user' } }, t2: { allow: { id: 'user' } } } } } }, { id: 'user', _r: { r: { test_db: { t1: ['vt'] } } } }, 'view-table', child('test_db', 't2'), false],
    // test_actor_restrictions_with_database_level_config
    [{ databases: { perms_ds_one: { tables: { t1: { allow: { id: 'user' } }, t2: { allow: { id: 'user' } } } } } }, { id: 'user', _r: { d: { perms_ds_one: ['vt'] } } }, 'view-table', child('perms_ds_one', 't1'), true],
    [{ databases: { perms_ds_one: { tables: { t1: { allow: { id: 'user' } }, t2: { allow: { id: 'user' } } } } } }, { id: 'user', _r: { d: { perms_ds_one: ['vt'] } } }, 'view-table', child('perms_ds_one', 't2'), true],
    [{ databases: { perms_ds_one: { tables: { t1: { allow: { id: 'user' } }, t2: { allow: { id: 'user' } } } } } }, { id: 'user', _r: { d: { perms_ds_one: ['vt'] } } }, 'view-table', child('perms_ds_one', 'v1'), true],
    // test_actor_restrictions_parent_deny_blocks_config_child_allow
    [{ databases: { perms_ds_one: { tables: { t1: { allow: { id: 'user' } }, t2: { allow: { id: 'user' } } } } } }, { id: 'user', _r: { r: { perms_ds_one: { t1: ['vt'] } } } }, 'view-table', child('perms_ds_one', 't1'), true],
    [{ databases: { perms_ds_one: { tables: { t1: { allow: { id: 'user' } }, t2: { allow: { id: 'user' } } } } } }, { id: 'user', _r: { r: { perms_ds_one: { t1: ['vt'] } } } }, 'view-table', child('perms_ds_one', 't2'), false],
    // test_root_allow_block_with_table_restricted_actor
    [{ allow: { id: 'admin' } }, { id: 'user', _r: { r: { mydb: { t1: ['view-table'] } } } }, 'view-table', child('mydb', 't1'), false],
    [{ allow: { id: 'admin' } }, { id: 'admin', _r: { r: { mydb: { t1: ['view-table'] } } } }, 'view-table', child('mydb', 't1'), true],
    // test_restrictions_gate_before_config
    [{}, { id: 'user', _r: { r: { perms_ds_one: { t1: ['vt'] } } } }, 'view-table', child('perms_ds_one', 't2'), false],
    [{}, { id: 'user', _r: { r: { perms_ds_one: { t1: ['vt'] } } } }, 'view-table', child('perms_ds_one', 't1'), true],
    // test_table_restrictions_not_bypassed_by_database_level_config
    ...(['table1', 'table2', 'table3', 'table4'] as const).map((table): Row => [
      { databases: { test_db_rnbbdlc: { allow: { id: 'user' } } } },
      { id: 'user', _r: { r: { test_db_rnbbdlc: { table2: ['vt'], table3: ['vt'] } } } },
      'view-table',
      child('test_db_rnbbdlc', table),
      table === 'table2' || table === 'table3',
    ]),
    // test_database_restrictions_with_database_level_config
    [{ databases: { test_db_rwdl: { allow: { id: 'user' } } } }, { id: 'user', _r: { d: { test_db_rwdl: ['vt'] } } }, 'view-table', child('test_db_rwdl', 'table1'), true],
    [{ databases: { test_db_rwdl: { allow: { id: 'user' } } } }, { id: 'user', _r: { d: { test_db_rwdl: ['vt'] } } }, 'view-table', child('test_db_rwdl', 'table2'), true],
    // SPEC 5: naming an action in _r grants nothing the actor lacks
    [{}, { id: 'alice', _r: { r: { d: { t: ['ir'] } } } }, 'insert-row', child('d', 't'), false],
    [{}, { id: 'alice', _r: { a: ['ir', 'dt', 'pd'] } }, 'permissions-debug', INSTANCE, false],
    [{ permissions: { 'insert-row': { id: 'alice' } } }, { id: 'alice', _r: { r: { d: { t: ['ir'] } } } }, 'insert-row', child('d', 't'), true],
    [{ permissions: { 'insert-row': { id: 'alice' } } }, { id: 'alice', _r: { r: { d: { t: ['ir'] } } } }, 'insert-row', child('d', 'u'), false],
    [{ permissions: { 'insert-row': { id: 'alice' } } }, { id: 'bob', _r: { r: { d: { t: ['ir'] } } } }, 'insert-row', child('d', 't'), false],
    // The anonymous actor carries no restrictions
    [{}, ANON, 'view-table', child('d', 't'), true],
  ])(NAME, check)
})

describe('the restriction gate is purely a gate: it never removes access the actor has and the gate admits (SPEC 4, deliberate difference)', () => {
  // Datasette's config source adds "restriction gate" denies for restricted actors when a
  // less specific allow block denies them (default_permissions/config.py,
  // _add_restriction_gate_denies); those denies then beat the actor's own more specific allow.
  const TOP_BOB_TABLE_ALICE: TokengateConfig = { allow: { id: 'bob' }, databases: { d: { tables: { t: { allow: { id: 'alice' } } } } } }
  const DB_BOB_TABLE_ALICE: TokengateConfig = { databases: { d: { allow: { id: 'bob' }, tables: { t: { allow: { id: 'alice' } } } } } }
  const TOP_BOB_DB_ALICE: TokengateConfig = { allow: { id: 'bob' }, databases: { d: { allow: { id: 'alice' } } } }
  test.each<Row>([
    // The actor without restrictions: allowed by its more specific allow block (Datasette agrees)
    [TOP_BOB_TABLE_ALICE, ALICE, 'view-table', child('d', 't'), true],
    [DB_BOB_TABLE_ALICE, ALICE, 'view-table', child('d', 't'), true],
    [TOP_BOB_DB_ALICE, ALICE, 'view-database', db('d'), true],
    // The same actor through a token whose _r admits exactly that check
    [TOP_BOB_TABLE_ALICE, { id: 'alice', _r: { r: { d: { t: ['vt'] } } } }, 'view-table', child('d', 't'), true], // differs from Datasette: SPEC 4 (the restriction gate is purely a gate)
    [DB_BOB_TABLE_ALICE, { id: 'alice', _r: { r: { d: { t: ['vt'] } } } }, 'view-table', child('d', 't'), true], // differs from Datasette: SPEC 4 (the restriction gate is purely a gate)
    [TOP_BOB_DB_ALICE, { id: 'alice', _r: { d: { d: ['vd'] } } }, 'view-database', db('d'), true], // differs from Datasette: SPEC 4 (the restriction gate is purely a gate)
    // Datasette agrees when its gate deny lands less specifically than the actor's allow: with
    // "a" it adds none, with d[D] it adds a database-level deny that the table allow beats
    [TOP_BOB_TABLE_ALICE, { id: 'alice', _r: { a: ['vt'] } }, 'view-table', child('d', 't'), true],
    [TOP_BOB_TABLE_ALICE, { id: 'alice', _r: { d: { d: ['vt'] } } }, 'view-table', child('d', 't'), true],
    // Near misses: the gate still removes what it does not admit, and the base still denies
    [TOP_BOB_TABLE_ALICE, { id: 'alice', _r: { r: { d: { u: ['vt'] } } } }, 'view-table', child('d', 't'), false],
    [TOP_BOB_TABLE_ALICE, { id: 'alice', _r: { r: { d: { t: ['vt'] } } } }, 'view-table', child('d', 'u'), false],
    [TOP_BOB_TABLE_ALICE, { id: 'carol', _r: { r: { d: { t: ['vt'] } } } }, 'view-table', child('d', 't'), false],
    [TOP_BOB_DB_ALICE, { id: 'alice', _r: { d: { d: ['vd'] } } }, 'view-database', db('e'), false],
  ])(NAME, check)
})

describe('a malformed or null _r denies everything (SPEC 5: the token is invalid; fail closed)', () => {
  test.each<Row>([
    [{}, { id: 'alice', _r: null }, 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (_r null is invalid; Datasette errors in its config source)
    [{}, { id: 'alice', _r: [] }, 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (malformed _r; Datasette errors)
    [{}, { id: 'alice', _r: { a: 'vi' } }, 'view-instance', INSTANCE, false], // Datasette also denies: the string "vi" is not a list holding "vi"
    // Near miss: well-formed
    [{}, { id: 'alice', _r: { a: ['vi'] } }, 'view-instance', INSTANCE, true],
  ])(NAME, check)
})

// ---------------------------------------------------------------------------------------------
// Application actions
// ---------------------------------------------------------------------------------------------

// tests/test_plugins.py::test_hook_register_actions_with_custom_resources: three plugin actions
// (its collections play the part of databases, its documents of children); the plugin's grant of
// manage-documents to user2 is written as a permissions block, its default allows as defaults.
describe('application actions (test_hook_register_actions_with_custom_resources, every check)', () => {
  const registry = [
    defineAction({ name: 'manage-documents', abbr: 'md', scope: 'instance' }),
    defineAction({ name: 'view-document-collection', scope: 'database', defaultAllow: true }),
    defineAction({ name: 'view-document', abbr: 'vdoc', scope: 'resource', defaultAllow: true }),
  ]
  const CONFIG: TokengateConfig = { permissions: { 'manage-documents': { id: 'user2' } } }
  test.each<Row>([
    // Custom actions have no default allow
    [CONFIG, { id: 'user1' }, 'manage-documents', INSTANCE, false],
    // user2 has explicit permission, and the token admits it
    [CONFIG, { id: 'user2', _r: { a: ['md'] } }, 'manage-documents', INSTANCE, true],
    // restricted, but not in the allowlist ("vdc" names nothing)
    [CONFIG, { id: 'user3', _r: { a: ['vdc'] } }, 'manage-documents', INSTANCE, false],
    // Collection-level action, by full name (it has no abbreviation)
    [CONFIG, { id: 'user4', _r: { d: { collection1: ['view-document-collection'] } } }, 'view-document-collection', db('collection1'), true],
    [CONFIG, { id: 'user4', _r: { d: { collection1: ['view-document-collection'] } } }, 'view-document-collection', db('collection2'), false],
    // Document-level action
    [CONFIG, { id: 'user5', _r: { r: { collection1: { doc1: ['vdoc'] } } } }, 'view-document', child('collection1', 'doc1'), true],
    [CONFIG, { id: 'user5', _r: { r: { collection1: { doc1: ['vdoc'] } } } }, 'view-document', child('collection1', 'doc2'), false],
    [CONFIG, { id: 'user6', _r: { a: ['vdoc'] } }, 'view-document', child('collection2', 'doc3'), true],
    // Collection access does not grant document access
    [CONFIG, { id: 'user7', _r: { d: { collection1: ['vdc'] } } }, 'view-document', child('collection1', 'doc1'), false],
  ])(NAME, (config, actor, action, target, expected) => {
    expect(decide(resolve(config, false, registry), actor, action, target)).toBe(expected)
  })

  // SPEC 3/4: an application action's also-requires and root's global allow cover it too
  const withRequires = [defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource', alsoRequires: 'view-table' })]
  test.each<[rootEnabled: boolean, ...row: Row]>([
    [false, { permissions: { 'publish-post': true } }, ALICE, 'publish-post', child('blog', 'post1'), true],
    [false, { permissions: { 'publish-post': true }, databases: { blog: { tables: { post1: { allow: false } } } } }, ALICE, 'publish-post', child('blog', 'post1'), false],
    [false, {}, ALICE, 'publish-post', child('blog', 'post1'), false],
    [false, {}, ROOT, 'publish-post', child('blog', 'post1'), false],
    [true, {}, ROOT, 'publish-post', child('blog', 'post1'), true],
    [true, {}, { id: 'root', _r: { a: ['pp'] } }, 'publish-post', child('blog', 'post1'), false],
    [true, {}, { id: 'root', _r: { a: ['pp', 'vt'] } }, 'publish-post', child('blog', 'post1'), true],
  ])('root %s | %j | actor %j | %s at %j -> %s', (rootEnabled, config, actor, action, target, expected) => {
    expect(decide(resolve(config, rootEnabled, withRequires), actor, action, target)).toBe(expected)
  })
})

// ---------------------------------------------------------------------------------------------
// explain(): the decision says why (Datasette's /-/check explanation tests)
// ---------------------------------------------------------------------------------------------

describe('explain() reports the deciding level, the restriction verdict and the required actions', () => {
  test('test_permission_check_explains_specificity_for_hypothetical_actor', () => {
    const resolver = resolve(
      {
        permissions: { 'view-table': { id: 'alice' } },
        databases: { analytics: { permissions: { 'view-table': false }, tables: { public: { permissions: { 'view-table': { id: 'alice' } } } } } },
      },
      true,
    )
    const pub = resolver.explain(ALICE, 'view-table', child('analytics', 'public'))
    expect(pub).toMatchObject({ allowed: true, decidingLevel: 'child', baseAllowed: true })
    expect(pub.rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'child', effect: 'allow' }),
        expect.objectContaining({ level: 'database', effect: 'deny' }),
      ]),
    )
    const priv = resolver.explain(ALICE, 'view-table', child('analytics', 'private'))
    expect(priv).toMatchObject({ allowed: false, decidingLevel: 'database', baseAllowed: false })
  })

  test('test_permission_check_explains_deny_wins_at_same_scope', () => {
    const decision = resolve({ permissions: { 'view-table': { id: 'someone-else' } } }, true).explain(ALICE, 'view-table', child('analytics', 'users'))
    expect(decision).toMatchObject({ allowed: false, decidingLevel: 'instance' })
    expect(decision.rules.map((rule) => rule.effect).sort()).toEqual(['allow', 'deny'])
    const near = resolve({ permissions: { 'view-table': { id: 'alice' } } }, true).explain(ALICE, 'view-table', child('analytics', 'users'))
    expect(near).toMatchObject({ allowed: true, decidingLevel: 'instance' })
  })

  test('test_permission_check_explains_default_deny', () => {
    const decision = resolve({}, true).explain(ALICE, 'insert-row', child('analytics', 'users'))
    expect(decision).toMatchObject({ allowed: false, decidingLevel: null, baseAllowed: false, rules: [] })
    const near = resolve({}, true).explain(ALICE, 'view-table', child('analytics', 'users'))
    expect(near).toMatchObject({ allowed: true, decidingLevel: 'instance' })
  })

  test('test_permission_check_explains_actor_restrictions', () => {
    const restricted: Actor = { id: 'alice', _r: { r: { analytics: { public: ['vt'] } } } }
    const decision = resolve({}, true).explain(restricted, 'view-table', child('analytics', 'private'))
    expect(decision).toMatchObject({ allowed: false, baseAllowed: true, restriction: { restricted: true, allowed: false } })
    const near = resolve({}, true).explain(restricted, 'view-table', child('analytics', 'public'))
    expect(near).toMatchObject({ allowed: true, baseAllowed: true, restriction: { restricted: true, allowed: true } })
  })

  test('test_permission_check_explains_required_actions', () => {
    const config: TokengateConfig = { databases: { analytics: { permissions: { 'store-query': true, 'execute-sql': false } } } }
    const decision = resolve(config, true).explain(ALICE, 'store-query', db('analytics'))
    expect(decision).toMatchObject({ allowed: false, baseAllowed: true })
    expect(decision.alsoRequires).toHaveLength(1)
    expect(decision.alsoRequires[0]).toMatchObject({ action: 'execute-sql', allowed: false })
    const near = resolve({ databases: { analytics: { permissions: { 'store-query': true } } } }, true).explain(ALICE, 'store-query', db('analytics'))
    expect(near).toMatchObject({ allowed: true, baseAllowed: true })
    expect(near.alsoRequires[0]).toMatchObject({ action: 'execute-sql', allowed: true })
  })

  test('explain() and allowed() agree on every row of the cascade', () => {
    const config: TokengateConfig = { allow: {}, databases: { fixtures: { allow: { id: '*' }, tables: { binary_data: { allow: {} } } } } }
    const resolver = resolve(config, false)
    const checks: [string, CheckTarget][] = [
      ['view-instance', INSTANCE],
      ['view-database', db('fixtures')],
      ['view-database-download', db('fixtures')],
      ['execute-sql', db('fixtures')],
      ['view-table', child('fixtures', 'binary_data')],
      ['view-table', child('fixtures', 'other')],
    ]
    const actor: Actor = { id: 'test' }
    expect(checks.map(([action, target]) => resolver.explain(actor, action, target).allowed)).toEqual(
      checks.map(([action, target]) => resolver.allowed(actor, action, target)),
    )
    expect(checks.map(([action, target]) => resolver.allowed(actor, action, target))).toEqual([false, true, true, true, false, true])
  })
})
