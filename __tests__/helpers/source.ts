import type { Actor, TokenSource, TokenSourceResult } from 'tokengate'
import { tokenDigest } from '../../lib/internal/token-digest.js'

/**
 * Ask one token source about a token, as the gate's chain would (the context carries the time
 * and the token's digest), and return its whole synchronous answer.
 */
export function answerOf(source: TokenSource, token: string, now: number): TokenSourceResult | null {
  const result = source.verify(token, { now, digest: tokenDigest(token) })
  if (result instanceof Promise) throw new Error(`the ${source.name} source should answer synchronously`)
  return result
}

/** The actor a source answers for a token, or `null` when the token is not the source's. */
export function actorOf(source: TokenSource, token: string, now: number): Actor | null {
  return answerOf(source, token, now)?.actor ?? null
}
