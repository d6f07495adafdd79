/**
 * The `tokengate/express` entry point: the Express adapter (`tokenAuth`, `requirePermission`,
 * `requireActor`, `permissionsDebug`), writing `req.actor`. The main `tokengate` entry exports the same names.
 *
 * @module
 */
export { tokenAuth } from './token-auth.js'
export type { TokenAuthOptions } from './token-auth.js'
export { requirePermission } from './require-permission.js'
export type { ExpressTarget } from './require-permission.js'
export { requireActor } from './require-actor.js'
export { permissionsDebug } from './permissions-debug.js'
export type { AdapterOptions, OnError, TargetSpec } from '../shared.js'
