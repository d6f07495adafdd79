/**
 * Rate limits (SPEC section 11): what a limit is, how a gate option or a token's `rate_limit` is
 * checked, and the IETF draft's structured headers every limited response carries
 * (draft-ietf-httpapi-ratelimit-headers):
 *
 * ```http
 * RateLimit-Policy: "default";q=5;w=60
 * RateLimit: "default";r=0;t=42
 * ```
 *
 * `q` is the quota (points), `w` the window in seconds, `r` what remains in the current window,
 * `t` the seconds until it resets. A refused request (429) also carries `Retry-After`, whole
 * seconds, equal to `t` (at least 1).
 *
 * @module
 */

/**
 * A rate limit: at most `points` requests in a window of `duration` seconds. The window starts at
 * the first request counted and the count starts again when it ends (a fixed window per token).
 */
export interface RateLimit {
  /** Requests allowed per window: a positive whole number. */
  readonly points: number
  /** The window, in seconds: a positive whole number. */
  readonly duration: number
}

/** The largest `points` or `duration` accepted: Redis counts in 64-bit integers, the headers in decimal. */
const MAX = 2 ** 31 - 1

/** Why a value is not a {@link RateLimit}, or `null` when it is one. @internal */
export function rateLimitProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be { points, duration }'
  const keys = Object.keys(value)
  const extra = keys.find((k) => k !== 'points' && k !== 'duration')
  if (extra !== undefined) return `has an unknown key ${JSON.stringify(extra)}; it takes points and duration`
  const { points, duration } = value as { points?: unknown; duration?: unknown }
  const whole = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n > 0 && n <= MAX
  if (!whole(points)) return `points must be a whole number from 1 to ${MAX} (requests per window)`
  if (!whole(duration)) return `duration must be a whole number of seconds from 1 to ${MAX}`
  return null
}

/**
 * The gate's `rateLimit` option, checked and frozen; `null` when absent.
 * @throws TypeError naming what is wrong.
 * @internal
 */
export function checkRateLimitOption(value: unknown): RateLimit | null {
  if (value === undefined || value === null) return null
  const problem = rateLimitProblem(value)
  if (problem !== null) throw new TypeError(`"rateLimit" option ${problem}, such as { points: 100, duration: 60 }`)
  const { points, duration } = value as RateLimit
  return Object.freeze({ points, duration })
}

/** Where a limit's outcome stands after one request was counted. @internal */
export interface LimitOutcome {
  /** Whether the request is within the limit. */
  readonly allowed: boolean
  readonly limit: RateLimit
  /** Requests left in the current window. */
  readonly remaining: number
  /** Whole seconds until the window resets. */
  readonly reset: number
}

/** The `RateLimit-Policy` header of a limit. @internal */
export function rateLimitPolicy(limit: RateLimit): string {
  return `"default";q=${limit.points};w=${limit.duration}`
}

/** The `RateLimit` header of an outcome. @internal */
export function rateLimitState(outcome: LimitOutcome): string {
  return `"default";r=${outcome.remaining};t=${outcome.reset}`
}
