/**
 * The one test for "a JSON object" used everywhere a value from configuration, a token or an
 * application is checked: an object that is neither `null` nor an array.
 *
 * @module
 * @internal
 */

/** Whether a value is a plain JSON-style object (not `null`, not an array). @internal */
export function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
