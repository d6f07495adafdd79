/**
 * Where the CLI finds the signing secret: `--secret`, else the `TOKENGATE_SECRET` environment
 * variable, else `DATASETTE_SECRET` (Datasette's own variable, so a Datasette deployment's
 * environment works unchanged). An empty variable counts as unset. The secret itself is never
 * printed; only where it came from is.
 *
 * @module
 */
import { UsageError } from './usage-error.js'

/** The environment variables read for the secret, in order. */
export const SECRET_VARIABLES = ['TOKENGATE_SECRET', 'DATASETTE_SECRET'] as const

/** A secret and where it came from. */
export interface FoundSecret {
  /** The secret. Never print it. */
  readonly value: string
  /** `--secret` or the environment variable it was read from. */
  readonly from: '--secret' | (typeof SECRET_VARIABLES)[number]
}

/**
 * The secret from `--secret` or the environment.
 *
 * @param given - the value of `--secret`, or `undefined` when it was not given.
 * @param env - the environment.
 * @returns the secret and its origin, or `undefined` when there is none.
 * @throws UsageError when `--secret` is given empty.
 */
export function findSecret(
  given: string | undefined,
  env: { readonly [name: string]: string | undefined },
): FoundSecret | undefined {
  if (given !== undefined) {
    if (given === '') throw new UsageError('--secret must not be empty')
    return { value: given, from: '--secret' }
  }
  for (const name of SECRET_VARIABLES) {
    const value = env[name]
    if (value !== undefined && value !== '') return { value, from: name }
  }
  return undefined
}
