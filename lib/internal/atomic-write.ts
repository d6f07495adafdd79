/**
 * Replacing a small file so that it is never seen, or left, half written: write a temporary file
 * beside it, fully, flush it to disk, rename it over the file, flush the directory.
 *
 * What it guarantees (security review, issue 9: a short write once renamed a truncated tokens
 * file over the good one while the CLI said "Wrote token"):
 * - `writeSync` may write fewer bytes than asked (a full disk, a quota, `ulimit -f`); the rest is
 *   written in a loop, and the write that cannot go on throws. Any error before the rename
 *   removes the temporary file and leaves the old file byte for byte as it was.
 * - The temporary file is created with `O_EXCL` and mode `0600`, fsynced, then renamed; the
 *   directory is fsynced after the rename, so the new name survives a crash.
 * - A symbolic link is not replaced (the rename would swap the link for a file and leave its
 *   target stale): that is an error with the code `ERR_TOKENS_FILE_SYMLINK`.
 * - Run as root over an existing file, the new file gets the old one's owner, group and mode,
 *   so a root shell editing a service's file does not lock the service out of it. Otherwise the
 *   new file is the writer's, with mode `0600`.
 *
 * @module
 * @internal
 */
import { randomBytes } from 'node:crypto'
import {
  type Stats,
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/** Write every byte of `data` to `fd`, however many calls it takes. */
function writeFully(fd: number, data: Buffer): void {
  let offset = 0
  while (offset < data.length) {
    const written = writeSync(fd, data, offset, data.length - offset)
    // A write that makes no progress would loop forever: treat it as the failure it is.
    if (written <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' })
    offset += written
  }
}

/** Flush a directory's entries to disk (where the platform allows opening a directory). */
function fsyncDirectory(directory: string): void {
  if (process.platform === 'win32') return
  const fd = openSync(directory, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * The existing file's status, `null` when there is none.
 * @throws Error with code `ERR_TOKENS_FILE_SYMLINK` when `file` is a symbolic link.
 */
function existing(file: string): Stats | null {
  let stats: Stats
  try {
    stats = lstatSync(file)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null
    throw error
  }
  if (stats.isSymbolicLink()) {
    throw Object.assign(new Error(`${file} is a symbolic link; it is not replaced: give the path of the file it points to`), {
      code: 'ERR_TOKENS_FILE_SYMLINK',
    })
  }
  return stats
}

/**
 * Replace `file` with `text` (UTF-8) atomically and durably; see the module documentation.
 *
 * @throws Error with code `ERR_TOKENS_FILE_SYMLINK` for a symbolic link; the error of the
 *   failed system call otherwise (`ENOSPC`, `EFBIG`, `EACCES`, `ENOENT` for a missing
 *   directory…), with the old file untouched.
 * @internal
 */
export function writeFileAtomically(file: string, text: string): void {
  const previous = existing(file)
  const data = Buffer.from(text, 'utf8')
  const directory = dirname(file)
  const temporary = join(directory, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  let fd: number | undefined
  let created = false
  try {
    fd = openSync(temporary, 'wx', 0o600)
    created = true
    writeFully(fd, data)
    if (previous !== null && isRoot()) {
      fchownSync(fd, previous.uid, previous.gid)
      fchmodSync(fd, previous.mode & 0o7777)
    }
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    // Checked again just before the rename: a link put there meanwhile is not replaced either.
    existing(file)
    renameSync(temporary, file)
    created = false
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {
        // already failing; the original error is the one to report
      }
    }
    if (created) {
      try {
        unlinkSync(temporary)
      } catch {
        // nothing more can be done; the old file is intact either way
      }
    }
    throw error
  }
  fsyncDirectory(directory)
}
