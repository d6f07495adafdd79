/**
 * Rule source: the configuration's `allow`, `allow_sql` and `permissions` blocks, at the top
 * level (global), under `databases.D` (database level) and under `databases.D.tables.T` or
 * `databases.D.queries.Q` (child level), as SPEC section 4 lists them:
 *
 * - `allow` (top) feeds view-instance, view-database, view-table, view-query globally;
 * - `databases.D.allow` feeds view-database, view-table, view-query on D;
 * - `tables.T.allow` feeds view-table and `queries.Q.allow` feeds view-query on that child;
 * - `allow_sql` (top or database) feeds execute-sql;
 * - `permissions.<action>` feeds that action at its level.
 *
 * `true`/`1` is an allow, `false`/`0` a deny, `null` or absent no rule, and an object an allow
 * block: allow when the actor matches, deny when it does not.
 *
 * @module
 * @internal
 */
import type { AllowBlock, ChildConfig, PermissionsBlocks, TokengateConfig } from '../../config/config-types.js'
import { UnknownActionError } from '../../errors.js'
import { joinPath } from '../../internal/json-path.js'
import type { Level } from '../../types.js'
import type { ActionRegistry } from '../actions.js'
import type { RuleSpec } from '../rule.js'

interface Place {
  level: Level
  database: string | null
  child: string | null
}

function ruleFor(action: string, place: Place, path: string, block: AllowBlock | undefined): RuleSpec | null {
  if (block === null || block === undefined) return null
  const base = { action, ...place, source: 'config' as const, path }
  if (block === true || block === 1) return { ...base, kind: 'allow', why: `${path} is true` }
  if (block === false || block === 0) return { ...base, kind: 'deny', why: `${path} is false` }
  return { ...base, kind: 'block', block }
}

/** The rules one configuration produces. */
export function configRules(config: TokengateConfig, registry: ActionRegistry): RuleSpec[] {
  const rules: RuleSpec[] = []
  const add = (action: string, place: Place, path: string, block: AllowBlock | undefined): void => {
    // Full names only, as Datasette reads them; loadConfig reports anything else with its path.
    if (!registry.isName(action)) throw new UnknownActionError(action)
    const rule = ruleFor(action, place, path, block)
    if (rule !== null) rules.push(rule)
  }
  const addPermissions = (permissions: PermissionsBlocks | undefined, place: Place, prefix: string): void => {
    if (permissions === undefined) return
    const at = joinPath(prefix, 'permissions')
    for (const [action, block] of Object.entries(permissions)) add(action, place, joinPath(at, action), block)
  }

  const top: Place = { level: 'instance', database: null, child: null }
  for (const action of ['view-instance', 'view-database', 'view-table', 'view-query']) add(action, top, 'allow', config.allow)
  add('execute-sql', top, 'allow_sql', config.allow_sql)
  addPermissions(config.permissions, top, '')

  for (const [database, db] of Object.entries(config.databases ?? {})) {
    const dbPath = joinPath('databases', database)
    const dbPlace: Place = { level: 'database', database, child: null }
    for (const action of ['view-database', 'view-table', 'view-query']) add(action, dbPlace, joinPath(dbPath, 'allow'), db.allow)
    add('execute-sql', dbPlace, joinPath(dbPath, 'allow_sql'), db.allow_sql)
    addPermissions(db.permissions, dbPlace, dbPath)

    const children: [kind: 'tables' | 'queries', action: string][] = [
      ['tables', 'view-table'],
      ['queries', 'view-query'],
    ]
    for (const [kind, viewAction] of children) {
      for (const [child, spec] of Object.entries(db[kind] ?? {})) {
        if (typeof spec !== 'object' || spec === null) continue // a named query given as a bare SQL string
        const childPath = joinPath(joinPath(dbPath, kind), child)
        const place: Place = { level: 'child', database, child }
        const childSpec = spec as ChildConfig
        add(viewAction, place, joinPath(childPath, 'allow'), childSpec.allow)
        addPermissions(childSpec.permissions, place, childPath)
      }
    }
  }
  return rules
}
