/**
 * Strict options: every factory that takes an options object refuses a name it does not know,
 * at once, with the closest known name. A misspelt option (`relam`, `rootEnable`) would
 * otherwise be ignored silently and the default, often the less safe one, would apply.
 *
 * @module
 * @internal
 */
import { closest } from './closest.js'

/**
 * Check an options object: it must be a plain object (or `undefined`), and every key one of
 * `known`.
 *
 * @param options - what the caller passed.
 * @param known - the option names the factory takes.
 * @param owner - the factory's name, for the message (`tokenAuth`).
 * @throws TypeError `"relam" is not an option of tokenAuth; did you mean "realm"?`
 * @internal
 */
export function checkOptionNames(options: unknown, known: readonly string[], owner: string): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`The options of ${owner} must be an object`)
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const guess = closest(key, known)
    const hint = guess === undefined ? `; its options are ${known.map((k) => `"${k}"`).join(', ')}` : `; did you mean "${guess}"?`
    throw new TypeError(`${JSON.stringify(key)} is not an option of ${owner}${hint}`)
  }
}
