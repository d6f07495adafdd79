/**
 * How a gate holds its token store: one passed in (`tokenStore`, the caller's to close), or one
 * named by the configuration's `"token_store"`, which the gate opens lazily, on first use (a
 * request with a managed token, `gate.tokens`, `gate.ready()`), and closes in `gate.close()`.
 *
 * A store that fails to open fails what needed it (`ready()` rejects with the store's error,
 * requests answer 503) and is tried again on the next use after a second, so an application
 * whose database was down at start recovers without a restart.
 *
 * @module
 * @internal
 */
import { StoreUnavailableError } from '../errors.js'
import { openTokenStore } from './open-token-store.js'
import type { TokenStore } from './token-store.js'

/** How long a failed open is remembered before the next use tries again, in milliseconds. */
const RETRY_OPEN_MS = 1000

/** A gate's store. @internal */
export interface StoreHandle {
  /** The store: at once when it is open, else a promise of it (opening it on first use). */
  current(): TokenStore | Promise<TokenStore>
  /** Open it if needed; rejects with the store's error. */
  ready(): Promise<void>
  /** Stop listening, and close the store if this handle opened it. Idempotent. */
  close(): Promise<void>
}

/**
 * The handle of a store. `attach` runs once, when the store is open, and returns what undoes it
 * (the gate subscribes to changes there).
 * @internal
 */
export function storeHandle(
  source: TokenStore | { readonly url: string; readonly baseDir: string },
  attach: (store: TokenStore) => () => void,
): StoreHandle {
  let detach: (() => void) | null = null
  let closed = false
  if (!('url' in source)) {
    detach = attach(source)
    return {
      current: () => source,
      ready: async () => {},
      async close() {
        closed = true
        detach?.()
        detach = null
      },
    }
  }

  let store: TokenStore | null = null
  let opening: Promise<TokenStore> | null = null
  const closedError = (): StoreUnavailableError => new StoreUnavailableError('The token store is closed: the gate was closed')
  const open = (): Promise<TokenStore> => {
    const attempt = openTokenStore(source.url, { baseDir: source.baseDir }).then(
      async (opened) => {
        if (closed) {
          await opened.close()
          throw closedError()
        }
        store = opened
        detach = attach(opened)
        return opened
      },
      (error: unknown) => {
        // Remembered for a moment, so a burst of requests does not open a connection each.
        setTimeout(() => {
          if (opening === attempt) opening = null
        }, RETRY_OPEN_MS).unref()
        throw error
      },
    )
    // Whoever needed the store sees the error; an open nobody waits for must not be "unhandled".
    attempt.catch(() => {})
    return attempt
  }
  return {
    current() {
      if (store !== null) return store
      if (closed) return Promise.reject(closedError())
      opening ??= open()
      return opening
    },
    async ready() {
      await this.current()
    },
    async close() {
      if (closed) return
      closed = true
      detach?.()
      detach = null
      const opened = store ?? (await opening?.catch(() => null)) ?? null
      store = null
      if (opened !== null) await opened.close()
    },
  }
}
