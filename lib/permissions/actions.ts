/**
 * Actions: the named permissions a check asks about (`view-table`, `insert-row`, …), with their
 * abbreviations, scopes, defaults and also-requires (SPEC section 3).
 *
 * {@link ActionRegistry} holds the built-ins plus an application's own actions and answers
 * lookups by name or abbreviation.
 *
 * @module
 */
import { UnknownActionError } from '../errors.js'
import { closest } from '../internal/closest.js'

/** What an action applies to: the whole instance, a database, or a child of a database. */
export type ActionScope = 'instance' | 'database' | 'resource'

/** A registered action. */
export interface Action {
  /** Full kebab-case name, such as `view-table`. */
  readonly name: string
  /** Short name used in token restrictions, such as `vt`; `null` when it has none. */
  readonly abbr: string | null
  readonly scope: ActionScope
  /** Whether the action is allowed when no rule says otherwise. */
  readonly defaultAllow: boolean
  /** Another action that must also be allowed, on the same database and child. */
  readonly alsoRequires: string | null
  readonly description: string | null
}

/** What {@link defineAction} takes. */
export interface ActionInit {
  name: string
  abbr?: string | null | undefined
  scope: ActionScope
  /** @defaultValue false */
  defaultAllow?: boolean | undefined
  alsoRequires?: string | null | undefined
  description?: string | null | undefined
}

const ACTION_NAME = /^[a-z0-9][a-z0-9_-]*$/i

/**
 * Make an action definition for an application (to pass to `createGate(config, { actions })`).
 *
 * @example
 * ```ts
 * const publish = defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })
 * const gate = createGate(config, { actions: [publish] })
 * ```
 * @throws TypeError when the name, abbreviation or scope is not valid.
 */
export function defineAction(init: ActionInit): Action {
  if (typeof init.name !== 'string' || !ACTION_NAME.test(init.name)) {
    throw new TypeError(`Action name must be a non-empty kebab-case string, got ${JSON.stringify(init.name)}`)
  }
  if (init.abbr != null && (typeof init.abbr !== 'string' || !ACTION_NAME.test(init.abbr))) {
    throw new TypeError(`Abbreviation of action "${init.name}" must be a non-empty string, got ${JSON.stringify(init.abbr)}`)
  }
  if (init.scope !== 'instance' && init.scope !== 'database' && init.scope !== 'resource') {
    throw new TypeError(
      `Scope of action "${init.name}" must be "instance", "database" or "resource", got ${JSON.stringify(init.scope)}`,
    )
  }
  return Object.freeze({
    name: init.name,
    abbr: init.abbr ?? null,
    scope: init.scope,
    defaultAllow: init.defaultAllow ?? false,
    alsoRequires: init.alsoRequires ?? null,
    description: init.description ?? null,
  })
}

function builtin(
  name: string,
  abbr: string | null,
  scope: ActionScope,
  defaultAllow: boolean,
  alsoRequires: string | null = null,
): Action {
  return defineAction({ name, abbr, scope, defaultAllow, alsoRequires })
}

/** The built-in actions: Datasette's, then tokengate's system and token-management actions. */
export const BUILTIN_ACTIONS: readonly Action[] = Object.freeze([
  builtin('view-instance', 'vi', 'instance', true),
  builtin('permissions-debug', 'pd', 'instance', false),
  builtin('debug-menu', 'dm', 'instance', false),
  builtin('view-database', 'vd', 'database', true),
  builtin('view-database-download', 'vdd', 'database', true, 'view-database'),
  builtin('execute-sql', 'es', 'database', true, 'view-database'),
  builtin('execute-write-sql', 'ews', 'database', false, 'view-database'),
  builtin('create-table', 'ct', 'database', false),
  builtin('create-view', 'cv', 'database', false),
  builtin('store-query', 'sq', 'database', false, 'execute-sql'),
  builtin('view-table', 'vt', 'resource', true),
  builtin('insert-row', 'ir', 'resource', false),
  builtin('delete-row', 'dr', 'resource', false),
  builtin('update-row', 'ur', 'resource', false),
  builtin('alter-table', 'at', 'resource', false),
  builtin('set-column-type', 'sct', 'resource', false),
  builtin('drop-table', 'dt', 'resource', false),
  builtin('drop-view', 'dv', 'resource', false),
  builtin('view-query', 'vq', 'resource', true),
  builtin('update-query', 'uq', 'resource', false),
  builtin('delete-query', 'dq', 'resource', false),
  builtin('view-health', 'vh', 'instance', false),
  builtin('view-metrics', 'vm', 'instance', false),
  builtin('view-ping', 'vp', 'instance', false),
  builtin('view-ready', 'vr', 'instance', false),
  builtin('auth-tokens-create', null, 'instance', false),
  builtin('auth-tokens-view-all', null, 'instance', false),
  builtin('auth-tokens-revoke-all', null, 'instance', false),
  builtin('auth-tokens-edit-all', null, 'instance', false),
])

/** Where an action was declared, for messages. */
export type ActionOrigin = 'built-in' | 'option' | 'config'

/** An action with where it was declared. @internal */
export interface DeclaredAction {
  readonly action: Action
  readonly origin: ActionOrigin
}

/** One problem with a declared action: which one, and a sentence about it. @internal */
export interface ActionProblem {
  readonly declared: DeclaredAction
  /** A predicate of the action, such as `name "x" is already the name of …; choose another name`. */
  readonly message: string
}

function describeOwner({ action, origin }: DeclaredAction): string {
  const name = JSON.stringify(action.name)
  if (origin === 'built-in') return `the built-in action ${name}`
  if (origin === 'option') return `the action ${name} passed in the "actions" option`
  return `the action ${name} declared in "actions"`
}

/**
 * The sentence for a name that is not a registered full action name: an abbreviation gets its
 * full name, a near miss gets a suggestion.
 * @internal
 */
export function unknownActionMessage(
  name: string,
  known: { readonly names: Iterable<string>; readonly abbreviations: ReadonlyMap<string, string> },
): string {
  const full = known.abbreviations.get(name)
  if (full !== undefined) {
    return `unknown action ${JSON.stringify(name)}; it is an abbreviation: use the full name ${JSON.stringify(full)}`
  }
  const guess = closest(name, known.names)
  return guess === undefined
    ? `unknown action ${JSON.stringify(name)}; declare it in "actions" or pass it in the "actions" option`
    : `unknown action ${JSON.stringify(name)}; did you mean ${JSON.stringify(guess)}?`
}

/**
 * The one check of a set of actions declared together with the built-ins, used by the registry
 * and by the configuration loader alike:
 * 1. every name and abbreviation is free (an action that takes one already taken is reported and
 *    left out);
 * 2. every also-requires names a registered full name (or one of `alsoKnown`: names the caller
 *    has reported elsewhere);
 * 3. no also-requires chain is a cycle (one problem per cycle, at its first action in
 *    declaration order); checked only when 2 found nothing.
 *
 * @returns the problems, and the actions that were accepted (built-ins first).
 * @internal
 */
export function actionProblems(
  declared: readonly DeclaredAction[],
  alsoKnown: ReadonlySet<string> = new Set(),
): { problems: ActionProblem[]; accepted: DeclaredAction[] } {
  const problems: ActionProblem[] = []
  const owners = new Map<string, DeclaredAction>()
  const accepted: DeclaredAction[] = []
  for (const entry of [...BUILTIN_ACTIONS.map((action) => ({ action, origin: 'built-in' as const })), ...declared]) {
    const { action } = entry
    const nameOwner = owners.get(action.name)
    const abbrOwner = action.abbr === null ? undefined : owners.get(action.abbr)
    const taken = nameOwner ?? abbrOwner
    if (taken !== undefined) {
      const which = nameOwner !== undefined ? 'name' : 'abbreviation'
      const key = nameOwner !== undefined ? action.name : (action.abbr as string)
      const what = taken.action.name === key ? 'the name' : 'the abbreviation'
      problems.push({
        declared: entry,
        message: `${which} ${JSON.stringify(key)} is already ${what} of ${describeOwner(taken)}; choose another ${which}`,
      })
      continue
    }
    owners.set(action.name, entry)
    if (action.abbr !== null) owners.set(action.abbr, entry)
    accepted.push(entry)
  }

  const names = new Set(accepted.map(({ action }) => action.name))
  const abbreviations = new Map(
    accepted.flatMap(({ action }) => (action.abbr === null ? [] : [[action.abbr, action.name] as const])),
  )
  let requiresProblem = false
  for (const entry of accepted) {
    const required = entry.action.alsoRequires
    if (required === null || names.has(required) || alsoKnown.has(required)) continue
    requiresProblem = true
    problems.push({
      declared: entry,
      message: `also_requires names an ${unknownActionMessage(required, { names: [...names, ...alsoKnown], abbreviations })}`,
    })
  }
  if (requiresProblem) return { problems, accepted }

  const inReportedCycle = new Set<string>()
  for (const entry of accepted) {
    const start = entry.action.name
    if (inReportedCycle.has(start)) continue
    const chain = [start]
    let next = entry.action.alsoRequires
    while (next !== null && !chain.includes(next)) {
      chain.push(next)
      next = owners.get(next)?.action.alsoRequires ?? null
    }
    if (next === start) {
      for (const name of chain) inReportedCycle.add(name)
      problems.push({ declared: entry, message: `also_requires makes a cycle (${[...chain, start].join(' → ')}); remove one of the links` })
    }
  }
  return { problems, accepted }
}

/**
 * The TypeError for a problem with an action declared in code (a programming error, not a
 * configuration one).
 * @internal
 */
export function actionProblemError({ declared, message }: ActionProblem): TypeError {
  const where = declared.origin === 'option' ? ' passed in the "actions" option' : ''
  return new TypeError(`Action ${JSON.stringify(declared.action.name)}${where}: ${message}`)
}

/**
 * The set of known actions, looked up by full name or abbreviation.
 *
 * @example
 * ```ts
 * const registry = new ActionRegistry([defineAction({ name: 'publish-post', abbr: 'pp', scope: 'resource' })])
 * registry.get('pp')?.name // 'publish-post'
 * ```
 */
export class ActionRegistry {
  readonly #byName = new Map<string, Action>()
  readonly #byKey = new Map<string, Action>()

  /**
   * @param extra - application actions added to the built-ins.
   * @throws TypeError when a name or abbreviation is already taken, an also-requires names an
   * unknown action, or also-requires chains make a cycle.
   */
  constructor(extra: Iterable<Action> = []) {
    const { problems, accepted } = actionProblems([...extra].map((action) => ({ action, origin: 'option' as const })))
    const [first] = problems
    if (first !== undefined) throw actionProblemError(first)
    for (const { action } of accepted) {
      this.#byName.set(action.name, action)
      this.#byKey.set(action.name, action)
      if (action.abbr !== null) this.#byKey.set(action.abbr, action)
    }
  }

  /** The action with this full name or abbreviation, or `undefined`. */
  get(nameOrAbbr: string): Action | undefined {
    return this.#byKey.get(nameOrAbbr)
  }

  /**
   * The action with this full name or abbreviation.
   * @throws UnknownActionError (`ERR_UNKNOWN_ACTION`), suggesting the closest known name.
   */
  resolve(nameOrAbbr: string): Action {
    const action = this.#byKey.get(nameOrAbbr)
    if (action === undefined) {
      const guess = typeof nameOrAbbr === 'string' ? closest(nameOrAbbr, this.#byName.keys()) : undefined
      throw new UnknownActionError(String(nameOrAbbr), guess === undefined ? undefined : `did you mean ${JSON.stringify(guess)}?`)
    }
    return action
  }

  /** Whether this is a registered full name (abbreviations do not count). */
  isName(name: string): boolean {
    return this.#byName.has(name)
  }

  /** Every registered action, built-ins first. */
  list(): Action[] {
    return [...this.#byName.values()]
  }
}

/** Convert the configuration's `actions` object into action definitions. */
export function actionsFromConfig(
  actions: { readonly [name: string]: { abbr?: string | null; scope: ActionScope; default?: boolean; also_requires?: string | null; description?: string } } | undefined,
): Action[] {
  if (actions === undefined) return []
  return Object.entries(actions).map(([name, spec]) =>
    defineAction({
      name,
      abbr: spec.abbr,
      scope: spec.scope,
      defaultAllow: spec.default,
      alsoRequires: spec.also_requires,
      description: spec.description,
    }),
  )
}
