/**
 * InfluxDB-style permission strings (SPEC section 7): `parsePermissions` compiling
 * `TYPE:NAMES:ACTIONS` into `_r`, its exact error messages, and what the compiled `_r` admits
 * through the restriction gate (SPEC section 5).
 */
import {
  ActionRegistry,
  PermissionStringError,
  compactRestrictions,
  defineAction,
  isRestrictions,
  parsePermissions,
  restrictionsAllow,
} from 'tokengate'
import type { Restrictions } from 'tokengate'
import { thrown } from '../helpers/thrown.js'

const READ = ['vd', 'vt', 'vq', 'es', 'vdd']
const WRITE = ['ir', 'ur', 'dr']
const CREATE = ['ct', 'cv']
const DELETE = ['dt', 'dv']
const DESCRIBE = ['vd', 'vt']
const SYSTEM_ALL = ['vh', 'vm', 'vp', 'vr']

const caught = thrown

/** The message tokengate gives for a string that is not three non-empty fields. */
function formatMessage(permission: string, problem: string): string {
  return `invalid permission ${JSON.stringify(permission)}: ${problem}; expected RESOURCE_TYPE:RESOURCE_NAMES:ACTIONS, for example db:mydb:read,write`
}

describe('parsePermissions: valid strings compile to _r', () => {
  test.each<[string, string | string[], Restrictions]>([
    // db: each action word, on one named database (d entries)
    ['read', 'db:sales:read', { d: { sales: READ } }],
    ['write', 'db:sales:write', { d: { sales: WRITE } }],
    ['create', 'db:sales:create', { d: { sales: CREATE } }],
    ['delete', 'db:sales:delete', { d: { sales: DELETE } }],
    ['describe', 'db:sales:describe', { d: { sales: DESCRIBE } }],
    ['several words, in the order given', 'db:sales:write,read', { d: { sales: [...WRITE, ...READ] } }],
    ['describe then read: read adds only what describe lacks', 'db:sales:describe,read', { d: { sales: READ } }],
    ['a repeated word', 'db:sales:write,write', { d: { sales: WRITE } }],

    // db: registered actions by full name (written as abbreviations) or abbreviation
    ['a resource-scope full name', 'db:sales:view-table', { d: { sales: ['vt'] } }],
    ['a resource-scope abbreviation', 'db:sales:vt', { d: { sales: ['vt'] } }],
    ['a database-scope full name', 'db:sales:execute-write-sql', { d: { sales: ['ews'] } }],
    ['a database-scope abbreviation', 'db:sales:sq', { d: { sales: ['sq'] } }],
    ['name, abbreviation and word overlapping', 'db:sales:view-table,vt,insert-row,write', { d: { sales: ['vt', 'ir', 'ur', 'dr'] } }],

    // db: several names, the wildcard, names kept exactly as given
    ['two databases', 'db:sales,hr:read', { d: { sales: READ, hr: READ } }],
    ['a repeated database', 'db:sales,sales:write', { d: { sales: WRITE } }],
    ['every database (a entries)', 'db:*:read,write', { a: [...READ, ...WRITE] }],
    ['case is kept', 'db:Sales:read', { d: { Sales: READ } }],
    ['case differs: two databases', 'db:sales,SALES:vt', { d: { sales: ['vt'], SALES: ['vt'] } }],
    ['an inner space is part of the name', 'db:my db:vt', { d: { 'my db': ['vt'] } }],
    ['a slash is part of a database name', 'db:a/b:vt', { d: { 'a/b': ['vt'] } }],
    ['a * inside a name is literal', 'db:sal*:vt', { d: { 'sal*': ['vt'] } }],

    // system: names trimmed and lower-cased, compiled to instance-level view-* actions in a
    ['one system resource', 'system:health:read', { a: ['vh'] }],
    ['every system resource', 'system:*:read', { a: SYSTEM_ALL }],
    ['a spaced, mixed-case name', 'system: Health :read', { a: ['vh'] }],
    ['several names, in the order given', 'system:PING,ready:read', { a: ['vp', 'vr'] }],
    ['order of first appearance', 'system:ready,metrics:read', { a: ['vr', 'vm'] }],
    ['the same resource twice', 'system:health,HEALTH:read,read', { a: ['vh'] }],
    ['a spaced wildcard', 'system: * :read', { a: SYSTEM_ALL }],

    // table: DB/TABLE names compiled to r entries
    ['one table', 'table:docs/notes:write', { r: { docs: { notes: WRITE } } }],
    ['two tables of one database', 'table:docs/a,docs/b:vt', { r: { docs: { a: ['vt'], b: ['vt'] } } }],
    ['tables of two databases', 'table:docs/a,hr/a:ir', { r: { docs: { a: ['ir'] }, hr: { a: ['ir'] } } }],
    ['split on the first slash only', 'table:docs/a/b:vt', { r: { docs: { 'a/b': ['vt'] } } }],
    ['case is kept', 'table:Docs/Notes:vt', { r: { Docs: { Notes: ['vt'] } } }],
    ['read keeps its database-scope actions', 'table:docs/notes:read', { r: { docs: { notes: READ } } }],
    ['an explicit database-scope action', 'table:docs/notes:execute-sql', { r: { docs: { notes: ['es'] } } }],

    // several strings: a union, deduplicated in order of first appearance
    ['a one-element list', ['db:sales:read'], { d: { sales: READ } }],
    ['two grants on one database', ['db:sales:read', 'db:sales:write'], { d: { sales: [...READ, ...WRITE] } }],
    ['the same string twice', ['db:sales:read', 'db:sales:read'], { d: { sales: READ } }],
    [
      'wildcard, database and system together',
      ['db:*:read', 'db:sales:write', 'system:health:read'],
      { a: [...READ, 'vh'], d: { sales: WRITE } },
    ],
    ['system then db:*, in order', ['system:health:read', 'db:*:describe'], { a: ['vh', 'vd', 'vt'] }],
    [
      'tables merged per database and table',
      ['table:docs/t:read', 'table:docs/t:write', 'table:docs/u:vt', 'table:hr/t:ir', 'table:docs/t:vt'],
      { r: { docs: { t: [...READ, ...WRITE], u: ['vt'] }, hr: { t: ['ir'] } } },
    ],
    [
      'all three keys',
      ['table:docs/t:ir', 'db:docs:describe', 'system:*:read'],
      { a: SYSTEM_ALL, d: { docs: DESCRIBE }, r: { docs: { t: ['ir'] } } },
    ],
  ])('%s: %j', (_label, strings, expected) => {
    const compiled = parsePermissions(strings)
    expect(compiled).toEqual(expected)
    // Key order too: a, d, r, and databases in order of first appearance.
    expect(JSON.stringify(compiled)).toBe(JSON.stringify(expected))
    expect(isRestrictions(compiled)).toBe(true)
    // Already what a token should carry: compacting changes nothing.
    expect(compactRestrictions(compiled)).toEqual(compiled)
  })

  // Not in the table above: compactRestrictions (restrictions.ts) assigns with `d[db] = …`, which
  // drops a `__proto__` key, so the compact round-trip would fail for a reason outside this module.
  test('a database or table named __proto__ is an own key, not a prototype', () => {
    const compiled = parsePermissions('db:__proto__:vt')
    expect(compiled).toEqual({ d: { ['__proto__']: ['vt'] } })
    expect(isRestrictions(compiled)).toBe(true)
    expect(Object.prototype.hasOwnProperty.call(compiled.d, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(compiled.d)).toBe(Object.prototype)
    expect(JSON.stringify(compiled)).toBe('{"d":{"__proto__":["vt"]}}')
    expect(restrictionsAllow(compiled, 'vt', { database: '__proto__', resource: 't' })).toBe(true)
    expect(restrictionsAllow(compiled, 'vt', { database: 'other', resource: 't' })).toBe(false)
    const tables = parsePermissions('table:__proto__/__proto__:ir')
    expect(JSON.stringify(tables)).toBe('{"r":{"__proto__":{"__proto__":["ir"]}}}')
    expect(restrictionsAllow(tables, 'ir', { database: '__proto__', resource: '__proto__' })).toBe(true)
  })

  test('each call returns fresh lists (mutating one result does not leak into the next)', () => {
    const first = parsePermissions('db:sales:read')
    first.d?.['sales']?.push('ir')
    expect(parsePermissions('db:sales:read')).toEqual({ d: { sales: READ } })
  })
})

describe('parsePermissions: application actions from a registry', () => {
  const registry = new ActionRegistry([
    defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' }),
    defineAction({ name: 'archive-db', scope: 'database' }),
    defineAction({ name: 'reindex', abbr: 'rx', scope: 'instance' }),
    defineAction({ name: 'read', abbr: 'rd', scope: 'resource' }),
  ])

  test.each<[string, string, Restrictions]>([
    // resource and database scope are accepted; abbreviation written when there is one
    ['a resource-scope name', 'db:blog:publish-post', { d: { blog: ['pp'] } }],
    ['a resource-scope abbreviation', 'table:blog/posts:pp', { r: { blog: { posts: ['pp'] } } }],
    ['a database-scope action without abbreviation keeps its name', 'db:*:archive-db', { a: ['archive-db'] }],
    // the InfluxDB words win over an application action of the same name
    ['the word read, not the action named read', 'db:blog:read', { d: { blog: READ } }],
    ['the action named read, by its abbreviation', 'db:blog:rd', { d: { blog: ['rd'] } }],
  ])('%s: %s', (_label, permission, expected) => {
    expect(parsePermissions(permission, registry)).toEqual(expected)
  })

  test.each<[string, string, ActionRegistry | undefined, string]>([
    // near misses: the same names without the registry, or an instance-scope application action
    ['unregistered without the registry', 'db:blog:publish-post', undefined, 'action not supported, database action publish-post'],
    ['abbreviation unregistered without the registry', 'db:blog:pp', undefined, 'action not supported, database action pp'],
    ['an instance-scope application action', 'db:blog:reindex', registry, 'action not supported, database action reindex'],
    ['an instance-scope application abbreviation', 'table:blog/posts:rx', registry, 'action not supported, database action rx'],
  ])('%s: %s', (_label, permission, withRegistry, message) => {
    const err = caught(() => parsePermissions(permission, withRegistry))
    expect(err).toBeInstanceOf(PermissionStringError)
    expect((err as PermissionStringError).message).toBe(message)
  })
})

describe('parsePermissions: invalid strings', () => {
  test.each<[string, string]>([
    // wrong number of ':'-separated fields
    ['a:b', formatMessage('a:b', 'found 2 fields separated by ":", not 3')],
    ['a:b:c:d', formatMessage('a:b:c:d', 'found 4 fields separated by ":", not 3')],
    ['db', formatMessage('db', 'found 1 field separated by ":", not 3')],
    ['', formatMessage('', 'found 1 field separated by ":", not 3')],
    ['db:sales:read:', formatMessage('db:sales:read:', 'found 4 fields separated by ":", not 3')],
    ['db:sales:read system:health:read', formatMessage('db:sales:read system:health:read', 'found 5 fields separated by ":", not 3')],

    // empty RESOURCE_TYPE or RESOURCE_NAMES field
    [':sales:read', formatMessage(':sales:read', 'RESOURCE_TYPE is empty')],
    ['::', formatMessage('::', 'RESOURCE_TYPE is empty')],
    ['db::read', formatMessage('db::read', 'RESOURCE_NAMES is empty')],
    ['system::read', formatMessage('system::read', 'RESOURCE_NAMES is empty')],
    ['table::read', formatMessage('table::read', 'RESOURCE_NAMES is empty')],

    // resource type: exact and case-sensitive; * is for admin tokens only
    ['*:*:read', '* resource type can only be set for admin token'],
    ['*:sales:write', '* resource type can only be set for admin token'],
    ['DB:x:read', 'resource type not supported DB'],
    ['Db:x:read', 'resource type not supported Db'],
    ['System:health:read', 'resource type not supported System'],
    ['Table:docs/t:read', 'resource type not supported Table'],
    [' db:x:read', 'resource type not supported  db'],
    ['database:x:read', 'resource type not supported database'],
    ['token:x:read', 'resource type not supported token'],

    // the wildcard must stand alone
    ['db:a,*:read', 'mixed wildcard (*) and resource name'],
    ['db:*,a:read', 'mixed wildcard (*) and resource name'],
    ['db:*,*:read', 'mixed wildcard (*) and resource name'],
    ['system:health,*:read', 'mixed wildcard (*) and resource name'],
    ['system:* ,HEALTH:read', 'mixed wildcard (*) and resource name'],

    // database names: no empty name, no whitespace at either end (never trimmed)
    ['db: a:read', 'invalid resource name  a'],
    ['db:a :read', 'invalid resource name a '],
    ['db:\ta:read', 'invalid resource name \ta'],
    ['db:a,,b:read', 'invalid resource name '],
    ['db:a,:read', 'invalid resource name '],
    ['db: :read', 'invalid resource name  '],

    // db actions: words, or registered actions of database or resource scope; never trimmed or case-folded
    ['db:a:', 'action not supported, database action '],
    ['db:a:read,', 'action not supported, database action '],
    ['db:a:,read', 'action not supported, database action '],
    ['db:a:read, write', 'action not supported, database action  write'],
    ['db:a:READ', 'action not supported, database action READ'],
    ['db:a:VT', 'action not supported, database action VT'],
    ['db:a:fly', 'action not supported, database action fly'],
    ['db:a:*', 'action not supported, database action *'],
    ['db:a:view-instance', 'action not supported, database action view-instance'],
    ['db:a:vi', 'action not supported, database action vi'],
    ['db:*:view-health', 'action not supported, database action view-health'],
    ['db:a:auth-tokens-create', 'action not supported, database action auth-tokens-create'],

    // system names: health, metrics, ping, ready or *
    ['system:disk:read', 'invalid resource name disk'],
    ['system: Disk :read', 'invalid resource name  Disk '],
    ['system:health,:read', 'invalid resource name '],
    ['system:healthy:read', 'invalid resource name healthy'],

    // system actions: read only
    ['system:health:write', 'action not supported, system action write'],
    ['system:health:', 'action not supported, system action '],
    ['system:health:READ', 'action not supported, system action READ'],
    ['system:health: read', 'action not supported, system action  read'],
    ['system:*:read,write', 'action not supported, system action write'],
    ['system:health:vh', 'action not supported, system action vh'],
    ['system:health:view-health', 'action not supported, system action view-health'],

    // table names: DB/TABLE, both parts non-empty, no whitespace at either end, no * part
    ['table:docs:read', 'invalid resource name docs'],
    ['table:/t:read', 'invalid resource name /t'],
    ['table:docs/:read', 'invalid resource name docs/'],
    ['table:/:read', 'invalid resource name /'],
    ['table: docs/t:read', 'invalid resource name  docs/t'],
    ['table:docs /t:read', 'invalid resource name docs /t'],
    ['table:docs/ t:read', 'invalid resource name docs/ t'],
    ['table:docs/t :read', 'invalid resource name docs/t '],
    ['table:docs/t,:read', 'invalid resource name '],
    ['table:*:read', 'invalid resource name *'],
    ['table:docs/*:read', 'invalid resource name docs/*'],
    ['table:*/t:read', 'invalid resource name */t'],

    // table actions: the same as db
    ['table:docs/t:', 'action not supported, database action '],
    ['table:docs/t:fly', 'action not supported, database action fly'],
    ['table:docs/t:view-instance', 'action not supported, database action view-instance'],

    // the first problem wins: type, then names, then actions
    ['DB:a:fly', 'resource type not supported DB'],
    ['db:a,*:fly', 'mixed wildcard (*) and resource name'],
    ['db: a:fly', 'invalid resource name  a'],
    ['system:disk:write', 'invalid resource name disk'],
    ['table:docs:fly', 'invalid resource name docs'],
  ])('%j → %s', (permission, message) => {
    const err = caught(() => parsePermissions(permission))
    expect(err).toBeInstanceOf(PermissionStringError)
    const error = err as PermissionStringError
    expect(error.code).toBe('ERR_PERMISSION_STRING')
    expect(error.message).toBe(message)
    expect(error.permission).toBe(permission)
    expect(error.status).toBe(400)
    expect(error.headers).toEqual({})
  })

  test('in a list, the first invalid string is reported, with that string', () => {
    const err = caught(() => parsePermissions(['db:a:read', 'db:b:fly', 'DB:c:read']))
    expect(err).toBeInstanceOf(PermissionStringError)
    expect((err as PermissionStringError).message).toBe('action not supported, database action fly')
    expect((err as PermissionStringError).permission).toBe('db:b:fly')
  })

  test('one invalid string fails the whole list (no partial result)', () => {
    expect(() => parsePermissions(['db:a:read', 'system:disk:read'])).toThrow(PermissionStringError)
  })
})

describe('parsePermissions: misuse', () => {
  test.each<[string, unknown, string]>([
    // an empty list would compile to _r: {}, which compacting turns into "no restrictions"
    ['an empty list', [], 'parsePermissions needs at least one permission string, such as "db:mydb:read"'],
    ['a number', 42, 'parsePermissions expects a permission string or a list of permission strings'],
    ['null', null, 'parsePermissions expects a permission string or a list of permission strings'],
    ['a list with a non-string', ['db:a:read', 7], 'parsePermissions expects a permission string or a list of permission strings'],
  ])('%s → TypeError', (_label, value, message) => {
    const err = caught(() => parsePermissions(value as string[]))
    expect(err).toBeInstanceOf(TypeError)
    expect((err as TypeError).message).toBe(message)
  })
})

describe('compiled permissions through the restriction gate', () => {
  // db:sales:read — d.sales admits the read actions on sales and its children, nothing else
  test.each<[string, string, { database?: string; resource?: string }, boolean]>([
    ['view-table on a table of sales', 'view-table', { database: 'sales', resource: 't' }, true],
    ['insert-row on the same table (not a read action)', 'insert-row', { database: 'sales', resource: 't' }, false],
    ['view-table on a table of another database', 'view-table', { database: 'hr', resource: 't' }, false],
    ['view-database on sales', 'view-database', { database: 'sales' }, true],
    ['view-database on another database', 'view-database', { database: 'hr' }, false],
    ['execute-sql on sales', 'es', { database: 'sales' }, true],
    ['execute-write-sql on sales (not a read action)', 'execute-write-sql', { database: 'sales' }, false],
    ['view-instance (instance level, never admitted by d)', 'view-instance', {}, false],
    ['view-database at instance level', 'view-database', {}, false],
  ])('db:sales:read admits %s: %s', (_label, action, target, expected) => {
    expect(restrictionsAllow(parsePermissions('db:sales:read'), action, target)).toBe(expected)
  })

  // table:sales/t:read — r.sales.t admits only child-level checks on sales/t
  test.each<[string, string, { database?: string; resource?: string }, boolean]>([
    ['view-table on sales/t', 'view-table', { database: 'sales', resource: 't' }, true],
    ['view-table on sales/u', 'view-table', { database: 'sales', resource: 'u' }, false],
    ['insert-row on sales/t', 'insert-row', { database: 'sales', resource: 't' }, false],
    ['view-database checked at child level on sales/t', 'view-database', { database: 'sales', resource: 't' }, true],
    ['view-database checked at database level on sales', 'view-database', { database: 'sales' }, false],
  ])('table:sales/t:read admits %s: %s', (_label, action, target, expected) => {
    expect(restrictionsAllow(parsePermissions('table:sales/t:read'), action, target)).toBe(expected)
  })

  // db:*:write — a admits the write actions everywhere, and nothing else
  test.each<[string, string, { database?: string; resource?: string }, boolean]>([
    ['insert-row on any table', 'insert-row', { database: 'anything', resource: 't' }, true],
    ['view-table on any table (not a write action)', 'view-table', { database: 'anything', resource: 't' }, false],
  ])('db:*:write admits %s: %s', (_label, action, target, expected) => {
    expect(restrictionsAllow(parsePermissions('db:*:write'), action, target)).toBe(expected)
  })

  // system:health:read — a admits view-health at instance level, no other system action
  test.each<[string, string, boolean]>([
    ['view-health', 'view-health', true],
    ['view-metrics', 'view-metrics', false],
    ['view-instance', 'view-instance', false],
  ])('system:health:read admits %s', (_label, action, expected) => {
    expect(restrictionsAllow(parsePermissions('system:health:read'), action)).toBe(expected)
  })
})
