/**
 * Property: InfluxDB-style permission strings compile as a reference model written from SPEC
 * section 7 says, for generated strings (types, name lists with wildcards, whitespace and
 * slashes, action words, action names and abbreviations of every scope, wrong numbers of
 * fields): the same grants, or a PermissionStringError with the SPEC's message. Nothing else is
 * ever thrown, and every result is a well-formed `_r` that names at least one action.
 */
import fc from 'fast-check'
import { PermissionStringError, isRestrictions, parsePermissions } from 'tokengate'
import type { Restrictions } from 'tokengate'
import { check, titled } from './runs.js'

/** SPEC section 7's words. */
const WORDS: { readonly [word: string]: readonly string[] } = {
  read: ['vd', 'vt', 'vq', 'es', 'vdd'],
  write: ['ir', 'ur', 'dr'],
  create: ['ct', 'cv'],
  delete: ['dt', 'dv'],
  describe: ['vd', 'vt'],
}
/**
 * Every built-in action of SPEC section 3, by name and abbreviation, with its scope. All of them:
 * the generator's random short strings hit real abbreviations (`sq`, `cv`, `at`…), which the
 * parser rightly knows, so a model that knew only a few disagreed now and then (seed 2009957825).
 */
const ACTIONS: readonly [name: string, abbr: string | null, scope: 'instance' | 'database' | 'resource'][] = [
  ['view-instance', 'vi', 'instance'],
  ['permissions-debug', 'pd', 'instance'],
  ['debug-menu', 'dm', 'instance'],
  ['view-database', 'vd', 'database'],
  ['view-database-download', 'vdd', 'database'],
  ['execute-sql', 'es', 'database'],
  ['execute-write-sql', 'ews', 'database'],
  ['create-table', 'ct', 'database'],
  ['create-view', 'cv', 'database'],
  ['store-query', 'sq', 'database'],
  ['view-table', 'vt', 'resource'],
  ['insert-row', 'ir', 'resource'],
  ['delete-row', 'dr', 'resource'],
  ['update-row', 'ur', 'resource'],
  ['alter-table', 'at', 'resource'],
  ['set-column-type', 'sct', 'resource'],
  ['drop-table', 'dt', 'resource'],
  ['drop-view', 'dv', 'resource'],
  ['view-query', 'vq', 'resource'],
  ['update-query', 'uq', 'resource'],
  ['delete-query', 'dq', 'resource'],
  ['view-health', 'vh', 'instance'],
  ['view-metrics', 'vm', 'instance'],
  ['view-ping', 'vp', 'instance'],
  ['view-ready', 'vr', 'instance'],
  ['auth-tokens-create', null, 'instance'],
  ['auth-tokens-view-all', null, 'instance'],
  ['auth-tokens-revoke-all', null, 'instance'],
  ['auth-tokens-edit-all', null, 'instance'],
]
const SYSTEM: { readonly [name: string]: string } = { health: 'vh', metrics: 'vm', ping: 'vp', ready: 'vr' }

interface Grants {
  a: Set<string>
  d: Map<string, Set<string>>
  r: Map<string, Map<string, Set<string>>>
}

class ModelError extends Error {}

function databaseActions(actions: readonly string[]): string[] {
  return actions.flatMap((item) => {
    const word = WORDS[item]
    if (word !== undefined) return [...word]
    const action = ACTIONS.find(([name, abbr]) => name === item || abbr === item)
    if (action === undefined || action[2] === 'instance') throw new ModelError(`action not supported, database action ${item}`)
    return [action[1] ?? action[0]]
  })
}

const clean = (name: string): boolean => name !== '' && !/^\s|\s$/.test(name)

function modelOne(permission: string, into: Grants): void {
  const fields = permission.split(':')
  if (fields.length !== 3) throw new ModelError('format')
  const [type = '', namesField = '', actionsField = ''] = fields
  if (type === '') throw new ModelError('format')
  if (type === '*') throw new ModelError('* resource type can only be set for admin token')
  if (type !== 'db' && type !== 'system' && type !== 'table') throw new ModelError(`resource type not supported ${type}`)
  if (namesField === '') throw new ModelError('format')
  const names = namesField.split(',')
  const actions = actionsField.split(',')
  if (type === 'system') {
    const normalized = names.map((n) => n.trim().toLowerCase())
    if (normalized.includes('*') && normalized.length > 1) throw new ModelError('mixed wildcard (*) and resource name')
    const resources = normalized.includes('*') ? Object.keys(SYSTEM) : normalized
    const granted = resources.map((resource, i) => {
      const action = SYSTEM[resource]
      if (action === undefined) throw new ModelError(`invalid resource name ${names[i] ?? resource}`)
      return action
    })
    for (const item of actions) if (item !== 'read') throw new ModelError(`action not supported, system action ${item}`)
    for (const action of granted) into.a.add(action)
    return
  }
  if (type === 'db') {
    if (names.includes('*') && names.length > 1) throw new ModelError('mixed wildcard (*) and resource name')
    if (!names.includes('*')) for (const name of names) if (!clean(name)) throw new ModelError(`invalid resource name ${name}`)
    const granted = databaseActions(actions)
    if (names.includes('*')) for (const action of granted) into.a.add(action)
    else for (const name of names) for (const action of granted) into.d.set(name, (into.d.get(name) ?? new Set()).add(action))
    return
  }
  const targets = names.map((name): [string, string] => {
    const slash = name.indexOf('/')
    const [db, table] = slash === -1 ? ['', ''] : [name.slice(0, slash), name.slice(slash + 1)]
    if (!clean(db) || !clean(table) || db === '*' || table === '*') throw new ModelError(`invalid resource name ${name}`)
    return [db, table]
  })
  const granted = databaseActions(actions)
  for (const [db, table] of targets) {
    const tables = into.r.get(db) ?? new Map<string, Set<string>>()
    into.r.set(db, tables)
    for (const action of granted) tables.set(table, (tables.get(table) ?? new Set()).add(action))
  }
}

/** The model's grants as sorted plain data, or the error message it expects. */
function model(strings: readonly string[]): unknown {
  const into: Grants = { a: new Set(), d: new Map(), r: new Map() }
  try {
    for (const permission of strings) modelOne(permission, into)
  } catch (error) {
    if (error instanceof ModelError) return { error: error.message }
    throw error
  }
  return normalize({
    a: [...into.a],
    d: Object.fromEntries([...into.d].map(([k, v]) => [k, [...v]])),
    r: Object.fromEntries([...into.r].map(([k, v]) => [k, Object.fromEntries([...v].map(([t, s]) => [t, [...s]]))])),
  })
}

/** Restrictions as sorted plain data with empty parts dropped, for comparison. */
function normalize(r: Restrictions): unknown {
  const sorted = (list: readonly string[]): string[] => [...list].sort()
  const pairs = <T>(record: Record<string, T>, map: (value: T) => unknown): [string, unknown][] =>
    Object.entries(record).map(([k, v]): [string, unknown] => [k, map(v)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    a: sorted(r.a ?? []),
    d: pairs(r.d ?? {}, sorted),
    r: pairs(r.r ?? {}, (tables) => pairs(tables, sorted)),
  }
}

function actual(strings: readonly string[]): unknown {
  try {
    const compiled = parsePermissions([...strings])
    if (!isRestrictions(compiled)) throw new Error('not a well-formed _r')
    const r = normalize(compiled) as { a: string[]; d: unknown[]; r: unknown[] }
    if (r.a.length + r.d.length + r.r.length === 0) throw new Error('an _r that names no action')
    return r
  } catch (error) {
    if (!(error instanceof PermissionStringError) || error.status !== 400) throw error
    return { error: error.field === 'format' ? 'format' : error.message }
  }
}

const type = fc.constantFrom('db', 'system', 'table', '*', 'DB', 'Db', 'bucket', '')
const name = fc.oneof(
  fc.constantFrom('sensors', 'metrics', '*', 'health', 'PING', ' ready ', 'Metrics', 'db/t', 'db/*', '*/t', 'a/b/c', '/t', 'db/', ' db', 'db ', '', 'x'),
  fc.string({ maxLength: 4 }).filter((s) => !s.includes(':') && !s.includes(',')),
)
const action = fc.oneof(
  fc.constantFrom('read', 'write', 'create', 'delete', 'describe', 'READ', 'Read', ' read', ...ACTIONS.flatMap(([n, a]) => (a === null ? [n] : [n, a])), 'fly', ''),
  fc.string({ maxLength: 3 }).filter((s) => !s.includes(':') && !s.includes(',')),
)
const permission = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(type, fc.array(name, { minLength: 1, maxLength: 3 }), fc.array(action, { minLength: 1, maxLength: 3 }))
      .map(([t, n, a]) => `${t}:${n.join(',')}:${a.join(',')}`),
  },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('db', 'x', '', 'read'), { maxLength: 5 }).map((parts) => parts.join(':')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
)

describe('permission strings against a reference model of SPEC section 7', () => {
  test(titled('parsePermissions agrees with the model and throws nothing but a 400'), () => {
    check(
      fc.property(fc.array(permission, { minLength: 1, maxLength: 3 }), (strings) => {
        const got = actual(strings)
        const expected = model(strings)
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new Error(`parsePermissions gave ${JSON.stringify(got)}, the model ${JSON.stringify(expected)}`)
        }
      }),
    )
  })
})
