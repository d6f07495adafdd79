/**
 * Property: the gate decides every check exactly as a small reference model written from SPEC
 * sections 2 (allow blocks), 4 (resolving a check) and 5 (restrictions) decides it, for
 * generated configurations, actors and checks; and a restricted token never exceeds its owner.
 *
 * The model below is written from the SPEC's text alone and shares no code with lib/: if the two
 * disagree, one of them misreads the SPEC. It covers a subset of the built-in actions (with
 * their abbreviations, defaults and also-requires as SPEC section 3 lists them), two databases
 * with tables and a query, and small vocabularies of actor keys and values, so that generated
 * blocks and actors match often enough to exercise both outcomes.
 */
import fc from 'fast-check'
import { ActionRegistry, createGate } from 'tokengate'
import type { Actor, TokengateConfig, TokengateConfigInput } from 'tokengate'
import { createResolver } from '../../lib/permissions/resolver.js'
import { check, titled } from './runs.js'

// ---------------------------------------------------------------------------------------------
// SPEC section 3, the part of the table the model covers

interface ModelAction {
  readonly abbr: string
  readonly defaultAllow: boolean
  readonly requires: string | null
}

const ACTIONS: { readonly [name: string]: ModelAction } = {
  'view-instance': { abbr: 'vi', defaultAllow: true, requires: null },
  'permissions-debug': { abbr: 'pd', defaultAllow: false, requires: null },
  'view-database': { abbr: 'vd', defaultAllow: true, requires: null },
  'view-database-download': { abbr: 'vdd', defaultAllow: true, requires: 'view-database' },
  'execute-sql': { abbr: 'es', defaultAllow: true, requires: 'view-database' },
  'execute-write-sql': { abbr: 'ews', defaultAllow: false, requires: 'view-database' },
  'store-query': { abbr: 'sq', defaultAllow: false, requires: 'execute-sql' },
  'view-table': { abbr: 'vt', defaultAllow: true, requires: null },
  'insert-row': { abbr: 'ir', defaultAllow: false, requires: null },
  'view-query': { abbr: 'vq', defaultAllow: true, requires: null },
}
const ACTION_NAMES = Object.keys(ACTIONS)

// ---------------------------------------------------------------------------------------------
// SPEC section 2: allow blocks

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Strict JSON equality of two compared elements; objects and lists never match (rule 7). */
function sameElement(a: Json, b: Json): boolean {
  if (typeof a === 'object' && a !== null) return false
  if (typeof b === 'object' && b !== null) return false
  return a === b
}

function modelMatches(actor: Actor | null, allow: Json | undefined): boolean {
  if (allow === true) return true // rule 1
  if (allow === false) return false
  if (actor === null && isObject(allow) && allow['unauthenticated'] === true) return true // rule 2
  if (allow === null || allow === undefined) return true // rule 3
  if (!isObject(allow)) return false // rule 8: anything else matches nobody
  const subject = (actor ?? {}) as { [key: string]: Json } // rule 4
  for (const key of Object.keys(allow)) {
    const wanted = allow[key] as Json
    const has = Object.prototype.hasOwnProperty.call(subject, key)
    if (wanted === '*') {
      if (has) return true // rule 5: presence
      continue
    }
    const present = has ? subject[key] : undefined
    if (present === undefined || present === null) continue
    const wantedList = Array.isArray(wanted) ? wanted : [wanted]
    const presentList = Array.isArray(present) ? present : [present]
    if (wantedList.some((w) => presentList.some((p) => sameElement(w, p)))) return true
  }
  return false
}

// ---------------------------------------------------------------------------------------------
// SPEC section 4: rules and their resolution

interface ModelRule {
  readonly database: string | null
  readonly child: string | null
  /** allow, deny, or an allow block; `root` applies to the root actor only. */
  readonly kind: 'allow' | 'deny' | 'block' | 'root'
  readonly block?: Json
}

interface ModelConfig {
  allow?: Json
  allow_sql?: Json
  permissions?: { [action: string]: Json }
  settings?: { default_deny?: boolean; default_allow_sql?: boolean }
  databases?: {
    [db: string]: {
      allow?: Json
      allow_sql?: Json
      permissions?: { [action: string]: Json }
      tables?: { [table: string]: { allow?: Json; permissions?: { [action: string]: Json } } }
      queries?: { [query: string]: { sql: string; allow?: Json; permissions?: { [action: string]: Json } } }
    }
  }
}

/** A configured block as a rule: 1/0 are true/false; null or absent is no rule. */
function blockRule(database: string | null, child: string | null, block: Json | undefined): ModelRule | null {
  if (block === undefined || block === null) return null
  if (block === true || block === 1) return { database, child, kind: 'allow' }
  if (block === false || block === 0) return { database, child, kind: 'deny' }
  return { database, child, kind: 'block', block }
}

function modelRules(config: ModelConfig, action: string, rootEnabled: boolean): ModelRule[] {
  const rules: (ModelRule | null)[] = []
  const settings = config.settings ?? {}
  // SPEC 3: execute-sql is allowed by default, denied by default when default_allow_sql is false.
  const defaultAllow = action === 'execute-sql' ? settings.default_allow_sql !== false : ACTIONS[action]?.defaultAllow === true
  if (defaultAllow && settings.default_deny !== true) rules.push({ database: null, child: null, kind: 'allow' })
  // SPEC 4: a global deny when default_allow_sql is false; but an explicit top-level allow_sql or
  // permissions.execute-sql re-enables SQL (the setting is a default, not a veto).
  const explicitSql = (config.allow_sql ?? null) !== null || (config.permissions?.['execute-sql'] ?? null) !== null
  if (action === 'execute-sql' && settings.default_allow_sql === false && !explicitSql) rules.push({ database: null, child: null, kind: 'deny' })
  if (rootEnabled) rules.push({ database: null, child: null, kind: 'root' })
  // top level (global)
  if (['view-instance', 'view-database', 'view-table', 'view-query'].includes(action)) rules.push(blockRule(null, null, config.allow))
  if (action === 'execute-sql') rules.push(blockRule(null, null, config.allow_sql))
  rules.push(blockRule(null, null, config.permissions?.[action]))
  for (const [db, spec] of Object.entries(config.databases ?? {})) {
    if (['view-database', 'view-table', 'view-query'].includes(action)) rules.push(blockRule(db, null, spec.allow))
    if (action === 'execute-sql') rules.push(blockRule(db, null, spec.allow_sql))
    rules.push(blockRule(db, null, spec.permissions?.[action]))
    for (const [table, t] of Object.entries(spec.tables ?? {})) {
      if (action === 'view-table') rules.push(blockRule(db, table, t.allow))
      rules.push(blockRule(db, table, t.permissions?.[action]))
    }
    for (const [query, q] of Object.entries(spec.queries ?? {})) {
      if (action === 'view-query') rules.push(blockRule(db, query, q.allow))
      rules.push(blockRule(db, query, q.permissions?.[action]))
    }
  }
  return rules.filter((rule): rule is ModelRule => rule !== null)
}

/** SPEC section 5: the restriction gate. */
function modelGate(actor: Actor | null, action: string, database: string | null, resource: string | null): boolean {
  if (actor === null || !Object.prototype.hasOwnProperty.call(actor, '_r')) return true
  const r = actor['_r'] as { a?: string[]; d?: { [db: string]: string[] }; r?: { [db: string]: { [child: string]: string[] } } }
  const names = (list: string[] | undefined): boolean => list !== undefined && (list.includes(action) || list.includes(ACTIONS[action]?.abbr ?? action))
  if (names(r.a)) return true
  if (database === null) return false
  if (names(r.d?.[database])) return true
  return resource !== null && names(r.r?.[database]?.[resource])
}

function modelAllowed(config: ModelConfig, rootEnabled: boolean, actor: Actor | null, action: string, database: string | null, resource: string | null): boolean {
  const applicable = modelRules(config, action, rootEnabled).filter(
    (rule) => (rule.database === null || rule.database === database) && (rule.child === null || rule.child === resource),
  )
  const atLevel = (level: 'child' | 'database' | 'global'): ModelRule[] =>
    applicable.filter((rule) =>
      level === 'child' ? rule.child !== null : level === 'database' ? rule.database !== null && rule.child === null : rule.database === null,
    )
  let base = false
  for (const level of ['child', 'database', 'global'] as const) {
    // The root rule says nothing about an actor that is not root.
    const verdicts = atLevel(level).flatMap((rule): boolean[] => {
      if (rule.kind === 'root') return actor !== null && Object.prototype.hasOwnProperty.call(actor, 'id') && actor['id'] === 'root' ? [true] : []
      if (rule.kind === 'allow') return [true]
      if (rule.kind === 'deny') return [false]
      return [modelMatches(actor, rule.block)]
    })
    if (verdicts.length === 0) continue
    base = verdicts.every(Boolean)
    break
  }
  if (!base || !modelGate(actor, action, database, resource)) return false
  const requires = ACTIONS[action]?.requires ?? null
  return requires === null || modelAllowed(config, rootEnabled, actor, requires, database, resource)
}

// ---------------------------------------------------------------------------------------------
// Generators: small vocabularies, so that blocks and actors meet

const DATABASES = ['d1', 'd2']
const TABLES = ['t1', 't2']
const QUERY = 'q1'

const scalar = fc.constantFrom<Json>('alice', 'bob', 'root', 'staff', 'dstok', 1, true, false, null)
const allowValue = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constant<Json>('*') },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) as fc.Arbitrary<Json> },
)
const allowObject = fc.dictionary(fc.constantFrom('id', 'role', 'token', 'unauthenticated'), allowValue, { maxKeys: 2 }) as fc.Arbitrary<Json>
const block = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom<Json>(true, false, null, 1, 0) },
  { weight: 3, arbitrary: allowObject },
)
const permissions = fc.dictionary(fc.constantFrom(...ACTION_NAMES), block, { maxKeys: 2 })

const childConfig = fc.record({ allow: block, permissions }, { requiredKeys: [] })
const databaseConfig = fc.record(
  {
    allow: block,
    allow_sql: block,
    permissions,
    tables: fc.dictionary(fc.constantFrom(...TABLES), childConfig, { maxKeys: 2 }),
    queries: fc.dictionary(fc.constant(QUERY), childConfig.map((c) => ({ sql: 'select 1', ...c })), { maxKeys: 1 }),
  },
  { requiredKeys: [] },
)
const modelConfig: fc.Arbitrary<ModelConfig> = fc.record(
  {
    allow: block,
    allow_sql: block,
    permissions,
    settings: fc.record({ default_deny: fc.boolean(), default_allow_sql: fc.boolean() }, { requiredKeys: [] }),
    databases: fc.dictionary(fc.constantFrom(...DATABASES), databaseConfig, { maxKeys: 2 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<ModelConfig>

const grantName = fc.constantFrom(...ACTION_NAMES, ...Object.values(ACTIONS).map((a) => a.abbr), 'unknown-action')
const grants = fc.array(grantName, { maxLength: 3 })
const restrictions = fc.record(
  {
    a: grants,
    d: fc.dictionary(fc.constantFrom(...DATABASES, 'd3'), grants, { maxKeys: 2 }),
    r: fc.dictionary(fc.constantFrom(...DATABASES), fc.dictionary(fc.constantFrom(...TABLES, QUERY), grants, { maxKeys: 2 }), { maxKeys: 2 }),
  },
  { requiredKeys: [] },
)
const owner = fc.record(
  {
    id: fc.constantFrom('alice', 'bob', 'root'),
    role: fc.oneof(fc.constantFrom<Json>('staff', 'admin'), fc.constant<Json>(['staff', 'x'])),
    token: fc.constant('dstok'),
  },
  { requiredKeys: [] },
)
const actor: fc.Arbitrary<{ owner: Actor | null; restricted: Actor | null }> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ owner: null, restricted: null }) },
  {
    weight: 5,
    arbitrary: fc.tuple(owner, fc.option(restrictions, { nil: undefined })).map(([o, r]) => ({
      owner: o as Actor,
      restricted: r === undefined ? null : ({ ...o, _r: r } as Actor),
    })),
  },
)
const target = fc.oneof(
  fc.constant({ database: null, resource: null }),
  fc.record({ database: fc.constantFrom(...DATABASES, 'd3'), resource: fc.constant(null) }),
  fc.record({ database: fc.constantFrom(...DATABASES, 'd3'), resource: fc.constantFrom(...TABLES, QUERY, 'x') }),
)
const checks = fc.array(fc.tuple(fc.constantFrom(...ACTION_NAMES), target), { minLength: 1, maxLength: 4 })

const REGISTRY = new ActionRegistry()

describe('the resolver against a reference model of SPEC sections 2, 4 and 5', () => {
  test(titled('every check agrees with the model, and a restricted token never exceeds its owner'), () => {
    check(
      fc.property(modelConfig, fc.boolean(), actor, checks, (config, rootEnabled, { owner: who, restricted }, list) => {
        // The resolver itself: creating a whole gate (validation, freezing, the token chain) for
        // each of 10,000 configurations would cost ten times as much. Every generated
        // configuration is valid; the test below checks that createGate agrees.
        const gate = createResolver(config as TokengateConfig, REGISTRY, { rootEnabled })
        // Plain comparisons, not expect(): this runs tens of thousands of times. fast-check
        // reports the counterexample, shrunk, with its seed.
        for (const [action, { database, resource }] of list) {
          const place = { database, resource }
          const ownerAllowed = gate.allowed(who, action, place)
          if (ownerAllowed !== modelAllowed(config, rootEnabled, who, action, database, resource)) {
            throw new Error(`the owner's ${action} at ${JSON.stringify(place)} is ${ownerAllowed}, the model says otherwise`)
          }
          if (restricted === null) continue
          const tokenAllowed = gate.allowed(restricted, action, place)
          if (tokenAllowed !== modelAllowed(config, rootEnabled, restricted, action, database, resource)) {
            throw new Error(`the restricted token's ${action} at ${JSON.stringify(place)} is ${tokenAllowed}, the model says otherwise`)
          }
          // SPEC section 5: the gate only removes.
          if (tokenAllowed && !ownerAllowed) throw new Error(`the restricted token may ${action} at ${JSON.stringify(place)}, its owner may not`)
        }
        // explain agrees with allowed (on the first check: rendering a decision is the slow part).
        const [action, place] = list[0] ?? ['view-instance', { database: null, resource: null }]
        if (gate.explain(restricted ?? who, action, place).allowed !== gate.allowed(restricted ?? who, action, place)) {
          throw new Error(`explain and allowed disagree on ${action} at ${JSON.stringify(place)}`)
        }
      }),
    )
  })
})

describe('createGate decides as the resolver does', () => {
  test(titled('generated configurations load, and the gate agrees with the model', 1000), () => {
    check(
      fc.property(modelConfig, fc.boolean(), actor, checks, (config, rootEnabled, { owner: who, restricted }, list) => {
        const gate = createGate(config as TokengateConfigInput, { rootEnabled })
        for (const [action, { database, resource }] of list) {
          const subject = restricted ?? who
          expect(gate.allowed(subject, action, { database, resource })).toBe(modelAllowed(config, rootEnabled, subject, action, database, resource))
        }
      }),
      1000,
    )
  })
})
