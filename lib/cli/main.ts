/**
 * The CLI's entry point as a function: picks the command, prints help, runs it, and turns every
 * error into one line on stderr and an exit status (0 done, 1 refused or failed, 2 usage error).
 * `bin.ts` calls it with the real process; tests may call it with their own {@link CliIo}.
 *
 * @module
 */
import { ConfigError, InvalidRequestError, UnknownActionError, isTokengateError } from '../errors.js'
import { closest } from '../internal/closest.js'
import { markAsEnvironment } from '../internal/environment.js'
import { nthArgument, wantsHelp } from './args.js'
import { checkCommand } from './check.js'
import { createTokenCommand } from './create-token.js'
import { COMMAND_HELP, type CommandName, MAIN_HELP } from './help.js'
import { inspectCommand } from './inspect.js'
import { type CliIo, ExitCode } from './io.js'
import { oneLine } from './output.js'
import { tokensCommand } from './tokens.js'
import { RefusedError } from './refused-error.js'
import { UsageError } from './usage-error.js'

const COMMANDS: { readonly [name in CommandName]: (argv: readonly string[], io: CliIo) => ExitCode | Promise<ExitCode> } = {
  'create-token': createTokenCommand,
  inspect: inspectCommand,
  check: checkCommand,
  tokens: tokensCommand,
}

/** `before + command + after` for the closest command, else `otherwise`. */
function suggestion(given: string, before: string, after: string, otherwise: string): string {
  const guess = closest(given, Object.keys(COMMANDS))
  return guess === undefined ? otherwise : `${before}${guess}${after}`
}

function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name)
}

/** The exit status and the one-line message for an error a command threw. */
function classify(error: unknown): { status: ExitCode; message: string } {
  if (error instanceof UsageError) return { status: ExitCode.usage, message: error.message }
  if (error instanceof RefusedError) return { status: ExitCode.refused, message: error.message }
  // A configuration that cannot be loaded, an action no one registered, a malformed token
  // argument: the command line is wrong, nothing was done.
  if (error instanceof ConfigError || error instanceof UnknownActionError || error instanceof InvalidRequestError) {
    return { status: ExitCode.usage, message: error.message }
  }
  if (isTokengateError(error)) return { status: ExitCode.refused, message: error.message }
  const message = error instanceof Error ? `unexpected error: ${error.message}` : `unexpected error: ${String(error)}`
  return { status: ExitCode.refused, message }
}

/**
 * Run the `tokengate` command line.
 *
 * @param argv - the arguments after the program name, such as `['create-token', 'root', '--secret', 's']`.
 * @param io - the output streams, environment, clock and working directory.
 * @returns the exit status: 0 done, 1 refused (a token that does not verify, a denied check) or
 *   failed (a file that cannot be written), 2 usage error (nothing was done). Never throws.
 * @example
 * ```ts
 * const status = await main(['check', '--config', 'metadata.json', 'view-instance'], io)
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [command, ...rest] = argv
  if (command === undefined) {
    io.stderr('tokengate: missing COMMAND; the commands are create-token, inspect, check and tokens (see tokengate --help)\n')
    return ExitCode.usage
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined
    if (topic !== undefined && !isCommand(topic)) {
      io.stderr(`tokengate: ${nthArgument(2)} is not a command${suggestion(topic, '; did you mean ', '? The', '; the')} commands are create-token, inspect, check and tokens\n`)
      return ExitCode.usage
    }
    io.stdout(topic === undefined ? MAIN_HELP : COMMAND_HELP[topic])
    return ExitCode.ok
  }
  if (!isCommand(command)) {
    // Named by its position, never quoted: it may be a secret typed in the wrong place.
    io.stderr(`tokengate: ${nthArgument(1)} is not a command${suggestion(command, '; did you mean ', '? The', '; the')} commands are create-token, inspect, check and tokens (see tokengate --help)\n`)
    return ExitCode.usage
  }
  if (wantsHelp(rest)) {
    io.stdout(COMMAND_HELP[command])
    return ExitCode.ok
  }
  // The CLI's env is its process's environment (tests pass their own): messages about an unset
  // variable say "in the environment", not "in the env option".
  markAsEnvironment(io.env)
  try {
    return await COMMANDS[command](rest, io)
  } catch (error) {
    const { status, message } = classify(error)
    io.stderr(`tokengate ${command}: ${oneLine(message)}\n`)
    return status
  }
}
