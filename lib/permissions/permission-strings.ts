/**
 * InfluxDB-style permission strings (SPEC section 7): compiling `TYPE:NAMES:ACTIONS` strings,
 * as `influxdb3 create token --permission` takes them, into a token's `_r` restrictions.
 *
 * - `db:NAMES:ACTIONS` grants on whole databases (`d`), or on every database with `*` (`a`).
 * - `system:NAMES:read` grants the instance-level `view-health`/`view-metrics`/`view-ping`/
 *   `view-ready` actions (`a`).
 * - `table:DB/TABLE:ACTIONS` (a tokengate extension) grants on single tables (`r`).
 *
 * Several strings are a union. The result is written the way a new token should carry it:
 * abbreviations where an action has one, lists deduplicated in order of first appearance.
 * Every rejection is a {@link PermissionStringError} (`ERR_PERMISSION_STRING`) whose message
 * matches InfluxDB 3's wording where InfluxDB has the same rule. See
 * `docs/permission-strings.md`.
 *
 * @module
 */
import { PermissionStringError } from '../errors.js'
import type { Restrictions } from '../types.js'
import { ActionRegistry } from './actions.js'

const DEFAULT_REGISTRY = new ActionRegistry()

/** The wildcard name (and the admin-only resource type). */
const WILDCARD = '*'

/**
 * The InfluxDB action words of `db` and `table` permissions and the actions each one stands
 * for, written as the abbreviations a token carries (SPEC section 7).
 */
const DATABASE_WORDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['read', ['vd', 'vt', 'vq', 'es', 'vdd']],
  ['write', ['ir', 'ur', 'dr']],
  ['create', ['ct', 'cv']],
  ['delete', ['dt', 'dv']],
  ['describe', ['vd', 'vt']],
])

/** The InfluxDB system resources, in the order `system:*` expands them, and their actions. */
const SYSTEM_RESOURCES: ReadonlyMap<string, string> = new Map([
  ['health', 'vh'],
  ['metrics', 'vm'],
  ['ping', 'vp'],
  ['ready', 'vr'],
])

/** The one action word of `system` permissions. */
const SYSTEM_READ = 'read'

/** Leading or trailing whitespace, which no database or table name in a permission may have. */
const EDGE_WHITESPACE = /^\s|\s$/

/** An insertion-ordered set of strings per key: the union being built. */
type Grants = Map<string, Set<string>>

/** The union of every string compiled so far. */
interface Accumulator {
  all: Set<string>
  databases: Grants
  tables: Map<string, Grants>
}

function grantsFor(map: Grants, key: string): Set<string> {
  let set = map.get(key)
  if (set === undefined) {
    set = new Set()
    map.set(key, set)
  }
  return set
}

function addAll(target: Set<string>, items: Iterable<string>): void {
  for (const item of items) target.add(item)
}

/** A message for a string that is not three non-empty `:`-separated fields. */
function formatProblem(permission: string, problem: string): string {
  return (
    `invalid permission ${JSON.stringify(permission)}: ${problem}; ` +
    'expected RESOURCE_TYPE:RESOURCE_NAMES:ACTIONS, for example db:mydb:read,write'
  )
}

/**
 * The names of a `db` or `table` permission, checked for the wildcard rule. `null` stands for
 * the wildcard alone.
 */
function wildcardOrNames(permission: string, names: readonly string[]): readonly string[] | null {
  if (!names.includes(WILDCARD)) return names
  if (names.length > 1) throw new PermissionStringError(permission, 'mixed wildcard (*) and resource name', 'names')
  return null
}

/** Check one database or table name part: not empty, no whitespace at either end. */
function isCleanName(name: string): boolean {
  return name !== '' && !EDGE_WHITESPACE.test(name)
}

/**
 * The actions of a `db` or `table` permission, as abbreviations (full names when an action has
 * none), deduplicated in order. Action words come first, then registered actions of database or
 * resource scope by name or abbreviation.
 */
function databaseActions(permission: string, actions: readonly string[], registry: ActionRegistry): Set<string> {
  const out = new Set<string>()
  for (const item of actions) {
    const word = DATABASE_WORDS.get(item)
    if (word !== undefined) {
      addAll(out, word)
      continue
    }
    const action = registry.get(item)
    if (action === undefined || action.scope === 'instance') {
      throw new PermissionStringError(permission, `action not supported, database action ${item}`, 'actions')
    }
    out.add(action.abbr ?? action.name)
  }
  return out
}

function compileDatabase(
  permission: string,
  names: readonly string[],
  actions: readonly string[],
  registry: ActionRegistry,
  into: Accumulator,
): void {
  const databases = wildcardOrNames(permission, names)
  for (const name of databases ?? []) {
    if (!isCleanName(name)) throw new PermissionStringError(permission, `invalid resource name ${name}`, 'names')
  }
  const granted = databaseActions(permission, actions, registry)
  if (databases === null) {
    addAll(into.all, granted)
    return
  }
  for (const database of databases) addAll(grantsFor(into.databases, database), granted)
}

function compileTable(
  permission: string,
  names: readonly string[],
  actions: readonly string[],
  registry: ActionRegistry,
  into: Accumulator,
): void {
  const targets: [database: string, table: string][] = []
  for (const name of names) {
    const slash = name.indexOf('/')
    const database = slash === -1 ? '' : name.slice(0, slash)
    const table = slash === -1 ? '' : name.slice(slash + 1)
    // A `*` part would read as "every database" or "every table", which `_r` cannot say for a
    // single table grant; rejected rather than taken as a literal name (use `db:…` instead).
    if (!isCleanName(database) || !isCleanName(table) || database === WILDCARD || table === WILDCARD) {
      throw new PermissionStringError(permission, `invalid resource name ${name}`, 'names')
    }
    targets.push([database, table])
  }
  const granted = databaseActions(permission, actions, registry)
  for (const [database, table] of targets) {
    let tables = into.tables.get(database)
    if (tables === undefined) {
      tables = new Map()
      into.tables.set(database, tables)
    }
    addAll(grantsFor(tables, table), granted)
  }
}

function compileSystem(
  permission: string,
  names: readonly string[],
  actions: readonly string[],
  into: Accumulator,
): void {
  // System names are trimmed and lower-cased, as InfluxDB does; the message shows the name as given.
  const normalized = names.map((name) => name.trim().toLowerCase())
  const resources = wildcardOrNames(permission, normalized)
  const granted: string[] = []
  for (const [index, resource] of (resources ?? [...SYSTEM_RESOURCES.keys()]).entries()) {
    const action = SYSTEM_RESOURCES.get(resource)
    if (action === undefined) {
      throw new PermissionStringError(permission, `invalid resource name ${names[index] ?? resource}`, 'names')
    }
    granted.push(action)
  }
  for (const item of actions) {
    if (item !== SYSTEM_READ) throw new PermissionStringError(permission, `action not supported, system action ${item}`, 'actions')
  }
  addAll(into.all, granted)
}

function compileOne(permission: string, registry: ActionRegistry, into: Accumulator): void {
  const fields = permission.split(':')
  if (fields.length !== 3) {
    throw new PermissionStringError(
      permission,
      formatProblem(permission, `found ${fields.length} field${fields.length === 1 ? '' : 's'} separated by ":", not 3`),
      'format',
    )
  }
  const [type = '', namesField = '', actionsField = ''] = fields
  if (type === '') throw new PermissionStringError(permission, formatProblem(permission, 'RESOURCE_TYPE is empty'), 'format')
  if (type === WILDCARD) throw new PermissionStringError(permission, '* resource type can only be set for admin token', 'type')
  if (type !== 'db' && type !== 'system' && type !== 'table') {
    throw new PermissionStringError(permission, `resource type not supported ${type}`, 'type')
  }
  if (namesField === '') {
    throw new PermissionStringError(permission, formatProblem(permission, 'RESOURCE_NAMES is empty'), 'format')
  }
  // An empty ACTIONS field is one empty action, which InfluxDB reports as an unsupported action.
  const names = namesField.split(',')
  const actions = actionsField.split(',')
  if (type === 'db') compileDatabase(permission, names, actions, registry, into)
  else if (type === 'table') compileTable(permission, names, actions, registry, into)
  else compileSystem(permission, names, actions, into)
}

/**
 * Compile InfluxDB-style permission strings (`TYPE:NAMES:ACTIONS`, as
 * `influxdb3 create token --permission` takes them) into token restrictions (`_r`).
 *
 * - `db:NAMES:ACTIONS`: NAMES is a comma list of database names, or `*` alone for every
 *   database. ACTIONS is a comma list of `read` (vd, vt, vq, es, vdd), `write` (ir, ur, dr),
 *   `create` (ct, cv), `delete` (dt, dv), `describe` (vd, vt), or registered action names or
 *   abbreviations of database or resource scope. Named databases become `d` entries; `*` becomes
 *   `a` entries.
 * - `system:NAMES:read`: NAMES from `health`, `metrics`, `ping`, `ready` or `*` (trimmed and
 *   lower-cased); becomes `view-health` … `view-ready` in `a`.
 * - `table:DB/TABLE:ACTIONS`: a comma list of `DB/TABLE` (split on the first `/`), the same
 *   ACTIONS as `db`; becomes `r` entries. Database-scope actions are kept, and admit only
 *   child-level checks on that table.
 *
 * Several strings are a union. Database and table names and actions are never trimmed or
 * case-folded. The result uses abbreviations where an action has one and lists each action once,
 * in order of first appearance; it always names at least one action, so it never means "no
 * restrictions".
 *
 * @param strings - one permission string or a list of them.
 * @param registry - the actions that may be named besides the words. @defaultValue the built-ins
 * @returns the `_r` object for a token, with only the non-empty keys of `a`, `d` and `r`.
 * @throws PermissionStringError (`ERR_PERMISSION_STRING`) for the first invalid string, with
 * InfluxDB's messages: `resource type not supported <t>`,
 * `* resource type can only be set for admin token`, `mixed wildcard (*) and resource name`,
 * `invalid resource name <n>`, `action not supported, database action <a>`,
 * `action not supported, system action <a>`, or `invalid permission "<s>": …` when the string is
 * not three `:`-separated fields or its type or names field is empty.
 * @throws TypeError when `strings` is not a string or a list of strings, or is an empty list
 * (which would otherwise compile to an empty `_r`, easily mistaken for "unrestricted").
 * @example
 * ```ts
 * parsePermissions(['db:sales,hr:read', 'system:health:read', 'table:docs/notes:write'])
 * // {
 * //   a: ['vh'],
 * //   d: { sales: ['vd', 'vt', 'vq', 'es', 'vdd'], hr: ['vd', 'vt', 'vq', 'es', 'vdd'] },
 * //   r: { docs: { notes: ['ir', 'ur', 'dr'] } },
 * // }
 * parsePermissions('db:*:fly') // throws PermissionStringError: action not supported, database action fly
 * ```
 */
export function parsePermissions(
  strings: string | readonly string[],
  registry: ActionRegistry = DEFAULT_REGISTRY,
): Restrictions {
  // Checked at run time too: JavaScript callers may pass anything.
  const given: unknown = strings
  const list: unknown = typeof given === 'string' ? [given] : given
  if (!Array.isArray(list) || !list.every((item: unknown): item is string => typeof item === 'string')) {
    throw new TypeError('parsePermissions expects a permission string or a list of permission strings')
  }
  if (list.length === 0) {
    throw new TypeError('parsePermissions needs at least one permission string, such as "db:mydb:read"')
  }
  const into: Accumulator = { all: new Set(), databases: new Map(), tables: new Map() }
  for (const permission of list) compileOne(permission, registry, into)

  // Object.fromEntries defines own properties, so a database named `__proto__` stays a key.
  const out: Restrictions = {}
  if (into.all.size > 0) out.a = [...into.all]
  if (into.databases.size > 0) {
    out.d = Object.fromEntries([...into.databases].map(([database, set]) => [database, [...set]]))
  }
  if (into.tables.size > 0) {
    out.r = Object.fromEntries(
      [...into.tables].map(([database, tables]) => [
        database,
        Object.fromEntries([...tables].map(([table, set]) => [table, [...set]])),
      ]),
    )
  }
  return out
}
