/**
 * The one way tokengate builds an actor: a fresh copy of plain JSON data, made of own
 * properties only, bounded in depth and size.
 *
 * Why a helper of its own (security review, issue 9):
 * - `Object.assign(target, source)` and `target[key] = value` call the `__proto__` setter when
 *   `key` is `"__proto__"`, so a token claim `{"__proto__": {"id": "root"}}` replaced an actor's
 *   prototype: `JSON.stringify(actor)` showed no id while `actor.id === "root"`. Here every key is
 *   defined as an own data property (`__proto__`, `constructor` and `prototype` included), so no
 *   key ever reaches the prototype chain, and every object of a copy has `Object.prototype`.
 * - `structuredClone` recurses without a limit and overflowed the stack on a claim nested a few
 *   thousand levels deep (a 500 with a stack trace). The copy stops at {@link MAX_ACTOR_DEPTH}.
 * - The copy's approximate JSON length is counted on the way, and a copy longer than the limit
 *   stops early.
 *
 * What counts as JSON data: `null`, booleans, strings, finite numbers, arrays, and objects whose
 * prototype is `Object.prototype` (of any realm) or `null`. A key whose value is `undefined` is
 * left out and an `undefined` list element becomes `null`, as `JSON.stringify` does. Anything
 * else (a function, a `Date`, a class instance, a `Map`, a `bigint`, `NaN`) is refused.
 *
 * @module
 * @internal
 */
import type { Actor } from '../types.js'

/** The deepest an actor may nest objects and lists; the actor itself is level 1. @internal */
export const MAX_ACTOR_DEPTH = 32

/** The longest an actor may be, in characters of JSON (1 MiB). @internal */
export const MAX_ACTOR_LENGTH = 1024 * 1024

/** Limits of one copy. @internal */
export interface ActorLimits {
  /** The deepest nesting, the copied object itself being level 1. @defaultValue {@link MAX_ACTOR_DEPTH} */
  readonly maxDepth?: number
  /** The longest JSON, in characters. @defaultValue {@link MAX_ACTOR_LENGTH} */
  readonly maxLength?: number
}

/** Why a value could not be copied: what is wrong, for a message `<what> <problem>`. @internal */
export interface ActorProblem {
  readonly ok: false
  /** `not_json` is a programming error of whoever made the value; the others are about size. */
  readonly kind: 'not_json' | 'too_deep' | 'too_large'
  /** Completes a sentence about the value, such as `is nested more than 32 levels deep`. */
  readonly problem: string
}

/** A copy and its approximate JSON length. @internal */
export interface ActorCopy {
  readonly ok: true
  readonly actor: Actor
  /** The copy's approximate JSON length, in characters (escapes are not counted). */
  readonly length: number
}

/** Actors built here. */
const BUILT = new WeakSet<object>()

class Stop extends Error {
  readonly result: ActorProblem
  constructor(result: ActorProblem) {
    super(result.problem)
    this.result = result
  }
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'object' && value !== null) {
    const proto = Object.getPrototypeOf(value) as object | null
    const ctor: unknown = proto !== null && Object.hasOwn(proto, 'constructor') ? (proto as { constructor: unknown }).constructor : undefined
    const name = typeof ctor === 'function' ? ctor.name : ''
    return name !== '' && name !== 'Object' ? `a ${name}` : 'an object that is not plain data'
  }
  return `a ${typeof value}`
}

function isPlainData(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  // Object.prototype of this or another realm (its own prototype is null), or no prototype at all.
  return proto === null || Object.getPrototypeOf(proto) === null
}

/**
 * Define `key` on `target` as an own, enumerable, writable data property, whatever the key
 * (`"__proto__"` included): never the `__proto__` setter.
 * @internal
 */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

function copyValue(value: unknown, depth: number, limits: Required<ActorLimits>, budget: { used: number }): unknown {
  const spend = (n: number): void => {
    budget.used += n
    if (budget.used > limits.maxLength) {
      throw new Stop({ ok: false, kind: 'too_large', problem: `is larger than ${limits.maxLength} characters of JSON` })
    }
  }
  if (value === null) {
    spend(4)
    return null
  }
  switch (typeof value) {
    case 'string':
      spend(value.length + 2)
      return value
    case 'boolean':
      spend(value ? 4 : 5)
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new Stop({ ok: false, kind: 'not_json', problem: `is not JSON data: it holds ${describe(value)}` })
      spend(String(value).length)
      return value
    case 'object':
      break
    default:
      throw new Stop({ ok: false, kind: 'not_json', problem: `is not JSON data: it holds ${describe(value)}` })
  }
  if (depth > limits.maxDepth) {
    throw new Stop({ ok: false, kind: 'too_deep', problem: `is nested more than ${limits.maxDepth} levels deep` })
  }
  if (Array.isArray(value)) {
    spend(2)
    const out: unknown[] = []
    for (let index = 0; index < value.length; index++) {
      if (index > 0) spend(1)
      const item: unknown = value[index]
      out.push(item === undefined ? copyValue(null, depth + 1, limits, budget) : copyValue(item, depth + 1, limits, budget))
    }
    return out
  }
  if (!isPlainData(value)) throw new Stop({ ok: false, kind: 'not_json', problem: `is not JSON data: it holds ${describe(value)}` })
  spend(2)
  const out: Record<string, unknown> = {}
  let first = true
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key]
    if (item === undefined) continue
    spend(key.length + (first ? 3 : 4))
    first = false
    defineOwn(out, key, copyValue(item, depth + 1, limits, budget))
  }
  return out
}

/**
 * Copy a JSON object into a new actor: own data properties only, every object with
 * `Object.prototype`, within the limits. The copy is remembered as built here (see
 * {@link isBuiltActor}), so the token chain does not copy it again.
 *
 * @param value - the object to copy (a token claim, a configured actor, a source's answer).
 * @param limits - the depth and length limits.
 * @returns the copy and its length, or why it cannot be an actor (`value` is not a JSON
 *   object, holds something that is not JSON data, or is too deep or too long).
 * @internal
 */
export function buildActor(value: unknown, limits: ActorLimits = {}): ActorCopy | ActorProblem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, kind: 'not_json', problem: `must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}` }
  }
  const bounded: Required<ActorLimits> = { maxDepth: limits.maxDepth ?? MAX_ACTOR_DEPTH, maxLength: limits.maxLength ?? MAX_ACTOR_LENGTH }
  const budget = { used: 0 }
  let actor: Actor
  try {
    actor = copyValue(value, 1, bounded, budget) as Actor
  } catch (error) {
    if (error instanceof Stop) return error.result
    throw error
  }
  BUILT.add(actor)
  return { ok: true, actor, length: budget.used }
}

/** Whether an actor was built by {@link buildActor} (so it need not be copied again). @internal */
export function isBuiltActor(actor: object): boolean {
  return BUILT.has(actor)
}

/** A new, empty actor, remembered as built here, to add keys to with {@link defineOwn}. @internal */
export function newActor(): Record<string, unknown> {
  const actor: Record<string, unknown> = {}
  BUILT.add(actor)
  return actor
}
