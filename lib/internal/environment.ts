/**
 * Where `$env` references are looked up, in words: "the environment" (`process.env`, or what a
 * program such as the CLI declares to be its environment) or "the env option" (an object an
 * application passed instead). The `env` option replaces `process.env`; it is not merged with it,
 * so a variable exported in the shell but missing from the option is unset, and the message must
 * say where it was looked for.
 *
 * @module
 * @internal
 */

/** Objects that are a process's environment: `process.env`, and any marked with {@link markAsEnvironment}. */
const ENVIRONMENTS = new WeakSet<object>([process.env])

/**
 * Declare an object to be the process's environment (the CLI's `io.env`), so messages about it
 * say "the environment" rather than "the env option".
 * @internal
 */
export function markAsEnvironment<T extends object>(env: T): T {
  ENVIRONMENTS.add(env)
  return env
}

/**
 * The clause saying where an unset variable was looked for, and what to do.
 * @param env - the `env` option as given (`undefined` for `process.env`).
 * @param name - the variable.
 * @internal
 */
export function unsetVariableMessage(env: object | undefined, name: string): string {
  if (env === undefined || ENVIRONMENTS.has(env)) {
    return `environment variable ${name} is not set in the environment; set it or remove the reference`
  }
  return `environment variable ${name} is not set in the env option, which replaces process.env (it is not merged with it); add ${name} to the env option or remove the reference`
}
