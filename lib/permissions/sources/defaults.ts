/**
 * Rule source: the built-in defaults. Every action whose default is allow gets a global allow,
 * unless `settings.default_deny` is true. When `settings.default_allow_sql` is false,
 * `execute-sql` gets a global deny instead, unless the top level of the configuration says
 * something explicit about `execute-sql` (`allow_sql` or `permissions.execute-sql`): the setting
 * is a default, not a veto (a deliberate difference from Datasette, SPEC section 4).
 *
 * @module
 * @internal
 */
import type { TokengateConfig } from '../../config/config-types.js'
import type { ActionRegistry } from '../actions.js'
import type { RuleSpec } from '../rule.js'

function global(action: string, kind: 'allow' | 'deny', why: string, path: string | null): RuleSpec {
  return { action, level: 'instance', database: null, child: null, source: 'defaults', path, kind, why }
}

/** The default rules for a configuration. */
export function defaultRules(config: TokengateConfig, registry: ActionRegistry): RuleSpec[] {
  const settings = config.settings ?? {}
  const rules: RuleSpec[] = []
  const sqlByDefault = settings.default_allow_sql !== false
  const explicitSql = config.allow_sql != null || config.permissions?.['execute-sql'] != null
  if (!sqlByDefault && !explicitSql) {
    rules.push(global('execute-sql', 'deny', 'settings.default_allow_sql is false', 'settings.default_allow_sql'))
  }
  if (settings.default_deny === true) return rules
  for (const action of registry.list()) {
    if (!action.defaultAllow) continue
    if (action.name === 'execute-sql' && !sqlByDefault) continue
    rules.push(global(action.name, 'allow', `${action.name} is allowed by default`, null))
  }
  return rules
}
