/**
 * `tokengate check ACTION [DB [RESOURCE]]`: the library's `gate.explain` from a shell.
 * Loads a configuration, takes an actor as JSON, and prints the decision with the rules that
 * produced it. Exit status 0 when the action is allowed, 1 when it is denied.
 *
 * @module
 */
import { createGate } from '../gate.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { restrictionsProblem } from '../permissions/restrictions.js'
import type { Actor, Decision } from '../types.js'
import { type OptionSpec, scanArgs, single, unexpectedArgument } from './args.js'
import { type CliIo, ExitCode } from './io.js'
import { describeTarget, prettyJson } from './output.js'
import { withUserPath } from './paths.js'
import { UsageError } from './usage-error.js'

/** The options of `check`. */
const OPTIONS: readonly OptionSpec[] = [
  { long: 'config', values: ['FILE'] },
  { long: 'actor', values: ['JSON'] },
  { long: 'format', values: ['FORMAT'] },
]

type Format = 'text' | 'json'

function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text'
  throw new UsageError(`--format must be text or json, got ${JSON.stringify(value)}`)
}

/** `--actor`: a JSON object, or `null` for anonymous. */
function parseActor(text: string | undefined): Actor | null {
  if (text === undefined) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`--actor is not valid JSON; write an object such as '{"id":"bob"}', or null for anonymous`)
  }
  if (value === null) return null
  if (!isPlainObject(value)) {
    throw new UsageError(`--actor must be a JSON object such as '{"id":"bob"}', or null for anonymous`)
  }
  if (Object.hasOwn(value, '_r')) {
    const problem = restrictionsProblem(value['_r'])
    if (problem !== null) throw new UsageError(`--actor: ${problem}`)
  }
  return value
}

function printDecision(decision: Decision, actor: Actor | null, io: CliIo, indent = ''): void {
  const target = describeTarget({ database: decision.database, resource: decision.resource })
  io.stdout(`${indent}${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${decision.action} at ${target}\n`)
  if (indent === '') io.stdout(`actor: ${actor === null ? 'null (anonymous)' : JSON.stringify(actor)}\n`)
  io.stdout(`${indent}reason: ${decision.reason}\n`)
  if (decision.rules.length === 0) io.stdout(`${indent}rules: none apply\n`)
  else {
    io.stdout(`${indent}rules (most specific first):\n`)
    for (const rule of decision.rules) {
      const where = rule.path === null ? rule.source : `${rule.source} ${rule.path}`
      io.stdout(`${indent}  ${rule.level.padEnd(8)} ${rule.effect.padEnd(5)} ${where}: ${rule.reason}\n`)
    }
  }
  io.stdout(`${indent}restrictions: ${decision.restriction.reason}\n`)
  for (const required of decision.alsoRequires) {
    io.stdout(`${indent}also requires:\n`)
    printDecision(required, actor, io, `${indent}  `)
  }
}

/**
 * Run `tokengate check` with the arguments after the command name.
 *
 * @param argv - the arguments, such as `['--config', 'metadata.json', '--actor', '{"id":"bob"}', 'view-table', 'docs', 'documents']`.
 * @param io - where output goes, the environment (for `$env` references in the configuration) and
 *   the working directory `--config` is relative to.
 * @returns 0 when the action is allowed, 1 when it is denied.
 * @throws UsageError (exit 2) for a wrong command line or bad `--actor` JSON; ConfigError (exit 2)
 *   when the configuration cannot be loaded; UnknownActionError (exit 2) for an action no one
 *   registered.
 * @example
 * ```ts
 * checkCommand(['--config', 'metadata.json', 'view-instance'], io) // 0: allowed by default
 * ```
 */
export function checkCommand(argv: readonly string[], io: CliIo): ExitCode {
  const scanned = scanArgs(argv, OPTIONS)
  const [action, database, resource, extra] = scanned.positionals
  if (action === undefined) throw new UsageError('missing ACTION: the action to check, such as view-table')
  if (extra !== undefined) throw unexpectedArgument(scanned, 3, 'check takes ACTION [DB [RESOURCE]]')
  if (action === '') throw new UsageError('ACTION must not be empty')
  if (database === '') throw new UsageError('DB must not be empty')
  if (resource === '') throw new UsageError('RESOURCE must not be empty')
  const configPath = single(scanned, 'config')
  if (configPath === undefined) throw new UsageError('--config FILE is required: the decision depends on the configuration')
  if (configPath === '') throw new UsageError('--config must not be empty')
  const format = parseFormat(single(scanned, 'format'))
  const actor = parseActor(single(scanned, 'actor'))

  const gate = withUserPath(io, configPath, (path) => createGate(path, { env: io.env, now: () => io.now() / 1000 }))
  const decision = gate.explain(actor, action, { database: database ?? null, resource: resource ?? null })
  if (format === 'json') io.stdout(`${prettyJson(decision)}\n`)
  else printDecision(decision, actor, io)
  return decision.allowed ? ExitCode.ok : ExitCode.refused
}
