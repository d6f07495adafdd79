/**
 * Recursive `Object.freeze` for loaded configuration: every object and array reachable from
 * the value is frozen, so nothing downstream can change a configuration after it was validated.
 *
 * @module
 * @internal
 */

/**
 * Freeze a value and everything reachable from it, in place, and return it. Primitives are
 * returned as they are; shared or cyclic references are frozen once.
 *
 * @param value - the value to freeze (usually a fresh copy: the caller's own objects are frozen
 * in place).
 * @example
 * ```ts
 * const config = deepFreeze({ databases: { docs: { allow: { id: 'root' } } } })
 * Object.isFrozen(config.databases.docs.allow) // true
 * ```
 */
export function deepFreeze<T>(value: T): T {
  freeze(value, new Set<object>())
  return value
}

function freeze(value: unknown, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return
  seen.add(value)
  // Reflect.ownKeys covers symbol keys and non-enumerable properties too.
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key)
    if (descriptor !== undefined && 'value' in descriptor) freeze(descriptor.value, seen)
  }
  Object.freeze(value)
}
