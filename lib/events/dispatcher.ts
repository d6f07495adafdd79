/**
 * Delivering events to the `onEvent` listener off the request path: an event is queued, and the
 * queue is delivered in a `setImmediate` callback, after the code that emitted it (the request's
 * middleware) has moved on. A listener that throws, or returns a promise that rejects, is caught:
 * the first failure is logged through the gate's logger, later ones are counted and not logged,
 * so a broken listener neither breaks requests nor floods the log. A listener that is slow to
 * settle its promise is never waited for.
 *
 * @module
 * @internal
 */
import type { EventListener, TokengateEvent } from './event.js'
import { type Logger, messageOf } from './logger.js'

/** Delivers a gate's events. @internal */
export interface EventDispatcher {
  /** Queue an event; it is frozen and delivered after the current call stack. */
  emit(event: TokengateEvent): void
  /** Resolves once every event queued so far has been handed to the listener. */
  settle(): Promise<void>
}

/**
 * The `onEvent` option, checked.
 * @throws TypeError when it is not a function.
 * @internal
 */
export function checkEventListener(listener: unknown): EventListener | undefined {
  if (listener === undefined) return undefined
  if (typeof listener !== 'function') throw new TypeError('"onEvent" option must be a function of one event')
  return listener as EventListener
}

/** @internal */
export function createEventDispatcher(listener: EventListener, logger: Logger): EventDispatcher {
  let queue: TokengateEvent[] = []
  let scheduled = false
  let failures = 0
  let drained: (() => void)[] = []

  const failed = (error: unknown): void => {
    failures++
    if (failures > 1) return
    logger.error(
      `tokengate: the onEvent listener failed (${messageOf(error)}); requests go on, and its later failures are not logged`,
    )
  }

  const deliver = (): void => {
    scheduled = false
    const batch = queue
    queue = []
    for (const event of batch) {
      try {
        const result = listener(event)
        if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') {
          ;(result as Promise<void>).then(undefined, failed)
        }
      } catch (error) {
        failed(error)
      }
    }
    const waiting = drained
    drained = []
    for (const resolve of waiting) resolve()
  }

  return {
    emit(event) {
      queue.push(Object.freeze(event))
      if (!scheduled) {
        scheduled = true
        setImmediate(deliver)
      }
    },
    settle() {
      if (!scheduled) return Promise.resolve()
      return new Promise((resolve) => drained.push(resolve))
    },
  }
}
