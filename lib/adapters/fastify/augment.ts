/**
 * Declaration merging: `request.actor` on Fastify requests, set by the {@link tokengate} plugin.
 *
 * @module
 */
import type { Actor } from '../../types.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The actor the request's token stands for, `null` for an anonymous request. Set by the
     * tokengate plugin's `onRequest` hook in the contexts the plugin covers (the one it is
     * registered in and its children), so always set in their route hooks and handlers;
     * `undefined` before that hook has run, and on routes the plugin does not cover.
     */
    actor: Actor | null
  }
}

export {}
