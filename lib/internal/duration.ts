/**
 * Human-friendly durations for token lifetimes (`--expiry 7d`, `--expiry "1h 30m"`), in the
 * grammar of Rust's `humantime::parse_duration`, which InfluxDB 3's `--expiry` uses: one or more
 * spans, each a whole number followed by a unit, optionally separated by whitespace, summed.
 *
 * Units (case-sensitive, as in humantime):
 *
 * | unit | spellings | seconds |
 * |---|---|---|
 * | seconds | `s`, `sec`, `secs`, `second`, `seconds` | 1 |
 * | minutes | `m`, `min`, `mins`, `minute`, `minutes` | 60 |
 * | hours | `h`, `hr`, `hrs`, `hour`, `hours` | 3 600 |
 * | days | `d`, `day`, `days` | 86 400 |
 * | weeks | `w`, `week`, `weeks` | 604 800 |
 * | months | `M`, `month`, `months` (30.44 days) | 2 630 016 |
 * | years | `y`, `year`, `years` (365.25 days) | 31 557 600 |
 *
 * Deliberate differences from humantime: sub-second units (`ns`, `us`, `ms`, …) are refused,
 * since token lifetimes are whole seconds; and digits of one number may not be split by
 * whitespace (humantime reads `1 0s` as ten seconds).
 *
 * @module
 * @internal
 */

/** Seconds per unit spelling. */
const UNITS: ReadonlyMap<string, number> = new Map([
  ...['s', 'sec', 'secs', 'second', 'seconds'].map((u) => [u, 1] as const),
  ...['m', 'min', 'mins', 'minute', 'minutes'].map((u) => [u, 60] as const),
  ...['h', 'hr', 'hrs', 'hour', 'hours'].map((u) => [u, 3_600] as const),
  ...['d', 'day', 'days'].map((u) => [u, 86_400] as const),
  ...['w', 'week', 'weeks'].map((u) => [u, 604_800] as const),
  ...['M', 'month', 'months'].map((u) => [u, 2_630_016] as const),
  ...['y', 'year', 'years'].map((u) => [u, 31_557_600] as const),
])

/** humantime's sub-second spellings, refused with their own message. */
const SUB_SECOND_UNITS: ReadonlySet<string> = new Set(['ns', 'nsec', 'nanos', 'us', 'usec', 'µs', 'ms', 'msec', 'millis'])

/** One span: a whole number, optional whitespace, a unit made of letters. */
const SPAN = /(\d+)\s*([A-Za-zµ]*)\s*/y

/** What {@link parseDuration} returns: the whole seconds, or why the text is not a duration. */
export type DurationResult = { ok: true; seconds: number } | { ok: false; problem: string }

/**
 * Parse a humantime-style duration such as `7d`, `1h 30m`, `90min` or `1y` into whole seconds.
 * `0s` is a valid duration of zero; callers decide whether zero makes sense.
 *
 * @param text - the duration as typed.
 * @returns `{ ok: true, seconds }`, or `{ ok: false, problem }` with a sentence naming what is
 *   wrong (empty, a missing or unknown unit, a character that is not allowed, a number too large).
 * @internal
 * @example
 * ```ts
 * parseDuration('1h 30m') // { ok: true, seconds: 5400 }
 * parseDuration('1M')     // { ok: true, seconds: 2630016 }
 * parseDuration('10')     // { ok: false, problem: 'a time unit is needed after 10, such as 10s, 10m or 10d' }
 * ```
 */
export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim()
  if (trimmed === '') return { ok: false, problem: 'the duration is empty; write one such as 30m, 12h, 7d or 1y' }
  let total = 0
  let at = 0
  while (at < trimmed.length) {
    SPAN.lastIndex = at
    const match = SPAN.exec(trimmed)
    if (match === null) {
      const char = trimmed.charAt(at)
      return {
        ok: false,
        problem: /[A-Za-zµ]/.test(char)
          ? `a number is expected at position ${at + 1}, before the unit ${JSON.stringify(char)}`
          : `${JSON.stringify(char)} at position ${at + 1} is not allowed; write whole numbers with units, such as 90m or 1h 30m`,
      }
    }
    const [, digits = '', unit = ''] = match
    if (unit === '') {
      const next = trimmed.charAt(SPAN.lastIndex)
      return {
        ok: false,
        problem:
          next === '' || /\d/.test(next)
            ? `a time unit is needed after ${digits}, such as ${digits}s, ${digits}m or ${digits}d`
            : `${JSON.stringify(next)} at position ${SPAN.lastIndex + 1} is not allowed; write whole numbers with units, such as 90m or 1h 30m`,
      }
    }
    if (SUB_SECOND_UNITS.has(unit)) {
      return { ok: false, problem: `sub-second units such as ${JSON.stringify(unit)} are not supported: token lifetimes are whole seconds` }
    }
    const perUnit = UNITS.get(unit)
    if (perUnit === undefined) {
      return {
        ok: false,
        problem: `unknown time unit ${JSON.stringify(unit)}; use s, m (min), h, d, w, M (months) or y (years)`,
      }
    }
    total += Number(digits) * perUnit
    if (!Number.isSafeInteger(total)) return { ok: false, problem: 'the duration is too large' }
    at = SPAN.lastIndex
  }
  return { ok: true, seconds: total }
}
