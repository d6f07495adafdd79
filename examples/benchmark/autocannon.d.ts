/**
 * The part of autocannon's programmatic API the benchmark driver uses. autocannon 8 ships no
 * type declarations and the project has no `@types/autocannon`, so the driver declares what it
 * reads, as autocannon's README documents it ("Results").
 *
 * @module
 */
declare module 'autocannon' {
  /** Options the driver passes (a subset of autocannon's). */
  interface Options {
    url: string
    connections?: number
    pipelining?: number
    /** Seconds. */
    duration?: number
    method?: string
    headers?: { [name: string]: string }
    /** Each answer whose body differs is counted in `mismatches`. */
    expectBody?: string
    /** Per-request timeout, in seconds. */
    timeout?: number
    title?: string
  }

  /** An hdr-histogram-percentiles-obj summary. */
  interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p97_5: number
    p99: number
  }

  /** What a run resolves to. */
  interface Result {
    title?: string
    url: string
    /** Seconds the run took. */
    duration: number
    connections: number
    pipelining: number
    errors: number
    timeouts: number
    mismatches: number
    non2xx: number
    resets: number
    '2xx': number
    statusCodeStats: { [status: string]: { count: number } }
    /** Latency, in milliseconds. */
    latency: Histogram
    /** Requests per second, sampled every second; `total` counts completed requests. */
    requests: Histogram & { sent: number }
    throughput: Histogram
  }

  /** A running benchmark. */
  interface Instance {
    /** End the run early; the callback still gets the result so far. */
    stop(): void
  }

  /** Start a run; `callback` gets the result (or a setup error) when it ends. */
  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance
  export default autocannon
  export type { Histogram, Instance, Options, Result }
}
