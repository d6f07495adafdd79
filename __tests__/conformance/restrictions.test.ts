/**
 * Conformance: the restriction gate `restrictionsAllow(_r, action, { database, resource })`
 * against Datasette's own `_r` behaviour (SPEC section 5), and how a new token writes `_r`.
 *
 * Sources (simonw/datasette at 481df7ff6d78a8ccf919984d27f27201b081bd53, 1.0a37):
 * `tests/test_permissions.py` (`test_restrictions_allow_action`, the `_r` rows of
 * `test_actor_restricted_permissions`, `test_actor_restrictions`,
 * `test_actor_restrictions_json_endpoints_show_filtered_listings`, `test_restrictions_gate_before_config`,
 * `test_actor_restrictions_empty_allowlist`, `test_cli_create_token`), `tests/test_restriction_sql.py`,
 * `tests/test_actor_restriction_bug.py`, `tests/test_allowed_many.py`
 * (`test_allowed_many_respects_restrictions`), `docs/authentication.rst` (create-token --debug example)
 * and `datasette/default_permissions/restrictions.py` (the gate itself), then SPEC section 5's
 * own rules. The gate alone is tested here; how it combines with the rules is in
 * config-resolution.test.ts. See README.md in this folder.
 */
import {
  ActionRegistry,
  RestrictionsBuilder,
  UnknownActionError,
  compactRestrictions,
  defineAction,
  restrictionsAllow,
} from 'tokengate'
import type { CheckTarget, Restrictions } from 'tokengate'

type Row = [restrictions: unknown, action: string, target: CheckTarget, expected: boolean]

const NAME = '_r %j, %s at %j -> %s'

const INSTANCE: CheckTarget = {}
const db = (database: string): CheckTarget => ({ database })
const child = (database: string, resource: string): CheckTarget => ({ database, resource })

function check(restrictions: unknown, action: string, target: CheckTarget, expected: boolean): void {
  expect(restrictionsAllow(restrictions, action, target)).toBe(expected)
}

describe('Datasette tests/test_permissions.py::test_restrictions_allow_action (every row)', () => {
  test.each<Row>([
    // Exact match: view-instance restriction allows view-instance action
    [{ a: ['view-instance'] }, 'view-instance', INSTANCE, true],
    // No implication: view-table does NOT imply view-instance
    [{ a: ['view-table'] }, 'view-instance', INSTANCE, false],
    [{ a: ['view-database'] }, 'view-instance', INSTANCE, false],
    // update-row does not imply view-instance
    [{ a: ['update-row'] }, 'view-instance', INSTANCE, false],
    // view-table on a resource does NOT imply view-instance
    [{ r: { db1: { t1: ['view-table'] } } }, 'view-instance', INSTANCE, false],
    // execute-sql on a database does NOT imply view-instance or view-database
    [{ d: { db1: ['es'] } }, 'view-instance', INSTANCE, false],
    [{ d: { db1: ['es'] } }, 'view-database', db('db1'), false],
    [{ d: { db1: ['es'] } }, 'view-database', db('db2'), false],
    // But execute-sql abbreviation DOES allow execute-sql action on that database
    [{ d: { db1: ['es'] } }, 'execute-sql', db('db1'), true],
    // update-row on a resource does not imply view-instance
    [{ r: { db1: { t1: ['update-row'] } } }, 'view-instance', INSTANCE, false],
    // view-database on a database does NOT imply view-instance
    [{ d: { db1: ['view-database'] } }, 'view-instance', INSTANCE, false],
    // But it DOES allow view-database on that specific database
    [{ d: { db1: ['view-database'] } }, 'view-database', db('db1'), true],
    // Having view-table on "a" allows access to any specific table
    [{ a: ['view-table'] }, 'view-table', child('dbname', 'tablename'), true],
    // Having view-table on a database allows access to tables in that database
    [{ d: { dbname: ['view-table'] } }, 'view-table', child('dbname', 'tablename'), true],
    // But not if it's allowed on a different database
    [{ d: { dbname: ['view-table'] } }, 'view-table', child('dbname2', 'tablename'), false],
    // Table-level restriction allows access to that specific table
    [{ r: { dbname: { tablename: ['view-table'] } } }, 'view-table', child('dbname', 'tablename'), true],
    // But not to a different table in the same database
    [{ r: { dbname: { tablename: ['view-table'] } } }, 'view-table', child('dbname', 'other_table'), false],
  ])(NAME, check)
})

describe('Datasette tests/test_permissions.py::test_actor_restricted_permissions (the _r rows, gate alone)', () => {
  test.each<Row>([
    // If there is an _r block, everything gets denied unless explicitly allowed
    [{}, 'view-instance', INSTANCE, false],
    [{}, 'view-database', db('one'), false],
    [{}, 'view-table', child('one', 't1'), false],
    // Explicit allowing works at the "a" for all level:
    [{ a: ['vi'] }, 'view-instance', INSTANCE, true],
    [{ a: ['vd'] }, 'view-database', db('one'), true],
    [{ a: ['vt'] }, 'view-table', child('one', 't1'), true],
    // But not if it's the wrong permission
    [{ a: ['vi'] }, 'view-database', db('one'), false],
    [{ a: ['vd'] }, 'view-table', child('one', 't1'), false],
    // Works at the "d" for database level:
    [{ d: { one: ['vd'] } }, 'view-database', db('one'), true],
    [{ d: { one: ['vdd', 'vd'] } }, 'view-database-download', db('one'), true],
    [{ d: { one: ['es', 'vd'] } }, 'execute-sql', db('one'), true],
    // Works at the "r" for table level:
    [{ r: { one: { t1: ['vt'] } } }, 'view-table', child('one', 't1'), true],
    [{ r: { one: { t1: ['vt'] } } }, 'view-table', child('one', 't2'), false],
    // non-abbreviations should work too
    [{ a: ['view-instance'] }, 'view-instance', INSTANCE, true],
    [{ d: { one: ['view-database'] } }, 'view-database', db('one'), true],
    [{ r: { one: { t1: ['view-table'] } } }, 'view-table', child('one', 't1'), true],
    // view-database does NOT grant view-instance (no upward cascading)
    [{ a: ['vd'] }, 'view-instance', INSTANCE, false],
  ])(NAME, check)
})

// Each page of test_actor_restrictions is gated by one check: `/.json` view-instance,
// `/perms_ds_one.json` view-database, `/perms_ds_one/t1.json` (and the row page, and the view v1)
// view-table. The defaults allow all three, so the page's status is the gate's answer.
describe('Datasette tests/test_permissions.py::test_actor_restrictions (the page each path gates on)', () => {
  test.each<Row>([
    // Restricted to just view-instance
    [{ a: ['vi'] }, 'view-instance', INSTANCE, true],
    [{ a: ['vi'] }, 'view-database', db('perms_ds_one'), false],
    [{ a: ['vi'] }, 'view-table', child('perms_ds_one', 't1'), false],
    [{ a: ['vi'] }, 'view-table', child('perms_ds_one', 'v1'), false],
    // Restricted to just view-database: no upward cascading to the instance
    [{ a: ['vd'] }, 'view-instance', INSTANCE, false],
    [{ a: ['vd'] }, 'view-database', db('perms_ds_one'), true],
    [{ a: ['vd'] }, 'view-table', child('perms_ds_one', 't1'), false],
    [{ a: ['vd'] }, 'view-table', child('perms_ds_one', 'v1'), false],
    // Restricted to view-table for one database: not the instance, not the database page
    [{ d: { perms_ds_one: ['vt'] } }, 'view-instance', INSTANCE, false],
    [{ d: { perms_ds_one: ['vt'] } }, 'view-database', db('perms_ds_one'), false],
    [{ d: { perms_ds_one: ['vt'] } }, 'view-database', db('perms_ds_two'), false],
    [{ d: { perms_ds_one: ['vt'] } }, 'view-table', child('perms_ds_one', 't1'), true],
    [{ d: { perms_ds_one: ['vt'] } }, 'view-table', child('perms_ds_one', 'v1'), true],
    [{ d: { perms_ds_one: ['vt'] } }, 'view-table', child('perms_ds_two', 't1'), false],
    // view-table access to a specific table
    [{ r: { perms_ds_one: { t1: ['vt'] } } }, 'view-instance', INSTANCE, false],
    [{ r: { perms_ds_one: { t1: ['vt'] } } }, 'view-database', db('perms_ds_one'), false],
    [{ r: { perms_ds_one: { t1: ['vt'] } } }, 'view-table', child('perms_ds_one', 't1'), true],
    [{ r: { perms_ds_one: { t1: ['vt'] } } }, 'view-table', child('perms_ds_one', 't2'), false],
    [{ r: { perms_ds_one: { t1: ['vt'] } } }, 'view-table', child('perms_ds_one', 'v1'), false],
  ])(NAME, check)
})

describe('Datasette tests/test_restriction_sql.py, test_actor_restriction_bug.py, test_allowed_many.py (gate alone)', () => {
  test.each<Row>([
    // test_restriction_sql_with_overlapping_databases_and_tables: d and r are OR-ed
    [{ d: { db1_overlapping: ['vt'] }, r: { db1_overlapping: { t1: ['vt'] } } }, 'view-table', child('db1_overlapping', 't1'), true],
    [{ d: { db1_overlapping: ['vt'] }, r: { db1_overlapping: { t1: ['vt'] } } }, 'view-table', child('db1_overlapping', 't2'), true],
    [{ d: { db1_overlapping: ['vt'] }, r: { db1_overlapping: { t1: ['vt'] } } }, 'view-table', child('db2_overlapping', 't1'), false],
    // test_restriction_sql_empty_allowlist_query: only view-table listed, so view-database is not
    [{ r: { db1_empty_allowlist: { t1: ['vt'] } } }, 'view-database', db('db1_empty_allowlist'), false],
    [{ r: { db1_empty_allowlist: { t1: ['vt'] } } }, 'view-table', child('db1_empty_allowlist', 't1'), true],
    // test_restriction_sql_with_pagination: only the odd-numbered tables
    [{ r: { db1_pagination: { t01: ['vt'], t03: ['vt'] } } }, 'view-table', child('db1_pagination', 't03'), true],
    [{ r: { db1_pagination: { t01: ['vt'], t03: ['vt'] } } }, 'view-table', child('db1_pagination', 't02'), false],
    // test_also_requires_with_restrictions: the gate for each action separately
    [{ d: { db1_also_requires: ['vd', 'es'], db2_also_requires: ['es'] } }, 'execute-sql', db('db2_also_requires'), true],
    [{ d: { db1_also_requires: ['vd', 'es'], db2_also_requires: ['es'] } }, 'view-database', db('db2_also_requires'), false],
    [{ d: { db1_also_requires: ['vd', 'es'], db2_also_requires: ['es'] } }, 'view-database', db('db1_also_requires'), true],
    // test_restriction_abbreviations_and_full_names
    [{ r: { db1_abbrev: { t1: ['vt'] } } }, 'view-table', child('db1_abbrev', 't1'), true],
    [{ r: { db1_abbrev: { t1: ['view-table'] } } }, 'view-table', child('db1_abbrev', 't1'), true],
    [{ d: { db1_abbrev: ['view-database', 'vt'] } }, 'view-table', child('db1_abbrev', 't1'), true],
    [{ d: { db1_abbrev: ['view-database', 'vt'] } }, 'insert-row', child('db1_abbrev', 't1'), false],
    // test_table_restrictions_not_bypassed_by_database_level_config: only table2 and table3
    [{ r: { test_db_rnbbdlc: { table2: ['vt'], table3: ['vt'] } } }, 'view-table', child('test_db_rnbbdlc', 'table2'), true],
    [{ r: { test_db_rnbbdlc: { table2: ['vt'], table3: ['vt'] } } }, 'view-table', child('test_db_rnbbdlc', 'table3'), true],
    [{ r: { test_db_rnbbdlc: { table2: ['vt'], table3: ['vt'] } } }, 'view-table', child('test_db_rnbbdlc', 'table1'), false],
    [{ r: { test_db_rnbbdlc: { table2: ['vt'], table3: ['vt'] } } }, 'view-table', child('test_db_rnbbdlc', 'table4'), false],
    // test_database_restrictions_with_database_level_config
    [{ d: { test_db_rwdl: ['vt'] } }, 'view-table', child('test_db_rwdl', 'table1'), true],
    [{ d: { test_db_rwdl: ['vt'] } }, 'view-table', child('test_db_rwdl', 'table2'), true],
    // test_allowed_many_respects_restrictions: view-table on analytics only, no drop-table
    [{ d: { analytics: ['vt'] } }, 'view-table', child('analytics', 'users'), true],
    [{ d: { analytics: ['vt'] } }, 'drop-table', child('analytics', 'users'), false],
    [{ d: { analytics: ['vt'] } }, 'view-table', child('production', 'stuff'), false],
    // test_cache_keyed_on_full_actor_identity: "a": [] admits nothing
    [{ a: [] }, 'drop-table', child('analytics', 'users'), false],
  ])(NAME, check)
})

describe('SPEC 5: no restrictions admit everything; {} admits nothing', () => {
  test.each<Row>([
    [undefined, 'view-instance', INSTANCE, true],
    [undefined, 'drop-table', child('db', 't'), true],
    [undefined, 'auth-tokens-create', INSTANCE, true],
    [{}, 'view-instance', INSTANCE, false],
    [{}, 'drop-table', child('db', 't'), false],
    [{}, 'auth-tokens-create', INSTANCE, false],
    // Empty parts admit nothing either
    [{ a: [], d: {}, r: {} }, 'view-table', child('db', 't'), false],
    [{ d: { db: [] } }, 'view-database', db('db'), false],
    [{ r: { db: {} } }, 'view-table', child('db', 't'), false],
    [{ r: { db: { t: [] } } }, 'view-table', child('db', 't'), false],
  ])(NAME, check)
})

describe('SPEC 5: a malformed _r admits nothing (fails closed)', () => {
  // Datasette has no validation: its resolver treats `_r: null` as "no restrictions", its gate
  // crashes (AttributeError/AssertionError) on most of these shapes and ignores the rest.
  test.each<Row>([
    [null, 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (_r null is invalid; Datasette: unrestricted)
    [[], 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    [['vi'], 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    ['vi', 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    [{ a: 'vi' }, 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    [{ a: [1] }, 'view-instance', INSTANCE, false],
    [{ a: ['vi', null] }, 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (malformed; Datasette admits)
    [{ d: ['vd'] }, 'view-database', db('db'), false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    [{ d: { db: 'vd' } }, 'view-database', db('db'), false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    [{ r: { db: ['vt'] } }, 'view-table', child('db', 't'), false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    [{ r: { db: { t: 'vt' } } }, 'view-table', child('db', 't'), false], // differs from Datasette: SPEC 5 (malformed; Datasette crashes)
    // A malformed part spoils the well-formed parts beside it
    [{ a: ['vi'], d: { db: 'vd' } }, 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (malformed; Datasette admits)
    [{ a: ['vi'], x: [] }, 'view-instance', INSTANCE, false], // differs from Datasette: SPEC 5 (unknown key is malformed; Datasette ignores it)
    // Near miss: the same restrictions, well-formed
    [{ a: ['vi'] }, 'view-instance', INSTANCE, true],
    [{ a: ['vi'], d: { db: ['vd'] } }, 'view-instance', INSTANCE, true],
  ])(NAME, check)
})

describe('SPEC 5: "a" admits everywhere, instance level included', () => {
  test.each<Row>([
    [{ a: ['vt'] }, 'view-table', INSTANCE, true],
    [{ a: ['vt'] }, 'view-table', db('any'), true],
    [{ a: ['vt'] }, 'view-table', child('any', 'thing'), true],
    [{ a: ['ct'] }, 'create-table', db('any'), true],
    [{ a: ['ct'] }, 'create-table', INSTANCE, true],
    [{ a: ['pd'] }, 'permissions-debug', INSTANCE, true],
    [{ a: ['vh', 'vm'] }, 'view-metrics', INSTANCE, true],
    [{ a: ['auth-tokens-create'] }, 'auth-tokens-create', INSTANCE, true],
    // Near misses: another action, even a related one
    [{ a: ['vt'] }, 'view-query', child('any', 'thing'), false],
    [{ a: ['vh', 'vm'] }, 'view-ping', INSTANCE, false],
    [{ a: ['auth-tokens-create'] }, 'auth-tokens-view-all', INSTANCE, false],
    [{ a: ['ct'] }, 'create-view', db('any'), false],
  ])(NAME, check)
})

describe('SPEC 5: d[D] admits D and every child of D, never the instance', () => {
  test.each<Row>([
    [{ d: { docs: ['vt'] } }, 'view-table', db('docs'), true],
    [{ d: { docs: ['vt'] } }, 'view-table', child('docs', 'anything'), true],
    [{ d: { docs: ['vt'] } }, 'view-table', INSTANCE, false],
    [{ d: { docs: ['vt'] } }, 'view-table', db('docs2'), false],
    [{ d: { docs: ['vt'] } }, 'view-table', child('Docs', 'anything'), false],
    [{ d: { docs: ['vi'] } }, 'view-instance', INSTANCE, false],
    [{ d: { docs: ['vi'] } }, 'view-instance', db('docs'), true],
    // A database named like a table elsewhere is still a database name
    [{ d: { t: ['vt'] } }, 'view-table', child('docs', 't'), false],
  ])(NAME, check)
})

describe('SPEC 5: r[D][T] admits only that child, never D itself nor the instance', () => {
  test.each<Row>([
    [{ r: { docs: { documents: ['ir', 'ur'] } } }, 'insert-row', child('docs', 'documents'), true],
    [{ r: { docs: { documents: ['ir', 'ur'] } } }, 'update-row', child('docs', 'documents'), true],
    [{ r: { docs: { documents: ['ir', 'ur'] } } }, 'delete-row', child('docs', 'documents'), false],
    [{ r: { docs: { documents: ['ir', 'ur'] } } }, 'insert-row', child('docs', 'other'), false],
    [{ r: { docs: { documents: ['ir', 'ur'] } } }, 'insert-row', child('other', 'documents'), false],
    [{ r: { docs: { documents: ['ir', 'ur'] } } }, 'insert-row', db('docs'), false],
    [{ r: { docs: { documents: ['ir', 'ur'] } } }, 'insert-row', INSTANCE, false],
    // A named query is a child like a table
    [{ r: { docs: { q1: ['vq'] } } }, 'view-query', child('docs', 'q1'), true],
    [{ r: { docs: { q1: ['vq'] } } }, 'view-query', child('docs', 'q2'), false],
    // Names are matched exactly
    [{ r: { docs: { documents: ['ir'] } } }, 'insert-row', child('docs', 'Documents'), false],
    [{ r: { docs: { documents: ['ir'] } } }, 'insert-row', child('docs', 'documents '), false],
  ])(NAME, check)
})

describe('SPEC 5: the docs example token (docs/authentication.rst create-token --debug)', () => {
  const restrictions: Restrictions = { a: ['vi', 'vt'], d: { docs: ['vq'] }, r: { docs: { documents: ['ir', 'ur'] } } }
  test.each<Row>([
    [restrictions, 'view-instance', INSTANCE, true],
    [restrictions, 'view-table', child('fixtures', 'facetable'), true],
    [restrictions, 'view-database', db('docs'), false],
    [restrictions, 'view-query', child('docs', 'any_query'), true],
    [restrictions, 'view-query', child('fixtures', 'any_query'), false],
    [restrictions, 'insert-row', child('docs', 'documents'), true],
    [restrictions, 'update-row', child('docs', 'documents'), true],
    [restrictions, 'insert-row', child('docs', 'attachments'), false],
    [restrictions, 'delete-row', child('docs', 'documents'), false],
  ])(NAME, check)
})

describe('SPEC 5: names and abbreviations, exact and case-sensitive; unknown names ignored', () => {
  test.each<Row>([
    // The check may name the action by either; the list may hold either
    [{ a: ['vt'] }, 'vt', child('db', 't'), true],
    [{ a: ['view-table'] }, 'vt', child('db', 't'), true],
    [{ a: ['vt'] }, 'view-table', child('db', 't'), true],
    [{ a: ['vq'] }, 'vt', child('db', 't'), false],
    // Case and whitespace matter
    [{ a: ['VT'] }, 'view-table', child('db', 't'), false],
    [{ a: ['View-Table'] }, 'view-table', child('db', 't'), false],
    [{ a: [' vt'] }, 'view-table', child('db', 't'), false],
    [{ a: ['vt '] }, 'view-table', child('db', 't'), false],
    // Prefixes are not names
    [{ a: ['v'] }, 'view-table', child('db', 't'), false],
    [{ a: ['view'] }, 'view-table', child('db', 't'), false],
    [{ a: ['vdd'] }, 'view-database', db('db'), false],
    [{ a: ['vd'] }, 'view-database-download', db('db'), false],
    // Unknown names are ignored, not errors
    [{ a: ['no-such-action', 'vt'] }, 'view-table', child('db', 't'), true],
    [{ a: ['no-such-action'] }, 'view-table', child('db', 't'), false],
    [{ d: { db: ['publish-post'] } }, 'view-database', db('db'), false],
  ])(NAME, check)
})

describe('SPEC 5: database and child names are own keys of _r (SPEC silent; Datasette agrees)', () => {
  test.each<Row>([
    [{ d: {} }, 'view-database', db('constructor'), false],
    [{ d: {} }, 'view-database', db('toString'), false],
    [{ r: {} }, 'view-table', child('constructor', 'name'), false],
    [{ r: { db: {} } }, 'view-table', child('db', 'constructor'), false],
    [{ d: { constructor: ['vd'] } }, 'view-database', db('constructor'), true],
    [JSON.parse('{"d": {"__proto__": ["vd"]}}'), 'view-database', db('__proto__'), true],
    [JSON.parse('{"d": {"__proto__": ["vd"]}}'), 'view-database', db('other'), false],
  ])(NAME, check)
})

describe('SPEC 3/5: application actions and unknown actions in a check', () => {
  const registry = new ActionRegistry([defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })])

  test.each<[restrictions: Restrictions, action: string, target: CheckTarget, expected: boolean]>([
    [{ a: ['pp'] }, 'publish-post', child('blog', 'post1'), true],
    [{ a: ['publish-post'] }, 'pp', child('blog', 'post1'), true],
    [{ r: { blog: { post1: ['pp'] } } }, 'publish-post', child('blog', 'post1'), true],
    [{ r: { blog: { post1: ['pp'] } } }, 'publish-post', child('blog', 'post2'), false],
    [{ a: ['vt'] }, 'publish-post', child('blog', 'post1'), false],
  ])('_r %j, %s at %j -> %s (registry with publish-post)', (restrictions, action, target, expected) => {
    expect(restrictionsAllow(restrictions, action, target, registry)).toBe(expected)
  })

  // An unknown action in a check is a programming error (Datasette raises ValueError("Unknown action"))
  test.each<[restrictions: Restrictions | undefined, action: string]>([
    [undefined, 'no-such-action'],
    [{ a: ['no-such-action'] }, 'no-such-action'],
    [{ a: ['pp'] }, 'pp'],
    [{ a: ['VT'] }, 'VT'],
  ])('_r %j, unknown action %s throws ERR_UNKNOWN_ACTION', (restrictions, action) => {
    expect(() => restrictionsAllow(restrictions, action, {})).toThrow(UnknownActionError)
    expect(() => restrictionsAllow(restrictions, action, {})).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_ACTION' }))
  })
})

// The `_r` a new token carries: test_cli_create_token's options as RestrictionsBuilder calls,
// written compactly (known actions as abbreviations, empty parts dropped).
describe('Datasette tests/test_permissions.py::test_cli_create_token: the _r a new token writes', () => {
  type Step = ['all', string] | ['database', string, string] | ['resource', string, string, string]
  test.each<[label: string, steps: Step[], expected: Restrictions | undefined]>([
    ['no options', [], undefined],
    ['--all debug-menu', [['all', 'debug-menu']], { a: ['dm'] }],
    ['-a debug-menu --all create-table', [['all', 'debug-menu'], ['all', 'create-table']], { a: ['dm', 'ct'] }],
    ['-r db1 t1 insert-row', [['resource', 'db1', 't1', 'insert-row']], { r: { db1: { t1: ['ir'] } } }],
    ['-d db1 create-table', [['database', 'db1', 'create-table']], { d: { db1: ['ct'] } }],
    [
      'all of them, several times',
      [
        ['all', 'debug-menu'],
        ['all', 'create-table'],
        ['resource', 'db1', 't1', 'insert-row'],
        ['resource', 'db1', 't2', 'update-row'],
        ['database', 'db1', 'create-table'],
        ['database', 'db2', 'drop-table'],
      ],
      { a: ['dm', 'ct'], d: { db1: ['ct'], db2: ['dt'] }, r: { db1: { t1: ['ir'], t2: ['ur'] } } },
    ],
    // docs/authentication.rst: the create-token --debug example
    [
      'the docs example',
      [
        ['all', 'view-instance'],
        ['all', 'view-table'],
        ['database', 'docs', 'view-query'],
        ['resource', 'docs', 'documents', 'insert-row'],
        ['resource', 'docs', 'documents', 'update-row'],
      ],
      { a: ['vi', 'vt'], d: { docs: ['vq'] }, r: { docs: { documents: ['ir', 'ur'] } } },
    ],
    // SPEC 6: unknown names are kept as given; actions without an abbreviation keep their name
    ['an unknown name', [['all', 'publish-post']], { a: ['publish-post'] }],
    ['an action with no abbreviation', [['all', 'auth-tokens-create']], { a: ['auth-tokens-create'] }],
  ])('%s', (_label, steps, expected) => {
    const builder = new RestrictionsBuilder()
    for (const step of steps) {
      if (step[0] === 'all') builder.allowAll(step[1])
      else if (step[0] === 'database') builder.allowDatabase(step[1], step[2])
      else builder.allowResource(step[1], step[2], step[3])
    }
    expect(compactRestrictions(builder.build())).toEqual(expected)
  })
})
