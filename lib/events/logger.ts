/**
 * Where tokengate says what an operator should know but no request should fail for: an `onEvent`
 * listener that throws, Redis going away and coming back, usage-log writes that fail. The gate
 * option `logger` takes anything with `warn` and `error` methods that accept one string:
 * `console` (the default), a pino or winston logger.
 *
 * @module
 */

/**
 * What the gate logs through: `console`, a pino logger (`pino()`), a winston logger, or your own.
 * Each method gets one string, which never contains a token or a secret.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * const gate = createGate('metadata.json', { logger: pino() })
 * ```
 */
export interface Logger {
  /** Something is degraded but still safe, such as rate limits counted in memory while Redis is away. */
  warn(message: string): void
  /** Something failed, such as an `onEvent` listener that threw. */
  error(message: string): void
}

/**
 * The `logger` option, checked; `console` when absent.
 * @throws TypeError when it lacks `warn` or `error`.
 * @internal
 */
export function checkLogger(logger: unknown): Logger {
  if (logger === undefined) return console
  if (
    typeof logger !== 'object' ||
    logger === null ||
    typeof (logger as Logger).warn !== 'function' ||
    typeof (logger as Logger).error !== 'function'
  ) {
    throw new TypeError('"logger" option must have warn(message) and error(message) methods, such as console or a pino logger')
  }
  // Bound once, so a logger whose methods use `this` (pino, winston) works when called alone.
  const target = logger as Logger
  return { warn: (message) => target.warn(message), error: (message) => target.error(message) }
}

/** A thrown value's message, for a log line. @internal */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : error.message
  return String(error)
}
