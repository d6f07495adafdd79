/**
 * Counting requests against rate limits, through rate-limiter-flexible: in this process's memory
 * (`RateLimiterMemory`), or in a Redis that many instances share (`RateLimiterRedis`, its
 * increment and expiry in one Lua script, so concurrent requests on any number of instances are
 * counted exactly).
 *
 * One limiter object per distinct limit (points and window): a token's own limit and the gate's
 * default are counted apart, and a token whose limit changes starts a fresh window.
 *
 * Redis is an optional peer dependency (`ioredis`), imported when the first request is counted
 * or `gate.ready()` is called. Redis never fails a request:
 * - every Redis limiter has an insurance limiter in memory (rate-limiter-flexible's
 *   `insuranceLimiter`), used whenever Redis cannot answer: not connected (ioredis's offline
 *   queue is off, so nothing waits for a connection), a command that fails or takes longer than
 *   a second;
 * - the client reconnects by itself (every second at most), and counting goes back to Redis as
 *   soon as it is connected;
 * - each outage is logged once when it starts and once when it ends, through the gate's logger;
 * - a missing `ioredis` package is logged once, limits are counted in memory, and `gate.ready()`
 *   rejects with a `StoreUnavailableError` saying what to install.
 *
 * @module
 * @internal
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { StoreUnavailableError } from '../errors.js'
import { type Logger, messageOf } from '../events/logger.js'
import type { LimitOutcome, RateLimit } from './rate-limit.js'

/** Counts requests against limits. @internal */
export interface Limiter {
  /** Count one request of `key` against `limit`: at once in memory, a promise with Redis. Never rejects. */
  consume(key: string, limit: RateLimit): LimitOutcome | Promise<LimitOutcome>
  /**
   * Connect to Redis when there is one: waits for its first answer, and never rejects because
   * Redis is down (requests are limited in memory meanwhile); rejects when Redis can never be
   * used (the `ioredis` package is not installed).
   */
  ready(): Promise<void>
  /** Disconnect from Redis. Idempotent. */
  close(): Promise<void>
}

/** The part of an ioredis client tokengate uses. @internal */
export interface RedisClientLike {
  readonly status: string
  on(event: string, listener: (...args: unknown[]) => void): unknown
  quit(): Promise<unknown>
  disconnect(): void
}

/** How long a Redis command may take before the insurance limiter answers instead, in milliseconds. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000
/** How long the first connection may take, in milliseconds. */
const REDIS_CONNECT_TIMEOUT_MS = 1000
/** The longest wait between reconnection attempts, in milliseconds. */
const REDIS_MAX_RETRY_MS = 1000

/** What the gate's `rateLimitStore` option names. @internal */
export type LimiterStore = { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly url: string }

/**
 * The `rateLimitStore` option, checked.
 * @throws TypeError for anything but `'memory'` or a `redis://` / `rediss://` URL.
 * @internal
 */
export function checkRateLimitStore(value: unknown): LimiterStore {
  if (value === undefined || value === 'memory') return { kind: 'memory' }
  if (typeof value === 'string' && /^rediss?:\/\//.test(value)) {
    try {
      new URL(value)
      return { kind: 'redis', url: value }
    } catch {
      // fall through: never quote the URL, it may carry a password
    }
  }
  throw new TypeError(`"rateLimitStore" option must be 'memory' or a redis:// or rediss:// URL`)
}

/** A Redis URL without its password, for log lines. @internal */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.password = ''
    parsed.search = ''
    return parsed.toString().replace(/^(rediss?:\/\/)([^@/]*):@/, '$1$2@')
  } catch {
    return 'redis://(unparsable URL)'
  }
}

/** What rate-limiter-flexible answered, as an outcome. */
function outcomeOf(allowed: boolean, limit: RateLimit, res: RateLimiterRes): LimitOutcome {
  return {
    allowed,
    limit,
    remaining: allowed ? Math.max(0, res.remainingPoints) : 0,
    reset: Math.max(0, Math.ceil(res.msBeforeNext / 1000)),
  }
}

/** Count one request on a rate-limiter-flexible limiter; a refusal resolves too. */
function count(limiter: RateLimiterMemory | RateLimiterRedis, key: string, limit: RateLimit): Promise<LimitOutcome> {
  return limiter.consume(key).then(
    (res) => outcomeOf(true, limit, res),
    (rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) return outcomeOf(false, limit, rejection)
      throw rejection
    },
  )
}

const limitKey = (limit: RateLimit): string => `${limit.points}:${limit.duration}`

/**
 * The synchronous counter inside a `RateLimiterMemory`: its storage's `incrby(key, points,
 * seconds)`, which `consume` wraps in a promise. Counting through it directly keeps a request
 * whose token is limited in memory free of promises (the promise costs several times what the
 * count does, measured with the benchmark). It is not part of rate-limiter-flexible's typed API,
 * so it is looked for, not assumed: when a version lacks it, `consume` is used.
 */
interface SyncStorage {
  incrby(key: string, points: number, seconds: number): RateLimiterRes
}
function syncStorageOf(limiter: RateLimiterMemory): SyncStorage | null {
  const storage = (limiter as unknown as { _memoryStorage?: Partial<SyncStorage> })._memoryStorage
  return typeof storage?.incrby === 'function' ? (storage as SyncStorage) : null
}

/** One limit's counter in memory. */
interface MemoryCounter {
  readonly limiter: RateLimiterMemory
  readonly storage: SyncStorage | null
}

/**
 * A limiter counting in this process's memory: rate-limiter-flexible's `RateLimiterMemory`, one
 * per limit, counted synchronously (see {@link SyncStorage}).
 * @internal
 */
export function createMemoryLimiter(): Limiter & { readonly synchronous: () => boolean } {
  const counters = new Map<string, MemoryCounter>()
  // The same limit object comes back on every request (the gate's default, a cached token's own):
  // found by identity first, without making its key.
  const byObject = new WeakMap<RateLimit, MemoryCounter>()
  let synchronous = true
  return {
    consume(key, limit) {
      let counter = byObject.get(limit)
      if (counter === undefined) {
        const id = limitKey(limit)
        counter = counters.get(id)
        if (counter === undefined) {
          const limiter = new RateLimiterMemory({ points: limit.points, duration: limit.duration, keyPrefix: id })
          counter = { limiter, storage: syncStorageOf(limiter) }
          if (counter.storage === null) synchronous = false
          counters.set(id, counter)
        }
        byObject.set(limit, counter)
      }
      if (counter.storage === null) return count(counter.limiter, key, limit)
      // What RateLimiterMemory.consume does (without its block and execEvenly options, unused here).
      const res = counter.storage.incrby(counter.limiter.getKey(key), 1, limit.duration)
      const allowed = res.consumedPoints <= limit.points
      return {
        allowed,
        limit,
        remaining: allowed ? limit.points - res.consumedPoints : 0,
        reset: Math.max(0, Math.ceil(res.msBeforeNext / 1000)),
      }
    },
    ready: async () => {},
    close: async () => {},
    synchronous: () => synchronous,
  }
}

/** How the Redis limiter gets its client: ioredis, imported and constructed. @internal */
export type RedisConnect = (url: string, options: Record<string, unknown>) => Promise<RedisClientLike>

/** Import ioredis (an optional peer dependency) and make a client. */
const connectWithIoredis: RedisConnect = async (url, options) => {
  let module: { default?: unknown; Redis?: unknown }
  try {
    module = (await import('ioredis')) as { default?: unknown; Redis?: unknown }
  } catch (error) {
    const { code } = (error ?? {}) as { code?: unknown }
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new StoreUnavailableError('rateLimitStore is a Redis URL, but the ioredis package is not installed: npm install ioredis@6', {
        cause: error,
      })
    }
    throw error
  }
  const Redis = (module.Redis ?? module.default) as new (url: string, options: Record<string, unknown>) => RedisClientLike
  return new Redis(url, options)
}

/** What {@link createRedisLimiter} takes. @internal */
export interface RedisLimiterOptions {
  readonly url: string
  /** Every key starts with this and `:`. */
  readonly prefix: string
  readonly logger: Logger
  /** Tests replace the import. */
  readonly connect?: RedisConnect
}

/**
 * A limiter counting in Redis, with an insurance limiter in memory for every limit.
 * @internal
 */
export function createRedisLimiter(options: RedisLimiterOptions): Limiter {
  const { url, prefix, logger } = options
  const where = redactRedisUrl(url)
  const connect = options.connect ?? connectWithIoredis
  const limiters = new Map<string, RateLimiterRedis>()
  const fallback = createMemoryLimiter()
  let client: RedisClientLike | null = null
  let unusable = false
  let closed = false
  let state: 'connecting' | 'up' | 'down' = 'connecting'
  let contact: Promise<void> | null = null
  /** Why Redis can never be used (ioredis is not installed): `ready()` rejects with it. */
  let failure: unknown = null

  const down = (error?: unknown): void => {
    if (closed || state === 'down') return
    state = 'down'
    const detail = error === undefined ? 'connection closed' : messageOf(error)
    logger.warn(`tokengate: Redis at ${where} cannot be reached (${detail}); rate limits are counted in this instance's memory until it is back`)
  }

  const start = (): Promise<void> => {
    contact ??= new Promise<void>((resolve) => {
      connect(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
        retryStrategy: (times: number) => Math.min(100 * times, REDIS_MAX_RETRY_MS),
      }).then(
        (made) => {
          if (closed) {
            made.disconnect()
            resolve()
            return
          }
          client = made
          made.on('ready', () => {
            if (state === 'down') logger.warn(`tokengate: Redis at ${where} is reachable again; rate limits are shared again`)
            state = 'up'
            resolve()
          })
          made.on('error', (error) => {
            down(error)
            resolve()
          })
          made.on('close', () => {
            down()
            resolve()
          })
        },
        (error: unknown) => {
          unusable = true
          failure = error
          logger.error(`tokengate: ${messageOf(error)}; rate limits are counted in this instance's memory`)
          resolve()
        },
      )
    })
    return contact
  }

  const limiterFor = (limit: RateLimit, redis: RedisClientLike): RateLimiterRedis => {
    const id = limitKey(limit)
    let limiter = limiters.get(id)
    if (limiter === undefined) {
      limiter = new RateLimiterRedis({
        storeClient: redis,
        points: limit.points,
        duration: limit.duration,
        keyPrefix: `${prefix}:${id}`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points: limit.points, duration: limit.duration, keyPrefix: id }),
      })
      limiters.set(id, limiter)
    }
    return limiter
  }

  const consume = (key: string, limit: RateLimit): LimitOutcome | Promise<LimitOutcome> => {
    if (unusable || closed || client === null) return fallback.consume(key, limit)
    // The insurance limiter answers whenever Redis cannot; an error that still comes through
    // (none is expected) is counted in memory too: never dropped, never a failed request.
    return count(limiterFor(limit, client), key, limit).catch(() => fallback.consume(key, limit))
  }

  return {
    consume(key, limit) {
      if (contact === null || (client === null && !unusable && !closed)) return start().then(() => consume(key, limit))
      return consume(key, limit)
    },
    async ready() {
      await start()
      if (failure !== null) throw failure
    },
    async close() {
      if (closed) return
      closed = true
      const open = client
      client = null
      if (open !== null) await open.quit().catch(() => open.disconnect())
    },
  }
}
