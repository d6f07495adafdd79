/**
 * What the CLI touches of the outside world besides the files it is told to read or write: its
 * two output streams, its environment, its clock and its working directory. `bin.ts` passes the
 * real ones; tests can pass their own.
 *
 * @module
 */

/** The CLI's outside world. */
export interface CliIo {
  /** Write to standard output (the product: a token, a decision). */
  stdout(text: string): void
  /** Write to standard error (warnings and errors, one line each). */
  stderr(text: string): void
  /** The environment, for `TOKENGATE_SECRET`, `DATASETTE_SECRET` and `$env` references in a configuration. */
  readonly env: { readonly [name: string]: string | undefined }
  /** The current time in unix milliseconds. */
  now(): number
  /**
   * The working directory: relative paths on the command line (`--config FILE`,
   * `--output-file FILE`) are resolved against it, and through an absolute configuration path so
   * are the configuration's relative `$file` references and `tokens_file`. `bin.ts` passes
   * `process.cwd()`; messages still name each file as it was written.
   * @defaultValue `process.cwd()` (paths are passed on as written)
   */
  readonly cwd?: string | undefined
}

/** The exit statuses: 0 done, 1 refused or failed, 2 usage error. */
export const ExitCode = {
  /** The command did what was asked (for `check`: the action is allowed). */
  ok: 0,
  /** Refused or failed: a token that does not verify, a denied check, a file that cannot be written. */
  refused: 1,
  /** Usage error: the command line is wrong; nothing was done. */
  usage: 2,
} as const

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
