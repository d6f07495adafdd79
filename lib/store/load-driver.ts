/**
 * Loading a store's database driver, which is an optional peer dependency: only the store that
 * needs it imports it, when it is opened, and a missing driver is a clear error naming the
 * package to install.
 *
 * @module
 * @internal
 */
import { StoreUnavailableError } from '../errors.js'

/** The drivers, with the version range tokengate supports. */
const RANGES = { 'better-sqlite3': '12', pg: '8' } as const

/** Whether an import failed because the package itself is not installed. */
function isMissing(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(pkg)
}

/**
 * Import a driver.
 * @param pkg - the package.
 * @param store - the kind of store that needs it, for the message (`sqlite:`).
 * @param load - the import, such as `() => import('pg')`.
 * @throws StoreUnavailableError `The sqlite: token store needs the better-sqlite3 package: npm install better-sqlite3@12`
 * @internal
 */
export async function loadDriver<T>(pkg: keyof typeof RANGES, store: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (isMissing(error, pkg)) {
      throw new StoreUnavailableError(
        `The ${store} token store needs the ${pkg} package, which is not installed: npm install ${pkg}@${RANGES[pkg]}`,
        { cause: error },
      )
    }
    throw new StoreUnavailableError(`The ${store} token store cannot load the ${pkg} package: ${(error as Error).message}`, { cause: error })
  }
}

/** A module's default export when it has one (CommonJS packages imported from ESM or through a transpiler). @internal */
export function defaultExport<T>(module: T | { default: T }): T {
  return typeof module === 'object' && module !== null && 'default' in module && module.default !== undefined ? module.default : (module as T)
}
