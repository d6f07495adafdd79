/**
 * What the Datasette-style demos share besides their data (`data.ts`): metadata.json, the demo
 * bot token, their options and the gate they build from them. It loads no web framework, so the
 * Express, Koa and Fastify apps each import it without loading another's.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { type Gate, type TokenStore, type TokengateConfigInput, createGate } from 'tokengate'
import type { DemoData } from './data.js'
import metadata from './metadata.json' with { type: 'json' }

/**
 * The bot's static token when `BOT_TOKEN` is not set, so the demo starts with no setup. Set
 * `BOT_TOKEN` to use a real secret.
 */
export const DEMO_BOT_TOKEN = 'demo-bot-token'

/**
 * The example's metadata.json, as loaded by `import … with { type: 'json' }`. tsc copies the
 * file next to the compiled app (`dist/examples/datasette-api/metadata.json`), so the app finds it
 * wherever it runs from. Its `$env` reference is resolved by the gate.
 */
export const METADATA: TokengateConfigInput = metadata

/** Options of every Datasette-style demo's `createApp` (Express, Koa and Fastify). */
export interface DatasetteAppOptions {
  /** The configuration: an object or a metadata.json path. @defaultValue {@link METADATA} */
  config?: TokengateConfigInput | string
  /**
   * The secret that signs and verifies `dstok_` tokens.
   * @defaultValue a random secret, so tokens die with the process (as in Datasette)
   */
  secret?: string
  /**
   * Where `{"$env": …}` references are looked up.
   * @defaultValue `{ BOT_TOKEN: DEMO_BOT_TOKEN, ...process.env }`: the environment wins, and the
   * demo bot token fills in when `BOT_TOKEN` is unset
   */
  env?: { readonly [name: string]: string | undefined }
  /** Let the actor `{"id": "root"}` do everything the configuration does not deny more specifically. @defaultValue true */
  rootEnabled?: boolean
  /** The data to serve. @defaultValue fresh seeded data */
  data?: DemoData
  /** Where managed tokens are kept (`npm start` uses a SQLite file). @defaultValue none: no managed tokens */
  tokenStore?: TokenStore
}

/** The gate every Datasette-style demo (Express, Koa and Fastify) builds from its options. */
export function gateForDemo(options: DatasetteAppOptions): Gate {
  return createGate(options.config ?? METADATA, {
    rootEnabled: options.rootEnabled ?? true,
    env: options.env ?? { BOT_TOKEN: DEMO_BOT_TOKEN, ...process.env },
    secret: options.secret ?? randomBytes(32).toString('hex'),
    ...(options.tokenStore === undefined ? {} : { tokenStore: options.tokenStore }),
  })
}
