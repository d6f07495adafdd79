/**
 * The CLI's refusal: the command line was fine but the answer is "no" (a token that does not
 * verify, has expired or is unknown) or the work failed (the output file cannot be written).
 * One line on stderr, exit status 1.
 *
 * @module
 */

/**
 * The command was understood but refused or failed. `main` prints
 * `tokengate <command>: <message>` on one line and exits with {@link RefusedError.exitCode}.
 *
 * @example
 * ```ts
 * throw new RefusedError('Invalid token signature')
 * ```
 */
export class RefusedError extends Error {
  /** The process exit status for a refusal. */
  readonly exitCode = 1

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RefusedError'
  }
}
