/**
 * What the benchmark's scripts share to measure: a process's CPU time from `/proc`, and the
 * median of a few runs.
 *
 * @module
 */
import { readFileSync } from 'node:fs'

/** Linux's USER_HZ: `/proc` counts CPU time in hundredths of a second. */
export const TICKS_PER_SECOND = 100

/** CPU seconds a process has used (user + system), or `null` where `/proc` is missing. */
export function processCpu(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return null
  }
}

/** The median (the mean of the middle two for an even count); `NaN` for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}
