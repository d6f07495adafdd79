/**
 * Formatting shared by the CLI's commands: one-line error messages, expiry times, JSON, and
 * where a check points.
 *
 * @module
 */
import type { CheckTarget } from '../types.js'

/**
 * A message on one line: a multi-problem `ConfigError` list (`\n  - path: message`) becomes
 * `; `-separated, any other line break a space.
 *
 * @param message - the message, possibly on several lines.
 */
export function oneLine(message: string): string {
  return message
    .replace(/:\s*\n\s*-\s*/, ': ')
    .replace(/\s*\n\s*-\s*/g, '; ')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
}

/**
 * An instant in unix milliseconds as an ISO 8601 string (UTC), such as `2026-01-01T00:00:00.000Z`.
 *
 * @param millis - unix milliseconds.
 */
export function isoFromMillis(millis: number): string {
  return new Date(millis).toISOString()
}

/** The latest instant a JavaScript `Date` can hold, in unix milliseconds. */
export const MAX_DATE_MILLIS = 8.64e15

/**
 * A time in unix seconds for people: an ISO 8601 string (UTC) when a `Date` can hold it, else
 * the number itself, said to be unix seconds (a token's `t` and `d` may be any integer, and
 * `new Date(…).toISOString()` throws `Invalid time value` beyond ±8.64e15 ms).
 *
 * @param seconds - unix seconds.
 */
export function describeUnixSeconds(seconds: number): string {
  const millis = seconds * 1000
  if (Number.isFinite(millis) && Math.abs(millis) <= MAX_DATE_MILLIS) return isoFromMillis(millis)
  return `${String(seconds)} (unix seconds, beyond the dates JavaScript can show)`
}

/** Pretty JSON with two-space indentation, as Datasette's `--debug` prints it. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
}

/**
 * Where a check points, for people: `instance level`, `database docs`, `docs/documents`.
 *
 * @param target - the database and resource of the check.
 */
export function describeTarget(target: CheckTarget): string {
  const database = target.database ?? null
  const resource = target.resource ?? null
  if (database === null) return 'instance level'
  return resource === null ? `database ${database}` : `${database}/${resource}`
}
