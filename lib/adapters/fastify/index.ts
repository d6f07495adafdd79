/**
 * The `tokengate/fastify` entry point: the Fastify 5 adapter. A plugin, `tokengate`, that
 * authenticates in an `onRequest` hook and sets `request.actor`; the guards `requirePermission`
 * and `requireActor` as route hooks; and the `permissionsDebug` handler.
 *
 * It loads neither Express nor Koa, nor tokengate's adapters for them, and nothing of Fastify at
 * run time: only Fastify's types. The token administration endpoints (`tokenAdmin`) are not here
 * yet: they come with the framework-neutral admin API (issue 12).
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
export type { AdapterOptions, OnError, TargetSpec } from '../shared.js'
