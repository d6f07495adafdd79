import type request from 'supertest'

/** An answer's status and rate-limit headers, only those it has: what the rate-limit suites compare. */
export function limitOf(res: request.Response): { status: number; policy?: string; state?: string; retryAfter?: string } {
  const out: { status: number; policy?: string; state?: string; retryAfter?: string } = { status: res.status }
  if (res.headers['ratelimit-policy'] !== undefined) out.policy = res.headers['ratelimit-policy'] as string
  if (res.headers['ratelimit'] !== undefined) out.state = res.headers['ratelimit'] as string
  if (res.headers['retry-after'] !== undefined) out.retryAfter = res.headers['retry-after'] as string
  return out
}
