/**
 * The rule a rule source produces, before any actor is known. The resolver indexes these by
 * action and level at creation, then evaluates the few that apply to a check.
 *
 * @module
 * @internal
 */
import type { AllowBlock } from '../config/config-types.js'
import type { Level, RuleSource } from '../types.js'

/**
 * How a rule decides:
 * - `allow` / `deny`: always that effect;
 * - `block`: allow when the actor matches the allow block, deny when it does not;
 * - `root`: allow, but the rule applies only to the actor whose id is `"root"`.
 */
export type RuleKind = 'allow' | 'deny' | 'block' | 'root'

/** One rule for one action at one place. */
export interface RuleSpec {
  /** Canonical action name. */
  readonly action: string
  readonly level: Level
  readonly database: string | null
  readonly child: string | null
  readonly source: RuleSource
  /** Configuration path of the block, such as `databases.docs.allow`, or `null`. */
  readonly path: string | null
  readonly kind: RuleKind
  /** The allow block, for `block` rules. */
  readonly block?: AllowBlock
  /** Why the rule has its effect, for `allow`, `deny` and `root` rules. */
  readonly why?: string
}
