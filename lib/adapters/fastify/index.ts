/**
 * The `tokengate/fastify` entry point: the Fastify 5 adapter. A plugin, `tokengate`, that
 * authenticates in an `onRequest` hook and sets `request.actor`; the guards `requirePermission`
 * and `requireActor` as route hooks; the `permissionsDebug` handler; and `tokenAdmin`, token
 * administration (the JSON API, InfluxDB 3's endpoints, the token page) as a plugin.
 *
 * It loads neither Express nor Koa, nor tokengate's adapters for them, and nothing of Fastify at
 * run time: only Fastify's types.
 *
 * @module
 */
export { tokengate } from './plugin.js'
export type { FastifyTokengateOptions } from './plugin.js'
export { requirePermission } from './require-permission.js'
export type { FastifyGuard, FastifyTarget } from './require-permission.js'
export { requireActor } from './require-actor.js'
export { permissionsDebug } from './permissions-debug.js'
export type { FastifyEndpoint } from './permissions-debug.js'
export { tokenAdmin } from './token-admin.js'
export type { FastifyTokenAdminOptions } from './token-admin.js'
export type { TokenAdminOptions } from '../../admin/types.js'
export type { AdapterOptions, OnError, SessionOptions, TargetSpec } from '../shared.js'
