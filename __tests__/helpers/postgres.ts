/**
 * PostgreSQL for the tests: the server named by `TOKENGATE_TEST_POSTGRES` (`.ci/run` sets it),
 * a fresh schema per suite (other helpers and test runs share the server), dropped afterwards.
 * Without the variable, the suites that need it are skipped, saying why.
 */
import { randomBytes } from 'node:crypto'
import { Client } from 'pg'

/** The server's URL, or `undefined` when the tests should skip. */
export const POSTGRES_URL = process.env['TOKENGATE_TEST_POSTGRES'] === '' ? undefined : process.env['TOKENGATE_TEST_POSTGRES']

/** `describe`, or `describe.skip` with the reason printed, when there is no server to test against. */
export function describePostgres(name: string, body: () => void): void {
  if (POSTGRES_URL === undefined) {
    // Written past jest's console capture, which stays silent for a suite whose tests all skip.
    process.stderr.write(`Skipping "${name}": set TOKENGATE_TEST_POSTGRES to a PostgreSQL URL (.ci/run sets it) to run it\n`)
    describe.skip(`${name} (skipped: TOKENGATE_TEST_POSTGRES is not set)`, body)
    return
  }
  describe(name, body)
}

/** A schema name no other run uses. */
export function freshSchema(): string {
  return `tokengate_test_${randomBytes(6).toString('hex')}`
}

/** Drop schemas the tests made. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (POSTGRES_URL === undefined || schemas.length === 0) return
  const client = new Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** Run SQL on the test server (for setting up what a store must refuse). */
export async function sql(text: string, values: unknown[] = []): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    return await client.query(text, values)
  } finally {
    await client.end()
  }
}
