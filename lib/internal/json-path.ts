/**
 * Formats JSON paths for messages: `databases.docs.tables["my table"].allow`,
 * `plugins.datasette-auth-tokens[0].token`. Plain keys (letters, digits, `_`, `$`, `-`, not
 * starting with a digit or `-`) are joined with dots; other keys are written in brackets as JSON
 * strings; array indices as `[n]`.
 *
 * @module
 * @internal
 */

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/

/** Append one segment (an object key or an array index) to a path. `''` is the root. */
export function joinPath(path: string, segment: string | number): string {
  if (typeof segment === 'number') return `${path}[${segment}]`
  if (PLAIN_KEY.test(segment)) return path === '' ? segment : `${path}.${segment}`
  return `${path}[${JSON.stringify(segment)}]`
}

/** A path from its segments. */
export function formatPath(segments: readonly (string | number)[]): string {
  const path = segments.reduce<string>((acc, segment) => joinPath(acc, segment), '')
  return path === '' ? '(root)' : path
}
