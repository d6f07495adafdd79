/**
 * What a schema migration is, and the check every store runs before it migrates: a store whose
 * schema is newer than this library is refused, with a message saying what to do.
 *
 * Migrations are written as SQL, one list per dialect (`sqlite.ts`, `postgres.ts`), numbered
 * from 1 without gaps. A store records every version it applied in its
 * `tokengate_migrations` table and applies the missing ones, in order, when it is opened. A new
 * feature that needs a table or a column adds a migration at the end of each list; a published
 * migration is never edited.
 *
 * @module
 * @internal
 */
import { StoreUnavailableError } from '../../errors.js'

/** One step of a schema. @internal */
export interface Migration {
  /** 1, 2, 3, … in order. */
  readonly version: number
  /** What it does, in a few words (recorded in the store). */
  readonly name: string
  /** The statements, separated by `;`. */
  readonly sql: string
}

/** The newest version of a list of migrations. @internal */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0)
}

/**
 * The migrations a store at `current` still needs.
 * @throws StoreUnavailableError when the store is newer than every migration this library has.
 * @internal
 */
export function pendingMigrations(migrations: readonly Migration[], current: number, description: string): Migration[] {
  const latest = latestVersion(migrations)
  if (current > latest) {
    throw new StoreUnavailableError(
      `The token store ${description} has schema version ${current}, newer than this version of tokengate knows (${latest}): ` +
        'upgrade tokengate, or point it at a store it created',
    )
  }
  return migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version)
}
