/**
 * Redis for the tests: the server named by `TOKENGATE_TEST_REDIS` (`.ci/run` sets it), a key
 * prefix of its own per run (other helpers and test runs share the server), whose keys are
 * deleted afterwards. Without the variable, the suites that need it are skipped, saying why.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

/** The server's URL, or `undefined` when the tests should skip. */
export const REDIS_URL = process.env['TOKENGATE_TEST_REDIS'] === '' ? undefined : process.env['TOKENGATE_TEST_REDIS']

/** `describe`, or `describe.skip` with the reason printed, when there is no server to test against. */
export function describeRedis(name: string, body: () => void): void {
  if (REDIS_URL === undefined) {
    // eslint-disable-next-line no-console
    console.log(`Skipping "${name}": set TOKENGATE_TEST_REDIS to a Redis URL (.ci/run sets it) to run it`)
    describe.skip(name, body)
    return
  }
  describe(name, body)
}

/** A key prefix no other run uses. */
export function freshPrefix(): string {
  return `tokengate-test-${randomBytes(6).toString('hex')}`
}

/** A client of the test server, for looking at keys and cleaning up; `quit()` it. */
export function redisClient(): Redis {
  return new Redis(REDIS_URL!, { lazyConnect: false, maxRetriesPerRequest: 1 })
}

/** Every key under a prefix, with its value. */
export async function keysUnder(client: Redis, prefix: string): Promise<Record<string, string | null>> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  const values = keys.length === 0 ? [] : await client.mget(...keys)
  return Object.fromEntries(keys.map((key, i) => [key, values[i] ?? null]))
}

/** Delete every key under the prefixes. */
export async function dropPrefixes(prefixes: readonly string[]): Promise<void> {
  if (REDIS_URL === undefined || prefixes.length === 0) return
  const client = redisClient()
  try {
    for (const prefix of prefixes) {
      const keys = Object.keys(await keysUnder(client, prefix))
      if (keys.length > 0) await client.del(...keys)
    }
  } finally {
    await client.quit()
  }
}

/** Host and port of the test server, for a proxy in front of it. */
export function redisTarget(): { host: string; port: number } {
  const url = new URL(REDIS_URL!)
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) }
}
