/**
 * The redacted view of a loaded configuration: what `gate.config` is, and what printing a
 * loaded configuration shows (`console.log`, `util.inspect`), so that logging a gate or its
 * configuration never prints a secret (security review, issue 9).
 *
 * What is redacted is decided by position, as in configuration errors
 * ({@link isSecretPosition}): the `dstok_` `secret` (each one of a list), every static token
 * (`tokens[i].token` and both datasette-auth-tokens forms), the `jwt` block's `secret`,
 * `public_key` and any key it does not know, and every value that came from `$env` or `$file`,
 * wherever it is. Each such value becomes the string `"[redacted]"`; everything else is kept as
 * it is, so code reading `gate.config.databases` or `gate.config.settings` works unchanged.
 *
 * @module
 * @internal
 */
import { inspect } from 'node:util'
import { deepFreeze } from '../internal/deep-freeze.js'
import { type PathSegment, formatPath } from '../internal/json-path.js'
import { isSecretPosition } from './schema.js'
import type { SecretOrigin } from './secrets.js'

/** What a redacted value reads. @internal */
export const REDACTED = '[redacted]'

/** Where a loaded configuration keeps its redacted view (non-enumerable). */
const REDACTED_VIEW: unique symbol = Symbol('tokengate.redactedConfig')

function redact(value: unknown, segments: PathSegment[], origins: ReadonlyMap<string, SecretOrigin>): unknown {
  if (origins.has(formatPath(segments))) return REDACTED
  if (Array.isArray(value)) return value.map((item: unknown, index) => redact(item, [...segments, index], origins))
  if (typeof value === 'object' && value !== null) {
    // Object.fromEntries defines own keys, so a "__proto__" key stays a key.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, [...segments, key], origins)]))
  }
  return segments.length > 0 && isSecretPosition(segments) && value !== null ? REDACTED : value
}

/**
 * Attach to a loaded configuration (before it is frozen) its redacted view: kept under a
 * non-enumerable symbol for {@link redactedView}, and shown by `util.inspect` (so by
 * `console.log`) in place of the configuration itself.
 * @internal
 */
export function attachRedactedView<T extends object>(config: T, origins: ReadonlyMap<string, SecretOrigin>): T {
  const view = deepFreeze(redact(config, [], origins))
  Object.defineProperty(config, REDACTED_VIEW, { value: view })
  Object.defineProperty(config, inspect.custom, {
    value: (_depth: number, options: object, print: typeof inspect) => print(view, options),
  })
  return config
}

/** The redacted view of a configuration returned by `loadConfig`. @internal */
export function redactedView<T extends object>(config: T): T {
  return ((config as { [REDACTED_VIEW]?: T })[REDACTED_VIEW] ?? config)
}
