/**
 * Declaration merging: `req.actor` on Express requests, set by {@link tokenAuth}.
 *
 * @module
 */
import type { Actor } from '../../types.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      /**
       * The actor the request's token stands for, `null` for an anonymous request. Set by
       * tokengate's `tokenAuth` middleware; `undefined` before it runs.
       */
      actor?: Actor | null
    }
  }
}

export {}
