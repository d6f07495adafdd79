/**
 * The `tokengate/express` entry point: the Express adapter (`tokenAuth`, `requirePermission`,
 * `requireActor`, `permissionsDebug`, `tokenAdmin`), writing `req.actor`. The main `tokengate` entry exports the same names.
 *
 * @module
 */
export { tokenAuth } from './token-auth.js'
export type { TokenAuthOptions } from './token-auth.js'
export { requirePermission } from './require-permission.js'
export type { ExpressTarget } from './require-permission.js'
export { requireActor } from './require-actor.js'
export { permissionsDebug } from './permissions-debug.js'
export { tokenAdmin } from './token-admin.js'
export type { ExpressTokenAdminOptions } from './token-admin.js'
export type { TokenAdminOptions } from '../../admin/types.js'
export type { AdapterOptions, OnError, SessionOptions, TargetSpec } from '../shared.js'
