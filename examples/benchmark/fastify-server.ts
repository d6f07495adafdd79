/**
 * One Fastify benchmark scenario server per process: `node dist/examples/benchmark/fastify-server.js
 * <scenario>` builds the Fastify 5 app of that scenario (see `scenarios.ts`), listens on an
 * OS-chosen port of 127.0.0.1 and reports `{ type: 'ready', port }` to its parent over IPC (or
 * prints it as one JSON line when started without an IPC channel).
 *
 * What a scenario needs is imported only in that scenario's branch: the module itself imports
 * Fastify and `scenarios.ts` (which imports nothing), so the bare Fastify and @fastify/bearer-auth
 * servers load nothing of tokengate, and the tokengate servers load `tokengate/fastify` only (the
 * benchmark's test checks all three with a module loader hook).
 *
 * Every scenario serves `GET /:db/:table` with the same handler and the same body as the Express
 * scenarios; only what runs in front of the handler differs. The process exits on SIGTERM or
 * SIGINT, and when its parent disconnects.
 *
 * @module
 */
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import {
  ACTION,
  DATABASES,
  OUTSIDER,
  READER,
  ROUTE,
  SCENARIOS,
  SIGNING_SECRET,
  STATIC_TOKENS,
  type ScenarioName,
  bodyFor,
} from './scenarios.js'
import { reportReady } from './scenario-process.js'

/** The handler every scenario ends with: the same small JSON body for the same request. */
function listRows(request: FastifyRequest, reply: FastifyReply): void {
  const params = request.params as { db: string; table: string }
  reply.send(bodyFor(params.db, params.table))
}

/** A plugin that does nothing, registered as fastify-plugin would register it. */
const emptyPlugin: FastifyPluginCallback = Object.assign(
  function empty(_app: FastifyInstance, _options: unknown, done: () => void): void {
    done()
  },
  { [Symbol.for('skip-override')]: true },
)

/** The Fastify app of one scenario (not listening). */
export async function createFastifyApp(name: ScenarioName): Promise<FastifyInstance> {
  const app = Fastify()
  switch (name) {
    case 'fastify':
      app.get(ROUTE, listRows)
      break
    case 'fastify-bearer-auth': {
      // @fastify/bearer-auth's README: one key in a Set; it adds an onRequest hook.
      const { default: bearerAuth } = await import('@fastify/bearer-auth')
      app.register(bearerAuth, { keys: new Set([STATIC_TOKENS[READER]]) })
      app.get(ROUTE, listRows)
      break
    }
    case 'fastify-static':
    case 'fastify-dstok': {
      const { requirePermission, tokengate } = await import('tokengate/fastify')
      const config =
        name === 'fastify-static'
          ? {
              databases: DATABASES,
              tokens: [
                { token: STATIC_TOKENS[READER], actor: { id: READER } },
                { token: STATIC_TOKENS[OUTSIDER], actor: { id: OUTSIDER } },
              ],
            }
          : { databases: DATABASES, secret: SIGNING_SECRET }
      app.register(tokengate, { config })
      app.get(ROUTE, { preHandler: requirePermission(ACTION, ':db', ':table') }, listRows)
      break
    }
    case 'fastify-root-entry':
      // The question: does loading tokengate's root entry (and with it the Express
      // adapter's files) cost a Fastify app anything per request? Nothing of it runs.
      await import('tokengate')
      app.register(emptyPlugin)
      app.get(ROUTE, listRows)
      break
    default:
      throw new TypeError(`${name} is not a Fastify scenario`)
  }
  await app.ready()
  return app
}

async function main(): Promise<void> {
  const names = SCENARIOS.filter((s) => s.framework === 'fastify').map((s) => s.name)
  const name = names.find((n) => n === process.argv[2])
  if (name === undefined) {
    process.stderr.write(`usage: node dist/examples/benchmark/fastify-server.js <${names.join('|')}>\n`)
    process.exit(2)
  }
  const app = await createFastifyApp(name)
  await app.listen({ port: 0, host: '127.0.0.1' })
  reportReady(name, (app.server.address() as AddressInfo).port)
  const stop = (): void => {
    app.server.closeAllConnections()
    void app.close().then(() => process.exit(0))
    setTimeout(() => process.exit(0), 1000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('disconnect', stop)
}

await main()
