/**
 * The resolver: answers "may this actor do this action here?" and says why (SPEC section 4).
 *
 * Evaluation order, written once:
 * 1. Rules come from three sources, each in its own module: `sources/defaults.ts` (built-in
 *    defaults and settings), `sources/root.ts` (the root actor, when enabled) and
 *    `sources/config.ts` (allow blocks and `permissions` blocks). They are indexed by action and
 *    place when the resolver is created, so a check is a few map lookups.
 * 2. The check's level comes from its arguments: no database → instance; a database → database;
 *    a database and a resource → child. A rule applies when its database is null or equal to the
 *    check's, and its child is null or equal to the check's.
 * 3. The most specific level with any applicable rule decides: any deny there → deny, otherwise
 *    allow. No applicable rule at any level → deny.
 * 4. The result is AND-ed with the restriction gate (the actor's `_r`, `restrictions.ts`), then
 *    with every action this one also requires, on the same database and child, recursively.
 *
 * @module
 * @internal
 */
import type { TokengateConfig } from '../config/config-types.js'
import type { Actor, CheckTarget, Decision, Level, RuleRecord } from '../types.js'
import type { Action, ActionRegistry } from './actions.js'
import { actorMatchesAllow } from './allow-block.js'
import { restrictionGate } from './restrictions.js'
import type { RuleSpec } from './rule.js'
import { configRules } from './sources/config.js'
import { defaultRules } from './sources/defaults.js'
import { rootRules } from './sources/root.js'

/** The rules of one action, by place. */
interface ActionRules {
  readonly global: RuleSpec[]
  readonly byDatabase: Map<string, RuleSpec[]>
  readonly byChild: Map<string, Map<string, RuleSpec[]>>
}

/** A check with its arguments normalized. */
interface Place {
  readonly database: string | null
  readonly resource: string | null
}

const NO_RULES: readonly RuleSpec[] = []

function levelOf(place: Place): Level {
  if (place.database === null) return 'instance'
  return place.resource === null ? 'database' : 'child'
}

/** How an actor is named in explanations. Restrictions are left out: they have their own verdict. */
function describeActor(actor: Actor | null): string {
  if (actor === null) return 'the anonymous actor'
  const { _r, ...rest } = actor
  return `actor ${JSON.stringify(rest)}`
}

/**
 * Whether a rule applies to this actor and, if so, whether it allows. `null`: the rule does not
 * apply (a root rule for an actor that is not root).
 */
function evaluate(rule: RuleSpec, actor: Actor | null): boolean | null {
  switch (rule.kind) {
    case 'allow':
      return true
    case 'deny':
      return false
    case 'root':
      return actor !== null && actor['id'] === 'root' ? true : null
    case 'block':
      return actorMatchesAllow(actor, rule.block)
  }
}

function record(rule: RuleSpec, allowed: boolean, actor: Actor | null): RuleRecord {
  const reason =
    rule.kind === 'block'
      ? `${rule.path ?? 'an allow block'} ${allowed ? 'matches' : 'does not match'} ${describeActor(actor)}`
      : (rule.why ?? (allowed ? 'allowed' : 'denied'))
  return {
    level: rule.level,
    database: rule.database,
    child: rule.child,
    effect: allowed ? 'allow' : 'deny',
    source: rule.source,
    path: rule.path,
    reason,
  }
}

function describePlace(action: string, place: Place): string {
  if (place.database === null) return action
  return place.resource === null ? `${action} on ${place.database}` : `${action} on ${place.database}/${place.resource}`
}

/** Options of {@link createResolver}. @internal */
export interface ResolverOptions {
  rootEnabled: boolean
}

/** The resolver the gate delegates to. @internal */
export interface Resolver {
  allowed(actor: Actor | null, action: string, target?: CheckTarget): boolean
  explain(actor: Actor | null, action: string, target?: CheckTarget): Decision
  /**
   * {@link Resolver.allowed} for a caller that has already checked its arguments (strings or
   * null, never a resource without its database), without allocating a target: the guards' path.
   */
  allowedAt(actor: Actor | null, action: string, database: string | null, resource: string | null): boolean
}

/**
 * Compile a configuration into a resolver.
 * @internal
 */
export function createResolver(config: TokengateConfig, registry: ActionRegistry, options: ResolverOptions): Resolver {
  const index = new Map<string, ActionRules>()
  for (const action of registry.list()) {
    index.set(action.name, { global: [], byDatabase: new Map(), byChild: new Map() })
  }
  const specs = [...defaultRules(config, registry), ...rootRules(options.rootEnabled, registry), ...configRules(config, registry)]
  for (const spec of specs) {
    const rules = index.get(spec.action)
    if (rules === undefined) continue // every spec's action was resolved against the registry
    if (spec.database === null) {
      rules.global.push(spec)
    } else if (spec.child === null) {
      let list = rules.byDatabase.get(spec.database)
      if (list === undefined) rules.byDatabase.set(spec.database, (list = []))
      list.push(spec)
    } else {
      let children = rules.byChild.get(spec.database)
      if (children === undefined) rules.byChild.set(spec.database, (children = new Map()))
      let list = children.get(spec.child)
      if (list === undefined) children.set(spec.child, (list = []))
      list.push(spec)
    }
  }

  function normalize(target: CheckTarget | undefined): Place {
    const database = target?.database ?? null
    const resource = target?.resource ?? null
    if (database !== null && typeof database !== 'string') {
      throw new TypeError(`The database of a check must be a string, got ${typeof database}`)
    }
    if (resource !== null && typeof resource !== 'string') {
      throw new TypeError(`The resource of a check must be a string, got ${typeof resource}`)
    }
    if (resource !== null && database === null) {
      throw new TypeError(`A check on resource ${JSON.stringify(resource)} needs its database as well`)
    }
    return { database, resource }
  }

  /** The applicable rules at each level, most specific first. */
  function levels(action: Action, place: Place): [Level, readonly RuleSpec[]][] {
    const rules = index.get(action.name)
    if (rules === undefined) return []
    const out: [Level, readonly RuleSpec[]][] = []
    if (place.database !== null) {
      if (place.resource !== null) out.push(['child', rules.byChild.get(place.database)?.get(place.resource) ?? NO_RULES])
      out.push(['database', rules.byDatabase.get(place.database) ?? NO_RULES])
    }
    out.push(['instance', rules.global])
    return out
  }

  /** One level's verdict: `null` when no rule there applies to the actor, else whether none denies. */
  function levelVerdict(rules: readonly RuleSpec[] | undefined, actor: Actor | null): boolean | null {
    if (rules === undefined) return null
    let applied = false
    for (const rule of rules) {
      const verdict = evaluate(rule, actor)
      if (verdict === false) return false
      if (verdict === true) applied = true
    }
    return applied ? true : null
  }

  /**
   * The base result from the rules alone: the most specific level with an applicable rule
   * decides. The hot path of every check, so it walks the index directly instead of building
   * the level list that {@link explainAction} reports.
   */
  function baseAllowed(actor: Actor | null, action: Action, place: Place): boolean {
    const rules = index.get(action.name)
    if (rules === undefined) return false
    if (place.database !== null) {
      if (place.resource !== null) {
        const child = levelVerdict(rules.byChild.get(place.database)?.get(place.resource), actor)
        if (child !== null) return child
      }
      const database = levelVerdict(rules.byDatabase.get(place.database), actor)
      if (database !== null) return database
    }
    return levelVerdict(rules.global, actor) ?? false
  }

  function gate(actor: Actor | null, action: Action, place: Place): { allowed: boolean; reason: string; restricted: boolean } {
    if (actor === null || actor['_r'] === undefined) {
      return { allowed: true, reason: 'the actor has no restrictions', restricted: false }
    }
    return { ...restrictionGate(actor['_r'], action, place), restricted: true }
  }

  function allowedAction(actor: Actor | null, action: Action, place: Place): boolean {
    if (!baseAllowed(actor, action, place)) return false
    if (!gate(actor, action, place).allowed) return false
    return action.alsoRequires === null || allowedAction(actor, registry.resolve(action.alsoRequires), place)
  }

  function explainAction(actor: Actor | null, action: Action, place: Place): Decision {
    const considered: RuleRecord[] = []
    let decidingLevel: Level | null = null
    let base = false
    let decidingRecords: RuleRecord[] = []
    for (const [level, rules] of levels(action, place)) {
      const records: RuleRecord[] = []
      for (const rule of rules) {
        const verdict = evaluate(rule, actor)
        if (verdict !== null) records.push(record(rule, verdict, actor))
      }
      considered.push(...records)
      if (decidingLevel === null && records.length > 0) {
        decidingLevel = level
        decidingRecords = records
        base = records.every((r) => r.effect === 'allow')
      }
    }
    const restriction = gate(actor, action, place)
    const required =
      action.alsoRequires === null ? [] : [explainAction(actor, registry.resolve(action.alsoRequires), place)]
    const allowed = base && restriction.allowed && required.every((d) => d.allowed)

    const what = describePlace(action.name, place)
    let reason: string
    if (decidingLevel === null) {
      reason = `denied: no rule allows ${what} for ${describeActor(actor)} at any level, and ${action.name} is not allowed by default`
    } else {
      const decisive = base ? decidingRecords : decidingRecords.filter((r) => r.effect === 'deny')
      const because = decisive.map((r) => r.reason).join('; ')
      const level = decidingLevel === 'instance' ? 'global' : decidingLevel
      reason = `${base ? 'allowed' : 'denied'}: ${because}; the ${level} level is the most specific level with a rule for ${what}`
      if (base && !restriction.allowed) reason = `denied: ${restriction.reason} (the rules alone would allow it: ${because})`
      else if (base) {
        const failed = required.find((d) => !d.allowed)
        if (failed !== undefined) reason = `denied: ${what} also requires ${describePlace(failed.action, place)}, which is ${failed.reason}`
        else if (restriction.restricted) reason = `${reason}; ${restriction.reason}`
      }
    }
    return {
      allowed,
      reason,
      action: action.name,
      database: place.database,
      resource: place.resource,
      level: levelOf(place),
      decidingLevel,
      baseAllowed: base,
      rules: considered,
      restriction: { restricted: restriction.restricted, allowed: restriction.allowed, reason: restriction.reason },
      alsoRequires: required,
    }
  }

  return {
    allowed(actor, action, target) {
      return allowedAction(actor, registry.resolve(action), normalize(target))
    },
    allowedAt(actor, action, database, resource) {
      return allowedAction(actor, registry.resolve(action), { database, resource })
    },
    explain(actor, action, target) {
      return explainAction(actor, registry.resolve(action), normalize(target))
    },
  }
}
