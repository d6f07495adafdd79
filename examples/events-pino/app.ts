/**
 * tokengate's events in a pino log, and a rate limit: a small Express app whose gate tells pino
 * every authentication, refusal, decision and token change (`onEvent`), logs its own warnings
 * through the same logger (`logger`), and limits every authenticated caller to 5 requests a
 * minute. Each event is one JSON line: info for `authenticated`, `allowed` and `token.*`, warn
 * for `rejected` and `denied`.
 *
 * ```json
 * {"level":40,"time":…,"component":"tokengate","type":"denied","at":…,"actorId":"alice","tokenId":"…","source":"managed","reason":"rate_limited","action":null,"database":null,"resource":null,"method":"GET","path":"/docs/documents","ip":"127.0.0.1","by":null,"msg":"tokengate denied"}
 * ```
 *
 * @module
 */
import express from 'express'
import type { Express, Request, Response } from 'express'
import { pino } from 'pino'
import type { DestinationStream, Logger } from 'pino'
import { createGate, createMemoryTokenStore, requirePermission, tokenAuth } from 'tokengate'
import type { Gate, TokengateEvent } from 'tokengate'

/** The permissions: only alice may view the tables of `docs`. */
export const METADATA = {
  databases: { docs: { allow: { id: ['alice'] } } },
}

/** The limit every authenticated caller gets. */
export const RATE_LIMIT = { points: 5, duration: 60 }

/** Options of {@link createApp}. */
export interface EventsAppOptions {
  /** Where pino writes its JSON lines. @defaultValue standard output */
  destination?: DestinationStream
}

/** The pino level of an event: a refusal or a denial is a warning. */
function levelOf(event: TokengateEvent): 'info' | 'warn' {
  return event.type === 'rejected' || event.type === 'denied' ? 'warn' : 'info'
}

/**
 * The app, its gate (with an in-memory token store, for `gate.tokens`) and its logger.
 *
 * @example
 * ```ts
 * const { app, gate } = createApp()
 * const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'demo' })
 * ```
 */
export function createApp(options: EventsAppOptions = {}): { app: Express; gate: Gate; logger: Logger } {
  const logger = pino({ base: null }, options.destination ?? process.stdout)
  const log = logger.child({ component: 'tokengate' })
  const gate = createGate(METADATA, {
    tokenStore: createMemoryTokenStore(),
    rateLimit: RATE_LIMIT,
    // The event's fields become the line's fields; the message says what happened.
    onEvent: (event) => log[levelOf(event)](event, `tokengate ${event.type}`),
    // pino's warn(message) and error(message) are what the gate's logger needs.
    logger: log,
  })
  const app = express()
  app.use(tokenAuth(gate))
  app.get('/docs/:table', requirePermission('view-table', 'docs', ':table'), (req: Request, res: Response) => {
    res.json({ ok: true, table: req.params['table'], actor: req.actor })
  })
  return { app, gate, logger }
}
