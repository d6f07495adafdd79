/**
 * A lock file for read-modify-write of a small file by several processes (the CLI's
 * `create-token --offline`, run in parallel by a deployment script): `FILE.lock`, created with
 * `O_CREAT | O_EXCL`, so exactly one process holds it. No dependency: the filesystem's own
 * atomic create is the lock.
 *
 * - The lock file holds who took it: `{"pid", "host", "nonce", "at"}`. Only the holder (same
 *   nonce) removes it.
 * - A waiting process polls (10 to 40 ms apart) until the lock is free or `timeoutMs` passes,
 *   then fails with the code `ERR_TOKENS_FILE_LOCKED`, naming the holder.
 * - A stale lock (its holder crashed) is broken: on this host, when the holder's pid is no
 *   longer running; from another host, or when the file cannot be read, once it is older than
 *   `staleMs`. Breaking renames the lock aside first (atomic), checks it is still the stale one,
 *   and only then deletes it, so two processes breaking the same stale lock do not delete a lock
 *   that a third has just taken.
 *
 * @module
 * @internal
 */
import { randomBytes } from 'node:crypto'
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'

/** Options of {@link withFileLock}. @internal */
export interface FileLockOptions {
  /** How long to wait for the lock, in milliseconds. @defaultValue 10000 */
  readonly timeoutMs?: number
  /** How old a lock must be before it counts as stale when its holder cannot be checked, in milliseconds. @defaultValue 60000 */
  readonly staleMs?: number
}

interface Holder {
  readonly pid: number
  readonly host: string
  readonly nonce: string
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4))

function sleep(ms: number): void {
  Atomics.wait(SLEEPER, 0, 0, ms)
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

function readHolder(path: string): Holder | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string') {
      return { pid: value.pid, host: value.host, nonce: value.nonce }
    }
  } catch {
    // unreadable, half-written or not JSON: judged by its age
  }
  return null
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, under another user.
    return errorCode(error) === 'EPERM'
  }
}

function ageOf(path: string): number | null {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return null
  }
}

/** Whether the lock at `path` was left by a holder that is gone. */
function isStale(path: string, holder: Holder | null, staleMs: number): boolean {
  if (holder !== null && holder.host === hostname() && holder.pid !== process.pid) return !isRunning(holder.pid)
  const age = ageOf(path)
  return age !== null && age > staleMs
}

/** Break a stale lock, unless it changed hands since it was judged stale. */
function breakStale(path: string, judged: Holder | null): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(6).toString('hex')}`
  try {
    renameSync(path, aside)
  } catch {
    return // gone already (another process broke it): try again
  }
  const moved = readHolder(aside)
  const same = judged === null ? moved === null : moved !== null && moved.nonce === judged.nonce
  if (!same) {
    // A live lock was taken between the judgement and the rename: put it back, unless someone
    // has taken the path since (then the live holder keeps running without its file, and its
    // release notices the lock is not its own).
    try {
      linkSync(aside, path)
    } catch {
      // taken again meanwhile
    }
  }
  try {
    unlinkSync(aside)
  } catch {
    // nothing to clean
  }
}

/**
 * Run `run` while holding `FILE.lock`, and release it afterwards, whether `run` returns or throws.
 *
 * @param file - the file the lock protects; the lock is `file + ".lock"`, beside it.
 * @param run - what to do while holding the lock (read, change, write the file).
 * @param options - how long to wait and when a lock counts as stale.
 * @throws Error with code `ERR_TOKENS_FILE_LOCKED` when the lock is still held after `timeoutMs`;
 *   the error of a failed system call when the lock cannot be created (a missing directory).
 * @internal
 */
export function withFileLock<T>(file: string, run: () => T, options: FileLockOptions = {}): T {
  const path = `${file}.lock`
  const timeoutMs = options.timeoutMs ?? 10_000
  const staleMs = options.staleMs ?? 60_000
  const mine: Holder & { at: number } = { pid: process.pid, host: hostname(), nonce: randomBytes(12).toString('hex'), at: Date.now() }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let fd: number | undefined
    try {
      fd = openSync(path, 'wx', 0o600)
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, JSON.stringify(mine))
      } finally {
        closeSync(fd)
      }
      break
    }
    const holder = readHolder(path)
    if (isStale(path, holder, staleMs)) {
      breakStale(path, holder)
      continue
    }
    if (Date.now() >= deadline) {
      const who = holder === null ? 'another process' : `process ${holder.pid} on ${holder.host}`
      throw Object.assign(
        new Error(`${file} is locked by ${who} (${path}); try again, or remove the lock file if no tokengate is running`),
        { code: 'ERR_TOKENS_FILE_LOCKED' },
      )
    }
    sleep(10 + Math.floor(Math.random() * 30))
  }
  try {
    return run()
  } finally {
    // Remove the lock only if it is still ours.
    if (readHolder(path)?.nonce === mine.nonce) {
      try {
        unlinkSync(path)
      } catch {
        // already gone
      }
    }
  }
}
