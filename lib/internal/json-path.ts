/**
 * Formats JSON paths for messages and explanations, so a path reads the same whether it comes
 * from a configuration error or from a rule in an explanation: dotted keys from the root, array
 * indices as `[0]`, and keys that contain dots, whitespace, brackets or quotes (or are empty) in
 * brackets and quotes, such as `databases["my.db"].allow`. `:memory:` and
 * `datasette-auth-tokens` stay dotted.
 *
 * @module
 * @internal
 */

/** One step of a JSON path: an object key or an array index. @internal */
export type PathSegment = string | number

/** The path of the configuration's root value in problems. @internal */
export const ROOT_PATH = '(root)'

/** A key that can be written after a dot: no dots, whitespace, brackets or quotes, not empty. */
const PLAIN_KEY = /^[^.\s[\]"'`]+$/

/**
 * Format a JSON path the way configuration problems show it: dotted keys from the root, array
 * indices as `[0]`, and keys that contain dots, spaces, brackets or quotes (or are empty) in
 * brackets and quotes, such as `databases["my.db"].allow`.
 *
 * @param segments - keys and indices from the root (or from `prefix`).
 * @param prefix - an already formatted path the segments continue; {@link ROOT_PATH} or empty
 * means the root.
 * @internal
 */
export function formatPath(segments: readonly PathSegment[], prefix = ''): string {
  let out = prefix === ROOT_PATH ? '' : prefix
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (!PLAIN_KEY.test(segment)) out += `[${JSON.stringify(segment)}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out === '' ? ROOT_PATH : out
}

/** Append one segment (an object key or an array index) to an already formatted path. @internal */
export function joinPath(path: string, segment: PathSegment): string {
  return formatPath([segment], path)
}
