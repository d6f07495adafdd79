/**
 * Paths given on the command line, resolved against the CLI's working directory
 * ({@link CliIo.cwd}) rather than the process's, so `main` can run anywhere, not only from
 * `bin.ts`.
 *
 * @module
 */
import { resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import type { CliIo } from './io.js'

/**
 * Use a path the user gave: `use` gets it resolved against `io.cwd` (as written when there is no
 * `io.cwd`). A {@link ConfigError} that names the file by its resolved path is thrown again naming
 * it as the user wrote it, so messages read `… in metadata.json: …` whatever the working
 * directory; any other error passes through unchanged.
 *
 * @param io - the CLI's outside world; only `cwd` is read.
 * @param given - the path as written on the command line, such as `metadata.json`.
 * @param use - what to do with the resolved path, such as load a configuration from it.
 * @returns what `use` returns.
 * @example
 * ```ts
 * const gate = withUserPath(io, 'metadata.json', (path) => createGate(path, { env: io.env }))
 * ```
 */
export function withUserPath<T>(io: CliIo, given: string, use: (path: string) => T): T {
  const path = io.cwd === undefined ? given : resolve(io.cwd, given)
  if (path === given) return use(path)
  try {
    return use(path)
  } catch (error) {
    if (error instanceof ConfigError && error.source === path) {
      throw new ConfigError(error.problems, { source: given, cause: error.cause })
    }
    throw error
  }
}
