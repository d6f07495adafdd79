/**
 * The CLI's usage error: the command line is wrong (an unknown option, a missing argument, a bad
 * duration or permission string, an unreadable configuration). The command does nothing, prints
 * one line on stderr and exits with status 2.
 *
 * @module
 */

/**
 * The command line cannot be carried out as written. `main` prints `tokengate <command>: <message>`
 * on one line and exits with {@link UsageError.exitCode}.
 *
 * @example
 * ```ts
 * throw new UsageError('--resource needs 3 values (DB RESOURCE ACTION), got 1')
 * ```
 */
export class UsageError extends Error {
  /** The process exit status for a usage error. */
  readonly exitCode = 2

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'UsageError'
  }
}
