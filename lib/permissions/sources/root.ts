/**
 * Rule source: the root actor. When root is enabled (the gate's `rootEnabled` option, off by
 * default), the actor whose `id` is exactly the string `"root"` gets a global allow for every
 * action. A more specific deny in the configuration still wins over it (SPEC section 4).
 *
 * @module
 * @internal
 */
import type { ActionRegistry } from '../actions.js'
import type { RuleSpec } from '../rule.js'

/** The root rules, or none when root is not enabled. */
export function rootRules(enabled: boolean, registry: ActionRegistry): RuleSpec[] {
  if (!enabled) return []
  return registry.list().map((action) => ({
    action: action.name,
    level: 'instance' as const,
    database: null,
    child: null,
    source: 'root' as const,
    path: null,
    kind: 'root' as const,
    why: 'the root actor may do everything (rootEnabled)',
  }))
}
