/**
 * The CLI's argv scanner. `util.parseArgs` cannot read Datasette's options that take several
 * values (`-d/--database DB ACTION`, `-r/--resource DB RESOURCE ACTION`), so every command uses
 * this one small scanner, which gives every command the same rules and the same messages:
 *
 * - `--name value`, `--name=value`, and short `-n value`; an option of N values takes the next
 *   N arguments (`--resource docs documents insert-row`), or the part after `=` and then N - 1
 *   more (`--resource=docs documents insert-row`).
 * - An argument that starts with `-` (other than `-` alone) is never taken as a value: it means
 *   the value is missing. Write `--secret=-abc` for a value that starts with a dash.
 * - `--` ends the options; everything after it is positional.
 * - Options and positionals may be interleaved. An option that is not repeatable may be given
 *   once only (no silent "last one wins").
 * - Every mistake is a {@link UsageError} naming the option and what was expected. An argument
 *   the command does not take (an unknown option, an extra positional) is named by its position
 *   (`the 3rd argument`), never quoted: it may be a secret typed without `--secret`.
 *
 * @module
 */
import { closest } from '../internal/closest.js'
import { UsageError } from './usage-error.js'

/** One option a command accepts. */
export interface OptionSpec {
  /** The long name, without `--`, such as `resource`. */
  readonly long: string
  /** The one-letter short name, without `-`, such as `r`. */
  readonly short?: string
  /** The names of its values for messages, such as `['DB', 'RESOURCE', 'ACTION']`; empty for a flag. */
  readonly values: readonly string[]
  /** Whether it may be given more than once. @defaultValue false */
  readonly repeatable?: boolean
}

/** What {@link scanArgs} found. */
export interface ScannedArgs {
  /** Each option given (by long name), with the values of each occurrence, in order. */
  readonly options: ReadonlyMap<string, readonly (readonly string[])[]>
  /** The positional arguments, in order. */
  readonly positionals: readonly string[]
  /** Where each positional was on the command line, counted from 1 after the program name. */
  readonly positionalNumbers: readonly number[]
}

/**
 * An argument named by its position, such as `the 3rd argument`: how messages point at an
 * argument they must not echo (it may be a secret typed in the wrong place).
 *
 * @param n - the argument's position on the command line, from 1 after the program name.
 */
export function nthArgument(n: number): string {
  const tens = n % 100
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
  return `the ${n}${suffix} argument`
}

/**
 * The usage error for a positional argument a command does not take: named by its position,
 * never quoted.
 *
 * @param scanned - the scanned arguments.
 * @param index - the index of the unexpected positional among {@link ScannedArgs.positionals}.
 * @param usage - what the command takes, such as `create-token takes one ACTOR_ID`.
 */
export function unexpectedArgument(scanned: ScannedArgs, index: number, usage: string): UsageError {
  return new UsageError(`${nthArgument(scanned.positionalNumbers[index] ?? index + 1)} is unexpected: ${usage}`)
}

function isOptionLike(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-')
}

function describeValues(spec: OptionSpec): string {
  const n = spec.values.length
  return n === 1 ? `a value (${spec.values.join(' ')})` : `${n} values (${spec.values.join(' ')})`
}

/**
 * Whether the arguments ask for help: `--help` or `-h` before any `--`.
 *
 * @param argv - the command's arguments.
 */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false
    if (arg === '--help' || arg === '-h') return true
  }
  return false
}

/**
 * Scan a command's arguments against its options.
 *
 * @param argv - the arguments after the command name.
 * @param specs - the options the command accepts.
 * @param offset - how many arguments came before `argv` on the command line (the command name):
 *   messages count positions from the program name.
 * @returns the options given and the positionals, with their positions.
 * @throws UsageError for an unknown option (named by its position, never quoted, with a
 *   suggestion when a known one is close), a missing value, a value given to a flag, or a
 *   non-repeatable option given twice.
 * @example
 * ```ts
 * scanArgs(['root', '-r', 'docs', 'documents', 'insert-row'], [{ long: 'resource', short: 'r', values: ['DB', 'RESOURCE', 'ACTION'], repeatable: true }])
 * // { options: Map { 'resource' => [['docs', 'documents', 'insert-row']] }, positionals: ['root'] }
 * ```
 */
export function scanArgs(argv: readonly string[], specs: readonly OptionSpec[], offset = 1): ScannedArgs {
  const byLong = new Map(specs.map((spec) => [spec.long, spec]))
  const byShort = new Map(specs.flatMap((spec) => (spec.short === undefined ? [] : [[spec.short, spec] as const])))
  const options = new Map<string, string[][]>()
  const positionals: string[] = []
  const positionalNumbers: number[] = []

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') {
      for (let j = i + 1; j < argv.length; j++) {
        positionals.push(argv[j] ?? '')
        positionalNumbers.push(offset + j + 1)
      }
      break
    }
    if (!isOptionLike(arg)) {
      positionals.push(arg)
      positionalNumbers.push(offset + i + 1)
      continue
    }
    // An unknown option is named by its position: it may be a secret that starts with "-".
    const unknown = (guess: string | undefined): UsageError =>
      new UsageError(`${nthArgument(offset + i + 1)} is not a known option${guess === undefined ? '' : `; did you mean --${guess}?`}`)
    let spec: OptionSpec | undefined
    let shown: string
    let inline: string | undefined
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
      inline = eq === -1 ? undefined : arg.slice(eq + 1)
      shown = `--${name}`
      spec = byLong.get(name)
      if (spec === undefined) throw unknown(closest(name, byLong.keys()))
    } else {
      shown = arg
      spec = arg.length === 2 ? byShort.get(arg.slice(1)) : undefined
      if (spec === undefined) throw unknown(undefined)
    }
    const wanted = spec.values.length
    if (wanted === 0 && inline !== undefined) throw new UsageError(`${shown} does not take a value`)
    const values: string[] = inline === undefined ? [] : [inline]
    while (values.length < wanted) {
      const next = argv[i + 1]
      if (next === undefined || isOptionLike(next)) {
        throw new UsageError(
          wanted === 1
            ? `${shown} needs ${describeValues(spec)}`
            : `${shown} needs ${describeValues(spec)}, got ${values.length}`,
        )
      }
      values.push(next)
      i++
    }
    const previous = options.get(spec.long)
    if (previous !== undefined && spec.repeatable !== true) {
      throw new UsageError(`--${spec.long} was given more than once`)
    }
    if (previous === undefined) options.set(spec.long, [values])
    else previous.push(values)
  }
  return { options, positionals, positionalNumbers }
}

/** Whether a flag (an option without values) was given. */
export function flag(scanned: ScannedArgs, long: string): boolean {
  return scanned.options.has(long)
}

/** The value of a single-valued option, or `undefined` when it was not given. */
export function single(scanned: ScannedArgs, long: string): string | undefined {
  return scanned.options.get(long)?.[0]?.[0]
}

/** Every occurrence of an option, each with its values, in order. */
export function occurrences(scanned: ScannedArgs, long: string): readonly (readonly string[])[] {
  return scanned.options.get(long) ?? []
}
