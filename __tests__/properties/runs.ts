/**
 * How many runs each property test makes, and how to replay a failure.
 *
 * - `TOKENGATE_FC_RUNS` sets the number of runs (default 10,000, what CI runs); raise it to search
 *   harder locally: `TOKENGATE_FC_RUNS=200000 npx jest __tests__/properties`.
 * - `TOKENGATE_FC_SEED` (and `TOKENGATE_FC_PATH`) replay a failure: fast-check prints both in
 *   the failure message (`{ seed: …, path: "…" }`), together with the shrunk counterexample.
 *
 * Every property test names its run count in its title, so a run's output says how hard it looked.
 */
import fc from 'fast-check'

function integerFromEnv(name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`)
  return value
}

/** The number of runs of each property. */
export const RUNS = integerFromEnv('TOKENGATE_FC_RUNS', 10_000)

const seedText = process.env['TOKENGATE_FC_SEED']
const SEED = seedText === undefined || seedText === '' ? undefined : Number(seedText)
const PATH = process.env['TOKENGATE_FC_PATH']

/** `fc.assert` with the run count and, when replaying, the seed and path from the environment. */
export function check<T>(property: fc.IProperty<T>, runs = RUNS): void {
  fc.assert(property, {
    numRuns: runs,
    ...(SEED === undefined ? {} : { seed: SEED }),
    ...(PATH === undefined || PATH === '' ? {} : { path: PATH }),
  })
}

/** A test title that says how many runs the property makes, such as `… (10000 runs)`. */
export function titled(title: string, runs = RUNS): string {
  return `${title} (${runs} runs)`
}

/** {@link check} for an asynchronous property. */
export async function checkAsync<T>(property: fc.IAsyncProperty<T>, runs = RUNS): Promise<void> {
  await fc.assert(property, {
    numRuns: runs,
    ...(SEED === undefined ? {} : { seed: SEED }),
    ...(PATH === undefined || PATH === '' ? {} : { path: PATH }),
  })
}
