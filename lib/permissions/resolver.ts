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
import { compiledRestrictions, restrictionGate, restrictionsAdmit } from './restrictions.js'
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

/** Where a check points, checked: strings or null, never a resource without its database. @internal */
export interface Place {
  readonly database: string | null
  readonly resource: string | null
}

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
      // An own id only: an actor's prototype never makes it root.
      return actor !== null && Object.hasOwn(actor, 'id') && actor['id'] === 'root' ? true : null
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

/**
 * What a traced decision records, for {@link Resolver.explain}. The untraced decision (every
 * check's path) records nothing and allocates nothing.
 * @internal
 */
export interface Trace {
  readonly action: Action
  readonly place: Place
  /** Every rule that applied, at every level, most specific first. */
  readonly rules: RuleRecord[]
  decidingLevel: Level | null
  /** The records of the deciding level. */
  decisive: RuleRecord[]
  baseAllowed: boolean
  restriction: { restricted: boolean; allowed: boolean; reason: string }
  alsoRequires: Trace | null
  allowed: boolean
}

function newTrace(action: Action, place: Place): Trace {
  return {
    action,
    place,
    rules: [],
    decidingLevel: null,
    decisive: [],
    baseAllowed: false,
    restriction: UNRESTRICTED,
    alsoRequires: null,
    allowed: false,
  }
}

const UNRESTRICTED = Object.freeze({ restricted: false, allowed: true, reason: 'the actor has no restrictions' })

/** The levels from most to least specific; a check starts at its own. */
const LEVELS: readonly Level[] = ['child', 'database', 'instance']

/** The resolver the gate delegates to. @internal */
export interface Resolver {
  /**
   * The one decision (SPEC section 4): the most specific level with an applicable rule decides,
   * AND the restriction gate, AND every also-required action at the same place. With a trace,
   * everything that was considered is recorded in it for {@link Resolver.explain}. The caller
   * has checked the place (strings or null, never a resource without its database).
   */
  decide(actor: Actor | null, action: Action, place: Place, trace?: Trace): boolean
  /** `decide` for a check as the public API takes it: an action name and a target. */
  allowed(actor: Actor | null, action: string, target?: CheckTarget): boolean
  /** `decide` with a trace, rendered as a {@link Decision}. */
  explain(actor: Actor | null, action: string, target?: CheckTarget): Decision
}

/** A check's place from the public API's target, checked. @internal */
export function placeOf(target: CheckTarget | undefined): Place {
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

/** The reason sentence of a traced decision. */
function reasonOf(trace: Trace, actor: Actor | null): string {
  const { action, place, decidingLevel, baseAllowed: base, restriction } = trace
  const what = describePlace(action.name, place)
  if (decidingLevel === null) {
    return `denied: no rule allows ${what} for ${describeActor(actor)} at any level, and ${action.name} is not allowed by default`
  }
  const decisive = base ? trace.decisive : trace.decisive.filter((r) => r.effect === 'deny')
  const because = decisive.map((r) => r.reason).join('; ')
  const level = decidingLevel === 'instance' ? 'global' : decidingLevel
  const reason = `${base ? 'allowed' : 'denied'}: ${because}; the ${level} level is the most specific level with a rule for ${what}`
  if (!base) return reason
  if (!restriction.allowed) return `denied: ${restriction.reason} (the rules alone would allow it: ${because})`
  const required = trace.alsoRequires
  if (required !== null && !required.allowed) {
    return `denied: ${what} also requires ${describePlace(required.action.name, place)}, which is ${reasonOf(required, actor)}`
  }
  return restriction.restricted ? `${reason}; ${restriction.reason}` : reason
}

function render(trace: Trace, actor: Actor | null): Decision {
  const { action, place, restriction } = trace
  return {
    allowed: trace.allowed,
    reason: reasonOf(trace, actor),
    action: action.name,
    database: place.database,
    resource: place.resource,
    level: levelOf(place),
    decidingLevel: trace.decidingLevel,
    baseAllowed: trace.baseAllowed,
    rules: trace.rules,
    restriction: { restricted: restriction.restricted, allowed: restriction.allowed, reason: restriction.reason },
    alsoRequires: trace.alsoRequires === null ? [] : [render(trace.alsoRequires, actor)],
  }
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

  /** The rules of one action at one level of a place (0 child, 1 database, 2 instance). */
  function rulesAt(rules: ActionRules, level: number, place: Place): readonly RuleSpec[] | undefined {
    if (level === 2) return rules.global
    if (place.database === null) return undefined
    if (level === 1) return rules.byDatabase.get(place.database)
    return place.resource === null ? undefined : rules.byChild.get(place.database)?.get(place.resource)
  }

  function decide(actor: Actor | null, action: Action, place: Place, trace?: Trace): boolean {
    const rules = index.get(action.name)
    // 1–3: the most specific level with an applicable rule decides; any deny there denies.
    let base: boolean | null = null
    if (rules !== undefined) {
      for (let level = place.database === null ? 2 : place.resource === null ? 1 : 0; level < 3; level++) {
        const list = rulesAt(rules, level, place)
        if (list === undefined || list.length === 0) continue
        let applied = false
        let denied = false
        const records: RuleRecord[] | undefined = trace === undefined ? undefined : []
        for (const rule of list) {
          const verdict = evaluate(rule, actor)
          if (verdict === null) continue
          applied = true
          if (!verdict) denied = true
          if (records !== undefined) records.push(record(rule, verdict, actor))
          else if (denied) break
        }
        if (records !== undefined) trace?.rules.push(...records)
        if (applied && base === null) {
          base = !denied
          if (trace === undefined) break
          trace.decidingLevel = LEVELS[level] ?? null
          trace.decisive = records ?? []
        }
      }
    }
    const baseAllowed = base === true
    if (trace !== undefined) trace.baseAllowed = baseAllowed
    else if (!baseAllowed) return false

    // 4: AND the restriction gate (the actor's _r, validated and compiled once per object).
    const restrictions = actor === null ? undefined : actor['_r']
    let admitted = true
    if (restrictions !== undefined) {
      const compiled = compiledRestrictions(restrictions)
      admitted = !('problem' in compiled) && restrictionsAdmit(compiled, action, place.database, place.resource)
      if (trace !== undefined) trace.restriction = { ...restrictionGate(restrictions, action, place), restricted: true }
    }
    if (trace === undefined && !admitted) return false

    // 4: AND every action this one also requires, at the same place, recursively.
    let required = true
    if (action.alsoRequires !== null) {
      const next = registry.resolve(action.alsoRequires)
      const sub = trace === undefined ? undefined : newTrace(next, place)
      required = decide(actor, next, place, sub)
      if (trace !== undefined) trace.alsoRequires = sub ?? null
    }
    const allowed = baseAllowed && admitted && required
    if (trace !== undefined) trace.allowed = allowed
    return allowed
  }

  return {
    decide,
    allowed(actor, action, target) {
      return decide(actor, registry.resolve(action), placeOf(target))
    },
    explain(actor, action, target) {
      const resolved = registry.resolve(action)
      const trace = newTrace(resolved, placeOf(target))
      decide(actor, resolved, trace.place, trace)
      return render(trace, actor)
    },
  }
}
