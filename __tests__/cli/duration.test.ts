/**
 * The humantime-style duration parser behind `--expiry` (lib/internal/duration.ts): every unit
 * spelling, combinations, and each way a duration can be wrong, with its message.
 */
import { parseDuration } from '../../lib/internal/duration.js'

const MINUTE = 60
const HOUR = 3_600
const DAY = 86_400

describe('parseDuration', () => {
  // Every spelling humantime accepts for the units from seconds up (case-sensitive).
  test.each([
    ['1s', 1],
    ['1sec', 1],
    ['2secs', 2],
    ['1second', 1],
    ['3seconds', 3],
    ['1m', MINUTE],
    ['1min', MINUTE],
    ['5mins', 5 * MINUTE],
    ['1minute', MINUTE],
    ['7minutes', 7 * MINUTE],
    ['1h', HOUR],
    ['1hr', HOUR],
    ['7hrs', 7 * HOUR],
    ['1hour', HOUR],
    ['24hours', DAY],
    ['1d', DAY],
    ['1day', DAY],
    ['2days', 2 * DAY],
    ['1w', 7 * DAY],
    ['1week', 7 * DAY],
    ['7weeks', 49 * DAY],
    // M is months (30.44 days), m is minutes
    ['1M', 2_630_016],
    ['1month', 2_630_016],
    ['12M', 31_560_192],
    ['3months', 3 * 2_630_016],
    // y is 365.25 days
    ['1y', 31_557_600],
    ['1year', 31_557_600],
    ['17y', 536_479_200],
    ['7years', 7 * 31_557_600],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds })
  })

  // Combinations are summed; whitespace between spans and between number and unit is optional.
  test.each([
    ['1h 30m', 90 * MINUTE],
    ['1h30m', 90 * MINUTE],
    ['2h 37min', 9_420],
    ['1 h', HOUR],
    ['  7d  ', 7 * DAY],
    ['1d 2h 3m 4s', DAY + 2 * HOUR + 3 * MINUTE + 4],
    ['1h 1h', 2 * HOUR],
    ['0s', 0],
    ['007d', 7 * DAY],
  ])('%j is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds })
  })

  test.each([
    ['', 'the duration is empty'],
    ['   ', 'the duration is empty'],
    ['10', 'a time unit is needed after 10, such as 10s, 10m or 10d'],
    ['1h 30', 'a time unit is needed after 30'],
    ['10 20s', 'a time unit is needed after 10'],
    ['1.5h', '"." at position 2 is not allowed'],
    ['-1h', '"-" at position 1 is not allowed'],
    ['+1h', '"+" at position 1 is not allowed'],
    ['1h,30m', '"," at position 3 is not allowed'],
    ['h', 'a number is expected at position 1, before the unit "h"'],
    ['1h m', 'a number is expected at position 4'],
    ['5x', 'unknown time unit "x"'],
    ['1H', 'unknown time unit "H"'],
    ['1D', 'unknown time unit "D"'],
    ['2 hours min', 'a number is expected'],
    ['100ms', 'sub-second units such as "ms" are not supported'],
    ['5ns', 'sub-second units such as "ns" are not supported'],
    ['3us', 'sub-second units such as "us" are not supported'],
    ['3µs', 'sub-second units such as "µs" are not supported'],
    ['99999999999999999999s', 'the duration is too large'],
    ['1000000000y', 'the duration is too large'],
  ])('%j is refused: %s', (text, problem) => {
    const result = parseDuration(text)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problem).toContain(problem)
  })
})
