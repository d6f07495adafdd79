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
])

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
   * @throws TypeError when a name or abbreviation is already taken, or an also-requires names
   * an unknown action.
   */
  constructor(extra: Iterable<Action> = []) {
    for (const action of [...BUILTIN_ACTIONS, ...extra]) this.#add(action)
    for (const action of this.#byName.values()) {
      if (action.alsoRequires !== null && !this.#byName.has(action.alsoRequires)) {
        throw new TypeError(
          `Action "${action.name}" also requires "${action.alsoRequires}", which is not a registered action name`,
        )
      }
    }
    this.#checkRequiresCycles()
  }

  #add(action: Action): void {
    for (const key of action.abbr === null ? [action.name] : [action.name, action.abbr]) {
      const taken = this.#byKey.get(key)
      if (taken !== undefined) {
        throw new TypeError(
          `Action "${action.name}" cannot use "${key}": it is already the name or abbreviation of action "${taken.name}"`,
        )
      }
    }
    this.#byName.set(action.name, action)
    this.#byKey.set(action.name, action)
    if (action.abbr !== null) this.#byKey.set(action.abbr, action)
  }

  #checkRequiresCycles(): void {
    for (const start of this.#byName.values()) {
      const seen = new Set<string>([start.name])
      let next = start.alsoRequires
      while (next !== null) {
        if (seen.has(next)) {
          throw new TypeError(`Action "${start.name}" has a cycle in its also-requires chain`)
        }
        seen.add(next)
        next = this.#byName.get(next)?.alsoRequires ?? null
      }
    }
  }

  /** The action with this full name or abbreviation, or `undefined`. */
  get(nameOrAbbr: string): Action | undefined {
    return this.#byKey.get(nameOrAbbr)
  }

  /** The action with this full name or abbreviation. @throws UnknownActionError (`ERR_UNKNOWN_ACTION`) */
  resolve(nameOrAbbr: string): Action {
    const action = this.#byKey.get(nameOrAbbr)
    if (action === undefined) throw new UnknownActionError(nameOrAbbr)
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
