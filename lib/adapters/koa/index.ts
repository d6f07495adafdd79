/**
 * The `tokengate/koa` entry point: the Koa 3 adapter. Same names as the Express adapter in
 * the main entry (`tokenAuth`, `requirePermission`, `requireActor`, `permissionsDebug`, `tokenAdmin`), writing
 * `ctx.state.actor`.
 *
 * @module
 */
export { tokenAuth } from './token-auth.js'
export type { KoaTokenAuthOptions } from './token-auth.js'
export { requirePermission } from './require-permission.js'
export type { KoaTarget } from './require-permission.js'
export { requireActor } from './require-actor.js'
export { permissionsDebug } from './permissions-debug.js'
export { tokenAdmin } from './token-admin.js'
export type { KoaTokenAdminOptions } from './token-admin.js'
export type { TokenAdminOptions } from '../../admin/types.js'
export type { AdapterOptions, OnError, SessionOptions } from '../shared.js'
